/*
 * The Dockerfile parser (see dockerfile.h). It follows BuildKit's reading of
 * the format: parser directives only before anything else, a line ending in
 * the escape character continues on the next one (comment and empty lines
 * inside a continuation are dropped), heredocs on RUN, COPY and ADD, exec
 * form when the arguments are a JSON array of strings and shell form
 * otherwise. Every instruction keeps the line it starts on. The input is
 * untrusted: sizes are capped and nothing is assumed to be terminated.
 */
#include "dockerfile.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define DF_MAX_HEREDOCS 8

static const char *const known_keywords[] = {
	"ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL",
	"MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
};

/* A physical line of the input. */
struct df_line {
	const char *text;
	size_t len; /* without the line ending */
};

struct df_parser {
	struct dockerfile *df;
	struct df_line *lines;
	size_t n_lines;
	size_t next; /* index of the next unread line */
	size_t cap_instrs, cap_stages;
	/* Build arguments declared before the first FROM, for FROM substitution. */
	char **arg_names, **arg_values;
	size_t n_args;
};

static void df_error(struct df_parser *p, unsigned line, unsigned column, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void df_error(struct df_parser *p, unsigned line, unsigned column, const char *fmt, ...)
{
	struct dockerfile *df = p->df;
	struct df_error *e;
	va_list ap;

	if (df->n_errors >= DOCKERFILE_MAX_ERRORS) {
		df->errors_truncated = true;
		return;
	}
	df->errors = xrealloc(df->errors, (df->n_errors + 1) * sizeof(*df->errors));
	e = &df->errors[df->n_errors++];
	e->line = line;
	e->column = column ? column : 1;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
}

bool dockerfile_name_matches(const char *name)
{
	if (str_ieq(name, "Dockerfile") || str_ieq(name, "Containerfile"))
		return true;
	if (strncasecmp(name, "Dockerfile.", 11) == 0 || strncasecmp(name, "Containerfile.", 14) == 0)
		return !str_ends_with(name, ".dockerignore");
	return str_ends_with(name, ".Dockerfile") || str_ends_with(name, ".dockerfile") ||
	       str_ends_with(name, ".Containerfile");
}

/* Splits the input into lines at \n, dropping a \r before it. */
static void split_lines(struct df_parser *p, const char *data, size_t len)
{
	size_t cap = 0, start = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i < len && data[i] != '\n')
			continue;
		if (i == len && start == len)
			break;
		if (p->n_lines == cap) {
			cap = cap ? cap * 2 : 64;
			p->lines = xrealloc(p->lines, cap * sizeof(*p->lines));
		}
		size_t n = i - start;
		if (n && data[start + n - 1] == '\r')
			n--;
		p->lines[p->n_lines].text = data + start;
		p->lines[p->n_lines].len = n;
		p->n_lines++;
		start = i + 1;
	}
}

static bool is_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\f' && s[i] != '\v')
			return false;
	return true;
}

static size_t skip_ws(const char *s, size_t n, size_t i)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i;
}

static bool is_comment(const struct df_line *l)
{
	size_t i = skip_ws(l->text, l->len, 0);

	return i < l->len && l->text[i] == '#';
}

/* "# escape=`" and friends. Returns true when the line is a directive. */
static bool parse_directive(struct df_parser *p, const struct df_line *l, unsigned lineno)
{
	char key[32], value[64];
	size_t i = skip_ws(l->text, l->len, 0), k = 0, v = 0;

	if (i >= l->len || l->text[i] != '#')
		return false;
	i = skip_ws(l->text, l->len, i + 1);
	while (i < l->len && (isalnum((unsigned char)l->text[i]) || l->text[i] == '_') && k < sizeof(key) - 1)
		key[k++] = (char)tolower((unsigned char)l->text[i++]);
	key[k] = '\0';
	i = skip_ws(l->text, l->len, i);
	if (!k || i >= l->len || l->text[i] != '=')
		return false;
	i = skip_ws(l->text, l->len, i + 1);
	while (i < l->len && l->text[i] != ' ' && l->text[i] != '\t' && v < sizeof(value) - 1)
		value[v++] = l->text[i++];
	value[v] = '\0';
	if (strcmp(key, "escape") == 0) {
		if (strcmp(value, "\\") == 0 || strcmp(value, "`") == 0)
			p->df->escape = value[0];
		else
			df_error(p, lineno, 1, "invalid escape directive '%s': it must be \\ or `", value);
	} else if (strcmp(key, "syntax") != 0 && strcmp(key, "check") != 0) {
		return false; /* an ordinary comment that happens to hold '=' */
	}
	return true;
}

