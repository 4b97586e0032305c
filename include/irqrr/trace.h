/* SPDX-License-Identifier: MIT */
/*
 * libirqrr trace API: write and read .irqrr traces (format: docs/FORMAT.md).
 *
 * Writer: single producer (the caller serialises calls). Records go into an
 * in-memory raw chunk; sealed chunks are LZ4-compressed and written by one
 * background thread through a bounded queue (the producer blocks when it is
 * full). Reader: validates everything, never trusts a size beyond sane
 * limits, and rebuilds the chunk index by scanning when the footer is gone.
 *
 * Errors: functions return 0 / a positive count on success and a negative
 * enum trace_status on failure; the writer or reader then holds a one-line
 * message (trace_writer_error(), trace_reader_error()). Nothing aborts.
 */
#ifndef IRQRR_TRACE_H
#define IRQRR_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chips/event.h" /* in-tree: the top directory is on the include path */

#define TRACE_FORMAT_MAJOR 2
#define TRACE_FORMAT_MINOR 3

/* Context records: shown in reports, never replayed, never produced by the
 * board. Kinds 0x40..0x7f are length-prefixed in the file, so a reader skips
 * context kinds it does not know. Payload layouts (little-endian):        */
enum trace_ctx_kind {
	EV_CTX_CONSOLE = 0x40,    /* u8 cpu, then the console bytes (a run since 2.1) */
	EV_CTX_MSI_RESULT = 0x41, /* struct trace_ctx_msi, 8 bytes (see below); with header
				   * msi_results=failures (2.1) only undelivered ones */
	EV_CTX_MARK = 0x42,       /* UTF-8 text, no terminator */
	EV_CTX_EXIT = 0x43,       /* u8 reason (enum trace_exit_reason), i32 status */
	EV_CTX_VCPU = 0x44,       /* u8 cpu, u32 KVM exit reason, u64 count */
	EV_CTX_CONSOLE_IN = 0x45, /* the bytes the guest's UART received (1.1) */
};
#define EV_IS_CONTEXT(k) ((k) >= 0x40 && (k) <= 0x7f)

enum trace_msi_result {
	TRACE_MSI_DELIVERED = 0,     /* KVM_SIGNAL_MSI returned > 0 */
	TRACE_MSI_NOT_DELIVERED = 1, /* returned 0: no target accepted it */
	TRACE_MSI_ERROR = 2,         /* returned < 0 */
};

enum trace_exit_reason {
	TRACE_EXIT_NORMAL = 0,   /* guest halted / shut down; status = its code */
	TRACE_EXIT_TIMEOUT = 1,  /* --timeout expired */
	TRACE_EXIT_SIGNAL = 2,   /* recorder got a signal; status = signo */
	TRACE_EXIT_ERROR = 3,    /* VMM error; status = -errno */
	TRACE_EXIT_TRIPLE = 4,   /* triple fault / KVM_EXIT_SHUTDOWN */
};

/* EV_CTX_MSI_RESULT payload: the six apic_msg bytes in struct order
 * (dest, vector, delivery, destmode, trigger, pin), u8 result, u8 err
 * (errno when result is TRACE_MSI_ERROR, else 0). */
struct trace_ctx_msi {
	struct apic_msg msg;
	uint8_t result;
	uint8_t err;
};
#define TRACE_CTX_MSI_LEN 8
#define TRACE_CTX_EXIT_LEN 5
#define TRACE_CTX_VCPU_LEN 13

/* Pack/unpack the fixed context payloads. pack returns the length written
 * (buf must hold the *_LEN bytes); unpack returns 0, or -1 on a bad length. */
size_t trace_ctx_msi_pack(uint8_t *buf, const struct trace_ctx_msi *m);
int trace_ctx_msi_unpack(const uint8_t *buf, size_t len, struct trace_ctx_msi *m);
size_t trace_ctx_exit_pack(uint8_t *buf, uint8_t reason, int32_t status);
int trace_ctx_exit_unpack(const uint8_t *buf, size_t len, uint8_t *reason, int32_t *status);
size_t trace_ctx_vcpu_pack(uint8_t *buf, uint8_t cpu, uint32_t reason, uint64_t count);
int trace_ctx_vcpu_unpack(const uint8_t *buf, size_t len, uint8_t *cpu, uint32_t *reason,
			  uint64_t *count);
/* "console", "msi_result", "mark", "exit", "vcpu", "console_in", or NULL. */
const char *trace_ctx_kind_name(unsigned kind);

