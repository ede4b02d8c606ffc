/* SPDX-License-Identifier: GPL-2.0-only OR Apache-2.0 */
/*
 * common.h: maps and helpers shared by every Kestrel program.
 *
 * Map naming rule (user-space contract): every map called `events` or `kestrel_*` is SHARED:
 * user space loads one object first and hands the same fds to the others with
 * bpf_map__reuse_fd() before they load. Maps with other names (scratch_*, pending_*) are
 * private to their object. See README.md.
 */
#ifndef KESTREL_COMMON_H
#define KESTREL_COMMON_H

#include "kestrel_core.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "events.h"

#define KESTREL_RINGBUF_DEFAULT (4 << 20) /* user space sets the real size before load */
#define KESTREL_PROC_MAX 32768
#define KESTREL_PID_STATS_MAX 8192
#define KESTREL_TRUST_MAX 16384

/* ------------------------------------------------------------------ shared maps */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, KESTREL_RINGBUF_DEFAULT);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KESTREL_CTR_MAX);
	__type(key, u32);
	__type(value, u64);
} kestrel_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, KESTREL_PID_STATS_MAX);
	__type(key, u32);
	__type(value, struct kestrel_pid_stats);
} kestrel_pid_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, KESTREL_EV_MAX);
	__type(key, u32);
	__type(value, u32);
} kestrel_interest SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct kestrel_config);
} kestrel_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, KESTREL_PREFIX_MAX);
	__type(key, u32);
	__type(value, struct kestrel_prefix);
} kestrel_prefixes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KESTREL_TRUST_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct kestrel_trust_key);
	__type(value, struct kestrel_trust_val);
} kestrel_trust SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, KESTREL_PROC_MAX);
	__type(key, u32);
	__type(value, struct kestrel_proc);
} kestrel_proc SEC(".maps");

/* ----------------------------------------------------------------- private maps */

/* Records are built here and copied into the ring with bpf_ringbuf_output, so a record
 * takes only the ring space it uses. */
struct scratch_rec_buf {
	u8 b[KESTREL_RECORD_MAX];
};
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct scratch_rec_buf);
} scratch_rec SEC(".maps");

/* Path walks write backwards ending at TMP_BASE; a caller's relative path is read at
 * TMP_USER so that [pos, TMP_USER + len) is the joined path. The walk's state lives in the
 * same map value (not on the stack), so the verifier sees an opaque loop body and checks
 * the bpf_loop callback once instead of unrolling its value ranges. */
#define TMP_BASE KESTREL_PATH_MAX /* 4096: end of the walked base, '/' goes here */
#define TMP_USER (TMP_BASE + 1)
#define TMP_SIZE (TMP_USER + KESTREL_PATH_MAX + 256)
struct walk_state {
	struct dentry *d;
	struct mount *m;
	struct dentry *mroot;
	u32 pos;
	u32 trunc;
	u32 done;
	u32 _pad;
};
struct scratch_tmp_buf {
	struct walk_state w;
	u8 b[TMP_SIZE];
};
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct scratch_tmp_buf);
} scratch_tmp SEC(".maps");

/* v = min(v, max) in a way clang cannot split across registers, so the verifier sees the
 * bound on the register that is used afterwards. */
#define CLAMP_MAX(v, max)                                                                         \
	asm volatile("if %[val] <= %[m] goto +1; %[val] = %[m];" : [val] "+r"(v) : [m] "i"(max))

/* ------------------------------------------------------------------- accounting */

static __always_inline void ctr_inc(u32 id)
{
	u64 *v = bpf_map_lookup_elem(&kestrel_counters, &id);
	if (v)
		*v += 1;
}

enum { PID_SUBMITTED, PID_DROPPED, PID_FILTERED };

