// SPDX-License-Identifier: GPL-2.0-only OR Apache-2.0
/*
 * process.bpf.c: process lifecycle (exec, fork, exit) and the process context map.
 *
 *   tp_btf/sched_process_exec  -> KESTREL_EV_EXEC, kestrel_proc[tgid] updated (trust level)
 *   tp_btf/sched_process_fork  -> KESTREL_EV_FORK for new thread groups, kestrel_proc[child]
 *   tp_btf/sched_process_exit  -> KESTREL_EV_EXIT once per thread group, kestrel_proc deleted
 */
#include "common.h"

char LICENSE[] SEC("license") = "GPL";

#define SIGNAL_GROUP_EXIT 0x00000004 /* include/linux/sched/signal.h */

/* One exit record per thread group: threads that die together may all see live == 0,
 * the first to insert its (tgid, start) key here emits. */
struct exit_key {
	u32 tgid;
	u32 _pad;
	u64 start;
};
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct exit_key);
	__type(value, u8);
} pending_exit SEC(".maps");

static __always_inline u8 trust_level(u64 ino, u32 dev, u32 mntns)
{
	struct kestrel_trust_key k = {};
	k.ino = ino;
	k.dev = dev;
	k.mntns = mntns;
	struct kestrel_trust_val *v = bpf_map_lookup_elem(&kestrel_trust, &k);
	if (!v) {
		k.mntns = 0;
		v = bpf_map_lookup_elem(&kestrel_trust, &k);
	}
	if (!v || v->level > KESTREL_LEVEL_MINIMAL)
		return KESTREL_LEVEL_FULL;
	return v->level;
}

static __always_inline void stdio_info(struct task_struct *t, int fd, struct kestrel_stdio *s)
{
	struct file *f = fd_file(t, fd);
	s->kind = KESTREL_FD_NONE;
	s->_pad = 0;
	s->family = 0;
	s->rdev = 0;
	if (!f)
		return;
	struct inode *ino = BPF_CORE_READ(f, f_inode);
	umode_t mode = BPF_CORE_READ(ino, i_mode);
	switch (mode & S_IFMT) {
	case S_IFCHR: {
		u32 rdev = BPF_CORE_READ(ino, i_rdev);
		u32 major = rdev >> MINORBITS;
		s->rdev = rdev;
		s->kind = (major == 4 || major == 5 || (major >= 136 && major <= 143)) ? KESTREL_FD_TTY
										       : KESTREL_FD_CHAR;
		break;
	}
	case S_IFIFO:
		s->kind = KESTREL_FD_PIPE;
		break;
	case S_IFSOCK: {
		struct socket *sock = BPF_CORE_READ(f, private_data);
		s->kind = KESTREL_FD_SOCKET;
		s->family = BPF_CORE_READ(sock, sk, __sk_common.skc_family);
		break;
	}
	case S_IFREG:
		s->kind = KESTREL_FD_FILE;
		break;
	case S_IFDIR:
		s->kind = KESTREL_FD_DIR;
		break;
	default:
		s->kind = KESTREL_FD_OTHER;
	}
}

/* ------------------------------------------------------------ environment scan */

struct env_ctx {
	u64 p; /* next user address to read */
	u64 end;
	u32 start; /* record offset where the env list starts */
	u32 off; /* record offset where the next entry goes */
	u32 cont; /* p is inside an entry (the previous read was cut) */
	u32 trunc;
};

static __always_inline int lit_eq(const u8 *s, const char *lit, int n)
{
	for (int i = 0; i < n; i++) {
		if (s[i] != (u8)lit[i])
			return 0;
	}
	return 1;
}

/* LD_PRELOAD, LD_LIBRARY_PATH, HISTFILE, HISTSIZE, PROMPT_COMMAND */
static __always_inline int env_interesting(const u8 *s)
{
	switch (s[0]) {
	case 'L':
		return lit_eq(s, "LD_PRELOAD=", 11) || lit_eq(s, "LD_LIBRARY_PATH=", 16);
	case 'H':
		return lit_eq(s, "HISTFILE=", 9) || lit_eq(s, "HISTSIZE=", 9);
	case 'P':
		return lit_eq(s, "PROMPT_COMMAND=", 15);
	}
	return 0;
}

