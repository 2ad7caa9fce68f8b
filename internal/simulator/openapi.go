package simulator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/aether365/terraform-provider-aether365/api"
)

// The document's extensions this package reads.
const (
	extensionProfile = "x-aether365-profile"
	profileAssumed   = "assumed"
)

// contract is api/aether365.openapi.yaml, loaded once: the router that
// decides 404 and 405, and what request and answer validation need.
type contract struct {
	doc    *openapi3.T
	router routers.Router
	// methods are the methods the document uses, for the Allow header.
	methods []string
	// assumedHeaders are the response headers only the assumed profile
	// sends (canonical names).
	assumedHeaders []string
	// assumedFields are, per response, the paths of body fields only the
	// assumed profile sends ("*" stands for any array element).
	assumedFields map[*openapi3.Response][][]string
	// errorResponse is components/responses/Error, for answers to requests
	// that reached no operation (unknown paths and methods).
	errorResponse *openapi3.Response
	// schemaOptions keep kin-openapi's messages on one line, without the
	// schema and the value.
	schemaOptions []openapi3.SchemaValidationOption
	// queryDefaults are the defaults of the integer query parameters, by
	// operation ID and name.
	queryDefaults map[string]map[string]int
}

// queryDefault is the document's default of an integer query parameter of
// an operation; it panics when there is none, a simulator bug.
func (c *contract) queryDefault(operationID, name string) int {
	value, ok := c.queryDefaults[operationID][name]
	if !ok {
		panic("simulator: api/aether365.openapi.yaml gives " + operationID + " no default for " + name)
	}
	return value
}

// loadContract parses and checks the document once per process; every
// simulator shares it read-only.
var loadContract = sync.OnceValues(func() (*contract, error) {
	doc, err := openapi3.NewLoader().LoadFromData(api.Document)
	if err != nil {
		return nil, fmt.Errorf("loading api/aether365.openapi.yaml: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("api/aether365.openapi.yaml is not a valid OpenAPI document: %w", err)
	}
	// Route on the path alone, whatever host the simulator is reached at.
	doc.Servers = nil
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("routing api/aether365.openapi.yaml: %w", err)
	}
	c := &contract{
		doc:           doc,
		router:        router,
		assumedFields: map[*openapi3.Response][][]string{},
		queryDefaults: map[string]map[string]int{},
		schemaOptions: []openapi3.SchemaValidationOption{openapi3.DisableSchemaErrorDetails()},
	}
	if ref := doc.Components.Responses["Error"]; ref != nil {
		c.errorResponse = ref.Value
	}
	if c.errorResponse == nil {
		return nil, errors.New("api/aether365.openapi.yaml has no components/responses/Error")
	}
	headers := map[string]bool{}
	addResponse := func(response *openapi3.Response) {
		for name, header := range response.Headers {
			if header.Value != nil && isAssumed(header.Value.Extensions) {
				headers[http.CanonicalHeaderKey(name)] = true
			}
		}
		if media := response.Content.Get("application/json"); media != nil && media.Schema != nil {
			c.assumedFields[response] = assumedFieldPaths(media.Schema.Value, nil, map[*openapi3.Schema]bool{})
		}
	}
	addResponse(c.errorResponse)
	methods := map[string]bool{}
	for _, path := range doc.Paths.InMatchingOrder() {
		for method, operation := range doc.Paths.Value(path).Operations() {
			methods[method] = true
			defaults := map[string]int{}
			for _, parameter := range operation.Parameters {
				p := parameter.Value
				if p == nil || p.In != openapi3.ParameterInQuery || p.Schema == nil || p.Schema.Value == nil {
					continue
				}
				if value, ok := p.Schema.Value.Default.(float64); ok {
					defaults[p.Name] = int(value)
				}
			}
			c.queryDefaults[operation.OperationID] = defaults
			for _, response := range operation.Responses.Map() {
				if response.Value != nil {
					addResponse(response.Value)
				}
			}
		}
	}
	for name, header := range doc.Components.Headers {
		if header.Value != nil && isAssumed(header.Value.Extensions) {
			headers[http.CanonicalHeaderKey(name)] = true
		}
	}
	c.assumedHeaders = sortedKeys(headers)
	for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if methods[method] {
			c.methods = append(c.methods, method)
		}
	}
	return c, nil
})

