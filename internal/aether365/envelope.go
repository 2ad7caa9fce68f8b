package aether365

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"time"

	"github.com/aether365/terraform-provider-aether365/api"
)

// envelope is every response body:
//
//	{"success": true,  "data": <object|array>, "meta": {...}}
//	{"success": false, "error": {"code": "SNAKE_CASE", "message": "...", "details": {...}}}
//
// Data holds the caller's decoding target (a pointer), so the data is
// decoded straight into it in the same pass as the envelope: a page of
// results is read once, not first into raw JSON and then again.
type envelope struct {
	Success *bool          `json:"success"`
	Data    any            `json:"data"`
	Meta    *PageMeta      `json:"meta"`
	Error   *envelopeError `json:"error"`
}

// envelopeError is the error object. Its code decodes whatever its value: a
// code this client does not know (the reference's list is longer than the
// part we could read) still comes through as an *APIError.
type envelopeError = api.ErrorDetail

// responseInfo is what decoding needs to know about the HTTP response.
type responseInfo struct {
	method      string
	path        string
	status      int
	contentType string
	requestID   string
	// baseURL is the client's base URL, without credentials.
	baseURL string
}

// dataTarget is implemented by every decoding target: it can tell whether
// "data" was there at all, and whether what arrived is plausible (a scan
// without an ID is not).
type dataTarget interface {
	present() bool
	validate() error
}

// wrappedTarget is a dataTarget that carries more than the data (what was
// asked for); the data itself is decoded into decodeInto's result, so that
// field paths in errors read "data.score", not "data.Scan.score".
type wrappedTarget interface {
	decodeInto() any
}

// decodeEnvelope turns a response body into data (decoded into out), the
// list meta (when list is set), an *APIError, or a *MalformedResponseError.
// It never returns a nil error with out left unset.
//
// A MalformedResponseError is marked transient when the body says that the
// API's answer was lost on the way rather than that the API gave a wrong
// one; classify retries those (see "Retry policy" in retry.go):
//
//   - with a 2xx or 5xx status, a body that is empty, not JSON at all (an
//     HTML error or login page from a proxy, binary), or JSON cut short or
//     garbled: something between us and the API answered, or the body was
//     cut. The API itself never sends any of these.
//   - an error envelope ("success": false) with a 2xx status whose code is
//     itself temporary (RATE_LIMITED, SERVICE_UNAVAILABLE, as for 429/503):
//     gateways that rewrite an upstream failure into a 200 do this. With any
//     other code the status is wrong but the verdict is not, and asking again
//     gets the same answer.
//
// Everything else malformed is permanent: a complete JSON envelope of the
// wrong shape (no "success", a field of the wrong type, an implausible scan,
// trailing data, an envelope contradicting an error status), and any
// non-envelope body with a 1xx, 3xx or 4xx status (a 404 page means a wrong
// base_url, which no retry fixes). The same request would get the same answer.
func decodeEnvelope(info responseInfo, body []byte, out dataTarget, list bool, mask secretMask) (*PageMeta, error) {
	var newMalformed malformedFunc = func(transient bool, field, format string, args ...any) error {
		return &MalformedResponseError{
			StatusCode:  info.status,
			ContentType: info.contentType,
			Snippet:     snippet(body, mask),
			Method:      info.method,
			Path:        info.path,
			RequestID:   info.requestID,
			BaseURL:     info.baseURL,
			Field:       field,
			Err:         fmt.Errorf(format, args...),
			transient:   transient,
		}
	}
	malformed := func(problem string) error { return newMalformed(false, "", "%s", problem) }
	// notEnvelope is a body that is no envelope at all, as opposed to the
	// API's envelope with something wrong in it.
	notEnvelope := func(err error) error {
		var m *MalformedResponseError
		if errors.As(err, &m) {
			m.notEnvelope = true
		}
		return err
	}
	ok2xx := info.status >= 200 && info.status <= 299
	// lostInTransit: a body that cannot be the API's own answer, with a
	// status a proxy or a cut connection would produce.
	lostInTransit := ok2xx || (info.status >= 500 && info.status <= 599)

	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil, notEnvelope(newMalformed(lostInTransit, "", "empty body where a JSON envelope was expected"))
	}
	if trimmed[0] != '{' {
		return nil, notEnvelope(newMalformed(lostInTransit, "", "not a JSON envelope"))
	}
	env := envelope{Data: out}
	if w, ok := out.(wrappedTarget); ok {
		env.Data = w.decodeInto()
	}
	decodeErr := decodeSingleJSON(trimmed, &env)
	var (
		typeErr *json.UnmarshalTypeError
		timeErr *time.ParseError
	)
	isFieldErr := errors.As(decodeErr, &typeErr) || errors.As(decodeErr, &timeErr)
	if decodeErr != nil && !isFieldErr {
		return nil, notEnvelope(newMalformed(lostInTransit && isCutOrGarbledJSON(decodeErr), "", "invalid JSON envelope: %s", mask.apply(decodeErr.Error())))
	}
	if env.Success == nil {
		return nil, notEnvelope(malformed(`envelope has no boolean "success" field`))
	}

	if !*env.Success {
		return nil, errorEnvelope(info, env.Error, ok2xx, newMalformed, mask)
	}

	if !ok2xx {
		return nil, malformed("success envelope with an error status")
	}
	if isFieldErr {
		field, problem := describeFieldError(typeErr, timeErr)
		return nil, newMalformed(false, field, "%s", mask.apply(problem))
	}
	if !out.present() {
		return nil, malformed(`success envelope without "data"`)
	}
	if err := out.validate(); err != nil {
		return nil, fieldMalformed(newMalformed, err, mask)
	}
	if list {
		if env.Meta == nil {
			return nil, malformed(`list response without "meta"`)
		}
		if err := validateMeta(env.Meta); err != nil {
			return nil, fieldMalformed(newMalformed, err, mask)
		}
	}
	return env.Meta, nil
}

