// Package provider maps Terraform configuration onto the Aether365 API client.
// It holds schema, validation and conversion only: every request goes through
// internal/aether365.
package provider

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/aether365/terraform-provider-aether365/internal/aether365"
)

// Environment variables read when the matching provider argument is not set.
const (
	envAPIKey            = "AETHER365_API_KEY"
	envBaseURL           = "AETHER365_BASE_URL"
	envTenantID          = "AETHER365_TENANT_ID"
	envMaxRetries        = "AETHER365_MAX_RETRIES"
	envAllowInsecureHTTP = "AETHER365_ALLOW_INSECURE_HTTP"
	envRequestsPerSecond = "AETHER365_REQUESTS_PER_SECOND"
	envMaxReadMiB        = "AETHER365_MAX_READ_MIB"
)

// maxReadMiBLimit (1 TiB) keeps max_read_mib's byte count far from overflow.
const maxReadMiBLimit = 1 << 20

var (
	_ provider.Provider                  = (*aether365Provider)(nil)
	_ provider.ProviderWithFunctions     = (*aether365Provider)(nil)
	_ provider.ProviderWithActions       = (*aether365Provider)(nil)
	_ provider.ProviderWithListResources = (*aether365Provider)(nil)
)

// What the provider's resources, data sources, actions and list resources
// implement beyond the basics.
var (
	_ resource.ResourceWithConfigure     = (*scanResource)(nil)
	_ resource.ResourceWithImportState   = (*scanResource)(nil)
	_ resource.ResourceWithModifyPlan    = (*scanResource)(nil)
	_ datasource.DataSourceWithConfigure = (*scanDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*scansDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*scanComparisonDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*scanResultsDataSource)(nil)
	_ action.ActionWithConfigure         = (*runScanAction)(nil)
	_ action.ActionWithValidateConfig    = (*runScanAction)(nil)
	_ action.ActionWithModifyPlan        = (*runScanAction)(nil)
	_ list.ListResourceWithConfigure     = (*scanListResource)(nil)
)

// New returns a constructor for the provider, as providerserver expects.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &aether365Provider{version: version}
	}
}

type aether365Provider struct {
	version string
	// data is what Configure handed to resources and data sources, for the
	// data source that NewProtocol6Server serves outside the framework.
	data *providerData
}

type providerModel struct {
	APIKey            types.String  `tfsdk:"api_key"`
	BaseURL           types.String  `tfsdk:"base_url"`
	TenantID          types.String  `tfsdk:"tenant_id"`
	MaxRetries        types.Int64   `tfsdk:"max_retries"`
	AllowInsecureHTTP types.Bool    `tfsdk:"allow_insecure_http"`
	RequestsPerSecond types.Float64 `tfsdk:"requests_per_second"`
	MaxReadMiB        types.Int64   `tfsdk:"max_read_mib"`
}

// providerData is what Configure hands to every resource, data source and
// function: one client (and so one connection pool and one rate limiter) per
// provider block.
type providerData struct {
	client        *aether365.Client
	defaultTenant string
	// claims are the scans this process started, adopted or forgot.
	claims *scanClaims
}

func (p *aether365Provider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "aether365"
	resp.Version = p.version
}

