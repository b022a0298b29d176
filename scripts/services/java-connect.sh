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

# shellcheck source=lib/connectworker.sh
. "$REPO_ROOT/scripts/services/lib/connectworker.sh"

java_connect_up() {
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
	connect_worker_up java-connect "$JC_CONNECT_VERSION" "$JC_PORT" "$JC_HOME" "$JC_DIR" "$JC_SRC" "$JC_GROUP" "$JC_PLUGINS" \
		"-Dlog4j.configuration=file:$JC_DIR/log4j.properties" "Debezium MySQL 2.7.3.Final, MongoDB connector 1.13.0"
}

java_connect_down() { connect_worker_down java-connect "$JC_DIR"; }

java_connect_status() { connect_worker_status java-connect "$JC_DIR" "$JC_PORT" "$JC_PLUGINS"; }
