/*
 * libFuzzer target for the Dockerfile parser, the RUN shell splitter and the
 * .dockerignore matcher: parses arbitrary bytes, checks the invariants the
 * docker.* checks rely on (lines in range and in order, stage indices and
 * parents valid, strings terminated, error cap held), splits every RUN, and
 * frees. A broken invariant aborts, which the fuzzer reports as a crash.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "docker_checks.h"
#include "docker_shell.h"
#include "dockerfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_check(int ok)
{
	if (!ok)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dockerfile df;
	size_t lines = 1;
	char *missing;

	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (dockerfile_parse((const char *)data, size, &df) < 0) {
		dockerfile_free(&df);
		return 0;
	}
	fuzz_check(df.n_errors <= DOCKERFILE_MAX_ERRORS);
	fuzz_check(df.escape == '\\' || df.escape == '`');
	for (size_t i = 0; i < df.n_instrs; i++) {
		const struct df_instr *in = &df.instrs[i];
		struct sh_script sc;

		fuzz_check(in->line >= 1 && in->line <= in->end_line && in->end_line <= lines);
		fuzz_check(i == 0 || in->line > df.instrs[i - 1].line);
		fuzz_check(in->stage >= -1 && in->stage < (int)df.n_stages);
		fuzz_check(strlen(in->keyword) > 0 && strlen(in->args) <= size);
		for (size_t k = 0; k < in->n_flags; k++)
			fuzz_check(in->flags[k][0] == '-');
		sh_split(in->args, &sc);
		for (size_t c = 0; c < sc.n_cmds; c++)
			fuzz_check(sc.cmds[c].n_words <= SH_MAX_WORDS);
		sh_free(&sc);
		if (in->heredoc) {
			sh_split(in->heredoc, &sc);
			sh_free(&sc);
		}
	}
	for (size_t i = 0; i < df.n_stages; i++) {
		fuzz_check(df.stages[i].parent < (int)i);
		fuzz_check(df.stages[i].from < df.n_instrs);
		fuzz_check(strcmp(df.instrs[df.stages[i].from].keyword, "FROM") == 0);
		(void)df_stage_in_final(&df, (int)i);
	}
	for (size_t i = 0; i < df.n_errors; i++)
		fuzz_check(df.errors[i].line >= 1 && df.errors[i].line <= lines);
	dockerfile_free(&df);
	docker_ignore_gaps((const char *)data, size, &missing);
	free(missing);
	return 0;
}
