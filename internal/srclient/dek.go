package srclient

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/twmb/franz-go/pkg/sr"
)

// dekPrefix is the DEK registry's API root, served beside the schema
// registry's (Confluent's DekRegistryRestService).
const dekPrefix = "/dek-registry/v1/keks"

// KEK is a key-encryption key as the DEK registry answers it.
type KEK struct {
	Name     string            `json:"name"`
	KmsType  string            `json:"kmsType"`
	KmsKeyID string            `json:"kmsKeyId"`
	KmsProps map[string]string `json:"kmsProps,omitempty"`
	Doc      string            `json:"doc,omitempty"`
	Shared   bool              `json:"shared"`
	TS       int64             `json:"ts,omitempty"`
	Deleted  bool              `json:"deleted,omitempty"`
}

// DEK is a data-encryption key as the DEK registry answers it: key
// material base64-encoded, KeyMaterial only for shared KEKs.
type DEK struct {
	KekName              string `json:"kekName"`
	Subject              string `json:"subject"`
	Version              int    `json:"version"`
	Algorithm            string `json:"algorithm"`
	EncryptedKeyMaterial string `json:"encryptedKeyMaterial,omitempty"`
	KeyMaterial          string `json:"keyMaterial,omitempty"`
	TS                   int64  `json:"ts,omitempty"`
	Deleted              bool   `json:"deleted,omitempty"`
}

// status is an HTTP status of the registry's error answer, 0 otherwise.
func status(err error) int {
	var re *sr.ResponseError
	if errors.As(err, &re) {
		return re.StatusCode
	}
	return 0
}

// KEK reads a KEK (soft-deleted ones too with deleted); nil when the
// registry has none (404).
func (c *Client) KEK(ctx context.Context, name string, deleted bool) (*KEK, error) {
	q := url.Values{}
	if deleted {
		q.Set("deleted", "true")
	}
	var k KEK
	err := c.Client.Do(sr.WithParams(ctx, sr.RawParams(q)), http.MethodGet, dekPrefix+"/"+url.PathEscape(name), nil, &k)
	if status(err) == http.StatusNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &k, nil
}

// CreateKEK registers a KEK; nil when another client registered it first
// (409).
func (c *Client) CreateKEK(ctx context.Context, name, kmsType, kmsKeyID string, shared bool) (*KEK, error) {
	body := KEK{Name: name, KmsType: kmsType, KmsKeyID: kmsKeyID, Shared: shared}
	var k KEK
	err := c.Client.Do(ctx, http.MethodPost, dekPrefix, body, &k)
	if status(err) == http.StatusConflict {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &k, nil
}

// DEK reads the DEK of kek, subject and algorithm: version 0 without a
// version in the path (the registry answers version 1), -1 the latest;
// nil when the registry has none (404).
func (c *Client) DEK(ctx context.Context, kek, subject string, version int, algorithm string, deleted bool) (*DEK, error) {
	q := url.Values{}
	q.Set("algorithm", algorithm)
	if deleted {
		q.Set("deleted", "true")
	}
	path := dekPrefix + "/" + url.PathEscape(kek) + "/deks/" + url.PathEscape(subject)
	if version != 0 {
		path += "/versions/" + strconv.Itoa(version)
	}
	var d DEK
	err := c.Client.Do(sr.WithParams(ctx, sr.RawParams(q)), http.MethodGet, path, nil, &d)
	if status(err) == http.StatusNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &d, nil
}

// CreateDEK registers a DEK (version 0: none given, the registry makes it
// version 1); encrypted is the base64 encrypted key material, empty for a
// shared KEK, whose DEK the registry makes. nil when it exists already
// (409).
func (c *Client) CreateDEK(ctx context.Context, kek, subject string, version int, algorithm, encrypted string) (*DEK, error) {
	body := struct {
		Subject              string `json:"subject"`
		Version              *int   `json:"version,omitempty"`
		Algorithm            string `json:"algorithm"`
		EncryptedKeyMaterial string `json:"encryptedKeyMaterial,omitempty"`
	}{Subject: subject, Algorithm: algorithm, EncryptedKeyMaterial: encrypted}
	if version != 0 {
		body.Version = &version
	}
	var d DEK
	err := c.Client.Do(ctx, http.MethodPost, dekPrefix+"/"+url.PathEscape(kek)+"/deks", body, &d)
	if status(err) == http.StatusConflict {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &d, nil
}
