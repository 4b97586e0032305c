/* SPDX-License-Identifier: MIT */
/*
 * `irqrr plot`: a self-contained SVG of a trace window. One digital
 * waveform row per line that changed (GSIs, irq0, pic.int), one marker row
 * per vCPU that received something, a time axis, a title and a legend.
 *
 * Bounded memory: the window is read twice (rows and time range, then the
 * drawing) into per-pixel buckets. A pixel column holding one transition
 * draws it where it happened; one holding two or more is drawn as a
 * min..max band (docs/timeline.md, "Downsampling").
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"

#define ROW_GSI0 0
#define ROW_IRQ0 24
#define ROW_PIC_INT 25
#define LINE_ROWS 26
#define CPU_ROWS 64

#define MARGIN_L 140
#define MARGIN_R 30
#define TITLE_H 64
#define LINE_H 30
#define CPU_H 40
#define AXIS_H 40
#define LEGEND_H 50

enum marker { MK_INTACK = 1, MK_NMI = 2, MK_APIC = 4, MK_EXTINT = 8 };

struct line_px {
	uint16_t edges; /* saturating */
	uint8_t end;    /* level after the pixel's last transition */
	float x;        /* where the first transition falls (pixels) */
};

struct cpu_px {
	uint16_t count; /* saturating */
	uint8_t kinds;  /* enum marker bits */
	uint8_t first_kind;
	uint8_t vector; /* of the first marker */
};

struct plot {
	const struct plot_opts *o;
	unsigned ncpus;
	/* pass 1 */
	uint32_t changed;   /* line rows that changed in the window */
	uint64_t cpu_used;  /* vCPU rows with markers */
	struct window_levels lv0;
	uint8_t cur[LINE_ROWS];
	/* pass 2 */
	uint64_t t0, t1;
	unsigned width;
	struct line_px *lines; /* [LINE_ROWS][width], rows present only */
	struct cpu_px *cpus;   /* [CPU_ROWS][width] */
	uint64_t bands;
};

static uint64_t plot_targets(const struct apic_msg *m, unsigned ncpus)
{
	uint64_t all = ncpus >= 64 ? ~0ull : (1ull << ncpus) - 1;
	if (!m->destmode)
		return m->dest == 0xff ? all : m->dest < ncpus ? 1ull << m->dest : 0;
	return (uint64_t)m->dest & all;
}

static void levels_to_rows(const struct window_levels *lv, uint8_t *cur)
{
	for (unsigned g = 0; g < BOARD_GSIS; g++)
		cur[ROW_GSI0 + g] = (lv->lines >> g) & 1;
	cur[ROW_IRQ0] = lv->irq0 ? 1 : 0;
	cur[ROW_PIC_INT] = lv->pic_int ? 1 : 0;
}

/* The line row a record moves and its new level, or -1. */
static int record_line(const struct trace_record *rec, unsigned *level)
{
	const struct irq_event *e = &rec->ev;
	if (rec->kind == EV_IRQ && e->u.irq.gsi < BOARD_GSIS) {
		*level = e->u.irq.level ? 1 : 0;
		return ROW_GSI0 + e->u.irq.gsi;
	}
	if (rec->kind == EV_WIRE && e->u.wire.id == WIRE_IRQ0) {
		*level = e->u.wire.level ? 1 : 0;
		return ROW_IRQ0;
	}
	if (rec->kind == EV_WIRE && e->u.wire.id == WIRE_PIC_INT) {
		*level = e->u.wire.level ? 1 : 0;
		return ROW_PIC_INT;
	}
	return -1;
}

/* Marker rows a record adds to: vCPU mask, kind and vector. */
static uint64_t record_markers(const struct plot *p, const struct trace_record *rec,
			       uint8_t *kind, uint8_t *vector)
{
	const struct irq_event *e = &rec->ev;
	switch (rec->kind) {
	case EV_INTACK:
		*kind = MK_INTACK;
		*vector = e->u.intack.vector;
		return e->u.intack.cpu < CPU_ROWS ? 1ull << e->u.intack.cpu : 0;
	case EV_LINT:
		if (e->u.lint.mode == LINT_NMI)
			*kind = MK_NMI;
		else if (e->u.lint.mode == LINT_EXTINT && e->u.lint.level)
			*kind = MK_EXTINT;
		else
			return 0;
		*vector = 0;
		return e->u.lint.cpu < CPU_ROWS ? 1ull << e->u.lint.cpu : 0;
	case EV_APIC_MSG:
		*kind = e->u.apic.delivery == APIC_DM_NMI ? MK_NMI : MK_APIC;
		*vector = e->u.apic.vector;
		return plot_targets(&e->u.apic, p->ncpus);
	default:
		return 0;
	}
}