/* The line minus trailing whitespace ends in the escape character. */
static bool continues(const struct dockerfile *df, const char *s, size_t n)
{
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return n && s[n - 1] == df->escape;
}

static size_t without_continuation(const char *s, size_t n)
{
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return n - 1;
}

/* Joins a logical line starting at p->next: continuation lines are appended
 * (without the escape character), comment and blank lines inside it are
 * dropped. Returns the line number of its last physical line. */
static unsigned read_logical_line(struct df_parser *p, struct buf *out)
{
	const struct df_line *l = &p->lines[p->next++];
	unsigned last = (unsigned)p->next;

	buf_reset(out);
	buf_append(out, l->text, l->len);
	while (continues(p->df, out->data, out->len)) {
		out->len = without_continuation(out->data, out->len);
		out->data[out->len] = '\0';
		while (p->next < p->n_lines &&
		       (is_comment(&p->lines[p->next]) || is_blank(p->lines[p->next].text, p->lines[p->next].len)))
			p->next++;
		if (p->next >= p->n_lines)
			break;
		l = &p->lines[p->next++];
		last = (unsigned)p->next;
		buf_append(out, l->text, l->len);
	}
	if (!out->data)
		buf_puts(out, "");
	return last;
}

/* Finds heredoc words in RUN/COPY/ADD arguments: <<WORD, <<-WORD, <<"WORD",
 * <<'WORD'. Not <<< (a here-string). Returns how many were found. */
static size_t find_heredocs(const char *s, char words[][64], bool strip_tabs[])
{
	size_t n = 0;
	char quote = 0;

	for (size_t i = 0; s[i] && n < DF_MAX_HEREDOCS; i++) {
		if (quote) {
			if (s[i] == quote)
				quote = 0;
			continue;
		}
		if (s[i] == '\'' || s[i] == '"') {
			quote = s[i];
			continue;
		}
		if (s[i] != '<' || s[i + 1] != '<' || s[i + 2] == '<' || (i && s[i - 1] == '<'))
			continue;
		size_t j = i + 2, w = 0;
		bool dash = s[j] == '-';
		if (dash)
			j++;
		char q = (s[j] == '"' || s[j] == '\'') ? s[j++] : 0;
		while (s[j] && (isalnum((unsigned char)s[j]) || s[j] == '_' || s[j] == '.' || s[j] == '-') && w < 63)
			words[n][w++] = s[j++];
		words[n][w] = '\0';
		if (!w || (q && s[j] != q))
			continue;
		strip_tabs[n++] = dash;
		i = q ? j : j - 1; /* the loop steps past the word (and its closing quote) */
	}
	return n;
}

/* Consumes heredoc bodies after the instruction's last line. */
static void read_heredocs(struct df_parser *p, struct df_instr *in)
{
	char words[DF_MAX_HEREDOCS][64];
	bool strip[DF_MAX_HEREDOCS];
	size_t n = find_heredocs(in->args, words, strip);
	struct buf body;

	if (!n)
		return;
	buf_init(&body);
	for (size_t h = 0; h < n; h++) {
		bool done = false;
		while (p->next < p->n_lines && !done) {
			const struct df_line *l = &p->lines[p->next++];
			const char *t = l->text;
			size_t len = l->len;
			if (strip[h])
				while (len && *t == '\t')
					t++, len--;
			if (len == strlen(words[h]) && memcmp(t, words[h], len) == 0) {
				done = true;
				break;
			}
			buf_append(&body, t, len);
			buf_putc(&body, '\n');
		}
		in->end_line = (unsigned)p->next;
		if (!done) {
			df_error(p, in->line, 1, "heredoc <<%s is not terminated before the end of the file", words[h]);
			break;
		}
	}
	in->heredoc = buf_steal(&body);
}

