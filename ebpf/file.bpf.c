// SPDX-License-Identifier: GPL-2.0-only OR Apache-2.0
/*
 * file.bpf.c: file creation, modification, (optionally) read opens, deletion, rename,
 * attribute changes and links.
 *
 *   tp_btf/sys_exit  open, openat, openat2, creat     -> FILE_CREATE / FILE_MODIFY / FILE_OPEN
 *                    unlink, unlinkat (not AT_REMOVEDIR) -> FILE_DELETE
 *                    rename, renameat, renameat2      -> FILE_RENAME
 *                    chmod, fchmod, fchmodat, fchmodat2 -> FILE_CHMOD
 *                    chown, fchown, lchown, fchownat  -> FILE_CHOWN
 *                    link, linkat                     -> FILE_LINK
 *                    symlink, symlinkat               -> FILE_SYMLINK
 *
 * Open classification uses the opened file: FMODE_CREATED set by the kernel when this
 * open created it -> creation; else O_WRONLY/O_RDWR/O_TRUNC -> modification; else a
 * read-only open. The in-kernel filter (kestrel_config.path_types, kestrel_prefixes,
 * open_flags_mask) runs on the absolute path before anything is submitted.
 */
#include "common.h"

char LICENSE[] SEC("license") = "GPL";

/* ----------------------------------------------------------------------- open */

/* Char devices whose opens are plumbing, not file activity: /dev/null, zero, full,
 * random, urandom (major 1) and terminals (majors 4, 5, 136-143). Opens of these are not
 * events at all. Other devices (/dev/mem, /dev/kmsg, disks, ...) stay visible. */
static __always_inline int quiet_chardev(u32 rdev)
{
	u32 major = rdev >> MINORBITS, minor = rdev & ((1u << MINORBITS) - 1);
	if (major == 1)
		return minor == 3 || minor == 5 || minor == 7 || minor == 8 || minor == 9;
	return major == 4 || major == 5 || (major >= 136 && major <= 143);
}

static __noinline int on_open(struct sc_args *s)
{
	u32 nr = s->nr;
	u32 tgid = current_tgid();
	long dirfd = AT_FDCWD;
	const char *upath;
	u64 flags;
	u32 mode;
	if (nr == NR_open) {
		upath = (const char *)s->a[0];
		flags = s->a[1];
		mode = s->a[2];
	} else if (nr == NR_creat) {
		upath = (const char *)s->a[0];
		flags = O_CREAT | O_WRONLY | O_TRUNC;
		mode = s->a[1];
	} else if (nr == NR_openat) {
		dirfd = (int)s->a[0];
		upath = (const char *)s->a[1];
		flags = s->a[2];
		mode = s->a[3];
	} else { /* openat2: struct open_how { u64 flags, mode, resolve; } */
		u64 how[2] = {};
		dirfd = (int)s->a[0];
		upath = (const char *)s->a[1];
		bpf_probe_read_user(how, sizeof(how), (const void *)s->a[2]);
		flags = how[0];
		mode = how[1];
	}
	int writes = (flags & (O_WRONLY | O_RDWR | O_TRUNC)) != 0;
	u32 type;
	u32 fmode = 0;
	u64 ino = 0;
	u32 dev = 0;
	struct kestrel_config *cfg = kestrel_cfg();
	if (s->ret >= 0) {
		struct file *f = fd_file(bpf_get_current_task_btf(), s->ret);
		struct inode *in = BPF_CORE_READ(f, f_inode);
		umode_t imode = BPF_CORE_READ(in, i_mode);
		if ((imode & S_IFMT) == S_IFCHR && quiet_chardev(BPF_CORE_READ(in, i_rdev)))
			return 0; /* /dev/null, ttys, ...: not file activity */
		fmode = BPF_CORE_READ(f, f_mode);
		ino = BPF_CORE_READ(in, i_ino);
		dev = BPF_CORE_READ(in, i_sb, s_dev);
		type = (fmode & FMODE_CREATED) ? KESTREL_EV_FILE_CREATE
		       : writes		       ? KESTREL_EV_FILE_MODIFY
					       : KESTREL_EV_FILE_OPEN;
	} else {
		type = (flags & O_CREAT) ? KESTREL_EV_FILE_CREATE
		       : writes		 ? KESTREL_EV_FILE_MODIFY
					 : KESTREL_EV_FILE_OPEN;
		if (!cfg || !(cfg->flags & KESTREL_CFG_OPEN_FAILURES)) {
			kestrel_filtered(type, tgid);
			return 0;
		}
	}
	if (cfg && cfg->open_flags_mask && type != KESTREL_EV_FILE_CREATE &&
	    !(flags & cfg->open_flags_mask)) {
		kestrel_filtered(type, tgid);
		return 0;
	}
	u8 level;
	if (!kestrel_admit(type, tgid, &level))
		return 0;
	u8 *rec = rec_begin(type, level);
	if (!rec)
		return 0;
	struct kestrel_file_open *e = (void *)rec;
	struct out o = { .off = sizeof(*e), .trunc = 0 };
	e->result = s->ret;
	e->syscall = nr;
	e->dirfd = dirfd;
	e->open_flags = flags;
	e->mode = mode;
	e->f_mode = fmode;
	e->ino = ino;
	e->dev = dev;
	e->_pad0 = 0;
	put_user_path(&o, dirfd, upath, &e->path, 0);
	if (!path_wanted(rec, e->path.off, e->path.len, type)) {
		kestrel_filtered(type, tgid);
		return 0;
	}
	return kestrel_submit(rec, o.off, o.trunc);
}

