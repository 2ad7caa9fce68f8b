package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/aether365/terraform-provider-aether365/internal/aether365"
)

// NewScheduledScanListResource returns the aether365_scheduled_scan list
// resource, which finds the custom schedules for terraform query.
func NewScheduledScanListResource() list.ListResource {
	return &scheduledScanListResource{}
}

type scheduledScanListResource struct {
	resourceBase
}

func (l *scheduledScanListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_scheduled_scan"
}

func (l *scheduledScanListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Finds the account's custom scheduled scans with `terraform query`, so they can be " +
			"imported as `aether365_scheduled_scan` resources (`terraform query -generate-config-out=schedules.tf`). " +
			"The automatic plan schedule is left out: it cannot be managed. Requires Terraform 1.14.1 or later.",
		Attributes: map[string]schema.Attribute{},
	}
}

func (l *scheduledScanListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var diags diag.Diagnostics
	if !l.data.configured(&diags) {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	stream.Results = func(push func(list.ListResult) bool) {
		schedules, err := l.data.client.ListScheduledScans(ctx)
		if err != nil {
			var diags diag.Diagnostics
			addAPIError(&diags, "Listing Aether365 Scheduled Scans", err)
			push(list.ListResult{Diagnostics: diags})
			return
		}
		pushed := int64(0)
		for i := range schedules {
			s := &schedules[i]
			if s.IsPlanSchedule || s.ID == aether365.PlanScheduleID {
				continue
			}
			if ctx.Err() != nil || (req.Limit > 0 && pushed >= req.Limit) {
				return
			}
			if !push(scheduledScanListResult(ctx, req, s)) {
				return
			}
			pushed++
		}
	}
}

// scheduledScanListResult is one found schedule: its identity, a display
// name, and when asked for the state an import of it produces.
func scheduledScanListResult(ctx context.Context, req list.ListRequest, s *aether365.ScheduledScan) list.ListResult {
	result := req.NewListResult(ctx)
	result.DisplayName = fmt.Sprintf("%s (%s %s scan, %s)", s.Name, s.Frequency, s.ScanType, s.ID)
	var m scheduledScanModel
	m.fill(s)
	result.Diagnostics.Append(setScheduledScanIdentity(ctx, result.Identity, m.ID)...)
	if req.IncludeResource {
		result.Diagnostics.Append(result.Resource.Set(ctx, &m)...)
	}
	return result
}
