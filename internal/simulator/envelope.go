package simulator

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/aether365/terraform-provider-aether365/internal/apicode"
)

// apiError is an error the handlers return to be written as the error
// envelope; keeping it a value lets handlers simply `return errX(...)`.
type apiError struct {
	Status  int
	Code    string
	Message string
	// RetryAfterSeconds, when positive, is sent as the Retry-After header.
	RetryAfterSeconds int
	// Allow, when set, is sent as the Allow header (405 responses).
	Allow string
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func validationError(message string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: apicode.Validation, Message: message}
}

func notFoundError(message string) *apiError {
	return &apiError{Status: http.StatusNotFound, Code: apicode.NotFound, Message: message}
}

type successEnvelope struct {
	Success bool      `json:"success"`
	Data    any       `json:"data"`
	Meta    *pageMeta `json:"meta,omitempty"`
}

type errorEnvelope struct {
	Success bool      `json:"success"`
	Error   errorBody `json:"error"`
}

type errorBody struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"request_id"`
}

type pageMeta struct {
	Total      int `json:"total"`
	Page       int `json:"page"`
	Limit      int `json:"limit"`
	TotalPages int `json:"totalPages"`
}

func writeData(w http.ResponseWriter, status int, data any, meta *pageMeta) {
	writeJSON(w, status, successEnvelope{Success: true, Data: data, Meta: meta})
}

func writeError(w http.ResponseWriter, requestID string, e *apiError) {
	if e.RetryAfterSeconds > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfterSeconds))
	}
	if e.Allow != "" {
		w.Header().Set("Allow", e.Allow)
	}
	writeJSON(w, e.Status, errorEnvelope{Error: errorBody{Code: e.Code, Message: e.Message, RequestID: requestID}})
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
		encoded.WriteString(`{"success":false,"error":{"code":"INTERNAL_ERROR","message":"the response could not be encoded"}}` + "\n")
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(encoded.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(encoded.Bytes())
}
