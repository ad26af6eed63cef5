/* Telling Helm templates from manifests (k8s_has_helm_actions): the first
 * "{{" that opens a Helm action is found wherever it lies, with its line;
 * braces that open no action ("{}", "{ {", Argo's {{inputs.x}}), a brace
 * at the very end, and a third brace before an action are told apart. The
 * search reads no byte past the text (ASan, with exactly sized copies). */
#include "cmocka_prelude.h"

#include <stdlib.h>
#include <string.h>

#include "k8s.h"
#include "util.h"

/* The answer for `text`, searched in a copy of exactly its length. */
static bool helm_in(const char *text, unsigned *line)
{
	size_t len = strlen(text);
	char *copy = xmalloc(len ? len : 1);
	bool found;

	memcpy(copy, text, len);
	*line = 0;
	found = k8s_has_helm_actions(copy, len, line);
	free(copy);
	return found;
}

static void test_actions_found_with_their_line(void **state)
{
	unsigned line;

	(void)state;
	assert_true(helm_in("image: {{ .Values.image }}\n", &line));
	assert_int_equal(line, 1);
	assert_true(helm_in("a: 1\nb: {}\nc: { {x} }\nd: {{- include \"x\" . }}\n", &line));
	assert_int_equal(line, 4);
	assert_true(helm_in("a: {{inputs.parameters.x}}\n\nb: {{ $v := 1 }}\n", &line));
	assert_int_equal(line, 3);
	/* more braces: a pair that opens an action is found after others */
	assert_true(helm_in("x: {{{{- if .x }}\n", &line));
	assert_int_equal(line, 1);
}

static void test_no_action(void **state)
{
	unsigned line;

	(void)state;
	assert_false(helm_in("", &line));
	assert_false(helm_in("{", &line));
	assert_false(helm_in("{{", &line));
	assert_false(helm_in("a: {}\nb: { {c: d} }\n", &line));
	assert_false(helm_in("expr: '{{ $labels.instance }} down'\n", &line));
	assert_false(helm_in("cmd: echo {{inputs.parameters.message}}\n", &line));
	assert_false(helm_in("ends with a brace {", &line));
	assert_false(helm_in("ends with two {{", &line));
	assert_false(helm_in("x: {{{ .Values.y }}\n", &line)); /* "{{" then "{ .", as Go reads it too */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_actions_found_with_their_line),
		cmocka_unit_test(test_no_action),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