/* Parses a JSON array of strings. Returns false when s is not one. */
static bool parse_json_array(const char *s, char ***argv_out, size_t *argc_out)
{
	char **argv = NULL;
	size_t argc = 0;
	struct buf b;
	size_t i = 0;

	buf_init(&b);
	while (isspace((unsigned char)s[i]))
		i++;
	if (s[i++] != '[')
		goto fail;
	while (isspace((unsigned char)s[i]))
		i++;
	if (s[i] == ']') {
		i++;
		goto tail;
	}
	for (;;) {
		while (isspace((unsigned char)s[i]))
			i++;
		if (s[i++] != '"')
			goto fail;
		buf_reset(&b);
		buf_puts(&b, "");
		while (s[i] && s[i] != '"') {
			if ((unsigned char)s[i] < 0x20)
				goto fail;
			if (s[i] != '\\') {
				buf_putc(&b, s[i++]);
				continue;
			}
			i++;
			switch (s[i]) {
			case '"': case '\\': case '/': buf_putc(&b, s[i]); break;
			case 'b': buf_putc(&b, '\b'); break;
			case 'f': buf_putc(&b, '\f'); break;
			case 'n': buf_putc(&b, '\n'); break;
			case 'r': buf_putc(&b, '\r'); break;
			case 't': buf_putc(&b, '\t'); break;
			case 'u': {
				unsigned cp = 0;
				for (int k = 1; k <= 4; k++) {
					if (!isxdigit((unsigned char)s[i + k]))
						goto fail;
					cp = cp * 16 + (unsigned)(isdigit((unsigned char)s[i + k]) ? s[i + k] - '0'
										 : (tolower((unsigned char)s[i + k]) - 'a' + 10));
				}
				i += 4;
				/* Enough for commands: code points as UTF-8, surrogates as '?'. */
				if (cp >= 0xd800 && cp < 0xe000)
					buf_putc(&b, '?');
				else if (cp < 0x80)
					buf_putc(&b, (char)(cp ? cp : '?'));
				else if (cp < 0x800) {
					buf_putc(&b, (char)(0xc0 | (cp >> 6)));
					buf_putc(&b, (char)(0x80 | (cp & 0x3f)));
				} else {
					buf_putc(&b, (char)(0xe0 | (cp >> 12)));
					buf_putc(&b, (char)(0x80 | ((cp >> 6) & 0x3f)));
					buf_putc(&b, (char)(0x80 | (cp & 0x3f)));
				}
				break;
			}
			default:
				goto fail;
			}
			i++;
		}
		if (s[i++] != '"')
			goto fail;
		argv = xrealloc(argv, (argc + 1) * sizeof(*argv));
		argv[argc++] = buf_steal(&b);
		while (isspace((unsigned char)s[i]))
			i++;
		if (s[i] == ',') {
			i++;
			continue;
		}
		if (s[i++] != ']')
			goto fail;
		break;
	}
tail:
	while (isspace((unsigned char)s[i]))
		i++;
	if (s[i])
		goto fail;
	buf_free(&b);
	*argv_out = argv;
	*argc_out = argc;
	return true;
fail:
	for (size_t k = 0; k < argc; k++)
		free(argv[k]);
	free(argv);
	buf_free(&b);
	return false;
}

static bool takes_flags(const char *kw)
{
	return strcmp(kw, "FROM") == 0 || strcmp(kw, "RUN") == 0 || strcmp(kw, "COPY") == 0 ||
	       strcmp(kw, "ADD") == 0 || strcmp(kw, "HEALTHCHECK") == 0;
}

static bool may_be_exec_form(const char *kw)
{
	return strcmp(kw, "RUN") == 0 || strcmp(kw, "CMD") == 0 || strcmp(kw, "ENTRYPOINT") == 0 ||
	       strcmp(kw, "SHELL") == 0 || strcmp(kw, "COPY") == 0 || strcmp(kw, "ADD") == 0 ||
	       strcmp(kw, "VOLUME") == 0;
}

/* Moves leading --flags of the arguments into in->flags. */
static const char *take_flags(struct df_instr *in, const char *args)
{
	while (args[0] == '-' && args[1] == '-' && args[2] && !isspace((unsigned char)args[2])) {
		size_t n = 0;
		while (args[n] && !isspace((unsigned char)args[n]))
			n++;
		in->flags = xrealloc(in->flags, (in->n_flags + 1) * sizeof(*in->flags));
		in->flags[in->n_flags++] = xstrndup(args, n);
		args += n;
		while (isspace((unsigned char)*args))
			args++;
	}
	return args;
}

const char *df_flag(const struct df_instr *in, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < in->n_flags; i++) {
		const char *f = in->flags[i] + 2;
		if (strncasecmp(f, name, n) != 0)
			continue;
		if (f[n] == '=')
			return f + n + 1;
		if (f[n] == '\0')
			return f + n;
	}
	return NULL;
}

