package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aether365/terraform-provider-aether365/api"
	"github.com/aether365/terraform-provider-aether365/internal/aether365"
)

type apiSettings struct {
	baseURL, apiKey   string
	allowInsecureHTTP bool
}

// addFailuresFromAPI reads the failed results of every completed scan whose
// failures the state does not hold: after a failed postcondition Terraform
// skips everything that depends on the scan, its results data source too.
func addFailuresFromAPI(ctx context.Context, report *Report, settings apiSettings) error {
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
		if scan.TopFailuresSource == "state" || scan.ID == "" || scan.Status != aether365.ScanStatusCompleted {
			continue
		}
		results, _, err := client.ListResults(ctx, scan.ID, aether365.ListResultsOptions{Result: string(api.ResultValueFailed)})
		if err != nil {
			errs = append(errs, fmt.Errorf("scan %s: %w", scan.ID, err))
			continue
		}
		scan.TopFailures = make([]Failure, 0, len(results))
		for i := range results {
			r := &results[i]
			fields := map[string]string{
				"test_id": r.TestID, "title": r.Title, "severity": string(r.Severity), "framework": string(r.Framework),
				"remediation_steps": r.RemediationSteps, "help_url": r.HelpURL,
			}
			scan.TopFailures = append(scan.TopFailures, failureFrom(func(name string) string { return fields[name] }))
		}
		scan.TopFailuresSource = "api"
	}
	return errors.Join(errs...)
}
