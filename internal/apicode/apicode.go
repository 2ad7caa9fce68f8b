// Package apicode holds the codes of the Aether365 API's error envelope
// (`"error": {"code": "SNAKE_CASE_ERROR_CODE", ...}`), one per HTTP status the
// API answers with. They are the API's vocabulary, not either side's logic:
// the simulator writes them and the client reads them back into typed
// errors, and neither of the two imports the other.
package apicode

// The codes, named by what they tell the caller.
const (
	Validation           = "VALIDATION_ERROR"
	Unauthorized         = "UNAUTHORIZED"
	Forbidden            = "FORBIDDEN"
	NotFound             = "NOT_FOUND"
	MethodNotAllowed     = "METHOD_NOT_ALLOWED"
	ScanNotCompleted     = "SCAN_NOT_COMPLETED"
	PayloadTooLarge      = "PAYLOAD_TOO_LARGE"
	IdempotencyKeyReused = "IDEMPOTENCY_KEY_REUSED"
	RateLimited          = "RATE_LIMITED"
	Internal             = "INTERNAL_ERROR"
	ServiceUnavailable   = "SERVICE_UNAVAILABLE"
)