static void scan_start(void *ctx, const struct window_levels *lv, uint64_t t)
{
	struct plot *p = ctx;
	(void)t;
	p->lv0 = *lv;
	levels_to_rows(lv, p->cur);
}

static int scan_record(void *ctx, const struct trace_record *rec)
{
	struct plot *p = ctx;
	unsigned level;
	uint8_t kind, vec;
	int row = record_line(rec, &level);
	if (row >= 0 && p->cur[row] != level) {
		p->cur[row] = (uint8_t)level;
		p->changed |= 1u << row;
	}
	p->cpu_used |= record_markers(p, rec, &kind, &vec);
	return 0;
}

static double x_of(const struct plot *p, uint64_t t)
{
	uint64_t span = p->t1 > p->t0 ? p->t1 - p->t0 : 1;
	if (t < p->t0)
		t = p->t0;
	return (double)(t - p->t0) * (double)p->width / (double)span;
}

static unsigned px_of(const struct plot *p, double x)
{
	unsigned px = (unsigned)x;
	return px >= p->width ? p->width - 1 : px;
}

static void draw_start(void *ctx, const struct window_levels *lv, uint64_t t)
{
	struct plot *p = ctx;
	(void)t;
	levels_to_rows(lv, p->cur);
}

static int draw_record(void *ctx, const struct trace_record *rec)
{
	struct plot *p = ctx;
	unsigned level;
	uint8_t kind, vec;
	double x = x_of(p, rec->t);
	unsigned px = px_of(p, x);
	int row = record_line(rec, &level);
	if (row >= 0 && p->cur[row] != level) {
		struct line_px *l = &p->lines[(size_t)row * p->width + px];
		p->cur[row] = (uint8_t)level;
		if (!l->edges)
			l->x = (float)x;
		if (l->edges < UINT16_MAX)
			l->edges++;
		l->end = (uint8_t)level;
	}
	uint64_t cpus = record_markers(p, rec, &kind, &vec);
	for (unsigned c = 0; c < CPU_ROWS && cpus; c++) {
		if (!(cpus & (1ull << c)))
			continue;
		cpus &= ~(1ull << c);
		struct cpu_px *m = &p->cpus[(size_t)c * p->width + px];
		if (!m->count) {
			m->first_kind = kind;
			m->vector = vec;
		}
		if (m->count < UINT16_MAX)
			m->count++;
		m->kinds |= kind;
	}
	return 0;
}

static void put_xml_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '&')
			fputs("&amp;", f);
		else if (c == '<')
			fputs("&lt;", f);
		else if (c == '>')
			fputs("&gt;", f);
		else if (c == '"')
			fputs("&quot;", f);
		else if (c < 0x20 || c == 0x7f)
			fputc('?', f);
		else
			fputc(c, f);
	}
}

/* t in the unit the window's span suits (ms from 1 ms up, then us, ns),
 * with as many decimals as it needs: "1588.6 ms", "250 us". */
static void format_time(char *buf, size_t len, uint64_t t, uint64_t span)
{
	uint64_t unit = span >= 1000000u ? 1000000u : span >= 1000u ? 1000u : 1u;
	const char *name = unit == 1000000u ? "ms" : unit == 1000u ? "us" : "ns";
	int width = unit == 1000000u ? 6 : unit == 1000u ? 3 : 0;
	uint64_t whole = t / unit, frac = t % unit;
	if (!frac) {
		snprintf(buf, len, "%" PRIu64 " %s", whole, name);
		return;
	}
	char digits[16];
	snprintf(digits, sizeof(digits), "%0*" PRIu64, width, frac);
	for (int i = width - 1; i > 0 && digits[i] == '0'; i--)
		digits[i] = '\0';
	snprintf(buf, len, "%" PRIu64 ".%s %s", whole, digits, name);
}

static uint64_t nice_step(uint64_t span, unsigned ticks)
{
	uint64_t raw = span / ticks, p10 = 1;
	if (!raw)
		return 1;
	while (p10 <= raw / 10)
		p10 *= 10;
	if (raw <= p10)
		return p10;
	if (raw <= 2 * p10)
		return 2 * p10;
	if (raw <= 5 * p10)
		return 5 * p10;
	return 10 * p10;
}

