package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func writeLog(t *testing.T, lines string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "log")
	if err := os.WriteFile(path, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestScanRequestsReadsTheProviderEventsOfTerraformsJSONLog(t *testing.T) {
	path := writeLog(t, `{"@level":"debug","@message":"Starting apply","@module":"terraform","@timestamp":"2026-12-01T10:00:00.000000Z","status":"planned"}
{"@level":"debug","@message":"aether365: received response","@module":"aether365","@timestamp":"2026-12-01T10:00:00.250000Z","attempt":1,"duration":"50ms","method":"POST","path":"/tenants/me/scans","status":201}
{"@level":"debug","@message":"aether365: request failed","@module":"aether365","@timestamp":"2026-12-01T10:00:01.000000Z","attempt":1,"duration":"1ms","error":"rate limited","method":"GET","path":"/scans/scn_1","status":429}
{"@level":"debug","@message":"aether365: received response","@module":"aether365","@timestamp":"2026-12-01T10:00:02.000000Z","attempt":1,"duration":"2ms","method":"GET","path":"/scans/scn_1","status":200}
{"@level":"debug","@message":"aether365: received response","@module":"aether365","@timestamp":"2026-12-01T10:00:05.251000Z","attempt":1,"duration":"1ms","method":"GET","path":"/scans/scn_1","status":200}
{"@level":"debug","@message":"aether365: received response","@module":"aether365","@timestamp":"2026-12-01T10:00:06.000000Z","attempt":1,"duration":"3ms","method":"GET","path":"/scans/scn_1/results","status":200}
not a JSON line
`)
	post, final, err := scanRequests(path)
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time { v, _ := time.Parse(time.RFC3339Nano, s); return v }
	if !post.sent().Equal(at("2026-12-01T10:00:00.2Z")) || post.Status != 201 {
		t.Errorf("POST sent %s (%+v)", post.sent(), post)
	}
	if !final.Timestamp.Equal(at("2026-12-01T10:00:05.251Z")) || final.Path != "/scans/scn_1" {
		t.Errorf("last status poll %+v", final)
	}
}

func TestApplyDiagnosticsCountsErrorsAndRateLimits(t *testing.T) {
	output := `{"@level":"info","@message":"Terraform 1.11.4","@module":"terraform.ui","type":"version","terraform":"1.11.4","ui":"1.2"}
{"@level":"warn","@message":"Warning: Provider development overrides are in effect","type":"diagnostic","diagnostic":{"severity":"warning","summary":"Provider development overrides are in effect","detail":"t01 t429"}}
{"@level":"error","@message":"Error: Rate Limited","type":"diagnostic","diagnostic":{"severity":"error","summary":"Rate Limited Creating Scan","detail":"Aether365 kept answering 429 RATE_LIMITED after every retry."}}
{"@level":"error","@message":"Error: Aether365 API Not Reachable","type":"diagnostic","diagnostic":{"severity":"error","summary":"Aether365 API Not Reachable","detail":"connection refused"}}
`
	if errors, rateLimited := applyDiagnostics(output); errors != 2 || rateLimited != 1 {
		t.Errorf("%d errors, %d rate limited; want 2, 1", errors, rateLimited)
	}
}

func TestReadRequestLogSkipsTheSimulatorsPlainMessages(t *testing.T) {
	path := writeLog(t, `aether365-sim: seed 1 (pass --seed 1 to get the same IDs and data again)
{"time":"2026-12-01T10:00:00.1Z","msg":"request","method":"POST","path":"/tenants/t01/scans","status":201,"duration":224000,"request_id":"req_1"}
{"time":"2026-12-01T10:00:00.2Z","msg":"request","method":"GET","path":"/scans/scn_1","status":429,"duration":1000,"request_id":"req_2"}
aether365-sim: stopped
`)
	entries, err := readRequestLog(path)
	if err != nil || len(entries) != 2 || entries[1].Status != 429 || entries[0].Duration != 224*time.Microsecond {
		t.Errorf("%+v, %v", entries, err)
	}
}

func TestReadMaxRSSTakesTheLargestOfEveryStart(t *testing.T) {
	path := writeLog(t, `{"maxrss_kib":20480,"args":[]}
{"maxrss_kib":81920,"args":[]}
{"maxrss_kib":40960,"args":[]}
`)
	if peak, starts, err := readMaxRSS(path); err != nil || peak != 80 || starts != 3 {
		t.Errorf("peak %g MiB, %d starts, %v; want 80, 3", peak, starts, err)
	}
	if _, _, err := readMaxRSS(writeLog(t, "")); err == nil {
		t.Error("an empty record is not an error")
	}
}
