// SPDX-License-Identifier: GPL-2.0-only OR Apache-2.0
/*
 * proc_change.bpf.c: changes a process makes to itself or others.
 *
 *   tp_btf/sys_enter  set*id family only: remembers the ids before the call (pending_creds)
 *   tp_btf/sys_exit   setsid, setpgid, set[re|res|fs]uid/gid, ptrace, prctl, memfd_create,
 *                     mmap/mprotect/pkey_mprotect with PROT_EXEC, init_module/finit_module,
 *                     bpf(BPF_PROG_LOAD), mount, setxattr family
 *
 * Arguments are read from the saved user registers at sys_exit, together with the result.
 */
#include "common.h"

char LICENSE[] SEC("license") = "GPL";

/* ids before a set*id call, keyed by tid (written at sys_enter, consumed at sys_exit) */
struct pending_cred {
	u32 ids[4]; /* real, effective, saved, fs */
};
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, u32);
	__type(value, struct pending_cred);
} pending_creds SEC(".maps");

static __always_inline int is_uid_call(u32 nr)
{
	return nr == NR_setuid || nr == NR_setreuid || nr == NR_setresuid || nr == NR_setfsuid;
}

static __always_inline int is_gid_call(u32 nr)
{
	return nr == NR_setgid || nr == NR_setregid || nr == NR_setresgid || nr == NR_setfsgid;
}

static __always_inline void read_ids(int uids, u32 ids[4])
{
	struct task_struct *t = bpf_get_current_task_btf();
	const struct cred *c = BPF_CORE_READ(t, real_cred);
	if (uids) {
		ids[0] = BPF_CORE_READ(c, uid.val);
		ids[1] = BPF_CORE_READ(c, euid.val);
		ids[2] = BPF_CORE_READ(c, suid.val);
		ids[3] = BPF_CORE_READ(c, fsuid.val);
	} else {
		ids[0] = BPF_CORE_READ(c, gid.val);
		ids[1] = BPF_CORE_READ(c, egid.val);
		ids[2] = BPF_CORE_READ(c, sgid.val);
		ids[3] = BPF_CORE_READ(c, fsgid.val);
	}
}

SEC("tp_btf/sys_enter")
int BPF_PROG(kestrel_pc_enter, struct pt_regs *regs, long id)
{
	u32 nr = id;
	int uids = is_uid_call(nr);
	if (!uids && !is_gid_call(nr))
		return 0;
	if (in_compat_syscall())
		return 0;
	struct pending_cred pc = {};
	read_ids(uids, pc.ids);
	u32 tid = bpf_get_current_pid_tgid();
	bpf_map_update_elem(&pending_creds, &tid, &pc, BPF_ANY);
	return 0;
}

/* ------------------------------------------------------------------ handlers */

static __noinline int on_setid(struct sc_args *s)
{
	u32 type = s->nr == NR_setsid ? KESTREL_EV_SETSID : KESTREL_EV_SETPGID;
	u32 tgid = current_tgid();
	if (s->ret >= 0) {
		struct kestrel_proc *p = bpf_map_lookup_elem(&kestrel_proc, &tgid);
		if (p) {
			struct signal_struct *sig = BPF_CORE_READ(bpf_get_current_task_btf(), signal);
			p->sid = pid_nr0(BPF_CORE_READ(sig, pids[PIDTYPE_SID]));
			p->pgid = pid_nr0(BPF_CORE_READ(sig, pids[PIDTYPE_PGID]));
		}
	}
	u8 level;
	if (!kestrel_admit(type, tgid, &level))
		return 0;
	u8 *rec = rec_begin(type, level);
	if (!rec)
		return 0;
	struct kestrel_setid *e = (void *)rec;
	e->result = s->ret;
	e->pid = type == KESTREL_EV_SETPGID ? s->a[0] : 0;
	e->pgid = type == KESTREL_EV_SETPGID ? s->a[1] : 0;
	e->_pad0 = 0;
	return kestrel_submit(rec, sizeof(*e), 0);
}

