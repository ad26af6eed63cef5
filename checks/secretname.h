/*
 * Judging names and values without knowing the format they came from: is
 * this variable name one that holds a secret, is this value a placeholder
 * or a reference rather than a real secret, how random does it look. Env
 * files use it now; Dockerfile ENV/ARG, Compose environment and Kubernetes
 * env values use the same judgement.
 */
#ifndef ASSAY_SECRETNAME_H
#define ASSAY_SECRETNAME_H

#include <stdbool.h>
#include <stddef.h>

/* KEY, SECRET, TOKEN, PASSWORD, PASSWD, PWD, CREDENTIAL, PRIVATE, AUTH...
 * as a word of the name (split on _ - . and camelCase), unless the name
 * says it holds something about the secret rather than the secret itself
 * (DB_PASSWORD_FILE, TOKEN_TTL, AUTH_URL) or a public value (PUBLIC_KEY). */
bool secret_name_is_sensitive(const char *name);

/* changeme, your-...-here, xxx..., <...>, TODO, example, placeholder... */
bool secret_value_is_placeholder(const char *value);

/* ${VAR}, $VAR, $(command): the value names where the secret comes from. */
bool secret_value_is_reference(const char *value);

/* The whole value is one reference (${VAR}, $(cmd), $VAR), so nothing in
 * it is a literal secret; "$apr1$..." and "pa$$word" are not. */
bool secret_value_is_whole_reference(const char *value, size_t len);

/* true/false/yes/no/on/off/null/none: a flag, not a secret. */
bool secret_value_is_flag(const char *value);

/* Shannon entropy in bits per byte. */
double shannon_entropy(const char *s, size_t n);

/* Why a secret value is weak, or NULL when it is not: shorter than
 * SECRET_MIN_LENGTH, or below SECRET_MIN_ENTROPY bits per character. */
#define SECRET_MIN_LENGTH 16
#define SECRET_MIN_ENTROPY 3.0
const char *secret_value_weakness(const char *value, size_t len);

#endif
