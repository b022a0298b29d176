package srclient

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/twmb/franz-go/pkg/sr"
)

// EncodingRuleParam marks a rule of a rule set's encodingRules (Confluent
// 8's rules on the serialized payload, such as ENCRYPT_PAYLOAD), which
// franz-go's SchemaRuleSet has no field for: the readers below keep them
// among the domain rules with this parameter set, so that the converters
// refuse them instead of never seeing them.
const EncodingRuleParam = "goconnect.encoding.rule"

// SchemaByID is sr.Client.SchemaByID keeping encoding rules.
func (c *Client) SchemaByID(ctx context.Context, id int) (sr.Schema, error) {
	var s sr.Schema
	err := c.doKeepingEncoding(ctx, http.MethodGet, fmt.Sprintf("/schemas/ids/%d", id), nil, &s, &s)
	return s, err
}

// SchemaByVersion is sr.Client.SchemaByVersion keeping encoding rules.
func (c *Client) SchemaByVersion(ctx context.Context, subject string, version int) (sr.SubjectSchema, error) {
	v := "latest"
	if version != -1 {
		v = fmt.Sprint(version)
	}
	var ss sr.SubjectSchema
	err := c.doKeepingEncoding(ctx, http.MethodGet, "/subjects/"+url.PathEscape(subject)+"/versions/"+v, nil, &ss, &ss.Schema)
	return ss, err
}

// LookupSchema is sr.Client.LookupSchema keeping encoding rules.
func (c *Client) LookupSchema(ctx context.Context, subject string, s sr.Schema) (sr.SubjectSchema, error) {
	var ss sr.SubjectSchema
	err := c.doKeepingEncoding(ctx, http.MethodPost, "/subjects/"+url.PathEscape(subject), s, &ss, &ss.Schema)
	return ss, err
}

// doKeepingEncoding decodes an answer into `into` and appends the
// encoding rules of its ruleSet to schema's domain rules, marked.
func (c *Client) doKeepingEncoding(ctx context.Context, method, path string, body, into any, schema *sr.Schema) error {
	var raw json.RawMessage
	if err := c.Client.Do(ctx, method, path, body, &raw); err != nil {
		return err
	}
	return decodeKeepingEncoding(raw, into, schema)
}

func decodeKeepingEncoding(raw []byte, into any, schema *sr.Schema) error {
	if err := json.Unmarshal(raw, into); err != nil {
		return fmt.Errorf("decoding the registry's answer: %w", err)
	}
	var enc struct {
		RuleSet *struct {
			EncodingRules []sr.SchemaRule `json:"encodingRules"`
		} `json:"ruleSet"`
	}
	if json.Unmarshal(raw, &enc) != nil || enc.RuleSet == nil || len(enc.RuleSet.EncodingRules) == 0 {
		return nil
	}
	if schema.SchemaRuleSet == nil {
		schema.SchemaRuleSet = &sr.SchemaRuleSet{}
	}
	for _, r := range enc.RuleSet.EncodingRules {
		params := map[string]string{EncodingRuleParam: "true"}
		for k, v := range r.Params {
			params[k] = v
		}
		r.Params = params
		schema.SchemaRuleSet.DomainRules = append(schema.SchemaRuleSet.DomainRules, r)
	}
	return nil
}
