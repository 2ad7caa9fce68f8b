package simulator

// Categories of the control catalogue, as they appear in a result's
// "category" field.
const (
	categoryIdentity      = "Identity"
	categoryExchange      = "Exchange Online"
	categorySharePoint    = "SharePoint and OneDrive"
	categoryTeams         = "Teams"
	categoryDefender      = "Defender for Office 365"
	categoryPurview       = "Purview"
	learnMicrosoftBaseURL = "https://learn.microsoft.com/en-us/"
)

// control is one check of the catalogue. A scan evaluates each control once
// for the tenant and, when it needs more results than the catalogue holds,
// again for simulated objects (users, mailboxes, sites...), which is what a
// real posture scanner does for per-object settings.
type control struct {
	ID          string
	Title       string
	Category    string
	Severity    string
	Description string
	Remediation string
	// ReferencePath is relative to learnMicrosoftBaseURL.
	ReferencePath string
}

// objectKind names the simulated object a repeated control is evaluated on,
// so a result's title says which user, mailbox or site it is about.
func objectKind(category string) string {
	switch category {
	case categoryIdentity:
		return "user"
	case categoryExchange:
		return "mailbox"
	case categorySharePoint:
		return "site"
	case categoryTeams:
		return "team"
	default:
		return "policy"
	}
}

