package aether365

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
func decodeEnvelope(info responseInfo, body []byte, out any, list bool, secret string) (*PageMeta, error) {
	malformed := func(format string, args ...any) error {
		return &MalformedResponseError{
			StatusCode:  info.status,
			ContentType: info.contentType,
			Snippet:     snippet(body, secret),
			Method:      info.method,
			Path:        info.path,
			RequestID:   info.requestID,
			Err:         fmt.Errorf(format, args...),
		}
	}

	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil, malformed("empty body where a JSON envelope was expected")
	}
	if trimmed[0] != '{' {
		return nil, malformed("not a JSON envelope")
	}
	var env envelope
	if err := decodeSingleJSON(trimmed, &env); err != nil {
		return nil, malformed("invalid JSON envelope: %v", err)
	}
	if env.Success == nil {
		return nil, malformed(`envelope has no boolean "success" field`)
	}
	ok2xx := info.status >= 200 && info.status <= 299

	if !*env.Success {
		if env.Error == nil || env.Error.Code == "" {
			return nil, malformed(`error envelope without "error.code"`)
		}
		if ok2xx {
			return nil, malformed("error envelope %s with a success status", env.Error.Code)
		}
		requestID := env.Error.RequestID
		if requestID == "" {
			requestID = info.requestID
		}
		return nil, &APIError{
			StatusCode: info.status,
			Code:       env.Error.Code,
			Message:    env.Error.Message,
			RequestID:  requestID,
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
