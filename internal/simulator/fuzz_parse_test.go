package simulator

import (
	"bytes"
	"io"
	"net/http"
	"slices"
	"testing"
)

// maxMessageBytes bounds an error message: caller input is quoted shortened,
// so a hostile value cannot bloat the answer.
const maxMessageBytes = 512

// FuzzRequestParsing calls the simulator's parsers directly, without the
// routing in front of them, so the fuzzer spends its time on query strings
// and JSON bodies: the pagination and filter parsers and the create-scan body
// reader. Whatever they accept must be in range; whatever they reject must be
// a 400 or 413 with a bounded message.
func FuzzRequestParsing(f *testing.F) {
	for _, seed := range []struct{ query, body string }{
		{"page=1&limit=100&result=Failed&severity=Critical", `{"scan_type":"compliance"}`},
		{"page=9223372036854775807&limit=100", `{"scan_type":"full","extra":[1,2,{"a":null}]}`},
		{"page=-1&limit=0", `{"scan_type":null}`},
		{"limit=1e3&page=0x10&status=COMPLETED", `{"scan_type":1}`},
		{"page=&limit=", `{"scan_type":"compliance","scan_type":"identity"}`},
		{"a=1&a=2&status=running&status=queued", `{"scan_type":"\u0000"}`},
		{"%zz", `[]`},
		{"severity=%ff%fe&result=failed", `"compliance"`},
		{"scan_type=identity;page=2", `{"scan_type":"compliance"} {"x":1}`},
		{"", ``},
		{"", `{"scan_type":` + string(bytes.Repeat([]byte("["), 5000))},
	} {
		f.Add(seed.query, []byte(seed.body))
	}
	f.Fuzz(func(t *testing.T, rawQuery string, body []byte) {
		check := func(what string, apiErr *apiError, allowed ...int) {
			t.Helper()
			if apiErr == nil {
				return
			}
			if !slices.Contains(allowed, apiErr.Status) || apiErr.Code == "" {
				t.Fatalf("%s: %d %s for query %q", what, apiErr.Status, apiErr.Code, rawQuery)
			}
			if len(apiErr.Message) > maxMessageBytes {
				t.Fatalf("%s: a %d-byte message for query %q", what, len(apiErr.Message), rawQuery)
			}
		}

		query, apiErr := parseQuery(rawQuery)
		check("parseQuery", apiErr, http.StatusBadRequest)
		if apiErr == nil {
			for name, values := range query {
				for _, value := range values {
					if len(name) > maxQueryValueLen || len(value) > maxQueryValueLen {
						t.Fatalf("parseQuery let through %d/%d bytes", len(name), len(value))
					}
				}
			}
			page, apiErr := parsePagination(query)
			check("parsePagination", apiErr, http.StatusBadRequest)
			if apiErr == nil {
				if page.page < 1 || page.limit < 1 || page.limit > maxPageLimit || page.offset() < 0 {
					t.Fatalf("parsePagination accepted %+v from %q", page, rawQuery)
				}
				if meta := page.meta(1000); meta.TotalPages < 0 || meta.Page != page.page {
					t.Fatalf("meta %+v", meta)
				}
			}
			for _, enum := range []struct {
				name  string
				valid []string
			}{{"status", scanStatuses}, {"scan_type", scanTypes}, {"result", resultValues}, {"severity", severityValues}} {
				index, apiErr := parseEnum(query, enum.name, enum.valid)
				check("parseEnum "+enum.name, apiErr, http.StatusBadRequest)
				if apiErr == nil && (index < -1 || index >= len(enum.valid)) {
					t.Fatalf("parseEnum(%s) = %d", enum.name, index)
				}
			}
		}

		r, err := http.NewRequest("POST", "/tenants/me/scans", nil)
		if err != nil {
			t.Fatal(err)
		}
		r.Body = http.MaxBytesReader(nil, io.NopCloser(bytes.NewReader(body)), maxBodyBytes)
		scanType, apiErr := readCreateScanRequest(r)
		check("readCreateScanRequest", apiErr, http.StatusBadRequest, http.StatusRequestEntityTooLarge)
		if apiErr == nil && !slices.Contains(scanTypes, scanType) {
			t.Fatalf("readCreateScanRequest accepted scan type %q from %q", scanType, body)
		}
	})
}
