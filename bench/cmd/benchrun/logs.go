package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	tfjson "github.com/hashicorp/terraform-json"

	"github.com/aether365/terraform-provider-aether365/api"
	"github.com/aether365/terraform-provider-aether365/internal/simulator"
)

// The bench reads three structured logs instead of their text: the
// simulator's JSON request log (--log-format json), Terraform's JSON log of
// the provider (TF_LOG=json) and `terraform apply -json`'s messages.

// simLogFormat makes aether365-sim write its request log as JSON.
var simLogFormat = []string{"--log-format", simulator.LogFormatJSON}

// jsonLines calls decode with every line of r that is a JSON object; other
// lines (a process's plain messages beside its log) are skipped. The buffer
// holds Terraform's longest lines, a state value in a trace message.
func jsonLines(r io.Reader, decode func([]byte) error) error {
	scanner := bufio.NewScanner(r)
	scanner.Buffer(make([]byte, 1<<20), 64<<20)
	for scanner.Scan() {
		if line := scanner.Bytes(); len(line) > 0 && line[0] == '{' {
			if err := decode(line); err != nil {
				return err
			}
		}
	}
	return scanner.Err()
}

// readRequestLog decodes the simulator's JSON request log at path.
func readRequestLog(path string) ([]simulator.RequestLogEntry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	var entries []simulator.RequestLogEntry
	err = jsonLines(f, func(line []byte) error {
		var entry simulator.RequestLogEntry
		if err := json.Unmarshal(line, &entry); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		entries = append(entries, entry)
		return nil
	})
	return entries, err
}

// providerRequest holds the fields of the client's log event for an answered
// request, as Terraform's JSON log writes them: @timestamp (microseconds) is
// when the answer was read, duration how long the request took.
type providerRequest struct {
	Timestamp time.Time `json:"@timestamp"`
	Method    string    `json:"method"`
	Path      string    `json:"path"`
	Status    int       `json:"status"`
	Duration  string    `json:"duration"`
	Error     string    `json:"error"`
}

// sent is when the request went out.
func (p providerRequest) sent() time.Time {
	took, _ := time.ParseDuration(p.Duration)
	return p.Timestamp.Add(-took)
}

// isStatusPoll tells GET /scans/{id} from the other requests.
func (p providerRequest) isStatusPoll() bool {
	return p.Method == http.MethodGet && strings.HasPrefix(p.Path, "/scans/") && !strings.HasSuffix(p.Path, "/results")
}

// answered tells an answered request's event from the others.
func (p providerRequest) answered() bool {
	_, err := time.ParseDuration(p.Duration)
	return err == nil && p.Method != "" && p.Error == "" && p.Status/100 == 2
}

// answeredRequests reads the requests the provider logged as answered with
// success: the events that carry a method, a 2xx status and a duration, and
// no error.
func answeredRequests(path string) ([]providerRequest, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	var found []providerRequest
	err = jsonLines(f, func(line []byte) error {
		// A line of Terraform's own may hold a field of another type; it
		// is no request.
		var req providerRequest
		if json.Unmarshal(line, &req) == nil && req.answered() {
			found = append(found, req)
		}
		return nil
	})
	return found, err
}

// applyDiagnostics counts what `terraform apply -json` told the user: its
// error diagnostics, and the diagnostics of any severity that carry the
// API's rate-limit code (a 429 the retries did not absorb).
func applyDiagnostics(output string) (errorCount, rateLimited int) {
	_ = jsonLines(strings.NewReader(output), func(line []byte) error {
		// Other kinds of message, and lines that are none, count nothing.
		msg, err := tfjson.UnmarshalLogMessage(line)
		if diagnostic, ok := msg.(tfjson.DiagnosticLogMessage); ok && err == nil {
			if diagnostic.Severity == tfjson.DiagnosticSeverityError {
				errorCount++
			}
			if strings.Contains(diagnostic.Summary+"\n"+diagnostic.Detail, string(api.ErrorCodeRateLimited)) {
				rateLimited++
			}
		}
		return nil
	})
	return errorCount, rateLimited
}
