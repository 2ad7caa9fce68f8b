package aether365

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aether365/terraform-provider-aether365/internal/simulator"
)

// A replay answering the first attempt is of a request made before the call;
// a replay answering a retry after a lost answer is the call's own scan.
func TestStartScanOrReplayTellsAnEarlierRequestFromItsOwnRetry(t *testing.T) {
	for name, reuseConnection := range map[string]bool{"fresh connection": false, "reused connection": true} {
		t.Run(name, func(t *testing.T) { testOwnRetryIsNotAReplay(t, reuseConnection) })
	}
}

// On a reused keep-alive connection, net/http resends a request that carries
// an Idempotency-Key by itself when the connection breaks before the answer:
// unless the client stops it, that hidden second attempt makes the replay of
// its own request look like an earlier request's, and the resource then
// starts a second scan (an orphan, seen under load in the fault cycles).
func testOwnRetryIsNotAReplay(t *testing.T, reuseConnection bool) {
	sim, err := simulator.New(simulator.Config{})
	if err != nil {
		t.Fatal(err)
	}
	server := httptest.NewServer(loseFirstAnswer(t, sim, func(w http.ResponseWriter) { hangUp(t, w) }))
	defer server.Close()
	c, err := New(Config{BaseURL: server.URL, APIKey: simulator.DemoAPIKey, RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if reuseConnection {
		if _, err := c.ListScans(context.Background(), "", ListScansOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	first, replayed, err := c.StartScanOrReplay(context.Background(), "", "compliance", "key-1")
	if err != nil || replayed {
		t.Fatalf("first call after a lost answer: replayed = %v, err = %v; want its own new scan", replayed, err)
	}
	again, replayed, err := c.StartScanOrReplay(context.Background(), "", "compliance", "key-1")
	if err != nil || !replayed || again.ID != first.ID {
		t.Fatalf("second call with the same key: %v, replayed = %v, err = %v; want a replay of %s", again, replayed, err, first.ID)
	}
}
