package aether365

import "context"

// LogLevel is the severity of a log event.
type LogLevel int

// Log levels, from the most to the least verbose.
const (
	LogTrace LogLevel = iota
	LogDebug
	LogInfo
	LogWarn
	LogError
)

// Logger receives the client's structured log events. The provider
// implements it with tflog. The client never passes the API key or the
// Authorization header in msg or fields.
type Logger interface {
	Log(ctx context.Context, level LogLevel, msg string, fields map[string]any)
}

// Field names used in log events.
const (
	logFieldMethod    = "method"
	logFieldPath      = "path"
	logFieldStatus    = "status"
	logFieldAttempt   = "attempt"
	logFieldRequestID = "request_id"
	logFieldDuration  = "duration"
	logFieldWait      = "wait"
	logFieldError     = "error"
	logFieldScanID    = "scan_id"
	logFieldScanState = "scan_status"
)

// log sends one event to the configured Logger, if any.
func (c *Client) log(ctx context.Context, level LogLevel, msg string, fields map[string]any) {
	if c.logger == nil {
		return
	}
	c.logger.Log(ctx, level, msg, fields)
}