static const char *row_name(unsigned row, char *buf, size_t len)
{
	if (row == ROW_IRQ0)
		return "irq0 (PIT OUT0)";
	if (row == ROW_PIC_INT)
		return "pic.int";
	snprintf(buf, len, "GSI %u", row - ROW_GSI0);
	return buf;
}

static void draw_line_row(struct plot *p, FILE *f, unsigned row, double y)
{
	const struct line_px *l = &p->lines[(size_t)row * p->width];
	double hi = y + 6, lo = y + LINE_H - 6;
	unsigned level = (row == ROW_IRQ0) ? p->lv0.irq0 : row == ROW_PIC_INT
		? p->lv0.pic_int : (p->lv0.lines >> (row - ROW_GSI0)) & 1;
	char nbuf[24];
	level = level ? 1 : 0;
	fprintf(f, "<text x=\"%d\" y=\"%.1f\" class=\"row\">", MARGIN_L - 8, y + LINE_H / 2 + 4);
	put_xml_text(f, row_name(row, nbuf, sizeof(nbuf)));
	fputs("</text>\n", f);
	fprintf(f, "<path class=\"wave\" d=\"M%d %.1f", MARGIN_L, level ? hi : lo);
	for (unsigned px = 0; px < p->width; px++) {
		if (!l[px].edges)
			continue;
		if (l[px].edges == 1) {
			fprintf(f, " H%.2f V%.1f", MARGIN_L + (double)l[px].x, l[px].end ? hi : lo);
		} else {
			/* 2+ transitions in one pixel: the band is drawn below;
			 * the trace continues from its right edge */
			fprintf(f, " H%u M%u %.1f", MARGIN_L + px, MARGIN_L + px + 1,
				l[px].end ? hi : lo);
		}
	}
	fprintf(f, " H%u\"/>\n", MARGIN_L + p->width);
	bool open = false;
	for (unsigned px = 0; px < p->width; px++) {
		if (l[px].edges < 2)
			continue;
		if (!open)
			fputs("<path class=\"band\" d=\"", f);
		open = true;
		p->bands++;
		fprintf(f, "M%u %.1fh1V%.1fh-1Z", MARGIN_L + px, hi, lo);
	}
	if (open)
		fputs("\"/>\n", f);
}

static const char *marker_class(unsigned kind)
{
	switch (kind) {
	case MK_INTACK: return "intack";
	case MK_NMI: return "nmi";
	case MK_EXTINT: return "extint";
	default: return "apic";
	}
}

static void draw_cpu_row(struct plot *p, FILE *f, unsigned cpu, double y)
{
	const struct cpu_px *m = &p->cpus[(size_t)cpu * p->width];
	double last_label_end = -1e9;
	fprintf(f, "<text x=\"%d\" y=\"%.1f\" class=\"row\">vCPU %u</text>\n", MARGIN_L - 8,
		y + CPU_H / 2 + 4, cpu);
	fprintf(f, "<line class=\"base\" x1=\"%d\" y1=\"%.1f\" x2=\"%u\" y2=\"%.1f\"/>\n", MARGIN_L,
		y + CPU_H - 8, MARGIN_L + p->width, y + CPU_H - 8);
	for (unsigned px = 0; px < p->width; px++) {
		if (!m[px].count)
			continue;
		unsigned x = MARGIN_L + px;
		fprintf(f, "<line class=\"%s\" x1=\"%u.5\" y1=\"%.1f\" x2=\"%u.5\" y2=\"%.1f\"/>\n",
			marker_class(m[px].first_kind), x, y + 18, x, y + CPU_H - 8);
		char label[32];
		if (m[px].first_kind == MK_NMI)
			snprintf(label, sizeof(label), "NMI");
		else if (m[px].first_kind == MK_EXTINT)
			snprintf(label, sizeof(label), "ExtINT");
		else
			snprintf(label, sizeof(label), "0x%02x", m[px].vector);
		if (m[px].count > 1)
			snprintf(label + strlen(label), sizeof(label) - strlen(label), "+%u",
				 m[px].count - 1u);
		double w = 6.0 * (double)strlen(label);
		if (x >= last_label_end + 4) {
			fprintf(f, "<text x=\"%u\" y=\"%.1f\" class=\"mk\">%s</text>\n", x, y + 14, label);
			last_label_end = x + w;
		}
	}
}

/* Both passes over the window: the first finds its span, the second draws
 * into the pixel columns. A partial first pass ends the second at the same
 * place. */