static const char *arg_value(const struct df_parser *p, const char *name, size_t n)
{
	for (size_t i = p->n_args; i-- > 0;)
		if (strlen(p->arg_names[i]) == n && memcmp(p->arg_names[i], name, n) == 0)
			return p->arg_values[i];
	return NULL;
}

/* Expands $VAR, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:+alt} with
 * the global build arguments. Sets *unresolved when a variable has no value. */
static char *expand_args(const struct df_parser *p, const char *s, bool *unresolved)
{
	struct buf b;

	buf_init(&b);
	buf_puts(&b, "");
	for (size_t i = 0; s[i];) {
		if (s[i] == p->df->escape && s[i + 1] == '$') {
			buf_putc(&b, '$');
			i += 2;
			continue;
		}
		if (s[i] != '$') {
			buf_putc(&b, s[i++]);
			continue;
		}
		bool braced = s[i + 1] == '{';
		size_t start = i + 1 + braced, j = start;
		while (isalnum((unsigned char)s[j]) || s[j] == '_')
			j++;
		if (j == start) {
			buf_putc(&b, s[i++]);
			continue;
		}
		const char *value = arg_value(p, s + start, j - start);
		char *word = NULL;
		char op = 0;
		if (braced) {
			size_t k = j;
			if (s[k] == ':' && (s[k + 1] == '-' || s[k + 1] == '+'))
				op = s[k + 1], k += 2;
			else if (s[k] == '-' || s[k] == '+')
				op = s[k], k++;
			size_t w = k;
			while (s[k] && s[k] != '}')
				k++;
			if (op)
				word = xstrndup(s + w, k - w);
			j = s[k] ? k + 1 : k;
		}
		if (op == '-' && (!value || !*value))
			buf_puts(&b, word);
		else if (op == '+')
			buf_puts(&b, value && *value ? word : "");
		else if (value)
			buf_puts(&b, value);
		else
			*unresolved = true;
		free(word);
		i = j;
	}
	return buf_steal(&b);
}

/* ARG NAME[=default] before the first FROM: remembered for FROM lines. */
static void remember_global_arg(struct df_parser *p, const char *args)
{
	const char *eq;
	size_t n;

	while (*args) {
		n = strcspn(args, " \t");
		eq = memchr(args, '=', n);
		p->arg_names = xrealloc(p->arg_names, (p->n_args + 1) * sizeof(char *));
		p->arg_values = xrealloc(p->arg_values, (p->n_args + 1) * sizeof(char *));
		p->arg_names[p->n_args] = xstrndup(args, eq ? (size_t)(eq - args) : n);
		if (eq) {
			char *v = xstrndup(eq + 1, n - (size_t)(eq + 1 - args));
			size_t vl = strlen(v);
			if (vl >= 2 && (v[0] == '"' || v[0] == '\'') && v[vl - 1] == v[0]) {
				memmove(v, v + 1, vl - 2);
				v[vl - 2] = '\0';
			}
			p->arg_values[p->n_args] = v;
		} else {
			p->arg_values[p->n_args] = NULL;
		}
		p->n_args++;
		args += n;
		while (*args == ' ' || *args == '\t')
			args++;
	}
}

static int stage_by_name(const struct dockerfile *df, const char *name)
{
	for (size_t i = 0; i < df->n_stages; i++)
		if (df->stages[i].name && str_ieq(df->stages[i].name, name))
			return (int)i;
	return -1;
}

/* FROM [--platform=...] image [AS name] */
static void parse_from(struct df_parser *p, struct df_instr *in)
{
	struct dockerfile *df = p->df;
	char *words[4] = {0};
	size_t n = 0;
	const char *s = in->args;
	struct df_stage *st;

	while (*s && n < 4) {
		size_t len = strcspn(s, " \t");
		words[n++] = xstrndup(s, len);
		s += len;
		while (*s == ' ' || *s == '\t')
			s++;
	}
	if (n == 0 || (n >= 2 && !(n == 3 && str_ieq(words[1], "as"))) || *s) {
		df_error(p, in->line, 1, n == 0 ? "FROM needs a base image" : "FROM takes an image and an optional 'AS name'");
		if (n == 0)
			goto out;
	}
	if (df->n_stages >= DOCKERFILE_MAX_STAGES) {
		df_error(p, in->line, 1, "more than %d build stages; the rest are not checked", DOCKERFILE_MAX_STAGES);
		goto out;
	}
	if (df->n_stages == p->cap_stages) {
		p->cap_stages = p->cap_stages ? p->cap_stages * 2 : 4;
		df->stages = xrealloc(df->stages, p->cap_stages * sizeof(*df->stages));
	}
	st = &df->stages[df->n_stages];
	memset(st, 0, sizeof(*st));
	st->image = expand_args(p, words[0], &st->unresolved);
	st->parent = stage_by_name(df, st->image);
	st->from = df->n_instrs - 1; /* this FROM, already added */
	if (n == 3 && str_ieq(words[1], "as")) {
		st->name = xstrdup(words[2]);
		for (char *c = st->name; *c; c++)
			*c = (char)tolower((unsigned char)*c);
	}
	df->n_stages++;
out:
	for (size_t i = 0; i < n; i++)
		free(words[i]);
}

