package simulator

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"time"

	"github.com/aether365/terraform-provider-aether365/api"
	"github.com/aether365/terraform-provider-aether365/internal/clock"
)

// exchange is what the layers of one request share: who it is, where it is
// going and what a layer decided about its answer. withExchange creates it;
// the other layers read it from the request's context.
type exchange struct {
	// requestID names the request in the log, and in the assumed profile
	// in X-Request-Id and error.request_id.
	requestID string
	started   time.Time
	// assumed is set in the assumed profile.
	assumed bool
	// route is the operation of the document the request is for.
	route route
	// escapedPath is what the request log shows: never the query string.
	escapedPath string
	// presentedKey is the bearer token as sent, "" when there is none or it
	// is malformed; authErr says what is wrong with the header.
	presentedKey string
	authErr      *apiError
	// caller is set by withAuthentication for the API behind it.
	caller principal

	// fault names the injected fault that replaced the answer, for the log;
	// droppedStatus is the status of an answer a reset dropped, and reset
	// asks withExchange to drop the connection once the log line is written.
	fault         string
	droppedStatus int
	reset         bool
}

type exchangeKey struct{}

// exchangeOf returns the request's exchange. Every layer runs inside
// withExchange, so it is there; a blank one keeps a wiring mistake from
// turning into a panic on every request.
func exchangeOf(r *http.Request) *exchange {
	if ex, ok := r.Context().Value(exchangeKey{}).(*exchange); ok {
		return ex
	}
	return &exchange{requestID: newRequestID(), started: time.Now()}
}

// withExchange gives the request its ID, routes it by the document, counts
// it, and drops the connection at the very end when a reset was injected, so
// that whoever sees the reset also finds it in the log.
func (s *Server) withExchange(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ex := &exchange{
			requestID:   newRequestID(),
			started:     time.Now(),
			assumed:     s.assumed,
			escapedPath: r.URL.EscapedPath(),
		}
		ex.route = s.contract.find(r)
		ex.presentedKey, ex.authErr = bearerToken(r.Header.Get("Authorization"))
		if s.assumed {
			w.Header().Set("X-Request-Id", ex.requestID)
		}
		s.count(func(stats *Stats) {
			stats.Requests++
			stats.ByRoute[ex.route.statsKey()]++
		})

		next.ServeHTTP(&datedWriter{ResponseWriter: w, clock: s.clock}, r.WithContext(context.WithValue(r.Context(), exchangeKey{}, ex)))

		if ex.reset {
			resetConnection(w)
		}
	})
}

// datedWriter gives the answer a Date from the simulator's clock, read as
// the answer is written, as an origin server dates its answers by its own
// clock: the client ages a replayed scan by it.
type datedWriter struct {
	http.ResponseWriter
	clock   clock.Clock
	stamped bool
}

func (d *datedWriter) stamp() {
	if !d.stamped {
		d.stamped = true
		d.Header().Set("Date", d.clock.Now().UTC().Format(http.TimeFormat))
	}
}

func (d *datedWriter) WriteHeader(status int) {
	d.stamp()
	d.ResponseWriter.WriteHeader(status)
}

func (d *datedWriter) Write(b []byte) (int, error) {
	d.stamp()
	return d.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection underneath.
func (d *datedWriter) Unwrap() http.ResponseWriter { return d.ResponseWriter }

// withRecover is a last resort: a handler bug must still produce an
// envelope. http.ErrAbortHandler keeps its meaning (abort the response).
func withRecover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		recorder := &statusRecorder{ResponseWriter: w}
		defer func() {
			recovered := recover()
			if recovered == nil {
				return
			}
			if recovered == http.ErrAbortHandler {
				panic(recovered)
			}
			if !recorder.wroteHeader {
				writeError(recorder, exchangeOf(r), &apiError{Status: http.StatusInternalServerError, Code: api.ErrorCodeInternalError,
					Message: "the simulator hit an unexpected error; this is a simulator bug"})
			}
		}()
		next.ServeHTTP(recorder, r)
	})
}

