/* SPDX-License-Identifier: GPL-2.0-only OR Apache-2.0 */
/*
 * enforce.h: maps, layouts and verdict logic of the enforcement programs
 * (block_exec.bpf.c, block_exec_lsm.bpf.c, block_connect.bpf.c).
 *
 * Map naming rule: every map called `enforce_*` is SHARED by the enforcement objects: user
 * space loads block_exec first and hands its map fds to the others with bpf_map__reuse_fd()
 * before they load. They share nothing with the collection objects (`events`, `kestrel_*`).
 *
 * User space (engine/actions.ts, sensor/enforcer.ts) mirrors the layouts below; offsets are
 * pinned with _Static_assert.
 */
#ifndef KESTREL_ENFORCE_H
#define KESTREL_ENFORCE_H

#include "kestrel_core.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#define ENFORCE_EXEC_MAX 4096
#define ENFORCE_NET_MAX 4096
#define ENFORCE_PROTECT_MAX 256
#define ENFORCE_LOADER_MAX 16
#define ENFORCE_RING_BYTES (256 * 1024)
#define ENFORCE_FILENAME_MAX 256

#define SIGKILL 9
#define EPERM 1

/* enforce_cfg.mode */
#define ENFORCE_MODE_DETECT 0
#define ENFORCE_MODE_ENFORCE 1

/* enforce_verdict.kind */
#define ENFORCE_KIND_EXEC 1 /* exec of a blocked file (signal path) */
#define ENFORCE_KIND_EXEC_LSM 2 /* exec refused by bprm_check_security */
#define ENFORCE_KIND_MMAP 3 /* a blocked file mapped executable (ld.so /path/to/binary) */
#define ENFORCE_KIND_MMAP_LSM 4
#define ENFORCE_KIND_CONNECT4 5
#define ENFORCE_KIND_CONNECT6 6

/* enforce_verdict.verdict */
#define ENFORCE_BLOCKED 1 /* refused or killed */
#define ENFORCE_WOULD_BLOCK 2 /* detect mode: nothing done */
#define ENFORCE_RATE_LIMITED 3 /* over block_rate_limit: let through */
#define ENFORCE_FAILED 4 /* bpf_send_signal failed: error holds its result */
#define ENFORCE_PROTECTED 5 /* pid 1, the sensor or one of its ancestors: let through */
#define ENFORCE_WATCH 6 /* an exec of a file not in enforce_exec, for user space to hash */

struct enforce_cfg {
	__u32 mode;
	__u32 rate_limit; /* actions per second; 0 = no limit */
	__u32 self_tgid;
	__u32 generation; /* ruleset generation the maps hold */
	__u32 watch; /* report execs of files not in enforce_exec (content-hash rules exist) */
	__u32 _pad0;
};
_Static_assert(sizeof(struct enforce_cfg) == 24, "enforce_cfg");

/* A blocked executable: the file's inode and device (kernel dev_t, major << 20 | minor),
 * optionally only when the parent runs a given file (pino = pdev = 0: any parent). */
struct enforce_exec_key {
	__u64 ino;
	__u32 dev;
	__u32 _pad0;
	__u64 pino;
	__u32 pdev;
	__u32 _pad1;
};
_Static_assert(sizeof(struct enforce_exec_key) == 32, "enforce_exec_key");

/* A dynamic loader (ld.so): executable mappings are checked only in processes running one. */
struct enforce_file_key {
	__u64 ino;
	__u32 dev;
	__u32 _pad0;
};
_Static_assert(sizeof(struct enforce_file_key) == 16, "enforce_file_key");

/* A blocked destination: address in network order (IPv4 in the first 4 bytes, the rest 0;
 * all zero = any address), port in host order (0 = any port). */
struct enforce_net_key {
	__u16 family;
	__u16 port;
	__u32 _pad0;
	__u8 addr[16];
};
_Static_assert(sizeof(struct enforce_net_key) == 24, "enforce_net_key");

/* Which rule a map entry comes from (user space's index in that generation). */
struct enforce_target {
	__u32 rule;
	__u32 generation;
};

