/*
 * Secret-name and secret-value heuristics (see secretname.h). The word
 * lists are deliberately small and explicit: each entry is a reason a
 * finding fires or does not, and tests/unit/test_secretname.c pins them.
 */
#include "secretname.h"

#include <ctype.h>
#include <math.h>
#include <string.h>

#include "util.h"

#define MAX_WORDS 32
#define MAX_WORD 48

/* Words that make a name secret. */
static const char *const secret_words[] = {
	"KEY", "SECRET", "SECRETS", "TOKEN", "TOKENS", "PASSWORD", "PASSWORDS", "PASSWD", "PWD", "PASS",
	"PASSPHRASE", "CREDENTIAL", "CREDENTIALS", "CREDS", "PRIVATE", "AUTH", "APIKEY", "SECRETKEY",
	"ACCESSKEY", "AUTHTOKEN", "PRIVATEKEY", "SALT", "PEPPER", "SIGNATURE", "COOKIE", "SESSION",
	"DSN", "CONNECTIONSTRING",
};

/* A last word that says the variable holds something about the secret. */
static const char *const about_secret_words[] = {
	"ID", "IDS", "NAME", "NAMES", "FILE", "PATH", "DIR", "URL", "URI", "ENDPOINT", "HOST", "PORT",
	"TTL", "EXPIRY", "EXPIRES", "EXPIRATION", "TIMEOUT", "LENGTH", "LEN", "SIZE", "ENABLED",
	"DISABLED", "ENABLE", "DISABLE", "TYPE", "MODE", "PREFIX", "HEADER", "ALGORITHM", "ALG",
	"VERSION", "REGION", "USER", "USERNAME", "EMAIL", "DOMAIN", "ISSUER", "AUDIENCE", "PROVIDER",
	"METHOD", "SCOPE", "SCOPES", "COUNT", "LIMIT", "FORMAT", "ARN", "FIELD", "PARAM", "VAR",
	"KIND", "STRATEGY", "REQUIRED", "MIN", "MAX", "POLICY", "ROTATION", "INTERVAL", "ATTEMPTS",
	"STORE", "MANAGER", "BACKEND", "LOCATION", "BUCKET", "FINGERPRINT", "HASH", "CALLBACK",
	"REDIRECT", "SERVER", "SERVICE", "CACHE", "SECURE", "HTTPONLY", "SAMESITE", "COLUMN", "TABLE",
};

/* A word anywhere that marks the value as public by design. */
static const char *const public_words[] = {"PUBLIC", "PUB", "PUBLISHABLE", "PUBKEY"};

static bool word_in(const char *w, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(w, list[i]) == 0)
			return true;
	return false;
}

/* Splits a name into upper-case words at _ - . / : and space, and at
 * camelCase boundaries ("dbPassword" -> DB, PASSWORD). */
static size_t split_words(const char *name, char words[MAX_WORDS][MAX_WORD])
{
	size_t n = 0, len = 0;
	const unsigned char *p = (const unsigned char *)name;

	for (size_t i = 0;; i++) {
		unsigned char c = p[i];
		bool sep = c == 0 || !isalnum(c);
		bool camel = i > 0 && isupper(c) && islower(p[i - 1]);

		if ((sep || camel) && len) {
			words[n][len] = '\0';
			if (++n == MAX_WORDS)
				return n;
			len = 0;
		}
		if (c == 0)
			return n;
		if (!sep && len + 1 < MAX_WORD)
			words[n][len++] = (char)toupper(c);
	}
}

bool secret_name_is_sensitive(const char *name)
{
	char words[MAX_WORDS][MAX_WORD];
	size_t n = split_words(name, words);
	bool secret = false;

	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (word_in(words[i], public_words, ARRAY_LEN(public_words)))
			return false;
		if (word_in(words[i], secret_words, ARRAY_LEN(secret_words)))
			secret = true;
	}
	if (!secret)
		return false;
	/* "PASSWORD" alone is secret; "PASSWORD_FILE" names where it is. */
	return !(n > 1 && word_in(words[n - 1], about_secret_words, ARRAY_LEN(about_secret_words)));
}

