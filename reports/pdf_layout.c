/*
 * Page layout for the PDF report over libharu (see pdf_layout.h). Text is
 * cleaned to what libharu's UTF-8 encoder and DejaVu handle (valid UTF-8 in
 * the Basic Multilingual Plane), measured glyph by glyph and wrapped by
 * hand, because libharu's own measuring is byte-oriented. libharu holds
 * every page until the document is saved, so each page is compressed as
 * soon as it is finished (seal_page), and "of M" in "page N of M", which
 * is only known at the end, lives in one content stream that every page
 * shares.
 */
#include "pdf_layout.h"

#include <errno.h>
#include <hpdf.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "dynlib.h"
#include "util.h"

/* libharu is loaded when a PDF is first made (dynlib.h). */
#define HPDF_FUNCTIONS(X) \
	X(HPDF_AddPage) X(HPDF_Array_Add) X(HPDF_Array_New) X(HPDF_CreateOutline) \
	X(HPDF_Destination_SetFitH) X(HPDF_DictStream_New) X(HPDF_Dict_Add) X(HPDF_Dict_GetItem) \
	X(HPDF_Font_GetUnicodeWidth) X(HPDF_Free) X(HPDF_GetFont) X(HPDF_LoadTTFontFromFile) \
	X(HPDF_MemStream_FreeData) X(HPDF_MemStream_New) X(HPDF_New) X(HPDF_Outline_SetDestination) \
	X(HPDF_Outline_SetOpened) X(HPDF_Page_BeginText) X(HPDF_Page_CreateDestination) \
	X(HPDF_Page_EndText) X(HPDF_Page_Fill) X(HPDF_Page_FillStroke) X(HPDF_Page_GetLocalFontName) \
	X(HPDF_Page_LineTo) X(HPDF_Page_MoveTo) X(HPDF_Page_Rectangle) X(HPDF_Page_SetFontAndSize) \
	X(HPDF_Page_SetLineWidth) X(HPDF_Page_SetRGBFill) X(HPDF_Page_SetRGBStroke) X(HPDF_Page_SetSize) \
	X(HPDF_Page_Stroke) X(HPDF_Page_TextOut) X(HPDF_ReadFromStream) X(HPDF_SaveToFile) \
	X(HPDF_SaveToStream) X(HPDF_SetCompressionMode) X(HPDF_SetInfoAttr) X(HPDF_SetInfoDateAttr) \
	X(HPDF_SetPageMode) X(HPDF_Stream_Free) X(HPDF_Stream_Read) X(HPDF_Stream_Seek) \
	X(HPDF_Stream_Size) X(HPDF_Stream_Write) X(HPDF_Stream_WriteStr) X(HPDF_UseUTFEncodings)

DYNLIB_DEFINE(hpdf, HPDF_FUNCTIONS, ASSAY_LIBHPDF_SONAME, "PDF reports");

#define TOP (PDF_PAGE_HEIGHT - 54.0f) /* first content line */
#define BOTTOM 46.0f                  /* nothing below this but the footer */
#define LEFT PDF_MARGIN_X
#define RIGHT (PDF_PAGE_WIDTH - PDF_MARGIN_X)
#define PAD_X 3.0f
#define PAD_Y 2.5f
#define MAX_COLUMNS 8
/* Caps on one piece of text: a pathological message or path costs at
 * most a few pages, never hundreds. */
#define MAX_TEXT_BYTES 8192
#define MAX_LINES 120

static const char *const font_files[PDF_FONT_COUNT] = {
	"DejaVuSans.ttf",
	"DejaVuSans-Bold.ttf",
	"DejaVuSansMono.ttf",
};

/* Where distributions put DejaVu (Debian, Fedora, Arch, Alpine, BSD,
 * Homebrew). */
static const char *const font_dirs[] = {
	"/usr/share/fonts/truetype/dejavu",
	"/usr/share/fonts/dejavu",
	"/usr/share/fonts/dejavu-sans-fonts",
	"/usr/share/fonts/dejavu-sans-mono-fonts",
	"/usr/share/fonts/TTF",
	"/usr/share/fonts/truetype",
	"/usr/local/share/fonts/dejavu",
	"/usr/local/share/fonts",
	"/opt/homebrew/share/fonts",
};

static const struct pdf_rgb black = {0, 0, 0};
static const struct pdf_rgb grey = {0.42f, 0.45f, 0.50f};
static const struct pdf_rgb rule_grey = {0.78f, 0.80f, 0.83f};
static const struct pdf_rgb header_fill = {0.90f, 0.92f, 0.95f};
static const struct pdf_rgb heading_blue = {0.08f, 0.20f, 0.40f};

struct span {
	size_t start, end; /* byte offsets of one line in the cleaned text */
};

struct wrapped {
	char *text; /* cleaned */
	struct span *lines;
	size_t n, cap;
	bool cut; /* capped: the last line ends with "…" */
};

struct pdf_doc {
	HPDF_Doc pdf;
	HPDF_Font fonts[PDF_FONT_COUNT];
	char *font_paths[PDF_FONT_COUNT];
	int16_t *widths[PDF_FONT_COUNT]; /* per BMP code point, 1/1000 em; -1 not yet asked */
	HPDF_Page page;
	size_t n_pages;
	float y;    /* the cursor: top of what comes next */
	bool fresh; /* nothing but the page furniture drawn yet */
	char *header, *footer, *continued;
	HPDF_Outline outline[3];
	/* the table being drawn */
	struct pdf_column cols[MAX_COLUMNS];
	size_t n_cols;
	float table_size;
	bool table_header, in_table;
	bool header_pending; /* drawn with the first row, so an empty table draws nothing */
	char *line; /* one line, NUL-terminated, for libharu */
	size_t line_cap;
	/* The page's graphics state as last set, so that unchanged fonts,
	 * colours and line widths are not written again (-1: unknown). */
	int cur_font;
	float cur_size, cur_width;
	struct pdf_rgb cur_fill, cur_stroke;
	bool fill_known, stroke_known;
	/* Finished pages are compressed at once (seal_page); what every page
	 * shares in its footer is one content stream, written at the end. */
	struct buf packed; /* a page's deflated content, reused */
	HPDF_Dict shared_footer;
	const char *regular_name; /* the regular font's resource name, the same on every page */
	HPDF_STATUS error, error_detail;
	char doing[PATH_MAX + 64]; /* what was going on, for the error message */
};

/* ---- errors ---- */

static void on_hpdf_error(HPDF_STATUS status, HPDF_STATUS detail, void *data)
{
	struct pdf_doc *d = data;

	/* libharu marks the document as failed and every later call fails
	 * too: the first error is the one worth reporting. */
	if (!d->error) {
		d->error = status;
		d->error_detail = detail;
	}
}

int pdf_doc_failed(const struct pdf_doc *d)
{
	return d->error ? (d->error == HPDF_FAILD_TO_ALLOC_MEM ? -ENOMEM : -EIO) : 0;
}

