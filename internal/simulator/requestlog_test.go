package simulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// logLines parses the request log: one map of fields per line, checking
// that each line is well-formed logfmt with the fields every line has.
func logLines(t testing.TB, log string) []map[string]string {
	t.Helper()
	var lines []map[string]string
	for _, line := range strings.Split(strings.TrimSpace(log), "\n") {
		if line == "" {
			continue
		}
		fields := parseLogfmt(t, line)
		for _, key := range []string{"time", "msg", logKeyMethod, logKeyPath, logKeyStatus, logKeyDuration, logKeyRequestID} {
			if fields[key] == "" {
				t.Fatalf("log line %q has no %s", line, key)
			}
		}
		if _, err := time.Parse(time.RFC3339, fields["time"]); err != nil || !strings.HasSuffix(fields["time"], "Z") {
			t.Errorf("log line %q: time is not RFC 3339 UTC", line)
		}
		lines = append(lines, fields)
	}
	return lines
}

// parseLogfmt splits key=value pairs, unquoting quoted values.
func parseLogfmt(t testing.TB, line string) map[string]string {
	t.Helper()
	fields := map[string]string{}
	rest := line
	for rest != "" {
		key, after, found := strings.Cut(rest, "=")
		if !found || key == "" || strings.ContainsAny(key, " \"") {
			t.Fatalf("log line %q is not logfmt near %q", line, rest)
		}
		var value string
		if strings.HasPrefix(after, `"`) {
			quoted, err := strconv.QuotedPrefix(after)
			if err != nil {
				t.Fatalf("log line %q: bad quoting: %v", line, err)
			}
			value, _ = strconv.Unquote(quoted)
			after = after[len(quoted):]
		} else {
			value, after, _ = strings.Cut(after, " ")
			after = " " + after
		}
		fields[key] = value
		rest = strings.TrimPrefix(after, " ")
	}
	return fields
}

func TestRequestLogIsStructured(t *testing.T) {
	var log bytes.Buffer
	longKey := "ae_live_" + strings.Repeat("s3cr3t", 4)
	sim, _ := newTestServer(t, Config{RequestLog: &log, APIKeys: map[string]string{longKey: "t_contoso"}})
	scan := createScan(t, sim, longKey, "compliance")
	brew := httptest.NewRequest("GET", "/scans/"+scan.ID, nil)
	brew.Method = "BREW\nTEA" // no client sends it, but the log must stay one line a request
	brew.Header.Set("Authorization", "Bearer "+longKey)
	sim.ServeHTTP(httptest.NewRecorder(), brew)
	call(t, sim, request{method: "GET", path: "/tenants/me/scans"})

	lines := logLines(t, log.String())
	if len(lines) != 3 {
		t.Fatalf("%d log lines, want 3:\n%s", len(lines), log.String())
	}
	for i, want := range []map[string]string{
		{logKeyMethod: "POST", logKeyPath: "/tenants/me/scans", logKeyStatus: "201", logKeyAPIKey: "ae_l***"},
		{logKeyMethod: "BREW\nTEA", logKeyPath: "/scans/" + scan.ID, logKeyStatus: "405", logKeyAPIKey: "ae_l***"},
		{logKeyMethod: "GET", logKeyPath: "/tenants/me/scans", logKeyStatus: "401", logKeyAPIKey: ""},
	} {
		for key, value := range want {
			if lines[i][key] != value {
				t.Errorf("line %d: %s = %q, want %q (%v)", i, key, lines[i][key], value, lines[i])
			}
		}
		if !strings.HasPrefix(lines[i][logKeyRequestID], "req_") {
			t.Errorf("line %d: request_id %q", i, lines[i][logKeyRequestID])
		}
	}
	if strings.Count(log.String(), "\n") != 3 {
		t.Errorf("a method with a newline broke a log line in two:\n%s", log.String())
	}
	if strings.Contains(log.String(), "s3cr3t") {
		t.Errorf("the log holds the secret part of the key:\n%s", log.String())
	}
}

func TestRequestLogInJSONHasTheSameFields(t *testing.T) {
	var log bytes.Buffer
	longKey := "ae_live_" + strings.Repeat("s3cr3t", 4)
	sim, _ := newTestServer(t, Config{RequestLog: &log, RequestLogFormat: LogFormatJSON, APIKeys: map[string]string{longKey: "t_contoso"}})
	scan := createScan(t, sim, longKey, "compliance")
	call(t, sim, request{method: "GET", path: "/scans/" + scan.ID})

	decoder := json.NewDecoder(&log)
	decoder.DisallowUnknownFields() // every field the log writes is one of RequestLogEntry's
	var entries []RequestLogEntry
	for decoder.More() {
		var entry RequestLogEntry
		if err := decoder.Decode(&entry); err != nil {
			t.Fatalf("log line %d: %v", len(entries)+1, err)
		}
		entries = append(entries, entry)
	}
	want := []RequestLogEntry{
		{Message: logMessage, Method: "POST", Path: "/tenants/me/scans", Status: http.StatusCreated, APIKey: "ae_l***"},
		{Message: logMessage, Method: "GET", Path: "/scans/" + scan.ID, Status: http.StatusUnauthorized},
	}
	if len(entries) != len(want) {
		t.Fatalf("%d log lines, want %d:\n%s", len(entries), len(want), log.String())
	}
	for i, got := range entries {
		if got.Time.IsZero() || got.Time.Location() != time.UTC || got.Duration < 0 || !strings.HasPrefix(got.RequestID, "req_") {
			t.Errorf("line %d: time %v, duration %v, request_id %q", i, got.Time, got.Duration, got.RequestID)
		}
		got.Time, got.Duration, got.RequestID = time.Time{}, 0, ""
		if got != want[i] {
			t.Errorf("line %d: %+v, want %+v", i, got, want[i])
		}
	}
}

func TestRequestLogFormatIsChecked(t *testing.T) {
	_, err := New(Config{RequestLogFormat: "yaml"})
	var configErr *ConfigError
	if !errors.As(err, &configErr) || configErr.Fields[0] != "RequestLogFormat" {
		t.Errorf("New with format yaml: %v", err)
	}
}