static bool all_same_char(const char *v, char c, size_t min)
{
	size_t n = 0;

	for (; *v; v++, n++)
		if (tolower((unsigned char)*v) != c)
			return false;
	return n >= min;
}

static bool is_masked(const char *v)
{
	size_t n = 0;

	for (; *v; v++, n++)
		if (*v != '*' && *v != '.' && *v != '#' && *v != '-' && *v != '_')
			return false;
	return n >= 3;
}

bool secret_value_is_placeholder(const char *value)
{
	static const char *const exact[] = {
		"changeme", "change_me", "change-me", "changeit", "todo", "tbd", "fixme", "placeholder",
		"dummy", "replaceme", "replace_me", "replace-me", "redacted", "sample",
	};
	static const char *const contained[] = {
		"example", "changeme", "change_me", "change-me", "replace_me", "replace-me", "replaceme",
		"placeholder", "your_", "your-", "yourapi", "yoursecret", "yourtoken", "yourpassword",
		"insert_", "insert-", "fill_in", "fill-in", "fillmein", "put_your", "put-your", "todo",
		"fixme", "_here", "-here", "dummy", "redacted", "replace_with", "replace-with",
	};
	size_t len = strlen(value);

	if (len == 0)
		return false;
	for (size_t i = 0; i < ARRAY_LEN(exact); i++)
		if (str_ieq(value, exact[i]))
			return true;
	for (size_t i = 0; i < ARRAY_LEN(contained); i++)
		if (str_icontains(value, contained[i]))
			return true;
	if (value[0] == '<' && value[len - 1] == '>')
		return true;
	if (value[0] == '[' && value[len - 1] == ']')
		return true;
	/* templates: {name}, {{ name }}, %NAME%, __NAME__ */
	if (value[0] == '{' && value[len - 1] == '}')
		return true;
	if (len > 2 && ((value[0] == '%' && value[len - 1] == '%') ||
			(len > 4 && str_starts_with(value, "__") && str_ends_with(value, "__"))))
		return true;
	return all_same_char(value, 'x', 3) || all_same_char(value, '0', 6) || is_masked(value);
}

bool secret_value_is_reference(const char *value)
{
	const char *d = strchr(value, '$');

	if (!d)
		return false;
	/* ${VAR}, $(cmd), $VAR at the start of a word */
	return d[1] == '{' || d[1] == '(' || isalpha((unsigned char)d[1]) || d[1] == '_';
}

bool secret_value_is_whole_reference(const char *v, size_t n)
{
	size_t i;

	if (n < 2 || v[0] != '$')
		return false;
	if (v[1] == '{')
		return memchr(v, '}', n) == v + n - 1;
	if (v[1] == '(')
		return v[n - 1] == ')';
	if (!isalpha((unsigned char)v[1]) && v[1] != '_')
		return false;
	for (i = 1; i < n && (isalnum((unsigned char)v[i]) || v[i] == '_'); i++)
		;
	return i == n;
}

bool secret_value_is_flag(const char *value)
{
	static const char *const flags[] = {"true", "false", "yes", "no", "on", "off", "null", "none", "nil", "0", "1"};

	for (size_t i = 0; i < ARRAY_LEN(flags); i++)
		if (str_ieq(value, flags[i]))
			return true;
	return false;
}

double shannon_entropy(const char *s, size_t n)
{
	size_t counts[256] = {0};
	double h = 0;

	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		counts[(unsigned char)s[i]]++;
	for (int c = 0; c < 256; c++) {
		if (counts[c]) {
			double p = (double)counts[c] / (double)n;
			h -= p * log2(p);
		}
	}
	return h;
}

const char *secret_value_weakness(const char *value, size_t len)
{
	if (len < SECRET_MIN_LENGTH)
		return "shorter than 16 characters";
	if (shannon_entropy(value, len) < SECRET_MIN_ENTROPY)
		return "low entropy (repetitive or predictable)";
	return NULL;
}
