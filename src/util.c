/*
 * Shared helpers: checked allocation, growable buffers, string predicates,
 * time formatting and capped file reading (see util.h).
 */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void out_of_memory(size_t n)
{
	fprintf(stderr, "assay: out of memory (allocating %zu bytes)\n", n);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		out_of_memory(n);
	return p;
}

void *xcalloc(size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size ? size : 1);
	if (!p)
		out_of_memory(count * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		out_of_memory(n);
	return q;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	struct buf b;
	va_list ap;

	buf_init(&b);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	return buf_steal(&b);
}

void secure_zero(void *p, size_t n)
{
	if (p)
		explicit_bzero(p, n);
}

void secure_free_str(char *s)
{
	if (!s)
		return;
	secure_zero(s, strlen(s));
	free(s);
}

void secure_free(void *p, size_t n)
{
	if (!p)
		return;
	explicit_bzero(p, n);
	free(p);
}

void buf_init(struct buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

static void buf_reserve(struct buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;
	size_t cap = b->cap ? b->cap : 64;

	if (need <= b->cap)
		return;
	while (cap < need)
		cap *= 2;
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
}

void buf_append(struct buf *b, const void *data, size_t n)
{
	buf_reserve(b, n);
	if (n)
		memcpy(b->data + b->len, data, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void buf_putc(struct buf *b, char c)
{
	buf_append(b, &c, 1);
}

void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list again;
	int n;

	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, again);
	va_end(again);
	if (n < 0)
		return;
	buf_reserve(b, (size_t)n);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

char *buf_steal(struct buf *b)
{
	char *p = b->data ? b->data : xstrdup("");
	buf_init(b);
	return p;
}

void buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b);
}

bool str_starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool str_ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

bool str_ieq(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}

bool str_icontains(const char *haystack, const char *needle)
{
	return strcasestr(haystack, needle) != NULL;
}

time_t now_utc(void)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	char *end;
	long long v;

	if (sde && *sde) {
		errno = 0;
		v = strtoll(sde, &end, 10);
		if (!errno && !*end && v >= 0)
			return (time_t)v;
	}
	return time(NULL);
}

void format_iso8601(time_t t, char out[32])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int read_file_capped(const char *path, size_t cap, char **data, size_t *len, bool *truncated)
{
	struct buf b;
	char chunk[65536];
	int fd, err = 0;

	*data = NULL;
	*len = 0;
	*truncated = false;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf_init(&b);
	buf_reserve(&b, 0);
	for (;;) {
		size_t want = sizeof(chunk);
		ssize_t n;

		if (b.len >= cap) {
			/* One more byte tells whether the file goes on. */
			n = read(fd, chunk, 1);
			if (n > 0)
				*truncated = true;
			break;
		}
		if (want > cap - b.len)
			want = cap - b.len;
		n = read(fd, chunk, want);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		buf_append(&b, chunk, (size_t)n);
	}
	close(fd);
	if (err) {
		buf_free(&b);
		return err;
	}
	*len = b.len;
	*data = buf_steal(&b);
	return 0;
}

bool looks_binary(const char *data, size_t n)
{
	const unsigned char *p = (const unsigned char *)data;
	size_t below_space = 0, whitespace = 0;

	if (n > 8192)
		n = 8192;
	if (memchr(data, 0, n))
		return true;
	/* two counts the compiler can vectorise, rather than a test per byte */
	for (size_t i = 0; i < n; i++) {
		below_space += p[i] < 0x20;
		whitespace += (p[i] >= '\t' && p[i] <= '\r') | (p[i] == 0x1b); /* \t \n \v \f \r, ESC */
	}
	return n > 0 && (below_space - whitespace) * 10 > n; /* more than 10% control bytes */
}
