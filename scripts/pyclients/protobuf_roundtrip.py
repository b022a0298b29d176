"""Confluent's Python client as the independent Protobuf implementation
for goconnect's differential e2e test (e2e/protobuf_python_test.go).

Reads a JSON document on stdin:
  {"registry": URL, "cases": [{"name", "topic", "fds", "message",
                                "bytes", "json", "use_registry"}]}
fds is a base64 FileDescriptorSet (the schema goconnect registered,
compiled, with its imports) and message the full name of the message
class built from it. For each case it writes, on stdout,
{"name", "decoded", "bytes"}:
  decoded: when "bytes" (base64) is set, goconnect's record read with
           ProtobufDeserializer (framing: magic byte, schema id, message
           indexes; with use_registry the writer schema is fetched from
           the registry as a serialized descriptor, else the message class
           decodes), as proto3 JSON with the .proto field names;
  bytes:   when "json" is set, that proto3 JSON parsed into the message
           class and written with ProtobufSerializer (which registers the
           class's file under topic-value).
"""
import base64
import json
import sys

from google.protobuf import descriptor_pb2, descriptor_pool, json_format
from google.protobuf.message_factory import GetMessageClass

from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer, ProtobufSerializer
from confluent_kafka.serialization import MessageField, SerializationContext


def message_class(fds_b64, name):
    fds = descriptor_pb2.FileDescriptorSet()
    fds.ParseFromString(base64.b64decode(fds_b64))
    pool = descriptor_pool.DescriptorPool()
    for fdp in fds.file:  # imports first
        pool.Add(fdp)
    return GetMessageClass(pool.FindMessageTypeByName(name))


def main():
    req = json.load(sys.stdin)
    client = SchemaRegistryClient({"url": req["registry"]})
    results = []
    for case in req["cases"]:
        ctx = SerializationContext(case["topic"], MessageField.VALUE)
        cls = message_class(case["fds"], case["message"])
        res = {"name": case["name"]}
        if case.get("bytes"):
            registry = client if case.get("use_registry") else None
            deserializer = ProtobufDeserializer(cls, {"use.deprecated.format": False}, schema_registry_client=registry)
            msg = deserializer(base64.b64decode(case["bytes"]), ctx)
            res["decoded"] = json_format.MessageToDict(msg, preserving_proto_field_name=True)
        if case.get("json") is not None:
            serializer = ProtobufSerializer(cls, client, {"use.deprecated.format": False})
            msg = json_format.ParseDict(case["json"], cls())
            res["bytes"] = base64.b64encode(serializer(msg, ctx)).decode()
        results.append(res)
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
