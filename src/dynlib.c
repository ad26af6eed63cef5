/*
 * Loading a library on first use (dynlib.h says why): dlopen by SONAME,
 * then every symbol its home calls, into the home's table of typed
 * pointers. A library is tried once; a failure is kept and repeated, so
 * that every caller says the same thing.
 */
#include "dynlib.h"

#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;

/* Fills the table; on failure the library is closed again and lib->error
 * says why. The handle of a loaded library stays open until exit. */
static bool load_locked(struct dynlib *lib)
{
	void *handle;

	if (lib->table_size != lib->n_names * sizeof(void *)) {
		snprintf(lib->error, sizeof(lib->error), "the table for %s does not match its %zu names",
			 lib->soname, lib->n_names);
		return false;
	}
	if (!lib->soname[0]) {
		snprintf(lib->error, sizeof(lib->error), "assay was built without the library %s need",
			 lib->needed_for);
		return false;
	}
	handle = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
	if (!handle) {
		snprintf(lib->error, sizeof(lib->error), "cannot load %s, which %s need: %s", lib->soname,
			 lib->needed_for, dlerror());
		return false;
	}
	for (size_t i = 0; i < lib->n_names; i++) {
		void *symbol = dlsym(handle, lib->names[i]);

		if (!symbol) {
			snprintf(lib->error, sizeof(lib->error), "%s, which %s need, has no %s", lib->soname,
				 lib->needed_for, lib->names[i]);
			dlclose(handle);
			return false;
		}
		/* POSIX: a function's address from dlsym fits a void *. */
		memcpy((char *)lib->table + i * sizeof(void *), &symbol, sizeof(symbol));
	}
	return true;
}

bool dynlib_load(struct dynlib *lib, char *err, size_t errlen)
{
	bool loaded;

	pthread_mutex_lock(&load_lock);
	if (lib->state == 0)
		lib->state = load_locked(lib) ? 1 : -1;
	loaded = lib->state == 1;
	pthread_mutex_unlock(&load_lock);
	if (!loaded && err && errlen)
		snprintf(err, errlen, "%s", lib->error);
	return loaded;
}

struct mapped_query {
	const char *soname;
	bool found;
};

static int match_object(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct mapped_query *q = arg;
	const char *name = info->dlpi_name, *slash;
	size_t n;

	(void)size;
	if (!name || !*name)
		return 0;
	slash = strrchr(name, '/');
	name = slash ? slash + 1 : name;
	n = strlen(q->soname);
	/* the whole name, or its start up to a version ("libz.so" for libz.so.1) */
	if (strncmp(name, q->soname, n) == 0 && (name[n] == '\0' || name[n] == '.'))
		q->found = true;
	return q->found;
}

bool dynlib_is_mapped(const char *soname)
{
	struct mapped_query q = {soname, false};

	dl_iterate_phdr(match_object, &q);
	return q.found;
}