static void describe_error(const struct pdf_doc *d, char *err, size_t errlen)
{
	const char *what;

	switch (d->error) {
	case HPDF_FAILD_TO_ALLOC_MEM:
		what = "out of memory";
		break;
	case HPDF_FILE_IO_ERROR:
	case HPDF_FILE_OPEN_ERROR:
		what = "cannot write the file";
		break;
	case HPDF_INVALID_FONTDEF_DATA:
	case HPDF_TTF_CANNOT_EMBEDDING_FONT:
	case HPDF_TTF_INVALID_CMAP:
	case HPDF_TTF_INVALID_FOMAT:
	case HPDF_TTF_MISSING_TABLE:
	case HPDF_INVALID_FONT:
		what = "not a usable TrueType font";
		break;
	default:
		what = "PDF library error";
		break;
	}
	snprintf(err, errlen, "%s: %s (libharu error 0x%04X, detail %u)", d->doing, what, (unsigned)d->error,
		 (unsigned)d->error_detail);
}

static bool ok(const struct pdf_doc *d)
{
	return d && !d->error;
}

/* ---- fonts ---- */

static int find_font(const char *file, char *out, size_t outlen, char *err, size_t errlen)
{
	const char *env = getenv("ASSAY_FONT_DIR");

	if (env && *env) {
		snprintf(out, outlen, "%s/%s", env, file);
		if (access(out, R_OK) == 0)
			return 0;
		snprintf(err, errlen, "font %s not found in ASSAY_FONT_DIR (%s): the PDF report needs DejaVu fonts",
			 file, env);
		return -ENOENT;
	}
	for (size_t i = 0; i < ARRAY_LEN(font_dirs); i++) {
		snprintf(out, outlen, "%s/%s", font_dirs[i], file);
		if (access(out, R_OK) == 0)
			return 0;
	}
	snprintf(err, errlen,
		 "font %s not found (looked in %s and the usual font directories): install fonts-dejavu-core or "
		 "set ASSAY_FONT_DIR",
		 file, font_dirs[0]);
	return -ENOENT;
}

int pdf_fonts_find(char *err, size_t errlen)
{
	char path[PATH_MAX];

	for (int i = 0; i < PDF_FONT_COUNT; i++) {
		int rc = find_font(font_files[i], path, sizeof(path), err, errlen);
		if (rc)
			return rc;
	}
	return 0;
}

/* libharu 2.3.0 gives a UTF-8 font its encoding CMap (code to CID) as the
 * ToUnicode map, which readers call invalid (poppler: "Invalid
 * 'begincidrange' operator in ToUnicode CMap") and must guess around. With
 * the UTF-8 encoder a code is the BMP code point itself, so the right map
 * is the identity: written here as bfranges, one per high byte (a range
 * may only vary in its last byte), surrogates left out. A libharu that
 * writes no ToUnicode is left alone. */
static void fix_to_unicode(HPDF_Font font)
{
	HPDF_Dict cmap = hpdf.HPDF_Dict_GetItem(font, "ToUnicode", HPDF_OCLASS_DICT);
	HPDF_Stream s = cmap ? cmap->stream : NULL;
	char line[64];
	unsigned written = 0;

	if (!s || s->type != HPDF_STREAM_MEMORY)
		return;
	hpdf.HPDF_MemStream_FreeData(s);
	hpdf.HPDF_Stream_WriteStr(s, "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
				"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
				"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
				"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n");
	for (unsigned hi = 0; hi < 256; hi++) {
		if (hi >= 0xD8 && hi <= 0xDF)
			continue;
		if (written % 100 == 0) {
			unsigned left = 248 - written;
			snprintf(line, sizeof(line), "%u beginbfrange\n", left < 100 ? left : 100);
			hpdf.HPDF_Stream_WriteStr(s, line);
		}
		snprintf(line, sizeof(line), "<%02X00> <%02XFF> <%02X00>\n", hi, hi, hi);
		hpdf.HPDF_Stream_WriteStr(s, line);
		if (++written % 100 == 0 || written == 248)
			hpdf.HPDF_Stream_WriteStr(s, "endbfrange\n");
	}
	hpdf.HPDF_Stream_WriteStr(s, "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* libharu believes a font file's table directory and crashes on one that
 * lies (a truncated file, or not a font at all). The font directory is the
 * user's, not scanned input, but a wrong file there must be an error
 * message, not a crash: the sfnt header must be TrueType's, and every table
 * libharu reads must be present and lie inside the file. */
static bool font_file_sane(const char *path)
{
	static const char *const required[] = {"cmap", "head", "hhea", "hmtx", "loca", "glyf", "maxp", "name", "post"};
	static const uint32_t min_len[] = {4, 54, 36, 4, 2, 0, 6, 6, 32};
	unsigned char hdr[12], rec[16];
	unsigned found = 0, n;
	struct stat sb;
	bool sane = false;
	FILE *f = fopen(path, "rb");

	if (!f)
		return false;
	if (fstat(fileno(f), &sb) < 0 || fread(hdr, 1, sizeof(hdr), f) != sizeof(hdr))
		goto out;
	if (be32(hdr) != 0x00010000 && be32(hdr) != 0x74727565) /* 1.0 or 'true' */
		goto out;
	n = (unsigned)hdr[4] << 8 | hdr[5];
	if (n == 0 || n > 64)
		goto out;
	for (unsigned i = 0; i < n; i++) {
		uint32_t off, len;

		if (fread(rec, 1, sizeof(rec), f) != sizeof(rec))
			goto out;
		off = be32(rec + 8);
		len = be32(rec + 12);
		if ((uint64_t)off + len > (uint64_t)sb.st_size)
			goto out;
		for (size_t t = 0; t < ARRAY_LEN(required); t++)
			if (memcmp(rec, required[t], 4) == 0 && len >= min_len[t])
				found |= 1u << t;
	}
	sane = found == (1u << ARRAY_LEN(required)) - 1;
out:
	fclose(f);
	return sane;
}

static int load_fonts(struct pdf_doc *d, char *err, size_t errlen)
{
	char path[PATH_MAX];

	for (int i = 0; i < PDF_FONT_COUNT; i++) {
		const char *name;
		int rc = find_font(font_files[i], path, sizeof(path), err, errlen);

		if (rc)
			return rc;
		snprintf(d->doing, sizeof(d->doing), "font %s", path);
		if (!font_file_sane(path)) {
			snprintf(err, errlen, "font %s is not a usable TrueType font (set ASSAY_FONT_DIR to a directory "
					      "holding the DejaVu fonts)", path);
			return -EINVAL;
		}
		name = hpdf.HPDF_LoadTTFontFromFile(d->pdf, path, HPDF_TRUE);
		if (name)
			d->fonts[i] = hpdf.HPDF_GetFont(d->pdf, name, "UTF-8");
		if (ok(d) && d->fonts[i])
			fix_to_unicode(d->fonts[i]);
		if (!ok(d) || !d->fonts[i]) {
			describe_error(d, err, errlen);
			return pdf_doc_failed(d) ? pdf_doc_failed(d) : -EIO;
		}
		d->font_paths[i] = xstrdup(path);
		d->widths[i] = xmalloc(65536 * sizeof(int16_t));
		memset(d->widths[i], 0xff, 65536 * sizeof(int16_t));
	}
	snprintf(d->doing, sizeof(d->doing), "rendering the PDF report");
	return 0;
}

/* ---- text: cleaning, measuring, wrapping ---- */

/* Decodes one UTF-8 sequence strictly; returns its length, or 0 when the
 * byte at s does not start a valid one. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xC2 && s[0] <= 0xDF && n >= 2 && (s[1] & 0xC0) == 0x80) {
		*cp = ((uint32_t)(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
		return 2;
	}
	if (s[0] >= 0xE0 && s[0] <= 0xEF && n >= 3 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80) {
		*cp = ((uint32_t)(s[0] & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
		return *cp >= 0x800 && (*cp < 0xD800 || *cp > 0xDFFF) ? 3 : 0;
	}
	if (s[0] >= 0xF0 && s[0] <= 0xF4 && n >= 4 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80 &&
	    (s[3] & 0xC0) == 0x80) {
		*cp = ((uint32_t)(s[0] & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) |
		      ((uint32_t)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
		return *cp >= 0x10000 && *cp <= 0x10FFFF ? 4 : 0;
	}
	return 0;
}

static void put_cp(struct buf *b, uint32_t cp)
{
	char u[3];

	if (cp < 0x80) {
		buf_putc(b, (char)cp);
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3F));
		buf_append(b, u, 2);
	} else {
		u[0] = (char)(0xE0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		buf_append(b, u, 3);
	}
}

/* What libharu's UTF-8 encoder and the fonts handle: valid UTF-8 in the
 * Basic Multilingual Plane. Invalid bytes and control characters are
 * written as \xNN (nothing is silently dropped), tabs as a space, other
 * planes as U+FFFD; newlines are kept when `lines` is set. Capped at
 * MAX_TEXT_BYTES with "…". Newly allocated. */
static char *clean_text(const char *s, bool lines)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p);
	struct buf b;

	buf_init(&b);
	buf_puts(&b, ""); /* never NULL, even for "" */
	while (n > 0) {
		uint32_t cp;
		size_t len = utf8_decode(p, n, &cp);

		if (b.len >= MAX_TEXT_BYTES) {
			buf_puts(&b, "…");
			break;
		}
		if (len == 0) {
			buf_printf(&b, "\\x%02X", p[0]);
			len = 1;
		} else if (cp == '\t') {
			buf_putc(&b, ' ');
		} else if (cp == '\n' && lines) {
			buf_putc(&b, '\n');
		} else if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0)) {
			buf_printf(&b, "\\x%02X", (unsigned)cp);
		} else if (cp > 0xFFFF) {
			put_cp(&b, 0xFFFD);
		} else {
			put_cp(&b, cp);
		}
		p += len;
		n -= len;
	}
	return buf_steal(&b);
}

