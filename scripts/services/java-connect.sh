# The Java reference: Apache Kafka Connect 3.8.1 in distributed mode with
# Debezium's MySQL connector 2.7.3.Final and MongoDB's Kafka connector
# 1.13.0 on its plugin path, all from Maven Central
# (scripts/java-connect/). REST on 127.0.0.1:18083, its own group and
# internal topics on the shared Kafka; the differential e2e suite
# (e2e/reference_test.go) runs the same connectors on it and on goconnect.
# Needs kafka up first. Sourced by scripts/services.sh.
JC_CONNECT_VERSION=3.8.1
JC_PORT=${JC_PORT:-18083}
JC_HOME=$GOCONNECT_CACHE/java-connect-$JC_CONNECT_VERSION
JC_DIR=$GOCONNECT_RUN/java-connect
JC_SRC=$REPO_ROOT/scripts/java-connect
JC_GROUP=goconnect-java-reference
# Plugin classes the readiness check insists on: a worker that lacks one
# cannot serve the suite.
JC_PLUGINS="io.debezium.connector.mysql.MySqlConnector com.mongodb.kafka.connect.MongoSinkConnector"

java_connect_install() {
	command -v java >/dev/null || apt_install openjdk-17-jre-headless || fail java-connect "apt-get install openjdk-17-jre-headless failed"
	command -v mvn >/dev/null || apt_install maven || fail java-connect "apt-get install maven failed"
	command -v curl >/dev/null || apt_install curl || fail java-connect "apt-get install curl failed"
	# .complete holds the poms' hash: a changed pom fetches the jars again.
	local want; want=$(cat "$JC_SRC/pom.xml" "$JC_SRC"/plugins/*.xml | sha256sum | cut -d' ' -f1)
	[ "$(cat "$JC_HOME/.complete" 2>/dev/null)" = "$want" ] && return 0
	rm -rf "$JC_HOME" && mkdir -p "$JC_HOME/plugins"
	mvn -q -B -f "$JC_SRC/pom.xml" -Dconnect.version="$JC_CONNECT_VERSION" dependency:copy-dependencies \
		-DoutputDirectory="$JC_HOME/libs" >"$JC_HOME/install.log" 2>&1 \
		|| fail java-connect "downloading Kafka Connect $JC_CONNECT_VERSION jars from Maven Central failed" "$JC_HOME/install.log"
	# One directory per plugin, as a Connect distribution's plugin.path:
	# each gets its own class loader. Kafka's jars and slf4j come from the
	# worker (Connect loads them from its parent class loader anyway).
	local pom
	for pom in "$JC_SRC"/plugins/*.xml; do
		mvn -q -B -f "$pom" dependency:copy-dependencies -DincludeScope=runtime \
			-DexcludeGroupIds=org.apache.kafka -DexcludeArtifactIds=slf4j-api \
			-DoutputDirectory="$JC_HOME/plugins/$(basename "$pom" .xml)" >>"$JC_HOME/install.log" 2>&1 \
			|| fail java-connect "downloading the plugin of $(basename "$pom") from Maven Central failed" "$JC_HOME/install.log"
	done
	echo "$want" >"$JC_HOME/.complete"
}

java_connect_config() {
	mkdir -p "$JC_DIR"
	cat >"$JC_DIR/log4j.properties" <<'PROPS'
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %X{connector.context}%m (%c:%L)%n
log4j.logger.org.reflections=ERROR
log4j.logger.org.apache.kafka.clients=WARN
log4j.logger.org.apache.kafka.common=WARN
PROPS
	cat >"$JC_DIR/worker.properties" <<PROPS
bootstrap.servers=127.0.0.1:9092
group.id=$JC_GROUP
config.storage.topic=$JC_GROUP-configs
offset.storage.topic=$JC_GROUP-offsets
status.storage.topic=$JC_GROUP-status
config.storage.replication.factor=1
offset.storage.replication.factor=1
status.storage.replication.factor=1
key.converter=org.apache.kafka.connect.json.JsonConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
offset.flush.interval.ms=1000
listeners=http://127.0.0.1:$JC_PORT
rest.advertised.host.name=127.0.0.1
rest.advertised.port=$JC_PORT
plugin.path=$JC_HOME/plugins
PROPS
}

# java_connect_ready wants GET / to answer and every plugin of
# $JC_PLUGINS listed; it fails fast (exit 3) once the worker died.
java_connect_ready() {
	pid_alive "$JC_DIR/connect.pid" || return 3
	curl -sf -m 5 "http://127.0.0.1:$JC_PORT/" | grep -q '"version"' || return 1
	local plugins c
	plugins=$(curl -sf -m 10 "http://127.0.0.1:$JC_PORT/connector-plugins?connectorsOnly=false") || return 1
	for c in $JC_PLUGINS; do
		grep -q "\"$c\"" <<<"$plugins" || return 1
	done
}

java_connect_up() {
	local start; start=$(now)
	if java_connect_ready >/dev/null 2>&1; then
		echo "java-connect ready at http://127.0.0.1:$JC_PORT (already running)"
		return 0
	fi
	port_open 9092 || fail java-connect "Kafka is not running on 127.0.0.1:9092 (scripts/services.sh up kafka)"
	java_connect_install
	java_connect_config
	if ! pid_alive "$JC_DIR/connect.pid"; then
		port_open "$JC_PORT" && fail java-connect "port $JC_PORT is taken by another process"
		setsid nohup java -Xms128m -Xmx512m -Dlog4j.configuration="file:$JC_DIR/log4j.properties" \
			-cp "$JC_HOME/libs/*" org.apache.kafka.connect.cli.ConnectDistributed "$JC_DIR/worker.properties" \
			>"$JC_DIR/connect.log" 2>&1 &
		echo $! >"$JC_DIR/connect.pid"
	fi
	if ! wait_until 180 java_connect_ready; then
		local why="GET / or the plugins $JC_PLUGINS not answered on 127.0.0.1:$JC_PORT within 180s"
		pid_alive "$JC_DIR/connect.pid" || why="the Connect worker process exited"
		fail java-connect "$why" "$JC_DIR/connect.log"
	fi
	echo "java-connect ready at http://127.0.0.1:$JC_PORT (Kafka Connect $JC_CONNECT_VERSION distributed, group $JC_GROUP, Debezium MySQL 2.7.3.Final, MongoDB connector 1.13.0, $(elapsed "$start")s)"
}

java_connect_down() {
	stop_pid "$JC_DIR/connect.pid"
	echo "java-connect stopped"
}

java_connect_status() {
	if java_connect_ready >/dev/null 2>&1; then
		echo "java-connect: running at http://127.0.0.1:$JC_PORT"
	else
		echo "java-connect: down"; return 1
	fi
}