static __always_inline void pid_stat_inc(u32 tgid, int which)
{
	struct kestrel_pid_stats *s = bpf_map_lookup_elem(&kestrel_pid_stats, &tgid);
	if (!s) {
		struct kestrel_pid_stats zero = {};
		bpf_map_update_elem(&kestrel_pid_stats, &tgid, &zero, BPF_NOEXIST);
		s = bpf_map_lookup_elem(&kestrel_pid_stats, &tgid);
		if (!s)
			return;
	}
	if (which == PID_SUBMITTED)
		__sync_fetch_and_add(&s->submitted, 1);
	else if (which == PID_DROPPED)
		__sync_fetch_and_add(&s->dropped, 1);
	else
		__sync_fetch_and_add(&s->filtered, 1);
}

static __always_inline struct kestrel_config *kestrel_cfg(void)
{
	u32 zero = 0;
	return bpf_map_lookup_elem(&kestrel_config, &zero);
}

/* An event was seen but is not needed (the sensor's own events are only counted as SELF). */
static __always_inline void kestrel_filtered(u32 type, u32 tgid)
{
	struct kestrel_config *cfg = kestrel_cfg();
	if (cfg && cfg->self_tgid == tgid && tgid != 0) {
		ctr_inc(KESTREL_CTR_SELF);
		return;
	}
	ctr_inc(KESTREL_CTR(type, KESTREL_CTR_FILTERED));
	pid_stat_inc(tgid, PID_FILTERED);
}

#define EVBIT(t) (1ULL << (t))
/* Trust levels (kestrel_trust, decided at exec and inherited over fork):
 *   MINIMAL keeps lifecycle, privilege, injection-entry and authentication events;
 *   REDUCED drops only the high-volume ones (file create/modify/open, DNS). */
#define KESTREL_MINIMAL_TYPES                                                                    \
	(EVBIT(KESTREL_EV_EXEC) | EVBIT(KESTREL_EV_FORK) | EVBIT(KESTREL_EV_EXIT) |                \
	 EVBIT(KESTREL_EV_UID_CHANGE) | EVBIT(KESTREL_EV_GID_CHANGE) | EVBIT(KESTREL_EV_PTRACE) | \
	 EVBIT(KESTREL_EV_MEMFD_CREATE) | EVBIT(KESTREL_EV_MODULE_LOAD) |                          \
	 EVBIT(KESTREL_EV_BPF_PROG_LOAD) | EVBIT(KESTREL_EV_AUTH_PAM))
#define KESTREL_REDUCED_DROPS                                                                    \
	(EVBIT(KESTREL_EV_FILE_CREATE) | EVBIT(KESTREL_EV_FILE_MODIFY) |                           \
	 EVBIT(KESTREL_EV_FILE_OPEN) | EVBIT(KESTREL_EV_NET_DNS))

static __always_inline int level_allows(u8 level, u32 type)
{
	if (level == KESTREL_LEVEL_FULL)
		return 1;
	if (level == KESTREL_LEVEL_REDUCED)
		return !(EVBIT(type) & KESTREL_REDUCED_DROPS);
	return !!(EVBIT(type) & KESTREL_MINIMAL_TYPES);
}

/* Decide whether an event of `type` by `tgid` is wanted: the sensor itself (ignored,
 * not counted as filtered), the interest map, the process's collection level.
 * Returns 1 and sets *level when the event should be built. */
static __always_inline int kestrel_admit(u32 type, u32 tgid, u8 *level)
{
	struct kestrel_config *cfg = kestrel_cfg();
	if (cfg && cfg->self_tgid == tgid && tgid != 0) {
		ctr_inc(KESTREL_CTR_SELF);
		return 0;
	}
	u32 *want = bpf_map_lookup_elem(&kestrel_interest, &type);
	if (!want || *want == 0) {
		ctr_inc(KESTREL_CTR(type, KESTREL_CTR_FILTERED));
		pid_stat_inc(tgid, PID_FILTERED);
		return 0;
	}
	u8 lv = KESTREL_LEVEL_FULL;
	struct kestrel_proc *p = bpf_map_lookup_elem(&kestrel_proc, &tgid);
	if (p)
		lv = p->level;
	else
		ctr_inc(KESTREL_CTR_PROC_MISS);
	if (!level_allows(lv, type)) {
		ctr_inc(KESTREL_CTR_TRUST);
		ctr_inc(KESTREL_CTR(type, KESTREL_CTR_FILTERED));
		pid_stat_inc(tgid, PID_FILTERED);
		return 0;
	}
	*level = lv;
	return 1;
}

