package simulator

import (
	"net/http"
	"net/url"
	"strings"
)

// route identifies an endpoint. A small router instead of http.ServeMux
// because the mux answers unknown paths and wrong methods itself, in plain
// text, and every response here must be the JSON envelope.
type route int

const (
	routeNone route = iota
	routeCreateScan
	routeGetScan
	routeListScans
	routeListResults
)

// Stats.ByRoute keys, as the contract writes the endpoints. The two that
// callers count (status polls, result pages) are exported.
const (
	statsKeyCreateScan  = "POST /tenants/{tenant}/scans"
	StatsKeyGetScan     = "GET /scans/{id}"
	statsKeyListScans   = "GET /tenants/{tenant}/scans"
	StatsKeyListResults = "GET /scans/{id}/results"
	statsKeyOther       = "other"
)

func (r route) statsKey() string {
	switch r {
	case routeCreateScan:
		return statsKeyCreateScan
	case routeGetScan:
		return StatsKeyGetScan
	case routeListScans:
		return statsKeyListScans
	case routeListResults:
		return StatsKeyListResults
	}
	return statsKeyOther
}

// match is the outcome of routing one request.
type match struct {
	route route
	// tenant or scanID is the path parameter, unescaped.
	tenant string
	scanID string
	// allow is set when the path exists but not for this method.
	allow string
}

// matchRoute routes on the escaped path so that an encoded slash inside an
// id ("a%2Fb") stays one segment instead of creating a new path.
func matchRoute(method, escapedPath string) match {
	if !strings.HasPrefix(escapedPath, "/") {
		return match{}
	}
	segments := strings.Split(escapedPath[1:], "/")
	for i, segment := range segments {
		unescaped, err := url.PathUnescape(segment)
		if err != nil || unescaped == "" {
			return match{}
		}
		segments[i] = unescaped
	}
	switch {
	case len(segments) == 3 && segments[0] == "tenants" && segments[2] == "scans":
		switch method {
		case http.MethodGet:
			return match{route: routeListScans, tenant: segments[1]}
		case http.MethodPost:
			return match{route: routeCreateScan, tenant: segments[1]}
		}
		return match{allow: "GET, POST"}
	case len(segments) == 2 && segments[0] == "scans":
		if method == http.MethodGet {
			return match{route: routeGetScan, scanID: segments[1]}
		}
		return match{allow: "GET"}
	case len(segments) == 3 && segments[0] == "scans" && segments[2] == "results":
		if method == http.MethodGet {
			return match{route: routeListResults, scanID: segments[1]}
		}
		return match{allow: "GET"}
	}
	return match{}
}