enum trace_status {
	TRACE_OK = 0,
	TRACE_E_IO = -1,        /* open/read/write/fsync failed (errno text in message) */
	TRACE_E_NOMEM = -2,
	TRACE_E_NOT_TRACE = -3, /* bad magic */
	TRACE_E_VERSION = -4,   /* newer major / unknown required feature */
	TRACE_E_CHECKSUM = -5,  /* a CRC32C did not match */
	TRACE_E_CORRUPT = -6,   /* a field is out of range / inconsistent */
	TRACE_E_TRUNCATED = -7, /* the data ends early */
	TRACE_E_RANGE = -8,     /* no such chunk / event / time */
	TRACE_E_INVAL = -9,     /* bad argument (unknown kind, oversized record...) */
};
/* Stable short name of a status ("checksum mismatch", ...). */
const char *trace_status_name(int status);

/* ---------------------------------------------------------------- writer */

struct trace_kv {
	const char *key;   /* 1..255 bytes, unique */
	const char *value; /* < 65536 bytes */
};

struct trace_writer_opts {
	size_t chunk_bytes;    /* raw record bytes that make a chunk full (default 256 KiB) */
	uint32_t chunk_events; /* records that make a chunk full (default 1 << 20) */
	unsigned queue_depth;  /* sealed chunks queued before the producer blocks (default 4) */
	int lz4_accel;         /* LZ4_compress_fast acceleration (default 1) */
	int lz4_hc;            /* > 0: LZ4_compress_HC at this level (1..12) on the
				* background thread instead; same decoder */
	/* Keyframe policy (docs/FORMAT.md, "Writer behaviour"): when either is
	 * set, trace_writer_keyframe_due() is false, and a driver begins the
	 * next chunk as a continuation (empty keyframe), until keyframe_bytes
	 * of records or keyframe_chunks chunks (0: no limit of that kind) were
	 * written since the last chunk with a keyframe. Both 0 (the default):
	 * every chunk a driver begins has a keyframe. In ring mode the bytes
	 * limit is at most a quarter of max_bytes, so whole runs can be dropped. */
	size_t keyframe_bytes;
	unsigned keyframe_chunks;
	bool split;            /* write format 2.2's split record layout
				* (docs/FORMAT.md "Split records": denser; the
				* recorder's) instead of 2.1's interleaved one
				* (the default: readable by 2.1 irqrr, and replay
				* reads it ~10% faster: no streams to find) */
	bool linked;           /* format 2.3: compress each continuation chunk
				* with the chunks of its run before it as LZ4
				* dictionary (docs/FORMAT.md "Linked chunks";
				* denser: console text repeats across windows) */
	bool compact;          /* format 2.4 (implies linked): linked chunks get
				* a compact header and the index varint entries
				* (docs/FORMAT.md "Compact linked framing") */
	unsigned test_write_delay_us; /* testing only: slow the background writer */
};

struct trace_writer_stats {
	uint64_t events;        /* records appended */
	uint64_t chunks;        /* chunks sealed */
	uint64_t raw_bytes;     /* raw payload bytes sealed */
	uint64_t file_bytes;    /* bytes written (file mode) / held (ring mode) */
	unsigned peak_queued;   /* most chunks ever waiting in the queue */
	unsigned buffers;       /* raw chunk buffers allocated (bounded by depth + 2) */
	uint64_t stalls;        /* times the producer blocked on a full queue */
	uint64_t ring_dropped;  /* ring mode: chunks discarded (oldest first) */
	uint64_t keyframes;     /* chunks begun with a keyframe */
	uint64_t compress_ns;   /* background thread: time spent compressing */
};

struct trace_writer;

/* Create/truncate path and write the header. NULL on error, with the
 * message in err (e.g. "open /x/t.irqrr: Permission denied"). opts may be
 * NULL. kv may be NULL when nkv is 0. */
struct trace_writer *trace_writer_open(const char *path, const struct trace_kv *kv, size_t nkv,
				       const struct trace_writer_opts *opts, char *err,
				       size_t errlen);
/* Flight recorder: chunks stay in memory, oldest discarded beyond
 * max_bytes (compressed), a keyframe chunk with its continuations at a
 * time, so the ring always starts at a keyframe (the newest run is always
 * kept). path is created
 * now (so an unwritable path fails here) and written by
 * trace_writer_dump() and trace_writer_close(). */
struct trace_writer *trace_writer_open_ring(const char *path, const struct trace_kv *kv,
					    size_t nkv, size_t max_bytes,
					    const struct trace_writer_opts *opts, char *err,
					    size_t errlen);

/* True when no chunk is open or the open one is full: the driver should
 * call trace_writer_begin_chunk() with a keyframe before its next board call. */
bool trace_writer_wants_keyframe(const struct trace_writer *w);
/* Should the next chunk a driver begins carry a keyframe? True before the
 * first keyframe and whenever the keyframe policy (opts) says one pays;
 * otherwise the driver passes an empty keyframe to begin_chunk (a
 * continuation: readers replay it after the chunks before it). */
