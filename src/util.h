/*
 * Small shared helpers: checked allocation, growable byte buffers, string
 * utilities and time formatting. Every module uses these instead of rolling
 * its own; nothing here knows about scanning.
 */
#ifndef ASSAY_UTIL_H
#define ASSAY_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Allocation that cannot fail: on exhaustion assay prints one line and
 * aborts, because no scan result is trustworthy after a lost allocation. */
void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Zero memory that held a secret before it is released. */
void secure_zero(void *p, size_t n);
void secure_free_str(char *s);
/* Zeroes n bytes at p (which may be NULL), then frees it. */
void secure_free(void *p, size_t n);

struct buf {
	char *data; /* always NUL-terminated once anything was appended */
	size_t len;
	size_t cap;
};

void buf_init(struct buf *b);
/* The same with room for `cap` bytes already: one allocation for a text
 * of about that size instead of a few as it grows. */
void buf_init_sized(struct buf *b, size_t cap);
void buf_append(struct buf *b, const void *data, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
void buf_reset(struct buf *b);
/* Hands the data over to the caller (never NULL) and resets the buffer. */
char *buf_steal(struct buf *b);
void buf_free(struct buf *b);

bool str_starts_with(const char *s, const char *prefix);
bool str_ends_with(const char *s, const char *suffix);
bool str_ieq(const char *a, const char *b);
/* Case-insensitive substring search. */
bool str_icontains(const char *haystack, const char *needle);

/* The current time (or SOURCE_DATE_EPOCH when set, for reproducible
 * output) as ISO 8601 UTC, "2026-11-22T10:29:11Z". */
time_t now_utc(void);
void format_iso8601(time_t t, char out[32]);

/* Reads at most `cap` bytes of the file. Sets *truncated when the file is
 * larger. Returns 0 or -errno. */
int read_file_capped(const char *path, size_t cap, char **data, size_t *len, bool *truncated);
/* The same for a file the caller saw `expect` bytes long (its lstat size;
 * 0: unknown): the buffer is sized for it, and a file still that size is
 * read with one read() instead of two. A file that changed size meanwhile
 * is read whole all the same. */
int read_file_sized(const char *path, size_t cap, size_t expect, char **data, size_t *len, bool *truncated);

/* The same in two steps, for a caller with several files to read: the
 * start opens the file and takes what the page cache holds of it without
 * waiting. It returns 0 when that was the whole file; 1 when it was not,
 * having asked the kernel to read the rest (POSIX_FADV_WILLNEED), so that
 * the disk reads of many files are under way at once; or -errno. Every
 * start is followed by a finish, which waits for the rest and returns
 * what read_file_sized would. */
struct file_read {
	int fd; /* open until the finish, or -1 */
	int status; /* what the start returned */
	size_t cap, expect;
	struct buf b;
};
int file_read_start(struct file_read *r, const char *path, size_t cap, size_t expect);
int file_read_finish(struct file_read *r, char **data, size_t *len, bool *truncated);

/* True when the first `n` bytes look like binary content (NUL bytes, or a
 * high share of control characters). */
bool looks_binary(const char *data, size_t n);

#endif
