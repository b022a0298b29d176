#!/usr/bin/env bash
# Installs the Python clients the e2e suite checks goconnect's converters
# against (Confluent's confluent-kafka with its Avro serde on fastavro and
# its JSON Schema serde on jsonschema, its Protobuf serde on Google's
# protobuf runtime, and Tink and hkdf for its field-level encryption
# rules) into
# a venv under the cache, pinned, from PyPI. Idempotent; prints the venv's
# python. The e2e tests look for it at $GOCONNECT_PYVENV/bin/python.
set -euo pipefail
venv=${GOCONNECT_PYVENV:-${GOCONNECT_CACHE:-$HOME/.cache/goconnect}/pyvenv}
pins=("confluent-kafka[avro,json,protobuf]==2.16.1" "fastavro==1.13.1" "jsonschema==4.26.0" "protobuf==7.36.2" "googleapis-common-protos==1.76.0" "tink==1.16.1" "hkdf==0.0.3" "jsonata-python==0.7.1")
check='import importlib.metadata as m; assert m.version("confluent-kafka") == "2.16.1" and m.version("fastavro") == "1.13.1" and m.version("jsonschema") == "4.26.0" and m.version("protobuf") == "7.36.2" and m.version("googleapis-common-protos") == "1.76.0" and m.version("tink") == "1.16.1" and m.version("hkdf") == "0.0.3" and m.version("jsonata-python") == "0.7.1"'
if ! "$venv/bin/python" -c "$check" 2>/dev/null; then
	python3 -m venv "$venv"
	"$venv/bin/pip" install -q --disable-pip-version-check "${pins[@]}"
	"$venv/bin/python" -c "$check"
fi
echo "$venv/bin/python"
