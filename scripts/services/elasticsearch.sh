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
ES_PID=$ES_DIR/es.pid
# shellcheck source=lib/searchnode.sh
. "$REPO_ROOT/scripts/services/lib/searchnode.sh"

# es_ready also wants the product header the Elasticsearch client checks.
es_ready() {
	pid_alive "$ES_PID" || return 3
	search_node_healthy "$ES_PORT" \
		&& curl -sfI -m 5 "http://127.0.0.1:$ES_PORT/" | grep -qi '^X-elastic-product: Elasticsearch'
}

elasticsearch_up() {
	# randomizedtesting-runner stays out: with it on the classpath the
	# server believes it runs inside a test and asks it for randomness.
	search_node_up elasticsearch "Elasticsearch $ES_VERSION" "$ES_HOME" "$ES_DIR" "$ES_PID" "$ES_SRC" EsNode \
		"$ES_PORT" "$ES_TRANSPORT_PORT" "$ES_HEAP" es_ready org.elasticsearch.deprecation \
		-Des.version="$ES_VERSION" -DexcludeArtifactIds=randomizedtesting-runner
}

elasticsearch_down() { search_node_down elasticsearch "$ES_PID"; }

elasticsearch_status() { search_node_status elasticsearch "$ES_PID" "$ES_PORT" es_ready; }
