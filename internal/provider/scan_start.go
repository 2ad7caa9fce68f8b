package provider

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/go-uuid"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/aether365/terraform-provider-aether365/internal/aether365"
)

// defaultScanWait is how long the aether365_scan resource (its create and
// update timeouts) and the aether365_run_scan action wait for a scan unless
// told otherwise; defaultScanWaitText is how their descriptions spell it.
const defaultScanWait = 30 * time.Minute

var defaultScanWaitText = strconv.Itoa(int(defaultScanWait.Minutes())) + "m"

// How the resource finds a scan again after Terraform was killed before it
// could save state.
//
// Terraform records a new resource only when Create returns, so a SIGKILL of
// terraform or of this plugin while the POST is in flight or while Create
// waits leaves a scan on the server that no state knows. The next apply plans
// the same resource from the same configuration, so Create derives the
// Idempotency-Key from that configuration (tenant as requested, scan type,
// triggers) and a generation number instead of drawing a random one: the
// POST of the next apply carries the key the killed one sent, and Aether365
// answers with that scan again instead of starting another.
//
// A replayed scan is adopted only while it is queued or running and no other
// resource of this provider process has it. A finished one belongs to an
// earlier life of the resource (replaced, tainted or destroyed), so Create
// moves on to the next generation's key, until one starts a new scan. A scan
// this process started, adopted or forgot (Delete, as in a replacement) is
// never adopted again, so two resources with the same arguments get a scan
// each and a replacement never gets back the scan it replaces.
//
// This rests on two assumptions the API documentation does not spell out but
// aether365-sim implements: Aether365 keeps an Idempotency-Key, per API key,
// for at least as long as a scan runs, and marks a replay with
// "Idempotent-Replayed: true".

// maxStartKeyGenerations bounds the keys one Create tries. Each finished scan
// with the same arguments costs one generation (one POST answered at once);
// past the bound Create falls back to a random key and cannot adopt.
const maxStartKeyGenerations = 32

// scanClaims are the scans this provider process has handed to a resource or
// forgotten. Terraform runs one plugin process per provider configuration for
// the whole apply, so a replacement's Delete and Create meet here.
type scanClaims struct {
	mu    sync.Mutex
	ids   map[string]bool
	walks map[string]*sync.Mutex
}

// lockWalk serialises the Creates that derive keys from the same base, so
// that of two identical resources one claims a scan before the other is
// answered with it.
func (c *scanClaims) lockWalk(base string) (unlock func()) {
	if c == nil {
		return func() {}
	}
	c.mu.Lock()
	if c.walks == nil {
		c.walks = map[string]*sync.Mutex{}
	}
	walk, ok := c.walks[base]
	if !ok {
		walk = &sync.Mutex{}
		c.walks[base] = walk
	}
	c.mu.Unlock()
	walk.Lock()
	return walk.Unlock
}

// claim marks id as taken and reports whether it was free.
func (c *scanClaims) claim(id string) bool {
	if c == nil {
		return true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ids == nil {
		c.ids = map[string]bool{}
	}
	if c.ids[id] {
		return false
	}
	c.ids[id] = true
	return true
}

// startKeyBase is the part of every Idempotency-Key of one resource that the
// configuration decides: the tenant as requested, the scan type and the
// triggers. It is a hash, so no configuration value reaches the header.
func startKeyBase(tenant, scanType string, triggers map[string]string) string {
	h := sha256.New()
	write := func(s string) { fmt.Fprintf(h, "%d:%s;", len(s), s) }
	write(tenant)
	write(scanType)
	names := make([]string, 0, len(triggers))
	for name := range triggers {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		write(name)
		write(triggers[name])
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

func startKey(base string, generation int) string {
	return fmt.Sprintf("tf-aether365-v1-%s-%d", base, generation)
}

// startedScan is what startOrAdopt found: a new scan, or one an earlier,
// killed apply started; key is the last Idempotency-Key sent.
type startedScan struct {
	scan    *aether365.Scan
	adopted bool
	key     string
}

// startOrAdopt starts the resource's scan, or adopts the still-running scan a
// killed apply started with the same key (see the comment at the top).
func (r *scanResource) startOrAdopt(ctx context.Context, tenant, scanType string, triggers map[string]string) (startedScan, error) {
	base := startKeyBase(tenant, scanType, triggers)
	defer r.data.claims.lockWalk(base)()
	for generation := range maxStartKeyGenerations {
		key := startKey(base, generation)
		scan, replayed, err := r.data.client.StartScanOrReplay(ctx, tenant, scanType, key)
		switch {
		case errors.Is(err, aether365.ErrConflict):
			// The key was used for another request (the tenant "me" stood for
			// may have changed): it cannot be ours.
			continue
		case err != nil:
			return startedScan{key: key}, err
		case !r.data.claims.claim(scan.ID):
			// Started, adopted or forgotten by this process: never twice.
		case !replayed:
			return startedScan{scan: scan, key: key}, nil
		case !scan.IsTerminal():
			return startedScan{scan: scan, adopted: true, key: key}, nil
		}
		tflog.Debug(ctx, "Idempotency key belongs to an earlier scan of this resource; trying the next",
			map[string]any{"idempotency_key": key, "earlier_scan_id": scan.ID, "earlier_status": scan.Status})
	}
	key, err := uuid.GenerateUUID()
	if err != nil {
		return startedScan{}, fmt.Errorf("generating an idempotency key: %w", err)
	}
	tflog.Warn(ctx, "Every derived idempotency key is taken by an earlier scan; starting this one with a random key, "+
		"which a later apply cannot find again if this one is killed. Change triggers to start a fresh series.",
		map[string]any{"generations": maxStartKeyGenerations})
	scan, err := r.data.startScan(ctx, tenant, scanType, key)
	if err != nil {
		return startedScan{key: key}, err
	}
	return startedScan{scan: scan, key: key}, nil
}

// startScan sends the POST that starts a scan with the caller's key. ctx
// alone bounds it, retries included, and an interrupt cancels it at once:
// finishing the request first would keep Ctrl-C waiting on a slow server,
// and the key is what finds the scan again.
func (pd *providerData) startScan(ctx context.Context, tenant, scanType, idempotencyKey string) (*aether365.Scan, error) {
	scan, err := pd.client.StartScan(ctx, tenant, scanType, idempotencyKey)
	if err == nil {
		pd.claims.claim(scan.ID)
	}
	return scan, err
}