static long env_cb(u32 i, void *arg)
{
	struct env_ctx *c = arg;
	if (c->p >= c->end)
		return 1;
	u8 *tmp = tmp_buf();
	u8 *rec = rec_buf();
	if (!tmp || !rec)
		return 1;
	long n = bpf_probe_read_user_str(tmp, KESTREL_ENV_ENTRY_MAX, (const void *)c->p);
	if (n <= 0)
		return 1;
	u32 was_cont = c->cont;
	if (n >= KESTREL_ENV_ENTRY_MAX) {
		c->p += n - 1; /* cut: the rest of this entry follows */
		c->cont = 1;
	} else {
		c->p += n;
		c->cont = 0;
	}
	if (was_cont || n <= 1 || !env_interesting(tmp))
		return 0;
	u32 len = n - 1;
	if (n >= KESTREL_ENV_ENTRY_MAX)
		c->trunc = 1;
	u32 off = c->off;
	u32 used = off - c->start;
	u32 sep = used ? 1 : 0;
	if (used + sep + len > KESTREL_ENV_MAX) {
		c->trunc = 1;
		return 1;
	}
	if (off > KESTREL_RECORD_MAX - KESTREL_ENV_ENTRY_MAX - 1)
		return 1;
	if (sep)
		rec[off++] = 0;
	if (len > KESTREL_ENV_ENTRY_MAX - 1)
		len = KESTREL_ENV_ENTRY_MAX - 1;
	bpf_probe_read_kernel(rec + off, len, tmp);
	c->off = off + len;
	return 0;
}

/* ------------------------------------------------------------------------ exec */

SEC("tp_btf/sched_process_exec")
int BPF_PROG(kestrel_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	u32 tgid = BPF_CORE_READ(p, tgid);
	struct file *exe = BPF_CORE_READ(bprm, file);
	struct inode *ino = BPF_CORE_READ(exe, f_inode);
	u64 exe_ino = BPF_CORE_READ(ino, i_ino);
	u32 exe_dev = BPF_CORE_READ(ino, i_sb, s_dev);
	u32 mntns = BPF_CORE_READ(p, nsproxy, mnt_ns, ns.inum);
	u64 now = bpf_ktime_get_boot_ns();

	/* process context: the trust level is decided here, for the image now running */
	struct kestrel_proc np = {};
	struct kestrel_proc *old = bpf_map_lookup_elem(&kestrel_proc, &tgid);
	np.exec_id = old ? old->exec_id + 1 : 1;
	np.start_time = BPF_CORE_READ(p, group_leader, start_boottime);
	np.exec_time = now;
	np.exe_ino = exe_ino;
	np.exe_dev = exe_dev;
	struct signal_struct *sig = BPF_CORE_READ(p, signal);
	np.sid = pid_nr0(BPF_CORE_READ(sig, pids[PIDTYPE_SID]));
	np.pgid = pid_nr0(BPF_CORE_READ(sig, pids[PIDTYPE_PGID]));
	np.level = trust_level(exe_ino, exe_dev, mntns);
	bpf_map_update_elem(&kestrel_proc, &tgid, &np, BPF_ANY);

	u8 level;
	if (!kestrel_admit(KESTREL_EV_EXEC, tgid, &level))
		return 0;
	u8 *rec = rec_buf();
	if (!rec)
		return 0;
	struct kestrel_exec *e = (void *)rec;
	fill_hdr(&e->hdr, p, KESTREL_EV_EXEC, level, 1);
	e->hdr.ktime = now;

	e->exe_ino = exe_ino;
	e->exe_dev = exe_dev;
	e->exe_nlink = BPF_CORE_READ(ino, i_nlink);
	e->exe_mode = BPF_CORE_READ(ino, i_mode);
	e->_pad0 = 0;
	e->exe_uid = BPF_CORE_READ(ino, i_uid.val);
	e->argc = BPF_CORE_READ(bprm, argc);
	e->envc = BPF_CORE_READ(bprm, envc);
	e->exec_id = np.exec_id;
	e->old_tid = old_pid;
	stdio_info(p, 0, &e->stdio[0]);
	stdio_info(p, 1, &e->stdio[1]);
	stdio_info(p, 2, &e->stdio[2]);

	struct out o = { .off = sizeof(*e), .trunc = 0 };
	struct kestrel_path tp;

	/* d0 filename */
	const char *filename = BPF_CORE_READ(bprm, filename);
	PUT_KSTR(rec, &o, &e->filename, filename, KESTREL_PATH_MAX, 0);

	/* d1 exe: the file actually run */
	put_walk(&o, BPF_CORE_READ(exe, f_path.dentry), BPF_CORE_READ(exe, f_path.mnt), &tp, 1);
	e->exe.off = tp.off;
	e->exe.len = tp.len;

	/* d2 interp */
	const char *interp = BPF_CORE_READ(bprm, interp);
	e->interp.off = 0;
	e->interp.len = 0;
	if (interp != filename)
		PUT_KSTR(rec, &o, &e->interp, interp, KESTREL_INTERP_MAX, 2);

	/* d3 cwd */
	put_walk(&o, BPF_CORE_READ(p, fs, pwd.dentry), BPF_CORE_READ(p, fs, pwd.mnt), &tp, 3);
	e->cwd.off = tp.off;
	e->cwd.len = tp.len;

	/* d4 argv */
	struct mm_struct *mm = BPF_CORE_READ(p, mm);
	u64 astart = BPF_CORE_READ(mm, arg_start);
	u64 aend = BPF_CORE_READ(mm, arg_end);
	e->argv.off = 0;
	e->argv.len = 0;
	if (aend > astart) {
		u64 alen = aend - astart;
		if (alen > KESTREL_ARGV_MAX) {
			alen = KESTREL_ARGV_MAX;
			o.trunc |= 1u << 4;
		}
		u32 at = o.off;
		if (at <= KESTREL_RECORD_MAX - KESTREL_ARGV_MAX &&
		    bpf_probe_read_user(rec + at, alen, (const void *)astart) == 0) {
			u32 l = alen;
			if (l > 0 && rec[(at + l - 1) & (KESTREL_RECORD_MAX - 1)] == 0)
				l--;
			e->argv.off = at;
			e->argv.len = l;
			o.off = at + l;
		} else {
			o.trunc |= 1u << 4;
		}
	}

	/* d5 env: only the variables that matter to detection */
	struct env_ctx ec = {};
	ec.p = BPF_CORE_READ(mm, env_start);
	ec.end = BPF_CORE_READ(mm, env_end);
	ec.start = o.off;
	ec.off = o.off;
	bpf_loop(KESTREL_ENV_SCAN, env_cb, &ec, 0);
	e->env.off = ec.off > ec.start ? ec.start : 0;
	e->env.len = ec.off - ec.start;
	if (ec.trunc)
		o.trunc |= 1u << 5;
	o.off = ec.off;

	kestrel_submit(rec, o.off, o.trunc);
	return 0;
}

