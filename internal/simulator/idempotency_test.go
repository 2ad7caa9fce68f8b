package simulator

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aether365/terraform-provider-aether365/internal/apicode"
)

func postWithKey(t *testing.T, h http.Handler, apiKey, path, body, idempotencyKey string) response {
	t.Helper()
	return call(t, h, request{method: "POST", path: path, key: apiKey, body: body,
		headers: map[string]string{"Idempotency-Key": idempotencyKey}})
}

func TestIdempotentReplay(t *testing.T) {
	sim, _ := newTestServer(t, Config{APIKeys: multiTenantKeys()})
	first := postWithKey(t, sim, keyMSP, "/tenants/me/scans", `{"scan_type":"compliance"}`, "run-42")
	expectStatus(t, first, http.StatusCreated, "")
	if first.Header.Get("Idempotent-Replayed") != "" {
		t.Error("the first request is not a replay")
	}
	original := decode[scanView](t, first)

	// Same request, differently spelled: same tenant (me = tenant-a), same type.
	for _, replay := range []struct{ path, body string }{
		{"/tenants/me/scans", `{"scan_type":"compliance"}`},
		{"/tenants/tenant-a/scans", `{ "scan_type" : "compliance", "note": "ignored" }`},
	} {
		resp := postWithKey(t, sim, keyMSP, replay.path, replay.body, "run-42")
		expectStatus(t, resp, http.StatusCreated, "")
		if resp.Header.Get("Idempotent-Replayed") != "true" || decode[scanView](t, resp).ID != original.ID {
			t.Errorf("replay of %s %s: header %q, body %s", replay.path, replay.body, resp.Header.Get("Idempotent-Replayed"), resp.Body)
		}
	}
	if got := sim.ScanCount("tenant-a"); got != 1 {
		t.Errorf("ScanCount = %d after replays, want 1", got)
	}

	// Same key, another request: 422.
	for _, reuse := range []struct{ path, body string }{
		{"/tenants/me/scans", `{"scan_type":"identity"}`},
		{"/tenants/tenant-b/scans", `{"scan_type":"compliance"}`},
	} {
		expectStatus(t, postWithKey(t, sim, keyMSP, reuse.path, reuse.body, "run-42"), http.StatusUnprocessableEntity, apicode.IdempotencyKeyReused)
	}

	// Keys are scoped per API key: key A's "run-42" is a new scan.
	other := postWithKey(t, sim, keyA, "/tenants/me/scans", `{"scan_type":"compliance"}`, "run-42")
	expectStatus(t, other, http.StatusCreated, "")
	if other.Header.Get("Idempotent-Replayed") != "" || decode[scanView](t, other).ID == original.ID {
		t.Errorf("another API key replayed the MSP key's scan: %s", other.Body)
	}

	// Without the header every POST is a new scan.
	a := createScan(t, sim, keyB, "compliance")
	b := createScan(t, sim, keyB, "compliance")
	if a.ID == b.ID {
		t.Error("two POSTs without Idempotency-Key returned one scan")
	}
	if got := sim.Stats().ScansCreated; got != 4 {
		t.Errorf("ScansCreated = %d, want 4", got)
	}

	// A forgotten scan frees its key.
	sim.ForgetScan(original.ID)
	fresh := postWithKey(t, sim, keyMSP, "/tenants/me/scans", `{"scan_type":"compliance"}`, "run-42")
	expectStatus(t, fresh, http.StatusCreated, "")
	if fresh.Header.Get("Idempotent-Replayed") != "" || decode[scanView](t, fresh).ID == original.ID {
		t.Errorf("key of a forgotten scan: %s", fresh.Body)
	}

	expectStatus(t, postWithKey(t, sim, keyA, "/tenants/me/scans", `{"scan_type":"compliance"}`, strings.Repeat("k", 256)),
		http.StatusBadRequest, apicode.Validation)
	expectStatus(t, postWithKey(t, sim, keyA, "/tenants/me/scans", `{"scan_type":"compliance"}`, strings.Repeat("k", 255)),
		http.StatusCreated, "")
}

func TestConcurrentIdempotentPostsCreateOneScan(t *testing.T) {
	sim, _ := newTestServer(t, Config{})
	const clients = 32
	responses := make([]response, clients)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			<-start
			responses[i] = postWithKey(t, sim, DemoAPIKey, "/tenants/me/scans", `{"scan_type":"compliance"}`, "deploy-7")
		})
	}
	close(start)
	wg.Wait()

	fresh := 0
	for _, resp := range responses {
		expectStatus(t, resp, http.StatusCreated, "")
		if resp.Header.Get("Idempotent-Replayed") == "" {
			fresh++
		}
		if id := decode[scanView](t, resp).ID; id != decode[scanView](t, responses[0]).ID {
			t.Fatalf("concurrent duplicates got different scans: %s", id)
		}
	}
	if fresh != 1 || sim.ScanCount(DemoTenant) != 1 || sim.Stats().ScansCreated != 1 {
		t.Errorf("%d fresh responses, %d scans, want exactly one", fresh, sim.ScanCount(DemoTenant))
	}
}
