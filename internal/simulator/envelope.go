package simulator

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/aether365/terraform-provider-aether365/api"
)

// apiError is an error the handlers return to be written as the error
// envelope; keeping it a value lets handlers simply `return errX(...)`.
type apiError struct {
	Status  int
	Code    api.ErrorCode
	Message string
	// Details is error.details; nil is sent as {}.
	Details map[string]any
	// RetryAfterSeconds, when positive, is sent as the Retry-After header
	// in the assumed profile (the published API sends none).
	RetryAfterSeconds int
	// Allow, when set, is sent as the Allow header (405 responses).
	Allow string
}

func (e *apiError) Error() string { return string(e.Code) + ": " + e.Message }

func validationError(message string, details map[string]any) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: api.ErrorCodeValidationError, Message: message, Details: details}
}

func notFoundError(code api.ErrorCode, message string) *apiError {
	return &apiError{Status: http.StatusNotFound, Code: code, Message: message}
}

// writeError writes e as the error envelope of the exchange's profile: the
// assumed profile adds error.request_id and Retry-After.
func writeError(w http.ResponseWriter, ex *exchange, e *apiError) {
	details := e.Details
	if details == nil {
		details = map[string]any{}
	}
	envelope := api.ErrorEnvelope{Success: false, Error: api.ErrorDetail{Code: e.Code, Message: e.Message, Details: details}}
	if ex.assumed {
		envelope.Error.RequestID = &ex.requestID
		if e.RetryAfterSeconds > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfterSeconds))
		}
	}
	if e.Allow != "" {
		w.Header().Set("Allow", e.Allow)
	}
	writeJSON(w, e.Status, envelope)
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	var encoded bytes.Buffer
	encoder := json.NewEncoder(&encoded)
	// Messages quote "<API key>" and caller input; keep them readable.
	encoder.SetEscapeHTML(false)
	if err := encoder.Encode(body); err != nil {
		// Every body is built from plain structs, so this is a programming
		// error; still answer with an envelope rather than a torn response.
		status = http.StatusInternalServerError
		encoded.Reset()
		encoded.WriteString(`{"success":false,"error":{"code":"INTERNAL_ERROR","message":"the response could not be encoded","details":{}}}` + "\n")
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(encoded.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(encoded.Bytes())
}

// quoteForMessage quotes caller input for an error message, shortened so an
// echoed value cannot dominate (or bloat) the response.
func quoteForMessage(s string) string {
	const maxShown = 64
	if len(s) > maxShown {
		cut := maxShown
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return strconv.Quote(s[:cut]) + "..."
	}
	return strconv.Quote(s)
}
