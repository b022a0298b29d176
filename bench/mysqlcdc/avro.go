package main

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// registry is a goconnect schema registry the bench runs for -format avro:
// its own process on a free port, with its own schemas topic and election
// group, so that it neither depends on nor disturbs a shared registry (and
// needs no JVM on the host the figures are taken on).
type registry struct {
	cmd   *exec.Cmd
	url   string
	topic string
}

func startRegistry(bin, dir string, stamp int64) (*registry, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	r := &registry{url: "http://" + addr, topic: fmt.Sprintf("_schemas_bench%d", stamp)}
	props := filepath.Join(dir, "schema-registry.properties")
	if err := os.WriteFile(props, []byte(fmt.Sprintf("listeners=%s\nkafkastore.bootstrap.servers=%s\nkafkastore.topic=%s\nschema.registry.group.id=bench%d\n",
		r.url, *brokers, r.topic, stamp)), 0o644); err != nil {
		return nil, err
	}
	r.cmd = exec.Command(bin, "schema-registry", "--config", props)
	r.cmd.Stderr = os.Stderr
	if err := r.cmd.Start(); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		if resp, err := http.Get(r.url + "/subjects"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return r, nil
			}
		}
		if time.Now().After(deadline) {
			r.stop()
			return nil, fmt.Errorf("schema registry at %s did not come up", r.url)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (r *registry) stop() { _ = r.cmd.Process.Kill(); _ = r.cmd.Wait() }

// converterProps are the worker's converter settings for -format.
func converterProps(reg *registry) string {
	if reg == nil {
		return `key.converter=org.apache.kafka.connect.json.JsonConverter
key.converter.schemas.enable=false
value.converter=org.apache.kafka.connect.json.JsonConverter
value.converter.schemas.enable=false`
	}
	return fmt.Sprintf(`key.converter=io.confluent.connect.avro.AvroConverter
key.converter.schema.registry.url=%[1]s
value.converter=io.confluent.connect.avro.AvroConverter
value.converter.schema.registry.url=%[1]s`, reg.url)
}

// latestID is the id of a subject's latest schema: the bare producer
// writes with the schemas the connector registered, so that both write
// the same bytes under the same ids.
func (r *registry) latestID(subject string) (uint32, error) {
	resp, err := http.Get(r.url + "/subjects/" + url.PathEscape(subject) + "/versions/latest")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var v struct {
		ID uint32 `json:"id"`
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("schema registry: %s: %s", subject, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		return 0, fmt.Errorf("schema registry: %s: %w", subject, err)
	}
	return v.ID, nil
}

// Avro binary encoding, as the bare producer needs it: Confluent's frame
// (magic byte 0, big-endian schema id), zigzag varints, length-prefixed
// bytes and strings, and a branch index before each optional field
// (Connect's optional fields are ["null", T] unions).

func appendFrame(b []byte, id uint32) []byte {
	return binary.BigEndian.AppendUint32(append(b, 0), id)
}

func appendLong(b []byte, v int64) []byte { return binary.AppendVarint(b, v) }

func appendAvroBytes[T string | []byte](b []byte, s T) []byte {
	return append(binary.AppendVarint(b, int64(len(s))), s...)
}

// Branches of a ["null", T] union.
const (
	avroNull = 0
	avroSome = 2 // zigzag(1)
)
