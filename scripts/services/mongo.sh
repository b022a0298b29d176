# A MongoDB-compatible server on 127.0.0.1:27017: FerretDB 1.24.2, built
# from its Go module (MongoDB's own server is not installable here), on a
# throwaway PostgreSQL (Debian's package) on 127.0.0.1:5433 whose data lives
# in $GOCONNECT_RUN/mongo/pg. No authentication on either side.
# The FerretDB build carries scripts/mongo/ferretdb-update-release-conn.patch
# (an `update` with more statements than its connection pool deadlocks
# without it). Readiness is a real wire round trip by scripts/mongo/ping.
# FerretDB also listens with TLS on 127.0.0.1:27018, requiring a client
# certificate; the CA, server (DNS localhost) and client certificates are
# generated once into $MONGO_TLS_DIR.
# Sourced by scripts/services.sh.
FERRETDB_VERSION=1.24.2
FERRETDB_HOME=$GOCONNECT_CACHE/ferretdb-$FERRETDB_VERSION
FERRETDB_BIN=$FERRETDB_HOME/ferretdb
FERRETDB_PATCH=$REPO_ROOT/scripts/mongo/ferretdb-update-release-conn.patch
MONGO_PORT=${MONGO_PORT:-27017}
MONGO_PG_PORT=${MONGO_PG_PORT:-5433}
MONGO_DIR=$GOCONNECT_RUN/mongo
MONGO_PG_DIR=$MONGO_DIR/pg
MONGO_PING_SRC=$REPO_ROOT/scripts/mongo/ping
MONGO_PING_BIN=$GOCONNECT_CACHE/mongo-ping/ping
MONGO_URI=mongodb://127.0.0.1:$MONGO_PORT
MONGO_TLS_PORT=${MONGO_TLS_PORT:-27018}
MONGO_TLS_DIR=$GOCONNECT_CACHE/mongo-tls

# mongo_pg_bin finds the newest installed PostgreSQL server binaries.
mongo_pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

# mongo_pg_run runs a PostgreSQL tool as the postgres OS user (the server
# refuses root). When root's home is closed to others (mode 700) and the
# data dir lies below it, the postgres user gets the one capability to
# traverse directories (CAP_DAC_READ_SEARCH) rather than opening up $HOME.
mongo_pg_run() {
	if [ "$(id -u)" -ne 0 ]; then
		"$@"
	elif runuser -u postgres -- test -x "$MONGO_DIR"; then
		runuser -u postgres -- "$@"
	else
		setpriv --reuid=postgres --regid=postgres --init-groups \
			--inh-caps=+dac_read_search --ambient-caps=+dac_read_search -- "$@"
	fi
}

mongo_psql() { psql -X -q -h 127.0.0.1 -p "$MONGO_PG_PORT" -U postgres "$@"; }