func fieldMalformed(newMalformed malformedFunc, err error, mask secretMask) error {
	field := ""
	var fieldErr *fieldError
	if errors.As(err, &fieldErr) {
		field = fieldErr.field
	}
	return newMalformed(false, field, "%s", mask.apply(err.Error()))
}

// errorEnvelope turns a "success": false envelope into the error it reports.
// malformedFunc builds a *MalformedResponseError about the response at hand.
type malformedFunc func(transient bool, field, format string, args ...any) error

func errorEnvelope(info responseInfo, e *envelopeError, ok2xx bool, newMalformed malformedFunc, mask secretMask) error {
	if e == nil || e.Code == "" {
		return newMalformed(false, "", "%s", `error envelope without "error.code"`)
	}
	code := string(e.Code)
	if ok2xx {
		return newMalformed(isTemporaryCode(code), "", "error envelope %s with a success status", mask.apply(code))
	}
	requestID := info.requestID
	if e.RequestID != nil && *e.RequestID != "" {
		requestID = *e.RequestID
	}
	// A server (or a proxy) that echoes the Authorization header back in
	// its message must not put the key into errors, diagnostics or logs.
	return &APIError{
		StatusCode: info.status,
		Code:       mask.apply(code),
		Message:    mask.apply(e.Message),
		Details:    maskDetails(e.Details, mask),
		RequestID:  mask.apply(requestID),
		Method:     info.method,
		Path:       info.path,
	}
}

// maskDetails returns details with the API key masked in every text of it,
// keys included, or nil when there is nothing to show. Each decoded text is
// masked, as Message is: a key the server wrote as JSON escapes inside a
// string ("\\u0061e_live...") is only visible as such once decoded. The
// JSON DetailsText shows is checked as well.
func maskDetails(details map[string]any, mask secretMask) map[string]any {
	if len(details) == 0 {
		return nil
	}
	masked, _ := maskDetail(details, mask).(map[string]any)
	text, err := json.Marshal(masked)
	if err != nil {
		return nil
	}
	if maskedText := mask.apply(string(text)); maskedText != string(text) {
		// Only the encoding spells the key out: keep the masked text rather
		// than lose what the API said.
		return map[string]any{"text": maskedText}
	}
	return masked
}

