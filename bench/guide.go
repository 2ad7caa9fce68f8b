package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/aether365/terraform-provider-aether365/internal/aether365"
	"github.com/aether365/terraform-provider-aether365/internal/simulator"
)

// guideRequest is what the seed's requests.get/post(...).json()["data"] does,
// with the error check the seed leaves out.
func guideRequest(ctx context.Context, method, url, body string, data any) error {
	var reader io.Reader
	if body != "" {
		reader = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, reader)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+simulator.DemoAPIKey)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	var envelope struct {
		Success bool            `json:"success"`
		Data    json.RawMessage `json:"data"`
		Meta    *struct {
			TotalPages int `json:"totalPages"`
		} `json:"meta"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&envelope); err != nil {
		return fmt.Errorf("%s %s: %d: %w", method, url, resp.StatusCode, err)
	}
	if !envelope.Success {
		return fmt.Errorf("%s %s: %d: not a success envelope", method, url, resp.StatusCode)
	}
	if pages, ok := data.(*guidePage); ok {
		if envelope.Meta == nil {
			return fmt.Errorf("%s %s: no meta", method, url)
		}
		pages.totalPages = envelope.Meta.TotalPages
		return json.Unmarshal(envelope.Data, &pages.results)
	}
	return json.Unmarshal(envelope.Data, data)
}

type guidePage struct {
	results    []aether365.Result
	totalPages int
}