static int plot_passes(struct trace_reader *r, struct plot *p, struct window_result *res)
{
	struct window_opts wo = { p->o->from, p->o->to };
	struct window_visitor scan = { scan_start, scan_record, p };
	if (window_walk(r, &wo, &scan, res))
		return -1;
	if (!res->events) {
		if (!res->message[0])
			snprintf(res->message, sizeof(res->message), "no events in the window");
		return -1;
	}
	struct window_result first_pass = *res;
	p->t0 = res->t_first;
	p->t1 = res->t_last;
	p->lines = calloc((size_t)LINE_ROWS * p->width, sizeof(*p->lines));
	p->cpus = calloc((size_t)CPU_ROWS * p->width, sizeof(*p->cpus));
	if (!p->lines || !p->cpus) {
		snprintf(res->message, sizeof(res->message), "out of memory");
		return -1;
	}
	struct window_visitor draw = { draw_start, draw_record, p };
	wo.to = first_pass.last;
	if (window_walk(r, &wo, &draw, res))
		return -1;
	res->partial = first_pass.partial;
	memcpy(res->message, first_pass.message, sizeof(res->message));
	return 0;
}

static void svg_head(FILE *f, unsigned total_w, double height)
{
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%u\" height=\"%.0f\" "
		   "viewBox=\"0 0 %u %.0f\" font-family=\"monospace\" font-size=\"11\">\n",
		total_w, height, total_w, height);
	fputs("<style>\n"
	      ".title{font-size:14px;font-weight:bold}\n"
	      ".row{text-anchor:end}\n"
	      ".wave{fill:none;stroke:#1f5fbf;stroke-width:1.5}\n"
	      ".band{fill:#1f5fbf;fill-opacity:0.45;stroke:none}\n"
	      ".grid{stroke:#ddd;stroke-width:1}\n"
	      ".base{stroke:#bbb;stroke-width:1}\n"
	      ".axis{stroke:#333;stroke-width:1}\n"
	      ".tick{text-anchor:middle;font-size:10px}\n"
	      ".mk{font-size:10px}\n"
	      ".intack{stroke:#1f5fbf;stroke-width:1.5}\n"
	      ".apic{stroke:#2a9d3a;stroke-width:1.5}\n"
	      ".nmi{stroke:#d62728;stroke-width:1.5}\n"
	      ".extint{stroke:#9467bd;stroke-width:1.5}\n"
	      "</style>\n", f);
	fprintf(f, "<rect width=\"%u\" height=\"%.0f\" fill=\"white\"/>\n", total_w, height);
}

/* Grid lines and the time axis under the rows, from plot_top to plot_bottom. */
static void svg_axis(const struct plot *p, FILE *f, double plot_top, double plot_bottom)
{
	uint64_t span = p->t1 > p->t0 ? p->t1 - p->t0 : 1;
	uint64_t step = nice_step(span, 10);
	fprintf(f, "<g>\n");
	for (uint64_t t = (p->t0 + step - 1) / step * step; t <= p->t1; t += step) {
		char lab[40];
		double x = MARGIN_L + x_of(p, t);
		format_time(lab, sizeof(lab), t, span);
		fprintf(f, "<line class=\"grid\" x1=\"%.2f\" y1=\"%.1f\" x2=\"%.2f\" y2=\"%.1f\"/>\n", x,
			plot_top, x, plot_bottom);
		fprintf(f, "<line class=\"axis\" x1=\"%.2f\" y1=\"%.1f\" x2=\"%.2f\" y2=\"%.1f\"/>\n", x,
			plot_bottom, x, plot_bottom + 5);
		fprintf(f, "<text class=\"tick\" x=\"%.2f\" y=\"%.1f\">%s</text>\n", x,
			plot_bottom + 17, lab);
		if (t > UINT64_MAX - step)
			break;
	}
	fprintf(f, "<line class=\"axis\" x1=\"%d\" y1=\"%.1f\" x2=\"%u\" y2=\"%.1f\"/>\n", MARGIN_L,
		plot_bottom, MARGIN_L + p->width, plot_bottom);
	fprintf(f, "</g>\n");
}