func (p *aether365Provider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The Aether365 provider runs and reads security-posture scans of Microsoft 365 tenants, " +
			"so Terraform can gate a deployment on the tenant's score. Every argument can also be set through an " +
			"environment variable; an argument in the provider block wins over its variable.",
		Attributes: map[string]schema.Attribute{
			"api_key": schema.StringAttribute{
				MarkdownDescription: "Aether365 API key, sent as a Bearer token (generate one in Aether365 under " +
					"*Settings > API Keys*). Falls back to `" + envAPIKey + "`. Required one way or the other. " +
					"Sensitive: it never appears in plans, state or logs.",
				Optional:  true,
				Sensitive: true,
			},
			"base_url": schema.StringAttribute{
				MarkdownDescription: "Base URL of the Aether365 API. Falls back to `" + envBaseURL + "`, then `" +
					aether365.DefaultBaseURL + "`. Point it at `aether365-sim` (for example `http://127.0.0.1:8365`) " +
					"to test offline. Plain `http://` is accepted only for loopback hosts unless `allow_insecure_http` is set.",
				Optional:   true,
				Validators: []validator.String{baseURLValidator{}},
			},
			"tenant_id": schema.StringAttribute{
				MarkdownDescription: "Aether365 account that resources and data sources use when they do not name one. " +
					"`me` (the default) is the API key's own account, the only one a key may see; its ID (`t_...`) " +
					"means the same. Several Microsoft 365 tenants of one account are told apart by `connection_id`. " +
					"Falls back to `" + envTenantID + "`. Must be a plain ID: not empty, no `/`.",
				Optional:   true,
				Validators: []validator.String{idValidator()},
			},
			"max_retries": schema.Int64Attribute{
				CustomType: wholeNumber,
				MarkdownDescription: fmt.Sprintf("How many times a failed request is retried (on HTTP 502, 503, 504, a "+
					"429 other than the scan quota, and connection errors, with capped exponential backoff that honours "+
					"`Retry-After` when a server sends it). Default %d; `0` turns retries off. Falls back to `%s`. The "+
					"scan quota (429 `SCAN_PLAN_LIMIT_REACHED`) is never retried. A retried start of a scan whose first "+
					"answer was lost meets 409 `SCAN_ALREADY_RUNNING` and takes that scan, so it does not start a second "+
					"one while the first runs.", aether365.DefaultMaxRetries, envMaxRetries),
				Optional:   true,
				Validators: []validator.Int64{int64validator.Between(0, aether365.MaxRetriesLimit)},
			},
			"allow_insecure_http": schema.BoolAttribute{
				MarkdownDescription: "Allow `base_url` to use plain `http://` with a host that is not loopback. Off by " +
					"default, because the API key would cross the network in clear text. Falls back to `" +
					envAllowInsecureHTTP + "`.",
				Optional: true,
			},
			"requests_per_second": schema.Float64Attribute{
				MarkdownDescription: "Client-side limit on requests per second, shared by every resource and data " +
					"source of this provider block, so that a large `for_each` stays polite to the API (its reference " +
					"publishes no request rate limit; a 429 other than the scan quota is retried). Default `0` (no " +
					"limit). Falls back to `" +
					envRequestsPerSecond + "`.",
				Optional:   true,
				Validators: []validator.Float64{float64AtLeast(0)},
			},
			"max_read_mib": schema.Int64Attribute{
				CustomType: wholeNumber,
				MarkdownDescription: fmt.Sprintf("Most response data, in MiB, that one read may take: one request, or "+
					"all pages of one listing together (such as every result read by `aether365_scan_results`). "+
					"Default %d. A read that needs more fails and says so; narrow it with filters or `max_results`, "+
					"or raise this. Falls back to `%s`.", aether365.DefaultMaxReadBytes>>20, envMaxReadMiB),
				Optional:   true,
				Validators: []validator.Int64{int64validator.Between(1, maxReadMiBLimit)},
			},
		},
	}
}

func (p *aether365Provider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var config providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	settings, ok := settingsFrom(config, &resp.Diagnostics)
	if !ok {
		return
	}
	client, err := aether365.New(aether365.Config{
		BaseURL:           settings.baseURL,
		APIKey:            settings.apiKey,
		UserAgent:         fmt.Sprintf("terraform-provider-aether365/%s Terraform/%s", p.version, req.TerraformVersion),
		AllowInsecureHTTP: settings.allowInsecureHTTP,
		MaxRetries:        new(int(settings.maxRetries)),
		MaxReadBytes:      settings.maxReadMiB << 20,
		Logger:            newTflogLogger(settings.apiKey),
		RequestsPerSecond: settings.requestsPerSecond,
	})
	if err != nil {
		addClientConfigError(&resp.Diagnostics, err)
		return
	}

	tflog.Debug(ctx, "Configured Aether365 client", map[string]any{
		"base_url": settings.baseURL, "tenant_id": settings.tenant, "max_retries": settings.maxRetries,
		"requests_per_second": settings.requestsPerSecond,
	})
	data := &providerData{client: client, defaultTenant: settings.tenant, claims: &scanClaims{}}
	resp.DataSourceData = data
	resp.ResourceData = data
	resp.ActionData = data
	resp.ListResourceData = data
	p.data = data
}