/* --------------------------------------------------------------------- delete */

static __noinline int on_unlink(struct sc_args *s)
{
	u32 nr = s->nr;
	long dirfd = nr == NR_unlinkat ? (int)s->a[0] : AT_FDCWD;
	const char *upath = (const char *)(nr == NR_unlinkat ? s->a[1] : s->a[0]);
	u32 flags = nr == NR_unlinkat ? s->a[2] : 0;
	if (flags & AT_REMOVEDIR)
		return 0; /* rmdir: not an event */
	u32 tgid = current_tgid();
	u8 level;
	if (!kestrel_admit(KESTREL_EV_FILE_DELETE, tgid, &level))
		return 0;
	u8 *rec = rec_begin(KESTREL_EV_FILE_DELETE, level);
	if (!rec)
		return 0;
	struct kestrel_file_delete *e = (void *)rec;
	struct out o = { .off = sizeof(*e), .trunc = 0 };
	e->result = s->ret;
	e->syscall = nr;
	e->dirfd = dirfd;
	e->flags = flags;
	put_user_path(&o, dirfd, upath, &e->path, 0);
	if (!path_wanted(rec, e->path.off, e->path.len, KESTREL_EV_FILE_DELETE)) {
		kestrel_filtered(KESTREL_EV_FILE_DELETE, tgid);
		return 0;
	}
	return kestrel_submit(rec, o.off, o.trunc);
}

/* -------------------------------------------------------------- rename, link */

static __noinline int on_rename(struct sc_args *s)
{
	u32 nr = s->nr;
	u32 type = (nr == NR_link || nr == NR_linkat) ? KESTREL_EV_FILE_LINK : KESTREL_EV_FILE_RENAME;
	long odfd = AT_FDCWD, ndfd = AT_FDCWD;
	const char *oldp, *newp;
	u32 flags = 0;
	if (nr == NR_rename || nr == NR_link) {
		oldp = (const char *)s->a[0];
		newp = (const char *)s->a[1];
	} else {
		odfd = (int)s->a[0];
		oldp = (const char *)s->a[1];
		ndfd = (int)s->a[2];
		newp = (const char *)s->a[3];
		if (nr != NR_renameat)
			flags = s->a[4]; /* renameat2 flags, linkat flags */
	}
	u32 tgid = current_tgid();
	u8 level;
	if (!kestrel_admit(type, tgid, &level))
		return 0;
	u8 *rec = rec_begin(type, level);
	if (!rec)
		return 0;
	struct kestrel_file_rename *e = (void *)rec;
	struct out o = { .off = sizeof(*e), .trunc = 0 };
	e->result = s->ret;
	e->syscall = nr;
	e->olddirfd = odfd;
	e->newdirfd = ndfd;
	e->flags = flags;
	e->_pad0 = 0;
	put_user_path(&o, odfd, oldp, &e->oldpath, 0);
	put_user_path(&o, ndfd, newp, &e->newpath, 1);
	if (!path_wanted(rec, e->oldpath.off, e->oldpath.len, type) &&
	    !path_wanted(rec, e->newpath.off, e->newpath.len, type)) {
		kestrel_filtered(type, tgid);
		return 0;
	}
	return kestrel_submit(rec, o.off, o.trunc);
}

/* ---------------------------------------------------------------- chmod, chown */