static __noinline int on_cred(struct sc_args *s)
{
	u32 nr = s->nr;
	int uids = is_uid_call(nr);
	u32 type = uids ? KESTREL_EV_UID_CHANGE : KESTREL_EV_GID_CHANGE;
	u32 tid = bpf_get_current_pid_tgid();
	struct pending_cred old = {};
	struct pending_cred *pc = bpf_map_lookup_elem(&pending_creds, &tid);
	if (pc) {
		old = *pc;
		bpf_map_delete_elem(&pending_creds, &tid);
	}
	u8 level;
	if (!kestrel_admit(type, current_tgid(), &level))
		return 0;
	u8 *rec = rec_begin(type, level);
	if (!rec)
		return 0;
	struct kestrel_cred_change *e = (void *)rec;
	e->result = s->ret;
	e->syscall = nr;
	int nargs = 1;
	if (nr == NR_setreuid || nr == NR_setregid)
		nargs = 2;
	else if (nr == NR_setresuid || nr == NR_setresgid)
		nargs = 3;
	e->args[0] = s->a[0];
	e->args[1] = nargs > 1 ? (u32)s->a[1] : (u32)-1;
	e->args[2] = nargs > 2 ? (u32)s->a[2] : (u32)-1;
	__builtin_memcpy(e->old_ids, old.ids, sizeof(old.ids));
	read_ids(uids, e->new_ids);
	e->_pad0 = 0;
	return kestrel_submit(rec, sizeof(*e), 0);
}

static __noinline int on_ptrace(struct sc_args *s)
{
	u8 level;
	if (!kestrel_admit(KESTREL_EV_PTRACE, current_tgid(), &level))
		return 0;
	u8 *rec = rec_begin(KESTREL_EV_PTRACE, level);
	if (!rec)
		return 0;
	struct kestrel_ptrace *e = (void *)rec;
	e->result = s->ret;
	e->request = s->a[0];
	e->target_pid = s->a[1];
	e->_pad0 = 0;
	e->addr = s->a[2];
	e->data = s->a[3];
	return kestrel_submit(rec, sizeof(*e), 0);
}

/* prctl options that only read state are not events. */
static __always_inline int prctl_is_query(u32 opt)
{
	switch (opt) {
	case 2: /* PR_GET_PDEATHSIG */
	case 3: /* PR_GET_DUMPABLE */
	case 5: /* PR_GET_UNALIGN */
	case 7: /* PR_GET_KEEPCAPS */
	case 9: /* PR_GET_FPEMU */
	case 11: /* PR_GET_FPEXC */
	case 13: /* PR_GET_TIMING */
	case 16: /* PR_GET_NAME */
	case 19: /* PR_GET_ENDIAN */
	case 21: /* PR_GET_SECCOMP */
	case 23: /* PR_CAPBSET_READ */
	case 25: /* PR_GET_TSC */
	case 27: /* PR_GET_SECUREBITS */
	case 30: /* PR_GET_TIMERSLACK */
	case 34: /* PR_MCE_KILL_GET */
	case 37: /* PR_GET_CHILD_SUBREAPER */
	case 39: /* PR_GET_NO_NEW_PRIVS */
	case 40: /* PR_GET_TID_ADDRESS */
	case 42: /* PR_GET_THP_DISABLE */
	case 46: /* PR_GET_FP_MODE */
	case 52: /* PR_GET_SPECULATION_CTRL */
		return 1;
	}
	return 0;
}

static __noinline int on_prctl(struct sc_args *s)
{
	u32 opt = s->a[0];
	if (prctl_is_query(opt))
		return 0;
	u8 level;
	if (!kestrel_admit(KESTREL_EV_PRCTL, current_tgid(), &level))
		return 0;
	u8 *rec = rec_begin(KESTREL_EV_PRCTL, level);
	if (!rec)
		return 0;
	struct kestrel_prctl *e = (void *)rec;
	struct out o = { .off = sizeof(*e), .trunc = 0 };
	e->result = s->ret;
	e->option = opt;
	e->arg2 = s->a[1];
	e->arg3 = s->a[2];
	e->_pad0 = 0;
	e->name.off = 0;
	e->name.len = 0;
	if (opt == PR_SET_NAME)
		PUT_USTR(rec, &o, &e->name, (const char *)s->a[1], 16, 0);
	return kestrel_submit(rec, o.off, o.trunc);
}

static __noinline int on_memfd(struct sc_args *s)
{
	u8 level;
	if (!kestrel_admit(KESTREL_EV_MEMFD_CREATE, current_tgid(), &level))
		return 0;
	u8 *rec = rec_begin(KESTREL_EV_MEMFD_CREATE, level);
	if (!rec)
		return 0;
	struct kestrel_memfd *e = (void *)rec;
	struct out o = { .off = sizeof(*e), .trunc = 0 };
	e->result = s->ret;
	e->flags = s->a[1];
	e->_pad0 = 0;
	PUT_USTR(rec, &o, &e->name, (const char *)s->a[0], KESTREL_NAME_MAX, 0);
	return kestrel_submit(rec, o.off, o.trunc);
}

/* ------------------------------------------------------- mmap / mprotect exec */

struct vma_ctx {
	struct file *file;
};

