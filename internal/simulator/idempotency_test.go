package simulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/aether365/terraform-provider-aether365/api"
	"github.com/aether365/terraform-provider-aether365/internal/syncbuffer"
)

func postWithKey(t *testing.T, sim *Server, apiKey, path, body, idempotencyKey string) response {
	t.Helper()
	return call(t, sim, request{method: "POST", path: path, key: apiKey, body: body,
		headers: map[string]string{"Idempotency-Key": idempotencyKey}})
}

// Idempotency-Key replays are the assumed profile's (divergence 11); the
// published profile ignores the header.
func TestIdempotentReplay(t *testing.T) {
	cfg := multiAccountConfig()
	cfg.Profile = ProfileAssumed
	sim, _ := newTestServer(t, cfg)
	first := postWithKey(t, sim, keyMSP, "/tenants/me/scans", `{"scan_type":"compliance"}`, "run-42")
	expectStatus(t, first, http.StatusCreated, "")
	if first.Header.Get("Idempotent-Replayed") != "" {
		t.Error("the first request is not a replay")
	}
	original := decode[api.Scan](t, first)

	// Same request, differently spelled: same connection (the primary), same type.
	for _, replay := range []struct{ path, body string }{
		{"/tenants/me/scans", `{"scan_type":"compliance"}`},
		{"/tenants/" + accountMS + "/scans?connectionId=conn_contoso", `{ "scan_type" : "compliance", "note": "ignored" }`},
	} {
		resp := postWithKey(t, sim, keyMSP, replay.path, replay.body, "run-42")
		expectStatus(t, resp, http.StatusCreated, "")
		if resp.Header.Get("Idempotent-Replayed") != "true" || decode[api.Scan](t, resp).ID != original.ID {
			t.Errorf("replay of %s %s: header %q, body %s", replay.path, replay.body, resp.Header.Get("Idempotent-Replayed"), resp.Body)
		}
	}
	if got := sim.ScanCount(accountMS); got != 1 {
		t.Errorf("ScanCount = %d after replays, want 1", got)
	}

	// Same key, another request: 422.
	for _, reuse := range []struct{ path, body string }{
		{"/tenants/me/scans", `{"scan_type":"exposure"}`},
		{"/tenants/me/scans?connectionId=conn_fabrikam", `{"scan_type":"compliance"}`},
	} {
		expectStatus(t, postWithKey(t, sim, keyMSP, reuse.path, reuse.body, "run-42"), http.StatusUnprocessableEntity, api.ErrorCodeIdempotencyKeyReused)
	}

	// Keys are scoped per API key: key A's "run-42" is a new scan.
	other := postWithKey(t, sim, keyA, "/tenants/me/scans", `{"scan_type":"compliance"}`, "run-42")
	expectStatus(t, other, http.StatusCreated, "")
	if other.Header.Get("Idempotent-Replayed") != "" || decode[api.Scan](t, other).ID == original.ID {
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
	if fresh.Header.Get("Idempotent-Replayed") != "" || decode[api.Scan](t, fresh).ID == original.ID {
		t.Errorf("key of a forgotten scan: %s", fresh.Body)
	}

	resp := postWithKey(t, sim, keyA, "/tenants/me/scans", `{"scan_type":"compliance"}`, strings.Repeat("k", 256))
	expectStatus(t, resp, http.StatusBadRequest, api.ErrorCodeValidationError)
	if !strings.Contains(resp.Env.Error.Message, "header Idempotency-Key must be a string of at most 255 characters") {
		t.Errorf("message %q", resp.Env.Error.Message)
	}
	expectStatus(t, postWithKey(t, sim, keyA, "/tenants/me/scans", `{"scan_type":"compliance"}`, strings.Repeat("k", 255)),
		http.StatusCreated, "")

	// The published profile knows no Idempotency-Key: a retried POST is a
	// new request, and a long key is not even read.
	published, _ := newTestServer(t, Config{})
	for range 2 {
		resp := postWithKey(t, published, DemoAPIKey, "/tenants/me/scans", `{"scan_type":"compliance"}`, "run-42")
		expectStatus(t, resp, http.StatusCreated, "")
		if resp.Header.Get("Idempotent-Replayed") != "" {
			t.Error("the published profile replayed")
		}
	}
	expectStatus(t, postWithKey(t, published, DemoAPIKey, "/tenants/me/scans", `{"scan_type":"compliance"}`, strings.Repeat("k", 300)),
		http.StatusCreated, "")
	if got := published.ScanCount(DemoTenant); got != 3 {
		t.Errorf("published profile: %d scans, want 3", got)
	}
}

func TestConcurrentIdempotentPostsCreateOneScan(t *testing.T) {
	sim, _ := newTestServer(t, Config{Profile: ProfileAssumed})
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
		if id := decode[api.Scan](t, resp).ID; id != decode[api.Scan](t, responses[0]).ID {
			t.Fatalf("concurrent duplicates got different scans: %s", id)
		}
	}
	if fresh != 1 || sim.ScanCount(DemoTenant) != 1 || sim.Stats().ScansCreated != 1 {
		t.Errorf("%d fresh responses, %d scans, want exactly one", fresh, sim.ScanCount(DemoTenant))
	}
}