bool trace_writer_keyframe_due(const struct trace_writer *w);
/* The time of the open chunk's first record; false when it holds none. */
bool trace_writer_chunk_first_t(const struct trace_writer *w, uint64_t *t);
/* Seal the open chunk (if any) and open a new one starting with keyframe
 * (copied; len <= 8 MiB; may be empty). */
int trace_writer_begin_chunk(struct trace_writer *w, const void *keyframe, size_t len);
/* Hot path. Appends one board event (kinds of chips/event.h). If no chunk is
 * open one is opened with an empty keyframe. A background write error is
 * reported by the next call that seals a chunk (begin_chunk/flush/close). */
int trace_writer_append(struct trace_writer *w, const struct irq_event *ev);
/* Appends a context record (kind 0x40..0x7f, len <= 1 MiB). */
int trace_writer_context(struct trace_writer *w, uint64_t t, unsigned kind, const void *data,
			 size_t len);
/* Seal the open chunk, wait until the background thread has written every
 * chunk, fdatasync (file mode). The next record needs a new chunk. */
int trace_writer_flush(struct trace_writer *w);
/* Ring mode: write the ring (plus a copy of the open chunk, which stays
 * open) to the path as a complete trace. TRACE_E_INVAL in file mode. */
int trace_writer_dump(struct trace_writer *w);
/* Next record's event number. */
uint64_t trace_writer_event_count(const struct trace_writer *w);
void trace_writer_stats(struct trace_writer *w, struct trace_writer_stats *st);
/* The message of the last failure ("" if none). */
const char *trace_writer_error(const struct trace_writer *w);
/* Seal, drain, write index + trailer (ring: dump), fsync, close, free.
 * Always frees w. On failure the message is copied to err (may be NULL). */
int trace_writer_close(struct trace_writer *w, char *err, size_t errlen);

/* ---------------------------------------------------------------- reader */

struct trace_reader;
struct trace_chunk;

struct trace_chunk_info {
	uint64_t offset;      /* file offset of the chunk header */
	uint64_t seq;         /* sequence number */
	uint64_t first_event; /* event number of its first record */
	uint32_t count;       /* records */
	uint64_t first_t, last_t;
	uint32_t raw_size, comp_size;
	uint32_t flags;
	uint32_t hdr_len;     /* 64, or a compact header's length (2.4); 0 until read */
};

/* What open had to do to a damaged file. */
struct trace_recovery {
	bool index_rebuilt;     /* footer missing/damaged: chunks found by scanning */
	bool torn;              /* trailing bytes did not form a complete chunk */
	uint64_t torn_offset;   /* where they start */
	uint64_t torn_bytes;    /* how many */
	uint64_t torn_chunk;    /* sequence number the torn chunk would have had */
	uint32_t skipped;       /* damaged chunks skipped before the end */
	char message[200];      /* one line, "" if nothing happened */
};

/* A decoded record. Board events fill ev (ev.t == t, ev.kind == kind);
 * context records fill data/len (pointing into the chunk, valid until
 * trace_chunk_free). */
struct trace_record {
	uint64_t num; /* event number */
	uint64_t t;
	unsigned kind;
	struct irq_event ev;
	const uint8_t *data;
	size_t len;
};

/* Open and validate. NULL on refusal, message in err (without the file
 * name; the CLI prefixes it), e.g. "not an irqrr trace", "format 3.0 needs
 * a newer irqrr (this reads up to 1.x)", "header checksum mismatch". */
struct trace_reader *trace_reader_open(const char *path, char *err, size_t errlen);
/* Same, over a caller-owned buffer that must outlive the reader. name is
 * used in messages (NULL: "<memory>"). */
struct trace_reader *trace_reader_open_mem(const void *buf, size_t len, const char *name,
					   char *err, size_t errlen);
void trace_reader_close(struct trace_reader *r);
const char *trace_reader_error(const struct trace_reader *r);

void trace_reader_version(const struct trace_reader *r, unsigned *major, unsigned *minor);
/* Config value as a string (integers rendered as written), or NULL. */
const char *trace_reader_config(const struct trace_reader *r, const char *key);
/* 0 and *v if the key holds an integer, TRACE_E_RANGE otherwise. */
int trace_reader_config_u64(const struct trace_reader *r, const char *key, uint64_t *v);
size_t trace_reader_config_count(const struct trace_reader *r);
int trace_reader_config_at(const struct trace_reader *r, size_t i, const char **key,
			   const char **value);

/* The file's required feature bits (TRACE_FEATURE_*: 0x1 split records,
 * 0x2 linked chunks; docs/FORMAT.md "File header"). */
