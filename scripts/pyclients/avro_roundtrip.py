"""Confluent's Python client as the independent Avro implementation for
goconnect's differential e2e test (e2e/avro_python_test.go).

Reads a JSON document on stdin:
  {"registry": URL, "cases": [{"name", "topic", "schema", "json", "bytes"}]}
where "schema" is an Avro schema text, "json" a value in Avro's JSON
encoding and "bytes" (base64, may be null) a record goconnect wrote.
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
from confluent_kafka.schema_registry import SchemaRegistryClient
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
        parsed = fastavro.parse_schema(json.loads(case["schema"]))
        ctx = SerializationContext(case["topic"], MessageField.VALUE)
        res = {"name": case["name"]}
        if case.get("bytes"):
            value = deserializer(base64.b64decode(case["bytes"]), ctx)
            res["decoded"] = to_json(parsed, value)
        serializer = AvroSerializer(client, case["schema"])
        res["bytes"] = base64.b64encode(serializer(from_json(parsed, case["json"]), ctx)).decode()
        results.append(res)
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
