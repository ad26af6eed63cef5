/*
 * Shell splitting for the Dockerfile checks (see docker_shell.h). It errs on
 * the side of seeing words: an unterminated quote runs to the end of the
 * text, unknown syntax stays inside words, and the caps keep a hostile RUN
 * line from costing more than its length.
 */
#include "docker_shell.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

struct sh_state {
	struct sh_script *sc;
	struct sh_cmd *cur;
	struct buf word;
	bool in_word;
	bool skip_word; /* the next word is a redirection target */
	bool next_piped;
};

static void start_command(struct sh_state *st)
{
	struct sh_script *sc = st->sc;

	if (st->cur && st->cur->n_words == 0 && st->cur->n_assigns == 0 && !st->cur->sudo) {
		st->cur->piped = st->cur->piped || st->next_piped;
		st->next_piped = false;
		return; /* reuse the empty one */
	}
	if (sc->n_cmds >= SH_MAX_COMMANDS) {
		st->cur = NULL;
		return;
	}
	sc->cmds = xrealloc(sc->cmds, (sc->n_cmds + 1) * sizeof(*sc->cmds));
	st->cur = &sc->cmds[sc->n_cmds++];
	memset(st->cur, 0, sizeof(*st->cur));
	st->cur->piped = st->next_piped;
	st->next_piped = false;
}

static bool is_assignment(const char *w)
{
	size_t i = 0;

	if (!(w[0] == '_' || (w[0] >= 'A' && w[0] <= 'Z') || (w[0] >= 'a' && w[0] <= 'z')))
		return false;
	while (w[i] == '_' || (w[i] >= 'A' && w[i] <= 'Z') || (w[i] >= 'a' && w[i] <= 'z') || (w[i] >= '0' && w[i] <= '9'))
		i++;
	return w[i] == '=';
}

static void push(char ***list, size_t *n, char *w)
{
	*list = xrealloc(*list, (*n + 1) * sizeof(char *));
	(*list)[(*n)++] = w;
}

/* Files the finished word: an assignment before the command, sudo/env
 * prefixes, or an argument. */
static void end_word(struct sh_state *st)
{
	struct sh_cmd *c = st->cur;
	char *w;

	if (!st->in_word)
		return;
	st->in_word = false;
	w = buf_steal(&st->word);
	if (st->skip_word || !c || c->n_words >= SH_MAX_WORDS) {
		st->skip_word = false;
		free(w);
		return;
	}
	if (c->n_words == 0 && is_assignment(w)) {
		push(&c->assigns, &c->n_assigns, w);
	} else if (c->n_words == 0 && strcmp(sh_basename(w), "sudo") == 0) {
		c->sudo = true;
		free(w);
	} else if (c->n_words == 0 && (strcmp(w, "env") == 0 || strcmp(w, "command") == 0 || strcmp(w, "exec") == 0 ||
				       strcmp(w, "nohup") == 0 || strcmp(w, "time") == 0)) {
		free(w);
	} else if (c->n_words == 0 && c->sudo && w[0] == '-') {
		free(w); /* sudo's own options */
	} else {
		push(&c->words, &c->n_words, w);
	}
}

static void word_char(struct sh_state *st, char ch)
{
	st->in_word = true;
	buf_putc(&st->word, ch);
}

static void boundary(struct sh_state *st, bool piped)
{
	end_word(st);
	st->skip_word = false;
	st->next_piped = piped;
	start_command(st);
}

/* Reads a quoted string starting after its opening quote; returns the
 * index after the closing one. */
static size_t read_quoted(struct sh_state *st, const char *t, size_t i, char q)
{
	st->in_word = true;
	if (!st->word.data)
		buf_puts(&st->word, "");
	while (t[i] && t[i] != q) {
		if (q == '"' && t[i] == '\\' && t[i + 1] && strchr("\"\\$`\n", t[i + 1])) {
			if (t[i + 1] != '\n')
				word_char(st, t[i + 1]);
			i += 2;
			continue;
		}
		word_char(st, t[i++]);
	}
	return t[i] ? i + 1 : i;
}

