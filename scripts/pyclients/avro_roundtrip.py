"""Confluent's Python client as the independent Avro implementation for
goconnect's differential e2e test (e2e/avro_python_test.go).

Reads a JSON document on stdin:
  {"registry": URL, "cases": [{"name", "topic", "schema", "json", "bytes", "references"}]}
where "schema" is an Avro schema text, "json" a value in Avro's JSON
encoding, "bytes" (base64, may be null) a record goconnect wrote and
"references" (may be absent) [{"name", "subject", "schema"}]: schemas the
client registers first (version 1 each) and the schema names.
For each case it writes, on stdout, {"name", "decoded", "bytes"}:
  decoded: goconnect's bytes read with AvroDeserializer (writer schema by
           id from the registry), rendered in Avro's JSON encoding;
  bytes:   the JSON value read with fastavro against the schema and written
           with AvroSerializer (registering the schema under topic-value).
"""
import base64
import io
import json
import sys

import fastavro
from confluent_kafka.schema_registry import Schema, SchemaReference, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext


def to_json(parsed, value):
    out = io.StringIO()
    fastavro.json_writer(out, parsed, [value])
    return json.loads(out.getvalue().splitlines()[0])


def from_json(parsed, doc):
    return next(iter(fastavro.json_reader(io.StringIO(json.dumps(doc)), parsed)))


def main():
    req = json.load(sys.stdin)
    client = SchemaRegistryClient({"url": req["registry"]})
    deserializer = AvroDeserializer(client)
    results = []
    for case in req["cases"]:
        named = {}
        refs = []
        for ref in case.get("references") or []:
            client.register_schema(ref["subject"], Schema(ref["schema"], "AVRO"))
            fastavro.parse_schema(json.loads(ref["schema"]), named_schemas=named)
            refs.append(SchemaReference(ref["name"], ref["subject"], 1))
        parsed = fastavro.parse_schema(json.loads(case["schema"]), named_schemas=named)
        ctx = SerializationContext(case["topic"], MessageField.VALUE)
        res = {"name": case["name"]}
        if case.get("bytes"):
            value = deserializer(base64.b64decode(case["bytes"]), ctx)
            res["decoded"] = to_json(parsed, value)
        schema = Schema(case["schema"], "AVRO", refs) if refs else case["schema"]
        serializer = AvroSerializer(client, schema)
        res["bytes"] = base64.b64encode(serializer(from_json(parsed, case["json"]), ctx)).decode()
        results.append(res)
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
