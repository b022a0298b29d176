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
OS_PID=$OS_DIR/os.pid
# shellcheck source=lib/searchnode.sh
. "$REPO_ROOT/scripts/services/lib/searchnode.sh"

# os_ready also wants the distribution OpenSearch's root document names.
os_ready() {
	pid_alive "$OS_PID" || return 3
	search_node_healthy "$OS_PORT" \
		&& curl -sf -m 5 "http://127.0.0.1:$OS_PORT/" | grep -q '"distribution" : "opensearch"'
}

opensearch_up() {
	search_node_up opensearch "OpenSearch $OS_VERSION" "$OS_HOME" "$OS_DIR" "$OS_PID" "$OS_SRC" OsNode \
		"$OS_PORT" "$OS_TRANSPORT_PORT" "$OS_HEAP" os_ready org.opensearch.deprecation
}

opensearch_down() { search_node_down opensearch "$OS_PID"; }

opensearch_status() { search_node_status opensearch "$OS_PID" "$OS_PORT" os_ready; }