/* Decodes the next code point of cleaned text. */
static size_t next_cp(const char *s, uint32_t *cp)
{
	size_t len = utf8_decode((const unsigned char *)s, strnlen(s, 4), cp);

	if (!len) { /* cannot happen on cleaned text; move on regardless */
		*cp = 0xFFFD;
		return 1;
	}
	return len;
}

static float cp_width(struct pdf_doc *d, enum pdf_font font, uint32_t cp, float size)
{
	int16_t *w = d->widths[font];

	if (cp > 0xFFFF)
		cp = 0xFFFD;
	if (w[cp] < 0) {
		HPDF_INT v = ok(d) ? hpdf.HPDF_Font_GetUnicodeWidth(d->fonts[font], (HPDF_UNICODE)cp) : 600;
		w[cp] = (int16_t)(v < 0 ? 0 : v > 4000 ? 4000 : v);
	}
	return (float)w[cp] * size / 1000.0f;
}

static float span_width(struct pdf_doc *d, enum pdf_font font, float size, const char *s, size_t n)
{
	float w = 0;
	uint32_t cp;

	for (size_t i = 0; i < n;) {
		i += next_cp(s + i, &cp);
		w += cp_width(d, font, cp, size);
	}
	return w;
}

float pdf_text_width(struct pdf_doc *d, enum pdf_font font, float size, const char *text)
{
	char *c = clean_text(text, false);
	float w = span_width(d, font, size, c, strlen(c));

	free(c);
	return w;
}

/* After these a line may break: paths, URLs, digests and identifiers wrap
 * at their separators before they are cut anywhere. */
static bool break_after(uint32_t cp)
{
	return cp == '/' || cp == '-' || cp == '_' || cp == '.' || cp == ',' || cp == ':' ||
	       cp == ';' || cp == '=' || cp == '&' || cp == '?' || cp == '|' || cp == '\\' || cp == ')' ||
	       cp == ']' || cp == '}' || cp == '@';
}

static void add_line(struct wrapped *w, size_t start, size_t end)
{
	/* Trailing spaces take no room at the end of a line. */
	while (end > start && w->text[end - 1] == ' ')
		end--;
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 8;
		w->lines = xrealloc(w->lines, w->cap * sizeof(*w->lines));
	}
	w->lines[w->n].start = start;
	w->lines[w->n].end = end;
	w->n++;
}

/* A capped text's last line makes room for its "…". */
static void make_room_for_ellipsis(struct pdf_doc *d, enum pdf_font font, float size, float width, struct wrapped *w)
{
	struct span *last = &w->lines[w->n - 1];
	float ell = cp_width(d, font, 0x2026, size);

	while (last->end > last->start &&
	       span_width(d, font, size, w->text + last->start, last->end - last->start) + ell > width) {
		do
			last->end--;
		while (last->end > last->start && ((unsigned char)w->text[last->end] & 0xC0) == 0x80);
	}
}

/* Where a line may end: after a space, or after a separator inside a
 * token; pos is the byte after it, width the line's width up to there. */
struct break_at {
	size_t pos;
	float width;
};

/* The line now starts at `start`, whose width on the old line was `w`. */
static void rebase(struct break_at *b, size_t start, float w)
{
	if (b->pos > start) {
		b->width -= w;
	} else {
		b->pos = start;
		b->width = 0;
	}
}

/* Wraps text to `width` points: at a space when the line has one, else at
 * a separator inside the token (paths, URLs, digests), else inside the
 * token, so that no line is ever wider than `width`. */
static void wrap(struct pdf_doc *d, enum pdf_font font, float size, const char *text, float width, struct wrapped *w)
{
	struct break_at space = {0, 0}, sep = {0, 0};
	size_t start = 0, i = 0;
	float line_w = 0;
	uint32_t cp, prev = ' ';

	memset(w, 0, sizeof(*w));
	w->text = clean_text(text, true);
	while (w->text[i]) {
		size_t len = next_cp(w->text + i, &cp);
		float cw;

		if (w->n == MAX_LINES) {
			w->cut = true;
			break;
		}
		if (cp == '\n') {
			add_line(w, start, i);
			start = i + len;
			space = sep = (struct break_at){start, 0};
			line_w = 0;
			i += len;
			prev = ' ';
			continue;
		}
		if (cp == ' ' && i == start) { /* no leading spaces on a continued line */
			start = i + len;
			space = sep = (struct break_at){start, 0};
			i += len;
			continue;
		}
		cw = cp_width(d, font, cp, size);
		if (line_w + cw > width && i > start) {
			const struct break_at *b = space.pos > start ? &space : sep.pos > start ? &sep : NULL;
			size_t at = b ? b->pos : i;
			float at_w = b ? b->width : line_w;

			add_line(w, start, at);
			start = at;
			line_w -= at_w;
			rebase(&space, start, at_w);
			rebase(&sep, start, at_w);
			continue; /* the same character again, on the new line */
		}
		line_w += cw;
		i += len;
		if (cp == ' ') {
			space = (struct break_at){i, line_w};
		} else if (break_after(cp) && prev != ' ') {
			/* Not after a separator that starts a word (".env"). */
			sep = (struct break_at){i, line_w};
		}
		prev = cp;
	}
	if (!w->cut && (i > start || w->n == 0))
		add_line(w, start, i);
	if (w->n == 0)
		add_line(w, 0, 0);
	if (w->cut)
		make_room_for_ellipsis(d, font, size, width, w);
}