// catalogue is the fixed list of controls, in the stable order results are
// served in. Changing it changes every generated scan, so append rather than
// reorder if a simulator user depends on exact data.
var catalogue = []control{
	// Identity (Microsoft Entra ID)
	{"AAD-001", "Multifactor authentication is required for administrative roles", categoryIdentity, "Critical",
		"Accounts holding Global Administrator, Security Administrator, Exchange Administrator or other privileged roles can sign in without a second factor.",
		"Create a Conditional Access policy that targets the privileged directory roles and grants access only with multifactor authentication.",
		"entra/identity/conditional-access/howto-conditional-access-policy-admin-mfa"},
	{"AAD-002", "Legacy authentication is blocked", categoryIdentity, "Critical",
		"Legacy protocols (POP, IMAP, SMTP AUTH, older Office clients) cannot enforce multifactor authentication and are the main target of password-spray attacks.",
		"Create a Conditional Access policy that blocks the 'Exchange ActiveSync clients' and 'Other clients' client-app conditions for all users.",
		"entra/identity/conditional-access/howto-conditional-access-policy-block-legacy"},
	{"AAD-003", "Multifactor authentication is required for all users", categoryIdentity, "High",
		"Not every user is covered by a Conditional Access policy or security defaults that require multifactor authentication.",
		"Require multifactor authentication for all users with Conditional Access, excluding only the emergency access accounts.",
		"entra/identity/conditional-access/howto-conditional-access-policy-all-users-mfa"},
	{"AAD-004", "Between two and four Global Administrators are assigned", categoryIdentity, "High",
		"Too many Global Administrators widen the attack surface; only one leaves the tenant without a fallback.",
		"Reduce permanent Global Administrator assignments to between two and four and use least-privileged roles for daily tasks.",
		"entra/identity/role-based-access-control/best-practices"},
	{"AAD-005", "Privileged roles are activated just in time with Privileged Identity Management", categoryIdentity, "High",
		"Privileged roles are permanently assigned instead of eligible, so a stolen session keeps administrative rights indefinitely.",
		"Convert permanent privileged role assignments to eligible assignments in Privileged Identity Management with approval and justification.",
		"entra/id-governance/privileged-identity-management/pim-configure"},
	{"AAD-006", "Emergency access accounts are configured and excluded from Conditional Access", categoryIdentity, "Medium",
		"No cloud-only break-glass account exists to recover access if Conditional Access or the identity provider fails.",
		"Create two cloud-only emergency access accounts with strong credentials, exclude them from Conditional Access and alert on their use.",
		"entra/identity/role-based-access-control/security-emergency-access"},
	{"AAD-007", "Sign-in risk and user risk policies are enabled", categoryIdentity, "High",
		"Risky sign-ins and compromised users detected by Microsoft Entra ID Protection are not challenged or blocked.",
		"Enable risk-based Conditional Access policies that require multifactor authentication for medium sign-in risk and a secure password change for high user risk.",
		"entra/id-protection/howto-identity-protection-configure-risk-policies"},
	{"AAD-008", "Users cannot consent to applications from unverified publishers", categoryIdentity, "High",
		"Users can grant third-party applications access to their mailbox and files, the entry point of consent-phishing attacks.",
		"Allow user consent only for verified publishers and low-impact permissions, and enable the admin consent workflow.",
		"entra/identity/enterprise-apps/configure-user-consent"},
	{"AAD-009", "Self-service password reset is enabled with two methods", categoryIdentity, "Low",
		"Users cannot reset their own passwords, or can do so with a single weak method.",
		"Enable self-service password reset for all users and require two authentication methods.",
		"entra/identity/authentication/tutorial-enable-sspr"},
	{"AAD-010", "Guest user access is restricted to their own directory objects", categoryIdentity, "Medium",
		"Guest users can enumerate users, groups and other directory objects of the tenant.",
		"Set guest user access to 'Guest user access is restricted to properties and memberships of their own directory objects'.",
		"entra/identity/users/users-restrict-guest-permissions"},
	{"AAD-011", "Custom banned passwords are enforced", categoryIdentity, "Medium",
		"Microsoft Entra Password Protection has no custom banned-password list with the organisation's names and products.",
		"Enable the custom banned-password list and add terms specific to the organisation.",
		"entra/identity/authentication/concept-password-ban-bad"},
	{"AAD-012", "Phishing-resistant authentication strength is required for administrators", categoryIdentity, "Medium",
		"Administrators may satisfy multifactor authentication with SMS or voice calls, which can be intercepted or phished.",
		"Require the 'Phishing-resistant MFA' authentication strength (FIDO2, Windows Hello for Business, certificate-based) for privileged roles.",
		"entra/identity/authentication/concept-authentication-strengths"},
	{"AAD-013", "Sign-in frequency is limited for administrative sessions", categoryIdentity, "Low",
		"Administrative browser sessions stay signed in for days and persist across browser restarts.",
		"Configure a Conditional Access session control with a sign-in frequency of at most four hours and no persistent browser session for administrators.",
		"entra/identity/conditional-access/howto-conditional-access-session-lifetime"},
	{"AAD-014", "Password expiration policy is set to never expire", categoryIdentity, "Informational",
		"Forced periodic password changes push users towards predictable passwords; current guidance is not to expire passwords when MFA is enforced.",
		"Set the password expiration policy to 'Passwords never expire' once multifactor authentication is enforced.",
		"microsoft-365/admin/manage/set-password-expiration-policy"},

	// Exchange Online
	{"EXO-001", "DKIM signing is enabled for all custom domains", categoryExchange, "High",
		"Outbound mail from one or more accepted domains is not DKIM-signed, so receivers cannot verify it was sent by the organisation.",
		"Publish the two DKIM CNAME records for each custom domain and enable DKIM signing in the Microsoft Defender portal.",
		"defender-office-365/email-authentication-dkim-configure"},
	{"EXO-002", "DMARC policy is published with p=quarantine or p=reject", categoryExchange, "High",
		"The domain has no DMARC record, or its policy is p=none, so spoofed mail using the domain is still delivered.",
		"Publish a DMARC TXT record and move the policy to p=quarantine and then p=reject after reviewing aggregate reports.",
		"defender-office-365/email-authentication-dmarc-configure"},
	{"EXO-003", "SPF record lists all sending sources and ends with -all", categoryExchange, "Medium",
		"The SPF record is missing, exceeds ten DNS lookups or ends with ?all, weakening spoofing protection.",
		"Publish a single SPF TXT record that includes spf.protection.outlook.com and every legitimate sender, ending with -all.",
		"defender-office-365/email-authentication-spf-configure"},
	{"EXO-004", "Automatic forwarding to external domains is blocked", categoryExchange, "Critical",
		"Mailbox rules or forwarding settings send mail to external addresses, a common data-exfiltration technique after account compromise.",
		"Set 'Automatic forwarding rules' to 'Off - Forwarding is disabled' in the outbound spam filter policy and review existing forwarding rules.",
		"defender-office-365/outbound-spam-policies-external-email-forwarding"},
	{"EXO-005", "Mailbox auditing is enabled for all mailboxes", categoryExchange, "High",
		"Mailbox audit logging is bypassed or disabled, so access to mail by delegates and administrators is not recorded.",
		"Ensure AuditDisabled is False for the organisation and no mailbox has an audit bypass association.",
		"purview/audit-mailboxes"},
	{"EXO-006", "SMTP AUTH is disabled for the organisation", categoryExchange, "Medium",
		"Authenticated SMTP submission uses basic authentication and bypasses multifactor authentication.",
		"Run Set-TransportConfig -SmtpClientAuthenticationDisabled $true and enable it only on the mailboxes that need it.",
		"exchange/clients-and-mobile-in-exchange-online/authenticated-client-smtp-submission"},
	{"EXO-007", "Modern authentication is enabled for Exchange Online", categoryExchange, "High",
		"Outlook clients can fall back to basic authentication when connecting to Exchange Online.",
		"Run Set-OrganizationConfig -OAuth2ClientProfileEnabled $true.",
		"exchange/clients-and-mobile-in-exchange-online/enable-or-disable-modern-authentication-in-exchange-online"},
	{"EXO-008", "External senders are tagged in Outlook", categoryExchange, "Low",
		"Messages from outside the organisation are not marked as external, making impersonation of colleagues easier.",
		"Run Set-ExternalInOutlook -Enabled $true.",
		"powershell/module/exchange/set-externalinoutlook"},
	{"EXO-009", "Mail flow rules do not bypass spam filtering for external domains", categoryExchange, "Medium",
		"One or more transport rules set the spam confidence level to -1 for sender domains, so spoofed mail from those domains skips filtering.",
		"Replace domain-based allow rules with tenant allow/block list entries or remove them.",
		"exchange/security-and-compliance/mail-flow-rules/mail-flow-rules"},
	{"EXO-010", "Users cannot install Outlook add-ins", categoryExchange, "Low",
		"Users can install add-ins that read and send mail on their behalf.",
		"Remove the 'My Custom Apps', 'My Marketplace Apps' and 'My ReadWriteMailbox Apps' roles from the default role assignment policy.",
		"exchange/clients-and-mobile-in-exchange-online/add-ins-for-outlook/specify-who-can-install-and-manage-add-ins"},

	// SharePoint and OneDrive
	{"SPO-001", "External sharing is limited to existing or new guests", categorySharePoint, "High",
		"SharePoint and OneDrive allow 'Anyone' links, which grant access to files without sign-in.",
		"Set the organisation-level sharing setting to 'New and existing guests' or more restrictive.",
		"sharepoint/turn-external-sharing-on-or-off"},
	{"SPO-002", "Anonymous 'Anyone' links expire within 30 days", categorySharePoint, "Medium",
		"Anonymous sharing links never expire, so files shared once stay reachable by anyone holding the link.",
		"Set 'These links must expire within this many days' to 30 or fewer and restrict Anyone links to view permission.",
		"sharepoint/turn-external-sharing-on-or-off"},
	{"SPO-003", "Default sharing link type is 'Specific people'", categorySharePoint, "Medium",
		"The default link created when users share is an organisation-wide or anonymous link.",
		"Change the default sharing link type to 'Specific people (only the people the user specifies)'.",
		"sharepoint/change-default-sharing-link"},
	{"SPO-004", "External sharing is restricted to allowed domains", categorySharePoint, "Low",
		"Content can be shared with guests from any domain.",
		"Limit external sharing by domain and list the partner domains that may receive content.",
		"sharepoint/restricted-domains-sharing"},
	{"SPO-005", "Guests cannot reshare items they do not own", categorySharePoint, "Medium",
		"External users can share files and folders further with people the owner never approved.",
		"Clear 'Allow guests to share items they don't own' in the SharePoint admin center.",
		"sharepoint/external-sharing-overview"},
	{"SPO-006", "OneDrive sync is restricted to domain-joined devices", categorySharePoint, "Low",
		"The OneDrive sync app can synchronise corporate files to unmanaged personal computers.",
		"Allow syncing only on computers joined to the organisation's domains.",
		"sharepoint/allow-syncing-only-on-specific-domains"},
	{"SPO-007", "Access from unmanaged devices is limited to web-only", categorySharePoint, "Medium",
		"Unmanaged devices can download, print and sync SharePoint and OneDrive content.",
		"Set unmanaged device access to 'Allow limited, web-only access' or block it with Conditional Access.",
		"sharepoint/control-access-from-unmanaged-devices"},
	{"SPO-008", "Infected files cannot be downloaded", categorySharePoint, "High",
		"Files that Safe Attachments flagged as malicious can still be downloaded from SharePoint, OneDrive and Teams.",
		"Run Set-SPOTenant -DisallowInfectedFileDownload $true.",
		"defender-office-365/safe-attachments-for-spo-odfb-teams-configure"},

	// Teams
	{"TMS-001", "External access is limited to allowed domains", categoryTeams, "Medium",
		"Users can chat and call with people in any external Microsoft 365 organisation.",
		"Allow external access only for specific partner domains in the Teams admin center.",
		"microsoftteams/trusted-organizations-external-meetings-chat"},
	{"TMS-002", "Communication with unmanaged Teams accounts is disabled", categoryTeams, "High",
		"Users can be contacted by personal (consumer) Teams accounts, a channel used for phishing and malware delivery.",
		"Turn off 'People in my organization can communicate with unmanaged Teams accounts'.",
		"microsoftteams/trusted-organizations-external-meetings-chat"},
	{"TMS-003", "Guest access in Teams is reviewed and restricted", categoryTeams, "Medium",
		"Guests can create and delete channels and share files without restrictions.",
		"Review guest access settings and disable channel management and file sharing rights that guests do not need.",
		"microsoftteams/guest-access"},
	{"TMS-004", "Anonymous users cannot join meetings", categoryTeams, "Medium",
		"Anyone with a meeting link can join Teams meetings without signing in.",
		"Turn off 'Anonymous users can join a meeting' in the global meeting policy, or require them to wait in the lobby.",
		"microsoftteams/settings-policies-reference"},
	{"TMS-005", "Only organisation members bypass the meeting lobby", categoryTeams, "Low",
		"External participants and dial-in users are admitted to meetings directly.",
		"Set 'Who can bypass the lobby' to 'People in my org' in the meeting policy.",
		"microsoftteams/who-can-bypass-meeting-lobby"},
	{"TMS-006", "Third-party cloud storage is disabled in Teams", categoryTeams, "Low",
		"Users can attach files from consumer cloud storage providers, outside the organisation's retention and DLP controls.",
		"Disable Dropbox, Box, Google Drive, Citrix files and Egnyte in the Teams client configuration.",
		"microsoftteams/settings-policies-reference"},
	{"TMS-007", "Email into Teams channels is restricted", categoryTeams, "Informational",
		"Any sender can email a channel address, bypassing Teams' sharing controls.",
		"Turn off email integration or accept mail only from specified domains.",
		"microsoftteams/settings-policies-reference"},

	// Defender for Office 365
	{"MDO-001", "Safe Links is enabled for email, Teams and Office apps", categoryDefender, "High",
		"URLs in messages and documents are not rewritten and checked at click time.",
		"Apply the Standard or Strict preset security policy, or a Safe Links policy covering email, Teams and Office apps for all users.",
		"defender-office-365/safe-links-about"},
	{"MDO-002", "Safe Attachments is enabled in block mode", categoryDefender, "High",
		"Attachments are not detonated in a sandbox before delivery.",
		"Create a Safe Attachments policy with the 'Block' action for all recipients.",
		"defender-office-365/safe-attachments-about"},
	{"MDO-003", "Preset security policies are applied to all recipients", categoryDefender, "Medium",
		"Neither the Standard nor the Strict preset security policy is applied, so protection depends on hand-tuned policies.",
		"Turn on the Standard preset security policy for all users and the Strict one for priority accounts.",
		"defender-office-365/preset-security-policies"},
	{"MDO-004", "Anti-phishing impersonation protection covers executives and domains", categoryDefender, "High",
		"Impersonation of executives and of the organisation's domains is not detected.",
		"Add priority users and owned domains to user and domain impersonation protection in the anti-phishing policy.",
		"defender-office-365/anti-phishing-policies-about"},
	{"MDO-005", "Common attachment types filter is enabled", categoryDefender, "Medium",
		"Executable attachment types such as .exe, .js and .iso are delivered to mailboxes.",
		"Enable the common attachments filter in the anti-malware policy.",
		"defender-office-365/anti-malware-policies-configure"},
	{"MDO-006", "Zero-hour auto purge is enabled", categoryDefender, "Medium",
		"Messages found to be malicious after delivery are left in users' inboxes.",
		"Enable zero-hour auto purge for malware, spam and phishing in the anti-malware and anti-spam policies.",
		"defender-office-365/zero-hour-auto-purge"},
	{"MDO-007", "Administrators are notified of restricted senders", categoryDefender, "Low",
		"No one is alerted when a user is blocked from sending mail for exceeding outbound spam limits, often the first sign of a compromised account.",
		"Add a monitored mailbox to the outbound spam policy notifications.",
		"defender-office-365/outbound-spam-policies-configure"},

	// Purview
	{"PUR-001", "Unified audit log search is enabled", categoryPurview, "Critical",
		"Audit logging is off, so user and administrator activity across Microsoft 365 is not recorded for investigations.",
		"Turn on auditing in the Microsoft Purview portal or run Set-AdminAuditLogConfig -UnifiedAuditLogIngestionEnabled $true.",
		"purview/audit-log-enable-disable"},
	{"PUR-002", "Data loss prevention policies are enabled", categoryPurview, "High",
		"No DLP policy protects sensitive information such as credit card or national identification numbers.",
		"Create DLP policies for Exchange, SharePoint, OneDrive and Teams from the financial and privacy templates and turn them on.",
		"purview/dlp-learn-about-dlp"},
	{"PUR-003", "DLP covers Teams chat and channel messages", categoryPurview, "Medium",
		"Sensitive information shared in Teams conversations is not inspected.",
		"Include the Teams chat and channel messages location in at least one DLP policy.",
		"purview/dlp-microsoft-teams"},
	{"PUR-004", "Retention policies cover Exchange, SharePoint and OneDrive", categoryPurview, "Medium",
		"Content can be deleted permanently before the organisation's retention obligations are met.",
		"Create retention policies for the locations that hold business records.",
		"purview/retention"},
	{"PUR-005", "Sensitivity labels are published to users", categoryPurview, "Medium",
		"Users cannot classify and protect documents and email with sensitivity labels.",
		"Create sensitivity labels and publish them with a label policy.",
		"purview/sensitivity-labels"},
	{"PUR-006", "Audit log retention meets at least one year", categoryPurview, "Low",
		"Audit records are kept for the default 180 days, too short for most incident investigations.",
		"Create an audit log retention policy of one year or more for the relevant record types.",
		"purview/audit-log-retention-policies"},
	{"PUR-007", "Customer Lockbox is enabled", categoryPurview, "Low",
		"Microsoft engineers can access content during support operations without the organisation's explicit approval.",
		"Turn on Customer Lockbox requests in the Microsoft 365 admin center.",
		"purview/customer-lockbox-requests"},
	{"PUR-008", "Communication compliance monitors for regulatory violations", categoryPurview, "Informational",
		"No communication compliance policy detects inappropriate or regulated content in messages.",
		"Create a communication compliance policy for the regulations that apply to the organisation.",
		"purview/communication-compliance"},
	{"PUR-009", "Insider risk management is configured", categoryPurview, "Informational",
		"Data theft by departing users and other insider risks are not detected.",
		"Configure insider risk management with the data theft policy template.",
		"purview/insider-risk-management"},
}

// scanTypeCategories restricts which catalogue categories a scan type
// evaluates; a type absent from this map (compliance, full) evaluates all.
var scanTypeCategories = map[string][]string{
	"identity":      {categoryIdentity},
	"email":         {categoryExchange, categoryDefender},
	"collaboration": {categorySharePoint, categoryTeams},
}

// controlsForScanType returns the catalogue entries a scan of scanType
// evaluates, in catalogue order.
func controlsForScanType(scanType string) []control {
	categories, restricted := scanTypeCategories[scanType]
	if !restricted {
		return catalogue
	}
	var selected []control
	for _, c := range catalogue {
		for _, category := range categories {
			if c.Category == category {
				selected = append(selected, c)
				break
			}
		}
	}
	return selected
}