// A reset really resets: the client gets no answer while the POST took
// effect, and retrying with the same Idempotency-Key replays the scan.
func TestResetAfterProcessingAndIdempotentRetry(t *testing.T) {
	var log syncbuffer.Buffer
	sim, _ := newTestServer(t, Config{Profile: ProfileAssumed, ResetRate: 0.5, Seed: 4, RequestLog: &log})
	server := serveHTTP(t, sim)
	// No keep-alive: each attempt on its own connection, so Go's transport
	// never replays a request on its own and every reset reaches us.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

	resets, replays := 0, 0
	for run := range 12 {
		key := fmt.Sprintf("run-%d", run)
		var created []byte
		attempts := 0
		for created == nil {
			attempts++
			if attempts > 30 {
				t.Fatalf("%s: no answer in 30 attempts", key)
			}
			resp, body, err := postScan(client, server.URL, key)
			if err != nil {
				if !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Fatalf("%s: a reset surfaced as %v", key, err)
				}
				resets++
				continue
			}
			if resp.StatusCode != http.StatusCreated {
				t.Fatalf("%s: %d %s", key, resp.StatusCode, body)
			}
			if replayed := resp.Header.Get("Idempotent-Replayed") == "true"; replayed != (attempts > 1) {
				t.Errorf("%s: attempt %d answered with Idempotent-Replayed %v", key, attempts, replayed)
			} else if replayed {
				replays++
			}
			created = body
		}
	}
	if resets == 0 || replays == 0 {
		t.Fatalf("seed 4 gave %d resets and %d replays; pick a seed that exercises both", resets, replays)
	}
	if got := sim.ScanCount(DemoTenant); got != 12 {
		t.Errorf("ScanCount = %d, want exactly one scan per Idempotency-Key (12)", got)
	}
	stats := sim.Stats()
	if stats.InjectedResets != resets || stats.ScansCreated != 12 {
		t.Errorf("stats = %+v, want %d resets and 12 scans", stats, resets)
	}
	resetLines := 0
	for _, line := range logLines(t, log.String()) {
		if line[logKeyFault] == logFaultReset {
			resetLines++
			// The status is the answer that was processed and then dropped.
			if line[logKeyMethod] != "POST" || line[logKeyPath] != "/tenants/me/scans" || line[logKeyStatus] != "201" {
				t.Errorf("reset log line %v", line)
			}
		}
	}
	if resetLines != resets {
		t.Errorf("%d reset lines in the log, want %d", resetLines, resets)
	}
}

// Every fault at once, from many goroutines: each caller that retries with
// its own Idempotency-Key ends with exactly one scan.
func TestFaultsUnderConcurrencyKeepExactlyOnce(t *testing.T) {
	sim, _ := newTestServer(t, Config{Profile: ProfileAssumed, ErrorRate: 0.2, ResetRate: 0.2, MalformedRate: 0.2, Seed: 9})
	server := serveHTTP(t, sim)
	client := server.Client()

	const workers, perWorker = 8, 10
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		scanIDs  = map[string]bool{}
		failures []string
	)
	for worker := range workers {
		wg.Go(func() {
			for i := range perWorker {
				key := fmt.Sprintf("w%d-%d", worker, i)
				id, err := postUntilAnswered(client, server.URL, key)
				mu.Lock()
				if err != nil {
					failures = append(failures, err.Error())
				} else {
					scanIDs[id] = true
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d callers failed, first: %s", len(failures), failures[0])
	}
	if len(scanIDs) != workers*perWorker || sim.ScanCount(DemoTenant) != workers*perWorker {
		t.Errorf("%d distinct scans answered, %d held; want %d of each", len(scanIDs), sim.ScanCount(DemoTenant), workers*perWorker)
	}
	for _, id := range sim.ScanIDs(DemoTenant) {
		if !scanIDs[id] {
			t.Errorf("scan %s exists but no caller learned of it", id)
		}
	}
	stats := sim.Stats()
	if stats.InjectedErrors == 0 || stats.InjectedResets == 0 || stats.InjectedMalformed == 0 {
		t.Errorf("not every fault was injected: %+v", stats)
	}
}

// postUntilAnswered retries a POST with one Idempotency-Key until it gets a
// well-formed 201, as the client does.
func postUntilAnswered(client *http.Client, baseURL, key string) (string, error) {
	for range 50 {
		resp, body, err := postScan(client, baseURL, key)
		if err != nil || resp.StatusCode != http.StatusCreated {
			continue
		}
		var env struct {
			Success bool     `json:"success"`
			Data    api.Scan `json:"data"`
		}
		if json.Unmarshal(body, &env) != nil || !env.Success || env.Data.ID == "" {
			continue
		}
		return env.Data.ID, nil
	}
	return "", fmt.Errorf("%s: no well-formed answer in 50 attempts", key)
}

// postScan posts a compliance scan for the demo key with an Idempotency-Key
// over real HTTP and reads the whole answer.
func postScan(client *http.Client, baseURL, idempotencyKey string) (*http.Response, []byte, error) {
	req, err := http.NewRequest("POST", baseURL+"/tenants/me/scans", strings.NewReader(`{"scan_type":"compliance"}`))
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+DemoAPIKey)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", idempotencyKey)
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, body, err
}
