/* SPDX-License-Identifier: MIT */
/*
 * Offline tests of what the VMM hands a Linux guest: the ACPI and MP
 * tables (read back with a parser written here from the specs, not with the
 * builders' helpers), the bzImage header checks and memory plan, the zero
 * page, the kernel format detection, and the i8042 / port 0x92 devices.
 * No KVM needed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "recorder/vmm.h"

#define MEM_SIZE 0x100000u

static uint32_t rd16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t rd32(const uint8_t *p) { return rd16(p) | rd16(p + 2) << 16; }
static uint64_t rd64(const uint8_t *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

static unsigned byte_sum(const uint8_t *p, size_t n)
{
	unsigned s = 0;
	for (size_t i = 0; i < n; i++)
		s += p[i];
	return s & 0xff;
}

/* Linux's RSDP search: 16-byte boundaries in 0xe0000-0xfffff. */
static uint64_t find_rsdp(const uint8_t *mem)
{
	for (uint32_t a = 0xe0000; a < 0x100000; a += 16)
		if (!memcmp(mem + a, "RSD PTR ", 8) && byte_sum(mem + a, 20) == 0)
			return a;
	return 0;
}

/* A system description table at addr: signature, sane length, checksum. */
static const uint8_t *sdt(const uint8_t *mem, uint64_t addr, const char *sig)
{
	assert_true(addr >= 0xe0000 && addr < 0xf0000); /* inside the e820 ACPI range */
	const uint8_t *t = mem + addr;
	assert_memory_equal(t, sig, 4);
	uint32_t len = rd32(t + 4);
	assert_true(len >= 36 && addr + len <= 0xf0000);
	assert_int_equal(byte_sum(t, len), 0);
	return t;
}

static const uint8_t *xsdt_find(const uint8_t *mem, const uint8_t *xsdt, const char *sig)
{
	uint32_t n = (rd32(xsdt + 4) - 36) / 8;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t a = rd64(xsdt + 36 + 8 * i);
		if (!memcmp(mem + a, sig, 4))
			return sdt(mem, a, sig);
	}
	fail_msg("no %s in the XSDT", sig);
	return NULL;
}

static void test_acpi_rsdp_rsdt_xsdt(void **state)
{
	(void)state;
	uint8_t *mem = calloc(1, MEM_SIZE);
	uint64_t rsdp_addr = acpi_build(mem, 2);
	assert_int_equal(find_rsdp(mem), rsdp_addr);
	assert_int_equal(rsdp_addr % 16, 0);
	const uint8_t *rsdp = mem + rsdp_addr;
	assert_int_equal(rsdp[15], 2);                 /* revision 2: has XSDT */
	assert_int_equal(rd32(rsdp + 20), 36);
	assert_int_equal(byte_sum(rsdp, 36), 0);       /* extended checksum */
	const uint8_t *rsdt = sdt(mem, rd32(rsdp + 16), "RSDT");
	const uint8_t *xsdt = sdt(mem, rd64(rsdp + 24), "XSDT");
	uint32_t n4 = (rd32(rsdt + 4) - 36) / 4, n8 = (rd32(xsdt + 4) - 36) / 8;
	assert_int_equal(n4, n8);
	assert_int_equal(n8, 2);
	for (uint32_t i = 0; i < n8; i++)
		assert_int_equal(rd32(rsdt + 36 + 4 * i), rd64(xsdt + 36 + 8 * i));
	free(mem);
}

/* The HPET table (IA-PC HPET 1.0a 3.2.4) with --hpet on, none without. */
static void test_acpi_hpet(void **state)
{
	(void)state;
	uint8_t *mem = calloc(1, MEM_SIZE);
	uint64_t r = acpi_build_hpet(mem, 64, true);
	const uint8_t *xsdt = mem + rd64(mem + r + 24);
	assert_int_equal((rd32(xsdt + 4) - 36) / 8, 3);
	const uint8_t *hpet = xsdt_find(mem, xsdt, "HPET");
	assert_int_equal(rd32(hpet + 4), 56);
	assert_int_equal(rd32(hpet + 36), 0x8086a201u); /* = the board's GCAP_ID low half */
	assert_int_equal(hpet[40], 0);                  /* system memory */
	assert_int_equal(rd64(hpet + 44), 0xfed00000u);
	assert_int_equal(rd16(hpet + 53), 0x80);
	/* the MADT of 64 vCPUs does not run into it */
	const uint8_t *madt = xsdt_find(mem, xsdt, "APIC");
	assert_true(hpet + 56 <= madt || madt + rd32(madt + 4) <= hpet);
	memset(mem, 0, MEM_SIZE);
	r = acpi_build_hpet(mem, 1, false);
	xsdt = mem + rd64(mem + r + 24);
	assert_int_equal((rd32(xsdt + 4) - 36) / 8, 2);
	free(mem);
}

