/*
 * libFuzzer target for the Kubernetes and Compose scanners and their
 * checks: arbitrary bytes go through k8s_scan_text (every object of every
 * document through every k8s.* rule, then the checks across objects) and
 * compose_scan_text, with findings written to a real store, as a scan
 * writes them. The checks walk whatever shape the input has, so this is
 * where a missing type test would crash. The store lives in a private
 * temporary directory, is started afresh every STORE_CYCLE inputs so that
 * it stays small, and is removed at exit. A store write failing aborts.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compose.h"
#include "k8s.h"
#include "k8s_checks.h"
#include "scan.h"
#include "store.h"

#define STORE_CYCLE 2000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct scan fuzz_scan;
static struct scan_target fuzz_target = {.locator = ".", .kind = "directory"};
static struct scan_request fuzz_request = {.quiet = true, .fail_on = SEV_NONE, .command = "fuzz"};
static char fuzz_dir[64], fuzz_db[96];
static unsigned fuzz_inputs;

static void fuzz_check(int ok)
{
	if (!ok)
		abort();
}

static void fuzz_remove_store(void)
{
	static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
	char path[128];

	for (size_t i = 0; i < sizeof(suffixes) / sizeof(*suffixes); i++) {
		snprintf(path, sizeof(path), "%s%s", fuzz_db, suffixes[i]);
		unlink(path);
	}
}

static void fuzz_open_store(void)
{
	char err[256];

	fuzz_check(store_open(fuzz_db, &fuzz_scan.store, err, sizeof(err)) == 0);
	fuzz_check(store_run_begin(fuzz_scan.store, "fuzz", "none", &fuzz_scan.run_id) == 0);
}

static void fuzz_close_store(void)
{
	if (!fuzz_scan.store)
		return;
	store_run_fail(fuzz_scan.store, fuzz_scan.run_id, "fuzzing");
	store_close(fuzz_scan.store);
	fuzz_scan.store = NULL;
	fuzz_remove_store();
}

static void fuzz_teardown(void)
{
	fuzz_close_store();
	secrets_engine_free(fuzz_scan.secrets);
	rmdir(fuzz_dir);
}

static void fuzz_setup(void)
{
	char err[256];

	strcpy(fuzz_dir, "/tmp/assay-fuzz-k8s-XXXXXX");
	fuzz_check(mkdtemp(fuzz_dir) != NULL);
	snprintf(fuzz_db, sizeof(fuzz_db), "%s/assay.db", fuzz_dir);
	fuzz_scan.req = &fuzz_request;
	fuzz_scan.target = &fuzz_target;
	fuzz_check(secrets_engine_new(&fuzz_scan.secrets, err, sizeof(err)) == 0);
	fuzz_open_store();
	atexit(fuzz_teardown);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct k8s_checks *checks;
	unsigned line;

	if (!fuzz_scan.store)
		fuzz_setup();
	if (++fuzz_inputs % STORE_CYCLE == 0) {
		fuzz_close_store();
		fuzz_open_store();
	}
	(void)k8s_has_helm_actions(text, size, &line);
	checks = k8s_checks_begin();
	k8s_scan_text(&fuzz_scan, checks, "fuzz.yaml", text, size);
	k8s_checks_end(&fuzz_scan, checks);
	compose_scan_text(&fuzz_scan, "compose.yaml", text, size, true);
	fuzz_check(fuzz_scan.write_error == 0);
	return 0;
}
