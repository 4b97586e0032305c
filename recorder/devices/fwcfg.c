/* SPDX-License-Identifier: MIT */
/*
 * A minimal QEMU fw_cfg, legacy I/O interface (QEMU docs/specs/fw_cfg.rst):
 * a 16-bit write to 0x510 selects a key and rewinds the offset; each byte
 * read from 0x511 returns the item's next byte, zeros past its end. No DMA,
 * no file directory, no writes to items. Keys answered:
 *   0x0000 signature  "QEMU"
 *   0x0001 id         u32 1 (traditional interface only, no DMA)
 *   0x0003 RAM size   u64 bytes
 *   0x0005 CPU count  u16
 *   0x000f max CPUs   u16 (= CPU count)
 * Every other key (UUID 0x0002 included) reads zeros. Integers are
 * little-endian. Unit-test kernels (kvm-unit-tests' lib/x86/fwcfg.c) read
 * the CPU count and RAM size this way.
 */
#include <string.h>

#include "recorder/vmm.h"

#define FWCFG_SIGNATURE 0x00
#define FWCFG_ID 0x01
#define FWCFG_RAM_SIZE 0x03
#define FWCFG_NB_CPUS 0x05
#define FWCFG_MAX_CPUS 0x0f

void fwcfg_init(struct vm *vm)
{
	pthread_mutex_init(&vm->fwcfg.lock, NULL);
	vm->fwcfg.key = 0;
	vm->fwcfg.offset = 0;
}

/* Item `key` into buf (up to 8 bytes); returns its length. */
static unsigned fwcfg_item(const struct vm *vm, uint16_t key, uint8_t buf[8])
{
	uint64_t v;
	memset(buf, 0, 8);
	switch (key) {
	case FWCFG_SIGNATURE:
		memcpy(buf, "QEMU", 4);
		return 4;
	case FWCFG_ID:
		v = 1;
		memcpy(buf, &v, 4);
		return 4;
	case FWCFG_RAM_SIZE:
		v = vm->ram_size;
		memcpy(buf, &v, 8);
		return 8;
	case FWCFG_NB_CPUS:
	case FWCFG_MAX_CPUS:
		v = vm->ncpus;
		memcpy(buf, &v, 2);
		return 2;
	default:
		return 0;
	}
}

void fwcfg_access(struct vm *vm, uint16_t port, bool write, unsigned size, uint8_t *data)
{
	struct fwcfg_state *f = &vm->fwcfg;
	pthread_mutex_lock(&f->lock);
	if (port == FWCFG_SELECTOR_PORT) {
		if (write) {
			uint16_t key = 0;
			memcpy(&key, data, size < 2 ? size : 2);
			f->key = key;
			f->offset = 0;
		} else {
			memset(data, 0, size);
		}
	} else if (!write) {
		/* Each byte of a wider read comes from the data port in turn. */
		uint8_t item[8];
		unsigned len = fwcfg_item(vm, f->key, item);
		for (unsigned i = 0; i < size; i++) {
			data[i] = f->offset < len ? item[f->offset] : 0;
			if (f->offset < UINT32_MAX)
				f->offset++;
		}
	}
	pthread_mutex_unlock(&f->lock);
}
