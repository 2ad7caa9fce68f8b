package aether365

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// echoForms are the ways a server or proxy may echo the key.
var echoForms = []func(string) string{
	func(k string) string { return k },
	func(k string) string { return jsonQuote(k, true) },
	func(k string) string { return jsonQuote(k, false) },
	allUnicodeEscapes,
	url.QueryEscape,
	url.PathEscape,
	htmlEscape,
}

// fuzzKey turns fuzz input into a key the client accepts. The marker at the
// start never occurs in the client's own text, so any prefix of the key in
// the output came from the echo.
func fuzzKey(raw string) string {
	var b strings.Builder
	b.WriteString("Ǩ§")
	for _, r := range raw {
		if r > ' ' && r != 0x7f && r != utf8.RuneError {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// FuzzKeyNeverLeaks: random keys × random server echoes (in any encoding,
// repeated, cut anywhere, in the body, a header, an error message, a
// redirect's Location, or error.details as a value, a key or nested). No
// recoverable form of the key — the whole key in any decoding, or a prefix
// of minMaskedPrefixRunes characters or more — may survive in err.Error(),
// in the APIError's Details or in any log line.
func FuzzKeyNeverLeaks(f *testing.F) {
	f.Add(`ae_live_&<>"\`, uint8(1), uint8(3), uint16(7), uint8(0), uint16(200))
	f.Add(`pässwörd€😀`, uint8(3), uint8(2), uint16(0), uint8(1), uint16(403))
	f.Add(`k%41y+`, uint8(4), uint8(1), uint16(3), uint8(2), uint16(302))
	f.Add(`abc`, uint8(6), uint8(4), uint16(100), uint8(3), uint16(500))
	f.Add(`ae_live_&<>"\`, uint8(0), uint8(2), uint16(0), uint8(4), uint16(0))
	f.Add(`déta€ls`, uint8(3), uint8(1), uint16(5), uint8(10), uint16(29))
	f.Add(`k"y\u`, uint8(1), uint8(0), uint16(0), uint8(5), uint16(100))
	f.Fuzz(func(t *testing.T, rawKey string, form, repeats uint8, cut uint16, where uint8, status uint16) {
		key := fuzzKey(rawKey)
		if len(key) > 200 {
			return
		}
		echo := strings.Repeat(echoForms[int(form)%len(echoForms)](key), 1+int(repeats)%5)
		if c := int(cut) % (len(echo) + 1); c > 0 && cut%2 == 1 {
			echo = echo[:len(echo)-c%len(echo)]
		}
		code := 200 + int(status)%400
		logger := &recordingLogger{}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch where % 6 {
			case 4:
				// The echo in error.details: as a value, as a key, nested.
				w.WriteHeader(max(code, 400))
				_ = json.NewEncoder(w).Encode(map[string]any{"success": false, "error": map[string]any{
					"code": "VALIDATION_ERROR", "message": "bad request",
					"details": map[string]any{"parameter": echo, echo: "key", "nested": map[string]any{"values": []any{echo, 1}}},
				}})
			case 5:
				// The same, as raw JSON text: the echo's own escapes and cuts
				// reach the decoder as they are.
				w.WriteHeader(max(code, 400))
				fmt.Fprintf(w, `{"success":false,"error":{"code":"SCAN_PLAN_LIMIT_REACHED","message":"quota","details":{"k":"%s","%s":["%s"]}}}`, echo, echo, echo)
			case 0:
				w.WriteHeader(code)
				fmt.Fprintf(w, `{"success":true,"data":{"id":"%s`, echo)
			case 1:
				w.Header().Set("Location", "http://localhost:1/?k="+url.QueryEscape(echo)+"&raw="+echo)
				w.WriteHeader(http.StatusFound)
			case 2:
				w.Header().Set("X-Request-Id", echo)
				w.WriteHeader(max(code, 400))
				fmt.Fprintf(w, `{"success":false,"error":{"code":"X","message":%q}}`, echo)
			default:
				w.WriteHeader(code)
				_, _ = w.Write([]byte(echo))
			}
		}))
		defer srv.Close()
		c, err := New(Config{BaseURL: srv.URL, APIKey: key, MaxRetries: new(1), Logger: logger, Clock: newRecordingClock(),
			HTTPClient: &http.Client{Timeout: 5 * time.Second}})
		if err != nil {
			t.Skip("key not accepted:", err)
		}
		_, err = c.GetScan(context.Background(), "scn_1")
		if err == nil {
			return
		}
		if errors.Is(err, ErrAttemptTimeout) {
			t.Fatalf("the client hung on this answer: %v", err)
		}
		outs := []string{err.Error(), logger.String()}
		var apiErr *APIError
		if errors.As(err, &apiErr) {
			details, _ := json.Marshal(apiErr.Details)
			outs = append(outs, string(details), fmt.Sprint(apiErr.Details))
		}
		for _, out := range outs {
			if leak := keyPrefixLeak(out, key); leak != "" {
				t.Fatalf("key %q: %q survives in:\n%s", key, leak, out)
			}
		}
	})
}