static __noinline int on_attr(struct sc_args *s)
{
	u32 nr = s->nr;
	int is_chmod = nr == NR_chmod || nr == NR_fchmod || nr == NR_fchmodat || nr == NR_fchmodat2;
	u32 type = is_chmod ? KESTREL_EV_FILE_CHMOD : KESTREL_EV_FILE_CHOWN;
	int by_fd = nr == NR_fchmod || nr == NR_fchown;
	int at = nr == NR_fchmodat || nr == NR_fchmodat2 || nr == NR_fchownat;
	long dirfd = (by_fd || at) ? (int)s->a[0] : AT_FDCWD;
	const char *upath = (const char *)(at ? s->a[1] : s->a[0]);
	u32 tgid = current_tgid();
	u8 level;
	if (!kestrel_admit(type, tgid, &level))
		return 0;
	u8 *rec = rec_begin(type, level);
	if (!rec)
		return 0;
	struct kestrel_file_attr *e = (void *)rec;
	struct out o = { .off = sizeof(*e), .trunc = 0 };
	u32 i = at ? 2 : 1; /* first argument after the file */
	e->result = s->ret;
	e->syscall = nr;
	e->dirfd = dirfd;
	e->mode = 0;
	e->uid = (u32)-1;
	e->gid = (u32)-1;
	e->flags = 0;
	e->_pad0 = 0;
	if (is_chmod) {
		e->mode = at ? s->a[2] : s->a[1];
		if (nr == NR_fchmodat2)
			e->flags = s->a[3];
	} else {
		e->uid = i == 2 ? s->a[2] : s->a[1];
		e->gid = i == 2 ? s->a[3] : s->a[2];
		if (nr == NR_fchownat)
			e->flags = s->a[4];
	}
	if (by_fd)
		put_fd_path(&o, dirfd, &e->path, 0);
	else
		put_user_path(&o, dirfd, upath, &e->path, 0);
	if (!path_wanted(rec, e->path.off, e->path.len, type)) {
		kestrel_filtered(type, tgid);
		return 0;
	}
	return kestrel_submit(rec, o.off, o.trunc);
}

/* -------------------------------------------------------------------- symlink */

static __noinline int on_symlink(struct sc_args *s)
{
	u32 nr = s->nr;
	long ndfd = nr == NR_symlinkat ? (int)s->a[1] : AT_FDCWD;
	const char *target = (const char *)s->a[0];
	const char *linkp = (const char *)(nr == NR_symlinkat ? s->a[2] : s->a[1]);
	u32 tgid = current_tgid();
	u8 level;
	if (!kestrel_admit(KESTREL_EV_FILE_SYMLINK, tgid, &level))
		return 0;
	u8 *rec = rec_begin(KESTREL_EV_FILE_SYMLINK, level);
	if (!rec)
		return 0;
	struct kestrel_file_symlink *e = (void *)rec;
	struct out o = { .off = sizeof(*e), .trunc = 0 };
	e->result = s->ret;
	e->syscall = nr;
	e->newdirfd = ndfd;
	e->_pad0 = 0;
	e->_pad1 = 0;
	PUT_USTR(rec, &o, &e->target, target, KESTREL_PATH_MAX, 0);
	put_user_path(&o, ndfd, linkp, &e->linkpath, 1);
	if (!path_wanted(rec, e->linkpath.off, e->linkpath.len, KESTREL_EV_FILE_SYMLINK)) {
		kestrel_filtered(KESTREL_EV_FILE_SYMLINK, tgid);
		return 0;
	}
	return kestrel_submit(rec, o.off, o.trunc);
}

/* ------------------------------------------------------------------- dispatch */

SEC("tp_btf/sys_exit")
int BPF_PROG(kestrel_file_exit, struct pt_regs *regs, long ret)
{
	u32 nr = BPF_CORE_READ(regs, orig_ax);
	switch (nr) {
	case NR_open:
	case NR_openat:
	case NR_openat2:
	case NR_creat:
	case NR_unlink:
	case NR_unlinkat:
	case NR_rename:
	case NR_renameat:
	case NR_renameat2:
	case NR_link:
	case NR_linkat:
	case NR_chmod:
	case NR_fchmod:
	case NR_fchmodat:
	case NR_fchmodat2:
	case NR_chown:
	case NR_fchown:
	case NR_lchown:
	case NR_fchownat:
	case NR_symlink:
	case NR_symlinkat:
		break;
	default:
		return 0;
	}
	if (in_compat_syscall())
		return 0;
	struct sc_args s = {};
	sc_read(&s, regs, ret, nr);
	switch (nr) {
	case NR_open:
	case NR_openat:
	case NR_openat2:
	case NR_creat:
		return on_open(&s);
	case NR_unlink:
	case NR_unlinkat:
		return on_unlink(&s);
	case NR_rename:
	case NR_renameat:
	case NR_renameat2:
	case NR_link:
	case NR_linkat:
		return on_rename(&s);
	case NR_symlink:
	case NR_symlinkat:
		return on_symlink(&s);
	default:
		return on_attr(&s);
	}
}