static bool keyword_known(const char *kw)
{
	for (size_t i = 0; i < ARRAY_LEN(known_keywords); i++)
		if (strcmp(kw, known_keywords[i]) == 0)
			return true;
	return false;
}

static bool needs_arguments(const char *kw)
{
	return strcmp(kw, "CMD") != 0 && strcmp(kw, "ENTRYPOINT") != 0 && strcmp(kw, "HEALTHCHECK") != 0;
}

/* ENV and LABEL in the name=value form: every word must be one (BuildKit
 * refuses "ENV a=b c"). Returns the first word without '=', or NULL; the
 * word is copied into bad. */
static const char *first_word_without_eq(const char *args, char *bad, size_t n)
{
	size_t i = 0;

	while (args[i]) {
		size_t start, len;
		bool eq = false;
		char q = 0;

		while (args[i] == ' ' || args[i] == '\t')
			i++;
		if (!args[i])
			break;
		for (start = i; args[i] && (q || (args[i] != ' ' && args[i] != '\t')); i++) {
			if (q) {
				if (args[i] == q)
					q = 0;
				else if (args[i] == '\\' && q == '"' && args[i + 1])
					i++;
			} else if (args[i] == '"' || args[i] == '\'') {
				q = args[i];
			} else if (args[i] == '\\' && args[i + 1]) {
				i++;
			} else if (args[i] == '=') {
				eq = true;
			}
		}
		if (!eq) {
			len = i - start < n - 1 ? i - start : n - 1;
			memcpy(bad, args + start, len);
			bad[len] = '\0';
			return bad;
		}
	}
	return NULL;
}

/* Checks what BuildKit would refuse, after the instruction was split. */
static void check_instruction(struct df_parser *p, struct df_instr *in)
{
	char bad[64];

	if (strcmp(in->keyword, "FROM") == 0)
		return; /* parse_from said what was wrong */
	if (!*in->args && !in->json && needs_arguments(in->keyword))
		df_error(p, in->line, 1, "%s needs arguments", in->keyword);
	else if (strcmp(in->keyword, "SHELL") == 0 && !in->json)
		df_error(p, in->line, 1, "SHELL needs its arguments as a JSON array, such as [\"/bin/sh\", \"-c\"]");
	else if ((strcmp(in->keyword, "ENV") == 0 || strcmp(in->keyword, "LABEL") == 0) &&
		 strcspn(in->args, "= \t") < strlen(in->args) && in->args[strcspn(in->args, "= \t")] == '=' &&
		 first_word_without_eq(in->args, bad, sizeof(bad)))
		df_error(p, in->line, 1, "%s in the name=value form: '%s' is not name=value", in->keyword, bad);
	else if (in->stage < 0 && strcmp(in->keyword, "ARG") != 0 && strcmp(in->keyword, "FROM") != 0)
		df_error(p, in->line, 1, "%s before the first FROM: only ARG may come before it", in->keyword);
}

static struct df_instr *new_instr(struct df_parser *p)
{
	struct dockerfile *df = p->df;

	if (df->n_instrs == p->cap_instrs) {
		p->cap_instrs = p->cap_instrs ? p->cap_instrs * 2 : 32;
		df->instrs = xrealloc(df->instrs, p->cap_instrs * sizeof(*df->instrs));
	}
	memset(&df->instrs[df->n_instrs], 0, sizeof(*df->instrs));
	return &df->instrs[df->n_instrs++];
}