static __always_inline u8 *rec_buf(void)
{
	u32 zero = 0;
	return bpf_map_lookup_elem(&scratch_rec, &zero);
}

static __always_inline struct scratch_tmp_buf *tmp_state(void)
{
	u32 zero = 0;
	return bpf_map_lookup_elem(&scratch_tmp, &zero);
}

static __always_inline u8 *tmp_buf(void)
{
	struct scratch_tmp_buf *t = tmp_state();
	return t ? t->b : 0;
}

/* Copy the record built in rec (size bytes) into the ring and account for it. */
static __always_inline int kestrel_submit(u8 *rec, u32 size, u32 trunc)
{
	struct kestrel_hdr *h = (void *)rec;
	h->trunc = trunc;
	u32 type = h->type;
	u32 tgid = h->tgid;
	if (size > KESTREL_RECORD_MAX)
		size = KESTREL_RECORD_MAX;
	if (size < sizeof(*h))
		size = sizeof(*h);
	h->size = size;
	u64 flags = 0;
	struct kestrel_config *cfg = kestrel_cfg();
	if (cfg && cfg->wakeup_bytes)
		flags = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) + size >= cfg->wakeup_bytes
				? BPF_RB_FORCE_WAKEUP
				: BPF_RB_NO_WAKEUP;
	long err = bpf_ringbuf_output(&events, rec, size, flags);
	if (err) {
		ctr_inc(KESTREL_CTR(type, KESTREL_CTR_DROPPED));
		pid_stat_inc(tgid, PID_DROPPED);
		return 0;
	}
	ctr_inc(KESTREL_CTR(type, KESTREL_CTR_PRODUCED));
	if (trunc)
		ctr_inc(KESTREL_CTR(type, KESTREL_CTR_TRUNCATED));
	pid_stat_inc(tgid, PID_SUBMITTED);
	return 1;
}

/* ---------------------------------------------------------------- task fields */

static __always_inline u32 pid_nr0(struct pid *p)
{
	int nr = 0;
	if (p)
		bpf_core_read(&nr, sizeof(nr), &p->numbers[0].nr);
	return nr;
}

static __always_inline u32 task_pidns_inum(struct task_struct *t)
{
	struct pid *p = BPF_CORE_READ(t, thread_pid);
	unsigned int level = BPF_CORE_READ(p, level);
	struct pid_namespace *ns = 0;
	void *up = (void *)p + bpf_core_field_offset(struct pid, numbers) +
		   (level & 31) * bpf_core_type_size(struct upid);
	bpf_probe_read_kernel(&ns, sizeof(ns), up + bpf_core_field_offset(struct upid, ns));
	return BPF_CORE_READ(ns, ns.inum);
}

/* Fill the common header from task t (current when cur is set). t must be a BTF pointer
 * (a tp_btf argument or bpf_get_current_task_btf()): fields are read with direct loads,
 * which the verifier turns into fault-tolerant loads, much cheaper than helper calls. */
