/*
 * The built-in secret rules: data for the engine in secrets.c and, through
 * secret_rule_family, the registry's secret.* family. Patterns follow the
 * token formats their issuers document; specific rules come before the
 * generic ones, which yield to them on the same text. Each rule has
 * fixtures under fixtures/rules/<id>/ that must and must not fire.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "secrets.h"
#include "secretname.h"
#include "util.h"

#define REF_CREDENTIAL_ROTATION "ISO/IEC 27001:2022 A.5.17\nSOC 2 CC6.1"
#define ROTATE "Revoke the credential at its issuer, issue a new one into the secret manager, and remove the value from the file and from git history."

/* base64 that decodes to "user:password" */
static bool validate_basic_auth(const char *s, size_t n)
{
	static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned val = 0, bits = 0;
	bool colon = false;
	size_t printable = 0, out = 0;

	for (size_t i = 0; i < n && s[i] != '='; i++) {
		const char *p = strchr(tbl, s[i]);
		if (!p || !s[i])
			return false;
		val = (val << 6) | (unsigned)(p - tbl);
		bits += 6;
		if (bits >= 8) {
			unsigned char c = (unsigned char)(val >> (bits - 8));
			bits -= 8;
			out++;
			if (c == ':' && out > 1)
				colon = true;
			if (c >= 0x20 && c < 0x7f)
				printable++;
		}
	}
	return colon && printable == out && out >= 3;
}

/* A generic assignment's value must look like a credential, not like code
 * (request.headers.get), a path (/run/secrets/x) or a plain word. */
static bool validate_generic(const char *s, size_t n)
{
	bool digit = false, alpha = false, upper = false, lower = false;
	size_t dots = 0, symbols = 0;

	if (n && (s[0] == '/' || s[0] == '.' || s[0] == '~'))
		return false;
	if (memmem(s, n, "://", 3))
		return false; /* a URL: its credentials are secret.url-credentials' */
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		digit |= isdigit(c) != 0;
		alpha |= isalpha(c) != 0;
		upper |= isupper(c) != 0;
		lower |= islower(c) != 0;
		dots += c == '.';
		symbols += !isalnum(c);
	}
	if (!alpha)
		return false;
	/* letters only: a word or an identifier (listCreate), unless long */
	if (!digit && symbols == 0 && n < 24)
		return false;
	/* identifiers and dotted names: foo.bar.baz, some_function_name */
	if (!digit && !(upper && lower))
		return false;
	if (dots >= 2 && symbols == dots && !digit)
		return false;
	return shannon_entropy(s, n) >= 3.0;
}

/* PKCS#12 is DER: a SEQUENCE (0x30) with a long-form length; JKS and
 * JCEKS have magic numbers. The extension must agree, so that any DER
 * file (a certificate) is not taken for a keystore. */
static bool match_keystore(const char *path, const char *data, size_t len)
{
	const unsigned char *d = (const unsigned char *)data;
	const char *dot = path ? strrchr(path, '.') : NULL;

	if (!dot || len < 64)
		return false;
	if ((strcasecmp(dot, ".p12") == 0 || strcasecmp(dot, ".pfx") == 0) && d[0] == 0x30 &&
	    (d[1] == 0x80 || d[1] == 0x82 || d[1] == 0x83))
		return true;
	if (strcasecmp(dot, ".jks") == 0 || strcasecmp(dot, ".keystore") == 0 || strcasecmp(dot, ".jceks") == 0)
		return (d[0] == 0xfe && d[1] == 0xed && d[2] == 0xfe && d[3] == 0xed) ||
		       (d[0] == 0xce && d[1] == 0xce && d[2] == 0xce && d[3] == 0xce);
	return false;
}

#define SECRET_RULE(ID, TITLE, SEV, DESC) \
	.rule = {.id = ID, .title = TITLE, .severity = SEV, .description = DESC, .remediation = ROTATE, \
		 .references = REF_CREDENTIAL_ROTATION}

