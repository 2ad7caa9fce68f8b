package simulator

import (
	"fmt"
	"net/http"

	"github.com/aether365/terraform-provider-aether365/internal/apicode"
)

// dispatch is the API behind the middleware: an authenticated request's
// query guards, routing and endpoint.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request) {
	ex := exchangeOf(r)
	if apiErr := s.serveRoute(w, r, ex); apiErr != nil {
		writeError(w, ex.requestID, apiErr)
	}
}

func (s *Server) serveRoute(w http.ResponseWriter, r *http.Request, ex *exchange) *apiError {
	query, apiErr := parseQuery(r.URL.RawQuery)
	if apiErr != nil {
		return apiErr
	}
	routed := ex.route
	if routed.route == routeNone {
		if routed.allow != "" {
			return &apiError{Status: http.StatusMethodNotAllowed, Code: apicode.MethodNotAllowed,
				Message: fmt.Sprintf("method %s is not allowed here; use %s", quoteForMessage(r.Method), routed.allow), Allow: routed.allow}
		}
		return notFoundError("no such endpoint; see the API reference for the available endpoints")
	}
	if r.Body == nil {
		r.Body = http.NoBody // a handler-level caller may leave it nil; a server never does
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)

	switch routed.route {
	case routeCreateScan:
		return s.createScan(w, r, ex.caller, routed.tenant)
	case routeGetScan:
		return s.getScan(w, ex.caller, routed.scanID)
	case routeListScans:
		return s.listScans(w, query, ex.caller, routed.tenant)
	case routeListResults:
		return s.listResults(w, query, ex.caller, routed.scanID)
	}
	return notFoundError("no such endpoint")
}