static void wrapped_free(struct wrapped *w)
{
	free(w->text);
	free(w->lines);
	memset(w, 0, sizeof(*w));
}

/* ---- drawing primitives (absolute coordinates) ---- */

static bool same_rgb(const struct pdf_rgb *a, const struct pdf_rgb *b)
{
	return a->r == b->r && a->g == b->g && a->b == b->b;
}

static void set_fill(struct pdf_doc *d, const struct pdf_rgb *c)
{
	if (d->fill_known && same_rgb(&d->cur_fill, c))
		return;
	hpdf.HPDF_Page_SetRGBFill(d->page, c->r, c->g, c->b);
	d->cur_fill = *c;
	d->fill_known = true;
}

static void set_stroke(struct pdf_doc *d, const struct pdf_rgb *c, float width)
{
	if (!d->stroke_known || !same_rgb(&d->cur_stroke, c)) {
		hpdf.HPDF_Page_SetRGBStroke(d->page, c->r, c->g, c->b);
		d->cur_stroke = *c;
		d->stroke_known = true;
	}
	if (d->cur_width != width) {
		hpdf.HPDF_Page_SetLineWidth(d->page, width);
		d->cur_width = width;
	}
}

static void set_font(struct pdf_doc *d, enum pdf_font font, float size)
{
	if (d->cur_font == (int)font && d->cur_size == size)
		return;
	hpdf.HPDF_Page_SetFontAndSize(d->page, d->fonts[font], size);
	d->cur_font = (int)font;
	d->cur_size = size;
}

/* A new page starts from the default graphics state. */
static void forget_state(struct pdf_doc *d)
{
	d->cur_font = -1;
	d->cur_size = d->cur_width = -1;
	d->fill_known = d->stroke_known = false;
}

/* Draws n bytes of cleaned text with its baseline at (x, y). */
static void draw_run(struct pdf_doc *d, float x, float y, enum pdf_font font, float size, const struct pdf_rgb *color,
		     const char *s, size_t n, bool ellipsis)
{
	if (!ok(d) || !d->page || (n == 0 && !ellipsis))
		return;
	if (n + 4 > d->line_cap) {
		d->line_cap = n + 64;
		d->line = xrealloc(d->line, d->line_cap);
	}
	memcpy(d->line, s, n);
	if (ellipsis) {
		memcpy(d->line + n, "…", 3);
		n += 3;
	}
	d->line[n] = '\0';
	/* Font and colour are graphics state, which outlives BT/ET. */
	set_font(d, font, size);
	set_fill(d, color ? color : &black);
	hpdf.HPDF_Page_BeginText(d->page);
	hpdf.HPDF_Page_TextOut(d->page, x, y, d->line);
	hpdf.HPDF_Page_EndText(d->page);
}

/* The baseline of a line whose box (1.3 × size high) starts at top. */
static float baseline(float top, float size)
{
	return top - size * 1.0f;
}

static float line_height(float size)
{
	return size * 1.3f;
}

static void rect_abs(struct pdf_doc *d, float x, float y, float w, float h, const struct pdf_rgb *fill,
		     const struct pdf_rgb *stroke)
{
	if (!ok(d) || !d->page || w <= 0 || h <= 0)
		return;
	if (fill)
		set_fill(d, fill);
	if (stroke)
		set_stroke(d, stroke, 0.5f);
	hpdf.HPDF_Page_Rectangle(d->page, x, y, w, h);
	if (fill && stroke)
		hpdf.HPDF_Page_FillStroke(d->page);
	else if (fill)
		hpdf.HPDF_Page_Fill(d->page);
	else
		hpdf.HPDF_Page_Stroke(d->page);
}

static void line_abs(struct pdf_doc *d, float x0, float y0, float x1, float y1, float width,
		     const struct pdf_rgb *color)
{
	if (!ok(d) || !d->page)
		return;
	set_stroke(d, color, width);
	hpdf.HPDF_Page_MoveTo(d->page, x0, y0);
	hpdf.HPDF_Page_LineTo(d->page, x1, y1);
	hpdf.HPDF_Page_Stroke(d->page);
}

/* One line of text at (x, top), cut with "…" to max_width. */
static void text_line_abs(struct pdf_doc *d, float x, float top, enum pdf_font font, float size,
			  const struct pdf_rgb *color, float max_width, enum pdf_align align, const char *text)
{
	char *c = clean_text(text, false);
	size_t n = strlen(c);
	float w = span_width(d, font, size, c, n);
	bool cut = false;

	if (w > max_width) {
		float ell = cp_width(d, font, 0x2026, size);
		cut = true;
		while (n > 0 && w + ell > max_width) {
			uint32_t cp;
			size_t back = n - 1;
			while (back > 0 && ((unsigned char)c[back] & 0xC0) == 0x80)
				back--;
			next_cp(c + back, &cp);
			w -= cp_width(d, font, cp, size);
			n = back;
		}
		w += ell;
	}
	if (align == PDF_ALIGN_RIGHT)
		x += max_width - w;
	else if (align == PDF_ALIGN_CENTER)
		x += (max_width - w) / 2;
	draw_run(d, x, baseline(top, size), font, size, color, c, n, cut);
	free(c);
}

/* ---- document ---- */

int pdf_library_load(char *err, size_t errlen)
{
	return dynlib_load(&hpdf_lib, err, errlen) ? 0 : -ELIBACC;
}

int pdf_doc_new(struct pdf_doc **out, const char *header, char *err, size_t errlen)
{
	struct pdf_doc *d;
	int rc;

	*out = NULL;
	rc = pdf_library_load(err, errlen);
	if (rc)
		return rc;
	d = xcalloc(1, sizeof(*d));
	buf_init(&d->packed);
	snprintf(d->doing, sizeof(d->doing), "creating the PDF document");
	d->pdf = hpdf.HPDF_New(on_hpdf_error, d);
	if (!d->pdf) {
		snprintf(err, errlen, "cannot create a PDF document (libharu: out of memory)");
		free(d);
		return -ENOMEM;
	}
	hpdf.HPDF_SetCompressionMode(d->pdf, HPDF_COMP_ALL);
	hpdf.HPDF_UseUTFEncodings(d->pdf);
	hpdf.HPDF_SetPageMode(d->pdf, HPDF_PAGE_MODE_USE_OUTLINE);
	rc = load_fonts(d, err, errlen);
	if (rc) {
		pdf_doc_free(d);
		return rc;
	}
	d->header = xstrdup(header ? header : "");
	*out = d;
	return 0;
}