func isAssumed(extensions map[string]any) bool {
	value, _ := extensions[extensionProfile].(string)
	return value == profileAssumed
}

// assumedFieldPaths lists the paths of the properties below schema marked
// x-aether365-profile: assumed.
func assumedFieldPaths(schema *openapi3.Schema, prefix []string, seen map[*openapi3.Schema]bool) [][]string {
	if schema == nil || seen[schema] {
		return nil
	}
	seen[schema] = true
	defer delete(seen, schema)
	var paths [][]string
	for _, name := range sortedKeys(schema.Properties) {
		property := schema.Properties[name]
		path := append(slices.Clone(prefix), name)
		if property.Value == nil {
			continue
		}
		if isAssumed(property.Value.Extensions) || isAssumed(property.Extensions) {
			paths = append(paths, path)
			continue
		}
		paths = append(paths, assumedFieldPaths(property.Value, path, seen)...)
	}
	if schema.Items != nil {
		paths = append(paths, assumedFieldPaths(schema.Items.Value, append(slices.Clone(prefix), "*"), seen)...)
	}
	return paths
}

// hasField reports whether the decoded JSON value holds a field at path.
func hasField(value any, path []string) bool {
	if len(path) == 0 {
		return true
	}
	switch v := value.(type) {
	case map[string]any:
		child, ok := v[path[0]]
		return ok && hasField(child, path[1:])
	case []any:
		if path[0] != "*" {
			return false
		}
		for _, item := range v {
			if hasField(item, path[1:]) {
				return true
			}
		}
	}
	return false
}

// route is what routing one request found: the operation, or for a path
// the document has with other methods, the methods it has.
type route struct {
	operation  *routers.Route
	pathParams map[string]string
	// allow lists the path's methods when the path exists but not with the
	// request's method; "" with no operation means no such path.
	allow string
}

// statsKey names the endpoint in Stats.ByRoute: method and path template
// of the document, or StatsKeyOther.
func (r route) statsKey() string {
	if r.operation == nil {
		return StatsKeyOther
	}
	return r.operation.Method + " " + r.operation.Path
}

// find routes a request by the document. Paths with empty, "." or ".."
// segments are never an operation: net/http's ServeMux would redirect
// them elsewhere instead of answering.
func (c *contract) find(r *http.Request) route {
	path := r.URL.Path
	if !strings.HasPrefix(path, "/") {
		return route{}
	}
	for _, segment := range strings.Split(path[1:], "/") {
		if segment == "" || segment == "." || segment == ".." {
			return route{}
		}
	}
	operation, params, err := c.router.FindRoute(r)
	if err == nil && strings.Count(operation.Path, "/") == strings.Count(path, "/") {
		return route{operation: operation, pathParams: params}
	}
	if err == nil {
		return route{} // the legacy router lets a parameter match nothing: /scans is not /scans/{scanId}
	}
	// The legacy router says "method not allowed" only for paths without
	// parameters; asking for each method finds the others too.
	var allowed []string
	probe := *r
	for _, method := range c.methods {
		probe.Method = method
		if _, _, err := c.router.FindRoute(&probe); err == nil {
			allowed = append(allowed, method)
		}
	}
	return route{allow: strings.Join(allowed, ", ")}
}

// enumFilters are the query parameters whose values match case-insensitively
// (the seed sends result=Failed&severity=Critical).
var enumFilters = []string{"result", "severity", "framework", "status", "scan_type"}

// normalizeQuery checks the query string of a request for operation and
// rewrites it for validation: a malformed query string and a parameter of
// the operation given twice (which value would count?) or empty are
// refused, and the values of the enum filters are lowered.
func normalizeQuery(rawQuery string, operation *openapi3.Operation) (string, *apiError) {
	if rawQuery == "" {
		return "", nil
	}
	values, err := url.ParseQuery(rawQuery)
	if err != nil {
		return "", validationError(fmt.Sprintf("the query string is malformed: %s", describeQueryError(err)), nil)
	}
	for _, parameter := range operation.Parameters {
		p := parameter.Value
		if p == nil || p.In != openapi3.ParameterInQuery {
			continue
		}
		switch given := values[p.Name]; {
		case len(given) > 1:
			return "", validationError(fmt.Sprintf("query parameter %s was given %d times; give it once", p.Name, len(given)),
				map[string]any{detailParameter: p.Name})
		case len(given) == 1 && given[0] == "":
			return "", validationError(fmt.Sprintf("query parameter %s is empty; it %s (leave it out to use the default)", p.Name, accepts(p.Schema)),
				map[string]any{detailParameter: p.Name})
		}
	}
	changed := false
	for _, name := range enumFilters {
		for i, value := range values[name] {
			if lower := strings.ToLower(value); lower != value {
				values[name][i], changed = lower, true
			}
		}
	}
	if !changed {
		return rawQuery, nil
	}
	return values.Encode(), nil
}

