package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/aether365/terraform-provider-aether365/internal/aether365"
)

// tflogLogger forwards the API client's log events to tflog, so they obey
// TF_LOG/TF_LOG_PROVIDER and carry the request's context. The key is masked
// on every event as a second line of defence: the client never logs it, but
// a server could echo it back in an error message.
type tflogLogger struct {
	apiKey string
}

var _ aether365.Logger = tflogLogger{}

func newTflogLogger(apiKey string) tflogLogger { return tflogLogger{apiKey: apiKey} }

func (l tflogLogger) Log(ctx context.Context, level aether365.LogLevel, msg string, fields map[string]any) {
	ctx = l.mask(ctx)
	switch level {
	case aether365.LogTrace:
		tflog.Trace(ctx, msg, fields)
	case aether365.LogDebug:
		tflog.Debug(ctx, msg, fields)
	case aether365.LogInfo:
		tflog.Info(ctx, msg, fields)
	case aether365.LogWarn:
		tflog.Warn(ctx, msg, fields)
	default:
		tflog.Error(ctx, msg, fields)
	}
}

func (l tflogLogger) mask(ctx context.Context) context.Context {
	if l.apiKey == "" {
		return ctx
	}
	ctx = tflog.MaskMessageStrings(ctx, l.apiKey)
	ctx = tflog.MaskAllFieldValuesStrings(ctx, l.apiKey)
	return tflog.MaskFieldValuesWithFieldKeys(ctx, "authorization", "Authorization", "api_key")
}

// warnPollError is a wait's OnPollError: each failed poll the wait still
// tolerates is a warning at once, so an API that went away shows in the log
// long before the wait gives up on it.
func warnPollError(scanID string) func(ctx context.Context, err error, failedInRow, giveUpAfter int) {
	return func(ctx context.Context, err error, failedInRow, giveUpAfter int) {
		tflog.Warn(ctx, "Polling Aether365 scan failed; still waiting", map[string]any{
			"scan_id": scanID, "error": err.Error(), "failed_in_row": failedInRow, "give_up_after": giveUpAfter,
		})
	}
}

// checkedTenant is the tenant an answer about a scan can be checked
// against: "" for "me", which is no tenant ID the answer could repeat.
func checkedTenant(tenant string) string {
	if tenant == aether365.DefaultTenant {
		return ""
	}
	return tenant
}