void pdf_doc_free(struct pdf_doc *d)
{
	if (!d)
		return;
	buf_free(&d->packed);
	if (d->pdf)
		hpdf.HPDF_Free(d->pdf);
	for (int i = 0; i < PDF_FONT_COUNT; i++) {
		free(d->widths[i]);
		free(d->font_paths[i]);
	}
	for (size_t i = 0; i < d->n_cols; i++)
		free((char *)d->cols[i].title);
	free(d->header);
	free(d->footer);
	free(d->continued);
	free(d->line);
	free(d);
}

/* PDFDocEncoding, for the document information and outline titles, which
 * libharu writes as byte strings: ASCII and Latin-1 as they are, the usual
 * punctuation at its PDFDocEncoding code, anything else '?'. */
static void to_pdfdoc(const char *utf8, char *out, size_t outlen)
{
	static const struct {
		uint32_t cp;
		unsigned char code;
	} extra[] = {
		{0x2022, 0x80}, {0x2026, 0x83}, {0x2014, 0x84}, {0x2013, 0x85}, {0x2212, 0x8A},
		{0x201C, 0x8D}, {0x201D, 0x8E}, {0x2018, 0x8F}, {0x2019, 0x90}, {0x2122, 0x92},
		{0x0152, 0x96}, {0x0160, 0x97}, {0x0178, 0x98}, {0x017D, 0x99}, {0x0153, 0x9C},
		{0x0161, 0x9D}, {0x017E, 0x9E}, {0x20AC, 0xA0}, {0x00B7, 0xB7},
	};
	char *c = clean_text(utf8, false);
	size_t o = 0;

	for (size_t i = 0; c[i] && o + 1 < outlen;) {
		uint32_t cp;
		unsigned char code = '?';

		i += next_cp(c + i, &cp);
		if (cp >= 0x20 && cp < 0x7F)
			code = (unsigned char)cp;
		else if (cp >= 0xA1 && cp <= 0xFF && cp != 0xAD)
			code = (unsigned char)cp;
		for (size_t k = 0; k < ARRAY_LEN(extra); k++)
			if (extra[k].cp == cp)
				code = extra[k].code;
		out[o++] = (char)code;
	}
	out[o] = '\0';
	free(c);
}

static bool parse_iso_date(const char *s, HPDF_Date *out)
{
	int y, mo, da, h, mi, se;

	if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &da, &h, &mi, &se) != 6)
		return false;
	if (y < 1 || mo < 1 || mo > 12 || da < 1 || da > 31 || h > 23 || mi > 59 || se > 59)
		return false;
	memset(out, 0, sizeof(*out));
	out->year = y;
	out->month = mo;
	out->day = da;
	out->hour = h;
	out->minutes = mi;
	out->seconds = se;
	out->ind = 'Z';
	return true;
}

void pdf_doc_info(struct pdf_doc *d, const char *title, const char *subject, const char *author,
		  const char *creator, const char *date)
{
	char buf[1024];
	HPDF_Date dt;

	if (!ok(d))
		return;
	to_pdfdoc(title, buf, sizeof(buf));
	hpdf.HPDF_SetInfoAttr(d->pdf, HPDF_INFO_TITLE, buf);
	to_pdfdoc(subject, buf, sizeof(buf));
	hpdf.HPDF_SetInfoAttr(d->pdf, HPDF_INFO_SUBJECT, buf);
	to_pdfdoc(author, buf, sizeof(buf));
	hpdf.HPDF_SetInfoAttr(d->pdf, HPDF_INFO_AUTHOR, buf);
	to_pdfdoc(creator, buf, sizeof(buf));
	hpdf.HPDF_SetInfoAttr(d->pdf, HPDF_INFO_CREATOR, buf);
	if (parse_iso_date(date, &dt)) {
		hpdf.HPDF_SetInfoDateAttr(d->pdf, HPDF_INFO_CREATION_DATE, dt);
		hpdf.HPDF_SetInfoDateAttr(d->pdf, HPDF_INFO_MOD_DATE, dt);
	}
}

void pdf_doc_footer(struct pdf_doc *d, const char *footer)
{
	free(d->footer);
	d->footer = footer ? xstrdup(footer) : NULL;
}

/* ---- finished pages and footers ---- */

#define FOOTER_SIZE 7.5f
#define FOOTER_BASELINE 26.5f
#define FOOTER_RULE 38.0f

/* Where "page N" ends and " of M" starts: room for M up to 99,999. */
static float footer_split(struct pdf_doc *d)
{
	return RIGHT - span_width(d, PDF_REGULAR, FOOTER_SIZE, " of 99999", 9);
}

/* libharu writes a stream with no filter of its own as it is; this adds
 * the filter of the bytes seal_page compressed. */
static HPDF_STATUS write_flate_filter(HPDF_Dict dict, HPDF_Stream out)
{
	(void)dict;
	return hpdf.HPDF_Stream_WriteStr(out, "/Filter /FlateDecode\012");
}

/*
 * A finished page's content is compressed now rather than when the file is
 * written: libharu keeps every page until then, so this is what keeps the
 * report's memory small (a page of findings holds ~20 KB of operators and
 * hex-encoded text, ~3 KB deflated). The page then gets the footer stream
 * every page shares, which is written once the number of pages is known.
 * This reaches into libharu 2.3's page and stream records (public headers,
 * not its documented API); any failure leaves the page as libharu would.
 */
static bool deflate_stream(HPDF_Stream src, struct buf *out)
{
	unsigned char in[16384], chunk[16384];
	z_stream z;
	bool last = false;

	memset(&z, 0, sizeof(z));
	buf_reset(out);
	if (hpdf.HPDF_Stream_Seek(src, 0, HPDF_SEEK_SET) != HPDF_OK || deflateInit(&z, Z_BEST_SPEED) != Z_OK)
		return false;
	while (!last) {
		HPDF_UINT n = sizeof(in);
		HPDF_STATUS st = hpdf.HPDF_Stream_Read(src, in, &n);

		if (st != HPDF_OK && st != HPDF_STREAM_EOF)
			break;
		last = st == HPDF_STREAM_EOF;
		z.next_in = in;
		z.avail_in = n;
		do {
			z.next_out = chunk;
			z.avail_out = sizeof(chunk);
			deflate(&z, last ? Z_FINISH : Z_NO_FLUSH);
			buf_append(out, chunk, sizeof(chunk) - z.avail_out);
		} while (z.avail_out == 0);
	}
	deflateEnd(&z);
	return last && out->len > 0;
}