/* One row per line that changed, then one per vCPU that took an interrupt. */
static void svg_rows(struct plot *p, FILE *f)
{
	double y = TITLE_H;
	fputs("<g id=\"lines\">\n", f);
	for (unsigned row = 0; row < LINE_ROWS; row++) {
		if (!(p->changed & (1u << row)))
			continue;
		char nbuf[24];
		fputs("<g class=\"line-row\" data-line=\"", f);
		put_xml_text(f, row_name(row, nbuf, sizeof(nbuf)));
		fputs("\">\n", f);
		draw_line_row(p, f, row, y);
		fputs("</g>\n", f);
		y += LINE_H;
	}
	fputs("</g>\n<g id=\"vcpus\">\n", f);
	for (unsigned c = 0; c < CPU_ROWS; c++) {
		if (!(p->cpu_used & (1ull << c)))
			continue;
		fprintf(f, "<g class=\"cpu-row\" data-cpu=\"%u\">\n", c);
		draw_cpu_row(p, f, c, y);
		fputs("</g>\n", f);
		y += CPU_H;
	}
	fputs("</g>\n", f);
}

static void svg_legend(const struct plot *p, FILE *f, double ly)
{
	fprintf(f, "<g id=\"legend\">\n");
	fprintf(f, "<line class=\"intack\" x1=\"10\" y1=\"%.1f\" x2=\"10\" y2=\"%.1f\"/>"
		   "<text x=\"16\" y=\"%.1f\">INTACK (vector)</text>\n", ly - 9, ly + 1, ly);
	fprintf(f, "<line class=\"apic\" x1=\"140\" y1=\"%.1f\" x2=\"140\" y2=\"%.1f\"/>"
		   "<text x=\"146\" y=\"%.1f\">APIC message (vector)</text>\n", ly - 9, ly + 1, ly);
	fprintf(f, "<line class=\"nmi\" x1=\"310\" y1=\"%.1f\" x2=\"310\" y2=\"%.1f\"/>"
		   "<text x=\"316\" y=\"%.1f\">NMI</text>\n", ly - 9, ly + 1, ly);
	fprintf(f, "<line class=\"extint\" x1=\"360\" y1=\"%.1f\" x2=\"360\" y2=\"%.1f\"/>"
		   "<text x=\"366\" y=\"%.1f\">ExtINT request</text>\n", ly - 9, ly + 1, ly);
	fprintf(f, "<text x=\"10\" y=\"%.1f\">+N: N more markers in the same pixel; "
		   "shaded band: 2+ transitions in one pixel (%" PRIu64 " such pixels)</text>\n",
		ly + 18, p->bands);
	fprintf(f, "</g>\n");
}

int plot_svg(struct trace_reader *r, const struct plot_opts *o, FILE *f,
	     struct window_result *res)
{
	struct plot p;
	uint64_t cpus;
	memset(&p, 0, sizeof(p));
	p.o = o;
	p.ncpus = 1;
	if (!trace_reader_config_u64(r, "cpus", &cpus) && cpus >= 1 && cpus <= BOARD_MAX_CPUS)
		p.ncpus = (unsigned)cpus;
	p.width = o->width;
	if (plot_passes(r, &p, res)) {
		free(p.lines);
		free(p.cpus);
		return -1;
	}

	unsigned nline = (unsigned)__builtin_popcount(p.changed);
	unsigned ncpu = (unsigned)__builtin_popcountll(p.cpu_used);
	unsigned total_w = MARGIN_L + p.width + MARGIN_R;
	double plot_bottom = TITLE_H + nline * LINE_H + ncpu * CPU_H;
	uint64_t span = p.t1 > p.t0 ? p.t1 - p.t0 : 1;
	char t0s[40], t1s[40];
	format_time(t0s, sizeof(t0s), p.t0, span);
	format_time(t1s, sizeof(t1s), p.t1, span);

	svg_head(f, total_w, plot_bottom + AXIS_H + LEGEND_H);
	fputs("<text x=\"10\" y=\"20\" class=\"title\">irqrr plot: ", f);
	put_xml_text(f, o->source ? o->source : "trace");
	fputs("</text>\n", f);
	fprintf(f, "<text x=\"10\" y=\"38\">events %" PRIu64 "..%" PRIu64 " (%" PRIu64 "), t = %s .. %s%s</text>\n",
		res->first, res->last, res->events, t0s, t1s,
		res->partial ? " (partial: the trace could not be read to the end)" : "");
	svg_axis(&p, f, TITLE_H, plot_bottom);
	svg_rows(&p, f);
	svg_legend(&p, f, plot_bottom + AXIS_H);
	fprintf(f, "</svg>\n");
	free(p.lines);
	free(p.cpus);
	return 0;
}
