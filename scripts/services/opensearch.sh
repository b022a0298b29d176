# OpenSearch 2.19 as one single-node cluster on 127.0.0.1:9201 (transport
# 127.0.0.1:9301), security off, for the Elasticsearch sink's OpenSearch
# mode.
# Maven Central has no distribution archive, so the node runs from the
# server jar and its Netty4 plugin through scripts/opensearch/OsNode.java.
# Sourced by scripts/services.sh.
OS_VERSION=2.19.6
OS_PORT=${OS_PORT:-9201}
OS_TRANSPORT_PORT=${OS_TRANSPORT_PORT:-9301}
OS_HOME=$GOCONNECT_CACHE/opensearch-$OS_VERSION
OS_DIR=$GOCONNECT_RUN/opensearch
OS_SRC=$REPO_ROOT/scripts/opensearch
OS_HEAP=${OS_HEAP:--Xms512m -Xmx1g}

os_install() {
	command -v javac >/dev/null || apt_install openjdk-17-jdk-headless || fail opensearch "apt-get install openjdk-17-jdk-headless failed"
	command -v mvn >/dev/null || apt_install maven || fail opensearch "apt-get install maven failed"
	command -v curl >/dev/null || apt_install curl || fail opensearch "apt-get install curl failed"
	mkdir -p "$OS_HOME"
	# .complete holds the pom's hash: a changed pom fetches the jars again.
	local pom; pom=$(sha256sum "$OS_SRC/pom.xml" | cut -d' ' -f1)
	if [ "$(cat "$OS_HOME/.complete" 2>/dev/null)" != "$pom" ]; then
		rm -rf "$OS_HOME/libs"
		mvn -q -B -f "$OS_SRC/pom.xml" dependency:copy-dependencies -DoutputDirectory="$OS_HOME/libs" >"$OS_HOME/install.log" 2>&1 \
			|| fail opensearch "downloading OpenSearch $OS_VERSION jars from Maven Central failed" "$OS_HOME/install.log"
		echo "$pom" >"$OS_HOME/.complete"
	fi
	local want; want=$(sha256sum "$OS_SRC/OsNode.java" | cut -d' ' -f1)
	if [ "$(cat "$OS_HOME/classes.sha256" 2>/dev/null)" != "$want" ]; then
		rm -rf "$OS_HOME/classes"
		javac -d "$OS_HOME/classes" -cp "$OS_HOME/libs/*" "$OS_SRC/OsNode.java" >"$OS_HOME/javac.log" 2>&1 \
			|| fail opensearch "compiling scripts/opensearch/OsNode.java failed" "$OS_HOME/javac.log"
		echo "$want" >"$OS_HOME/classes.sha256"
	fi
}

os_ready() {
	pid_alive "$OS_DIR/os.pid" || return 3
	curl -sf -m 5 "http://127.0.0.1:$OS_PORT/_cluster/health?wait_for_status=yellow&timeout=2s" | grep -qE '"status":"(green|yellow)"' \
		&& curl -sf -m 5 "http://127.0.0.1:$OS_PORT/" | grep -q '"distribution" : "opensearch"'
}

opensearch_up() {
	local start; start=$(now)
	if pid_alive "$OS_DIR/os.pid" && os_ready >/dev/null 2>&1; then
		echo "opensearch ready at http://127.0.0.1:$OS_PORT (already running)"
		return 0
	fi
	os_install
	mkdir -p "$OS_DIR/config" "$OS_DIR/tmp"
	cat >"$OS_DIR/config/log4j2.properties" <<'PROPS'
status = error
appender.console.type = Console
appender.console.name = console
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d{ISO8601}][%-5p][%-25c{1.}] [%node_name]%marker %m%n
rootLogger.level = info
rootLogger.appenderRef.console.ref = console
logger.deprecation.name = org.opensearch.deprecation
logger.deprecation.level = error
PROPS
	if ! pid_alive "$OS_DIR/os.pid"; then
		local p
		for p in "$OS_PORT" "$OS_TRANSPORT_PORT"; do
			port_open "$p" && fail opensearch "port $p is taken by another process"
		done
		# shellcheck disable=SC2086
		setsid nohup java $OS_HEAP -XX:+UseG1GC -Djava.io.tmpdir="$OS_DIR/tmp" -Dlog4j2.formatMsgNoLookups=true \
			-cp "$OS_HOME/libs/*:$OS_HOME/classes" OsNode "$OS_DIR" "$OS_PORT" "$OS_TRANSPORT_PORT" \
			>"$OS_DIR/opensearch.log" 2>&1 &
		echo $! >"$OS_DIR/os.pid"
	fi
	if ! wait_until 120 os_ready; then
		local why="no yellow/green cluster health on 127.0.0.1:$OS_PORT within 120s"
		pid_alive "$OS_DIR/os.pid" || why="the OpenSearch process exited"
		fail opensearch "$why" "$OS_DIR/opensearch.log"
	fi
	echo "opensearch ready at http://127.0.0.1:$OS_PORT (OpenSearch $OS_VERSION, single node, no security, $(elapsed "$start")s)"
}

opensearch_down() {
	stop_pid "$OS_DIR/os.pid"
	echo "opensearch stopped"
}

opensearch_status() {
	if pid_alive "$OS_DIR/os.pid" && os_ready >/dev/null 2>&1; then
		echo "opensearch: running at http://127.0.0.1:$OS_PORT"
	else
		echo "opensearch: down"; return 1
	fi
}