/* ------------------------------------------------------------------------ fork */

SEC("tp_btf/sched_process_fork")
int BPF_PROG(kestrel_fork, struct task_struct *parent, struct task_struct *child)
{
	u32 ctgid = BPF_CORE_READ(child, tgid);
	if ((u32)BPF_CORE_READ(child, pid) != ctgid)
		return 0; /* a new thread, not a process */
	u32 ptgid = BPF_CORE_READ(parent, tgid);

	struct kestrel_proc np = {};
	struct kestrel_proc *pp = bpf_map_lookup_elem(&kestrel_proc, &ptgid);
	if (pp) {
		np.exe_ino = pp->exe_ino;
		np.exe_dev = pp->exe_dev;
		np.level = pp->level; /* the trust level is inherited until the next exec */
	}
	np.start_time = BPF_CORE_READ(child, start_boottime);
	struct signal_struct *sig = BPF_CORE_READ(child, signal);
	np.sid = pid_nr0(BPF_CORE_READ(sig, pids[PIDTYPE_SID]));
	np.pgid = pid_nr0(BPF_CORE_READ(sig, pids[PIDTYPE_PGID]));
	bpf_map_update_elem(&kestrel_proc, &ctgid, &np, BPF_ANY);

	struct kestrel_config *cfg = kestrel_cfg();
	if (cfg && cfg->self_tgid && cfg->self_tgid == ptgid) {
		ctr_inc(KESTREL_CTR_SELF);
		return 0;
	}
	u8 level;
	if (!kestrel_admit(KESTREL_EV_FORK, ctgid, &level))
		return 0;
	u8 *rec = rec_buf();
	if (!rec)
		return 0;
	struct kestrel_fork *e = (void *)rec;
	fill_hdr(&e->hdr, child, KESTREL_EV_FORK, level, 0);
	e->parent_tid = BPF_CORE_READ(parent, pid);
	e->_pad0 = 0;
	kestrel_submit(rec, sizeof(*e), 0);
	return 0;
}

/* ------------------------------------------------------------------------ exit */

SEC("tp_btf/sched_process_exit")
int BPF_PROG(kestrel_exit, struct task_struct *p)
{
	struct signal_struct *sig = BPF_CORE_READ(p, signal);
	if (BPF_CORE_READ(sig, live.counter) != 0)
		return 0; /* other threads still run */
	u32 tgid = BPF_CORE_READ(p, tgid);
	struct exit_key k = {};
	k.tgid = tgid;
	k.start = BPF_CORE_READ(p, group_leader, start_boottime);
	u8 one = 1;
	if (bpf_map_update_elem(&pending_exit, &k, &one, BPF_NOEXIST) != 0)
		return 0; /* another thread of this group reported it */

	u8 level;
	if (kestrel_admit(KESTREL_EV_EXIT, tgid, &level)) {
		u8 *rec = rec_buf();
		if (rec) {
			struct kestrel_exit *e = (void *)rec;
			fill_hdr(&e->hdr, p, KESTREL_EV_EXIT, level, 1);
			/* what wait(2) reports: the group exit code, else the leader's */
			if (BPF_CORE_READ(sig, flags) & SIGNAL_GROUP_EXIT)
				e->exit_code = BPF_CORE_READ(sig, group_exit_code);
			else
				e->exit_code = BPF_CORE_READ(p, group_leader, exit_code);
			e->_pad0 = 0;
			kestrel_submit(rec, sizeof(*e), 0);
		}
	}
	bpf_map_delete_elem(&kestrel_proc, &tgid);
	return 0;
}
