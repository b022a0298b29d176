package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/goconnect/goconnect/internal/mask"
	"github.com/goconnect/goconnect/runtime/herder"
)

// errorBody is Connect's ErrorMessage entity.
type errorBody struct {
	ErrorCode int    `json:"error_code"`
	Message   string `json:"message"`
}

// httpError is an error with the HTTP status to answer.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func newHTTPError(status int, format string, args ...any) error {
	return &httpError{status: status, msg: fmt.Sprintf(format, args...)}
}

// encode writes compact JSON without HTML escaping, as Jackson does.
func encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := encode(v)
	if err != nil {
		writeError(w, fmt.Errorf("encoding response: %w", err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(b)
}

// writeError maps a herder or request error to Connect's status and body.
func writeError(w http.ResponseWriter, err error) {
	if rw, base, ok := asForward(w, err); ok {
		forward(rw.client, rw, base)
		return
	}
	code := http.StatusInternalServerError
	var he *httpError
	switch {
	case errors.As(err, &he):
		code = he.status
	case errors.Is(err, herder.ErrNotFound):
		code = http.StatusNotFound
	case errors.Is(err, herder.ErrExists):
		code = http.StatusConflict
	case errors.Is(err, herder.ErrBadRequest):
		code = http.StatusBadRequest
	case errors.Is(err, herder.ErrForbidden):
		code = http.StatusForbidden
	case errors.Is(err, herder.ErrUnavailable):
		code = http.StatusServiceUnavailable
	}
	writeErrorBody(w, code, err.Error())
}

// writeErrorBody answers {"error_code","message"}; URL passwords and
// credential values quoted in msg are masked.
func writeErrorBody(w http.ResponseWriter, code int, msg string) {
	b, _ := encode(errorBody{ErrorCode: code, Message: mask.Text(msg)})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(b)
}

// maxBody bounds request bodies; connector configs are small.
const maxBody = 8 << 20

// decodeBody reads a JSON request body into v: 415 for a declared
// non-JSON content type, 400 for a body that does not parse. Numbers are
// kept as json.Number so they can be rendered as Connect would.
func decodeBody(r *http.Request, v any) error {
	_, err := decodeBodyRaw(r, v)
	return err
}

// decodeBodyRaw is decodeBody that also returns the body read.
func decodeBodyRaw(r *http.Request, v any) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && mt != "text/json" && !isJSONSuffix(mt)) {
			return nil, newHTTPError(http.StatusUnsupportedMediaType, "HTTP 415 Unsupported Media Type")
		}
	}
	// ServeHTTP has already read the body under maxBody (bufferBody).
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, newHTTPError(http.StatusBadRequest, "Failed to read the request body: %v", err)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, newHTTPError(http.StatusBadRequest, "Request body is empty; a JSON body is required")
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	// Connect maps Jackson's parse and mapping errors to 500 (no mapper of
	// its own for them), with the parser's message.
	if err := d.Decode(v); err != nil {
		return nil, newHTTPError(http.StatusInternalServerError, "Cannot deserialize the request body as JSON: %v", err)
	}
	if d.More() {
		return nil, newHTTPError(http.StatusInternalServerError, "Cannot deserialize the request body as JSON: trailing data after the JSON value")
	}
	return b, nil
}

func isJSONSuffix(mt string) bool {
	return len(mt) > 5 && mt[len(mt)-5:] == "+json"
}

// configMap converts a JSON object to a connector config: strings stay,
// numbers and booleans become their text (Jackson coerces them), and
// nested objects or arrays are rejected. A JSON null is kept as a nil
// entry for PATCH; other callers treat it as an error.
func configMap(raw map[string]any) (map[string]*string, error) {
	out := make(map[string]*string, len(raw))
	for k, v := range raw {
		var s string
		switch x := v.(type) {
		case nil:
			out[k] = nil
			continue
		case string:
			s = x
		case json.Number:
			s = x.String()
		case bool:
			if x {
				s = "true"
			} else {
				s = "false"
			}
		default:
			// Jackson's mapping error: 500 in Connect, as a parse error.
			return nil, newHTTPError(http.StatusInternalServerError,
				"Cannot deserialize value of config %s: expected a string, number or boolean", k)
		}
		out[k] = &s
	}
	return out, nil
}

// flatConfig is configMap for bodies where null values are not allowed.
func flatConfig(raw map[string]any) (map[string]string, error) {
	m, err := configMap(raw)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		if v == nil {
			return nil, newHTTPError(http.StatusBadRequest, "Null value can not be supplied as the configuration value for %s.", k)
		}
		out[k] = *v
	}
	return out, nil
}
