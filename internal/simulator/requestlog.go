package simulator

import (
	"io"
	"log/slog"
	"net/http"
	"time"
)

// Request log formats (Config.RequestLogFormat).
const (
	LogFormatText = "text"
	LogFormatJSON = "json"
)

// newRequestLogger writes one line per request to w, logfmt or JSON, or
// returns nil for a nil w. Time is UTC and the level is left out: every line
// is the same kind of event.
func newRequestLogger(w io.Writer, format string) *slog.Logger {
	if w == nil {
		return nil
	}
	options := &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, attr slog.Attr) slog.Attr {
			if len(groups) > 0 {
				return attr
			}
			switch attr.Key {
			case slog.LevelKey:
				return slog.Attr{}
			case slog.TimeKey:
				return slog.Time(slog.TimeKey, attr.Value.Time().UTC())
			}
			return attr
		},
	}
	if format == LogFormatJSON {
		return slog.New(slog.NewJSONHandler(w, options))
	}
	return slog.New(slog.NewTextHandler(w, options))
}

// Request log fields; fault comes last, so `fault=reset$` finds a line.
const (
	logMessage      = "request"
	logKeyMethod    = "method"
	logKeyPath      = "path"
	logKeyStatus    = "status"
	logKeyDuration  = "duration"
	logKeyRequestID = "request_id"
	logKeyAPIKey    = "api_key"
	logKeyFault     = "fault"
)

// RequestLogEntry is one line of the JSON request log, for programs that
// count what the simulator answered. Duration is in nanoseconds there, as
// log/slog writes it.
type RequestLogEntry struct {
	Time      time.Time     `json:"time"`
	Message   string        `json:"msg"`
	Method    string        `json:"method"`
	Path      string        `json:"path"`
	Status    int           `json:"status"`
	Duration  time.Duration `json:"duration"`
	RequestID string        `json:"request_id"`
	APIKey    string        `json:"api_key,omitempty"`
	Fault     string        `json:"fault,omitempty"`
}

// withRequestLog logs each request once it is answered: the method, the
// escaped path (never the query string, headers or body), the status, the
// duration, the request ID, the presented key masked, and the injected fault
// that replaced the answer, if any. For a reset, the status is that of the
// answer that was processed and then dropped.
func (s *Server) withRequestLog(next http.Handler) http.Handler {
	if s.requestLog == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		recorder := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(recorder, r)

		ex := exchangeOf(r)
		status := recorder.answeredStatus()
		if ex.reset {
			status = ex.droppedStatus
		}
		attrs := make([]slog.Attr, 0, 7)
		attrs = append(attrs,
			slog.String(logKeyMethod, r.Method),
			slog.String(logKeyPath, ex.escapedPath),
			slog.Int(logKeyStatus, status),
			slog.Duration(logKeyDuration, time.Since(ex.started).Round(time.Microsecond)),
			slog.String(logKeyRequestID, ex.requestID))
		if ex.presentedKey != "" {
			attrs = append(attrs, slog.String(logKeyAPIKey, maskKey(ex.presentedKey)))
		}
		if ex.fault != "" {
			attrs = append(attrs, slog.String(logKeyFault, ex.fault))
		}
		s.requestLog.LogAttrs(r.Context(), slog.LevelInfo, logMessage, attrs...)
	})
}