static void test_acpi_fadt_dsdt_facs(void **state)
{
	(void)state;
	uint8_t *mem = calloc(1, MEM_SIZE);
	uint64_t r = acpi_build(mem, 1);
	const uint8_t *xsdt = mem + rd64(mem + r + 24);
	const uint8_t *fadt = xsdt_find(mem, xsdt, "FACP");
	assert_int_equal(rd32(fadt + 4), 276);         /* revision 6 length */
	assert_int_equal(fadt[8], 6);
	assert_int_equal(rd16(fadt + 46), 9);          /* SCI_INT */
	assert_int_equal(rd32(fadt + 48), 0);          /* no SMI_CMD: always ACPI mode */
	assert_int_equal(rd32(fadt + 56), 0x600);      /* PM1a_EVT_BLK */
	assert_int_equal(rd32(fadt + 64), 0x604);      /* PM1a_CNT_BLK */
	assert_int_equal(fadt[88], 4);
	assert_int_equal(fadt[89], 2);
	assert_int_equal(fadt[108], 0x32);             /* CENTURY: the RTC keeps the century at 0x32 */
	assert_int_equal(rd32(fadt + 76), 0);          /* no PM timer */
	assert_int_equal(fadt[91], 0);
	assert_int_equal(rd16(fadt + 109) & 3, 3);     /* LEGACY_DEVICES | 8042 */
	assert_int_equal(rd32(fadt + 112) & (1u << 20), 0); /* not HW-reduced */
	/* X_PM1a_CNT_BLK: SystemIO, 16 bits, at 0x604 */
	assert_int_equal(fadt[172], 1);
	assert_int_equal(fadt[173], 16);
	assert_int_equal(rd64(fadt + 176), 0x604);
	assert_int_equal(rd64(fadt + 140), rd32(fadt + 40)); /* X_DSDT == DSDT */
	const uint8_t *dsdt = sdt(mem, rd64(fadt + 140), "DSDT");
	/* \_S5 = Package { 5, 5, 0, 0 }: find the NameOp + name, then decode. */
	uint32_t len = rd32(dsdt + 4);
	const uint8_t *aml = dsdt + 36, *end = dsdt + len, *p = NULL;
	for (const uint8_t *q = aml; q + 5 <= end; q++)
		if (q[0] == 0x08 && !memcmp(q + 1, "_S5_", 4))
			p = q + 5;
	assert_non_null(p);
	assert_int_equal(p[0], 0x12);                   /* PackageOp */
	assert_int_equal(p[1] & 0xc0, 0);               /* one-byte PkgLength */
	assert_true(p + 1 + p[1] <= end);               /* package inside the table */
	assert_true(p[2] >= 2);                         /* NumElements */
	assert_int_equal(p[3], 0x0a);                   /* BytePrefix */
	assert_int_equal(p[4], 5);                      /* SLP_TYPa = 5 */
	/* FACS: 64-byte aligned, 64 bytes */
	uint64_t facs = rd32(fadt + 36);
	assert_int_equal(rd64(fadt + 132), 0);         /* X_FIRMWARE_CTRL unused */
	assert_int_equal(facs % 64, 0);
	assert_memory_equal(mem + facs, "FACS", 4);
	assert_int_equal(rd32(mem + facs + 4), 64);
	free(mem);
}