// maskDetail masks the API key in every string and object key of a decoded
// JSON value.
func maskDetail(value any, mask secretMask) any {
	switch v := value.(type) {
	case string:
		return mask.apply(v)
	case map[string]any:
		out := make(map[string]any, len(v))
		for key, item := range v {
			out[mask.apply(key)] = maskDetail(item, mask)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, item := range v {
			out[i] = maskDetail(item, mask)
		}
		return out
	}
	return value
}

// describeFieldError names the field a well-formed envelope got wrong and
// what was expected there.
func describeFieldError(typeErr *json.UnmarshalTypeError, timeErr *time.ParseError) (field, problem string) {
	if typeErr == nil {
		return "data", fmt.Sprintf("a timestamp in \"data\" is %q, want an RFC 3339 time such as 2026-11-28T10:00:00Z", timeErr.Value)
	}
	field = typeErr.Field
	if field == "" {
		field = "(envelope)"
	}
	return field, fmt.Sprintf("field %q is %s, want %s", field, typeErr.Value, expectedJSON(typeErr.Type))
}

// expectedJSON says in JSON terms what a Go type wants.
func expectedJSON(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Float32, reflect.Float64:
		return "a number within the range of a 64-bit float"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return t.String()
}

// fieldError is a plausibility check that failed on one named field.
type fieldError struct {
	field string
	msg   string
}

func (e *fieldError) Error() string { return fmt.Sprintf("field %q %s", e.field, e.msg) }

func badField(field, format string, args ...any) error {
	return &fieldError{field: field, msg: fmt.Sprintf(format, args...)}
}

// isCutOrGarbledJSON tells JSON that ends early or breaks the syntax (a body
// cut or corrupted on the way) from well-formed JSON of the wrong shape.
func isCutOrGarbledJSON(err error) bool {
	var syntax *json.SyntaxError
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &syntax)
}

// decodeSingleJSON decodes exactly one JSON value; trailing data is an error.
func decodeSingleJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("unexpected data after the JSON value")
	}
	return nil
}

func validateMeta(m *PageMeta) error {
	totalPages := 0
	if m.TotalPages != nil {
		totalPages = *m.TotalPages
	}
	for _, f := range []struct {
		name  string
		value int
	}{{"meta.total", m.Total}, {"meta.page", m.Page}, {"meta.limit", m.Limit}, {"meta.totalPages", totalPages}} {
		if f.value < 0 {
			return badField(f.name, "is %d, want 0 or more", f.value)
		}
	}
	return nil
}

// scanData and friends are the decoding targets that validate themselves.
type (
	scanData     Scan
	scanListData []Scan
	resultsData  []Result
)

func (s *scanData) present() bool     { return s.ID != "" || s.Status != "" || !s.StartedAt.IsZero() }
func (l *scanListData) present() bool { return *l != nil }
func (l *resultsData) present() bool  { return *l != nil }

func (s *scanData) validate() error { return validateScan("data", (*Scan)(s)) }

func (l *scanListData) validate() error {
	for i := range *l {
		if err := validateScan(fmt.Sprintf("data[%d]", i), &(*l)[i]); err != nil {
			return err
		}
	}
	return nil
}

func (l *resultsData) validate() error {
	for i, r := range *l {
		if r.ID == "" {
			return badField(fmt.Sprintf("data[%d].id", i), "is missing: a result without an id")
		}
	}
	return nil
}

func validateScan(at string, s *Scan) error {
	switch {
	case s.ID == "":
		return badField(at+".id", "is missing: a scan without an id")
	case s.Status == "":
		return badField(at+".status", "is missing: scan %s without a status", s.ID)
	case s.Score != nil && (*s.Score < 0 || *s.Score > 100):
		return badField(at+".score", "is %v, want a score from 0 to 100", *s.Score)
	}
	return nil
}
