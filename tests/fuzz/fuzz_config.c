/*
 * libFuzzer target for the configuration and profile readers (.assay.yml,
 * the built-in profiles and users' own): parses arbitrary bytes both ways and
 * checks what the scan relies on: an error always names the file with a
 * line, a parsed config has well-formed waivers and rules, a parsed
 * profile has controls with ids and titles. A broken invariant aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_check(int ok)
{
	if (!ok)
		abort();
}

static void check_config(const char *text, size_t size)
{
	struct config *c = NULL;
	char err[512] = "";

	if (config_parse("f.yml", text, size, &c, err, sizeof(err)) < 0) {
		fuzz_check(c == NULL && strncmp(err, "f.yml:", 6) == 0);
		return;
	}
	for (size_t i = 0; i < c->n_waivers; i++) {
		const struct config_waiver *w = &c->waivers[i];

		fuzz_check(w->rule && w->reason && w->owner && w->expires && w->summary);
		fuzz_check(w->expires_day >= 0 && (!w->fingerprint != !w->n_paths));
	}
	for (size_t i = 0; i < c->n_secret_rules; i++)
		fuzz_check(strncmp(c->secret_rules[i].rule.id, CONFIG_SECRET_RULE_PREFIX,
				   strlen(CONFIG_SECRET_RULE_PREFIX)) == 0 && c->secret_rules[i].regex);
	for (size_t i = 0; i < c->n_settings; i++)
		fuzz_check(c->settings[i].rule && c->settings[i].severity < SEV_COUNT);
	config_date_waivers(c, 20000);
	config_free(c);
}

static void check_profile(const char *text, size_t size)
{
	struct profile *p = NULL;
	char err[512] = "";

	if (profile_parse("p.yaml", text, size, &p, err, sizeof(err)) < 0) {
		fuzz_check(p == NULL && strncmp(err, "p.yaml", 6) == 0);
		return;
	}
	fuzz_check(p->id && p->title && p->version && p->n_controls > 0);
	for (size_t i = 0; i < p->n_controls; i++)
		fuzz_check(p->controls[i].id && p->controls[i].title && p->controls[i].evidence);
	profile_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	check_config(text, size);
	check_profile(text, size);
	free(text);
	return 0;
}
