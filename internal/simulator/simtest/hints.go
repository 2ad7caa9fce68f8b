package simtest

import "net/http"

// WithoutRetryAfter removes Retry-After from the successful answers of next,
// to play a server that gives no polling hint in front of a simulator of the
// assumed profile (the published profile sends none anyway); 429 and 503
// keep theirs, as the retry policy needs them.
func WithoutRetryAfter(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(&hintStripper{ResponseWriter: w}, r)
	})
}

type hintStripper struct {
	http.ResponseWriter
	wroteHeader bool
}

func (h *hintStripper) WriteHeader(status int) {
	if !h.wroteHeader && status < 300 {
		h.Header().Del("Retry-After")
	}
	h.wroteHeader = true
	h.ResponseWriter.WriteHeader(status)
}

func (h *hintStripper) Write(b []byte) (int, error) {
	if !h.wroteHeader {
		h.WriteHeader(http.StatusOK)
	}
	return h.ResponseWriter.Write(b)
}
