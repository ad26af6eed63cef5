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
#include <sys/uio.h>
#include <unistd.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

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

static void buf_reserve(struct buf *b, size_t extra);

void buf_init_sized(struct buf *b, size_t cap)
{
	buf_init(b);
	buf_reserve(b, cap ? cap - 1 : 0);
	b->data[0] = '\0';
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

/* Formats into the room the buffer has (at least 64 bytes), and only when
 * that was too small, again into room made to measure: one pass for the
 * short messages most calls format. */
void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list again;
	size_t room;
	int n;

	buf_reserve(b, 63);
	room = b->cap - b->len;
	va_copy(again, ap);
	n = vsnprintf(b->data + b->len, room, fmt, again);
	va_end(again);
	if (n < 0) {
		b->data[b->len] = '\0';
		return;
	}
	if ((size_t)n >= room) {
		buf_reserve(b, (size_t)n);
		vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	}
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

#define READ_FIRST 4095   /* bytes, for a file of unknown size */
#define READ_CHUNK 65536  /* bytes more, each time the buffer is full */

/* Reads what is left of fd, at most cap bytes, straight into b's room. A
 * read that stops exactly at `expect` bytes (the size the caller saw; 0:
 * unknown), short of what was asked, is the end of the file: a regular
 * file's read comes back short only there. That saves the read that
 * would return 0, one system call for each of the thousands of small files
 * a scan reads. Any other short read reads on until 0, as before. */
static int read_fd_capped(int fd, size_t cap, size_t expect, struct buf *b, bool *truncated)
{
	for (;;) {
		size_t room = b->cap - b->len - 1, want;
		ssize_t n;

		if (b->len >= cap) {
			char probe;

			/* One more byte tells whether the file goes on. */
			n = read(fd, &probe, 1);
			if (n > 0)
				*truncated = true;
			return 0;
		}
		if (room == 0) {
			buf_reserve(b, READ_CHUNK);
			room = b->cap - b->len - 1;
		}
		want = room < cap - b->len ? room : cap - b->len;
		n = read(fd, b->data + b->len, want);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return 0;
		b->len += (size_t)n;
		b->data[b->len] = '\0';
		if (expect && b->len == expect && (size_t)n < want)
			return 0;
	}
}

static int open_for_read(const char *path)
{
	return open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
}

/* Room for one byte past the expected end, which the read must not fill. */
static void init_read_buf(struct buf *b, size_t cap, size_t expect)
{
	buf_init_sized(b, (expect && expect < cap ? expect + 1 : cap < READ_FIRST ? cap : READ_FIRST) + 1);
}

/* Hands the bytes read over, or frees them after an error. */
static int end_read(struct buf *b, int err, char **data, size_t *len)
{
	if (err) {
		buf_free(b);
		return err;
	}
	*len = b->len;
	*data = buf_steal(b);
	return 0;
}

int read_file_sized(const char *path, size_t cap, size_t expect, char **data, size_t *len, bool *truncated)
{
	struct buf b;
	int fd, err;

	*data = NULL;
	*len = 0;
	*truncated = false;
	fd = open_for_read(path);
	if (fd < 0)
		return -errno;
	init_read_buf(&b, cap, expect);
	err = read_fd_capped(fd, cap, expect, &b, truncated);
	close(fd);
	return end_read(&b, err, data, len);
}

/* The first read of file_read_start: what the page cache holds, without
 * waiting for the disk. Returns 0 when that was the whole file (the same
 * test as read_fd_capped's), 1 when more is to be read, or -errno. */
static int read_cached(struct file_read *r)
{
	size_t want = r->b.cap - 1;
	struct iovec v = {r->b.data, want};
	ssize_t n = preadv2(r->fd, &v, 1, -1, RWF_NOWAIT);

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 1 : -errno;
	r->b.len = (size_t)n;
	r->b.data[n] = '\0';
	return n == 0 || ((size_t)n == r->expect && (size_t)n < want) ? 0 : 1;
}

int file_read_start(struct file_read *r, const char *path, size_t cap, size_t expect)
{
	int rc;

	memset(r, 0, sizeof(*r));
	r->cap = cap;
	r->expect = expect;
	r->fd = open_for_read(path);
	if (r->fd < 0)
		return r->status = -errno;
	init_read_buf(&r->b, cap, expect);
	/* Only a file known to fit one read: its size is what was asked. */
	rc = expect && expect < cap ? read_cached(r) : 1;
	if (rc == -EOPNOTSUPP || rc == -EINVAL) /* no RWF_NOWAIT here: read as usual */
		rc = 1;
	else if (rc > 0 && r->b.len < cap) /* what is left of what will be read */
		posix_fadvise(r->fd, (off_t)r->b.len, (off_t)(cap - r->b.len), POSIX_FADV_WILLNEED);
	if (rc <= 0) {
		close(r->fd);
		r->fd = -1;
		if (rc < 0)
			buf_free(&r->b);
	}
	r->status = rc;
	return rc;
}

int file_read_finish(struct file_read *r, char **data, size_t *len, bool *truncated)
{
	int err = r->status < 0 ? r->status : 0;

	*data = NULL;
	*len = 0;
	*truncated = false;
	if (err)
		return err;
	if (r->fd >= 0) {
		err = read_fd_capped(r->fd, r->cap, r->expect, &r->b, truncated);
		close(r->fd);
		r->fd = -1;
	}
	return end_read(&r->b, err, data, len);
}

int read_file_capped(const char *path, size_t cap, char **data, size_t *len, bool *truncated)
{
	return read_file_sized(path, cap, 0, data, len, truncated);
}

/* Control bytes other than \t \n \v \f \r and ESC: what text does not hold. */
static bool is_binary_control(unsigned char c)
{
	return c < 0x20 && !(c >= '\t' && c <= '\r') && c != 0x1b;
}

#ifdef __SSE2__
/* 16 bytes at a time: every file a scan reads goes through here, some
 * twice. Returns how many of the first n - n % 16 bytes are binary
 * control bytes (NUL among them). Each lane counts in a byte (a matching
 * byte is -1, subtracted), summed before it can overflow. */
static size_t count_binary_controls(const unsigned char *p, size_t n)
{
	const __m128i below_space = _mm_set1_epi8(0x1f), tab = _mm_set1_epi8('\t'), four = _mm_set1_epi8(4),
		      esc = _mm_set1_epi8(0x1b), zero = _mm_setzero_si128();
	__m128i total = zero, lanes = zero;
	unsigned in_lanes = 0;

	for (size_t i = 0; i + 16 <= n; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(p + i));
		__m128i ctl = _mm_cmpeq_epi8(_mm_max_epu8(x, below_space), below_space); /* x <= 0x1f */
		__m128i from_tab = _mm_sub_epi8(x, tab);
		__m128i space = _mm_cmpeq_epi8(_mm_min_epu8(from_tab, four), from_tab); /* \t..\r */
		space = _mm_or_si128(space, _mm_cmpeq_epi8(x, esc));
		lanes = _mm_sub_epi8(lanes, _mm_andnot_si128(space, ctl));
		if (++in_lanes == 255) {
			total = _mm_add_epi64(total, _mm_sad_epu8(lanes, zero));
			lanes = zero;
			in_lanes = 0;
		}
	}
	total = _mm_add_epi64(total, _mm_sad_epu8(lanes, zero));
	return (size_t)_mm_cvtsi128_si64(total) + (size_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(total, total));
}
#else
static size_t count_binary_controls(const unsigned char *p, size_t n)
{
	size_t count = 0;

	for (size_t i = 0; i < n - n % 16; i++)
		count += is_binary_control(p[i]);
	return count;
}
#endif

bool looks_binary(const char *data, size_t n)
{
	const unsigned char *p = (const unsigned char *)data;
	size_t controls;

	if (n > 8192)
		n = 8192;
	if (memchr(data, 0, n))
		return true;
	controls = count_binary_controls(p, n);
	for (size_t i = n - n % 16; i < n; i++)
		controls += is_binary_control(p[i]);
	return n > 0 && controls * 10 > n; /* more than 10% control bytes */
}
