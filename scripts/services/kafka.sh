# Apache Kafka 4.x in KRaft mode from Maven Central: one combined
# broker+controller on 127.0.0.1:9092 (KAFKA_BROKERS=3 starts three, on
# 9092, 9094 and 9096). The single node also opens secured listeners
# (scripts/kafka/security.sh): SASL_SSL 9093, SSL with client certificates
# 9095, SASL_PLAINTEXT 9097, OAUTHBEARER 9099. Sourced by scripts/services.sh.
# shellcheck source=../kafka/security.sh
. "$(dirname "${BASH_SOURCE[0]}")/../kafka/security.sh"
KAFKA_VERSION=4.1.1
KAFKA_HOME=$GOCONNECT_CACHE/kafka-$KAFKA_VERSION
KAFKA_BROKERS=${KAFKA_BROKERS:-1}
# A cluster's quorum is fixed when its storage is formatted, so each size
# keeps its own data: kafka/ for one node, kafka-3/ for three.
KAFKA_DIR=$GOCONNECT_RUN/kafka
[ "$KAFKA_BROKERS" -eq 1 ] || KAFKA_DIR=$GOCONNECT_RUN/kafka-$KAFKA_BROKERS

kafka_install() {
	[ -f "$KAFKA_HOME/.complete" ] && return 0
	command -v java >/dev/null || apt_install openjdk-17-jre-headless
	command -v mvn >/dev/null || apt_install maven
	mkdir -p "$KAFKA_HOME"
	mvn -q -B -f "$REPO_ROOT/scripts/kafka/pom.xml" -Dkafka.version="$KAFKA_VERSION" \
		dependency:copy-dependencies -DoutputDirectory="$KAFKA_HOME/libs" >"$KAFKA_HOME/install.log" 2>&1 \
		|| fail kafka "downloading Kafka $KAFKA_VERSION jars from Maven Central failed" "$KAFKA_HOME/install.log"
	cat >"$KAFKA_HOME/log4j2.properties" <<'PROPS'
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
logger.kafka.name = kafka
logger.kafka.level = WARN
logger.apache.name = org.apache.kafka
logger.apache.level = WARN
PROPS
	touch "$KAFKA_HOME/.complete"
}

# The secured listeners are opened on the single node only: three nodes
# would need a port set each.
kafka_secured() { [ "$KAFKA_BROKERS" -eq 1 ]; }

kafka_java() { java -Xms256m -Xmx768m -Dlog4j2.configurationFile="$KAFKA_HOME/log4j2.properties" -cp "$KAFKA_HOME/libs/*" "$@"; }

kafka_ports() {
	local i
	for i in $(seq 1 "$KAFKA_BROKERS"); do echo $(( 9090 + 2 * i )); done
}

kafka_bootstrap() { kafka_ports | sed 's/^/127.0.0.1:/' | paste -sd, -; }

kafka_node_config() {
	local id=$1 n=$KAFKA_BROKERS dir=$KAFKA_DIR/node-$1
	local port=$(( 9090 + 2 * id )) voters="" i
	for i in $(seq 1 "$n"); do voters="$voters${voters:+,}$i@127.0.0.1:$(( 19090 + 2 * i + 1 ))"; done
	local rf=$(( n < 3 ? n : 3 ))
	local secured="" protocols="listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"
	if kafka_secured; then
		secured=",SASL_SSL://127.0.0.1:$KAFKA_SASL_SSL_PORT,SSL://127.0.0.1:$KAFKA_SSL_PORT"
		secured="$secured,SASL_PLAINTEXT://127.0.0.1:$KAFKA_SASL_PLAINTEXT_PORT,OAUTH://127.0.0.1:$KAFKA_OAUTH_PORT"
		protocols=$(kafka_security_broker_config)
	fi
	mkdir -p "$dir"
	cat >"$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=$id
controller.quorum.voters=$voters
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$(( 19090 + 2 * id + 1 ))$secured
advertised.listeners=PLAINTEXT://127.0.0.1:$port$secured
controller.listener.names=CONTROLLER
$protocols
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data
num.partitions=1
default.replication.factor=$rf
min.insync.replicas=1
offsets.topic.replication.factor=$rf
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
log.retention.hours=24
PROPS
	echo "$dir"
}

# kafka_ready asks for metadata; it fails fast (exit 3) once a broker died.
kafka_ready() {
	local i
	for i in $(seq 1 "$KAFKA_BROKERS"); do
		pid_alive "$KAFKA_DIR/node-$i/kafka.pid" || return 3
	done
	kafka_java org.apache.kafka.tools.TopicCommand --bootstrap-server "$(kafka_bootstrap)" --list
}

