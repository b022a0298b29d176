# MariaDB (Debian's 10.11 packages) as a throwaway instance on
# 127.0.0.1:3307 with a row-based binlog, the demo.CUSTOMERS seed data of
# ../shared/seed-data/customers.sql and Debezium's replication user.
# TLS is on (ssl_ca/ssl_cert/ssl_key from a CA generated once into
# $MARIADB_TLS_DIR; the server certificate names localhost only) and
# optional for every user but debezium_tls (REQUIRE SSL) and debezium_x509
# (REQUIRE X509, a client certificate), both with password dbz.
# Sourced by scripts/services.sh.
MARIADB_PORT=${MARIADB_PORT:-3307}
MARIADB_DIR=$GOCONNECT_RUN/mariadb
MARIADB_TLS_DIR=$GOCONNECT_CACHE/mariadb-tls
MARIADB_SEED=${MARIADB_SEED:-$REPO_ROOT/../shared/seed-data/customers.sql}
MARIADB_ROOT_PASSWORD=goconnect

mariadb_install() {
	command -v mariadbd >/dev/null && command -v mariadb-install-db >/dev/null && return 0
	apt_install mariadb-server mariadb-client \
		|| fail mariadb "apt-get install mariadb-server failed"
}

# mariadb_certs writes, once, a CA and the server and client certificates
# into $MARIADB_TLS_DIR (see test_certs in common.sh).
mariadb_certs() { test_certs "$MARIADB_TLS_DIR" mariadb debezium_x509; }

# mariadb_tls_users creates the users that must connect over TLS.
mariadb_tls_users() {
	local grants="SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT, LOCK TABLES"
	mariadb_client -e "CREATE USER IF NOT EXISTS 'debezium_tls'@'%' IDENTIFIED BY 'dbz' REQUIRE SSL; GRANT $grants ON *.* TO 'debezium_tls'@'%';
		CREATE USER IF NOT EXISTS 'debezium_x509'@'%' IDENTIFIED BY 'dbz' REQUIRE X509; GRANT $grants ON *.* TO 'debezium_x509'@'%'; FLUSH PRIVILEGES;" \
		>>"$MARIADB_DIR/install.log" 2>&1 || fail mariadb "creating the TLS users failed" "$MARIADB_DIR/install.log"
}

# mariadb_tls_on tells whether the running server has TLS enabled.
mariadb_tls_on() { [ "$(mariadb_client -N -e "SELECT @@have_ssl" 2>/dev/null)" = YES ]; }

mariadb_client() { mariadb --protocol=socket --socket="$MARIADB_DIR/mysqld.sock" -uroot -p"$MARIADB_ROOT_PASSWORD" "$@"; }

mariadb_ready() {
	pid_alive "$MARIADB_DIR/mysqld.pid" || return 3
	mariadb-admin --protocol=tcp -h127.0.0.1 -P"$MARIADB_PORT" -udebezium -pdbz ping
}

