package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/aether365/terraform-provider-aether365/internal/aether365"
)

// addAPIError turns a client error into one diagnostic whose summary names
// the failed action and whose detail says what the user can do about it,
// ending with the original error (the convention of terraform-provider-random).
func addAPIError(diags *diag.Diagnostics, action string, err error) {
	diags.AddError(apiErrorSummary(action, err), apiErrorAdvice(err)+"\n\nOriginal error: "+err.Error())
}

func apiErrorSummary(action string, err error) string {
	switch {
	case errors.Is(err, aether365.ErrUnauthorized):
		return "Aether365 Rejected the API Key"
	case errors.Is(err, aether365.ErrForbidden):
		return "Aether365 Tenant Not Accessible"
	case errors.Is(err, aether365.ErrValidation):
		return "Aether365 Rejected the Request"
	case errors.Is(err, context.DeadlineExceeded):
		return "Timed Out " + action
	case errors.Is(err, context.Canceled):
		return "Interrupted " + action
	}
	return "Error " + action
}

func apiErrorAdvice(err error) string {
	switch {
	case errors.Is(err, aether365.ErrUnauthorized):
		return "The API answered 401 UNAUTHORIZED: the key in api_key (or " + envAPIKey + ") is missing, " +
			"mistyped, revoked or expired. Create a new key in Aether365 under Settings > API Keys."
	case errors.Is(err, aether365.ErrForbidden):
		return "The API key may not see this tenant. Check tenant_id here and in the provider block (or " +
			envTenantID + "); \"me\" always means the key's own tenant."
	case errors.Is(err, aether365.ErrValidation):
		return "Aether365 found a value it does not accept; the message below names it. Correct that " +
			"argument and run Terraform again."
	case errors.Is(err, aether365.ErrNotFound):
		return "Aether365 has no such object for this API key. Check the ID and the tenant it belongs to."
	case errors.Is(err, aether365.ErrRateLimited):
		return "Aether365 kept answering 429 RATE_LIMITED after every retry. Lower requests_per_second in the " +
			"provider block, reduce parallelism (terraform apply -parallelism=N), or raise max_retries."
	case errors.Is(err, aether365.ErrServiceUnavailable):
		return "Aether365 was unavailable and stayed so after every retry. Try again in a few minutes; raise " +
			"max_retries if this happens often."
	case errors.Is(err, aether365.ErrInconsistentPages):
		return "Aether365 changed the list while it was being read (the total or the page count changed, or a " +
			"page repeated items), so the result would have gaps or duplicates. Run Terraform again; if it " +
			"persists, report the request IDs below to Aether365 support."
	case errors.Is(err, aether365.ErrMalformedResponse):
		return "The answer did not look like the Aether365 API at all (for example an HTML page from a proxy). " +
			"Check that base_url points at the API, and any proxy between Terraform and it."
	case errors.Is(err, context.DeadlineExceeded):
		return "The operation ran out of time. Raise the timeout and try again."
	case errors.Is(err, context.Canceled):
		return "Terraform was interrupted before the operation finished."
	}
	return "The request to Aether365 failed. If the problem persists, run with TF_LOG=debug and report the " +
		"request ID shown below to Aether365 support."
}

// addClientConfigError reports why the API client could not be built,
// attached to the provider argument the user has to change.
func addClientConfigError(diags *diag.Diagnostics, err error) {
	var cfgErr *aether365.ConfigError
	switch {
	case errors.Is(err, aether365.ErrMissingAPIKey):
		diags.AddAttributeError(path.Root("api_key"), "Missing Aether365 API Key",
			"Set api_key in the provider block or the "+envAPIKey+" environment variable.")
	case errors.Is(err, aether365.ErrInsecureHTTP):
		diags.AddAttributeError(path.Root("base_url"), "Insecure Aether365 Base URL",
			"base_url uses plain http:// with a host that is not loopback, so the API key would cross the "+
				"network unencrypted. Use https://, or set allow_insecure_http = true (or "+
				envAllowInsecureHTTP+"=true) if you really mean it.\n\nOriginal error: "+err.Error())
	case errors.As(err, &cfgErr) && cfgErr.Field == "APIKey":
		diags.AddAttributeError(path.Root("api_key"), "Invalid Aether365 API Key",
			"api_key (or "+envAPIKey+") contains whitespace or control characters inside it. Paste the key "+
				"exactly as Aether365 shows it; if it comes from a file, wrap it in trimspace().")
	case errors.As(err, &cfgErr) && cfgErr.Field == "BaseURL":
		diags.AddAttributeError(path.Root("base_url"), "Invalid Aether365 Base URL",
			fmt.Sprintf("base_url (or %s) must be an absolute http(s) URL such as %s or http://127.0.0.1:8365 "+
				"for aether365-sim.\n\nOriginal error: %s", envBaseURL, aether365.DefaultBaseURL, err))
	default:
		diags.AddError("Unable to Create Aether365 Client",
			"The provider could not build its API client.\n\nOriginal error: "+err.Error())
	}
}

// addUnexpectedProviderData reports a programming error in the provider
// itself; users should never see it.
func addUnexpectedProviderData(diags *diag.Diagnostics, err error) {
	diags.AddError("Unexpected Provider Data", err.Error())
}