static long vma_cb(struct task_struct *task, struct vm_area_struct *vma, void *data)
{
	struct vma_ctx *c = data;
	c->file = BPF_CORE_READ(vma, vm_file);
	return 0;
}

/* Is an executable mapping of file f worth reporting? Anonymous, non-regular (device,
 * shm) and unlinked (memfd, deleted) backings always are; linked regular files (library
 * loads) only with KESTREL_CFG_MMAP_ALL_FILES. */
static __always_inline int exec_map_wanted(struct file *f)
{
	if (!f)
		return 1;
	struct inode *ino = BPF_CORE_READ(f, f_inode);
	if ((BPF_CORE_READ(ino, i_mode) & S_IFMT) != S_IFREG)
		return 1;
	if (BPF_CORE_READ(ino, i_nlink) == 0)
		return 1;
	struct kestrel_config *cfg = kestrel_cfg();
	return cfg && (cfg->flags & KESTREL_CFG_MMAP_ALL_FILES);
}

static __noinline int on_mmap(struct sc_args *s)
{
	u32 prot = s->a[2];
	if (!(prot & PROT_EXEC))
		return 0;
	int is_mmap = s->nr == NR_mmap;
	u32 type = is_mmap ? KESTREL_EV_MMAP_EXEC : KESTREL_EV_MPROTECT_EXEC;
	u32 tgid = current_tgid();
	u32 mflags = is_mmap ? s->a[3] : 0;
	int fd = is_mmap ? (int)s->a[4] : -1;
	int ok = s->ret >= 0 || (unsigned long)s->ret < (unsigned long)-4095;
	struct file *f = 0;
	if (is_mmap) {
		if (!(mflags & MAP_ANONYMOUS) && fd >= 0)
			f = fd_file(bpf_get_current_task_btf(), fd);
	} else if (ok) {
		struct vma_ctx vc = {};
		bpf_find_vma(bpf_get_current_task_btf(), s->a[0], vma_cb, &vc, 0);
		f = vc.file;
	}
	if (!exec_map_wanted(f)) {
		kestrel_filtered(type, tgid);
		return 0;
	}
	u8 level;
	if (!kestrel_admit(type, tgid, &level))
		return 0;
	u8 *rec = rec_begin(type, level);
	if (!rec)
		return 0;
	struct kestrel_mmap *e = (void *)rec;
	struct out o = { .off = sizeof(*e), .trunc = 0 };
	e->addr = is_mmap && ok ? (u64)s->ret : s->a[0];
	e->len = s->a[1];
	e->result = ok ? 0 : s->ret;
	e->prot = prot;
	e->mmap_flags = mflags;
	e->fd = fd;
	e->file_ino = 0;
	e->file_dev = 0;
	e->file_nlink = 0;
	e->file_mode = 0;
	e->_pad0 = 0;
	e->path.off = 0;
	e->path.len = 0;
	if (f) {
		struct inode *ino = BPF_CORE_READ(f, f_inode);
		struct kestrel_path tp;
		e->file_ino = BPF_CORE_READ(ino, i_ino);
		e->file_dev = BPF_CORE_READ(ino, i_sb, s_dev);
		e->file_nlink = BPF_CORE_READ(ino, i_nlink);
		e->file_mode = BPF_CORE_READ(ino, i_mode);
		put_walk(&o, BPF_CORE_READ(f, f_path.dentry), BPF_CORE_READ(f, f_path.mnt), &tp, 0);
		e->path.off = tp.off;
		e->path.len = tp.len;
	}
	return kestrel_submit(rec, o.off, o.trunc);
}

/* ------------------------------------------------------------- kernel modules */

/* init_module gets the module image in user memory: its name is the `name` field of the
 * struct module in section .gnu.linkonce.this_module. The section headers are scanned. */
struct elf_ctx {
	u64 img;
	u64 len;
	u64 shoff;
	u64 strtab;
	u32 shnum;
	u32 found;
	u64 mod_off;
};

static long elf_cb(u32 i, void *arg)
{
	struct elf_ctx *c = arg;
	if (i >= c->shnum)
		return 1;
	u64 sh = c->img + c->shoff + (u64)i * 64;
	u32 sh_name = 0;
	u64 sh_offset = 0;
	if (bpf_probe_read_user(&sh_name, 4, (const void *)sh) ||
	    bpf_probe_read_user(&sh_offset, 8, (const void *)(sh + 24)))
		return 1;
	char nm[26] = {};
	if (bpf_probe_read_user(nm, sizeof(nm), (const void *)(c->img + c->strtab + sh_name)))
		return 0;
	const char want[26] = ".gnu.linkonce.this_module";
	for (int k = 0; k < 26; k++)
		if (nm[k] != want[k])
			return 0;
	c->found = 1;
	c->mod_off = sh_offset;
	return 1;
}