void sh_split(const char *t, struct sh_script *out)
{
	struct sh_state st = {.sc = out};
	size_t i = 0;

	memset(out, 0, sizeof(*out));
	buf_init(&st.word);
	start_command(&st);
	while (t[i]) {
		char ch = t[i];
		if (ch == ' ' || ch == '\t' || ch == '\r') {
			end_word(&st);
			i++;
		} else if (ch == '\\') {
			if (t[i + 1] == '\n')
				i += 2;
			else if (t[i + 1]) {
				word_char(&st, t[i + 1]);
				i += 2;
			} else
				i++;
		} else if (ch == '\'' || ch == '"') {
			i = read_quoted(&st, t, i + 1, ch);
		} else if (ch == '#' && !st.in_word) {
			while (t[i] && t[i] != '\n')
				i++;
		} else if (ch == '&' && t[i + 1] == '&') {
			boundary(&st, false);
			i += 2;
		} else if (ch == '|' && t[i + 1] == '|') {
			boundary(&st, false);
			i += 2;
		} else if (ch == '|') {
			boundary(&st, true);
			i++;
		} else if (ch == ';' || ch == '&' || ch == '\n' || ch == '(' || ch == ')' || ch == '`' || ch == '{' ||
			   ch == '}') {
			boundary(&st, false);
			i++;
		} else if (ch == '$' && t[i + 1] == '(') {
			boundary(&st, false);
			i += 2;
		} else if (ch == '>' || ch == '<') {
			end_word(&st);
			while (t[i] == '>' || t[i] == '<' || t[i] == '&')
				i++;
			if (t[i] == '(') { /* <(cmd): process substitution runs a command */
				boundary(&st, false);
				i++;
				continue;
			}
			st.skip_word = true;
		} else {
			word_char(&st, ch);
			i++;
		}
	}
	end_word(&st);
	buf_free(&st.word);
	/* Drop a trailing empty command. */
	if (out->n_cmds && !out->cmds[out->n_cmds - 1].n_words && !out->cmds[out->n_cmds - 1].n_assigns &&
	    !out->cmds[out->n_cmds - 1].sudo)
		out->n_cmds--;
	if (!out->n_cmds) {
		free(out->cmds);
		out->cmds = NULL;
	}
}

void sh_free(struct sh_script *sc)
{
	for (size_t i = 0; i < sc->n_cmds; i++) {
		struct sh_cmd *c = &sc->cmds[i];
		for (size_t k = 0; k < c->n_words; k++)
			free(c->words[k]);
		for (size_t k = 0; k < c->n_assigns; k++)
			free(c->assigns[k]);
		free(c->words);
		free(c->assigns);
	}
	free(sc->cmds);
	memset(sc, 0, sizeof(*sc));
}

const char *sh_basename(const char *word)
{
	const char *slash = strrchr(word, '/');

	return slash ? slash + 1 : word;
}

bool sh_has_word(const struct sh_cmd *c, const char *word)
{
	for (size_t i = 1; i < c->n_words; i++)
		if (strcmp(c->words[i], word) == 0)
			return true;
	return false;
}

bool sh_has_prefix(const struct sh_cmd *c, const char *prefix)
{
	for (size_t i = 1; i < c->n_words; i++)
		if (str_starts_with(c->words[i], prefix))
			return true;
	return false;
}

const char *sh_subcommand(const struct sh_cmd *c, const char *const *with_value)
{
	for (size_t i = 1; i < c->n_words; i++) {
		const char *w = c->words[i];
		if (w[0] != '-')
			return w;
		for (size_t k = 0; with_value && with_value[k]; k++)
			if (strcmp(w, with_value[k]) == 0) {
				i++;
				break;
			}
	}
	return NULL;
}
