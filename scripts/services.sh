#!/usr/bin/env bash
# Starts, stops and reports the real services used by the e2e tests and
# benchmarks, all on 127.0.0.1, installed from Maven Central, Debian and the
# Go module proxy. One entry point for people and CI:
#
#   scripts/services.sh up|down|status [service ...]     (no service: all)
#
# A service that cannot start makes `up` exit non-zero with the reason.
set -euo pipefail
# The servers started below run on after this script: they must not inherit
# its caller's other descriptors (a flock(1) lock, a pipe someone waits to
# see closed), which they would hold for as long as they run. 255 is bash's
# own descriptor of this script.
for fd in /proc/$$/fd/*; do
	fd=${fd##*/}
	if [ "$fd" -gt 2 ] && [ "$fd" -lt 255 ]; then eval "exec $fd>&-"; fi
done
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=services/common.sh
. "$here/services/common.sh"

ALL=()
for f in "$here"/services/*.sh; do
	name=$(basename "$f" .sh)
	[ "$name" = common ] && continue
	# shellcheck source=/dev/null
	. "$f"
	ALL+=("$name")
done
# Start order matters: Kafka before what needs it (the schema registry).
ordered() {
	local s
	for s in kafka mariadb elasticsearch opensearch mongo schema-registry java-connect java-connect-4 chromium; do
		for a in "${ALL[@]}"; do [ "$a" = "${s//-/_}" ] || [ "$a" = "$s" ] && echo "$s"; done
	done | awk '!seen[$0]++'
}

cmd=${1:-}
shift || true
services=("$@")
[ ${#services[@]} -gt 0 ] || mapfile -t services < <(ordered)

start=$(now)
rc=0
for s in "${services[@]}"; do
	fn=${s//-/_}
	if ! declare -F "${fn}_up" >/dev/null; then
		echo "unknown service: $s (known: ${ALL[*]})" >&2
		exit 2
	fi
	case "$cmd" in
	up) "${fn}_up" ;;
	down) "${fn}_down" ;;
	status) "${fn}_status" || rc=1 ;;
	*) echo "usage: scripts/services.sh up|down|status [service ...]" >&2; exit 2 ;;
	esac
done
[ "$cmd" = up ] && echo "services up in $(elapsed "$start")s"
exit $rc