// describeQueryError says what url.ParseQuery found wrong without echoing
// more than a shortened piece of the query.
func describeQueryError(err error) string {
	var escapeErr url.EscapeError
	if errors.As(err, &escapeErr) {
		return "invalid percent-encoding " + quoteForMessage(string(escapeErr))
	}
	if strings.Contains(err.Error(), "semicolon") {
		return "parameters are separated by ';'; separate them by '&'"
	}
	return "it cannot be parsed"
}

// Keys of error.details (see doc.go).
const (
	detailParameter = "parameter"
	detailField     = "field"
)

// validateRequest checks one request against its operation with
// kin-openapi; the answer to a mismatch says in plain words which parameter
// or field is wrong and what is allowed.
func (c *contract) validateRequest(r *http.Request, found route, published bool) *apiError {
	operation := found.operation.Operation
	rawQuery, apiErr := normalizeQuery(r.URL.RawQuery, operation)
	if apiErr != nil {
		return apiErr
	}
	r.URL.RawQuery = rawQuery
	if published {
		// Headers only the assumed profile knows mean nothing here.
		for _, parameter := range operation.Parameters {
			if p := parameter.Value; p != nil && p.In == openapi3.ParameterInHeader && isAssumed(p.Extensions) {
				r.Header.Del(p.Name)
			}
		}
	}
	if operation.RequestBody != nil && r.Header.Get("Content-Type") == "" {
		// A body sent without a type is read as JSON, the only type there is.
		r.Header.Set("Content-Type", "application/json")
	}
	err := openapi3filter.ValidateRequest(r.Context(), &openapi3filter.RequestValidationInput{
		Request:    r,
		PathParams: found.pathParams,
		Route:      found.operation,
		Options: &openapi3filter.Options{
			AuthenticationFunc:      openapi3filter.NoopAuthenticationFunc,
			SchemaValidationOptions: c.schemaOptions,
		},
	})
	if err != nil {
		return requestProblem(err, r, found.pathParams)
	}
	return nil
}

// requestProblem turns a kin-openapi validation error into the API's 400
// (or 413 for a body over the cap).
func requestProblem(err error, r *http.Request, pathParams map[string]string) *apiError {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return payloadTooLarge()
	}
	var requestErr *openapi3filter.RequestError
	if errors.As(err, &requestErr) {
		switch {
		case requestErr.Parameter != nil:
			return parameterProblem(requestErr, r, pathParams)
		case requestErr.RequestBody != nil:
			return bodyProblem(requestErr)
		}
	}
	return validationError("the request does not match the API: "+firstLine(err.Error()), nil)
}

func payloadTooLarge() *apiError {
	return &apiError{Status: http.StatusRequestEntityTooLarge, Code: api.ErrorCodePayloadTooLarge,
		Message: fmt.Sprintf("the request body must be at most %d bytes", maxBodyBytes)}
}

// parameterProblem names the parameter, what it accepts and what it got.
func parameterProblem(requestErr *openapi3filter.RequestError, r *http.Request, pathParams map[string]string) *apiError {
	p := requestErr.Parameter
	var raw string
	var sent bool
	kind := p.In + " parameter"
	switch p.In {
	case openapi3.ParameterInQuery:
		var values []string
		values, sent = r.URL.Query()[p.Name]
		if sent {
			raw = values[0]
		}
	case openapi3.ParameterInPath:
		raw, sent = pathParams[p.Name]
		kind = "path segment"
	case openapi3.ParameterInHeader:
		kind = "header"
		raw, sent = r.Header.Get(p.Name), r.Header.Get(p.Name) != ""
	}
	var message string
	switch {
	case errors.Is(requestErr, openapi3filter.ErrInvalidRequired) || !sent:
		message = fmt.Sprintf("%s %s is required", kind, p.Name)
	case raw == "":
		message = fmt.Sprintf("%s %s is empty; it %s (leave it out to use the default)", kind, p.Name, accepts(p.Schema))
	default:
		message = fmt.Sprintf("%s %s %s, got %s", kind, p.Name, accepts(p.Schema), quoteForMessage(raw))
	}
	return validationError(message, map[string]any{detailParameter: p.Name})
}