static void seal_page(struct pdf_doc *d)
{
	HPDF_PageAttr attr;
	HPDF_Dict contents;
	HPDF_Stream packed;

	if (!ok(d) || !d->page)
		return;
	attr = (HPDF_PageAttr)d->page->attr;
	contents = attr->contents;
	if (!d->shared_footer) {
		d->shared_footer = hpdf.HPDF_DictStream_New(d->page->mmgr, attr->xref);
		if (!d->shared_footer || !ok(d))
			return;
		d->shared_footer->filter = HPDF_STREAM_FILTER_FLATE_DECODE;
	}
	/* Level 1: most of a page is repeated operators and hex, which the
	 * fastest level packs nearly as well as the default, at a third of
	 * the time. */
	if (contents && contents->stream == attr->stream && contents->filter == HPDF_STREAM_FILTER_FLATE_DECODE &&
	    hpdf.HPDF_Stream_Size(contents->stream) > 0 && deflate_stream(contents->stream, &d->packed) &&
	    (packed = hpdf.HPDF_MemStream_New(d->page->mmgr, (HPDF_UINT)d->packed.len)) != NULL) {
		if (hpdf.HPDF_Stream_Write(packed, (const HPDF_BYTE *)d->packed.data, (HPDF_UINT)d->packed.len) == HPDF_OK) {
			hpdf.HPDF_Stream_Free(contents->stream);
			contents->stream = attr->stream = packed;
			contents->filter = HPDF_STREAM_FILTER_NONE;
			contents->write_fn = write_flate_filter;
		} else {
			hpdf.HPDF_Stream_Free(packed);
		}
	}
	/* Contents becomes [this page's stream, the shared footer]. Not
	 * HPDF_Page_Insert_Shared_Content_Stream: it opens a third, empty
	 * stream, which costs every page another dictionary and stream. */
	{
		HPDF_Array both = hpdf.HPDF_Array_New(d->page->mmgr);
		if (both && hpdf.HPDF_Array_Add(both, contents) == HPDF_OK &&
		    hpdf.HPDF_Array_Add(both, d->shared_footer) == HPDF_OK)
			hpdf.HPDF_Dict_Add(d->page, "Contents", both);
	}
}

/* UTF-16BE hex of cleaned text, as a PDF string of the UTF-8 fonts. */
static void put_hex_text(struct buf *b, const char *c, size_t n)
{
	uint32_t cp;

	buf_putc(b, '<');
	for (size_t i = 0; i < n;) {
		i += next_cp(c + i, &cp);
		buf_printf(b, "%04X", (unsigned)cp);
	}
	buf_putc(b, '>');
}

/* What every page's footer shares: the rule, the footer text, and " of M"
 * after each page's "page N". Written straight into the shared stream in
 * the regular font, which every page registers first (pdf_new_page). */
static void write_shared_footer(struct pdf_doc *d)
{
	struct buf b;
	char of[32];
	char *c;
	float split = footer_split(d);

	if (!ok(d) || !d->shared_footer || !d->regular_name)
		return;
	buf_init(&b);
	buf_printf(&b, "q %.3f %.3f %.3f RG 0.4 w %.2f %.2f m %.2f %.2f l S\n", rule_grey.r, rule_grey.g, rule_grey.b,
		   LEFT, FOOTER_RULE, RIGHT, FOOTER_RULE);
	buf_printf(&b, "%.3f %.3f %.3f rg BT /%s %.1f Tf %.2f %.2f Td ", grey.r, grey.g, grey.b, d->regular_name,
		   FOOTER_SIZE, split, FOOTER_BASELINE);
	snprintf(of, sizeof(of), " of %zu", d->n_pages);
	span_width(d, PDF_REGULAR, FOOTER_SIZE, of, strlen(of)); /* marks its glyphs as used */
	put_hex_text(&b, of, strlen(of));
	buf_puts(&b, " Tj ET\n");
	if (d->footer) {
		c = clean_text(d->footer, false);
		{
			size_t n = strlen(c);
			float max = split - LEFT - 60;
			float ell = cp_width(d, PDF_REGULAR, 0x2026, FOOTER_SIZE);
			while (n > 0 && span_width(d, PDF_REGULAR, FOOTER_SIZE, c, n) > max - ell)
				n--;
			while (n > 0 && ((unsigned char)c[n] & 0xC0) == 0x80)
				n--;
			buf_printf(&b, "BT /%s %.1f Tf %.2f %.2f Td ", d->regular_name, FOOTER_SIZE, LEFT, FOOTER_BASELINE);
			put_hex_text(&b, c, n);
			buf_puts(&b, " Tj ET\n");
		}
		free(c);
	}
	buf_puts(&b, "Q\n");
	hpdf.HPDF_Stream_Write(d->shared_footer->stream, (const HPDF_BYTE *)b.data, (HPDF_UINT)b.len);
	buf_free(&b);
}

int pdf_doc_save(struct pdf_doc *d, const char *path, FILE *out, char *err, size_t errlen)
{
	if (d->n_pages == 0)
		pdf_new_page(d);
	seal_page(d);
	write_shared_footer(d);
	snprintf(d->doing, sizeof(d->doing), "writing %s", path ? path : "the PDF report");
	if (ok(d)) {
		if (path) {
			hpdf.HPDF_SaveToFile(d->pdf, path);
		} else if (hpdf.HPDF_SaveToStream(d->pdf) == HPDF_OK) {
			HPDF_BYTE chunk[65536];
			for (;;) {
				HPDF_UINT32 n = sizeof(chunk);
				HPDF_STATUS st = hpdf.HPDF_ReadFromStream(d->pdf, chunk, &n);
				if (n > 0 && fwrite(chunk, 1, n, out) != n) {
					snprintf(err, errlen, "cannot write the PDF report: %s", strerror(errno));
					return -EIO;
				}
				if (st != HPDF_OK)
					break; /* HPDF_STREAM_EOF, or an error the handler saw */
			}
		}
	}
	if (!ok(d)) {
		describe_error(d, err, errlen);
		return pdf_doc_failed(d);
	}
	return 0;
}

/* ---- flow ---- */

static void draw_table_header(struct pdf_doc *d);

