package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/aether365/terraform-provider-aether365/internal/aether365"
)

type apiSettings struct {
	baseURL, apiKey string
	// maxRetries is AETHER365_MAX_RETRIES as the provider reads it: a
	// whole number from 0 to aether365.MaxRetriesLimit, empty for the
	// client's default.
	maxRetries        string
	allowInsecureHTTP bool
}

// apiErrorSummary is the summary of the report's errors that say a
// -from-api read failed.
const apiErrorSummary = "aether365-report: reading from the Aether365 API (-from-api) failed"

// addFromAPI reads from the API what the state lacks: the results of every
// completed scan whose results the state does not hold (after a failed
// postcondition Terraform skips everything that depends on the scan, its
// results data source too), and the account of every scan the state
// records under "me". It returns every read that failed; a scan whose
// results it could not read says so in its TopFailuresSource.
func addFromAPI(ctx context.Context, report *Report, settings apiSettings) []error {
	client, err := newAPIClient(settings)
	if err != nil {
		for i := range report.Scans {
			if needsResults(&report.Scans[i]) {
				report.Scans[i].TopFailuresSource = "none: reading its results from the API failed: " + err.Error()
			}
		}
		return []error{err}
	}
	var errs []error
	for i := range report.Scans {
		scan := &report.Scans[i]
		if scan.ID == "" {
			continue
		}
		if scan.TenantID == nil {
			read, err := client.GetScan(ctx, scan.ID)
			if err != nil {
				errs = append(errs, fmt.Errorf("scan %s: %w", scan.ID, err))
			} else {
				scan.TenantID = knownTenant(read.TenantID)
			}
		}
		if scan.TopFailuresSource == sourceState {
			continue
		}
		if scan.Status != aether365.ScanStatusCompleted {
			scan.TopFailuresSource = fmt.Sprintf("none: the scan is %s, and only a completed scan has results", firstNonEmpty(scan.Status, "of no status"))
			continue
		}
		// Every result, not only the failed ones: JUnit lists each check.
		results, _, err := client.ListResults(ctx, scan.ID, aether365.ListResultsOptions{})
		if err != nil {
			errs = append(errs, fmt.Errorf("scan %s: %w", scan.ID, err))
			scan.TopFailuresSource = "none: reading its results from the API failed: " + err.Error()
			continue
		}
		scan.results = make([]checkResult, 0, len(results))
		for i := range results {
			r := &results[i]
			fields := map[string]string{
				"test_id": r.TestID, "title": r.Title, "severity": string(r.Severity), "framework": string(r.Framework),
				"remediation_steps": r.RemediationSteps, "help_url": r.HelpURL,
			}
			scan.results = append(scan.results, checkResult{
				Failure: failureFrom(func(name string) string { return fields[name] }),
				outcome: strings.ToLower(string(r.Result)),
			})
		}
		scan.TopFailuresSource = sourceAPI
	}
	return errs
}

// needsResults says whether addFromAPI would read the scan's results.
func needsResults(scan *ScanReport) bool {
	return scan.ID != "" && scan.TopFailuresSource != sourceState && scan.Status == aether365.ScanStatusCompleted
}

func newAPIClient(settings apiSettings) (*aether365.Client, error) {
	if strings.TrimSpace(settings.apiKey) == "" {
		return nil, errors.New("AETHER365_API_KEY is not set")
	}
	config := aether365.Config{
		BaseURL:           strings.TrimSpace(settings.baseURL),
		APIKey:            strings.TrimSpace(settings.apiKey),
		UserAgent:         "aether365-report",
		AllowInsecureHTTP: settings.allowInsecureHTTP,
	}
	if s := strings.TrimSpace(settings.maxRetries); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > aether365.MaxRetriesLimit {
			return nil, fmt.Errorf("AETHER365_MAX_RETRIES is %q: want a whole number between 0 and %d, for example %d",
				s, aether365.MaxRetriesLimit, aether365.DefaultMaxRetries)
		}
		config.MaxRetries = &n
	}
	return aether365.New(config)
}