// unsupportedProperty reads the property name out of kin-openapi's reason
// for a field additionalProperties: false does not allow.
var unsupportedProperty = regexp.MustCompile(`^property "(.*)" is unsupported$`)

// bodyProblem names the field, what it accepts and what it got.
func bodyProblem(requestErr *openapi3filter.RequestError) *apiError {
	body := requestErr.RequestBody
	var schema *openapi3.Schema
	if media := body.Content.Get("application/json"); media != nil && media.Schema != nil {
		schema = media.Schema.Value
	}
	switch {
	case errors.Is(requestErr, openapi3filter.ErrInvalidRequired):
		return validationError("the request body is required: "+describeObject(schema), nil)
	case strings.HasPrefix(requestErr.Reason, "header Content-Type"):
		return validationError("send the request body as JSON, with Content-Type: application/json", nil)
	}
	var parseErr *openapi3filter.ParseError
	if errors.As(requestErr, &parseErr) {
		return validationError("the request body is not valid JSON ("+firstLine(parseErr.Error())+"); send "+describeObject(schema), nil)
	}
	var schemaErr *openapi3.SchemaError
	if !errors.As(requestErr, &schemaErr) {
		return validationError("the request body does not match the API: "+firstLine(requestErr.Error()), nil)
	}
	pointer := schemaErr.JSONPointer()
	field := strings.Join(pointer, ".")
	switch {
	case schemaErr.SchemaField == "required" && field != "":
		return validationError(fmt.Sprintf("%s is required", field), map[string]any{detailField: field})
	case unsupportedProperty.MatchString(schemaErr.Reason):
		name := unsupportedProperty.FindStringSubmatch(schemaErr.Reason)[1]
		full := strings.Join(append(pointer, name), ".")
		return validationError(fmt.Sprintf("unknown field %s; the fields are %s", quoteForMessage(full),
			strings.Join(sortedKeys(schemaErr.Schema.Properties), ", ")), map[string]any{detailField: full})
	case field == "":
		return validationError("the request body must be "+describeObject(schema), nil)
	}
	return validationError(fmt.Sprintf("%s %s, got %s", field, accepts(&openapi3.SchemaRef{Value: schemaErr.Schema}), jsonForMessage(schemaErr.Value)),
		map[string]any{detailField: field})
}

// describeObject names what a body schema wants: "a JSON object with
// scan_type", with its required fields.
func describeObject(schema *openapi3.Schema) string {
	if schema == nil || len(schema.Required) == 0 {
		return "a JSON object"
	}
	return "a JSON object with " + strings.Join(schema.Required, ", ")
}