static __noinline int on_module(struct sc_args *s)
{
	u8 level;
	if (!kestrel_admit(KESTREL_EV_MODULE_LOAD, current_tgid(), &level))
		return 0;
	u8 *rec = rec_begin(KESTREL_EV_MODULE_LOAD, level);
	if (!rec)
		return 0;
	struct kestrel_module *e = (void *)rec;
	struct out o = { .off = sizeof(*e), .trunc = 0 };
	int init = s->nr == NR_init_module;
	e->result = s->ret;
	e->syscall = s->nr;
	e->fd = init ? -1 : (int)s->a[0];
	e->flags = init ? 0 : s->a[2];
	e->image_len = init ? s->a[1] : 0;
	e->_pad0 = 0;
	e->name.off = e->name.len = 0;
	e->path.off = e->path.len = 0;
	if (init) {
		struct elf_ctx c = {};
		u8 ident[4] = {};
		c.img = s->a[0];
		c.len = s->a[1];
		bpf_probe_read_user(ident, 4, (const void *)c.img);
		if (ident[0] == 0x7f && ident[1] == 'E' && ident[2] == 'L' && ident[3] == 'F') {
			u16 shnum = 0, shstrndx = 0;
			bpf_probe_read_user(&c.shoff, 8, (const void *)(c.img + 0x28));
			bpf_probe_read_user(&shnum, 2, (const void *)(c.img + 0x3c));
			bpf_probe_read_user(&shstrndx, 2, (const void *)(c.img + 0x3e));
			c.shnum = shnum;
			bpf_probe_read_user(&c.strtab, 8,
					    (const void *)(c.img + c.shoff + (u64)shstrndx * 64 + 24));
			bpf_loop(128, elf_cb, &c, 0);
			u32 name_off = 24;
			if (bpf_core_type_exists(struct module))
				name_off = bpf_core_field_offset(struct module, name);
			if (c.found && c.mod_off < c.len)
				PUT_USTR(rec, &o, &e->name, (const char *)(c.img + c.mod_off + name_off),
					 56, 0);
		}
	} else {
		struct kestrel_path tp;
		put_fd_path(&o, (int)s->a[0], &tp, 1);
		e->path.off = tp.off;
		e->path.len = tp.len;
	}
	PUT_USTR(rec, &o, &e->args, (const char *)(init ? s->a[2] : s->a[1]), KESTREL_NAME_MAX, 2);
	return kestrel_submit(rec, o.off, o.trunc);
}

/* ------------------------------------------------------------------------ bpf */

static __noinline int on_bpf(struct sc_args *s)
{
	if ((u32)s->a[0] != BPF_PROG_LOAD)
		return 0;
	u8 level;
	if (!kestrel_admit(KESTREL_EV_BPF_PROG_LOAD, current_tgid(), &level))
		return 0;
	u8 *rec = rec_begin(KESTREL_EV_BPF_PROG_LOAD, level);
	if (!rec)
		return 0;
	struct kestrel_bpf *e = (void *)rec;
	const void *attr = (const void *)s->a[1];
	u32 size = s->a[2];
	e->result = s->ret;
	e->cmd = s->a[0];
	e->prog_type = 0;
	e->insn_cnt = 0;
	e->prog_flags = 0;
	e->expected_attach_type = 0;
	__builtin_memset(e->prog_name, 0, sizeof(e->prog_name));
	bpf_probe_read_user(&e->prog_type, 4, attr + __builtin_offsetof(union bpf_attr, prog_type));
	bpf_probe_read_user(&e->insn_cnt, 4, attr + __builtin_offsetof(union bpf_attr, insn_cnt));
	if (size >= __builtin_offsetof(union bpf_attr, prog_flags) + 4)
		bpf_probe_read_user(&e->prog_flags, 4,
				    attr + __builtin_offsetof(union bpf_attr, prog_flags));
	if (size >= __builtin_offsetof(union bpf_attr, prog_name) + 16)
		bpf_probe_read_user(e->prog_name, 16,
				    attr + __builtin_offsetof(union bpf_attr, prog_name));
	if (size >= __builtin_offsetof(union bpf_attr, expected_attach_type) + 4)
		bpf_probe_read_user(&e->expected_attach_type, 4,
				    attr + __builtin_offsetof(union bpf_attr, expected_attach_type));
	return kestrel_submit(rec, sizeof(*e), 0);
}