struct enforce_rate {
	__u64 window_start; /* boot ns */
	__u64 count;
};

/* One decision, for user space to alert on (128 bytes + filename). */
struct enforce_verdict {
	__u64 ktime; /* boot ns */
	__u64 start_time; /* the acting process's start (group leader start_boottime, boot ns) */
	__u32 kind;
	__u32 verdict;
	__u32 rule;
	__u32 generation;
	__s32 error;
	__u32 tgid;
	__u32 tid;
	__u32 ppid;
	__u32 uid;
	__u32 dev;
	__u64 ino;
	__u16 family;
	__u16 port;
	__u32 _pad0;
	__u8 addr[16];
	char comm[16];
	char filename[ENFORCE_FILENAME_MAX]; /* what execve was given; the mapped file's name */
};
_Static_assert(__builtin_offsetof(struct enforce_verdict, kind) == 16, "kind");
_Static_assert(__builtin_offsetof(struct enforce_verdict, error) == 32, "error");
_Static_assert(__builtin_offsetof(struct enforce_verdict, dev) == 52, "dev");
_Static_assert(__builtin_offsetof(struct enforce_verdict, ino) == 56, "ino");
_Static_assert(__builtin_offsetof(struct enforce_verdict, family) == 64, "family");
_Static_assert(__builtin_offsetof(struct enforce_verdict, addr) == 72, "addr");
_Static_assert(__builtin_offsetof(struct enforce_verdict, comm) == 88, "comm");
_Static_assert(__builtin_offsetof(struct enforce_verdict, filename) == 104, "filename");
_Static_assert(sizeof(struct enforce_verdict) == 104 + ENFORCE_FILENAME_MAX, "enforce_verdict");

/* ------------------------------------------------------------------ shared maps */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct enforce_cfg);
} enforce_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ENFORCE_EXEC_MAX);
	__type(key, struct enforce_exec_key);
	__type(value, struct enforce_target);
} enforce_exec SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ENFORCE_NET_MAX);
	__type(key, struct enforce_net_key);
	__type(value, struct enforce_target);
} enforce_net SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ENFORCE_PROTECT_MAX);
	__type(key, __u32);
	__type(value, __u8);
} enforce_protect SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct enforce_rate);
} enforce_rate SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ENFORCE_LOADER_MAX);
	__type(key, struct enforce_file_key);
	__type(value, __u8);
} enforce_loader SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, ENFORCE_RING_BYTES);
} enforce_events SEC(".maps");

/* ------------------------------------------------------------------ helpers */

static __always_inline struct enforce_cfg *enforce_config(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&enforce_cfg, &zero);
}

/* Whether the caller may be acted on at all: never pid 1, the sensor or its ancestors. */
static __always_inline int enforce_protected(__u32 tgid, struct enforce_cfg *cfg)
{
	if (tgid <= 1 || tgid == cfg->self_tgid)
		return 1;
	return bpf_map_lookup_elem(&enforce_protect, &tgid) != 0;
}

/* One more action this second; false when over the limit (fixed one-second windows). */
static __always_inline int enforce_rate_ok(struct enforce_cfg *cfg, __u64 now)
{
	if (cfg->rate_limit == 0)
		return 1;
	__u32 zero = 0;
	struct enforce_rate *r = bpf_map_lookup_elem(&enforce_rate, &zero);
	if (!r)
		return 0;
	if (now - r->window_start >= 1000000000ULL) {
		/* Two CPUs may both reset: the window then admits a few more, never fewer. */
		r->window_start = now;
		r->count = 0;
	}
	__u64 n = __sync_fetch_and_add(&r->count, 1);
	return n < cfg->rate_limit;
}

/* The verdict for an action on the caller: BLOCKED (act), or why not. */
static __always_inline __u32 enforce_decide(struct enforce_cfg *cfg, __u32 tgid, __u64 now)
{
	if (enforce_protected(tgid, cfg))
		return ENFORCE_PROTECTED;
	if (cfg->mode != ENFORCE_MODE_ENFORCE)
		return ENFORCE_WOULD_BLOCK;
	if (!enforce_rate_ok(cfg, now))
		return ENFORCE_RATE_LIMITED;
	return ENFORCE_BLOCKED;
}

