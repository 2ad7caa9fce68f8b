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
