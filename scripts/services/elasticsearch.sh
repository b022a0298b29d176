# Elasticsearch 8.19 as one single-node cluster on 127.0.0.1:9200 (transport
# 127.0.0.1:9300), security off. Maven Central has no distribution archive,
# so the node runs from the server jar and its Netty4 plugin through
# scripts/elasticsearch/EsNode.java, which also serves `GET /` (the
# rest-root module is not published). Sourced by scripts/services.sh.
ES_VERSION=8.19.21
ES_PORT=${ES_PORT:-9200}
ES_TRANSPORT_PORT=${ES_TRANSPORT_PORT:-9300}
ES_HOME=$GOCONNECT_CACHE/elasticsearch-$ES_VERSION
ES_DIR=$GOCONNECT_RUN/elasticsearch
ES_SRC=$REPO_ROOT/scripts/elasticsearch
ES_HEAP=${ES_HEAP:--Xms512m -Xmx1g}

es_install() {
	command -v javac >/dev/null || apt_install openjdk-17-jdk-headless || fail elasticsearch "apt-get install openjdk-17-jdk-headless failed"
	command -v mvn >/dev/null || apt_install maven || fail elasticsearch "apt-get install maven failed"
	command -v curl >/dev/null || apt_install curl || fail elasticsearch "apt-get install curl failed"
	mkdir -p "$ES_HOME"
	# .complete holds the pom's hash: a changed pom fetches the jars again.
	local pom; pom=$(sha256sum "$ES_SRC/pom.xml" | cut -d' ' -f1)
	if [ "$(cat "$ES_HOME/.complete" 2>/dev/null)" != "$pom" ]; then
		rm -rf "$ES_HOME/libs"
		# randomizedtesting-runner stays out: with it on the classpath the
		# server believes it runs inside a test and asks it for randomness.
		mvn -q -B -f "$ES_SRC/pom.xml" -Des.version="$ES_VERSION" dependency:copy-dependencies \
			-DexcludeArtifactIds=randomizedtesting-runner -DoutputDirectory="$ES_HOME/libs" >"$ES_HOME/install.log" 2>&1 \
			|| fail elasticsearch "downloading Elasticsearch $ES_VERSION jars from Maven Central failed" "$ES_HOME/install.log"
		echo "$pom" >"$ES_HOME/.complete"
	fi
	local want; want=$(sha256sum "$ES_SRC/EsNode.java" | cut -d' ' -f1)
	if [ "$(cat "$ES_HOME/classes.sha256" 2>/dev/null)" != "$want" ]; then
		rm -rf "$ES_HOME/classes"
		javac -d "$ES_HOME/classes" -cp "$ES_HOME/libs/*" "$ES_SRC/EsNode.java" >"$ES_HOME/javac.log" 2>&1 \
			|| fail elasticsearch "compiling scripts/elasticsearch/EsNode.java failed" "$ES_HOME/javac.log"
		echo "$want" >"$ES_HOME/classes.sha256"
	fi
}

es_ready() {
	pid_alive "$ES_DIR/es.pid" || return 3
	curl -sf -m 5 "http://127.0.0.1:$ES_PORT/_cluster/health?wait_for_status=yellow&timeout=2s" | grep -qE '"status":"(green|yellow)"' \
		&& curl -sfI -m 5 "http://127.0.0.1:$ES_PORT/" | grep -qi '^X-elastic-product: Elasticsearch'
}

elasticsearch_up() {
	local start; start=$(now)
	if pid_alive "$ES_DIR/es.pid" && es_ready >/dev/null 2>&1; then
		echo "elasticsearch ready at http://127.0.0.1:$ES_PORT (already running)"
		return 0
	fi
	es_install
	mkdir -p "$ES_DIR/config" "$ES_DIR/tmp"
	cat >"$ES_DIR/config/log4j2.properties" <<'PROPS'
status = error
appender.console.type = Console
appender.console.name = console
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d{ISO8601}][%-5p][%-25c{1.}] [%node_name]%marker %m%n
rootLogger.level = info
rootLogger.appenderRef.console.ref = console
logger.deprecation.name = org.elasticsearch.deprecation
logger.deprecation.level = error
PROPS
	if ! pid_alive "$ES_DIR/es.pid"; then
		local p
		for p in "$ES_PORT" "$ES_TRANSPORT_PORT"; do
			port_open "$p" && fail elasticsearch "port $p is taken by another process"
		done
		# shellcheck disable=SC2086
		setsid nohup java $ES_HEAP -XX:+UseG1GC -Djava.io.tmpdir="$ES_DIR/tmp" -Dlog4j2.formatMsgNoLookups=true \
			-cp "$ES_HOME/libs/*:$ES_HOME/classes" EsNode "$ES_DIR" "$ES_PORT" "$ES_TRANSPORT_PORT" \
			>"$ES_DIR/elasticsearch.log" 2>&1 &
		echo $! >"$ES_DIR/es.pid"
	fi
	if ! wait_until 120 es_ready; then
		local why="no yellow/green cluster health on 127.0.0.1:$ES_PORT within 120s"
		pid_alive "$ES_DIR/es.pid" || why="the Elasticsearch process exited"
		fail elasticsearch "$why" "$ES_DIR/elasticsearch.log"
	fi
	echo "elasticsearch ready at http://127.0.0.1:$ES_PORT (Elasticsearch $ES_VERSION, single node, no security, $(elapsed "$start")s)"
}

elasticsearch_down() {
	stop_pid "$ES_DIR/es.pid"
	echo "elasticsearch stopped"
}

elasticsearch_status() {
	if pid_alive "$ES_DIR/es.pid" && es_ready >/dev/null 2>&1; then
		echo "elasticsearch: running at http://127.0.0.1:$ES_PORT"
	else
		echo "elasticsearch: down"; return 1
	fi
}