static void test_acpi_madt(void **state)
{
	(void)state;
	for (unsigned ncpus = 1; ncpus <= 8; ncpus++) {
		uint8_t *mem = calloc(1, MEM_SIZE);
		uint64_t r = acpi_build(mem, ncpus);
		const uint8_t *madt = xsdt_find(mem, mem + rd64(mem + r + 24), "APIC");
		assert_int_equal(rd32(madt + 36), 0xfee00000);
		assert_int_equal(rd32(madt + 40) & 1, 1); /* PCAT_COMPAT */
		unsigned lapics = 0, ioapics = 0, isos = 0, nmis = 0;
		const uint8_t *e = madt + 44, *end = madt + rd32(madt + 4);
		while (e < end) {
			assert_true(e[1] >= 2 && e + e[1] <= end);
			switch (e[0]) {
			case 0:
				assert_int_equal(e[1], 8);
				assert_int_equal(e[3], lapics);      /* APIC ID = vCPU index */
				assert_int_equal(rd32(e + 4) & 1, 1); /* enabled */
				lapics++;
				break;
			case 1:
				assert_int_equal(e[1], 12);
				assert_int_equal(e[2], ncpus);       /* after the CPUs' IDs */
				assert_int_equal(rd32(e + 4), 0xfec00000);
				assert_int_equal(rd32(e + 8), 0);
				ioapics++;
				break;
			case 2:
				assert_int_equal(e[1], 10);
				assert_int_equal(e[2], 0);
				if (e[3] == 0) {
					assert_int_equal(rd32(e + 4), 2);
					assert_int_equal(rd16(e + 8), 0x5); /* edge, high */
				} else {
					assert_int_equal(e[3], 9);
					assert_int_equal(rd32(e + 4), 9);
					assert_int_equal(rd16(e + 8), 0xd); /* level, high */
				}
				isos++;
				break;
			case 4:
				assert_int_equal(e[1], 6);
				assert_int_equal(e[2], 0xff);
				assert_int_equal(e[5], 1);           /* LINT1 */
				nmis++;
				break;
			default:
				fail_msg("unexpected MADT entry type %u", e[0]);
			}
			e += e[1];
		}
		assert_ptr_equal(e, end);
		assert_int_equal(lapics, ncpus);
		assert_int_equal(ioapics, 1);
		assert_int_equal(isos, 2);
		assert_int_equal(nmis, 1);
		free(mem);
	}
}

/* MP spec 1.4, 4.1: Linux scans the EBDA's first KiB, 0x9fc00 and 0xf0000-0xfffff. */
static void test_mptable(void **state)
{
	(void)state;
	for (unsigned ncpus = 1; ncpus <= 2; ncpus++) {
		uint8_t *mem = calloc(1, MEM_SIZE);
		mptable_build(mem, ncpus);
		const uint8_t *mpf = NULL;
		for (uint32_t a = 0xf0000; a < 0x100000; a += 16)
			if (!memcmp(mem + a, "_MP_", 4) && byte_sum(mem + a, 16u * mem[a + 8]) == 0)
				mpf = mem + a;
		assert_non_null(mpf);
		assert_int_equal(mpf[8], 1);
		assert_int_equal(mpf[9], 4);
		assert_int_equal(mpf[11], 0);                  /* config table present */
		assert_int_equal(mpf[12] & 0x80, 0);           /* virtual wire, no IMCR */
		uint32_t ca = rd32(mpf + 4);
		assert_true(ca >= 0xf0000 && ca < 0x100000);
		const uint8_t *mpc = mem + ca;
		assert_memory_equal(mpc, "PCMP", 4);
		uint32_t len = rd16(mpc + 4);
		assert_true(ca + len <= 0x100000);
		assert_int_equal(byte_sum(mpc, len), 0);
		assert_int_equal(mpc[6], 4);
		assert_int_equal(rd32(mpc + 36), 0xfee00000);
		unsigned count = rd16(mpc + 34), seen = 0, cpus = 0, bsp = 0, buses = 0, ioapics = 0;
		int intin_of_irq[16], extint_pin = -1, lint0 = -1, lint1 = -1;
		for (int i = 0; i < 16; i++)
			intin_of_irq[i] = -1;
		const uint8_t *e = mpc + 44, *end = mpc + len;
		while (e < end) {
			seen++;
			switch (e[0]) {
			case 0:
				assert_int_equal(e[1], cpus);
				assert_int_equal(e[3] & 1, 1);
				bsp += (e[3] >> 1) & 1;
				cpus++;
				e += 20;
				break;
			case 1:
				assert_memory_equal(e + 2, "ISA   ", 6);
				assert_int_equal(e[1], 0);
				buses++;
				e += 8;
				break;
			case 2:
				assert_int_equal(e[1], ncpus);
				assert_int_equal(e[3] & 1, 1);
				assert_int_equal(rd32(e + 4), 0xfec00000);
				ioapics++;
				e += 8;
				break;
			case 3:
				assert_int_equal(e[4], 0);        /* ISA bus */
				assert_int_equal(e[6], ncpus);    /* the I/O APIC */
				if (e[1] == 3) {
					extint_pin = e[7];
				} else {
					assert_int_equal(e[1], 0);
					assert_true(e[5] < 16);
					assert_int_equal(intin_of_irq[e[5]], -1);
					intin_of_irq[e[5]] = e[7];
				}
				e += 8;
				break;
			case 4:
				assert_int_equal(e[6], 0xff);
				if (e[7] == 0) {
					assert_int_equal(e[1], 3);
					lint0 = e[1];
				} else {
					assert_int_equal(e[7], 1);
					assert_int_equal(e[1], 1);
					lint1 = e[1];
				}
				e += 8;
				break;
			default:
				fail_msg("unexpected MP entry type %u", e[0]);
			}
		}
		assert_ptr_equal(e, end);
		assert_int_equal(seen, count);
		assert_int_equal(cpus, ncpus);
		assert_int_equal(bsp, 1);
		assert_int_equal(buses, 1);
		assert_int_equal(ioapics, 1);
		assert_int_equal(extint_pin, 0);
		assert_int_equal(intin_of_irq[0], 2);
		assert_int_equal(intin_of_irq[2], -1);
		for (int i = 1; i < 16; i++)
			if (i != 2)
				assert_int_equal(intin_of_irq[i], i);
		assert_int_equal(lint0, 3);
		assert_int_equal(lint1, 1);
		free(mem);
	}
}