uint32_t trace_reader_features(const struct trace_reader *r);
size_t trace_reader_chunk_count(const struct trace_reader *r);
/* Total records in the readable chunks. */
uint64_t trace_reader_event_count(const struct trace_reader *r);
const struct trace_recovery *trace_reader_recovery(const struct trace_reader *r);
/* Reads and validates the chunk header (not the payload). */
int trace_reader_chunk_info(struct trace_reader *r, size_t i, struct trace_chunk_info *info);
/* Chunk holding event n; TRACE_E_RANGE if none does. */
int trace_reader_find_event(struct trace_reader *r, uint64_t n, size_t *chunk);
/* Last chunk whose first record is at or before t (chunk 0 if t precedes
 * everything): the chunk to start from to reach time t. */
int trace_reader_find_time(struct trace_reader *r, uint64_t t, size_t *chunk);

/* The chunk whose keyframe starts the run holding chunk i: i, or the last
 * chunk before it with a keyframe when i continues the chunks before it
 * (empty keyframe, no gap: docs/FORMAT.md "Chunk"). Never across a gap or
 * an unreadable chunk: then the continuation itself (it has no start). */
size_t trace_reader_run_start(struct trace_reader *r, size_t i);
/* Read, check sizes and CRCs, decompress. NULL on error (message in
 * trace_reader_error, e.g. "chunk 17 at offset 0x4a000: checksum mismatch"). */
struct trace_chunk *trace_reader_load_chunk(struct trace_reader *r, size_t i);
const uint8_t *trace_chunk_keyframe(const struct trace_chunk *c, size_t *len);
/* Chunk i's keyframe, copied into buf (cap bytes; *len = its length, 0 for
 * an empty keyframe): the chunk is read, checked and decompressed as by
 * trace_reader_load_chunk, its records are not decoded. 0, or a TRACE_E_*
 * status (message in trace_reader_error); TRACE_E_RANGE if the keyframe
 * exceeds cap. */
int trace_reader_load_keyframe(struct trace_reader *r, size_t i, uint8_t *buf, size_t cap, size_t *len);
const struct trace_chunk_info *trace_chunk_get_info(const struct trace_chunk *c);
/* 1: *rec filled; 0: end of chunk (all records seen and consumed exactly);
 * < 0: malformed record (message in trace_chunk_error). */
int trace_chunk_next(struct trace_chunk *c, struct trace_record *rec);
/* The board events of the rest of chunk c in bulk, as trace_chunk_next
 * would return them: at most max go to out (*n says how many), context
 * records are skipped and counted in *context. 0: the end of the chunk
 * (checked as trace_chunk_next checks it); 1: out is full and records
 * remain; < 0: a malformed record (trace_chunk_error), out holds the events
 * before it. The replayer's decode path. */
struct trace_event_rec {
	uint64_t num;
	struct irq_event ev;
};
int trace_chunk_next_events(struct trace_chunk *c, struct trace_event_rec *out, size_t max,
			    size_t *n, uint64_t *context);
/* Restart iteration at the first record. */
void trace_chunk_rewind(struct trace_chunk *c);
const char *trace_chunk_error(const struct trace_chunk *c);
void trace_chunk_free(struct trace_chunk *c);

/* -------------------------------------------------------------- iterator */

/* The records of chunks first, first + 1, ... to the trace's end, in order,
 * with one chunk in memory at a time. It lives where the caller puts it and
 * allocates nothing the reader does not. A failure ends the walk: later
 * trace_iter_next calls return it again. Fields are private (format/iter.c). */
struct trace_iter {
	struct trace_reader *r;
	struct trace_chunk *c; /* the chunk being read; NULL until it is loaded */
	size_t ci, nchunks;    /* c's index (the next one to load while c is NULL) */
	int status;            /* 0, or the TRACE_ITER_E_* that ended the walk */
	char err[256];
};
enum {
	TRACE_ITER_E_LOAD = -1,   /* a chunk could not be loaded (trace_reader_error's text) */
	TRACE_ITER_E_RECORD = -2, /* a malformed record (trace_chunk_error's text) */
};

void trace_iter_init(struct trace_iter *it, struct trace_reader *r, size_t first);
/* 1: *rec filled (rec->data valid until the next call or trace_iter_end);
 * 0: no record after the last chunk's; < 0: a TRACE_ITER_E_* status, the
 * message (it names the chunk) in trace_iter_error. */
int trace_iter_next(struct trace_iter *it, struct trace_record *rec);
/* The chunk the last record came from; before the first record, chunk
 * first (loaded now: callers read its keyframe before its records). NULL
 * past the last chunk or when it cannot be loaded (the next
 * trace_iter_next returns TRACE_ITER_E_LOAD). */
const struct trace_chunk *trace_iter_chunk(struct trace_iter *it);
/* That chunk's index (the chunk count past the end). */
size_t trace_iter_chunk_index(const struct trace_iter *it);
const char *trace_iter_error(const struct trace_iter *it);
/* Free the chunk in memory; call it whether the walk ended or stopped early. */
void trace_iter_end(struct trace_iter *it);

#endif
