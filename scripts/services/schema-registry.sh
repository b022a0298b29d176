# A schema registry on 127.0.0.1:8081 that speaks Confluent Schema
# Registry's REST API. Sourced by scripts/services.sh; needs Kafka:
#
#   scripts/services.sh up kafka schema-registry
#
# The engine is Apicurio Registry (Maven Central, io.apicurio:
# apicurio-registry-app, the Quarkus app in its "all" tar.gz) with kafkasql
# storage: its schemas live in the Kafka topic $SCHEMA_REGISTRY_TOPIC (the
# way Confluent keeps them in _schemas), its state in memory is rebuilt from
# that topic at each start. Apicurio serves Confluent's API under
# /apis/ccompat/v7 on 127.0.0.1:$SCHEMA_REGISTRY_BACKEND_PORT; a small Go
# proxy (scripts/schema-registry, built into the cache) serves it at the root
# of 127.0.0.1:$SCHEMA_REGISTRY_PORT with Confluent's content type. The
# default compatibility is BACKWARD, as in Confluent.
#
# Apicurio 3.0.9 runs on Java 17. Newer ones (APICURIO_VERSION=3.3.3) are
# built for Java 21+: one is looked for in $JAVA_HOME, on PATH and under
# /usr/lib/jvm (SCHEMA_REGISTRY_JAVA=/path/to/java forces one).
# Karapace, the other Confluent-compatible registry, is not on PyPI.
APICURIO_VERSION=${APICURIO_VERSION:-3.0.9}
APICURIO_HOME=$GOCONNECT_CACHE/apicurio-registry-$APICURIO_VERSION
SCHEMA_REGISTRY_PORT=${SCHEMA_REGISTRY_PORT:-8081}
SCHEMA_REGISTRY_BACKEND_PORT=${SCHEMA_REGISTRY_BACKEND_PORT:-18081}
SCHEMA_REGISTRY_TOPIC=${SCHEMA_REGISTRY_TOPIC:-goconnect-schema-registry-journal}
SCHEMA_REGISTRY_DIR=$GOCONNECT_RUN/schema-registry
SCHEMA_REGISTRY_URL=http://127.0.0.1:$SCHEMA_REGISTRY_PORT

schema_registry_install() {
	[ -f "$APICURIO_HOME/.complete" ] && return 0
	command -v mvn >/dev/null || apt_install maven
	mkdir -p "$APICURIO_HOME"
	local log=$APICURIO_HOME/install.log artifact=io.apicurio:apicurio-registry-app:$APICURIO_VERSION:tar.gz:all
	# dependency:get, not copy/unpack: those read the parent POM, which
	# Maven Central does not serve for every release (3.0.9's is missing).
	mvn -B -Dstyle.color=never -Dtransitive=false -Dartifact="$artifact" dependency:get >"$log" 2>&1 \
		|| fail schema-registry "downloading $artifact from Maven Central failed" "$log"
	local repo
	repo=$(mvn -q -B -Dstyle.color=never help:evaluate -Dexpression=settings.localRepository -DforceStdout 2>>"$log" \
		| sed 's/\x1b\[[0-9;]*m//g') || repo=
	[ -n "$repo" ] || repo=$HOME/.m2/repository
	local tgz=$repo/io/apicurio/apicurio-registry-app/$APICURIO_VERSION/apicurio-registry-app-$APICURIO_VERSION-all.tar.gz
	[ -f "$tgz" ] || fail schema-registry "$tgz is missing after the download" "$log"
	tar -xzf "$tgz" -C "$APICURIO_HOME" >>"$log" 2>&1 || fail schema-registry "unpacking $tgz failed" "$log"
	touch "$APICURIO_HOME/.complete"
}

