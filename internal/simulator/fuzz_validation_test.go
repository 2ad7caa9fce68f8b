package simulator

import (
	"bytes"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// maxMessageBytes bounds an error message: caller input is quoted shortened,
// so a hostile value cannot bloat the answer.
const maxMessageBytes = 512

// fuzzOperations are the operations FuzzRequestValidation sends its query
// strings and bodies to: every kind of parameter and body of the document.
var fuzzOperations = []struct{ method, path string }{
	{"GET", "/scans/scan_x/results"},
	{"GET", "/tenants/me/scans"},
	{"POST", "/tenants/me/scans"},
	{"POST", "/tenants/me/scheduled-scans"},
	{"PATCH", "/tenants/me/scheduled-scans/sched_x"},
	{"PATCH", "/tenants/me/notifications"},
	{"PATCH", "/tenants/me"},
	{"GET", "/tenants/me/policies"},
}

// FuzzRequestValidation calls the request validation directly, without the
// layers in front of it, so the fuzzer spends its time on query strings and
// JSON bodies: the query normalisation, kin-openapi's validation against
// the document, and the translation of its errors. Whatever it accepts must
// be in range; whatever it rejects must be a 400 or 413 whose message is
// one bounded line and whose details name at most the parameter or field.
func FuzzRequestValidation(f *testing.F) {
	contract, err := loadContract()
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []struct {
		operation   uint8
		query, body string
	}{
		{0, "page=1&limit=200&result=Failed&severity=Critical&framework=NIS2", ""},
		{0, "page=9223372036854775807&limit=100", ""},
		{0, "page=-1&limit=0", ""},
		{0, "limit=1e3&page=0x10&result=", ""},
		{1, "status=COMPLETED&scan_type=exposure&connectionId=conn_a", ""},
		{1, "a=1&a=2&status=running&status=queued", ""},
		{1, "%zz", ""},
		{1, "severity=%ff%fe;page=2", ""},
		{2, "", `{"scan_type":"compliance"}`},
		{2, "connectionId=", `{"scan_type":"full","extra":[1,2,{"a":null}]}`},
		{2, "", `{"scan_type":null}`},
		{2, "", `{"scan_type":1}`},
		{2, "", `{"scan_type":"compliance","scan_type":"identity"}`},
		{2, "", `{"scan_type":"compliance"} {"x":1}`},
		{2, "", `[]`},
		{2, "", ``},
		{2, "", `{"scan_type":` + strings.Repeat("[", 5000)},
		{3, "", `{"name":"n","scanType":"compliance","frequency":"weekly","dayOfWeek":9,"hour":1,"minute":0,"timezone":"UTC","enabled":true}`},
		{3, "", `{"name":"","scanType":"compliance","frequency":"daily","hour":-1,"minute":60,"timezone":"","enabled":"yes"}`},
		{4, "", `{"dayOfWeek":null,"dayOfMonth":null,"bogus":1}`},
		{5, "", `{"teamsWebhookUrl":null,"emailOnFail":1}`},
		{6, "", `{"companyName":` + strconv.Quote(strings.Repeat("x", 300)) + `}`},
		{7, "connectionId=" + strings.Repeat("c", 300), ""},
	} {
		f.Add(seed.operation, seed.query, []byte(seed.body))
	}
	f.Fuzz(func(t *testing.T, operationIndex uint8, rawQuery string, body []byte) {
		op := fuzzOperations[int(operationIndex)%len(fuzzOperations)]
		r, err := http.NewRequest(op.method, op.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		r.URL.RawQuery = rawQuery
		r.Body = http.MaxBytesReader(nil, io.NopCloser(bytes.NewReader(body)), maxBodyBytes)
		found := contract.find(r)
		if found.operation == nil {
			t.Fatalf("%s %s is not routed", op.method, op.path)
		}
		apiErr := contract.validateRequest(r, found, false)
		if apiErr == nil {
			query := r.URL.Query()
			declared := map[string]bool{}
			for _, parameter := range found.operation.Operation.Parameters {
				declared[parameter.Value.Name] = true
			}
			for _, name := range []string{"page", "limit"} {
				if values := query[name]; declared[name] && len(values) > 0 {
					n, err := strconv.Atoi(values[0])
					if err != nil || n < 1 || (name == "limit" && n > 200) || len(values) > 1 {
						t.Fatalf("accepted %s=%q from %q", name, values, rawQuery)
					}
				}
			}
			for _, name := range enumFilters {
				for _, value := range query[name] {
					if !declared[name] {
						break
					}
					if value != strings.ToLower(value) || value == "" {
						t.Fatalf("accepted %s=%q from %q", name, value, rawQuery)
					}
				}
			}
			return
		}
		if !slices.Contains([]int{http.StatusBadRequest, http.StatusRequestEntityTooLarge}, apiErr.Status) || !apiErr.Code.Valid() {
			t.Fatalf("%d %s for query %q body %q", apiErr.Status, apiErr.Code, rawQuery, body)
		}
		if len(apiErr.Message) > maxMessageBytes || strings.Contains(apiErr.Message, "\n") || apiErr.Message == "" {
			t.Fatalf("message %q for query %q body %q", apiErr.Message, rawQuery, body)
		}
		for key := range apiErr.Details {
			if key != detailParameter && key != detailField {
				t.Fatalf("details %v", apiErr.Details)
			}
		}
	})
}
