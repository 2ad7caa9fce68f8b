package provider

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/aether365/terraform-provider-aether365/internal/aether365"
)

// defaultScanWait is how long the aether365_scan resource (its create and
// update timeouts) and the aether365_run_scan action wait for a scan unless
// told otherwise; defaultScanWaitText is how their descriptions spell it. It
// is above the 30 minutes after which Aether365 itself fails a scan, so that
// the wait ends with the server's verdict rather than just before it.
const defaultScanWait = 45 * time.Minute

var defaultScanWaitText = strconv.Itoa(int(defaultScanWait.Minutes())) + "m"

// How a scan is started, and found again after Terraform was killed.
//
// Aether365 runs one scan at a time per tenant: a trigger while one is in
// progress is answered 409 SCAN_ALREADY_RUNNING (published). The client's
// StartOrAdoptScan then finds the running scan and, when it is of the
// requested type, adopts it; a scan of another type is waited for, and the
// trigger sent again, all within the create timeout.
//
// That is also what makes a killed apply safe. Terraform records a new
// resource only when Create returns, so a SIGKILL of terraform or of this
// plugin while the POST is in flight or while Create waits leaves a scan on
// the server that no state knows. It is still the tenant's running scan, so
// the next apply's trigger meets the 409 and adopts it instead of starting a
// second one. Once it has finished, the next apply starts a new scan.
//
// A scan this provider process started, adopted or forgot (Delete, as in a
// replacement) is never adopted again: two resources of one apply on the same
// tenant and type get a scan each (the second waits for the first to end),
// and a replacement never gets back the scan it replaces.

// scanClaims are the scans this provider process has handed to a resource or
// forgotten. Terraform runs one plugin process per provider configuration for
// the whole apply, so a replacement's Delete and Create meet here.
type scanClaims struct {
	mu  sync.Mutex
	ids map[string]bool
	// starts serialises the starts on one tenant and connection, so that a
	// scan is claimed by the Create that started it before another Create's
	// 409 can find it running and adopt it.
	starts map[string]*sync.Mutex
	// listed are the scans the list calls of this process returned, by
	// call: terraform query runs one process for all the list blocks of a
	// query, and calls List once for each.
	listed map[string]int
	lists  int
}

// newList numbers a List call.
func (c *scanClaims) newList() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lists++
	return c.lists
}

// alsoListed records that List call list returned scan id, and reports
// whether an earlier call returned it too.
func (c *scanClaims) alsoListed(id string, list int) bool {
	if c == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.listed == nil {
		c.listed = map[string]int{}
	}
	if earlier, ok := c.listed[id]; ok && earlier != list {
		return true
	}
	c.listed[id] = list
	return false
}

// lockStart takes the start lock of one tenant and connection.
func (c *scanClaims) lockStart(tenant, connectionID string) (unlock func()) {
	if c == nil {
		return func() {}
	}
	key := tenant + "\x00" + connectionID
	c.mu.Lock()
	if c.starts == nil {
		c.starts = map[string]*sync.Mutex{}
	}
	lock, ok := c.starts[key]
	if !ok {
		lock = &sync.Mutex{}
		c.starts[key] = lock
	}
	c.mu.Unlock()
	lock.Lock()
	return lock.Unlock
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

// startOrAdopt starts a scan of req, or adopts the tenant's running scan of
// the same type that no resource of this process has (see the comment at
// the top). ctx bounds it all, an interrupt included: the scan a cancelled
// POST may have started is found again by the next apply.
func (pd *providerData) startOrAdopt(ctx context.Context, req aether365.StartScanRequest) (aether365.StartedScan, error) {
	defer pd.claims.lockStart(req.Tenant, req.ConnectionID)()
	started, err := pd.client.StartOrAdoptScan(ctx, req, aether365.StartOptions{
		MayAdopt: func(running *aether365.Scan) bool { return pd.claims.claim(running.ID) },
		OnWaiting: func(ctx context.Context, running *aether365.Scan) {
			tflog.Warn(ctx, "The tenant is already running another Aether365 scan; waiting for it to end before "+
				"starting this one (Aether365 runs one scan at a time)", map[string]any{
				"running_scan_id": running.ID, "running_scan_type": string(running.ScanType)})
		},
		Wait: aether365.WaitOptions{Tenant: checkedTenant(req.Tenant)},
	})
	if err == nil && !started.Adopted {
		pd.claims.claim(started.Scan.ID)
	}
	return started, err
}

// scheduleFiredWithin is how far apart a schedule's lastTriggeredAt and the
// started_at of the scan it started may be for the one to be taken as the
// cause of the other: an assumption, marked on lastTriggeredAt in
// api/aether365.openapi.yaml (the reference does not relate the two times).
const scheduleFiredWithin = time.Minute

// scheduleThatStarted returns the account's schedule that fired when scan
// started, or nil when none did or the schedules cannot be read (a key
// without that scope, say): it only sharpens a warning, so it never fails.
func (pd *providerData) scheduleThatStarted(ctx context.Context, scan *aether365.Scan) *aether365.ScheduledScan {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	schedules, err := pd.client.ListScheduledScans(ctx)
	if err != nil {
		tflog.Debug(ctx, "Could not read the scheduled scans to say which one started the adopted scan",
			map[string]any{"error": err.Error()})
		return nil
	}
	for i, schedule := range schedules {
		fired := schedule.LastTriggeredAt
		if schedule.ScanType == scan.ScanType && fired != nil &&
			fired.Sub(scan.StartedAt).Abs() <= scheduleFiredWithin {
			return &schedules[i]
		}
	}
	return nil
}