# schema_registry_jar prints the jar that starts Apicurio: quarkus-run.jar
# (fast-jar layout, newer releases) or *-runner.jar (legacy layout, 3.0.x).
schema_registry_jar() {
	local j
	for j in "$APICURIO_HOME/quarkus-run.jar" "$APICURIO_HOME"/*-runner.jar; do
		[ -f "$j" ] && { echo "$j"; return 0; }
	done
	return 1
}

# schema_registry_java prints a java whose version is at least $1.
schema_registry_java() {
	local need=$1 j v
	for j in ${SCHEMA_REGISTRY_JAVA:-} ${JAVA_HOME:+"$JAVA_HOME/bin/java"} $(command -v java) /usr/lib/jvm/*/bin/java; do
		[ -x "$j" ] || continue
		v=$("$j" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ { print $2; exit }')
		v=${v#1.}
		[ -n "$v" ] && [ "${v%%.*}" -ge "$need" ] 2>/dev/null && { echo "$j"; return 0; }
	done
	return 1
}

# schema_registry_proxy_build builds the path-rewriting proxy once per
# version of its source and sets SCHEMA_REGISTRY_PROXY to the binary.
schema_registry_proxy_build() {
	local src=$REPO_ROOT/scripts/schema-registry sum
	sum=$(cat "$src/go.mod" "$src"/*.go | sha256sum | cut -c1-12)
	SCHEMA_REGISTRY_PROXY=$GOCONNECT_CACHE/schema-registry-proxy/proxy-$sum
	[ -x "$SCHEMA_REGISTRY_PROXY" ] && return 0
	command -v go >/dev/null || fail schema-registry "go is needed to build the proxy in $src"
	mkdir -p "$(dirname "$SCHEMA_REGISTRY_PROXY")" "$SCHEMA_REGISTRY_DIR"
	(cd "$src" && GOWORK=off GOFLAGS='' go build -o "$SCHEMA_REGISTRY_PROXY.tmp" .) >"$SCHEMA_REGISTRY_DIR/proxy-build.log" 2>&1 \
		|| fail schema-registry "building the proxy in $src failed" "$SCHEMA_REGISTRY_DIR/proxy-build.log"
	mv "$SCHEMA_REGISTRY_PROXY.tmp" "$SCHEMA_REGISTRY_PROXY"
}

schema_registry_bootstrap() {
	if [ -n "${SCHEMA_REGISTRY_KAFKA:-}" ]; then echo "$SCHEMA_REGISTRY_KAFKA"
	elif declare -F kafka_bootstrap >/dev/null; then kafka_bootstrap
	else echo 127.0.0.1:9092; fi
}

# schema_registry_topic makes the journal topic kept forever: Apicurio 3.0.x
# creates it with the broker's retention (24h with kafka.sh), and a journal
# cut short loses schemas at the next start.
schema_registry_topic() {
	rm -f "$SCHEMA_REGISTRY_DIR/topic.log"
	declare -F kafka_java >/dev/null && [ -f "$KAFKA_HOME/.complete" ] || return 0
	kafka_java org.apache.kafka.tools.TopicCommand --bootstrap-server "$1" --create --if-not-exists \
		--topic "$SCHEMA_REGISTRY_TOPIC" --partitions 1 --config retention.ms=-1 --config retention.bytes=-1 \
		>"$SCHEMA_REGISTRY_DIR/topic.log" 2>&1 \
		|| fail schema-registry "creating the topic $SCHEMA_REGISTRY_TOPIC on $1 failed" "$SCHEMA_REGISTRY_DIR/topic.log"
}

# schema_registry_ready asks for the subjects through the proxy; it fails
# fast (exit 3) once either process died.
schema_registry_ready() {
	pid_alive "$SCHEMA_REGISTRY_DIR/registry.pid" || return 3
	pid_alive "$SCHEMA_REGISTRY_DIR/proxy.pid" || return 3
	curl -fsS -o /dev/null --max-time 5 "$SCHEMA_REGISTRY_URL/subjects"
}

schema_registry_up() {
	local start; start=$(now)
	if schema_registry_status_quiet && schema_registry_ready >/dev/null 2>&1; then
		echo "schema-registry ready at $SCHEMA_REGISTRY_URL (already running)"
		return 0
	fi
	# Half up (one of the two processes is gone): start both afresh.
	stop_pid "$SCHEMA_REGISTRY_DIR/proxy.pid"
	stop_pid "$SCHEMA_REGISTRY_DIR/registry.pid"
	command -v curl >/dev/null || apt_install curl
	local bootstrap; bootstrap=$(schema_registry_bootstrap)
	local first=${bootstrap%%,*}
	if [ "${first%:*}" = 127.0.0.1 ] && ! port_open "${first##*:}"; then
		fail schema-registry "Kafka is not running at $bootstrap (start it first: scripts/services.sh up kafka schema-registry)"
	fi
	schema_registry_install
	schema_registry_proxy_build
	local need=21
	case $APICURIO_VERSION in 3.0.*) need=17 ;; esac
	local java
	if ! java=$(schema_registry_java "$need"); then
		[ "$need" = 17 ] && apt_install openjdk-17-jre-headless
		java=$(schema_registry_java "$need") \
			|| fail schema-registry "Apicurio Registry $APICURIO_VERSION needs Java $need or newer, none found (set SCHEMA_REGISTRY_JAVA, or use APICURIO_VERSION=3.0.9, which runs on Java 17)"
	fi
	local jar; jar=$(schema_registry_jar) || fail schema-registry "no runnable jar in $APICURIO_HOME"
	local p
	for p in "$SCHEMA_REGISTRY_PORT" "$SCHEMA_REGISTRY_BACKEND_PORT"; do
		port_open "$p" && fail schema-registry "port $p is taken by another process"
	done
	mkdir -p "$SCHEMA_REGISTRY_DIR"
	schema_registry_topic "$bootstrap"
	# Small heap, C1 only and the serial GC: a test registry on 2 shared
	# cores starts faster that way. Management (health, metrics) stays on
	# loopback. Deleting subjects is allowed, as in Confluent.
	setsid nohup "$java" -Xms64m -Xmx512m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
		-Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$SCHEMA_REGISTRY_BACKEND_PORT" \
		-Dquarkus.management.host=127.0.0.1 -Dquarkus.management.port=$(( SCHEMA_REGISTRY_BACKEND_PORT + 1000 )) \
		-Dapicurio.storage.kind=kafkasql -Dapicurio.kafkasql.bootstrap.servers="$bootstrap" \
		-Dapicurio.kafkasql.topic="$SCHEMA_REGISTRY_TOPIC" -Dapicurio.kafkasql.snapshots.topic="$SCHEMA_REGISTRY_TOPIC-snapshots" \
		-Dapicurio.rules.global.compatibility=BACKWARD \
		-Dapicurio.ccompat.max-subjects=100000 \
		-Dapicurio.rest.deletion.artifact.enabled=true -Dapicurio.rest.deletion.artifact-version.enabled=true \
		-Dapicurio.rest.deletion.group.enabled=true \
		-jar "$jar" >"$SCHEMA_REGISTRY_DIR/registry.log" 2>&1 &
	echo $! >"$SCHEMA_REGISTRY_DIR/registry.pid"
	setsid nohup "$SCHEMA_REGISTRY_PROXY" -listen "127.0.0.1:$SCHEMA_REGISTRY_PORT" \
		-upstream "http://127.0.0.1:$SCHEMA_REGISTRY_BACKEND_PORT" >"$SCHEMA_REGISTRY_DIR/proxy.log" 2>&1 &
	echo $! >"$SCHEMA_REGISTRY_DIR/proxy.pid"
	echo "Apicurio Registry $APICURIO_VERSION" >"$SCHEMA_REGISTRY_DIR/engine"
	if ! wait_until 180 schema_registry_ready; then
		local why="GET $SCHEMA_REGISTRY_URL/subjects did not answer 200 within 180s" log=$SCHEMA_REGISTRY_DIR/registry.log
		if ! pid_alive "$SCHEMA_REGISTRY_DIR/registry.pid"; then why="the Apicurio Registry process exited"
		elif ! pid_alive "$SCHEMA_REGISTRY_DIR/proxy.pid"; then why="the proxy process exited"; log=$SCHEMA_REGISTRY_DIR/proxy.log; fi
		stop_pid "$SCHEMA_REGISTRY_DIR/proxy.pid"
		stop_pid "$SCHEMA_REGISTRY_DIR/registry.pid"
		fail schema-registry "$why" "$log"
	fi
	# A new journal: store BACKWARD as the global rule too, so that GET
	# /config says so (Apicurio 3.0.x reports NONE for the configured
	# default although it enforces it).
	if grep -q '^Created topic' "$SCHEMA_REGISTRY_DIR/topic.log" 2>/dev/null; then
		curl -fsS -o /dev/null --max-time 10 -X PUT -H 'Content-Type: application/vnd.schemaregistry.v1+json' \
			-d '{"compatibility":"BACKWARD"}' "$SCHEMA_REGISTRY_URL/config" \
			|| fail schema-registry "setting the global compatibility to BACKWARD failed" "$SCHEMA_REGISTRY_DIR/registry.log"
	fi
	echo "schema-registry ready at $SCHEMA_REGISTRY_URL (Apicurio Registry $APICURIO_VERSION, Confluent API, schemas in topic $SCHEMA_REGISTRY_TOPIC on $bootstrap, $(elapsed "$start")s)"
}

schema_registry_down() {
	stop_pid "$SCHEMA_REGISTRY_DIR/proxy.pid"
	stop_pid "$SCHEMA_REGISTRY_DIR/registry.pid"
	echo "schema-registry stopped"
}

schema_registry_status_quiet() {
	pid_alive "$SCHEMA_REGISTRY_DIR/registry.pid" && pid_alive "$SCHEMA_REGISTRY_DIR/proxy.pid" && port_open "$SCHEMA_REGISTRY_PORT"
}

schema_registry_status() {
	if schema_registry_status_quiet; then
		echo "schema-registry: running at $SCHEMA_REGISTRY_URL ($(cat "$SCHEMA_REGISTRY_DIR/engine" 2>/dev/null || echo Apicurio Registry))"
	else
		echo "schema-registry: down"
		return 1
	fi
}
