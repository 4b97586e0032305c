/* SPDX-License-Identifier: MIT */
/*
 * Reading a whole file for a loader (--kernel, --initrd, --module): one
 * error line naming the option and the path on failure. A leaf of the
 * loaders: kernel.c, multiboot.c and bzimage.c call it, it calls none of
 * them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "recorder/vmm.h"

uint8_t *kernel_read_file(const char *what, const char *path, uint64_t limit, size_t *size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "irqrr: %s %s: %s\n", what, path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		fprintf(stderr, "irqrr: %s %s: not a regular file\n", what, path);
		close(fd);
		return NULL;
	}
	if ((uint64_t)st.st_size > limit) {
		fprintf(stderr, "irqrr: %s %s: %lld bytes do not fit in guest RAM (%llu bytes free; raise --mem)\n",
			what, path, (long long)st.st_size, (unsigned long long)limit);
		close(fd);
		return NULL;
	}
	size_t n = (size_t)st.st_size;
	uint8_t *buf = malloc(n ? n : 1);
	size_t got = 0;
	if (!buf)
		fprintf(stderr, "irqrr: %s %s: out of memory\n", what, path);
	while (buf && got < n) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r <= 0) {
			fprintf(stderr, "irqrr: %s %s: %s\n", what, path, r < 0 ? strerror(errno) : "file shrank while reading");
			free(buf);
			buf = NULL;
			break;
		}
		got += (size_t)r;
	}
	close(fd);
	*size = n;
	return buf;
}