mariadb_up() {
	local start; start=$(now)
	if pid_alive "$MARIADB_DIR/mysqld.pid" && mariadb_ready >/dev/null 2>&1; then
		if mariadb_tls_on; then
			mariadb_tls_users
			echo "mariadb ready at 127.0.0.1:$MARIADB_PORT (already running)"
			return 0
		fi
		# Started by an older version of this script, without TLS: one
		# restart turns it on.
		echo "mariadb: restarting once to turn TLS on" >&2
		stop_pid "$MARIADB_DIR/mysqld.pid"
	fi
	mariadb_certs
	[ -f "$MARIADB_SEED" ] || fail mariadb "seed file $MARIADB_SEED not found (it comes from ../shared/seed-data)"
	mariadb_install
	port_open "$MARIADB_PORT" && fail mariadb "port $MARIADB_PORT is taken by another process"
	local fresh=
	if [ ! -d "$MARIADB_DIR/data/mysql" ]; then
		mkdir -p "$MARIADB_DIR/data"
		mariadb-install-db --no-defaults --user=root --datadir="$MARIADB_DIR/data" --auth-root-authentication-method=normal \
			>"$MARIADB_DIR/install.log" 2>&1 || fail mariadb "mariadb-install-db failed" "$MARIADB_DIR/install.log"
		fresh=1
	fi
	# The port is free, so no server runs: a socket or pid file left by one
	# that was killed would make the readiness checks below pass or give
	# up too early.
	rm -f "$MARIADB_DIR/mysqld.sock" "$MARIADB_DIR/mysqld.pid"
	setsid nohup mariadbd --no-defaults --user=root --datadir="$MARIADB_DIR/data" \
		--socket="$MARIADB_DIR/mysqld.sock" --pid-file="$MARIADB_DIR/mysqld.pid" \
		--port="$MARIADB_PORT" --bind-address=127.0.0.1 \
		--server-id=223344 --log-bin=mysql-bin --binlog-format=ROW --binlog-row-image=FULL --binlog-row-metadata=FULL \
		--expire-logs-days=1 --innodb-buffer-pool-size=64M --skip-name-resolve \
		--ssl-ca="$MARIADB_TLS_DIR/ca.pem" --ssl-cert="$MARIADB_TLS_DIR/server.pem" --ssl-key="$MARIADB_TLS_DIR/server-key.pem" \
		>"$MARIADB_DIR/mariadb.log" 2>&1 &
	# Crash recovery after a kill replays the last binlog: a big one takes a while.
	# The socket file appears at bind time, before the server accepts on it
	# (TLS is set up in between); ping answers 0 once it does, even when
	# access is denied.
	if ! wait_until 180 mariadb-admin --protocol=socket --socket="$MARIADB_DIR/mysqld.sock" --connect-timeout=2 ping; then
		fail mariadb "the server did not accept connections on its socket within 180s" "$MARIADB_DIR/mariadb.log"
	fi
	if [ -n "$fresh" ]; then
		# First start: root password, the seed (users, grants, demo.CUSTOMERS).
		mariadb --protocol=socket --socket="$MARIADB_DIR/mysqld.sock" -uroot \
			-e "ALTER USER 'root'@'localhost' IDENTIFIED BY '$MARIADB_ROOT_PASSWORD'; CREATE OR REPLACE USER 'root'@'127.0.0.1' IDENTIFIED BY '$MARIADB_ROOT_PASSWORD'; GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION; CREATE USER IF NOT EXISTS 'connect_user'@'%' IDENTIFIED BY 'connect_pass';" \
			>>"$MARIADB_DIR/install.log" 2>&1 || fail mariadb "setting the root password failed" "$MARIADB_DIR/install.log"
		# The seed is MySQL's dialect: MariaDB spells the native password
		# plugin clause differently.
		sed -E 's/IDENTIFIED WITH mysql_native_password BY/IDENTIFIED BY/I' "$MARIADB_SEED" | mariadb_client >>"$MARIADB_DIR/install.log" 2>&1 \
			|| mariadb_reset_and_fail "loading $MARIADB_SEED failed"
		mariadb_client -e "GRANT SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT, LOCK TABLES ON *.* TO 'debezium'@'%'; FLUSH PRIVILEGES;" \
			>>"$MARIADB_DIR/install.log" 2>&1 || mariadb_reset_and_fail "granting Debezium's privileges failed"
	fi
	if ! wait_until 60 mariadb_ready; then
		fail mariadb "the debezium user cannot connect over TCP within 60s" "$MARIADB_DIR/mariadb.log"
	fi
	mariadb_tls_on || fail mariadb "TLS is not enabled (have_ssl is not YES)" "$MARIADB_DIR/mariadb.log"
	mariadb_tls_users
	local rows
	rows=$(mariadb_client -N -e "SELECT COUNT(*) FROM demo.CUSTOMERS") || fail mariadb "demo.CUSTOMERS is not readable" "$MARIADB_DIR/mariadb.log"
	echo "mariadb ready at 127.0.0.1:$MARIADB_PORT (user debezium/dbz, root/$MARIADB_ROOT_PASSWORD, demo.CUSTOMERS has $rows rows, TLS with CA $MARIADB_TLS_DIR/ca.pem, $(elapsed "$start")s)"
}

# mariadb_reset_and_fail wipes a half-seeded instance so the next `up`
# starts from scratch, then fails.
mariadb_reset_and_fail() {
	stop_pid "$MARIADB_DIR/mysqld.pid"
	cp "$MARIADB_DIR/install.log" "$MARIADB_DIR/failed-install.log" 2>/dev/null || true
	rm -rf "$MARIADB_DIR/data"
	fail mariadb "$1" "$MARIADB_DIR/failed-install.log"
}

mariadb_down() {
	if pid_alive "$MARIADB_DIR/mysqld.pid"; then
		stop_pid "$MARIADB_DIR/mysqld.pid"
	fi
	echo "mariadb stopped"
}

mariadb_status() {
	if pid_alive "$MARIADB_DIR/mysqld.pid" && mariadb_ready >/dev/null 2>&1; then
		echo "mariadb: running at 127.0.0.1:$MARIADB_PORT"
	else
		echo "mariadb: down"; return 1
	fi
}