/* ---------------------------------------------------------------------- mount */

static __noinline int on_mount(struct sc_args *s)
{
	u8 level;
	if (!kestrel_admit(KESTREL_EV_MOUNT, current_tgid(), &level))
		return 0;
	u8 *rec = rec_begin(KESTREL_EV_MOUNT, level);
	if (!rec)
		return 0;
	struct kestrel_mount *e = (void *)rec;
	struct out o = { .off = sizeof(*e), .trunc = 0 };
	e->result = s->ret;
	e->_pad0 = 0;
	e->flags = s->a[3];
	PUT_USTR(rec, &o, &e->source, (const char *)s->a[0], KESTREL_NAME_MAX, 0);
	PUT_USTR(rec, &o, &e->fstype, (const char *)s->a[2], KESTREL_FSTYPE_MAX, 1);
	put_user_path(&o, AT_FDCWD, (const char *)s->a[1], &e->target, 2);
	return kestrel_submit(rec, o.off, o.trunc);
}

/* ------------------------------------------------------------------- setxattr */

static __noinline int on_setxattr(struct sc_args *s)
{
	u8 level;
	if (!kestrel_admit(KESTREL_EV_SETXATTR, current_tgid(), &level))
		return 0;
	u8 *rec = rec_begin(KESTREL_EV_SETXATTR, level);
	if (!rec)
		return 0;
	struct kestrel_xattr *e = (void *)rec;
	struct out o = { .off = sizeof(*e), .trunc = 0 };
	u32 nr = s->nr;
	const char *name;
	e->result = s->ret;
	e->syscall = nr;
	if (nr == NR_setxattrat) {
		struct {
			u64 value;
			u32 size;
			u32 flags;
		} xa = {};
		bpf_probe_read_user(&xa, sizeof(xa), (const void *)s->a[4]);
		e->fd = s->a[0];
		e->size = xa.size;
		e->flags = xa.flags;
		name = (const char *)s->a[3];
	} else {
		e->fd = nr == NR_fsetxattr ? (int)s->a[0] : AT_FDCWD;
		e->size = s->a[3];
		e->flags = s->a[4];
		name = (const char *)s->a[1];
	}
	PUT_USTR(rec, &o, &e->name, name, KESTREL_NAME_MAX, 0);
	if (nr == NR_fsetxattr)
		put_fd_path(&o, (int)s->a[0], &e->path, 1);
	else if (nr == NR_setxattrat)
		put_user_path(&o, (int)s->a[0], (const char *)s->a[1], &e->path, 1);
	else
		put_user_path(&o, AT_FDCWD, (const char *)s->a[0], &e->path, 1);
	return kestrel_submit(rec, o.off, o.trunc);
}

/* ------------------------------------------------------------------- dispatch */

SEC("tp_btf/sys_exit")
int BPF_PROG(kestrel_pc_exit, struct pt_regs *regs, long ret)
{
	u32 nr = BPF_CORE_READ(regs, orig_ax);
	switch (nr) {
	case NR_mmap:
	case NR_mprotect:
	case NR_pkey_mprotect:
	case NR_setsid:
	case NR_setpgid:
	case NR_setuid:
	case NR_setreuid:
	case NR_setresuid:
	case NR_setfsuid:
	case NR_setgid:
	case NR_setregid:
	case NR_setresgid:
	case NR_setfsgid:
	case NR_ptrace:
	case NR_prctl:
	case NR_memfd_create:
	case NR_init_module:
	case NR_finit_module:
	case NR_bpf:
	case NR_mount:
	case NR_setxattr:
	case NR_lsetxattr:
	case NR_fsetxattr:
	case NR_setxattrat:
		break;
	default:
		return 0;
	}
	if (in_compat_syscall())
		return 0;
	struct sc_args s = {};
	sc_read(&s, regs, ret, nr);
	switch (nr) {
	case NR_mmap:
	case NR_mprotect:
	case NR_pkey_mprotect:
		return on_mmap(&s);
	case NR_setsid:
	case NR_setpgid:
		return on_setid(&s);
	case NR_ptrace:
		return on_ptrace(&s);
	case NR_prctl:
		return on_prctl(&s);
	case NR_memfd_create:
		return on_memfd(&s);
	case NR_init_module:
	case NR_finit_module:
		return on_module(&s);
	case NR_bpf:
		return on_bpf(&s);
	case NR_mount:
		return on_mount(&s);
	case NR_setxattr:
	case NR_lsetxattr:
	case NR_fsetxattr:
	case NR_setxattrat:
		return on_setxattr(&s);
	default:
		return on_cred(&s);
	}
}
