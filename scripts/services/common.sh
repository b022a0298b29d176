# Shared helpers for scripts/services.sh. Sourced, not run.
#
# Servers start as "setsid nohup …": in their own session and process
# group, so that the end of whatever ran "services.sh up" (a test run, a
# terminal, a job killed as a group) does not take the servers with it.
GOCONNECT_CACHE=${GOCONNECT_CACHE:-$HOME/.cache/goconnect}
GOCONNECT_RUN=${GOCONNECT_RUN:-$GOCONNECT_CACHE/run}
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
mkdir -p "$GOCONNECT_CACHE" "$GOCONNECT_RUN"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# fail prints why a service did not start, with the end of its log, and exits.
fail() {
	local svc=$1 reason=$2 log=${3:-}
	echo "ERROR: $svc failed to start: $reason" >&2
	if [ -n "$log" ] && [ -f "$log" ]; then
		echo "---- last lines of $log ----" >&2
		tail -n 30 "$log" >&2
		echo "----" >&2
	fi
	exit 1
}

# wait_until polls a command until it succeeds or the deadline (seconds) passes.
wait_until() {
	local deadline=$1; shift
	local end=$(( $(date +%s) + deadline ))
	local rc
	while true; do
		rc=0
		"$@" >/dev/null 2>&1 || rc=$?
		[ $rc -eq 0 ] && return 0
		# Exit code 3 means the service is gone: no point in waiting.
		[ $rc -ne 3 ] || return 1
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.3
	done
}

# pid_alive tells whether the pid in a pid file runs.
pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# stop_pid stops the process of a pid file, waiting for it to exit.
stop_pid() {
	local pidfile=$1
	if pid_alive "$pidfile"; then
		local pid; pid=$(cat "$pidfile")
		kill "$pid" 2>/dev/null || true
		for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
		kill -9 "$pid" 2>/dev/null || true
	fi
	rm -f "$pidfile"
}

apt_updated=
apt_install() {
	local missing=()
	for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ -z "$apt_updated" ]; then apt-get update -qq >/dev/null; apt_updated=1; fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# test_certs DIR SVC CLIENT_CN writes, once, a throwaway CA and certificates
# signed by it into DIR (PEM): ca.pem, server.pem/server-key.pem (DNS
# localhost only, so that 127.0.0.1 is a host name mismatch),
# client.pem/client-key.pem (CN CLIENT_CN) and client-combined.pem
# (certificate then key, as MongoDB's tlsCertificateKeyFile wants).
test_certs() {
	local d=$1 svc=$2 cn=$3
	[ -s "$d/ca.pem" ] && [ -s "$d/server.pem" ] && [ -s "$d/client-combined.pem" ] && return 0
	command -v openssl >/dev/null || apt_install openssl || fail "$svc" "apt-get install openssl failed"
	rm -rf "$d.tmp" && mkdir -p "$d.tmp"
	(
		set -e
		cd "$d.tmp"
		openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=goconnect test $svc CA" \
			-keyout ca-key.pem -out ca.pem
		openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout server-key.pem -out server.csr
		printf 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n' >server.ext
		openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 3650 -extfile server.ext -out server.pem
		openssl req -newkey rsa:2048 -nodes -subj "/CN=$cn" -keyout client-key.pem -out client.csr
		printf 'extendedKeyUsage=clientAuth\n' >client.ext
		openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 3650 -extfile client.ext -out client.pem
		cat client.pem client-key.pem >client-combined.pem
		rm -f ./*.csr ./*.ext ./*.srl
	) >"$d.log" 2>&1 || fail "$svc" "generating the TLS certificates failed" "$d.log"
	rm -rf "$d" && mv "$d.tmp" "$d"
}