// accepts says in words what a schema accepts: "must be one of a, b",
// "must be an integer from 1 to 100"...
func accepts(ref *openapi3.SchemaRef) string {
	if ref == nil || ref.Value == nil {
		return "is not accepted"
	}
	s := ref.Value
	orNull := ""
	if s.Nullable {
		orNull = ", or null"
	}
	if len(s.Enum) > 0 {
		values := make([]string, len(s.Enum))
		for i, v := range s.Enum {
			values[i] = fmt.Sprint(v)
		}
		return "must be one of " + strings.Join(values, ", ") + orNull
	}
	switch {
	case s.Type.Is(openapi3.TypeInteger), s.Type.Is(openapi3.TypeNumber):
		kind := "an integer"
		if s.Type.Is(openapi3.TypeNumber) {
			kind = "a number"
		}
		switch {
		case s.Min != nil && s.Max != nil:
			return fmt.Sprintf("must be %s from %s to %s%s", kind, number(*s.Min), number(*s.Max), orNull)
		case s.Min != nil:
			return fmt.Sprintf("must be %s of at least %s%s", kind, number(*s.Min), orNull)
		case s.Max != nil:
			return fmt.Sprintf("must be %s of at most %s%s", kind, number(*s.Max), orNull)
		}
		return "must be " + kind + orNull
	case s.Type.Is(openapi3.TypeString):
		switch {
		case s.MaxLength != nil && s.MinLength > 0:
			return fmt.Sprintf("must be a string of %d to %d characters%s", s.MinLength, *s.MaxLength, orNull)
		case s.MaxLength != nil:
			return fmt.Sprintf("must be a string of at most %d characters%s", *s.MaxLength, orNull)
		case s.MinLength > 0:
			return fmt.Sprintf("must be a string of at least %d characters%s", s.MinLength, orNull)
		}
		return "must be a string" + orNull
	case s.Type.Is(openapi3.TypeBoolean):
		return "must be true or false" + orNull
	case s.Type.Is(openapi3.TypeObject):
		return "must be a JSON object" + orNull
	case s.Type.Is(openapi3.TypeArray):
		return "must be a JSON array" + orNull
	}
	return "is not accepted"
}

func number(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// jsonForMessage shows a decoded JSON value in a message, shortened.
func jsonForMessage(value any) string {
	encoded, err := json.Marshal(value)
	if err != nil {
		return "a value of another type"
	}
	const maxShown = 64
	if len(encoded) > maxShown {
		return string(encoded[:maxShown]) + "..."
	}
	return string(encoded)
}

// firstLine keeps a library's message to its first line, shortened.
func firstLine(message string) string {
	line, _, _ := strings.Cut(message, "\n")
	const maxShown = 200
	if len(line) > maxShown {
		line = line[:maxShown] + "..."
	}
	return line
}

// checkAnswer validates an answer against the document: against its
// operation's response for that status, or against the Error response for
// requests that reached no operation. In the published profile it also
// refuses what only the assumed profile may send.
func (c *contract) checkAnswer(ctx context.Context, r *http.Request, found route, status int, header http.Header, body []byte, published bool) error {
	response := c.errorResponse
	if found.operation != nil && r.Method != http.MethodHead {
		input := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: r, PathParams: found.pathParams, Route: found.operation},
			Status:                 status,
			Header:                 header,
			Options:                &openapi3filter.Options{IncludeResponseStatus: true, SchemaValidationOptions: c.schemaOptions},
		}
		input.SetBodyBytes(body)
		if err := openapi3filter.ValidateResponse(ctx, input); err != nil {
			return err
		}
		responses := found.operation.Operation.Responses
		ref := responses.Status(status)
		if ref == nil {
			ref = responses.Default()
		}
		response = ref.Value
	} else if err := c.checkErrorAnswer(header, body); err != nil {
		return err
	}
	if !published {
		return nil
	}
	for _, name := range c.assumedHeaders {
		if header.Get(name) != "" {
			return fmt.Errorf("header %s is only served by the %s profile", name, ProfileAssumed)
		}
	}
	if fields := c.assumedFields[response]; len(fields) > 0 {
		var value any
		if err := json.Unmarshal(body, &value); err != nil {
			return fmt.Errorf("the body is not JSON: %w", err)
		}
		for _, path := range fields {
			if hasField(value, path) {
				return fmt.Errorf("field %s is only served by the %s profile", strings.Join(path, "."), ProfileAssumed)
			}
		}
	}
	return nil
}

// checkErrorAnswer validates an answer to a request that reached no
// operation against components/responses/Error.
func (c *contract) checkErrorAnswer(header http.Header, body []byte) error {
	mediaType, _, err := mime.ParseMediaType(header.Get("Content-Type"))
	if err != nil || mediaType != "application/json" {
		return fmt.Errorf("Content-Type %q is not application/json", header.Get("Content-Type"))
	}
	var value any
	if err := json.Unmarshal(body, &value); err != nil {
		return fmt.Errorf("the body is not JSON: %w", err)
	}
	schema := c.errorResponse.Content.Get("application/json").Schema.Value
	if err := schema.VisitJSON(value, c.schemaOptions...); err != nil {
		return fmt.Errorf("error envelope doesn't match schema: %w", err)
	}
	return nil
}
