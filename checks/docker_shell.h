/*
 * Just enough of POSIX shell to judge a RUN instruction: the text is split
 * into simple commands (at && || ; | & newlines, parentheses, $( and
 * backticks), each into words with quotes and escapes removed, leading
 * NAME=value assignments and a leading sudo (or env) set apart. Nothing is
 * expanded or executed; what cannot be understood is left as words.
 */
#ifndef ASSAY_DOCKER_SHELL_H
#define ASSAY_DOCKER_SHELL_H

#include <stdbool.h>
#include <stddef.h>

#define SH_MAX_COMMANDS 4096
#define SH_MAX_WORDS 4096 /* per command */

struct sh_cmd {
	char **words; /* the command and its arguments */
	size_t n_words;
	char **assigns; /* leading NAME=value words */
	size_t n_assigns;
	bool sudo;  /* it was run through sudo */
	bool piped; /* its standard input is the previous command's output (a | b) */
};

struct sh_script {
	struct sh_cmd *cmds;
	size_t n_cmds;
};

void sh_split(const char *text, struct sh_script *out);
void sh_free(struct sh_script *sc);

/* The last path component of a command word ("/usr/bin/apt-get" -> "apt-get"). */
const char *sh_basename(const char *word);
/* Whether the command has the word (exactly) among its arguments. */
bool sh_has_word(const struct sh_cmd *c, const char *word);
/* Whether any argument starts with prefix. */
bool sh_has_prefix(const struct sh_cmd *c, const char *prefix);
/* The first argument after the command that is not an option (apt-get -y
 * install -> "install"), or NULL. Options listed in `with_value` take the
 * next word as their value. */
const char *sh_subcommand(const struct sh_cmd *c, const char *const *with_value);

#endif