const struct secret_pattern secret_patterns[] = {
	/* --- cloud providers --- */
	{SECRET_RULE("secret.aws-access-key-id", "AWS access key id", SEV_HIGH,
		     "An AWS access key id (AKIA/ASIA...). With its secret access key it signs requests as an IAM "
		     "user or role."),
	 .regex = "\\b((?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})\\b",
	 .keywords = {"akia", "asia", "abia", "acca"}, .secret_group = 1, .min_entropy = 3.0},
	{SECRET_RULE("secret.aws-secret-access-key", "AWS secret access key", SEV_CRITICAL,
		     "An AWS secret access key assigned to an AWS-named setting: full use of the key pair's "
		     "permissions."),
	 .regex = "(?i)aws[\\w.-]{0,30}?(?:secret|sec_access|secretaccess)[\\w.-]{0,20}?['\"]?\\s*(?:=|:|=>|:=)\\s*['\"]?"
		  "([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])",
	 .keywords = {"aws"}, .secret_group = 1, .min_entropy = 3.5},
	{SECRET_RULE("secret.gcp-service-account", "GCP service account key", SEV_CRITICAL,
		     "A Google Cloud service account key file (JSON with type service_account and a private "
		     "key): whoever holds it acts as the service account."),
	 .regex = "\"type\"\\s*:\\s*\"service_account\"[\\s\\S]{0,4000}?\"private_key\"\\s*:\\s*\"(-----BEGIN[^\"]{64,})\"",
	 .keywords = {"service_account"}, .secret_group = 1, .multiline = true},
	{SECRET_RULE("secret.google-api-key", "Google API key", SEV_HIGH,
		     "A Google API key (AIza...): billable access to the Google APIs it is enabled for."),
	 .regex = "\\b(AIza[0-9A-Za-z_-]{35})(?![0-9A-Za-z_-])", .keywords = {"aiza"}, .secret_group = 1,
	 .min_entropy = 3.0},
	{SECRET_RULE("secret.azure-storage-key", "Azure storage account key", SEV_CRITICAL,
		     "An Azure storage account key (AccountKey=... in a connection string): full access to the "
		     "account's data."),
	 .regex = "(?i)AccountKey\\s*=\\s*([A-Za-z0-9+/]{86}==)", .keywords = {"accountkey"}, .secret_group = 1},
	{SECRET_RULE("secret.azure-connection-string", "Azure shared access key", SEV_HIGH,
		     "An Azure Service Bus, Event Hubs or IoT Hub connection string with a SharedAccessKey."),
	 .regex = "(?i)SharedAccessKey\\s*=\\s*([A-Za-z0-9+/]{42,44}=?)", .keywords = {"sharedaccesskey"},
	 .secret_group = 1, .min_entropy = 3.5},
	{SECRET_RULE("secret.azure-ad-client-secret", "Azure AD client secret", SEV_HIGH,
		     "An Azure Active Directory (Entra ID) application client secret (xxxNQ~...)."),
	 .regex = "(?:^|[^A-Za-z0-9_~.-])([A-Za-z0-9_~.]{3}\\dQ~[A-Za-z0-9_~.-]{31,34})(?![A-Za-z0-9_~.-])",
	 .keywords = {"q~"}, .secret_group = 1, .min_entropy = 3.0},
	{SECRET_RULE("secret.digitalocean-token", "DigitalOcean token", SEV_HIGH,
		     "A DigitalOcean personal access, OAuth or refresh token (dop_v1_, doo_v1_, dor_v1_)."),
	 .regex = "\\b(do[opr]_v1_[a-f0-9]{64})\\b", .keywords = {"dop_v1_", "doo_v1_", "dor_v1_"},
	 .secret_group = 1},
	{SECRET_RULE("secret.heroku-api-key", "Heroku API key", SEV_HIGH,
		     "A Heroku API key: a HRKU- token, or a UUID assigned to a Heroku-named setting."),
	 .regex = "(?i)(?:\\b(HRKU-[A-Za-z0-9_-]{60})\\b|heroku[\\w.-]{0,30}?(?:key|token|secret)[\\w.-]{0,10}?['\"]?\\s*"
		  "(?:=|:|=>)\\s*['\"]?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\\b)",
	 .keywords = {"hrku-", "heroku"}, .secret_group = 1, .min_entropy = 3.0},
	/* --- source hosting and package registries --- */
	{SECRET_RULE("secret.github-pat", "GitHub personal access token (classic)", SEV_HIGH,
		     "A classic GitHub personal access token (ghp_): the owner's access to every repository and "
		     "organisation its scopes allow."),
	 .regex = "\\b(ghp_[A-Za-z0-9]{36})\\b", .keywords = {"ghp_"}, .secret_group = 1, .min_entropy = 3.0},
	{SECRET_RULE("secret.github-fine-grained-pat", "GitHub fine-grained personal access token", SEV_HIGH,
		     "A fine-grained GitHub personal access token (github_pat_)."),
	 .regex = "\\b(github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})\\b", .keywords = {"github_pat_"},
	 .secret_group = 1, .min_entropy = 3.0},
	{SECRET_RULE("secret.github-oauth-token", "GitHub OAuth access token", SEV_HIGH,
		     "A GitHub OAuth app access token (gho_)."),
	 .regex = "\\b(gho_[A-Za-z0-9]{36})\\b", .keywords = {"gho_"}, .secret_group = 1, .min_entropy = 3.0},
	{SECRET_RULE("secret.github-app-token", "GitHub App token", SEV_HIGH,
		     "A GitHub App user-to-server (ghu_) or installation (ghs_) token."),
	 .regex = "\\b((?:ghu|ghs)_[A-Za-z0-9]{36}|ghs_\\d+_eyJ[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+)(?![A-Za-z0-9_-])",
	 .keywords = {"ghu_", "ghs_"}, .secret_group = 1,
	 .min_entropy = 3.0},
	{SECRET_RULE("secret.github-refresh-token", "GitHub refresh token", SEV_HIGH,
		     "A GitHub App refresh token (ghr_)."),
	 .regex = "\\b(ghr_[A-Za-z0-9]{36,76})\\b", .keywords = {"ghr_"}, .secret_group = 1, .min_entropy = 3.0},
	{SECRET_RULE("secret.gitlab-pat", "GitLab personal access token", SEV_HIGH,
		     "A GitLab personal, project or group access token (glpat-)."),
	 .regex = "\\b(glpat-[A-Za-z0-9_-]{20,})(?![A-Za-z0-9_-])", .keywords = {"glpat-"}, .secret_group = 1,
	 .min_entropy = 3.0},
	{SECRET_RULE("secret.gitlab-token", "GitLab runner, deploy or trigger token", SEV_HIGH,
		     "A GitLab runner authentication (glrt-), pipeline trigger (glptt-), deploy (gldt-), feed "
		     "(glft-), OAuth app secret (gloas-) or CI job (glcbt-) token."),
	 .regex = "\\b((?:glrt|glptt|gldt|glft|glsoat|glcbt|gloas)-[A-Za-z0-9_-]{20,})(?![A-Za-z0-9_-])",
	 .keywords = {"glrt-", "glptt-", "gldt-", "glft-", "glsoat-", "glcbt-", "gloas-"}, .secret_group = 1,
	 .min_entropy = 3.0},
	{SECRET_RULE("secret.npm-token", "npm access token", SEV_HIGH,
		     "An npm access token (npm_): publish rights to the owner's packages."),
	 .regex = "\\b(npm_[A-Za-z0-9]{36})\\b", .keywords = {"npm_"}, .secret_group = 1, .min_entropy = 3.0},
	{SECRET_RULE("secret.npmrc-auth-token", "Registry token in .npmrc", SEV_HIGH,
		     "An _authToken (or _auth / _password) for a package registry in an .npmrc-style line."),
	 .regex = "(?im)(?:^|\\s)(?://[^\\s:]*/?:)?_(?:authToken|auth|password)\\s*=\\s*['\"]?([^\\s'\"]{8,})",
	 .keywords = {"_authtoken", "_auth", "_password"}, .secret_group = 1},
	{SECRET_RULE("secret.pypi-token", "PyPI upload token", SEV_HIGH,
		     "A PyPI API token (pypi-AgEIcHlwaS5vcmc...): upload rights to the owner's projects."),
	 .regex = "\\b(pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,})(?![A-Za-z0-9_-])", .keywords = {"pypi-ageichlwas5vcmc"},
	 .secret_group = 1},
	/* --- messaging, payments, SaaS --- */
	{SECRET_RULE("secret.slack-token", "Slack token", SEV_HIGH,
		     "A Slack bot, user, app-level or configuration token (xoxb-, xoxp-, xoxa-, xoxr-, xoxs-, "
		     "xoxe-, xapp-)."),
	 .regex = "\\b((?:xox[abeprs]-(?:\\d+-)?[0-9A-Za-z-]{10,250})|(?:xapp-\\d-[A-Z0-9]+-\\d+-[a-z0-9]+))\\b",
	 .keywords = {"xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xoxe-", "xapp-"}, .secret_group = 1,
	 .min_entropy = 3.0},
	{SECRET_RULE("secret.slack-webhook", "Slack incoming webhook URL", SEV_MEDIUM,
		     "A Slack incoming webhook or workflow URL: anyone can post to the channel."),
	 .regex = "(https?://hooks\\.slack\\.com/(?:services|workflows|triggers)/[A-Za-z0-9_/+-]{20,})",
	 .keywords = {"hooks.slack.com"}, .secret_group = 1},
	{SECRET_RULE("secret.stripe-live-key", "Stripe live secret key", SEV_CRITICAL,
		     "A Stripe live secret or restricted key (sk_live_, rk_live_): charges and refunds on the "
		     "account."),
	 .regex = "\\b((?:sk|rk)_live_[A-Za-z0-9]{20,247})\\b", .keywords = {"sk_live_", "rk_live_"},
	 .secret_group = 1, .min_entropy = 3.0},
	{SECRET_RULE("secret.twilio-api-key", "Twilio API key", SEV_HIGH,
		     "A Twilio API key SID with its secret nearby (SK followed by 32 hex characters)."),
	 .regex = "\\b(SK[0-9a-fA-F]{32})\\b", .keywords = {"sk"}, .secret_group = 1, .min_entropy = 3.0},
	{SECRET_RULE("secret.sendgrid-api-key", "SendGrid API key", SEV_HIGH,
		     "A SendGrid API key (SG.xxx.yyy): sends mail as the account."),
	 .regex = "\\b(SG\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])", .keywords = {"sg."},
	 .secret_group = 1, .min_entropy = 3.0},
	{SECRET_RULE("secret.mailgun-api-key", "Mailgun API key", SEV_HIGH,
		     "A Mailgun private API key (key- followed by 32 hex characters)."),
	 .regex = "\\b(key-[0-9a-f]{32})\\b", .keywords = {"key-"}, .secret_group = 1, .min_entropy = 3.0},
	{SECRET_RULE("secret.shopify-token", "Shopify access token", SEV_HIGH,
		     "A Shopify admin API, custom app, private app or shared secret token (shpat_, shpca_, "
		     "shppa_, shpss_)."),
	 .regex = "\\b(shp(?:at|ca|pa|ss)_[A-Za-z0-9]{32,64})\\b", .keywords = {"shpat_", "shpca_", "shppa_", "shpss_"},
	 .secret_group = 1, .min_entropy = 3.0},
	{SECRET_RULE("secret.discord-bot-token", "Discord bot token", SEV_HIGH,
		     "A Discord bot token near a Discord-named setting."),
	 .regex = "(?i:discord)[\\s\\S]{0,80}?\\b([MNO][A-Za-z\\d_-]{23,27}\\.[A-Za-z\\d_-]{6,7}\\.[A-Za-z\\d_-]{27,40})\\b",
	 .keywords = {"discord"}, .secret_group = 1, .min_entropy = 3.0, .multiline = true},
	{SECRET_RULE("secret.discord-webhook", "Discord webhook URL", SEV_MEDIUM,
		     "A Discord webhook URL: anyone can post to the channel."),
	 .regex = "(https://(?:ptb\\.|canary\\.)?discord(?:app)?\\.com/api/webhooks/\\d{5,30}/[A-Za-z0-9_-]{60,80})",
	 .keywords = {"discord"}, .secret_group = 1},
	{SECRET_RULE("secret.telegram-bot-token", "Telegram bot token", SEV_HIGH,
		     "A Telegram bot API token (bot id, colon, AA...): full control of the bot."),
	 .regex = "\\b(\\d{8,10}:AA[A-Za-z0-9_-]{33})(?![A-Za-z0-9_-])", .keywords = {":aa"}, .secret_group = 1},
	/* --- AI providers --- */
	{SECRET_RULE("secret.anthropic-api-key", "Anthropic API key", SEV_HIGH,
		     "An Anthropic API or admin key (sk-ant-api03-, sk-ant-admin01-): billable model access."),
	 .regex = "\\b(sk-ant-(?:api03|admin01)-[A-Za-z0-9_-]{80,120})(?![A-Za-z0-9_-])", .keywords = {"sk-ant-"},
	 .secret_group = 1},
	{SECRET_RULE("secret.openai-api-key", "OpenAI API key (legacy)", SEV_HIGH,
		     "A legacy OpenAI API key (sk-...T3BlbkFJ...)."),
	 .regex = "\\b(sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20})\\b", .keywords = {"t3blbkfj"}, .secret_group = 1},
	{SECRET_RULE("secret.openai-project-key", "OpenAI project or service account key", SEV_HIGH,
		     "An OpenAI project, service account or admin key (sk-proj-, sk-svcacct-, sk-admin-)."),
	 .regex = "\\b(sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,200}T3BlbkFJ[A-Za-z0-9_-]{20,})(?![A-Za-z0-9_-])",
	 .keywords = {"t3blbkfj"}, .secret_group = 1},
	{SECRET_RULE("secret.perplexity-api-key", "Perplexity API key", SEV_HIGH,
		     "A Perplexity API key (pplx-)."),
	 .regex = "\\b(pplx-[A-Za-z0-9]{48})\\b", .keywords = {"pplx-"}, .secret_group = 1, .min_entropy = 3.0},
	/* --- infrastructure --- */
	{SECRET_RULE("secret.vault-token", "HashiCorp Vault token", SEV_CRITICAL,
		     "A HashiCorp Vault service or batch token (hvs., hvb.): the policies it carries."),
	 .regex = "\\b((?:hvs|hvb)\\.[A-Za-z0-9_-]{24,})(?![A-Za-z0-9_-])", .keywords = {"hvs.", "hvb."},
	 .secret_group = 1, .min_entropy = 3.0},
	{SECRET_RULE("secret.docker-config-auth", "Registry credentials in Docker config", SEV_HIGH,
		     "An \"auth\" entry of a Docker config.json: base64 of user:password for a registry."),
	 .regex = "\"auth\"\\s*:\\s*\"([A-Za-z0-9+/]{6,}={0,2})\"", .keywords = {"\"auth\""}, .secret_group = 1,
	 .validate = validate_basic_auth},
	{SECRET_RULE("secret.url-credentials", "Password in a URL", SEV_HIGH,
		     "A URL carrying a user name and password (scheme://user:password@host): database URLs, "
		     "registry and git remotes."),
	 .regex = "\\b[A-Za-z][A-Za-z0-9+.-]{1,20}://(?:([A-Za-z0-9_]{20,100}):x-oauth-basic|[^\\s:/@'\"`<>]{1,100}:"
		  "([^\\s:/@'\"`<>]{4,100}))@[A-Za-z0-9.-]+",
	 .keywords = {"://"}, .secret_group = 1, .min_entropy = 1.5,
	 /* a password that names itself (password, mypassword, pass123) is documentation */
	 .allowlist = "(?i)^(?:\\*+|x+|(?:my|your|the|some|example|test|dummy|fake|sample|default)?[-_]?"
		      "(?:password|passwd|pass|pwd|secret|token)\\d*|\\$.*|%[0-9A-F]{2}.*)$"},
	{SECRET_RULE("secret.netrc-password", "Password in a netrc entry", SEV_HIGH,
		     "A machine/login/password entry as in ~/.netrc: credentials that curl, git and ftp send "
		     "automatically."),
	 .regex = "\\bmachine\\s+\\S+\\s+login\\s+\\S+\\s+password\\s+(\\S+)", .keywords = {"machine"},
	 .secret_group = 1, .multiline = true},
	{SECRET_RULE("secret.pgpass-password", "Password in a .pgpass file", SEV_HIGH,
		     "A hostname:port:database:username:password line of a PostgreSQL password file."),
	 .regex = "(?m)^[^:#\\s][^:\\n]*:[^:\\n]+:[^:\\n]+:[^:\\n]+:([^\\n]+?)\\s*$", .secret_group = 1,
	 .path_regex = "(?:^|/)\\.?pgpass$"},
	{SECRET_RULE("secret.htpasswd-hash", "Password hash in htpasswd format", SEV_MEDIUM,
		     "A user:hash line of an Apache htpasswd file (apr1, bcrypt, SHA): the hash can be cracked "
		     "offline."),
	 .regex = "(?m)^[^:\\s#]+:((?:\\$apr1\\$[./A-Za-z0-9]{1,8}\\$[./A-Za-z0-9]{22})|(?:\\$2[aby]\\$\\d\\d\\$[./A-Za-z0-9]{53})|"
		  "(?:\\{SHA\\}[A-Za-z0-9+/]{27}=))\\s*$",
	 .keywords = {"$apr1$", "$2y$", "$2a$", "$2b$", "{sha}"}, .secret_group = 1},
	{SECRET_RULE("secret.jwt", "JSON Web Token", SEV_MEDIUM,
		     "A JSON Web Token (eyJ...eyJ...sig): a bearer credential until it expires, and often "
		     "long-lived in configuration."),
	 .regex = "\\b(eyJ[A-Za-z0-9_-]{10,}\\.eyJ[A-Za-z0-9_-]{10,}\\.[A-Za-z0-9_-]{10,})(?![A-Za-z0-9_-])",
	 .keywords = {"eyj"}, .secret_group = 1},
	/* --- private keys --- */
	{SECRET_RULE("secret.rsa-private-key", "RSA private key", SEV_CRITICAL,
		     "A PEM RSA private key (PKCS#1), encrypted or not."),
	 .regex = "(-----BEGIN RSA PRIVATE KEY-----[\\s\\S]{40,}?-----END RSA PRIVATE KEY-----)",
	 .keywords = {"begin rsa private key"}, .secret_group = 1, .multiline = true},
	{SECRET_RULE("secret.ec-private-key", "EC private key", SEV_CRITICAL, "A PEM elliptic-curve private key (SEC 1)."),
	 .regex = "(-----BEGIN EC PRIVATE KEY-----[\\s\\S]{40,}?-----END EC PRIVATE KEY-----)",
	 .keywords = {"begin ec private key"}, .secret_group = 1, .multiline = true},
	{SECRET_RULE("secret.dsa-private-key", "DSA private key", SEV_CRITICAL, "A PEM DSA private key."),
	 .regex = "(-----BEGIN DSA PRIVATE KEY-----[\\s\\S]{40,}?-----END DSA PRIVATE KEY-----)",
	 .keywords = {"begin dsa private key"}, .secret_group = 1, .multiline = true},
	{SECRET_RULE("secret.openssh-private-key", "OpenSSH private key", SEV_CRITICAL,
		     "An OpenSSH-format private key: logs in wherever its public key is authorised."),
	 .regex = "(-----BEGIN OPENSSH PRIVATE KEY-----[\\s\\S]{40,}?-----END OPENSSH PRIVATE KEY-----)",
	 .keywords = {"begin openssh private key"}, .secret_group = 1, .multiline = true},
	{SECRET_RULE("secret.pgp-private-key", "PGP private key block", SEV_CRITICAL,
		     "An ASCII-armoured OpenPGP private key block: signs and decrypts as its owner."),
	 .regex = "(-----BEGIN PGP PRIVATE KEY BLOCK-----[\\s\\S]{40,}?-----END PGP PRIVATE KEY BLOCK-----)",
	 .keywords = {"begin pgp private key block"}, .secret_group = 1, .multiline = true},
	{SECRET_RULE("secret.pkcs8-private-key", "PKCS#8 private key", SEV_CRITICAL,
		     "An unencrypted PKCS#8 private key (BEGIN PRIVATE KEY), of any algorithm."),
	 .regex = "(-----BEGIN PRIVATE KEY-----[\\s\\S]{40,}?-----END PRIVATE KEY-----)",
	 .keywords = {"begin private key"}, .secret_group = 1, .multiline = true},
	{SECRET_RULE("secret.encrypted-private-key", "Encrypted PKCS#8 private key", SEV_HIGH,
		     "A passphrase-protected PKCS#8 private key: still crackable offline, and the passphrase is "
		     "often stored nearby."),
	 .regex = "(-----BEGIN ENCRYPTED PRIVATE KEY-----[\\s\\S]{40,}?-----END ENCRYPTED PRIVATE KEY-----)",
	 .keywords = {"begin encrypted private key"}, .secret_group = 1, .multiline = true},
	{SECRET_RULE("secret.putty-private-key", "PuTTY private key", SEV_CRITICAL,
		     "A PuTTY .ppk private key file."),
	 .regex = "(PuTTY-User-Key-File-\\d: [\\s\\S]{20,}?Private-Lines: \\d+[\\s\\S]{20,}?Private-MAC: [0-9a-f]+)",
	 .keywords = {"putty-user-key-file"}, .secret_group = 1, .multiline = true},
	/* --- more issuers' token formats --- */
	{SECRET_RULE("secret.docker-hub-token", "Docker Hub access token", SEV_HIGH,
		     "A Docker Hub personal access token (dckr_pat_): pushes and pulls as the account."),
	 .regex = "\\b(dckr_pat_[A-Za-z0-9_-]{27,})(?![A-Za-z0-9_-])", .keywords = {"dckr_pat_"}, .secret_group = 1,
	 .min_entropy = 3.0},
	{SECRET_RULE("secret.groq-api-key", "Groq API key", SEV_HIGH, "A Groq API key (gsk_)."),
	 .regex = "\\b(gsk_[A-Za-z0-9]{52})\\b", .keywords = {"gsk_"}, .secret_group = 1, .min_entropy = 3.0},
	{SECRET_RULE("secret.huggingface-token", "Hugging Face access token", SEV_HIGH,
		     "A Hugging Face user (hf_) or organisation (api_org_) access token."),
	 .regex = "\\b((?:hf_|api_org_)[A-Za-z]{34})\\b", .keywords = {"hf_", "api_org_"}, .secret_group = 1,
	 .min_entropy = 3.0},
	{SECRET_RULE("secret.onepassword-service-token", "1Password service account token", SEV_CRITICAL,
		     "A 1Password service account token (ops_eyJ...): reads every vault the account can see."),
	 .regex = "\\b(ops_eyJ[A-Za-z0-9+/=_-]{200,})", .keywords = {"ops_eyj"}, .secret_group = 1},
	{SECRET_RULE("secret.tailscale-key", "Tailscale key", SEV_HIGH,
		     "A Tailscale auth, API, OAuth client, SCIM or webhook key (tskey-): joins devices to the "
		     "tailnet or administers it."),
	 .regex = "(tskey-[a-z]+-[A-Za-z0-9]{6,}-[A-Za-z0-9]{10,})(?![A-Za-z0-9])", .keywords = {"tskey-"},
	 .secret_group = 1, .min_entropy = 3.0},
	{SECRET_RULE("secret.notion-token", "Notion integration token", SEV_HIGH,
		     "A Notion internal integration token (ntn_, or the older secret_ form)."),
	 .regex = "\\b(ntn_\\d{11}[A-Za-z0-9]{35}|secret_[A-Za-z0-9]{43})\\b", .keywords = {"ntn_", "secret_"},
	 .secret_group = 1, .min_entropy = 3.0},
	{SECRET_RULE("secret.vercel-token", "Vercel token", SEV_HIGH,
		     "A Vercel personal, integration, app, refresh or API token (vcp_, vci_, vca_, vcr_, vck_)."),
	 .regex = "\\b(vc[pikra]_[A-Za-z0-9]{24,})\\b", .keywords = {"vcp_", "vci_", "vca_", "vcr_", "vck_"},
	 .secret_group = 1, .min_entropy = 3.0},
	{SECRET_RULE("secret.grafana-token", "Grafana token", SEV_HIGH,
		     "A Grafana Cloud API token (glc_) or service account token (glsa_)."),
	 .regex = "\\b(glc_[A-Za-z0-9+/]{32,400}={0,2}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})(?![A-Za-z0-9+/=_])",
	 .keywords = {"glc_", "glsa_"}, .secret_group = 1, .min_entropy = 3.0},
	{SECRET_RULE("secret.cloudflare-token", "Cloudflare API token or key", SEV_HIGH,
		     "A Cloudflare account or user API token (cfat_, cfut_: 40 characters and an 8-hex checksum) or "
		     "global API key (cfk_)."),
	 .regex = "\\b((?:cfat|cfut)_[A-Za-z0-9]{40}[a-f0-9]{8}|cfk_[A-Za-z0-9]{37,40})\\b", .keywords = {"cfat_", "cfut_", "cfk_"},
	 .secret_group = 1, .min_entropy = 3.0},
	{SECRET_RULE("secret.linear-api-key", "Linear API key", SEV_HIGH, "A Linear personal API key (lin_api_)."),
	 .regex = "\\b(lin_api_[A-Za-z0-9]{40})\\b", .keywords = {"lin_api_"}, .secret_group = 1, .min_entropy = 3.0},
	{SECRET_RULE("secret.figma-token", "Figma access token", SEV_HIGH, "A Figma personal access token (figd_)."),
	 .regex = "\\b(figd_[A-Za-z0-9_-]{40,})(?![A-Za-z0-9_-])", .keywords = {"figd_"}, .secret_group = 1,
	 .min_entropy = 3.0},
	{SECRET_RULE("secret.databricks-token", "Databricks access token", SEV_HIGH,
		     "A Databricks personal access token (dapi followed by 32 hex characters)."),
	 .regex = "\\b(dapi[a-fA-F0-9]{32}(?:-\\d)?)\\b", .keywords = {"dapi"}, .secret_group = 1, .min_entropy = 3.0},
	{SECRET_RULE("secret.keystore-file", "Private key keystore file", SEV_HIGH,
		     "A PKCS#12 (.p12, .pfx) or Java keystore (.jks, .keystore, JCEKS) file: private keys behind "
		     "a password that is often weak or stored nearby, and crackable offline."),
	 .file_match = match_keystore},
	/* --- generic assignments, gated by entropy and shape --- */
	{SECRET_RULE("secret.generic-password", "Password assigned in configuration or code", SEV_MEDIUM,
		     "A password-named setting or variable (password, passwd, pwd) assigned a literal value "
		     "that looks like a real password, not a word, a reference or a placeholder."),
	 /* The match starts at the keyword, so that PCRE2 can skip ahead by
	  * its first character instead of trying every byte. */
	 .regex = "(?i)(?:password|passwd|pwd)[\\w-]{0,20}?['\"]?\\s*(?:=|:=|:|=>|==)\\s*"
		  "(?:['\"]([^'\"\\s]{8,100})['\"]|([^\\s'\"#,;()\\[\\]{}<>*&=]{8,100})(?![^\\s,;'\"#]))",
	 .keywords = {"password", "passwd", "pwd"}, .secret_group = 1, .generic = true, .validate = validate_generic},
	{SECRET_RULE("secret.generic-api-key", "Secret, token or API key assigned in configuration or code", SEV_MEDIUM,
		     "A secret-named setting (api_key, secret, token, client_secret, access_key, *_SECRET) "
		     "assigned a literal that has the length and randomness of a credential."),
	 .regex = "(?i)(?:api[_.-]?key|apikey|access[_.-]?key|secret[_.-]?key|"
		  "client[_.-]?secret|auth[_.-]?token|access[_.-]?token|secret|token|private[_.-]?key)[\\w-]{0,20}?['\"]?\\s*"
		  "(?:=|:=|:|=>)\\s*(?:['\"]([^'\"\\s]{16,200})['\"]|([A-Za-z0-9_\\-+/=.~]{16,200})(?![^\\s,;'\"#]))",
	 .keywords = {"key", "secret", "token"}, .secret_group = 1, .min_entropy = 3.5, .generic = true,
	 .validate = validate_generic},
};

const size_t secret_patterns_count = ARRAY_LEN(secret_patterns);

const struct rule_family secret_rule_family = {"secret", &secret_patterns[0].rule, ARRAY_LEN(secret_patterns),
					       sizeof(struct secret_pattern)};
