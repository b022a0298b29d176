# The REST reference: Apache Kafka Connect 4.1.1 (the version goconnect's
# GET / claims) in distributed mode with the FileStream connectors on its
# class path and Debezium's MySQL connector 3.4.1.Final and MongoDB's Kafka
# connector 1.13.0 on its plugin path, all from Maven Central
# (scripts/java-connect-4/). REST on 127.0.0.1:18084, its own group and
# internal topics on the shared Kafka; e2e/reference_rest_test.go runs the
# same REST transcript on it and on goconnect. The 3.8.1 reference
# (java-connect.sh) stays for the record suite. Needs kafka up first.
# Sourced by scripts/services.sh.
JC4_CONNECT_VERSION=4.1.1
JC4_PORT=${JC4_PORT:-18084}
JC4_HOME=$GOCONNECT_CACHE/java-connect-$JC4_CONNECT_VERSION
JC4_DIR=$GOCONNECT_RUN/java-connect-4
JC4_SRC=$REPO_ROOT/scripts/java-connect-4
JC4_GROUP=goconnect-java-reference-4
# Plugin classes the readiness check insists on: a worker that lacks one
# cannot serve the transcript.
JC4_PLUGINS="org.apache.kafka.connect.file.FileStreamSourceConnector io.debezium.connector.mysql.MySqlConnector com.mongodb.kafka.connect.MongoSinkConnector"

java_connect_4_install() {
	command -v java >/dev/null || apt_install openjdk-17-jre-headless || fail java-connect-4 "apt-get install openjdk-17-jre-headless failed"
	command -v mvn >/dev/null || apt_install maven || fail java-connect-4 "apt-get install maven failed"
	command -v curl >/dev/null || apt_install curl || fail java-connect-4 "apt-get install curl failed"
	# .complete holds the poms' hash: a changed pom fetches the jars again.
	local want; want=$(cat "$JC4_SRC/pom.xml" "$JC4_SRC"/plugins/*.xml | sha256sum | cut -d' ' -f1)
	[ "$(cat "$JC4_HOME/.complete" 2>/dev/null)" = "$want" ] && return 0
	rm -rf "$JC4_HOME" && mkdir -p "$JC4_HOME/plugins"
	mvn -q -B -f "$JC4_SRC/pom.xml" -Dconnect.version="$JC4_CONNECT_VERSION" dependency:copy-dependencies \
		-DoutputDirectory="$JC4_HOME/libs" >"$JC4_HOME/install.log" 2>&1 \
		|| fail java-connect-4 "downloading Kafka Connect $JC4_CONNECT_VERSION jars from Maven Central failed" "$JC4_HOME/install.log"
	# One directory per plugin, as a Connect distribution's plugin.path:
	# each gets its own class loader. Kafka's jars and slf4j come from the
	# worker (Connect loads them from its parent class loader anyway).
	local pom
	for pom in "$JC4_SRC"/plugins/*.xml; do
		mvn -q -B -f "$pom" dependency:copy-dependencies -DincludeScope=runtime \
			-DexcludeGroupIds=org.apache.kafka -DexcludeArtifactIds=slf4j-api \
			-DoutputDirectory="$JC4_HOME/plugins/$(basename "$pom" .xml)" >>"$JC4_HOME/install.log" 2>&1 \
			|| fail java-connect-4 "downloading the plugin of $(basename "$pom") from Maven Central failed" "$JC4_HOME/install.log"
	done
	echo "$want" >"$JC4_HOME/.complete"
}

java_connect_4_config() {
	mkdir -p "$JC4_DIR"
	cat >"$JC4_DIR/log4j2.properties" <<'PROPS'
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %X{connector.context}%m (%c:%L)%n
logger.reflections.name = org.reflections
logger.reflections.level = ERROR
logger.clients.name = org.apache.kafka.clients
logger.clients.level = WARN
logger.common.name = org.apache.kafka.common
logger.common.level = WARN
PROPS
	cat >"$JC4_DIR/worker.properties" <<PROPS
bootstrap.servers=127.0.0.1:9092
group.id=$JC4_GROUP
config.storage.topic=$JC4_GROUP-configs
offset.storage.topic=$JC4_GROUP-offsets
status.storage.topic=$JC4_GROUP-status
config.storage.replication.factor=1
offset.storage.replication.factor=1
status.storage.replication.factor=1
key.converter=org.apache.kafka.connect.json.JsonConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
offset.flush.interval.ms=1000
listeners=http://127.0.0.1:$JC4_PORT
rest.advertised.host.name=127.0.0.1
rest.advertised.port=$JC4_PORT
plugin.path=$JC4_HOME/plugins
PROPS
}

# java_connect_4_ready wants GET / to answer and every plugin of
# $JC4_PLUGINS listed; it fails fast (exit 3) once the worker died.
java_connect_4_ready() {
	pid_alive "$JC4_DIR/connect.pid" || return 3
	curl -sf -m 5 "http://127.0.0.1:$JC4_PORT/" | grep -q '"version"' || return 1
	local plugins c
	plugins=$(curl -sf -m 10 "http://127.0.0.1:$JC4_PORT/connector-plugins?connectorsOnly=false") || return 1
	for c in $JC4_PLUGINS; do
		grep -q "\"$c\"" <<<"$plugins" || return 1
	done
}

java_connect_4_up() {
	local start; start=$(now)
	if java_connect_4_ready >/dev/null 2>&1; then
		echo "java-connect-4 ready at http://127.0.0.1:$JC4_PORT (already running)"
		return 0
	fi
	port_open 9092 || fail java-connect-4 "Kafka is not running on 127.0.0.1:9092 (scripts/services.sh up kafka)"
	java_connect_4_install
	java_connect_4_config
	if ! pid_alive "$JC4_DIR/connect.pid"; then
		port_open "$JC4_PORT" && fail java-connect-4 "port $JC4_PORT is taken by another process"
		setsid nohup java -Xms128m -Xmx512m -Dlog4j2.configurationFile="$JC4_DIR/log4j2.properties" \
			-cp "$JC4_HOME/libs/*" org.apache.kafka.connect.cli.ConnectDistributed "$JC4_DIR/worker.properties" \
			>"$JC4_DIR/connect.log" 2>&1 &
		echo $! >"$JC4_DIR/connect.pid"
	fi
	if ! wait_until 180 java_connect_4_ready; then
		local why="GET / or the plugins $JC4_PLUGINS not answered on 127.0.0.1:$JC4_PORT within 180s"
		pid_alive "$JC4_DIR/connect.pid" || why="the Connect worker process exited"
		fail java-connect-4 "$why" "$JC4_DIR/connect.log"
	fi
	echo "java-connect-4 ready at http://127.0.0.1:$JC4_PORT (Kafka Connect $JC4_CONNECT_VERSION distributed, group $JC4_GROUP, FileStream, Debezium MySQL 3.4.1.Final, MongoDB connector 1.13.0, $(elapsed "$start")s)"
}

java_connect_4_down() {
	stop_pid "$JC4_DIR/connect.pid"
	echo "java-connect-4 stopped"
}

java_connect_4_status() {
	if java_connect_4_ready >/dev/null 2>&1; then
		echo "java-connect-4: running at http://127.0.0.1:$JC4_PORT"
	else
		echo "java-connect-4: down"; return 1
	fi
}
