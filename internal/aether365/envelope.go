package aether365

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// envelope is every response body:
//
//	{"success": true,  "data": <object|array>, "meta": {...}}
//	{"success": false, "error": {"code": "SNAKE_CASE", "message": "...", "request_id": "req_..."}}
type envelope struct {
	Success *bool           `json:"success"`
	Data    json.RawMessage `json:"data"`
	Meta    *PageMeta       `json:"meta"`
	Error   *envelopeError  `json:"error"`
}

type envelopeError struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"request_id"`
}

// responseInfo is what decoding needs to know about the HTTP response.
type responseInfo struct {
	method      string
	path        string
	status      int
	contentType string
	requestID   string
}

// validatable is implemented by decoded data that can tell whether it is
// plausible (a scan without an ID is not).
type validatable interface {
	validate() error
}

// decodeEnvelope turns a response body into data (decoded into out), the
// list meta (when list is set), an *APIError, or a *MalformedResponseError.
// It never returns a nil error with out left unset.
//
// A MalformedResponseError is marked transient when the body says that the
// API's answer was lost on the way rather than that the API gave a wrong
// one; retry.go retries those (see "Retry policy" there):
//
//   - with a 2xx or 5xx status, a body that is empty, not JSON at all (an
//     HTML error or login page from a proxy, binary), or JSON cut short or
//     garbled: something between us and the API answered, or the body was
//     cut. The API itself never sends any of these.
//   - an error envelope ("success": false) with a 2xx status whose code is
//     itself transient (RATE_LIMITED, SERVICE_UNAVAILABLE, as for 429/503):
//     gateways that rewrite an upstream failure into a 200 do this. With any
//     other code the status is wrong but the verdict is not, and asking again
//     gets the same answer.
//
// Everything else malformed is permanent: a complete JSON envelope of the
// wrong shape (no "success", data of the wrong type, an implausible scan,
// trailing data, an envelope contradicting an error status), and any
// non-envelope body with a 1xx, 3xx or 4xx status (a 404 page means a wrong
// base_url, which no retry fixes). The same request would get the same answer.
func decodeEnvelope(info responseInfo, body []byte, out any, list bool, secret string) (*PageMeta, error) {
	newMalformed := func(transient bool, format string, args ...any) error {
		return &MalformedResponseError{
			StatusCode:  info.status,
			ContentType: info.contentType,
			Snippet:     snippet(body, secret),
			Method:      info.method,
			Path:        info.path,
			RequestID:   info.requestID,
			Err:         fmt.Errorf(format, args...),
			transient:   transient,
		}
	}
	malformed := func(format string, args ...any) error { return newMalformed(false, format, args...) }
	ok2xx := info.status >= 200 && info.status <= 299
	// lostInTransit: a body that cannot be the API's own answer, with a
	// status a proxy or a cut connection would produce.
	lostInTransit := ok2xx || (info.status >= 500 && info.status <= 599)

	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil, newMalformed(lostInTransit, "empty body where a JSON envelope was expected")
	}
	if trimmed[0] != '{' {
		return nil, newMalformed(lostInTransit, "not a JSON envelope")
	}
	var env envelope
	if err := decodeSingleJSON(trimmed, &env); err != nil {
		return nil, newMalformed(lostInTransit && isCutOrGarbledJSON(err), "invalid JSON envelope: %v", err)
	}
	if env.Success == nil {
		return nil, malformed(`envelope has no boolean "success" field`)
	}

	if !*env.Success {
		if env.Error == nil || env.Error.Code == "" {
			return nil, malformed(`error envelope without "error.code"`)
		}
		if ok2xx {
			return nil, newMalformed(isTransientCode(env.Error.Code), "error envelope %s with a success status", maskSecret(env.Error.Code, secret))
		}
		requestID := env.Error.RequestID
		if requestID == "" {
			requestID = info.requestID
		}
		// A server (or a proxy) that echoes the Authorization header back in
		// its message must not put the key into errors, diagnostics or logs.
		return nil, &APIError{
			StatusCode: info.status,
			Code:       maskSecret(env.Error.Code, secret),
			Message:    maskSecret(env.Error.Message, secret),
			RequestID:  maskSecret(requestID, secret),
			Method:     info.method,
			Path:       info.path,
		}
	}

	if !ok2xx {
		return nil, malformed("success envelope with an error status")
	}
	data := bytes.TrimSpace(env.Data)
	if len(data) == 0 || bytes.Equal(data, []byte("null")) {
		return nil, malformed(`success envelope without "data"`)
	}
	if list {
		if data[0] != '[' {
			return nil, malformed(`"data" is not a list`)
		}
		if env.Meta == nil {
			return nil, malformed(`list response without "meta"`)
		}
	} else if data[0] != '{' {
		return nil, malformed(`"data" is not an object`)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return nil, malformed(`decoding "data": %v`, err)
	}
	if v, ok := out.(validatable); ok {
		if err := v.validate(); err != nil {
			return nil, malformed(`implausible "data": %v`, err)
		}
	}
	if list {
		if err := env.Meta.validate(); err != nil {
			return nil, malformed(`implausible "meta": %v`, err)
		}
	}
	return env.Meta, nil
}

// maskSecret replaces every occurrence of secret in s with "***".
func maskSecret(s, secret string) string {
	if secret == "" {
		return s
	}
	return strings.ReplaceAll(s, secret, "***")
}

// isCutOrGarbledJSON tells JSON that ends early or breaks the syntax (a body
// cut or corrupted on the way) from well-formed JSON of the wrong shape.
func isCutOrGarbledJSON(err error) bool {
	var syntax *json.SyntaxError
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &syntax)
}

// isTransientCode reports whether an error code means "try again later",
// as 429 and 503 do. INTERNAL_ERROR is not: a 500 is never retried either.
func isTransientCode(code string) bool {
	switch code {
	case codeRateLimited, codeServiceUnavailable:
		return true
	}
	return false
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

func (m *PageMeta) validate() error {
	if m.Total < 0 || m.Page < 0 || m.Limit < 0 || m.TotalPages < 0 {
		return fmt.Errorf("negative value in %+v", *m)
	}
	return nil
}

// scanData and friends are the decoding targets that validate themselves.
type (
	scanData     Scan
	scanListData []Scan
	resultsData  []Result
)

func (s *scanData) validate() error { return validateScan((*Scan)(s)) }

func (l *scanListData) validate() error {
	for i := range *l {
		if err := validateScan(&(*l)[i]); err != nil {
			return fmt.Errorf("item %d: %w", i, err)
		}
	}
	return nil
}

func (l *resultsData) validate() error {
	for i, r := range *l {
		if r.ID == "" {
			return fmt.Errorf("item %d: result without an id", i)
		}
	}
	return nil
}

func validateScan(s *Scan) error {
	switch {
	case s.ID == "":
		return errors.New("scan without an id")
	case s.Status == "":
		return fmt.Errorf("scan %s without a status", s.ID)
	}
	return nil
}
