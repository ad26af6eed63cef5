/*
 * Unit tests for the Dockerfile parser (scanners/dockerfile_parse.c), the
 * RUN shell splitter (checks/docker_shell.c) and the .dockerignore matcher:
 * continuations, the escape directive, comments, exec and shell forms,
 * flags, heredocs, stages with ARG substitution, line numbers, errors.
 */
#include "cmocka_prelude.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "docker_checks.h"
#include "docker_shell.h"
#include "dockerfile.h"

static void parse(const char *text, struct dockerfile *df)
{
	assert_int_equal(dockerfile_parse(text, strlen(text), df), 0);
}

static void test_continuations_and_comments(void **state)
{
	struct dockerfile df;

	(void)state;
	parse("# a comment\n\nFROM debian:12\nRUN apt-get update \\\n    # inside\n\n    && apt-get install -y curl\nUSER app\n",
	      &df);
	assert_int_equal(df.n_errors, 0);
	assert_int_equal(df.n_instrs, 3);
	assert_string_equal(df.instrs[1].keyword, "RUN");
	assert_int_equal(df.instrs[1].line, 4);
	assert_int_equal(df.instrs[1].end_line, 7);
	assert_non_null(strstr(df.instrs[1].args, "apt-get update     && apt-get install"));
	assert_int_equal(df.instrs[2].line, 8);
	dockerfile_free(&df);
}

static void test_escape_directive(void **state)
{
	struct dockerfile df;

	(void)state;
	parse("# escape=`\nFROM mcr.microsoft.com/windows\nRUN dir c:\\ `\n  /s\n", &df);
	assert_int_equal(df.escape, '`');
	assert_int_equal(df.n_errors, 0);
	assert_int_equal(df.n_instrs, 2);
	assert_string_equal(df.instrs[1].args, "dir c:\\   /s");
	dockerfile_free(&df);
	/* A directive after an instruction is a comment. */
	parse("FROM a\n# escape=`\nRUN x \\\n y\n", &df);
	assert_int_equal(df.escape, '\\');
	assert_int_equal(df.n_instrs, 2);
	dockerfile_free(&df);
	parse("# escape=x\nFROM a\n", &df);
	assert_int_equal(df.n_errors, 1);
	dockerfile_free(&df);
}

static void test_exec_and_shell_forms(void **state)
{
	struct dockerfile df;

	(void)state;
	parse("FROM a\nCMD [\"python\", \"app.py\", \"\\u00e9\\\"\"]\nENTRYPOINT run.sh --flag\nCMD [broken\n", &df);
	assert_true(df.instrs[1].json);
	assert_int_equal(df.instrs[1].argc, 3);
	assert_string_equal(df.instrs[1].argv[2], "\xc3\xa9\"");
	assert_false(df.instrs[2].json);
	assert_false(df.instrs[3].json); /* not valid JSON: shell form, as BuildKit reads it */
	dockerfile_free(&df);
}

static void test_flags(void **state)
{
	struct dockerfile df;

	(void)state;
	parse("FROM --platform=linux/amd64 golang:1.22 AS build\nFROM alpine\nCOPY --from=build --chown=1:1 /a /b\n"
	      "RUN --mount=type=cache,target=/root/.cache go build\n",
	      &df);
	assert_string_equal(df_flag(&df.instrs[0], "platform"), "linux/amd64");
	assert_string_equal(df_flag(&df.instrs[2], "from"), "build");
	assert_string_equal(df_flag(&df.instrs[2], "chown"), "1:1");
	assert_null(df_flag(&df.instrs[2], "chmod"));
	assert_string_equal(df.instrs[2].args, "/a /b");
	assert_string_equal(df.instrs[3].args, "go build");
	dockerfile_free(&df);
}

static void test_heredocs(void **state)
{
	struct dockerfile df;

	(void)state;
	parse("FROM a\nRUN <<EOF\napt-get update\napt-get install -y x\nEOF\nRUN <<-\"END\" bash\n\techo hi\n\tEND\n"
	      "COPY <<A <<B /dst/\none\nA\ntwo\nB\nUSER x\n",
	      &df);
	assert_int_equal(df.n_errors, 0);
	assert_int_equal(df.n_instrs, 5);
	assert_string_equal(df.instrs[1].heredoc, "apt-get update\napt-get install -y x\n");
	assert_int_equal(df.instrs[1].end_line, 5);
	assert_string_equal(df.instrs[2].heredoc, "echo hi\n");
	assert_string_equal(df.instrs[3].heredoc, "one\ntwo\n");
	assert_int_equal(df.instrs[4].line, 14);
	dockerfile_free(&df);
	parse("FROM a\nRUN <<EOF\necho never ends\n", &df);
	assert_int_equal(df.n_errors, 1);
	assert_non_null(strstr(df.errors[0].message, "not terminated"));
	dockerfile_free(&df);
	/* <<< is a here-string, not a heredoc. */
	parse("FROM a\nRUN cat <<< hi\nUSER b\n", &df);
	assert_null(df.instrs[1].heredoc);
	assert_int_equal(df.n_instrs, 3);
	dockerfile_free(&df);
}

