"""Confluent's Python client as the independent JSON Schema implementation
for goconnect's differential e2e test (e2e/jsonschema_python_test.go).

Reads a JSON document on stdin:
  {"registry": URL, "cases": [{"name", "topic", "schema", "json", "bytes"}]}
For each case it writes, on stdout, {"name", "decoded", "bytes"}:
  decoded: when "bytes" (base64) is set, goconnect's record read with
           JSONDeserializer: the writer schema fetched by id from the
           registry and the payload validated against it;
  bytes:   when "schema" is set, "json" written with JSONSerializer under
           that schema (validated, registered under topic-value).
"""
import base64
import json
import sys

from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer
from confluent_kafka.serialization import MessageField, SerializationContext


def main():
    req = json.load(sys.stdin)
    client = SchemaRegistryClient({"url": req["registry"]})
    deserializer = JSONDeserializer(None, schema_registry_client=client)
    results = []
    for case in req["cases"]:
        ctx = SerializationContext(case["topic"], MessageField.VALUE)
        res = {"name": case["name"]}
        if case.get("bytes"):
            res["decoded"] = deserializer(base64.b64decode(case["bytes"]), ctx)
        if case.get("schema"):
            serializer = JSONSerializer(case["schema"], client)
            res["bytes"] = base64.b64encode(serializer(case["json"], ctx)).decode()
        results.append(res)
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
