package simtest

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestWithoutRetryAfterKeepsItOnErrors(t *testing.T) {
	handler := WithoutRetryAfter(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "5")
		if r.URL.Path == "/busy" {
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		_, _ = w.Write([]byte("{}"))
	}))
	for path, want := range map[string]string{"/ok": "", "/busy": "5"} {
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if got := rec.Header().Get("Retry-After"); got != want {
			t.Errorf("%s: Retry-After %q, want %q", path, got, want)
		}
	}
}