// providerSettings are the provider's arguments once each has fallen back to
// its environment variable or default and passed its checks.
type providerSettings struct {
	apiKey, baseURL, tenant string
	maxRetries, maxReadMiB  int64
	allowInsecureHTTP       bool
	requestsPerSecond       float64
}

// settingsFrom resolves the provider block, adding an error naming the
// argument (and its variable) for each value that cannot be used.
func settingsFrom(config providerModel, diags *diag.Diagnostics) (providerSettings, bool) {
	for name, value := range map[string]interface{ IsUnknown() bool }{
		"api_key": config.APIKey, "base_url": config.BaseURL, "tenant_id": config.TenantID,
		"max_retries": config.MaxRetries, "allow_insecure_http": config.AllowInsecureHTTP,
		"requests_per_second": config.RequestsPerSecond, "max_read_mib": config.MaxReadMiB,
	} {
		if value.IsUnknown() {
			diags.AddAttributeError(path.Root(name), "Unknown Aether365 Provider Argument",
				fmt.Sprintf("The provider cannot be configured because %q depends on a value that is only known "+
					"after apply. Set it to a literal, a variable or an environment variable instead.", name))
		}
	}
	if diags.HasError() {
		return providerSettings{}, false
	}

	s := providerSettings{
		apiKey:  stringOrEnv(config.APIKey, envAPIKey, ""),
		baseURL: stringOrEnv(config.BaseURL, envBaseURL, aether365.DefaultBaseURL),
		tenant:  stringOrEnv(config.TenantID, envTenantID, aether365.DefaultTenant),
	}
	if s.apiKey == "" {
		diags.AddAttributeError(path.Root("api_key"), "Missing Aether365 API Key",
			"The provider needs an API key to call Aether365. Set api_key in the provider block (from a "+
				"sensitive variable) or the "+envAPIKey+" environment variable. Keys are created in Aether365 "+
				"under Settings > API Keys.")
		return providerSettings{}, false
	}
	if s.baseURL == "" {
		// Set but empty: falling back to the default would send the key to
		// the production API when the author meant another (often a variable
		// left empty for aether365-sim).
		diags.AddAttributeError(path.Root("base_url"), "Empty Aether365 Base URL",
			"base_url is set but empty, so the provider cannot tell which API to call with the key. Set the API's "+
				"URL (for example http://127.0.0.1:8365 for aether365-sim), or remove base_url to use "+envBaseURL+
				" or "+aether365.DefaultBaseURL+".")
		return providerSettings{}, false
	}
	invalid := func(ok bool, name, env, want string) {
		if !ok {
			diags.AddAttributeError(path.Root(name), "Invalid "+env, env+" must be "+want)
		}
	}
	var ok bool
	s.maxRetries, ok = orEnv(config.MaxRetries.IsNull(), config.MaxRetries.ValueInt64(), envMaxRetries, aether365.DefaultMaxRetries, wholeNumberFrom(0, aether365.MaxRetriesLimit))
	invalid(ok, "max_retries", envMaxRetries, fmt.Sprintf("a whole number between 0 and %d, for example %d.",
		aether365.MaxRetriesLimit, aether365.DefaultMaxRetries))
	s.allowInsecureHTTP, ok = orEnv(config.AllowInsecureHTTP.IsNull(), config.AllowInsecureHTTP.ValueBool(), envAllowInsecureHTTP, false, parseBool)
	invalid(ok, "allow_insecure_http", envAllowInsecureHTTP, "true or false.")
	s.requestsPerSecond, ok = orEnv(config.RequestsPerSecond.IsNull(), config.RequestsPerSecond.ValueFloat64(), envRequestsPerSecond, 0, nonNegativeNumber)
	invalid(ok, "requests_per_second", envRequestsPerSecond, "a number of requests per second, 0 or more, for example 10.")
	// 0 leaves the client's default limit.
	s.maxReadMiB, ok = orEnv(config.MaxReadMiB.IsNull(), config.MaxReadMiB.ValueInt64(), envMaxReadMiB, 0, wholeNumberFrom(1, maxReadMiBLimit))
	invalid(ok, "max_read_mib", envMaxReadMiB, fmt.Sprintf("a whole number of MiB from 1 to %d, for example 512.", maxReadMiBLimit))
	if problem := pathSegmentProblem(s.tenant); problem != "" {
		diags.AddAttributeError(path.Root("tenant_id"), "Invalid Aether365 Tenant ID",
			fmt.Sprintf("The provider's tenant_id (or %s) %s. Use \"me\" for the API key's own tenant, or a "+
				"tenant ID exactly as Aether365 shows it.", envTenantID, problem))
	}
	return s, !diags.HasError()
}