/* A synthetic bzImage: setup header fields only, as boot.rst lays them out. */
static uint8_t *fake_bzimage(size_t *size, uint16_t version, uint16_t xlf)
{
	*size = 5 * 512 + 0x10000;
	uint8_t *img = calloc(1, *size);
	img[0x1f1] = 4;                            /* setup_sects */
	uint32_t sys = 0x10000 / 16;
	memcpy(img + 0x1f4, &sys, 4);
	img[0x1fe] = 0x55;
	img[0x1ff] = 0xaa;
	img[0x200] = 0xeb;
	img[0x201] = 0x6a;                         /* header ends at 0x26c */
	memcpy(img + 0x202, "HdrS", 4);
	memcpy(img + 0x206, &version, 2);
	img[0x211] = 0x01;                         /* LOADED_HIGH */
	uint32_t v = 0x7fffffff;
	memcpy(img + 0x22c, &v, 4);                /* initrd_addr_max */
	v = 0x200000;
	memcpy(img + 0x230, &v, 4);                /* kernel_alignment */
	img[0x234] = 1;
	memcpy(img + 0x236, &xlf, 2);
	v = 2047;
	memcpy(img + 0x238, &v, 4);
	uint64_t pref = 0x1000000;
	memcpy(img + 0x258, &pref, 8);
	v = 0x3000000;
	memcpy(img + 0x260, &v, 4);                /* init_size: 48 MiB */
	img[5 * 512] = 0xf4;                       /* first kernel byte */
	return img;
}

