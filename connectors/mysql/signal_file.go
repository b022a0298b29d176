package mysql

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The file signal channel's keys (Debezium's FileSignalChannel and
// SignalProcessor's poll interval).
const (
	channelFile           = "file"
	keySignalFile         = "signal.file"
	keySignalPollInterval = "signal.poll.interval.ms"
	defaultSignalFile     = "file-signals.txt" // relative to the worker's directory, as Debezium's
)

// fileSignalSettings configure the file signal channel.
type fileSignalSettings struct {
	path  string
	every time.Duration // signal.poll.interval.ms
}

// fileSignalOf gives the file channel's settings when channels has
// "file", nil otherwise; every is signal.poll.interval.ms, which the
// config definition has checked. signal.file is read from props, as
// Debezium's channel reads it: it is not one of the connector's keys.
func fileSignalOf(props map[string]string, channels map[string]bool, every time.Duration) *fileSignalSettings {
	if !channels[channelFile] {
		return nil
	}
	f := &fileSignalSettings{path: strings.TrimSpace(props[keySignalFile]), every: every}
	if f.path == "" {
		f.path = defaultSignalFile
	}
	return f
}

// fileSignals reads the signal file every f.every until ctx ends and
// queues what it finds. A read that fails is logged (once until it
// changes) and tried again at the next poll: the file is the user's, and
// a bad moment (permissions being fixed, the file being replaced) must
// not stop the connector.
func (t *Task) fileSignals(ctx context.Context, f *fileSignalSettings, in *signalInbox) {
	abs, err := filepath.Abs(f.path)
	if err != nil {
		abs = f.path
	}
	t.log.Info(fmt.Sprintf("Reading '%s' file for signals", abs))
	r := &signalFileReader{path: f.path, log: t.log}
	tick := time.NewTicker(f.every)
	defer tick.Stop()
	lastErr := ""
	for {
		sigs, err := r.take()
		switch {
		case err != nil && err.Error() != lastErr:
			lastErr = err.Error()
			t.log.Warn("signal channel file: reading the file failed, trying again at each poll", "file", abs, "error", err)
		case err == nil:
			lastErr = ""
		}
		for _, s := range sigs {
			if in.put(ctx, s) != nil {
				return
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// signalFileReader takes the signals out of the signal file.
type signalFileReader struct {
	path string
	log  *slog.Logger
	// held is the file's content when the last poll left it alone because
	// its unterminated last line did not parse: a line still being written.
	held []byte
}

// take reads the signals in the file, one JSON object per line, and
// empties it, as Debezium's FileSignalChannel.read: a missing file holds
// none, and so does anything but a regular file (Debezium skips
// directories; a named pipe would block the read); blank lines are
// ignored; a line that is not an object with id, type and data is logged
// and skipped. An unterminated last line that does not parse is left for
// one more poll, in case its writer is not done; unchanged by then, it is
// taken as it is. As in Debezium, a line appended between the read and
// the truncation is lost.
func (r *signalFileReader) take() ([]signal, error) {
	st, err := os.Stat(r.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("stat signal file: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, nil
	}
	f, err := os.OpenFile(r.path, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("open signal file: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("read signal file: %w", err)
	}
	if len(b) == 0 {
		r.held = nil
		return nil, nil
	}
	if i := bytes.LastIndexByte(b, '\n'); i < len(b)-1 && !bytes.Equal(b, r.held) {
		if last := bytes.TrimSpace(b[i+1:]); len(last) > 0 {
			if _, err := fileSignal(last); err != nil {
				r.held = bytes.Clone(b)
				return nil, nil
			}
		}
	}
	r.held = nil
	if err := f.Truncate(0); err != nil {
		return nil, fmt.Errorf("empty signal file: %w", err)
	}
	var out []signal
	for _, line := range bytes.Split(b, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		sig, err := fileSignal(line)
		if err != nil {
			r.log.Warn(fmt.Sprintf("Skipped signal due to an error '%s'", line), "error", err)
			continue
		}
		r.log.Info(fmt.Sprintf("Processing signal: %s, %s, %s, {}", sig.ID, sig.Type, sig.Data))
		out = append(out, sig)
	}
	return out, nil
}

// fileSignal decodes one line as Debezium's readSignalString: id and type
// as text (a number's digits; an object or array gives ""), data the JSON
// of its value; each of the three is required.
func fileSignal(line []byte) (signal, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(line, &doc); err != nil {
		return signal{}, fmt.Errorf("not a JSON object: %w", err)
	}
	text := func(k string) (string, error) {
		raw, ok := doc[k]
		if !ok {
			return "", fmt.Errorf("no %q field", k)
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return "", fmt.Errorf("field %q: %w", k, err)
		}
		switch v := v.(type) {
		case string:
			return v, nil
		case map[string]any, []any:
			return "", nil
		case nil:
			return "null", nil
		}
		return string(raw), nil
	}
	id, err := text("id")
	if err != nil {
		return signal{}, err
	}
	typ, err := text("type")
	if err != nil {
		return signal{}, err
	}
	data, ok := doc["data"]
	if !ok {
		return signal{}, errors.New(`no "data" field`)
	}
	sig := signal{ID: id, Type: typ, Channel: channelFile}
	if d := bytes.TrimSpace(data); len(d) > 0 && !bytes.Equal(d, []byte("null")) {
		sig.Data = d
	}
	return sig, nil
}
