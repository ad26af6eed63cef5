/*
 * The PDF report's page layout (reports/pdf_layout.c, the one file that
 * speaks libharu): A4 pages with a running header and "page N of M"
 * footers, UTF-8 text in the embedded DejaVu fonts wrapped to a width
 * (long tokens without spaces are broken too), headings that become the
 * PDF outline, tables whose rows break across pages under a repeated
 * header row, and the few drawing primitives the charts need. The report
 * (reports/pdf.c) decides what to say; this file decides where it goes,
 * and nothing it draws leaves the page.
 *
 * Errors: libharu's are caught by a handler that records the first one;
 * every drawing call becomes a no-op afterwards, and pdf_doc_save returns
 * it as a negative code with a one-line message.
 */
#ifndef ASSAY_PDF_LAYOUT_H
#define ASSAY_PDF_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct pdf_doc;

enum pdf_font { PDF_REGULAR, PDF_BOLD, PDF_MONO, PDF_FONT_COUNT };
enum pdf_align { PDF_ALIGN_LEFT, PDF_ALIGN_RIGHT, PDF_ALIGN_CENTER };

struct pdf_rgb {
	float r, g, b; /* 0..1 */
};

/* The page's printable area, in points (x from the left edge, y from the
 * bottom, as PDF has it). */
#define PDF_PAGE_WIDTH 595.276f
#define PDF_PAGE_HEIGHT 841.89f
#define PDF_MARGIN_X 48.0f
#define PDF_CONTENT_WIDTH (PDF_PAGE_WIDTH - 2 * PDF_MARGIN_X)

/* Finds the three DejaVu fonts: in $ASSAY_FONT_DIR when it is set, else in
 * the usual directories. On failure, err names the missing file. */
int pdf_fonts_find(char *err, size_t errlen);
/* Loads libharu (dynlib.h); pdf_doc_new does it too. 0 or -ELIBACC, with
 * err naming the library. */
int pdf_library_load(char *err, size_t errlen);

/* A new document with its fonts loaded (embedded, UTF-8). header is the
 * running header's text, drawn on every page but the first. */
int pdf_doc_new(struct pdf_doc **out, const char *header, char *err, size_t errlen);
void pdf_doc_free(struct pdf_doc *d);
/* Document information; date is the ISO 8601 UTC time to record as both
 * creation and modification date (the run's, so output is reproducible).
 * Title and subject may hold any UTF-8: characters PDFDocEncoding lacks
 * become '?'. */
void pdf_doc_info(struct pdf_doc *d, const char *title, const char *subject, const char *author,
		  const char *creator, const char *date);
/* Text at the left of every page's footer (the page number is at the right). */
void pdf_doc_footer(struct pdf_doc *d, const char *footer);
/* Writes the footers ("page N of M") and the document to path, or to out
 * when path is NULL. Returns 0 or a negative code with err set. */
int pdf_doc_save(struct pdf_doc *d, const char *path, FILE *out, char *err, size_t errlen);
/* Nonzero once libharu has reported an error: callers that loop over many
 * rows stop early. */
int pdf_doc_failed(const struct pdf_doc *d);

/* ---- flow: a cursor moves down the page; breaks start a new page ---- */

void pdf_new_page(struct pdf_doc *d);
/* Starts a new page unless at least `height` points are left. */
void pdf_need(struct pdf_doc *d, float height);
void pdf_gap(struct pdf_doc *d, float height);
/* Points left above the bottom margin on the current page. */
float pdf_room(const struct pdf_doc *d);

/* A heading: level 1 starts a page; levels 1-3 are PDF outline entries
 * (nested under the last entry of the level above), level 4 is not. */
void pdf_heading(struct pdf_doc *d, int level, const char *title);
/* An outline entry at the cursor without a visible heading. */
void pdf_bookmark(struct pdf_doc *d, int level, const char *title);

/* A caption drawn at the top of each new page until cleared ("Findings —
 * high (continued)"), so that a reader who opens any page knows where
 * they are. NULL clears it. */
void pdf_set_continued(struct pdf_doc *d, const char *caption);

/* A paragraph wrapped to the content width, indented by `indent` points. */
void pdf_text(struct pdf_doc *d, enum pdf_font font, float size, const struct pdf_rgb *color, float indent,
	      const char *text);

/* The height pdf_text would take (no page break counted). */
float pdf_text_height(struct pdf_doc *d, enum pdf_font font, float size, float indent, const char *text);

/* ---- tables ---- */

struct pdf_column {
	const char *title;
	float width; /* points; the widths should add up to PDF_CONTENT_WIDTH */
	enum pdf_font font;
	enum pdf_align align;
	bool clip; /* one line per row, cut with "…", instead of wrapping */
};

struct pdf_cell {
	const char *text;
	const struct pdf_rgb *fill;  /* background, or NULL */
	const struct pdf_rgb *color; /* text, or NULL for black */
	int font;                    /* enum pdf_font, or -1 for the column's */
};

/* Starts a table of n columns (at most 8) in `size` points: the header row
 * (none when header is false) is drawn now and again at the top of every
 * page the table continues on. */
void pdf_table_begin(struct pdf_doc *d, const struct pdf_column *cols, size_t n, float size, bool header);
/* One row: the cells are wrapped to their columns; a row that does not fit
 * moves to the next page, and a row taller than a page is split. */
void pdf_table_row(struct pdf_doc *d, const struct pdf_cell *cells);
/* Rows kept together: wrapped once (n_rows × the table's columns cells,
 * row after row), measured, then drawn on one page when they fit on one
 * (pdf_rows_draw also frees them). The cells must outlive the rows. */
struct pdf_rows;
struct pdf_rows *pdf_rows_wrap(struct pdf_doc *d, const struct pdf_cell *cells, size_t n_rows);
float pdf_rows_height(const struct pdf_rows *r);
void pdf_rows_draw(struct pdf_doc *d, struct pdf_rows *r);
/* Draws a thin rule under the last row. */
void pdf_table_rule(struct pdf_doc *d);
void pdf_table_end(struct pdf_doc *d);

/* ---- drawing at the cursor: x from the left margin, y down from the
 * cursor; callers pdf_need the height first and pdf_gap past it. ---- */

float pdf_text_width(struct pdf_doc *d, enum pdf_font font, float size, const char *text);
/* One line of text whose top is `y` below the cursor; clipped with "…" to
 * max_width. */
void pdf_text_at(struct pdf_doc *d, float x, float y, enum pdf_font font, float size, const struct pdf_rgb *color,
		 float max_width, enum pdf_align align, const char *text);
void pdf_rect(struct pdf_doc *d, float x, float y, float w, float h, const struct pdf_rgb *fill,
	      const struct pdf_rgb *stroke);
void pdf_line(struct pdf_doc *d, float x0, float y0, float x1, float y1, float width, const struct pdf_rgb *color);

#endif
