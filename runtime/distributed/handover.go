package distributed

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// postTaskConfigs hands task configs to the leader at base, signed: the
// engine's hand-over when this worker runs a connector it does not lead.
func (h *Herder) postTaskConfigs(ctx context.Context, base, name string, configs []map[string]string) error {
	body, err := json.Marshal(configs)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/connectors/"+url.PathEscape(name)+"/tasks", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if err := h.sign(req.Header.Set, body); err != nil {
		return fmt.Errorf("signing the task configs for the leader: %w", err)
	}
	resp, err := h.http.Do(req)
	if err != nil {
		return fmt.Errorf("handing task configs to the leader: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return fmt.Errorf("handing task configs to the leader: HTTP %d: %s", resp.StatusCode, bytes.TrimSpace(msg))
	}
	return nil
}