static void test_bzimage_parse_errors(void **state)
{
	(void)state;
	char err[256];
	struct bzimage_info bi;
	size_t size;
	uint8_t *img = fake_bzimage(&size, 0x020f, 0x7f);
	assert_int_equal(bzimage_parse(img, size, &bi, err, sizeof(err)), 0);
	assert_int_equal(bi.version, 0x020f);
	assert_int_equal(bi.kernel_offset, 5 * 512);
	assert_int_equal(bi.kernel_size, 0x10000);
	assert_int_equal(bi.header_end, 0x26c);
	assert_int_equal(kernel_format_detect(img, size), KERNEL_FORMAT_BZIMAGE);

	assert_int_equal(bzimage_parse(img, 0x100, &bi, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a bzImage"));
	assert_int_equal(bzimage_parse(img, 5 * 512 + 16, &bi, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "truncated"));
	free(img);

	img = fake_bzimage(&size, 0x020b, 0x7f);
	assert_int_equal(bzimage_parse(img, size, &bi, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "2.11 is too old"));
	free(img);

	img = fake_bzimage(&size, 0x020f, 0x02);
	assert_int_equal(bzimage_parse(img, size, &bi, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "XLF_KERNEL_64"));
	memcpy(img + 0x202, "NOPE", 4);
	assert_int_equal(kernel_format_detect(img, size), KERNEL_FORMAT_UNKNOWN);
	free(img);

	uint8_t mb[64] = {0x7f, 'E', 'L', 'F'};
	uint32_t h[3] = {0x1badb002u, 0x3, (uint32_t)-(0x1badb002u + 0x3)};
	memcpy(mb + 16, h, sizeof(h));
	assert_int_equal(kernel_format_detect(mb, sizeof(mb)), KERNEL_FORMAT_MULTIBOOT);
	h[2]++;
	memcpy(mb + 16, h, sizeof(h));
	assert_int_equal(kernel_format_detect(mb, sizeof(mb)), KERNEL_FORMAT_UNKNOWN);
}

static void test_bzimage_plan(void **state)
{
	(void)state;
	char err[256];
	struct bzimage_info bi;
	struct bzimage_layout lay;
	size_t size;
	uint8_t *img = fake_bzimage(&size, 0x020f, 0x7f);
	assert_int_equal(bzimage_parse(img, size, &bi, err, sizeof(err)), 0);
	uint64_t ram = 128ull << 20;
	assert_int_equal(bzimage_plan(&bi, ram, 3 << 20, 10, &lay, err, sizeof(err)), 0);
	assert_int_equal(lay.kernel_addr, 0x1000000);
	assert_int_equal(lay.kernel_end, 0x4000000);
	assert_int_equal(lay.initrd_addr, ram - (3 << 20)); /* high, page aligned */
	assert_int_equal(lay.initrd_addr % 4096, 0);

	assert_int_equal(bzimage_plan(&bi, 32ull << 20, 0, 0, &lay, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "--mem 32 MiB is too small"));
	assert_int_equal(bzimage_plan(&bi, ram, 70ull << 20, 0, &lay, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "--initrd of"));
	assert_int_equal(bzimage_plan(&bi, ram, 0, 2048, &lay, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cmdline_size 2047"));

	/* initrd_addr_max caps the initrd below RAM top */
	bi.initrd_addr_max = 0x5ffffff;
	assert_int_equal(bzimage_plan(&bi, ram, 1 << 20, 0, &lay, err, sizeof(err)), 0);
	assert_int_equal(lay.initrd_addr, 0x6000000 - (1 << 20));
	free(img);
}

static void test_boot_params(void **state)
{
	(void)state;
	char err[256];
	struct bzimage_info bi;
	struct bzimage_layout lay;
	size_t size;
	uint8_t *img = fake_bzimage(&size, 0x020f, 0x7f);
	assert_int_equal(bzimage_parse(img, size, &bi, err, sizeof(err)), 0);
	uint64_t ram = 128ull << 20;
	assert_int_equal(bzimage_plan(&bi, ram, 4096, 0, &lay, err, sizeof(err)), 0);
	uint8_t zp[4096];
	bzimage_boot_params(zp, img, &bi, &lay, ram, 0xe0000);
	assert_memory_equal(zp + 0x202, "HdrS", 4);
	assert_int_equal(rd16(zp + 0x206), 0x020f);
	assert_int_equal(zp[0x210], 0xff);                  /* type_of_loader */
	assert_int_equal(rd32(zp + 0x228), LINUX_CMDLINE_ADDR);
	assert_int_equal(rd32(zp + 0x218), lay.initrd_addr);
	assert_int_equal(rd32(zp + 0x21c), 4096);
	assert_int_equal(rd64(zp + 0x70), 0xe0000);          /* acpi_rsdp_addr */
	assert_int_equal(zp[0x26c], 0);                       /* past the header: zero */
	/* e820: sorted, no overlaps, RAM covers the kernel and initrd but
	 * never the ACPI area or the chip windows */
	unsigned n = zp[0x1e8];
	assert_true(n >= 5 && n <= 128);
	uint64_t prev_end = 0, ram_total = 0;
	bool acpi = false;
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *e = zp + 0x2d0 + 20 * i;
		uint64_t a = rd64(e), s = rd64(e + 8);
		uint32_t type = rd32(e + 16);
		assert_true(a >= prev_end);
		prev_end = a + s;
		if (type == E820_RAM) {
			ram_total += s;
			assert_true(a + s <= 0xe0000 || a >= 0x100000);
			assert_true(a + s <= ram);
		}
		if (type == E820_ACPI)
			acpi = a <= 0xe0000 && a + s >= 0xe0000 + 0x1000;
	}
	assert_true(acpi);
	assert_true(ram_total > ram - (1 << 20));
	free(img);
}

static void test_i8042_port92(void **state)
{
	(void)state;
	struct i8042 k;
	i8042_init(&k);
	assert_int_equal(i8042_read(&k, 0x64) & 0x07, 0x04);  /* no data, system flag */
	assert_int_equal(i8042_write(&k, 0x64, 0xaa), RESET_NONE);
	assert_int_equal(i8042_read(&k, 0x64) & 0x09, 0x09);  /* data, after a command */
	assert_int_equal(i8042_read(&k, 0x60), 0x55);
	assert_int_equal(i8042_read(&k, 0x64) & 0x01, 0);
	i8042_write(&k, 0x64, 0x60);
	i8042_write(&k, 0x60, 0x47);
	i8042_write(&k, 0x64, 0x20);
	assert_int_equal(i8042_read(&k, 0x60), 0x47);
	/* A PS/2 controller: aux disable/enable set/clear CTR bit 5 (Linux's
	 * "bit assignment test": else it warns "Is this a SiS?") */
	i8042_write(&k, 0x64, 0xa7);
	i8042_write(&k, 0x64, 0x20);
	assert_int_equal(i8042_read(&k, 0x60) & 0x20, 0x20);
	i8042_write(&k, 0x64, 0xa8);
	i8042_write(&k, 0x64, 0x20);
	assert_int_equal(i8042_read(&k, 0x60) & 0x20, 0);
	/* the aux loop answers as aux data (status bit 5); the keyboard loop
	 * as keyboard data */
	i8042_write(&k, 0x64, 0xd3);
	i8042_write(&k, 0x60, 0x5a);
	assert_int_equal(i8042_read(&k, 0x64) & 0x21, 0x21);
	assert_int_equal(i8042_read(&k, 0x60), 0x5a);
	assert_int_equal(i8042_read(&k, 0x64) & 0x21, 0);
	i8042_write(&k, 0x64, 0xd2);
	i8042_write(&k, 0x60, 0xa5);
	assert_int_equal(i8042_read(&k, 0x64) & 0x21, 0x01);
	assert_int_equal(i8042_read(&k, 0x60), 0xa5);
	/* a byte for the keyboard gets no answer */
	i8042_write(&k, 0x60, 0xf2);
	assert_int_equal(i8042_read(&k, 0x64) & 0x01, 0);
	assert_int_equal(i8042_write(&k, 0x64, 0xff), RESET_NONE);     /* pulse nothing */
	assert_int_equal(i8042_write(&k, 0x64, 0xfe), RESET_REQUESTED); /* pulse reset */
	i8042_write(&k, 0x64, 0xd1);
	assert_int_equal(i8042_write(&k, 0x60, 0x03), RESET_NONE);
	i8042_write(&k, 0x64, 0xd1);
	assert_int_equal(i8042_write(&k, 0x60, 0x02), RESET_REQUESTED);

	struct port92 p = {0};
	assert_int_equal(port92_write(&p, 0x02), RESET_NONE);
	assert_int_equal(port92_read(&p), 0x02);
	assert_int_equal(port92_write(&p, 0x03), RESET_REQUESTED);
	assert_int_equal(port92_read(&p) & 1, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_acpi_rsdp_rsdt_xsdt),
		cmocka_unit_test(test_acpi_fadt_dsdt_facs),
		cmocka_unit_test(test_acpi_hpet),
		cmocka_unit_test(test_acpi_madt),
		cmocka_unit_test(test_mptable),
		cmocka_unit_test(test_bzimage_parse_errors),
		cmocka_unit_test(test_bzimage_plan),
		cmocka_unit_test(test_boot_params),
		cmocka_unit_test(test_i8042_port92),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