static void test_stages_and_args(void **state)
{
	struct dockerfile df;

	(void)state;
	parse("ARG BASE=debian\nARG TAG\nARG V=12\nFROM ${BASE}:${V} AS Build\nFROM build AS test\nFROM $BASE:${TAG:-bookworm}\n"
	      "FROM img:${TAG}\n",
	      &df);
	assert_int_equal(df.n_stages, 4);
	assert_string_equal(df.stages[0].image, "debian:12");
	assert_string_equal(df.stages[0].name, "build");
	assert_int_equal(df.stages[1].parent, 0);
	assert_string_equal(df.stages[2].image, "debian:bookworm");
	assert_int_equal(df.stages[2].parent, -1);
	assert_true(df.stages[3].unresolved);
	assert_int_equal(df.instrs[0].stage, -1);
	assert_int_equal(df.instrs[4].stage, 1);
	assert_true(df_stage_in_final(&df, 3));
	assert_false(df_stage_in_final(&df, 0));
	dockerfile_free(&df);
	parse("FROM a AS base\nFROM base\n", &df);
	assert_true(df_stage_in_final(&df, 0));
	dockerfile_free(&df);
}

static void test_errors(void **state)
{
	struct dockerfile df;

	(void)state;
	parse("RUN echo before\nFROM\nFROM a\nfrobnicate x\nSHELL /bin/sh\nEXPOSE\n", &df);
	assert_int_equal(df.n_errors, 5);
	assert_int_equal(df.errors[0].line, 1); /* RUN before FROM */
	assert_int_equal(df.errors[1].line, 2); /* FROM without an image */
	assert_int_equal(df.errors[2].line, 4);
	assert_non_null(strstr(df.errors[2].message, "unknown instruction"));
	assert_int_equal(df.errors[3].line, 5);
	assert_int_equal(df.errors[4].line, 6);
	dockerfile_free(&df);
	assert_int_equal(dockerfile_parse("x", DOCKERFILE_MAX_BYTES + 1, &df), -EFBIG);
	dockerfile_free(&df);
}

static void test_crlf_and_case(void **state)
{
	struct dockerfile df;

	(void)state;
	parse("from a\r\nrun echo \\\r\n  b\r\n", &df);
	assert_int_equal(df.n_errors, 0);
	assert_string_equal(df.instrs[0].keyword, "FROM");
	assert_string_equal(df.instrs[1].args, "echo   b");
	dockerfile_free(&df);
}

static void test_names(void **state)
{
	(void)state;
	assert_true(dockerfile_name_matches("Dockerfile"));
	assert_true(dockerfile_name_matches("Containerfile"));
	assert_true(dockerfile_name_matches("Dockerfile.prod"));
	assert_true(dockerfile_name_matches("api.Dockerfile"));
	assert_false(dockerfile_name_matches("Dockerfile.dockerignore"));
	assert_false(dockerfile_name_matches("dockerfile-lint.yml"));
}

static void test_shell_split(void **state)
{
	struct sh_script sc;

	(void)state;
	sh_split("DEBIAN_FRONTEND=noninteractive sudo -E apt-get install -y 'a b' \"c\\\"d\" && curl -s x | bash -", &sc);
	assert_int_equal(sc.n_cmds, 3);
	assert_int_equal(sc.cmds[0].n_assigns, 1);
	assert_true(sc.cmds[0].sudo);
	assert_string_equal(sc.cmds[0].words[0], "apt-get");
	assert_string_equal(sc.cmds[0].words[3], "a b");
	assert_string_equal(sc.cmds[0].words[4], "c\"d");
	assert_string_equal(sh_subcommand(&sc.cmds[0], NULL), "install");
	assert_false(sc.cmds[1].piped);
	assert_true(sc.cmds[2].piped);
	assert_string_equal(sc.cmds[2].words[0], "bash");
	sh_free(&sc);
	sh_split("bash <(curl -fsSL u) ; echo $(wget -qO- x) # comment && rm", &sc);
	assert_int_equal(sc.n_cmds, 4);
	assert_string_equal(sc.cmds[1].words[0], "curl");
	assert_string_equal(sc.cmds[3].words[0], "wget");
	sh_free(&sc);
	sh_split("", &sc);
	assert_int_equal(sc.n_cmds, 0);
	sh_free(&sc);
}

static void test_dockerignore(void **state)
{
	char *missing;
	const char *full = ".git\n**/.env*\n!.env.example\n*.key\nid_rsa*\n";

	(void)state;
	docker_ignore_gaps(full, strlen(full), &missing);
	assert_string_equal(missing, "");
	free(missing);
	docker_ignore_gaps("node_modules\n.git/\n", 20, &missing);
	assert_string_equal(missing, ".env*, private keys (id_rsa, *.key)");
	free(missing);
	/* A later ! re-includes what an earlier line excluded. */
	docker_ignore_gaps("*\n!.env\n", 8, &missing);
	assert_string_equal(missing, ".env*");
	free(missing);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_continuations_and_comments),
		cmocka_unit_test(test_escape_directive),
		cmocka_unit_test(test_exec_and_shell_forms),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_heredocs),
		cmocka_unit_test(test_stages_and_args),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_crlf_and_case),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_shell_split),
		cmocka_unit_test(test_dockerignore),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
