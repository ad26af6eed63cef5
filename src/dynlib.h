/*
 * Libraries loaded on first use. libgit2 (repositories), libxml2 (JUnit
 * reports), libarchive (image tarballs) and libharu (PDF reports) are not
 * linked into assay: with what they pull in (OpenSSL, Kerberos, mbed TLS,
 * ICU and libstdc++, the compression libraries) they were three quarters
 * of the dynamic loader's work, 15 of the 20 ms `assay --version` took.
 * Most runs need none of the last three; libgit2 is loaded by the first
 * repository open, which runs on its own thread while the scan starts.
 * Each library's home loads it with dynlib_load before its first call and
 * calls it through a table of typed pointers:
 *
 *   #define XML_FUNCTIONS(X) X(xmlNewTextWriter) X(xmlFreeTextWriter)
 *   DYNLIB_DEFINE(xml, XML_FUNCTIONS, ASSAY_LIBXML2_SONAME, "JUnit reports");
 *   ...
 *   if (!dynlib_load(&xml_lib, err, errlen)) return -ELIBACC;
 *   w = xml.xmlNewTextWriter(buf);
 *
 * The library is found by the SONAME of the one assay was built against
 * (the Makefile reads it), so its ABI is the one the headers describe.
 */
#ifndef ASSAY_DYNLIB_H
#define ASSAY_DYNLIB_H

#include <stdbool.h>
#include <stddef.h>

/* A table member with the function's own type, from its header. */
#define DYNLIB_POINTER(f) __typeof__(f) *f;
#define DYNLIB_NAME(f) #f,

struct dynlib {
	const char *soname;         /* as the dynamic loader finds it */
	const char *needed_for;     /* for the error: "JUnit reports" */
	const char *const *names;   /* the symbols, in the table's order */
	size_t n_names;
	void *table;                /* a struct of n_names function pointers */
	size_t table_size;
	int state;                  /* 0 not tried, 1 loaded, -1 failed */
	char error[256];
};

#define DYNLIB_INIT(soname, needed_for, names, table) \
	{(soname), (needed_for), (names), sizeof(names) / sizeof((names)[0]), &(table), sizeof(table), 0, ""}

/* A home's table `name` of the functions FUNCTIONS(X) lists, with its names
 * (name_names) and the library (name_lib) that fills it. */
#define DYNLIB_DEFINE(name, FUNCTIONS, soname, needed_for)                                                   \
	static struct {                                                                                      \
		FUNCTIONS(DYNLIB_POINTER)                                                                    \
	} name;                                                                                              \
	static const char *const name##_names[] = {FUNCTIONS(DYNLIB_NAME)};                                  \
	static struct dynlib name##_lib = DYNLIB_INIT(soname, needed_for, name##_names, name)

/* Loads the library and fills its table, once (thread-safe). False when the
 * library or a symbol is missing, with err saying which and what needs it;
 * every later call fails the same way. err may be NULL. */
bool dynlib_load(struct dynlib *lib, char *err, size_t errlen);

/* True when a library with this SONAME is mapped into the process, or,
 * given a name without its version ("libmbedx509.so"), any version of it
 * (tests). */
bool dynlib_is_mapped(const char *soname);

#endif
