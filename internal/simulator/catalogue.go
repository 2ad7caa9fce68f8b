package simulator

import (
	"strconv"
	"strings"

	"github.com/aether365/terraform-provider-aether365/api"
)

// Where a result's help_url points: the CIS benchmark for CIS checks (as
// the reference's example does), Microsoft Learn for Aether365's own.
const (
	cisBenchmarkURL       = "https://www.cisecurity.org/benchmark/microsoft_365"
	learnMicrosoftBaseURL = "https://learn.microsoft.com/en-us/"
)

// Objects a check is evaluated on when a scan repeats it (see control.Object).
const (
	objectUser    = "user"
	objectMailbox = "mailbox"
	objectDomain  = "domain"
	objectSite    = "site"
	objectTeam    = "team"
	objectPolicy  = "policy"
)

// control is one check of the catalogue. A scan evaluates each check once
// for the tenant and, when it needs more results than the catalogue holds,
// again for simulated objects (users, mailboxes, sites...), as a real posture
// scanner does for per-object settings.
type control struct {
	// TestID is CIS.M365.{section}.{subsection}.{item} for a CIS benchmark
	// check, AE.nnnn for Aether365's own.
	TestID    string
	Title     string
	Framework api.Framework
	Severity  api.Severity
	// Object is what a repeated evaluation is about, named in its title.
	Object string
	// Exposure marks the checks an exposure scan evaluates: what an
	// outsider can reach (sign-in, mail, sharing, meetings).
	Exposure bool
	HelpURL  string
	// Steps are the remediation, one instruction each, numbered when served.
	Steps []string
}

// remediation is the result's remediation_steps: "1. ...\n2. ...".
func (c control) remediation() string {
	var b strings.Builder
	for i, step := range c.Steps {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(strconv.Itoa(i + 1))
		b.WriteString(". ")
		b.WriteString(step)
	}
	return b.String()
}

func cis(testID, title string, severity api.Severity, object string, exposure bool, steps ...string) control {
	return control{TestID: "CIS.M365." + testID, Title: title, Framework: api.FrameworkCis, Severity: severity,
		Object: object, Exposure: exposure, HelpURL: cisBenchmarkURL, Steps: steps}
}

func native(testID, title string, framework api.Framework, severity api.Severity, object string, exposure bool, learnPath string, steps ...string) control {
	return control{TestID: "AE." + testID, Title: title, Framework: framework, Severity: severity,
		Object: object, Exposure: exposure, HelpURL: learnMicrosoftBaseURL + learnPath, Steps: steps}
}

const (
	critical = api.SeverityCritical
	high     = api.SeverityHigh
	medium   = api.SeverityMedium
	low      = api.SeverityLow
)

// Portals the remediation steps start from.
const (
	entraAdmin      = "Sign in to the Microsoft Entra admin center as a Global Administrator."
	entraCA         = "Sign in to the Microsoft Entra admin center as a Conditional Access Administrator."
	exchangeShell   = "Connect to Exchange Online PowerShell with Connect-ExchangeOnline as an Exchange Administrator."
	exchangeAdmin   = "Sign in to the Exchange admin center as an Exchange Administrator."
	defenderPortal  = "Sign in to the Microsoft Defender portal as a Security Administrator."
	sharePointAdmin = "Sign in to the SharePoint admin center as a SharePoint Administrator."
	teamsAdmin      = "Sign in to the Teams admin center as a Teams Administrator."
	purviewPortal   = "Sign in to the Microsoft Purview portal as a Compliance Administrator."
	m365Admin       = "Sign in to the Microsoft 365 admin center as a Global Administrator."
	dnsHost         = "Sign in to the DNS hosting provider of each custom domain."
	rescan          = "Run a new scan to confirm the check passes."
)

