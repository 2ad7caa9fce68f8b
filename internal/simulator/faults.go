package simulator

import (
	"bytes"
	"net"
	"net/http"
	"strconv"

	"github.com/aether365/terraform-provider-aether365/api"
)

// fault is what Config.ErrorRate, ResetRate and MalformedRate do to one
// request. One draw per request picks at most one fault, so each rate is the
// fraction of all requests that get that fault.
type fault int

const (
	faultNone fault = iota
	// faultError answers 503 SERVICE_UNAVAILABLE without processing the request.
	faultError
	// faultReset processes the request, then closes the connection without
	// an answer.
	faultReset
	// faultMalformed processes the request, then answers with a body that is
	// not the API's envelope (see malformedKind).
	faultMalformed
)

// malformedKind is the broken answer of a faultMalformed request; the kinds
// take turns, so any four malformed answers in a row show all of them.
type malformedKind int

const (
	// malformedProxyHTML is a reverse proxy's 502 error page, in HTML.
	malformedProxyHTML malformedKind = iota
	// malformedTruncated is the real answer cut in half, with 200 and a
	// Content-Length that matches the cut body (so only decoding notices).
	malformedTruncated
	// malformedEmpty is 200 with an empty body.
	malformedEmpty
	// malformedErrorWithOK is an error envelope (SERVICE_UNAVAILABLE) sent
	// with 200, as a gateway that rewrites upstream failures would.
	malformedErrorWithOK
	malformedKinds
)

// Values of the request log's fault= field.
const (
	logFaultError = "error"
	logFaultReset = "reset"
)

func (k malformedKind) logName() string {
	switch k {
	case malformedProxyHTML:
		return "malformed-html"
	case malformedTruncated:
		return "malformed-truncated"
	case malformedEmpty:
		return "malformed-empty"
	}
	return "malformed-error-with-200"
}

// proxyErrorPage is what a typical reverse proxy serves when its upstream fails.
const proxyErrorPage = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n" +
	"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>edge-proxy</center>\r\n</body>\r\n</html>\r\n"

// drawFault decides the fault of one request. withFaults draws only when
// some rate is set, and the ErrorRate band comes first, so a simulator with
// only ErrorRate fails the same requests it always did.
func (s *Server) drawFault() fault {
	s.errorRNGMu.Lock()
	u := s.errorRNG.Float64()
	s.errorRNGMu.Unlock()
	switch {
	case u < s.errorRate:
		return faultError
	case u < s.errorRate+s.resetRate:
		return faultReset
	case u < s.errorRate+s.resetRate+s.malformedRate:
		return faultMalformed
	}
	return faultNone
}

// nextMalformedKind returns the kinds in turn.
func (s *Server) nextMalformedKind() malformedKind {
	s.mu.Lock()
	defer s.mu.Unlock()
	kind := s.sequence.nextMalformed
	s.sequence.nextMalformed = (kind + 1) % malformedKinds
	s.stats.InjectedMalformed++
	return kind
}

// withFaults injects the fault drawn for the request. A reset or a
// malformed answer processes the request in full first, into a buffer, so
// its effect (a created scan) is real and only the answer is lost or broken.
func (s *Server) withFaults(next http.Handler) http.Handler {
	if s.errorRate <= 0 && s.resetRate <= 0 && s.malformedRate <= 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ex := exchangeOf(r)
		switch s.drawFault() {
		case faultError:
			s.count(func(stats *Stats) { stats.InjectedErrors++ })
			ex.fault = logFaultError
			writeError(w, ex, &apiError{Status: http.StatusServiceUnavailable, Code: api.ErrorCodeServiceUnavailable,
				Message: "the service is temporarily unavailable (simulated by --error-rate); retry later", RetryAfterSeconds: 1})
		case faultReset:
			processed := newBufferedResponse(w.Header())
			next.ServeHTTP(processed, r)
			s.count(func(stats *Stats) { stats.InjectedResets++ })
			ex.fault, ex.droppedStatus, ex.reset = logFaultReset, processed.answeredStatus(), true
		case faultMalformed:
			processed := newBufferedResponse(w.Header())
			next.ServeHTTP(processed, r)
			kind := s.nextMalformedKind()
			ex.fault = kind.logName()
			writeMalformed(w, kind, processed, ex)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// bufferedResponse holds the answer of a request whose answer a fault is
// going to replace or drop, so the request is processed for real first.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newBufferedResponse(header http.Header) *bufferedResponse {
	return &bufferedResponse{header: header.Clone()}
}

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) WriteHeader(status int) {
	if b.status == 0 {
		b.status = status
	}
}

func (b *bufferedResponse) answeredStatus() int {
	if b.status == 0 {
		return http.StatusOK
	}
	return b.status
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

// resetConnection drops the connection under w without an answer. On an
// HTTP/1 connection it is hijacked and closed with SO_LINGER 0, so the client
// sees a TCP reset; where hijacking is impossible (HTTP/2), aborting the
// handler makes net/http reset the stream instead.
func resetConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}

// writeMalformed answers with a broken version of processed, the answer the
// request really got.
func writeMalformed(w http.ResponseWriter, kind malformedKind, processed *bufferedResponse, ex *exchange) {
	var (
		status      = http.StatusOK
		contentType = "application/json; charset=utf-8"
		body        []byte
	)
	switch kind {
	case malformedProxyHTML:
		status, contentType, body = http.StatusBadGateway, "text/html", []byte(proxyErrorPage)
	case malformedTruncated:
		body = processed.body.Bytes()
		if len(body) < 2 {
			body = []byte(`{"success":true,"data":{"id":`)
		}
		body = body[:len(body)/2]
	case malformedEmpty:
	case malformedErrorWithOK:
		requestID := ""
		if ex.assumed {
			requestID = `,"request_id":"` + ex.requestID + `"`
		}
		body = []byte(`{"success":false,"error":{"code":"` + string(api.ErrorCodeServiceUnavailable) +
			`","message":"upstream request timeout","details":{}` + requestID + `}}` + "\n")
	}
	header := w.Header()
	header.Set("Content-Type", contentType)
	header.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
