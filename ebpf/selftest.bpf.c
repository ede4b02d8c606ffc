// SPDX-License-Identifier: GPL-2.0
/*
 * Kestrel self-test program: a known producer for the ring buffer reader's
 * tests and benchmarks. It needs no kernel types (the syscall tracepoint
 * layout is a stable ABI), so it builds without the CO-RE header.
 *
 * Trigger: prctl(SELFTEST_MAGIC, value, string pointer, count, flags) from a
 * thread registered in `selftest_tids` (threads, not processes: parallel
 * test modules are threads of one process, each with its own object). The kernel rejects the unknown option
 * with EINVAL; the tracepoint still fires on entry. Each trigger emits `count`
 * records (at least one) of struct selftest_record, the string copied once.
 * A uprobe program emits one record with value SELFTEST_UPROBE_VALUE.
 *
 * Record layout (little endian, what ffi/selftest.ts decodes):
 *   0  u64 seq      per-thread sequence number (the thread's map value)
 *   8  u32 pid      tgid of the caller
 *  12  u32 str_len  bytes of str, no terminating NUL
 *  16  u64 value    prctl arg2
 *  24  char str[str_len]
 * The ring buffer record is exactly 24 + str_len bytes long.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define SELFTEST_MAGIC 0x4b455354ULL /* "KEST": no kernel prctl option uses it */
#define SELFTEST_STR_MAX 256
#define SELFTEST_HDR_SIZE 24
#define SELFTEST_MAX_BURST (1 << 22)
#define SELFTEST_FLAG_DISCARD 1 /* reserve a record, then discard it */
#define SELFTEST_UPROBE_VALUE 0x7570726f6265ULL /* "uprobe" */

/*
 * kestrel_counters ids, as events.h numbers them: event type * 4 + kind. The
 * self-test is event type 0 (KESTREL_EV_NONE in events.h); after its one
 * type comes its own global counter.
 */
#define CTR_PRODUCED 0
#define CTR_FILTERED 1
#define CTR_DROPPED 2
#define CTR_DISCARDED 4
#define CTR_MAX 5

struct selftest_record {
	__u64 seq;
	__u32 pid;
	__u32 str_len;
	__u64 value;
	char str[SELFTEST_STR_MAX];
};

/* Layout of a syscalls:sys_enter_* tracepoint record (tracefs "format"). */
struct sys_enter_ctx {
	__u64 common;
	__s32 syscall_nr;
	__u32 pad;
	__u64 args[5];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} selftest_events SEC(".maps");

/* Registered thread ids; the value is the thread's next sequence number. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} selftest_tids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CTR_MAX);
	__type(key, __u32);
	__type(value, __u64);
} kestrel_counters SEC(".maps");

/* Per-CPU staging area: a record is built here, then copied into the ring. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct selftest_record);
} selftest_scratch SEC(".maps");

static __always_inline void count(__u32 id)
{
	__u64 *c = bpf_map_lookup_elem(&kestrel_counters, &id);

	if (c)
		*c += 1;
}

struct burst {
	struct selftest_record *rec;
	__u64 *seq;
	__u32 size;
};

static long emit_one(__u32 index, void *data)
{
	struct burst *b = data;
	__u32 size = b->size;

	if (size > sizeof(*b->rec))
		return 1;
	/* Only the registered thread writes its counter: no atomics needed. */
	b->rec->seq = *b->seq;
	*b->seq += 1;
	if (bpf_ringbuf_output(&selftest_events, b->rec, size, 0))
		count(CTR_DROPPED);
	else
		count(CTR_PRODUCED);
	return 0;
}

static __always_inline int discard_one(__u32 pid)
{
	struct selftest_record *rec;

	rec = bpf_ringbuf_reserve(&selftest_events, SELFTEST_HDR_SIZE, 0);
	if (!rec) {
		count(CTR_DROPPED);
		return 0;
	}
	rec->pid = pid;
	bpf_ringbuf_discard(rec, 0);
	count(CTR_DISCARDED);
	return 0;
}

SEC("tp/syscalls/sys_enter_prctl")
int selftest_prctl(struct sys_enter_ctx *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 pid = id >> 32, tid = id;
	struct selftest_record *rec;
	struct burst b = {};
	__u32 zero = 0;
	__u64 nr;
	long len;

	if (ctx->args[0] != SELFTEST_MAGIC)
		return 0;
	b.seq = bpf_map_lookup_elem(&selftest_tids, &tid);
	if (!b.seq) {
		count(CTR_FILTERED); /* a trigger from a thread nobody registered */
		return 0;
	}
	if (ctx->args[4] & SELFTEST_FLAG_DISCARD)
		return discard_one(pid);
	rec = bpf_map_lookup_elem(&selftest_scratch, &zero);
	if (!rec)
		return 0;
	rec->pid = pid;
	rec->value = ctx->args[1];
	len = 0;
	if (ctx->args[2])
		len = bpf_probe_read_user_str(rec->str, sizeof(rec->str), (void *)ctx->args[2]);
	/* The helper counts the NUL; the record carries the bytes only. */
	rec->str_len = len > 0 ? len - 1 : 0;
	b.rec = rec;
	b.size = SELFTEST_HDR_SIZE + rec->str_len;
	nr = ctx->args[3];
	if (nr == 0)
		nr = 1;
	if (nr > SELFTEST_MAX_BURST)
		nr = SELFTEST_MAX_BURST;
	bpf_loop(nr, emit_one, &b, 0);
	return 0;
}

SEC("uprobe")
int selftest_uprobe(void *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 pid = id >> 32, tid = id;
	struct selftest_record *rec;
	struct burst b = {};
	__u32 zero = 0;

	b.seq = bpf_map_lookup_elem(&selftest_tids, &tid);
	if (!b.seq)
		return 0;
	rec = bpf_map_lookup_elem(&selftest_scratch, &zero);
	if (!rec)
		return 0;
	rec->pid = pid;
	rec->value = SELFTEST_UPROBE_VALUE;
	rec->str_len = 6;
	__builtin_memcpy(rec->str, "uprobe", 6);
	b.rec = rec;
	b.size = SELFTEST_HDR_SIZE + 6;
	emit_one(0, &b);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