void pdf_new_page(struct pdf_doc *d)
{
	const char *name;
	char text[32];

	if (!ok(d))
		return;
	seal_page(d);
	d->page = hpdf.HPDF_AddPage(d->pdf);
	if (!ok(d) || !d->page)
		return;
	hpdf.HPDF_Page_SetSize(d->page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
	forget_state(d);
	/* The regular font first, so that it has the same resource name on
	 * every page: the shared footer stream names it. */
	name = hpdf.HPDF_Page_GetLocalFontName(d->page, d->fonts[PDF_REGULAR]);
	if (!name || (d->regular_name && strcmp(name, d->regular_name) != 0)) {
		if (!d->error)
			d->error = HPDF_INVALID_FONT_NAME;
		return;
	}
	d->regular_name = name;
	d->n_pages++;
	if (d->n_pages > 1 && *d->header) {
		text_line_abs(d, LEFT, PDF_PAGE_HEIGHT - 26, PDF_REGULAR, 7.5f, &grey, PDF_CONTENT_WIDTH,
			      PDF_ALIGN_LEFT, d->header);
		line_abs(d, LEFT, PDF_PAGE_HEIGHT - 38, RIGHT, PDF_PAGE_HEIGHT - 38, 0.4f, &rule_grey);
	}
	/* "page N" now; " of M" comes with the shared footer. */
	snprintf(text, sizeof(text), "page %zu", d->n_pages);
	text_line_abs(d, footer_split(d) - 80, FOOTER_BASELINE + FOOTER_SIZE, PDF_REGULAR, FOOTER_SIZE, &grey, 80,
		      PDF_ALIGN_RIGHT, text);
	d->y = TOP;
	if (d->continued) {
		text_line_abs(d, LEFT, d->y, PDF_BOLD, 8, &grey, PDF_CONTENT_WIDTH, PDF_ALIGN_LEFT, d->continued);
		d->y -= line_height(8) + 3;
	}
	if (d->in_table && d->table_header && !d->header_pending)
		draw_table_header(d);
	d->fresh = true;
}

float pdf_room(const struct pdf_doc *d)
{
	return d->page ? d->y - BOTTOM : 0;
}

void pdf_need(struct pdf_doc *d, float height)
{
	if (!d->page || (pdf_room(d) < height && !d->fresh))
		pdf_new_page(d);
}

void pdf_gap(struct pdf_doc *d, float height)
{
	if (!d->page)
		pdf_new_page(d);
	d->y -= height;
	if (d->y < BOTTOM)
		d->y = BOTTOM;
	d->fresh = false;
}

void pdf_set_continued(struct pdf_doc *d, const char *caption)
{
	free(d->continued);
	d->continued = caption ? xstrdup(caption) : NULL;
}

void pdf_bookmark(struct pdf_doc *d, int level, const char *title)
{
	char buf[512];
	HPDF_Outline parent = NULL, o;
	HPDF_Destination dst;

	if (!ok(d) || level < 1 || level > 3)
		return;
	if (!d->page)
		pdf_new_page(d);
	for (int l = level - 2; l >= 0 && !parent; l--)
		parent = d->outline[l];
	to_pdfdoc(title, buf, sizeof(buf));
	o = hpdf.HPDF_CreateOutline(d->pdf, parent, buf, NULL);
	if (!ok(d) || !o)
		return;
	dst = hpdf.HPDF_Page_CreateDestination(d->page);
	if (!dst)
		return;
	hpdf.HPDF_Destination_SetFitH(dst, fminf(d->y + 20, PDF_PAGE_HEIGHT));
	hpdf.HPDF_Outline_SetDestination(o, dst);
	hpdf.HPDF_Outline_SetOpened(o, level == 1 ? HPDF_TRUE : HPDF_FALSE);
	d->outline[level - 1] = o;
	for (int l = level; l < 3; l++)
		d->outline[l] = NULL;
}

void pdf_heading(struct pdf_doc *d, int level, const char *title)
{
	static const float sizes[] = {17, 12.5f, 10.5f, 9};
	float size = sizes[level < 1 ? 0 : level > 4 ? 3 : level - 1];
	struct wrapped w;

	if (level <= 1) {
		if (!d->page || !d->fresh)
			pdf_new_page(d);
	} else
		pdf_need(d, line_height(size) * 2 + 40); /* never alone at the bottom of a page */
	if (!ok(d))
		return;
	if (!d->fresh)
		pdf_gap(d, level <= 2 ? 10 : 6);
	pdf_bookmark(d, level, title);
	wrap(d, PDF_BOLD, size, title, PDF_CONTENT_WIDTH, &w);
	for (size_t i = 0; i < w.n; i++) {
		draw_run(d, LEFT, baseline(d->y, size), PDF_BOLD, size, &heading_blue, w.text + w.lines[i].start,
			 w.lines[i].end - w.lines[i].start, w.cut && i + 1 == w.n);
		d->y -= line_height(size);
	}
	wrapped_free(&w);
	if (level <= 1) {
		line_abs(d, LEFT, d->y - 2, RIGHT, d->y - 2, 1.0f, &heading_blue);
		d->y -= 10;
	} else {
		d->y -= 3;
	}
	d->fresh = false;
}

void pdf_text(struct pdf_doc *d, enum pdf_font font, float size, const struct pdf_rgb *color, float indent,
	      const char *text)
{
	struct wrapped w;
	float lh = line_height(size);

	if (!ok(d))
		return;
	wrap(d, font, size, text, PDF_CONTENT_WIDTH - indent, &w);
	for (size_t i = 0; i < w.n && ok(d); i++) {
		pdf_need(d, lh);
		draw_run(d, LEFT + indent, baseline(d->y, size), font, size, color, w.text + w.lines[i].start,
			 w.lines[i].end - w.lines[i].start, w.cut && i + 1 == w.n);
		d->y -= lh;
		d->fresh = false;
	}
	wrapped_free(&w);
}

float pdf_text_height(struct pdf_doc *d, enum pdf_font font, float size, float indent, const char *text)
{
	struct wrapped w;
	float h;

	wrap(d, font, size, text, PDF_CONTENT_WIDTH - indent, &w);
	h = (float)w.n * line_height(size);
	wrapped_free(&w);
	return h;
}

/* ---- tables ---- */

static float column_x(const struct pdf_doc *d, size_t col)
{
	float x = LEFT;

	for (size_t i = 0; i < col; i++)
		x += d->cols[i].width;
	return x;
}

static size_t wrap_header(struct pdf_doc *d, struct wrapped *w)
{
	size_t lines = 1;

	for (size_t c = 0; c < d->n_cols; c++) {
		wrap(d, PDF_BOLD, d->table_size, d->cols[c].title, d->cols[c].width - 2 * PAD_X, &w[c]);
		if (w[c].n > lines)
			lines = w[c].n;
	}
	return lines;
}

static float header_height(struct pdf_doc *d)
{
	struct wrapped w[MAX_COLUMNS];
	size_t lines = wrap_header(d, w);

	for (size_t c = 0; c < d->n_cols; c++)
		wrapped_free(&w[c]);
	return (float)lines * line_height(d->table_size) + 2 * PAD_Y;
}

static void draw_table_header(struct pdf_doc *d)
{
	struct wrapped w[MAX_COLUMNS];
	size_t lines = wrap_header(d, w);
	float size = d->table_size, lh = line_height(size), h;

	h = (float)lines * lh + 2 * PAD_Y;
	rect_abs(d, LEFT, d->y - h, PDF_CONTENT_WIDTH, h, &header_fill, NULL);
	for (size_t c = 0; c < d->n_cols; c++) {
		for (size_t i = 0; i < w[c].n; i++) {
			const struct span *s = &w[c].lines[i];
			float x = column_x(d, c) + PAD_X;
			float avail = d->cols[c].width - 2 * PAD_X;
			float tw = span_width(d, PDF_BOLD, size, w[c].text + s->start, s->end - s->start);
			if (d->cols[c].align == PDF_ALIGN_RIGHT)
				x += avail - tw;
			else if (d->cols[c].align == PDF_ALIGN_CENTER)
				x += (avail - tw) / 2;
			draw_run(d, x, baseline(d->y - PAD_Y - (float)i * lh, size), PDF_BOLD, size, &black,
				 w[c].text + s->start, s->end - s->start, false);
		}
		wrapped_free(&w[c]);
	}
	d->y -= h;
	line_abs(d, LEFT, d->y, RIGHT, d->y, 0.6f, &grey);
}

void pdf_table_begin(struct pdf_doc *d, const struct pdf_column *cols, size_t n, float size, bool header)
{
	for (size_t i = 0; i < d->n_cols; i++)
		free((char *)d->cols[i].title);
	if (n > MAX_COLUMNS)
		n = MAX_COLUMNS;
	for (size_t i = 0; i < n; i++) {
		d->cols[i] = cols[i];
		d->cols[i].title = xstrdup(cols[i].title ? cols[i].title : "");
	}
	d->n_cols = n;
	d->table_size = size;
	d->table_header = header;
	d->header_pending = header;
	d->in_table = true;
}

void pdf_table_end(struct pdf_doc *d)
{
	bool drew = d->in_table && !d->header_pending;

	d->in_table = false;
	d->header_pending = false;
	if (drew)
		pdf_gap(d, 6);
}

void pdf_table_rule(struct pdf_doc *d)
{
	if (d->page)
		line_abs(d, LEFT, d->y, RIGHT, d->y, 0.6f, &grey);
}

static enum pdf_font cell_font(const struct pdf_doc *d, const struct pdf_cell *cell, size_t c)
{
	return cell->font >= 0 && cell->font < PDF_FONT_COUNT ? (enum pdf_font)cell->font : d->cols[c].font;
}

static size_t wrap_row(struct pdf_doc *d, const struct pdf_cell *cells, struct wrapped *w)
{
	size_t lines = 1;

	for (size_t c = 0; c < d->n_cols; c++) {
		enum pdf_font font = cell_font(d, &cells[c], c);
		float width = d->cols[c].width - 2 * PAD_X;

		wrap(d, font, d->table_size, cells[c].text, width, &w[c]);
		if (d->cols[c].clip && w[c].n > 1) {
			w[c].n = 1;
			w[c].cut = true;
			make_room_for_ellipsis(d, font, d->table_size, width, &w[c]);
		}
		if (w[c].n > lines)
			lines = w[c].n;
	}
	return lines;
}

/* Lines [from, from + count) of every cell of a row, as one band. */
static void draw_band(struct pdf_doc *d, const struct pdf_cell *cells, const struct wrapped *w, size_t from,
		      size_t count)
{
	float size = d->table_size, lh = line_height(size);
	float h = (float)count * lh + 2 * PAD_Y;

	for (size_t c = 0; c < d->n_cols; c++) {
		float x = column_x(d, c), avail = d->cols[c].width - 2 * PAD_X;
		enum pdf_font font = cell_font(d, &cells[c], c);

		if (cells[c].fill)
			rect_abs(d, x + 0.5f, d->y - h + 0.5f, d->cols[c].width - 1, h - 1, cells[c].fill, NULL);
		for (size_t i = from; i < from + count && i < w[c].n; i++) {
			const struct span *s = &w[c].lines[i];
			float tx = x + PAD_X;
			bool ell = w[c].cut && i + 1 == w[c].n;
			if (d->cols[c].align != PDF_ALIGN_LEFT) {
				float tw = span_width(d, font, size, w[c].text + s->start, s->end - s->start);
				tx += d->cols[c].align == PDF_ALIGN_RIGHT ? avail - tw : (avail - tw) / 2;
			}
			draw_run(d, tx, baseline(d->y - PAD_Y - (float)(i - from) * lh, size), font, size,
				 cells[c].color, w[c].text + s->start, s->end - s->start, ell);
		}
	}
	d->y -= h;
	line_abs(d, LEFT, d->y, RIGHT, d->y, 0.3f, &rule_grey);
	d->fresh = false;
}

/* Draws a wrapped row: whole on this page or the next when it fits on a
 * page, else split into bands page by page. */
static void draw_row(struct pdf_doc *d, const struct pdf_cell *cells, struct wrapped *w, size_t lines)
{
	float lh = line_height(d->table_size);
	size_t done = 0;

	if (d->header_pending) {
		/* The header never ends a page: it comes with the first row
		 * (or the first lines of a row taller than a page). */
		float row = (float)lines * lh + 2 * PAD_Y;
		float first = row <= TOP - BOTTOM - 80 ? row : 3 * lh + 2 * PAD_Y;
		pdf_need(d, header_height(d) + first);
		d->header_pending = false;
		draw_table_header(d);
	}
	if (pdf_room(d) < (float)lines * lh + 2 * PAD_Y && !d->fresh)
		pdf_new_page(d);
	while (done < lines && ok(d)) {
		size_t fit = (size_t)fmaxf(0, floorf((pdf_room(d) - 2 * PAD_Y) / lh));
		if (fit == 0 && !d->fresh) {
			pdf_new_page(d);
			continue;
		}
		if (fit == 0)
			fit = 1; /* a page too full of furniture: draw regardless */
		if (fit > lines - done)
			fit = lines - done;
		draw_band(d, cells, w, done, fit);
		done += fit;
		if (done < lines)
			pdf_new_page(d);
	}
}

void pdf_table_row(struct pdf_doc *d, const struct pdf_cell *cells)
{
	struct wrapped w[MAX_COLUMNS];
	size_t lines;

	if (!ok(d))
		return;
	if (!d->page)
		pdf_new_page(d);
	lines = wrap_row(d, cells, w);
	draw_row(d, cells, w, lines);
	for (size_t c = 0; c < d->n_cols; c++)
		wrapped_free(&w[c]);
}

struct pdf_rows {
	const struct pdf_cell *cells;
	size_t n_rows, n_cols;
	struct wrapped *w; /* n_rows × n_cols */
	size_t *lines;
	float height;
};

struct pdf_rows *pdf_rows_wrap(struct pdf_doc *d, const struct pdf_cell *cells, size_t n_rows)
{
	struct pdf_rows *r = xcalloc(1, sizeof(*r));
	float lh = line_height(d->table_size);

	r->cells = cells;
	r->n_rows = n_rows;
	r->n_cols = d->n_cols;
	r->w = xcalloc(n_rows * (d->n_cols ? d->n_cols : 1), sizeof(*r->w));
	r->lines = xcalloc(n_rows ? n_rows : 1, sizeof(*r->lines));
	for (size_t i = 0; i < n_rows; i++) {
		r->lines[i] = wrap_row(d, cells + i * d->n_cols, r->w + i * d->n_cols);
		r->height += (float)r->lines[i] * lh + 2 * PAD_Y;
	}
	return r;
}

float pdf_rows_height(const struct pdf_rows *r)
{
	return r->height;
}

void pdf_rows_draw(struct pdf_doc *d, struct pdf_rows *r)
{
	if (ok(d) && r->n_cols == d->n_cols) {
		if (!d->page)
			pdf_new_page(d);
		/* Together on one page when they fit on one. */
		pdf_need(d, r->height + 6);
		for (size_t i = 0; i < r->n_rows && ok(d); i++)
			draw_row(d, r->cells + i * r->n_cols, r->w + i * r->n_cols, r->lines[i]);
	}
	for (size_t i = 0; i < r->n_rows * r->n_cols; i++)
		wrapped_free(&r->w[i]);
	free(r->w);
	free(r->lines);
	free(r);
}

/* ---- drawing at the cursor ---- */

void pdf_text_at(struct pdf_doc *d, float x, float y, enum pdf_font font, float size, const struct pdf_rgb *color,
		 float max_width, enum pdf_align align, const char *text)
{
	if (x < 0)
		x = 0;
	if (max_width > PDF_CONTENT_WIDTH - x)
		max_width = PDF_CONTENT_WIDTH - x;
	text_line_abs(d, LEFT + x, d->y - y, font, size, color, max_width, align, text);
	d->fresh = false;
}

void pdf_rect(struct pdf_doc *d, float x, float y, float w, float h, const struct pdf_rgb *fill,
	      const struct pdf_rgb *stroke)
{
	rect_abs(d, LEFT + x, d->y - y - h, w, h, fill, stroke);
	d->fresh = false;
}

void pdf_line(struct pdf_doc *d, float x0, float y0, float x1, float y1, float width, const struct pdf_rgb *color)
{
	line_abs(d, LEFT + x0, d->y - y0, LEFT + x1, d->y - y1, width, color);
}