// withLatency delays every answer. Latency is spent on the wall clock even
// when scans run on a fake one: it stands for the network, which benchmarks
// measure in real time.
func (s *Server) withLatency(next http.Handler) http.Handler {
	if s.latency <= 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := (clock.Real{}).Sleep(r.Context(), s.latency); err != nil {
			writeError(w, exchangeOf(r), &apiError{Status: http.StatusServiceUnavailable, Code: api.ErrorCodeServiceUnavailable,
				Message: "the request was cancelled while the simulator delayed it", RetryAfterSeconds: 1})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// withConformance validates every answer below it against the document
// before it is written: one that does not conform is replaced by 500
// INTERNAL_ERROR, counted in Stats.NonConformingAnswers and kept for
// NonConformingAnswers, so drift between the code and the document fails
// whatever test meets it. Injected faults sit above this layer: their
// broken answers are meant.
func (s *Server) withConformance(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.validateAnswers {
			next.ServeHTTP(w, r)
			return
		}
		ex := exchangeOf(r)
		before := w.Header().Clone()
		answer := newBufferedResponse(w.Header())
		next.ServeHTTP(answer, r)
		status, body := answer.answeredStatus(), answer.body.Bytes()
		if s.breakAnswer != nil {
			body = s.breakAnswer(answer.header, body)
		}
		if err := s.contract.checkAnswer(r.Context(), r, ex.route, status, answer.header, body, !s.assumed); err != nil {
			reason := firstLine(err.Error())
			s.recordNonConforming(fmt.Sprintf("%s %s %d: %s", r.Method, ex.escapedPath, status, reason))
			replaceHeader(w.Header(), before)
			writeError(w, ex, &apiError{Status: http.StatusInternalServerError, Code: api.ErrorCodeInternalError,
				Message: "the simulator's answer does not conform to api/aether365.openapi.yaml: " + reason})
			return
		}
		replaceHeader(w.Header(), answer.header)
		w.WriteHeader(status)
		_, _ = w.Write(body)
	})
}

func replaceHeader(dst, src http.Header) {
	clear(dst)
	maps.Copy(dst, src)
}

// withRequestValidation answers what the document does not route (404
// NOT_FOUND, 405 METHOD_NOT_ALLOWED with Allow) and what it does not accept
// (400 VALIDATION_ERROR, 413 PAYLOAD_TOO_LARGE), so the operations behind it
// see only valid requests.
func (s *Server) withRequestValidation(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ex := exchangeOf(r)
		found := ex.route
		if found.operation == nil {
			if found.allow != "" {
				writeError(w, ex, &apiError{Status: http.StatusMethodNotAllowed, Code: api.ErrorCodeMethodNotAllowed,
					Message: fmt.Sprintf("method %s is not allowed here; use %s", quoteForMessage(r.Method), found.allow), Allow: found.allow})
				return
			}
			writeError(w, ex, notFoundError(api.ErrorCodeNotFound, "no such endpoint; see the API reference for the available endpoints"))
			return
		}
		if r.Body == nil {
			r.Body = http.NoBody // a handler-level caller may leave it nil; a server never does
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		if apiErr := s.contract.validateRequest(r, found, !s.assumed); apiErr != nil {
			writeError(w, ex, apiErr)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// statusRecorder remembers the status for the request log and for the
// recover layer, which must not write a second header.
type statusRecorder struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (r *statusRecorder) WriteHeader(status int) {
	if r.wroteHeader {
		return
	}
	r.status, r.wroteHeader = status, true
	r.ResponseWriter.WriteHeader(status)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if !r.wroteHeader {
		r.WriteHeader(http.StatusOK)
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection underneath.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// answeredStatus is the status the client got, 200 when nothing was written.
func (r *statusRecorder) answeredStatus() int {
	if !r.wroteHeader {
		return http.StatusOK
	}
	return r.status
}