static __always_inline void fill_hdr(struct kestrel_hdr *h, struct task_struct *t, u32 type,
				     u8 level, int cur)
{
	struct task_struct *parent = t->real_parent;
	const struct cred *cred = t->real_cred;
	struct signal_struct *sig = t->signal;

	h->type = type;
	h->version = KESTREL_EVENTS_VERSION;
	h->level = level;
	h->size = 0;
	h->ktime = bpf_ktime_get_boot_ns();
	h->start_time = t->group_leader->start_boottime;
	h->parent_start_time = parent->group_leader->start_boottime;
	if (cur)
		h->cgroup_id = bpf_get_current_cgroup_id();
	else
		h->cgroup_id = t->cgroups->dfl_cgrp->kn->id;
	h->tgid = t->tgid;
	h->tid = t->pid;
	h->ppid = parent->tgid;
	h->uid = cred->uid.val;
	h->gid = cred->gid.val;
	h->euid = cred->euid.val;
	h->egid = cred->egid.val;
	h->sid = sig->pids[PIDTYPE_SID]->numbers[0].nr;
	h->pgid = sig->pids[PIDTYPE_PGID]->numbers[0].nr;
	h->mntns = t->nsproxy->mnt_ns->ns.inum;
	h->pidns = task_pidns_inum(t);
	if (bpf_core_field_exists(t->loginuid))
		h->auid = t->loginuid.val;
	else
		h->auid = (u32)-1;
	if (cur)
		bpf_get_current_comm(&h->comm, sizeof(h->comm));
	else
		BPF_CORE_READ_INTO(&h->comm, t, comm);
	h->trunc = 0;
	h->flags = 0;
}

/* Start a record for the current task. Returns the buffer (header filled) or NULL. */
static __always_inline u8 *rec_begin(u32 type, u8 level)
{
	u8 *rec = rec_buf();
	if (!rec)
		return 0;
	fill_hdr((void *)rec, bpf_get_current_task_btf(), type, level, 1);
	return rec;
}

/* ---------------------------------------------------------------- files and fds */

