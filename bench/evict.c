/*
 * Drops the files of a directory (not recursive) from the page cache, so
 * that bench/k8s.sh can time a scan of files that must come from the disk,
 * as on a machine that has not read them lately. The file system is
 * synced first: POSIX_FADV_DONTNEED drops clean pages only, and files
 * just generated are not written out yet.
 *
 * usage: evict DIR
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct dirent *d;
	DIR *dir;
	int dfd, failed = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	dir = opendir(argv[1]);
	if (!dir) {
		perror(argv[1]);
		return 2;
	}
	dfd = dirfd(dir);
	if (syncfs(dfd) != 0) {
		perror(argv[1]);
		return 2;
	}
	while ((d = readdir(dir))) {
		int fd;

		if (d->d_type != DT_REG)
			continue;
		fd = openat(dfd, d->d_name, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) != 0) {
			fprintf(stderr, "%s: %s/%s: cannot drop from the page cache\n", argv[0], argv[1], d->d_name);
			failed = 1;
		}
		if (fd >= 0)
			close(fd);
	}
	closedir(dir);
	return failed;
}