/* Turns one logical line into an instruction. */
static void parse_instruction(struct df_parser *p, const char *text, unsigned line, unsigned end_line)
{
	struct dockerfile *df = p->df;
	size_t i = 0, kw_len;
	const char *args;
	char kw[16];
	struct df_instr *in;

	while (text[i] == ' ' || text[i] == '\t')
		i++;
	kw_len = strcspn(text + i, " \t");
	for (size_t k = 0; k < kw_len && k < sizeof(kw) - 1; k++)
		kw[k] = (char)toupper((unsigned char)text[i + k]);
	kw[kw_len < sizeof(kw) ? kw_len : sizeof(kw) - 1] = '\0';
	if (kw_len >= sizeof(kw) || !keyword_known(kw)) {
		df_error(p, line, (unsigned)i + 1, "unknown instruction '%.*s'", (int)(kw_len > 40 ? 40 : kw_len), text + i);
		return;
	}
	if (df->n_instrs >= DOCKERFILE_MAX_INSTRUCTIONS) {
		df_error(p, line, 1, "more than %d instructions; the rest are not checked", DOCKERFILE_MAX_INSTRUCTIONS);
		p->next = p->n_lines;
		return;
	}
	in = new_instr(p);
	in->keyword = xstrdup(kw);
	in->line = line;
	in->end_line = end_line;
	args = text + i + kw_len;
	while (*args == ' ' || *args == '\t')
		args++;
	if (takes_flags(kw))
		args = take_flags(in, args);
	in->args = xstrdup(args);
	for (size_t n = strlen(in->args); n && (in->args[n - 1] == ' ' || in->args[n - 1] == '\t'); n--)
		in->args[n - 1] = '\0';
	if (may_be_exec_form(kw) && in->args[0] == '[')
		in->json = parse_json_array(in->args, &in->argv, &in->argc);
	if (strcmp(kw, "FROM") == 0)
		parse_from(p, in);
	in->stage = (int)df->n_stages - 1;
	if (strcmp(kw, "ARG") == 0 && in->stage < 0)
		remember_global_arg(p, in->args);
	if (!in->json && (strcmp(kw, "RUN") == 0 || strcmp(kw, "COPY") == 0 || strcmp(kw, "ADD") == 0))
		read_heredocs(p, in);
	check_instruction(p, in);
}

int dockerfile_parse(const char *data, size_t len, struct dockerfile *out)
{
	struct df_parser p = {.df = out};
	bool directives = true;
	struct buf logical;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	out->escape = '\\';
	if (len > DOCKERFILE_MAX_BYTES)
		return -EFBIG;
	buf_init(&logical);
	split_lines(&p, data, len);
	while (p.next < p.n_lines) {
		const struct df_line *l = &p.lines[p.next];
		unsigned lineno = (unsigned)p.next + 1, last;

		if (directives && parse_directive(&p, l, lineno)) {
			p.next++;
			continue;
		}
		directives = false;
		if (is_blank(l->text, l->len) || is_comment(l)) {
			p.next++;
			continue;
		}
		last = read_logical_line(&p, &logical);
		if (memchr(logical.data, '\0', logical.len)) {
			df_error(&p, lineno, 1, "NUL byte in an instruction; the instruction is not checked");
			continue;
		}
		parse_instruction(&p, logical.data, lineno, last);
	}
	if (out->n_stages == 0 && out->n_instrs > 0)
		df_error(&p, out->instrs[0].line, 1, "no FROM instruction: the file builds no image");
	buf_free(&logical);
	for (size_t i = 0; i < p.n_args; i++) {
		free(p.arg_names[i]);
		free(p.arg_values[i]);
	}
	free(p.arg_names);
	free(p.arg_values);
	free(p.lines);
	return rc;
}

void dockerfile_free(struct dockerfile *df)
{
	for (size_t i = 0; i < df->n_instrs; i++) {
		struct df_instr *in = &df->instrs[i];
		free(in->keyword);
		free(in->args);
		for (size_t k = 0; k < in->n_flags; k++)
			free(in->flags[k]);
		free(in->flags);
		for (size_t k = 0; k < in->argc; k++)
			free(in->argv[k]);
		free(in->argv);
		free(in->heredoc);
	}
	for (size_t i = 0; i < df->n_stages; i++) {
		free(df->stages[i].image);
		free(df->stages[i].name);
	}
	free(df->instrs);
	free(df->stages);
	free(df->errors);
	memset(df, 0, sizeof(*df));
}

bool df_stage_in_final(const struct dockerfile *df, int i)
{
	int s = (int)df->n_stages - 1;

	for (size_t guard = 0; s >= 0 && guard <= df->n_stages; guard++) {
		if (s == i)
			return true;
		s = df->stages[s].parent;
	}
	return false;
}