static __always_inline struct file *fd_file(struct task_struct *t, long fd)
{
	struct fdtable *fdt = BPF_CORE_READ(t, files, fdt);
	unsigned int max = BPF_CORE_READ(fdt, max_fds);
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *f = 0;
	if (fd < 0 || fd >= max)
		return 0;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

static __always_inline struct socket *file_socket(struct file *f)
{
	umode_t mode = BPF_CORE_READ(f, f_inode, i_mode);
	if ((mode & S_IFMT) != S_IFSOCK)
		return 0;
	return BPF_CORE_READ(f, private_data);
}

/* --------------------------------------------------------------------- strings */

/* Append a user/kernel string (at most max_ bytes including the NUL) to the record. */
#define PUT_STR(kind, rec_, o_, desc_, src_, max_, bit_)                                           \
	do {                                                                                       \
		u32 __o = (o_)->off;                                                               \
		(desc_)->off = 0;                                                                  \
		(desc_)->len = 0;                                                                  \
		if (!(src_))                                                                       \
			break;                                                                     \
		if (__o > KESTREL_RECORD_MAX - (max_)) {                                           \
			(o_)->trunc |= 1u << (bit_);                                               \
			break;                                                                     \
		}                                                                                  \
		long __n = bpf_probe_read_##kind##_str((rec_) + __o, (max_), (src_));             \
		if (__n <= 1)                                                                      \
			break;                                                                     \
		if (__n >= (max_))                                                                 \
			(o_)->trunc |= 1u << (bit_);                                               \
		(desc_)->off = __o;                                                                \
		(desc_)->len = __n - 1;                                                            \
		(o_)->off = __o + __n - 1;                                                         \
	} while (0)

#define PUT_USTR(rec, o, desc, src, max, bit) PUT_STR(user, rec, o, desc, src, max, bit)
#define PUT_KSTR(rec, o, desc, src, max, bit) PUT_STR(kernel, rec, o, desc, src, max, bit)

/* ------------------------------------------------------------------ path walks */

static long walk_cb(u32 i, void *arg)
{
	struct scratch_tmp_buf *t = tmp_state();
	if (!t)
		return 1;
	struct walk_state *c = &t->w;
	u8 *buf = t->b;
	struct dentry *d = c->d;
	struct dentry *parent = BPF_CORE_READ(d, d_parent);
	int last = 0;
	if (d != c->mroot && (d == parent || !parent))
		last = 1; /* a pseudo or disconnected dentry (memfd, pipe, ...): its name, then stop */
	else if (d == c->mroot) {
		struct mount *m = c->m;
		struct mount *mp = BPF_CORE_READ(m, mnt_parent);
		if (!mp || mp == m) {
			c->done = 1; /* the namespace's root mount */
			return 1;
		}
		c->d = BPF_CORE_READ(m, mnt_mountpoint);
		c->m = mp;
		c->mroot = BPF_CORE_READ(mp, mnt.mnt_root);
		return 0;
	}
	u32 len = BPF_CORE_READ(d, d_name.len);
	const u8 *name = BPF_CORE_READ(d, d_name.name);
	u32 pos = c->pos;
	if (len > 255)
		len = 255;
	if (pos > TMP_BASE || len + 1 >= pos) {
		c->trunc = 1;
		return 1;
	}
	pos = (pos - len) & (TMP_BASE - 1);
	bpf_probe_read_kernel(buf + pos, len, name);
	pos = (pos - 1) & (TMP_BASE - 1);
	buf[pos] = '/';
	c->pos = pos;
	c->d = parent;
	c->done = last;
	return last;
}

/* Walk (dentry, vfsmount) up to the root of the mount namespace, writing the path into
 * tmp[pos .. TMP_BASE). Returns pos (TMP_BASE for the root itself). */
static __always_inline u32 walk_path(struct scratch_tmp_buf *t, struct dentry *d,
				     struct vfsmount *vm, u32 *trunc)
{
	struct walk_state *c = &t->w;
	c->d = d;
	c->m = (struct mount *)((void *)vm - bpf_core_field_offset(struct mount, mnt));
	c->mroot = BPF_CORE_READ(vm, mnt_root);
	c->pos = TMP_BASE;
	c->trunc = 0;
	c->done = 0;
	bpf_loop(KESTREL_PATH_DEPTH, walk_cb, 0, 0);
	if (c->trunc || !c->done)
		*trunc = 1;
	u32 pos = c->pos;
	return pos > TMP_BASE ? TMP_BASE : pos;
}

/* Where the next variable-length item of the record being built goes. */
struct out {
	u32 off; /* next free byte of the record */
	u32 trunc; /* kestrel_hdr.trunc bits so far */
};

/* Append tmp[src, src + len) to the record as a path descriptor. */
static __always_inline void put_tmp(struct out *o, u8 *tmp, u32 src, u32 len,
				    struct kestrel_path *desc, int bit)
{
	u8 *rec = rec_buf();
	u32 at = o->off;
	if (!rec)
		return;
	if (at > KESTREL_RECORD_MAX - KESTREL_PATH_MAX) {
		o->trunc |= 1u << bit;
		return;
	}
	if (len > KESTREL_PATH_MAX - 1)
		o->trunc |= 1u << bit;
	u64 n = len;
	CLAMP_MAX(n, KESTREL_PATH_MAX - 1);
	len = n;
	if (src > TMP_USER)
		return;
	bpf_probe_read_kernel(rec + at, n, tmp + src);
	desc->off = at;
	desc->len = len;
	o->off = at + len;
}

/* Append the absolute path of a (dentry, vfsmount) pair. */
static __noinline __attribute__((unused)) void put_walk(struct out *o, struct dentry *d, struct vfsmount *vm,
				struct kestrel_path *desc, int bit)
{
	struct scratch_tmp_buf *t = tmp_state();
	u32 wt = 0;
	desc->off = 0;
	desc->len = 0;
	desc->base_len = 0;
	desc->flags = 0;
	if (!t || !d)
		return;
	u8 *tmp = t->b;
	u32 pos = walk_path(t, d, vm, &wt);
	if (pos >= TMP_BASE) {
		pos = TMP_BASE - 1;
		tmp[pos] = '/';
	}
	if (wt) {
		desc->flags |= KESTREL_PATH_BASE_TRUNC;
		o->trunc |= 1u << bit;
	}
	put_tmp(o, tmp, pos, TMP_BASE - pos, desc, bit);
}

/* The same for an open file (fd of the current task). */
static __always_inline void put_fd_path(struct out *o, long fd, struct kestrel_path *desc, int bit)
{
	struct file *f = fd_file(bpf_get_current_task_btf(), fd);
	desc->off = 0;
	desc->len = 0;
	if (!f)
		return;
	put_walk(o, BPF_CORE_READ(f, f_path.dentry), BPF_CORE_READ(f, f_path.mnt), desc, bit);
	desc->flags |= KESTREL_PATH_FROM_FD;
}

/* Append the caller's path (user pointer upath, relative to dirfd) made absolute. */
static __noinline __attribute__((unused)) void put_user_path(struct out *o, long dirfd, const char *upath,
				     struct kestrel_path *desc, int bit)
{
	struct scratch_tmp_buf *ts = tmp_state();
	desc->off = 0;
	desc->len = 0;
	desc->base_len = 0;
	desc->flags = 0;
	if (!ts || !upath)
		return;
	u8 *tmp = ts->b;
	long n = bpf_probe_read_user_str(tmp + TMP_USER, KESTREL_PATH_MAX, upath);
	if (n < 1)
		return;
	u32 g = n - 1;
	if (n >= KESTREL_PATH_MAX)
		o->trunc |= 1u << bit;
	if (g > 0 && tmp[TMP_USER] == '/') {
		put_tmp(o, tmp, TMP_USER, g, desc, bit);
		return;
	}
	/* relative: walk the directory it is relative to */
	struct task_struct *t = bpf_get_current_task_btf();
	struct dentry *d;
	struct vfsmount *vm;
	if ((int)dirfd == AT_FDCWD) {
		d = BPF_CORE_READ(t, fs, pwd.dentry);
		vm = BPF_CORE_READ(t, fs, pwd.mnt);
	} else {
		struct file *f = fd_file(t, (int)dirfd);
		if (!f) {
			put_tmp(o, tmp, TMP_USER, g, desc, bit);
			return;
		}
		d = BPF_CORE_READ(f, f_path.dentry);
		vm = BPF_CORE_READ(f, f_path.mnt);
	}
	u32 wt = 0;
	u32 pos = walk_path(ts, d, vm, &wt);
	if (wt) {
		desc->flags |= KESTREL_PATH_BASE_TRUNC;
		o->trunc |= 1u << bit;
	}
	tmp[TMP_BASE] = '/';
	u32 base = TMP_BASE - pos + 1;
	u32 total = base + g;
	if (g == 0) { /* empty path (AT_EMPTY_PATH): the directory itself */
		total = base > 1 ? base - 1 : 1;
		if (base == 1)
			pos = TMP_BASE;
		base = 0;
	}
	desc->flags |= KESTREL_PATH_JOINED;
	put_tmp(o, tmp, pos, total, desc, bit);
	desc->base_len = base;
}

/* ----------------------------------------------------------- path prefix filter */

struct prefix_ctx {
	u64 w[8];
	u64 tbit;
	u32 n;
	u32 matched;
};

static long prefix_cb(u32 i, void *arg)
{
	struct prefix_ctx *c = arg;
	if (i >= c->n)
		return 1;
	struct kestrel_prefix *p = bpf_map_lookup_elem(&kestrel_prefixes, &i);
	if (!p || !(p->types & c->tbit))
		return 0;
	u32 len = p->len;
	if (len == 0 || len > KESTREL_PREFIX_LEN)
		return 0;
	u64 *pw = (u64 *)p->bytes;
	u64 diff = 0;
#pragma unroll
	for (int k = 0; k < 8; k++) {
		u32 left = len > (u32)k * 8 ? len - (u32)k * 8 : 0;
		u64 mask = left >= 8 ? ~0ULL : ((1ULL << (left * 8)) - 1);
		diff |= (c->w[k] ^ pw[k]) & mask;
	}
	if (diff)
		return 0;
	c->matched = 1;
	return 1;
}

/* Does the path at rec[off, off + len) pass the prefix filter for event type? */
static __noinline __attribute__((unused)) int path_wanted(u8 *rec, u32 off, u32 len, u32 type)
{
	struct kestrel_config *cfg = kestrel_cfg();
	if (!cfg || !(cfg->path_types & EVBIT(type)))
		return 1;
	struct prefix_ctx c = {};
	c.tbit = EVBIT(type);
	c.n = cfg->nprefixes;
	if (c.n > KESTREL_PREFIX_MAX)
		c.n = KESTREL_PREFIX_MAX;
	if (off > KESTREL_RECORD_MAX - KESTREL_PREFIX_LEN)
		return 1;
	/* read a fixed 64 bytes and clear what lies beyond the path */
	bpf_probe_read_kernel(c.w, sizeof(c.w), rec + off);
#pragma unroll
	for (int k = 0; k < 8; k++) {
		u32 left = len > (u32)k * 8 ? len - (u32)k * 8 : 0;
		c.w[k] &= left >= 8 ? ~0ULL : ((1ULL << (left * 8)) - 1);
	}
	bpf_loop(KESTREL_PREFIX_MAX, prefix_cb, &c, 0);
	return c.matched;
}

/* ------------------------------------------------------------ syscall plumbing */

/* x86_64 syscall numbers (arch/x86/entry/syscalls/syscall_64.tbl); records carry them. */
#define NR_mmap 9
#define NR_mprotect 10
#define NR_open 2
#define NR_connect 42
#define NR_accept 43
#define NR_sendto 44
#define NR_sendmsg 46
#define NR_bind 49
#define NR_listen 50
#define NR_rename 82
#define NR_creat 85
#define NR_link 86
#define NR_unlink 87
#define NR_symlink 88
#define NR_chmod 90
#define NR_fchmod 91
#define NR_chown 92
#define NR_fchown 93
#define NR_lchown 94
#define NR_ptrace 101
#define NR_setuid 105
#define NR_setgid 106
#define NR_setpgid 109
#define NR_setsid 112
#define NR_setreuid 113
#define NR_setregid 114
#define NR_setresuid 117
#define NR_setresgid 119
#define NR_setfsuid 122
#define NR_setfsgid 123
#define NR_prctl 157
#define NR_mount 165
#define NR_init_module 175
#define NR_setxattr 188
#define NR_lsetxattr 189
#define NR_fsetxattr 190
#define NR_openat 257
#define NR_fchownat 260
#define NR_unlinkat 263
#define NR_renameat 264
#define NR_linkat 265
#define NR_symlinkat 266
#define NR_fchmodat 268
#define NR_accept4 288
#define NR_sendmmsg 307
#define NR_finit_module 313
#define NR_renameat2 316
#define NR_memfd_create 319
#define NR_bpf 321
#define NR_pkey_mprotect 329
#define NR_openat2 437
#define NR_fchmodat2 452
#define NR_setxattrat 463


/* Syscall arguments as read from the saved user registers at sys_exit. On x86_64 the
 * argument registers in pt_regs are not changed by the kernel while the syscall runs, so
 * reading them at exit gives what the syscall used (and no per-thread map is needed). */
struct sc_args {
	u64 a[6];
	long ret;
	u32 nr;
	u32 _pad;
};

static __always_inline void sc_read(struct sc_args *s, struct pt_regs *regs, long ret, u32 nr)
{
	s->a[0] = BPF_CORE_READ(regs, di);
	s->a[1] = BPF_CORE_READ(regs, si);
	s->a[2] = BPF_CORE_READ(regs, dx);
	s->a[3] = BPF_CORE_READ(regs, r10);
	s->a[4] = BPF_CORE_READ(regs, r8);
	s->a[5] = BPF_CORE_READ(regs, r9);
	s->ret = ret;
	s->nr = nr;
}

/* ia32 syscalls use another numbering; they are counted and skipped. */
static __always_inline int in_compat_syscall(void)
{
	struct task_struct *t = bpf_get_current_task_btf();
	if (BPF_CORE_READ(t, thread_info.status) & TS_COMPAT) {
		ctr_inc(KESTREL_CTR_COMPAT);
		return 1;
	}
	return 0;
}

static __always_inline u32 current_tgid(void)
{
	return bpf_get_current_pid_tgid() >> 32;
}

#endif /* KESTREL_COMMON_H */
