# One single-node search cluster (Elasticsearch or OpenSearch) run from its
# Maven Central jars through a small Java main in scripts/<service>/, shared
# by elasticsearch.sh and opensearch.sh: they differ only in names, ports,
# Maven options and how the root answer proves the product. Sourced.
#
# Each function takes the service's settings as arguments:
#   SVC     service name (elasticsearch, opensearch)
#   LABEL   product and version for messages ("Elasticsearch 8.19.21")
#   HOME    install directory (jars, compiled main)
#   DIR     run directory (data, logs)
#   PIDFILE the node's pid file
#   SRC     scripts/<service> (pom.xml and CLASS.java)
#   CLASS   the Java main's class name

# search_node_install SVC LABEL HOME SRC CLASS [MAVEN_OPTION ...]
search_node_install() {
	local svc=$1 label=$2 home=$3 src=$4 class=$5; shift 5
	command -v javac >/dev/null || apt_install openjdk-17-jdk-headless || fail "$svc" "apt-get install openjdk-17-jdk-headless failed"
	command -v mvn >/dev/null || apt_install maven || fail "$svc" "apt-get install maven failed"
	command -v curl >/dev/null || apt_install curl || fail "$svc" "apt-get install curl failed"
	mkdir -p "$home"
	# .complete holds the pom's hash: a changed pom fetches the jars again.
	local pom; pom=$(sha256sum "$src/pom.xml" | cut -d' ' -f1)
	if [ "$(cat "$home/.complete" 2>/dev/null)" != "$pom" ]; then
		rm -rf "$home/libs"
		mvn -q -B -f "$src/pom.xml" "$@" dependency:copy-dependencies -DoutputDirectory="$home/libs" >"$home/install.log" 2>&1 \
			|| fail "$svc" "downloading $label jars from Maven Central failed" "$home/install.log"
		echo "$pom" >"$home/.complete"
	fi
	local want; want=$(sha256sum "$src/$class.java" | cut -d' ' -f1)
	if [ "$(cat "$home/classes.sha256" 2>/dev/null)" != "$want" ]; then
		rm -rf "$home/classes"
		javac -d "$home/classes" -cp "$home/libs/*" "$src/$class.java" >"$home/javac.log" 2>&1 \
			|| fail "$svc" "compiling scripts/$(basename "$src")/$class.java failed" "$home/javac.log"
		echo "$want" >"$home/classes.sha256"
	fi
}

# search_node_healthy PORT: the cluster's health is yellow or green.
search_node_healthy() {
	curl -sf -m 5 "http://127.0.0.1:$1/_cluster/health?wait_for_status=yellow&timeout=2s" | grep -qE '"status":"(green|yellow)"'
}

# search_node_up SVC LABEL HOME DIR PIDFILE SRC CLASS PORT TRANSPORT_PORT HEAP READY_FN DEPRECATION_LOGGER [MAVEN_OPTION ...]
# READY_FN is the service's readiness check (exit 3: the process is gone).
search_node_up() {
	local svc=$1 label=$2 home=$3 dir=$4 pidfile=$5 src=$6 class=$7 port=$8 tport=$9 heap=${10} ready=${11} deprecation=${12}; shift 12
	local start; start=$(now)
	if pid_alive "$pidfile" && "$ready" >/dev/null 2>&1; then
		echo "$svc ready at http://127.0.0.1:$port (already running)"
		return 0
	fi
	search_node_install "$svc" "$label" "$home" "$src" "$class" "$@"
	mkdir -p "$dir/config" "$dir/tmp"
	cat >"$dir/config/log4j2.properties" <<PROPS
status = error
appender.console.type = Console
appender.console.name = console
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d{ISO8601}][%-5p][%-25c{1.}] [%node_name]%marker %m%n
rootLogger.level = info
rootLogger.appenderRef.console.ref = console
logger.deprecation.name = $deprecation
logger.deprecation.level = error
PROPS
	if ! pid_alive "$pidfile"; then
		local p
		for p in "$port" "$tport"; do
			port_open "$p" && fail "$svc" "port $p is taken by another process"
		done
		# shellcheck disable=SC2086
		setsid nohup java $heap -XX:+UseG1GC -Djava.io.tmpdir="$dir/tmp" -Dlog4j2.formatMsgNoLookups=true \
			-cp "$home/libs/*:$home/classes" "$class" "$dir" "$port" "$tport" \
			>"$dir/$svc.log" 2>&1 &
		echo $! >"$pidfile"
	fi
	if ! wait_until 120 "$ready"; then
		local why="no yellow/green cluster health on 127.0.0.1:$port within 120s"
		pid_alive "$pidfile" || why="the $label process exited"
		fail "$svc" "$why" "$dir/$svc.log"
	fi
	echo "$svc ready at http://127.0.0.1:$port ($label, single node, no security, $(elapsed "$start")s)"
}

# search_node_down SVC PIDFILE
search_node_down() {
	stop_pid "$2"
	echo "$1 stopped"
}

# search_node_status SVC PIDFILE PORT READY_FN
search_node_status() {
	if pid_alive "$2" && "$4" >/dev/null 2>&1; then
		echo "$1: running at http://127.0.0.1:$3"
	else
		echo "$1: down"; return 1
	fi
}