// baseURLValidator refuses at plan time, when base_url is known then, what
// the client would refuse when Configure builds it (aether365.CheckBaseURL),
// with the same diagnostic. An empty base_url is left to settingsFrom, and
// plain http to a remote host to the client: both depend on more than
// base_url.
type baseURLValidator struct{}

func (baseURLValidator) Description(context.Context) string {
	return "must be scheme://host[:port] alone: no path, query, fragment or credentials"
}

func (v baseURLValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (baseURLValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() || strings.TrimSpace(req.ConfigValue.ValueString()) == "" {
		return
	}
	if err := aether365.CheckBaseURL(req.ConfigValue.ValueString()); err != nil {
		addClientConfigError(&resp.Diagnostics, err)
	}
}

func (p *aether365Provider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewScanResource,
		NewScheduledScanResource,
		NewNotificationSettingsResource,
		NewTenantProfileResource,
	}
}

// Actions need Terraform 1.14.1 or later; older Terraform and OpenTofu
// ignore them.
func (p *aether365Provider) Actions(_ context.Context) []func() action.Action {
	return []func() action.Action{
		NewRunScanAction,
		NewActivateConnectionAction,
	}
}

// List resources (terraform query) need Terraform 1.14.1 or later.
func (p *aether365Provider) ListResources(_ context.Context) []func() list.ListResource {
	return []func() list.ListResource{
		NewScanListResource,
		NewScheduledScanListResource,
	}
}

func (p *aether365Provider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewScanDataSource,
		NewScansDataSource,
		NewScanResultsDataSource,
		NewScanResultDataSource,
		NewScanComparisonDataSource,
		NewScheduledScansDataSource,
		NewTenantDataSource,
		NewConnectionsDataSource,
		NewPoliciesDataSource,
		NewThreatsDataSource,
	}
}

func (p *aether365Provider) Functions(_ context.Context) []func() function.Function {
	return []func() function.Function{
		NewResultsCSVFunction,
	}
}

func stringOrEnv(v types.String, env, fallback string) string {
	if !v.IsNull() {
		return strings.TrimSpace(v.ValueString())
	}
	if s := strings.TrimSpace(os.Getenv(env)); s != "" {
		return s
	}
	return fallback
}

// orEnv returns the argument when it is set (not null); otherwise the
// variable env parsed, or unset when env is empty. It reports false when env
// holds a value parse rejects.
func orEnv[T any](null bool, argument T, env string, unset T, parse func(string) (T, bool)) (T, bool) {
	if !null {
		return argument, true
	}
	s := strings.TrimSpace(os.Getenv(env))
	if s == "" {
		return unset, true
	}
	return parse(s)
}

func wholeNumberFrom(least, most int64) func(string) (int64, bool) {
	return func(s string) (int64, bool) {
		n, err := strconv.ParseInt(s, 10, 64)
		return n, err == nil && n >= least && n <= most
	}
}

func parseBool(s string) (bool, bool) {
	b, err := strconv.ParseBool(s)
	return b, err == nil
}

func nonNegativeNumber(s string) (float64, bool) {
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil && f >= 0
}

// tenantOr returns the configured tenant, or the provider's default when the
// attribute is null or empty.
func (pd *providerData) tenantOr(v types.String) string {
	if !v.IsNull() && !v.IsUnknown() && v.ValueString() != "" {
		return v.ValueString()
	}
	return pd.defaultTenant
}

// configured reports whether Configure ran, adding the error that says so when
// it did not; every Create, Read and Update starts with it.
func (pd *providerData) configured(diags *diag.Diagnostics) bool {
	if pd == nil {
		diags.AddError("Provider Not Configured", "The aether365 provider was not configured; check the provider block.")
		return false
	}
	return true
}