kafka_up() {
	local start; start=$(now)
	if kafka_status_quiet; then
		echo "kafka ready at $(kafka_bootstrap) (already running)"
		kafka_secured && kafka_print_secured
		return 0
	fi
	kafka_install
	kafka_secured && kafka_security_files
	# A node started by an older script lacks the secured listeners:
	# restart it with the current configuration.
	if kafka_secured && pid_alive "$KAFKA_DIR/node-1/kafka.pid" && port_open 9092 && ! kafka_secure_ports_open; then
		echo "kafka: restarting the running node to open the secured listeners"
		stop_pid "$KAFKA_DIR/node-1/kafka.pid"
	fi
	local cluster_file=$KAFKA_DIR/cluster-id i
	mkdir -p "$KAFKA_DIR"
	[ -f "$cluster_file" ] || kafka_java kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1 >"$cluster_file"
	for i in $(seq 1 "$KAFKA_BROKERS"); do
		local dir; dir=$(kafka_node_config "$i")
		if [ ! -f "$dir/data/meta.properties" ]; then
			rm -f "$dir"/scram-users-v*
			kafka_java kafka.tools.StorageTool format -t "$(cat "$cluster_file")" -c "$dir/server.properties" >"$dir/format.log" 2>&1 \
				|| fail kafka "formatting the storage of node $i failed" "$dir/format.log"
		fi
		pid_alive "$dir/kafka.pid" && continue
		local p ports="$(( 9090 + 2 * i )) $(( 19090 + 2 * i + 1 ))" opts=()
		if kafka_secured; then
			ports="$ports $KAFKA_SECURE_PORTS"
			mapfile -t opts < <(kafka_security_jvm_opts)
		fi
		for p in $ports; do
			port_open "$p" && fail kafka "port $p is taken by another process"
		done
		setsid nohup java -Xms256m -Xmx768m -Dlog4j2.configurationFile="$KAFKA_HOME/log4j2.properties" "${opts[@]}" \
			-cp "$KAFKA_HOME/libs/*" kafka.Kafka "$dir/server.properties" >"$dir/kafka.log" 2>&1 &
		echo $! >"$dir/kafka.pid"
	done
	if ! wait_until 120 kafka_ready; then
		local why="no metadata answer on $(kafka_bootstrap) within 120s"
		kafka_ready >/dev/null 2>&1 || [ $? -ne 3 ] || why="a broker process exited"
		fail kafka "$why" "$KAFKA_DIR/node-1/kafka.log"
	fi
	if kafka_secured; then
		kafka_scram_users
		wait_until 90 kafka_secure_ready \
			|| fail kafka "a secured listener refused the test clients within 90s (see $KAFKA_SEC_DIR/readiness.log)" "$KAFKA_DIR/node-1/kafka.log"
	fi
	echo "kafka ready at $(kafka_bootstrap) (Apache Kafka $KAFKA_VERSION KRaft, $KAFKA_BROKERS node(s), $(elapsed "$start")s)"
	kafka_secured && kafka_print_secured
	return 0
}

kafka_print_secured() {
	echo "kafka secured listeners: SASL_SSL 127.0.0.1:$KAFKA_SASL_SSL_PORT (PLAIN, SCRAM-SHA-256/512), SSL 127.0.0.1:$KAFKA_SSL_PORT (client certificate required), SASL_PLAINTEXT 127.0.0.1:$KAFKA_SASL_PLAINTEXT_PORT (PLAIN, SCRAM-SHA-256/512), OAUTHBEARER over SASL_PLAINTEXT 127.0.0.1:$KAFKA_OAUTH_PORT; files in $KAFKA_SEC_DIR (see scripts/README.md)"
}

kafka_down() {
	local d
	for d in "$GOCONNECT_RUN"/kafka/node-* "$GOCONNECT_RUN"/kafka-*/node-*; do [ -d "$d" ] && stop_pid "$d/kafka.pid"; done
	echo "kafka stopped"
}

kafka_status_quiet() {
	local i
	for i in $(seq 1 "$KAFKA_BROKERS"); do pid_alive "$KAFKA_DIR/node-$i/kafka.pid" || return 1; done
	port_open 9092 || return 1
	! kafka_secured || kafka_secure_ports_open
}

kafka_status() {
	if kafka_status_quiet; then
		echo "kafka: running at $(kafka_bootstrap)$(kafka_secured && echo ", secured listeners $KAFKA_SECURE_PORTS")"
	elif port_open 9092; then
		echo "kafka: running at $(kafka_bootstrap) without its secured listeners (up restarts it with them)"
		return 1
	else
		echo "kafka: down"
		return 1
	fi
}
