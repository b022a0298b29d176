# One Apache Kafka Connect worker in distributed mode, from Maven Central
# jars (scripts/<service>/pom.xml for Connect, plugins/*.xml for one plugin
# directory each), shared by java-connect.sh (3.8.1) and java-connect-4.sh
# (4.1.1): they differ in versions, ports, groups, plugins and log4j
# flavour. Sourced.
#
# Each function takes the service's settings as arguments:
#   SVC      service name (java-connect, java-connect-4)
#   VERSION  Kafka Connect version (the pom's connect.version)
#   PORT     REST port on 127.0.0.1
#   HOME     install directory (libs/, plugins/)
#   DIR      run directory (worker.properties, connect.log, connect.pid)
#   SRC      scripts/<service>
#   GROUP    group.id, also the prefix of its internal topics
#   PLUGINS  plugin classes the readiness check insists on (space separated)

# connect_worker_install SVC VERSION HOME SRC
connect_worker_install() {
	local svc=$1 version=$2 home=$3 src=$4
	command -v java >/dev/null || apt_install openjdk-17-jre-headless || fail "$svc" "apt-get install openjdk-17-jre-headless failed"
	command -v mvn >/dev/null || apt_install maven || fail "$svc" "apt-get install maven failed"
	command -v curl >/dev/null || apt_install curl || fail "$svc" "apt-get install curl failed"
	# .complete holds the poms' hash: a changed pom fetches the jars again.
	local want; want=$(cat "$src/pom.xml" "$src"/plugins/*.xml | sha256sum | cut -d' ' -f1)
	[ "$(cat "$home/.complete" 2>/dev/null)" = "$want" ] && return 0
	rm -rf "$home" && mkdir -p "$home/plugins"
	mvn -q -B -f "$src/pom.xml" -Dconnect.version="$version" dependency:copy-dependencies \
		-DoutputDirectory="$home/libs" >"$home/install.log" 2>&1 \
		|| fail "$svc" "downloading Kafka Connect $version jars from Maven Central failed" "$home/install.log"
	# One directory per plugin, as a Connect distribution's plugin.path:
	# each gets its own class loader. Kafka's jars and slf4j come from the
	# worker (Connect loads them from its parent class loader anyway).
	local pom
	for pom in "$src"/plugins/*.xml; do
		mvn -q -B -f "$pom" dependency:copy-dependencies -DincludeScope=runtime \
			-DexcludeGroupIds=org.apache.kafka -DexcludeArtifactIds=slf4j-api \
			-DoutputDirectory="$home/plugins/$(basename "$pom" .xml)" >>"$home/install.log" 2>&1 \
			|| fail "$svc" "downloading the plugin of $(basename "$pom") from Maven Central failed" "$home/install.log"
	done
	echo "$want" >"$home/.complete"
}

# connect_worker_properties DIR PORT HOME GROUP writes DIR/worker.properties.
connect_worker_properties() {
	local dir=$1 port=$2 home=$3 group=$4
	mkdir -p "$dir"
	cat >"$dir/worker.properties" <<PROPS
bootstrap.servers=127.0.0.1:9092
group.id=$group
config.storage.topic=$group-configs
offset.storage.topic=$group-offsets
status.storage.topic=$group-status
config.storage.replication.factor=1
offset.storage.replication.factor=1
status.storage.replication.factor=1
key.converter=org.apache.kafka.connect.json.JsonConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
offset.flush.interval.ms=1000
listeners=http://127.0.0.1:$port
rest.advertised.host.name=127.0.0.1
rest.advertised.port=$port
plugin.path=$home/plugins
PROPS
}

# connect_worker_ready DIR PORT PLUGINS wants GET / to answer and every
# plugin listed; it fails fast (exit 3) once the worker died.
connect_worker_ready() {
	local dir=$1 port=$2 want=$3
	pid_alive "$dir/connect.pid" || return 3
	curl -sf -m 5 "http://127.0.0.1:$port/" | grep -q '"version"' || return 1
	local plugins c
	plugins=$(curl -sf -m 10 "http://127.0.0.1:$port/connector-plugins?connectorsOnly=false") || return 1
	for c in $want; do
		grep -q "\"$c\"" <<<"$plugins" || return 1
	done
}

# connect_worker_up SVC VERSION PORT HOME DIR SRC GROUP PLUGINS LOG_OPTION DESCRIPTION
# The caller has written its log configuration; LOG_OPTION is the JVM
# option pointing at it, DESCRIPTION ends the ready message.
connect_worker_up() {
	local svc=$1 version=$2 port=$3 home=$4 dir=$5 src=$6 group=$7 plugins=$8 logopt=$9 desc=${10}
	local start; start=$(now)
	if connect_worker_ready "$dir" "$port" "$plugins" >/dev/null 2>&1; then
		echo "$svc ready at http://127.0.0.1:$port (already running)"
		return 0
	fi
	port_open 9092 || fail "$svc" "Kafka is not running on 127.0.0.1:9092 (scripts/services.sh up kafka)"
	connect_worker_install "$svc" "$version" "$home" "$src"
	connect_worker_properties "$dir" "$port" "$home" "$group"
	if ! pid_alive "$dir/connect.pid"; then
		port_open "$port" && fail "$svc" "port $port is taken by another process"
		setsid nohup java -Xms128m -Xmx512m "$logopt" \
			-cp "$home/libs/*" org.apache.kafka.connect.cli.ConnectDistributed "$dir/worker.properties" \
			>"$dir/connect.log" 2>&1 &
		echo $! >"$dir/connect.pid"
	fi
	if ! wait_until 180 connect_worker_ready "$dir" "$port" "$plugins"; then
		local why="GET / or the plugins $plugins not answered on 127.0.0.1:$port within 180s"
		pid_alive "$dir/connect.pid" || why="the Connect worker process exited"
		fail "$svc" "$why" "$dir/connect.log"
	fi
	echo "$svc ready at http://127.0.0.1:$port (Kafka Connect $version distributed, group $group, $desc, $(elapsed "$start")s)"
}

# connect_worker_down SVC DIR
connect_worker_down() {
	stop_pid "$2/connect.pid"
	echo "$1 stopped"
}

# connect_worker_status SVC DIR PORT PLUGINS
connect_worker_status() {
	if connect_worker_ready "$2" "$3" "$4" >/dev/null 2>&1; then
		echo "$1: running at http://127.0.0.1:$3"
	else
		echo "$1: down"; return 1
	fi
}
