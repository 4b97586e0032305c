/* SPDX-License-Identifier: MIT */
/*
 * --kernel FILE: tell the format from the file's header and hand the whole
 * file to its loader.
 *   bzImage:   boot sector signature 0xaa55 at 0x1fe and "HdrS" at 0x202
 *              (Documentation/arch/x86/boot.rst, "The real-mode kernel header")
 *   multiboot: an ELF file ("\x7fELF") with a multiboot v1 header (magic
 *              0x1badb002, flags, checksum summing to 0) 4-byte aligned in
 *              its first 8 KiB (Multiboot Specification 0.6.96, 3.1.1)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "recorder/vmm.h"

enum kernel_format kernel_format_detect(const uint8_t *image, size_t size)
{
	if (size >= 0x206 && image[0x1fe] == 0x55 && image[0x1ff] == 0xaa && !memcmp(image + 0x202, "HdrS", 4))
		return KERNEL_FORMAT_BZIMAGE;
	if (size >= 4 && !memcmp(image, "\x7f" "ELF", 4)) {
		size_t limit = size < 8192 ? size : 8192;
		for (size_t off = 0; off + 12 <= limit; off += 4) {
			uint32_t h[3];
			memcpy(h, image + off, sizeof(h));
			if (h[0] == 0x1badb002u && h[0] + h[1] + h[2] == 0)
				return KERNEL_FORMAT_MULTIBOOT;
		}
	}
	return KERNEL_FORMAT_UNKNOWN;
}

#ifndef IRQRR_HAVE_BZIMAGE
/* Hook for the Linux loader (recorder/loaders/bzimage.c replaces this when it lands). */
int boot_load_bzimage(struct vm *vm, const uint8_t *image, size_t size, const struct recorder_options *o)
{
	(void)vm;
	(void)image;
	(void)size;
	fprintf(stderr, "irqrr: --kernel %s: Linux bzImage loading is not supported yet\n", o->kernel);
	return -1;
}
#endif

int boot_load_kernel(struct vm *vm, const struct recorder_options *o)
{
	size_t size;
	uint8_t *image = kernel_read_file("--kernel", o->kernel, vm->ram_size, &size);
	if (!image)
		return -1;
	int r;
	switch (kernel_format_detect(image, size)) {
	case KERNEL_FORMAT_MULTIBOOT:
		r = boot_load_multiboot(vm, image, size, o);
		break;
	case KERNEL_FORMAT_BZIMAGE:
		if (o->nmodules) {
			fprintf(stderr, "irqrr: --module is for multiboot kernels; %s is a Linux bzImage (use --initrd)\n", o->kernel);
			r = -1;
			break;
		}
		r = boot_load_bzimage(vm, image, size, o);
		break;
	default:
		fprintf(stderr, "irqrr: --kernel %s: neither a Linux bzImage (\"HdrS\" at 0x202) nor an ELF "
			"with a multiboot header in its first 8 KiB\n", o->kernel);
		r = -1;
		break;
	}
	free(image);
	return r;
}
