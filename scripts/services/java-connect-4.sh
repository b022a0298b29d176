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

# shellcheck source=lib/connectworker.sh
. "$REPO_ROOT/scripts/services/lib/connectworker.sh"

java_connect_4_up() {
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
	connect_worker_up java-connect-4 "$JC4_CONNECT_VERSION" "$JC4_PORT" "$JC4_HOME" "$JC4_DIR" "$JC4_SRC" "$JC4_GROUP" "$JC4_PLUGINS" \
		"-Dlog4j2.configurationFile=$JC4_DIR/log4j2.properties" "FileStream, Debezium MySQL 3.4.1.Final, MongoDB connector 1.13.0"
}

java_connect_4_down() { connect_worker_down java-connect-4 "$JC4_DIR"; }

java_connect_4_status() { connect_worker_status java-connect-4 "$JC4_DIR" "$JC4_PORT" "$JC4_PLUGINS"; }