// catalogue is the fixed list of checks, in the stable order results are
// served in. Changing it changes every generated scan, so append rather than
// reorder if a simulator user depends on exact data.
var catalogue = []control{
	// Identity (Microsoft Entra ID)
	cis("1.1.1", "Multifactor authentication is required for administrative roles", critical, objectUser, false,
		entraCA,
		"Go to Protection > Conditional Access > Policies and create a new policy.",
		"Under Users, include the directory roles Global Administrator, Security Administrator, Exchange Administrator, SharePoint Administrator and the other privileged roles; exclude only the emergency access accounts.",
		"Under Grant, select Require multifactor authentication, set Enable policy to On and save.",
		rescan),
	cis("1.1.6", "Legacy authentication is blocked", critical, objectUser, true,
		entraCA,
		"Create a Conditional Access policy for all users, excluding the emergency access accounts.",
		"Under Conditions > Client apps, select Exchange ActiveSync clients and Other clients.",
		"Under Grant, select Block access, set Enable policy to On and save.",
		rescan),
	cis("1.1.2", "Multifactor authentication is required for all users", high, objectUser, true,
		entraCA,
		"Create a Conditional Access policy that includes All users and excludes only the emergency access accounts.",
		"Under Target resources, include All cloud apps; under Grant, select Require multifactor authentication.",
		"Run the policy in Report-only mode for a week, review the sign-in logs, then set it to On.",
		rescan),
	cis("1.1.3", "Between two and four Global Administrators are assigned", high, objectUser, false,
		entraAdmin,
		"Go to Roles & admins > Global Administrator and review the active assignments.",
		"Remove permanent assignments until two to four remain, and give the other accounts least-privileged roles for their daily tasks.",
		rescan),
	native("1001", "Privileged roles are activated just in time with Privileged Identity Management", api.FrameworkCisa, high, objectUser, false,
		"entra/id-governance/privileged-identity-management/pim-configure",
		entraAdmin,
		"Go to Identity governance > Privileged Identity Management > Microsoft Entra roles.",
		"Convert the permanent assignments of privileged roles to eligible assignments.",
		"In the role settings, require approval and a justification on activation, and limit the activation to eight hours or less."),
	native("1002", "Emergency access accounts are configured and excluded from Conditional Access", api.FrameworkCisa, medium, objectUser, false,
		"entra/identity/role-based-access-control/security-emergency-access",
		entraAdmin,
		"Create two cloud-only accounts on the tenant's onmicrosoft.com domain with long random passwords or FIDO2 keys, and assign them the Global Administrator role.",
		"Exclude both accounts from every Conditional Access policy.",
		"Create an alert on any sign-in of these accounts and store their credentials in a safe."),
	cis("1.1.9", "Sign-in risk and user risk policies are enabled", high, objectUser, false,
		entraCA,
		"Create a Conditional Access policy for all users with the condition Sign-in risk High and Medium, granting access with multifactor authentication.",
		"Create a second policy with the condition User risk High that requires multifactor authentication and a password change.",
		"Set both policies to On.",
		rescan),
	native("1068", "Users cannot consent to applications from unverified publishers", api.FrameworkEidsca, high, objectPolicy, true,
		"entra/identity/enterprise-apps/configure-user-consent",
		entraAdmin,
		"Go to Enterprise applications > Consent and permissions > User consent settings.",
		"Select Allow user consent for apps from verified publishers, for selected permissions, and classify only low-impact permissions.",
		"Under Admin consent settings, turn on admin consent requests and name the reviewers."),
	native("1003", "Self-service password reset is enabled with two methods", api.FrameworkEidsca, low, objectUser, false,
		"entra/identity/authentication/tutorial-enable-sspr",
		entraAdmin,
		"Go to Protection > Password reset > Properties and set Self service password reset enabled to All.",
		"Under Authentication methods, set Number of methods required to reset to 2.",
		rescan),
	native("1004", "Guest user access is restricted to their own directory objects", api.FrameworkEidsca, medium, objectUser, true,
		"entra/identity/users/users-restrict-guest-permissions",
		entraAdmin,
		"Go to External Identities > External collaboration settings.",
		"Set Guest user access to Guest user access is restricted to properties and memberships of their own directory objects, and save.",
		rescan),
	native("1005", "Custom banned passwords are enforced", api.FrameworkEidsca, medium, objectPolicy, false,
		"entra/identity/authentication/concept-password-ban-bad",
		entraAdmin,
		"Go to Protection > Authentication methods > Password protection.",
		"Set Enforce custom list to Yes and add the organisation's names, products and locations to the custom banned password list.",
		rescan),
	native("1006", "Phishing-resistant authentication strength is required for administrators", api.FrameworkCisa, medium, objectUser, false,
		"entra/identity/authentication/concept-authentication-strengths",
		entraCA,
		"Edit the Conditional Access policy that targets the privileged roles.",
		"Under Grant, replace Require multifactor authentication with Require authentication strength: Phishing-resistant MFA.",
		"Register FIDO2 keys, Windows Hello for Business or certificates for every administrator before enabling the policy."),
	cis("1.1.12", "Sign-in frequency is limited for administrative sessions", low, objectUser, false,
		entraCA,
		"Create a Conditional Access policy that targets the privileged directory roles.",
		"Under Session, set Sign-in frequency to 4 hours and Persistent browser session to Never persistent.",
		"Set the policy to On and save.",
		rescan),
	cis("1.3.1", "Password expiration policy is set to never expire", low, objectPolicy, false,
		m365Admin,
		"Go to Settings > Org settings > Security & privacy > Password expiration policy.",
		"Select Set passwords to never expire (recommended), once multifactor authentication is enforced for all users, and save.",
		rescan),

	// Exchange Online
	cis("2.1.9", "DKIM signing is enabled for all custom domains", high, objectDomain, true,
		dnsHost,
		"Publish the two CNAME records selector1._domainkey and selector2._domainkey shown for each domain in the Microsoft Defender portal under Email authentication settings > DKIM.",
		"Once the records resolve, select each domain and turn on Sign messages for this domain with DKIM signatures.",
		rescan),
	cis("2.1.10", "DMARC policy is published with p=quarantine or p=reject", high, objectDomain, true,
		dnsHost,
		"Publish a TXT record at _dmarc.<domain> with v=DMARC1; p=none; rua=mailto:<reporting mailbox> and review the aggregate reports for two weeks.",
		"Change the policy to p=quarantine, and to p=reject once no legitimate mail fails.",
		rescan),
	cis("2.1.8", "SPF record lists all sending sources and ends with -all", medium, objectDomain, true,
		dnsHost,
		"Publish a single TXT record v=spf1 include:spf.protection.outlook.com with every other legitimate sender, ending with -all.",
		"Keep the record under ten DNS lookups; replace nested includes with ip4/ip6 ranges where needed.",
		rescan),
	cis("6.2.1", "Automatic forwarding to external domains is blocked", critical, objectMailbox, true,
		defenderPortal,
		"Go to Email & collaboration > Policies & rules > Threat policies > Anti-spam > Anti-spam outbound policy (Default).",
		"Set Automatic forwarding rules to Off - Forwarding is disabled and save.",
		"Review existing inbox rules and mailbox forwarding with Get-InboxRule and Get-Mailbox | Where-Object {$_.ForwardingSmtpAddress} and remove external forwarding.",
		rescan),
	cis("6.1.2", "Mailbox auditing is enabled for all mailboxes", high, objectMailbox, false,
		exchangeShell,
		"Run Get-OrganizationConfig | Format-List AuditDisabled and, if it is True, run Set-OrganizationConfig -AuditDisabled $false.",
		"Run Get-MailboxAuditBypassAssociation -ResultSize Unlimited | Where-Object {$_.AuditBypassEnabled} and remove every bypass with Set-MailboxAuditBypassAssociation -AuditBypassEnabled $false.",
		rescan),
	cis("6.5.4", "SMTP AUTH is disabled for the organisation", medium, objectMailbox, true,
		exchangeShell,
		"Run Set-TransportConfig -SmtpClientAuthenticationDisabled $true.",
		"Enable SMTP AUTH only on the mailboxes of devices and applications that need it, with Set-CASMailbox -SmtpClientAuthenticationDisabled $false.",
		rescan),
	cis("6.5.1", "Modern authentication is enabled for Exchange Online", high, objectMailbox, false,
		exchangeShell,
		"Run Set-OrganizationConfig -OAuth2ClientProfileEnabled $true.",
		"Restart Outlook on the clients that still prompt for basic authentication.",
		rescan),
	cis("6.2.3", "External senders are tagged in Outlook", low, objectMailbox, false,
		exchangeShell,
		"Run Set-ExternalInOutlook -Enabled $true.",
		"Add the partner domains that must not be tagged with Set-ExternalInOutlook -AllowList @{Add=\"<domain>\"}.",
		rescan),
	cis("6.2.2", "Mail flow rules do not bypass spam filtering for external domains", medium, objectMailbox, false,
		exchangeAdmin,
		"Go to Mail flow > Rules and find the rules that set the spam confidence level (SCL) to -1 for a sender domain.",
		"Delete those rules, or replace them with entries in the Tenant Allow/Block List for specific senders.",
		rescan),
	cis("6.3.1", "Users cannot install Outlook add-ins", low, objectMailbox, false,
		exchangeAdmin,
		"Go to Roles > User roles and edit the Default Role Assignment Policy.",
		"Clear My Custom Apps, My Marketplace Apps and My ReadWriteMailbox Apps, and save.",
		rescan),

	// SharePoint and OneDrive
	cis("7.2.3", "External sharing is limited to existing or new guests", high, objectSite, true,
		sharePointAdmin,
		"Go to Policies > Sharing.",
		"Set the SharePoint slider to New and existing guests or less, and OneDrive to the same level or less, and save.",
		rescan),
	cis("7.2.9", "Anonymous 'Anyone' links expire within 30 days", medium, objectSite, true,
		sharePointAdmin,
		"Go to Policies > Sharing > Choose expiration and permissions options for Anyone links.",
		"Select These links must expire within this many days, enter 30 or fewer, and set the permissions to View.",
		rescan),
	cis("7.2.7", "Default sharing link type is 'Specific people'", medium, objectSite, true,
		sharePointAdmin,
		"Go to Policies > Sharing > File and folder links.",
		"Set the default link type to Specific people (only the people the user specifies) and save.",
		rescan),
	cis("7.2.6", "External sharing is restricted to allowed domains", low, objectSite, true,
		sharePointAdmin,
		"Go to Policies > Sharing > More external sharing settings.",
		"Select Limit external sharing by domain, choose Allow only specific domains and add the partner domains.",
		rescan),
	cis("7.2.5", "Guests cannot reshare items they do not own", medium, objectSite, true,
		sharePointAdmin,
		"Go to Policies > Sharing > More external sharing settings.",
		"Clear Allow guests to share items they don't own and save.",
		rescan),
	native("1020", "OneDrive sync is restricted to domain-joined devices", api.FrameworkCisa, low, objectSite, false,
		"sharepoint/allow-syncing-only-on-specific-domains",
		sharePointAdmin,
		"Go to Settings > OneDrive - Sync.",
		"Select Allow syncing only on computers joined to specific domains and add the GUIDs of the organisation's Active Directory domains.",
		rescan),
	native("1021", "Access from unmanaged devices is limited to web-only", api.FrameworkCisa, medium, objectSite, true,
		"sharepoint/control-access-from-unmanaged-devices",
		sharePointAdmin,
		"Go to Policies > Access control > Unmanaged devices.",
		"Select Allow limited, web-only access and save; SharePoint creates the matching Conditional Access policies.",
		rescan),
	cis("7.3.1", "Infected files cannot be downloaded", high, objectSite, false,
		"Connect to SharePoint Online PowerShell with Connect-SPOService as a SharePoint Administrator.",
		"Run Set-SPOTenant -DisallowInfectedFileDownload $true.",
		rescan),

	// Teams
	cis("8.2.1", "External access is limited to allowed domains", medium, objectTeam, true,
		teamsAdmin,
		"Go to Users > External access.",
		"Under Teams and Skype for Business users in external organizations, select Allow only specific external domains and add the partner domains.",
		rescan),
	cis("8.2.2", "Communication with unmanaged Teams accounts is disabled", high, objectTeam, true,
		teamsAdmin,
		"Go to Users > External access.",
		"Turn off People in my organization can communicate with unmanaged Teams accounts and save.",
		rescan),
	native("1030", "Guest access in Teams is reviewed and restricted", api.FrameworkCisa, medium, objectTeam, true,
		"microsoftteams/guest-access",
		teamsAdmin,
		"Go to Users > Guest access and review the calling, meeting and messaging settings for guests.",
		"In each team's settings, clear Allow guests to create and update channels and Allow guests to delete channels.",
		rescan),
	cis("8.5.1", "Anonymous users cannot join meetings", medium, objectTeam, true,
		teamsAdmin,
		"Go to Meetings > Meeting policies > Global (Org-wide default).",
		"Turn off Anonymous users can join a meeting, or set Who can bypass the lobby so that anonymous users wait in the lobby.",
		rescan),
	cis("8.5.3", "Only organisation members bypass the meeting lobby", low, objectTeam, true,
		teamsAdmin,
		"Go to Meetings > Meeting policies > Global (Org-wide default) > Meeting join & lobby.",
		"Set Who can bypass the lobby to People in my org and turn off People dialing in can bypass the lobby.",
		rescan),
	cis("8.1.1", "Third-party cloud storage is disabled in Teams", low, objectTeam, false,
		teamsAdmin,
		"Go to Teams > Teams settings > Files.",
		"Turn off Citrix files, Dropbox, Box, Google Drive and Egnyte.",
		rescan),
	cis("8.1.2", "Email into Teams channels is restricted", low, objectTeam, false,
		teamsAdmin,
		"Go to Teams > Teams settings > Email integration.",
		"Turn off Users can send emails to a channel email address, or accept channel email only from the listed domains.",
		rescan),

	// Microsoft Defender for Office 365
	cis("2.1.1", "Safe Links is enabled for email, Teams and Office apps", high, objectPolicy, true,
		defenderPortal,
		"Go to Email & collaboration > Policies & rules > Threat policies > Preset security policies.",
		"Turn on the Standard protection preset for all recipients, or create a Safe Links policy that covers email, Microsoft Teams and Office apps with URL rewriting and real-time scanning.",
		rescan),
	cis("2.1.4", "Safe Attachments is enabled in block mode", high, objectPolicy, false,
		defenderPortal,
		"Go to Email & collaboration > Policies & rules > Threat policies > Safe Attachments.",
		"Create a policy for all recipients with Safe Attachments unknown malware response set to Block, and turn it on.",
		rescan),
	native("1040", "Preset security policies are applied to all recipients", api.FrameworkCisa, medium, objectPolicy, false,
		"defender-office-365/preset-security-policies",
		defenderPortal,
		"Go to Email & collaboration > Policies & rules > Threat policies > Preset security policies.",
		"Apply Standard protection to all recipients and Strict protection to the priority accounts.",
		rescan),
	cis("2.1.7", "Anti-phishing impersonation protection covers executives and domains", high, objectPolicy, true,
		defenderPortal,
		"Go to Email & collaboration > Policies & rules > Threat policies > Anti-phishing and edit the default policy.",
		"Under Impersonation, enable user impersonation protection for the executives and finance staff, and domain impersonation protection for the owned and partner domains.",
		"Set the actions to Quarantine the message and turn on mailbox intelligence.",
		rescan),
	cis("2.1.2", "Common attachment types filter is enabled", medium, objectPolicy, false,
		defenderPortal,
		"Go to Email & collaboration > Policies & rules > Threat policies > Anti-malware and edit the default policy.",
		"Turn on Enable the common attachments filter and keep the default list of file types, or extend it.",
		rescan),
	native("1102", "Zero-hour auto purge is enabled", api.FrameworkCisa, medium, objectPolicy, false,
		"defender-office-365/zero-hour-auto-purge",
		defenderPortal,
		"Go to Email & collaboration > Policies & rules > Threat policies.",
		"In the anti-malware policy, turn on Enable zero-hour auto purge for malware; in the anti-spam inbound policy, turn on zero-hour auto purge for spam and phishing.",
		rescan),
	cis("2.1.6", "Administrators are notified of restricted senders", low, objectPolicy, false,
		defenderPortal,
		"Go to Email & collaboration > Policies & rules > Threat policies > Anti-spam > Anti-spam outbound policy (Default).",
		"Under Notifications, select Notify these users and groups if a sender is blocked due to sending outbound spam and add a monitored mailbox.",
		rescan),

	// Microsoft Purview
	cis("3.1.1", "Unified audit log search is enabled", critical, objectPolicy, false,
		purviewPortal,
		"Go to Solutions > Audit and select Start recording user and admin activity.",
		"Or run Set-AdminAuditLogConfig -UnifiedAuditLogIngestionEnabled $true in Exchange Online PowerShell.",
		rescan),
	native("1050", "Data loss prevention policies are enabled", api.FrameworkNis2, high, objectPolicy, false,
		"purview/dlp-learn-about-dlp",
		purviewPortal,
		"Go to Solutions > Data loss prevention > Policies and create a policy from the Financial and Privacy templates that apply to the organisation.",
		"Include the Exchange, SharePoint, OneDrive and Teams locations, run it in simulation mode for two weeks, then turn it on.",
		rescan),
	cis("3.2.2", "DLP covers Teams chat and channel messages", medium, objectPolicy, false,
		purviewPortal,
		"Go to Solutions > Data loss prevention > Policies and edit a policy for sensitive information.",
		"Add the Teams chat and channel messages location and save.",
		rescan),
	native("1051", "Retention policies cover Exchange, SharePoint and OneDrive", api.FrameworkNis2, medium, objectPolicy, false,
		"purview/retention",
		purviewPortal,
		"Go to Solutions > Data lifecycle management > Microsoft 365 > Retention policies.",
		"Create a policy that retains Exchange mailboxes, SharePoint sites and OneDrive accounts for the period the organisation's records obligations require.",
		rescan),
	cis("3.3.1", "Sensitivity labels are published to users", medium, objectPolicy, false,
		purviewPortal,
		"Go to Solutions > Information protection > Sensitivity labels and create the labels of the organisation's classification scheme.",
		"Publish them with a label policy to all users, with a default label for documents and email.",
		rescan),
	native("1052", "Audit log retention meets at least one year", api.FrameworkNis2, low, objectPolicy, false,
		"purview/audit-log-retention-policies",
		purviewPortal,
		"Go to Solutions > Audit > Audit retention policies.",
		"Create a policy with a retention duration of 1 year or more for all record types and users.",
		rescan),
	cis("1.3.6", "Customer Lockbox is enabled", low, objectPolicy, false,
		m365Admin,
		"Go to Settings > Org settings > Security & privacy > Customer lockbox.",
		"Select Require approval for all data access requests and save.",
		rescan),
	native("1053", "Communication compliance monitors for regulatory violations", api.FrameworkNis2, low, objectPolicy, false,
		"purview/communication-compliance",
		purviewPortal,
		"Go to Solutions > Communication compliance > Policies.",
		"Create a policy from the Detect inappropriate text or Monitor for regulatory compliance template for the users the regulations cover.",
		rescan),
	native("1054", "Insider risk management is configured", api.FrameworkNis2, low, objectPolicy, false,
		"purview/insider-risk-management",
		purviewPortal,
		"Go to Solutions > Insider risk management > Policies.",
		"Create a policy from the Data theft by departing users template and connect the HR data connector.",
		rescan),
}

// exposureCatalogue is the checks an exposure scan evaluates.
var exposureCatalogue = func() []control {
	var selected []control
	for _, c := range catalogue {
		if c.Exposure {
			selected = append(selected, c)
		}
	}
	return selected
}()

// controlsForScanType returns the checks a scan of scanType evaluates, in
// catalogue order: every check for compliance, the exposure ones for
// exposure.
func controlsForScanType(scanType api.ScanType) []control {
	if scanType == api.ScanTypeExposure {
		return exposureCatalogue
	}
	return catalogue
}