/* Reports a decision; the filename (a kernel string) may be null. */
static __always_inline void enforce_report(__u32 kind, __u32 verdict, __s32 error,
					   struct enforce_target *t, __u64 now,
					   const char *kfilename, const char *ufilename,
					   struct enforce_verdict **out)
{
	struct enforce_verdict *v = bpf_ringbuf_reserve(&enforce_events, sizeof(*v), 0);
	*out = 0;
	if (!v)
		return;
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	v->ktime = now;
	v->start_time = BPF_CORE_READ(task, group_leader, start_boottime);
	v->kind = kind;
	v->verdict = verdict;
	v->rule = t->rule;
	v->generation = t->generation;
	v->error = error;
	v->tgid = pid_tgid >> 32;
	v->tid = (__u32)pid_tgid;
	v->ppid = BPF_CORE_READ(task, real_parent, tgid);
	v->uid = (__u32)bpf_get_current_uid_gid();
	v->dev = 0;
	v->ino = 0;
	v->family = 0;
	v->port = 0;
	v->_pad0 = 0;
	__builtin_memset(v->addr, 0, sizeof(v->addr));
	bpf_get_current_comm(v->comm, sizeof(v->comm));
	v->filename[0] = 0;
	if (kfilename)
		bpf_probe_read_kernel_str(v->filename, sizeof(v->filename), kfilename);
	else if (ufilename)
		bpf_probe_read_user_str(v->filename, sizeof(v->filename), ufilename);
	*out = v;
}

/* Reports an exec of a file not in enforce_exec when content-hash rules want to see it. */
static __always_inline void enforce_watch(__u64 ino, __u32 dev, const char *kfilename)
{
	struct enforce_cfg *cfg = enforce_config();
	if (!cfg || !cfg->watch)
		return;
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	if (enforce_protected(tgid, cfg))
		return;
	struct enforce_target none = { .rule = 0, .generation = cfg->generation };
	struct enforce_verdict *v;
	enforce_report(ENFORCE_KIND_EXEC, ENFORCE_WATCH, 0, &none, bpf_ktime_get_boot_ns(),
		       kfilename, 0, &v);
	if (!v)
		return;
	v->ino = ino;
	v->dev = dev;
	bpf_ringbuf_submit(v, 0);
}

/* The executable file of `task`'s process (null for kernel threads). */
static __always_inline struct inode *exe_inode(struct task_struct *task)
{
	return BPF_CORE_READ(task, mm, exe_file, f_inode);
}

/*
 * Whether `task`'s process runs a dynamic loader (`ld.so /path/to/binary`): only there is an
 * executable mapping of a blocked file the program being run. Elsewhere it is a library being
 * loaded (or a copy of one), which a block rule must not turn into a kill of every program
 * linking it.
 */
static __always_inline int enforce_runs_loader(struct task_struct *task)
{
	struct inode *i = exe_inode(task);
	if (!i)
		return 0;
	struct enforce_file_key k = {};
	k.ino = BPF_CORE_READ(i, i_ino);
	k.dev = BPF_CORE_READ(i, i_sb, s_dev);
	return bpf_map_lookup_elem(&enforce_loader, &k) != 0;
}

/* The block-map entry for running `ino`/`dev` with `parent` as the parent process, if any. */
static __always_inline struct enforce_target *exec_target(__u64 ino, __u32 dev,
							  struct task_struct *parent)
{
	struct enforce_exec_key k = {};
	k.ino = ino;
	k.dev = dev;
	struct enforce_target *t = bpf_map_lookup_elem(&enforce_exec, &k);
	if (t)
		return t;
	struct inode *pi = exe_inode(parent);
	if (!pi)
		return 0;
	k.pino = BPF_CORE_READ(pi, i_ino);
	k.pdev = BPF_CORE_READ(pi, i_sb, s_dev);
	return bpf_map_lookup_elem(&enforce_exec, &k);
}

#endif /* KESTREL_ENFORCE_H */
