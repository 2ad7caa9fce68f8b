package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aether365/terraform-provider-aether365/internal/aether365"
)

type apiSettings struct {
	baseURL, apiKey   string
	allowInsecureHTTP bool
}

// addFromAPI reads from the API what the state lacks: the results of every
// completed scan whose results the state does not hold (after a failed
// postcondition Terraform skips everything that depends on the scan, its
// results data source too), and the account of every scan the state
// records under "me".
func addFromAPI(ctx context.Context, report *Report, settings apiSettings) error {
	if strings.TrimSpace(settings.apiKey) == "" {
		return errors.New("AETHER365_API_KEY is not set")
	}
	client, err := aether365.New(aether365.Config{
		BaseURL:           strings.TrimSpace(settings.baseURL),
		APIKey:            strings.TrimSpace(settings.apiKey),
		UserAgent:         "aether365-report",
		AllowInsecureHTTP: settings.allowInsecureHTTP,
	})
	if err != nil {
		return err
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
		if scan.TopFailuresSource == "state" || scan.Status != aether365.ScanStatusCompleted {
			continue
		}
		// Every result, not only the failed ones: JUnit lists each check.
		results, _, err := client.ListResults(ctx, scan.ID, aether365.ListResultsOptions{})
		if err != nil {
			errs = append(errs, fmt.Errorf("scan %s: %w", scan.ID, err))
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
		scan.TopFailuresSource = "api"
	}
	return errors.Join(errs...)
}
