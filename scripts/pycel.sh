#!/usr/bin/env bash
# Installs cel-python (the CEL interpreter Confluent's Python client runs
# data contract rules with, its "rules" extra) and its dependencies, pinned,
# into a directory beside the venv of scripts/pyclients.sh, without touching
# that venv; e2e TestDomainRulesPython puts it on PYTHONPATH. Idempotent;
# prints the directory.
set -euo pipefail
cache=${GOCONNECT_CACHE:-$HOME/.cache/goconnect}
dir=${GOCONNECT_PYCEL:-$cache/pycel}
py=$("$(dirname "$0")/pyclients.sh")
pins=("cel-python==0.5.0" "lark==1.3.1" "pendulum==3.3.0" "python-dateutil==4.0.0" "jmespath==1.1.0" "pyyaml==6.0.4" "google-re2==1.1.20251105" "tzdata==2026.6")
if ! PYTHONPATH="$dir" "$py" -c 'import importlib.metadata as m, celpy; assert m.version("cel-python") == "0.5.0"' 2>/dev/null; then
	"$(dirname "$py")/pip" install -q --disable-pip-version-check --no-deps --upgrade --target "$dir" "${pins[@]}"
	PYTHONPATH="$dir" "$py" -c 'import celpy'
fi
echo "$dir"