# mongo_build_ferretdb builds the patched FerretDB once; the binary is
# cached and rebuilt only when the patch changes.
mongo_build_ferretdb() {
	local want; want=$(sha256sum "$FERRETDB_PATCH" | cut -d' ' -f1)
	if [ -x "$FERRETDB_BIN" ] && [ "$(cat "$FERRETDB_HOME/.patch-sha256" 2>/dev/null)" = "$want" ]; then
		return 0
	fi
	local start; start=$(now)
	local log=$FERRETDB_HOME/build.log src=$FERRETDB_HOME/src
	mkdir -p "$FERRETDB_HOME"
	: >"$log"
	local dir
	dir=$(cd "$FERRETDB_HOME" && GOWORK=off GOFLAGS=-mod=mod go mod download -json "github.com/FerretDB/FerretDB@v$FERRETDB_VERSION" 2>>"$log" \
		| sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p') || true
	[ -n "$dir" ] && [ -d "$dir" ] || fail mongo "downloading the FerretDB v$FERRETDB_VERSION module failed" "$log"
	rm -rf "$src"
	cp -r "$dir" "$src" && chmod -R u+w "$src" || fail mongo "copying the FerretDB module to $src failed"
	# A module download lacks the generated version file; without it the
	# binary panics at start.
	echo "v$FERRETDB_VERSION" >"$src/build/version/version.txt"
	(cd "$src" && patch -p1 --forward --batch <"$FERRETDB_PATCH") >>"$log" 2>&1 \
		|| fail mongo "$FERRETDB_PATCH does not apply to FerretDB v$FERRETDB_VERSION" "$log"
	echo "building FerretDB v$FERRETDB_VERSION (first start only, a few minutes) ..." >&2
	(cd "$src" && GOWORK=off GOFLAGS=-mod=mod go build -trimpath -o "$FERRETDB_BIN.tmp" ./cmd/ferretdb) >>"$log" 2>&1 \
		|| fail mongo "building FerretDB failed" "$log"
	"$FERRETDB_BIN.tmp" --version >>"$log" 2>&1 || fail mongo "the built FerretDB binary does not run" "$log"
	mv "$FERRETDB_BIN.tmp" "$FERRETDB_BIN"
	echo "$want" >"$FERRETDB_HOME/.patch-sha256"
	echo "built FerretDB v$FERRETDB_VERSION with $(basename "$FERRETDB_PATCH") in $(elapsed "$start")s" >&2
}

# mongo_build_ping builds the readiness probe (its own Go module, so the
# repository's go.mod is left alone); rebuilt when its source changes.
mongo_build_ping() {
	local want; want=$(cat "$MONGO_PING_SRC"/main.go "$MONGO_PING_SRC"/go.mod "$MONGO_PING_SRC"/go.sum | sha256sum | cut -d' ' -f1)
	if [ -x "$MONGO_PING_BIN" ] && [ "$(cat "$MONGO_PING_BIN.sha256" 2>/dev/null)" = "$want" ]; then
		return 0
	fi
	mkdir -p "$(dirname "$MONGO_PING_BIN")"
	(cd "$MONGO_PING_SRC" && GOWORK=off go build -o "$MONGO_PING_BIN" .) >"$MONGO_PING_BIN.log" 2>&1 \
		|| fail mongo "building the readiness probe scripts/mongo/ping failed" "$MONGO_PING_BIN.log"
	echo "$want" >"$MONGO_PING_BIN.sha256"
}

mongo_install() {
	# One build at a time: two `up`s at once would share the source copy.
	mkdir -p "$FERRETDB_HOME"
	exec 9>"$FERRETDB_HOME/.lock"
	flock -w 900 9 || fail mongo "another scripts/services.sh up mongo holds $FERRETDB_HOME/.lock"
	if [ -z "$(mongo_pg_bin)" ] || ! command -v psql >/dev/null; then
		apt_install postgresql || fail mongo "apt-get install postgresql failed"
	fi
	[ -n "$(mongo_pg_bin)" ] || fail mongo "no PostgreSQL server binaries in /usr/lib/postgresql after installing postgresql"
	command -v patch >/dev/null || apt_install patch || fail mongo "apt-get install patch failed"
	mongo_build_ferretdb
	mongo_build_ping
	exec 9>&-
}

mongo_pg_alive() { [ -f "$MONGO_PG_DIR/postmaster.pid" ] && kill -0 "$(head -n 1 "$MONGO_PG_DIR/postmaster.pid")" 2>/dev/null; }

mongo_pg_up() {
	local bin; bin=$(mongo_pg_bin)
	if [ ! -f "$MONGO_PG_DIR/PG_VERSION" ]; then
		rm -rf "$MONGO_PG_DIR"
		mkdir -p "$MONGO_PG_DIR"
		chmod 700 "$MONGO_PG_DIR"
		[ "$(id -u)" -ne 0 ] || chown postgres:postgres "$MONGO_PG_DIR"
		if ! mongo_pg_run "$bin/initdb" -D "$MONGO_PG_DIR" -U postgres -A trust -E UTF8 --no-locale >"$MONGO_DIR/initdb.log" 2>&1; then
			rm -rf "$MONGO_PG_DIR"
			fail mongo "initdb of $MONGO_PG_DIR failed" "$MONGO_DIR/initdb.log"
		fi
		# A throwaway test database: speed over durability, TCP on
		# 127.0.0.1 only (no Unix socket, so no clash with a system cluster).
		cat >>"$MONGO_PG_DIR/postgresql.conf" <<CONF

# goconnect scripts/services/mongo.sh
listen_addresses = '127.0.0.1'
port = $MONGO_PG_PORT
unix_socket_directories = ''
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
CONF
	fi
	mongo_pg_alive && return 0
	rm -f "$MONGO_PG_DIR/postmaster.pid"
	port_open "$MONGO_PG_PORT" && fail mongo "port $MONGO_PG_PORT (PostgreSQL) is taken by another process"
	mongo_pg_run "$bin/pg_ctl" -D "$MONGO_PG_DIR" -l "$MONGO_PG_DIR/postgresql.log" -o "-p $MONGO_PG_PORT" -w -t 60 start >"$MONGO_DIR/pg_ctl.log" 2>&1 \
		|| fail mongo "PostgreSQL did not start on 127.0.0.1:$MONGO_PG_PORT" "$MONGO_PG_DIR/postgresql.log"
	if [ "$(mongo_psql -tAc "SELECT 1 FROM pg_database WHERE datname = 'ferretdb'" 2>>"$MONGO_DIR/pg_ctl.log")" != 1 ]; then
		mongo_psql -c "CREATE DATABASE ferretdb" >>"$MONGO_DIR/pg_ctl.log" 2>&1 \
			|| fail mongo "creating the PostgreSQL database ferretdb failed" "$MONGO_DIR/pg_ctl.log"
	fi
}

# mongo_ready: one wire round trip; exit 3 once FerretDB has died.
mongo_ready() {
	pid_alive "$MONGO_DIR/ferretdb.pid" || return 3
	"$MONGO_PING_BIN" "$MONGO_URI"
}

mongo_status_quiet() {
	mongo_pg_alive && pid_alive "$MONGO_DIR/ferretdb.pid" && mongo_ready >/dev/null 2>&1
}

mongo_up() {
	local start; start=$(now)
	if [ -x "$MONGO_PING_BIN" ] && mongo_status_quiet; then
		if port_open "$MONGO_TLS_PORT"; then
			echo "mongo ready at 127.0.0.1:$MONGO_PORT, TLS at 127.0.0.1:$MONGO_TLS_PORT (already running)"
			return 0
		fi
		# Started by an older version of this script, without the TLS
		# listener: one FerretDB restart (PostgreSQL stays) adds it.
		echo "mongo: restarting FerretDB once to add the TLS listener" >&2
		stop_pid "$MONGO_DIR/ferretdb.pid"
	fi
	mkdir -p "$MONGO_DIR"
	mongo_install
	test_certs "$MONGO_TLS_DIR" mongo goconnect-mongo-client
	mongo_pg_up
	if ! pid_alive "$MONGO_DIR/ferretdb.pid"; then
		port_open "$MONGO_PORT" && fail mongo "port $MONGO_PORT is taken by another process"
		port_open "$MONGO_TLS_PORT" && fail mongo "port $MONGO_TLS_PORT is taken by another process"
		mkdir -p "$MONGO_DIR/state"
		setsid nohup "$FERRETDB_BIN" --telemetry=disable --listen-addr="127.0.0.1:$MONGO_PORT" \
			--listen-tls="127.0.0.1:$MONGO_TLS_PORT" --listen-tls-cert-file="$MONGO_TLS_DIR/server.pem" \
			--listen-tls-key-file="$MONGO_TLS_DIR/server-key.pem" --listen-tls-ca-file="$MONGO_TLS_DIR/ca.pem" \
			--handler=postgresql --postgresql-url="postgres://postgres@127.0.0.1:$MONGO_PG_PORT/ferretdb" \
			--state-dir="$MONGO_DIR/state" --debug-addr=- --log-level=error \
			>"$MONGO_DIR/ferretdb.log" 2>&1 &
		echo $! >"$MONGO_DIR/ferretdb.pid"
	fi
	if ! wait_until 60 mongo_ready; then
		local why="no answer to ping/upsert/find on $MONGO_URI within 60s"
		pid_alive "$MONGO_DIR/ferretdb.pid" || why="the FerretDB process exited"
		fail mongo "$why" "$MONGO_DIR/ferretdb.log"
	fi
	wait_until 30 port_open "$MONGO_TLS_PORT" || fail mongo "the TLS listener 127.0.0.1:$MONGO_TLS_PORT did not open" "$MONGO_DIR/ferretdb.log"
	echo "mongo ready at 127.0.0.1:$MONGO_PORT, TLS at 127.0.0.1:$MONGO_TLS_PORT with CA $MONGO_TLS_DIR/ca.pem (FerretDB $FERRETDB_VERSION on PostgreSQL $(basename "$(dirname "$(mongo_pg_bin)")") at 127.0.0.1:$MONGO_PG_PORT, no auth, $(elapsed "$start")s)"
}

mongo_down() {
	stop_pid "$MONGO_DIR/ferretdb.pid"
	if mongo_pg_alive; then
		local pid; pid=$(head -n 1 "$MONGO_PG_DIR/postmaster.pid")
		mongo_pg_run "$(mongo_pg_bin)/pg_ctl" -D "$MONGO_PG_DIR" -m fast -w -t 60 stop >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
		for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
		kill -9 "$pid" 2>/dev/null || true
	fi
	echo "mongo stopped"
}

mongo_status() {
	if [ -x "$MONGO_PING_BIN" ] && mongo_status_quiet; then
		echo "mongo: running at 127.0.0.1:$MONGO_PORT (FerretDB on PostgreSQL 127.0.0.1:$MONGO_PG_PORT)"
	else
		echo "mongo: down"; return 1
	fi
}
