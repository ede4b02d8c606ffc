/* SPDX-License-Identifier: GPL-2.0-only OR Apache-2.0 */
/*
 * kestrel_core.h: the minimal CO-RE view of the kernel that Kestrel's programs use.
 *
 * Only the structs and fields we read are declared. Every struct carries
 * preserve_access_index, so clang records each field access as a relocation and
 * libbpf rewrites the offsets against the running kernel's BTF at load time: the
 * layouts below need the right field names and widths, not the right offsets.
 * Fields nested in anonymous unions/structs in the kernel (qstr.len, inode.i_nlink,
 * mm_struct.arg_start, ...) are declared flat; libbpf matches them through the
 * anonymous members.
 *
 * No vmlinux.h is used or committed.
 */
#ifndef KESTREL_CORE_H
#define KESTREL_CORE_H

#include <linux/types.h>
#include <linux/bpf.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s8 s8;
typedef __s16 s16;
typedef __s32 s32;
typedef __s64 s64;

#define __kc __attribute__((preserve_access_index))

typedef struct { int counter; } atomic_t;
typedef struct { __u32 val; } kuid_t;
typedef struct { __u32 val; } kgid_t;
typedef int pid_t;
typedef __u32 dev_t;
typedef unsigned short umode_t;
typedef unsigned int fmode_t;

/* ---- tasks, credentials, namespaces ---- */

struct thread_info {
	__u32 status; /* x86: TS_COMPAT while in an ia32 syscall */
} __kc;

struct ns_common {
	unsigned int inum;
} __kc;

struct pid_namespace {
	struct ns_common ns;
} __kc;

struct mnt_namespace {
	struct ns_common ns;
} __kc;

struct nsproxy {
	struct mnt_namespace *mnt_ns;
} __kc;

struct upid {
	int nr;
	struct pid_namespace *ns;
} __kc;

struct pid {
	unsigned int level;
	struct upid numbers[1]; /* flexible in the kernel; read with bpf_probe_read_kernel */
} __kc;

/* enum pid_type */
#define PIDTYPE_PID 0
#define PIDTYPE_TGID 1
#define PIDTYPE_PGID 2
#define PIDTYPE_SID 3

struct signal_struct {
	atomic_t live; /* threads still running; 0 in the last thread's do_exit */
	int group_exit_code;
	unsigned int flags; /* SIGNAL_GROUP_EXIT, ... */
	struct pid *pids[4]; /* indexed by PIDTYPE_* (kernel >= 4.19) */
} __kc;

struct cred {
	kuid_t uid;
	kgid_t gid;
	kuid_t suid;
	kgid_t sgid;
	kuid_t euid;
	kgid_t egid;
	kuid_t fsuid;
	kgid_t fsgid;
} __kc;

struct kernfs_node {
	__u64 id;
} __kc;

struct cgroup {
	struct kernfs_node *kn;
} __kc;

struct css_set {
	struct cgroup *dfl_cgrp;
} __kc;

/* ---- files and paths ---- */

struct qstr {
	__u32 len;
	const unsigned char *name;
} __kc;

struct super_block {
	dev_t s_dev;
} __kc;

struct inode {
	umode_t i_mode;
	kuid_t i_uid;
	kgid_t i_gid;
	struct super_block *i_sb;
	unsigned long i_ino;
	unsigned int i_nlink;
	dev_t i_rdev;
} __kc;

struct dentry {
	struct dentry *d_parent;
	struct qstr d_name;
	struct inode *d_inode;
} __kc;

struct vfsmount {
	struct dentry *mnt_root;
	struct super_block *mnt_sb;
} __kc;

/* fs/mount.h: struct vfsmount is embedded in struct mount as .mnt */
struct mount {
	struct mount *mnt_parent;
	struct dentry *mnt_mountpoint;
	struct vfsmount mnt;
} __kc;

struct path {
	struct vfsmount *mnt;
	struct dentry *dentry;
} __kc;

struct fs_struct {
	struct path root;
	struct path pwd;
} __kc;

struct file {
	fmode_t f_mode;
	void *private_data;
	struct inode *f_inode;
	unsigned int f_flags;
	struct path f_path;
} __kc;

struct fdtable {
	unsigned int max_fds;
	struct file **fd;
} __kc;

struct files_struct {
	struct fdtable *fdt;
} __kc;

struct mm_struct {
	unsigned long arg_start;
	unsigned long arg_end;
	unsigned long env_start;
	unsigned long env_end;
	struct file *exe_file;
} __kc;

struct vm_area_struct {
	unsigned long vm_start;
	unsigned long vm_end;
	unsigned long vm_flags;
	struct file *vm_file;
} __kc;

struct task_struct {
	struct thread_info thread_info;
	int pid;
	int tgid;
	int exit_code;
	struct task_struct *real_parent;
	struct task_struct *group_leader;
	struct pid *thread_pid;
	__u64 start_boottime;
	const struct cred *real_cred;
	char comm[16];
	struct fs_struct *fs;
	struct files_struct *files;
	struct nsproxy *nsproxy;
	struct signal_struct *signal;
	kuid_t loginuid; /* CONFIG_AUDIT; probed with bpf_core_field_exists */
	struct css_set *cgroups;
	struct mm_struct *mm;
} __kc;

struct linux_binprm {
	struct file *file; /* the image finally run (the interpreter's ELF for #! scripts) */
	const char *filename; /* the name execve was given (or /dev/fd/N) */
	const char *interp; /* == filename unless binfmt_script/misc changed it */
	int argc;
	int envc;
} __kc;

struct module {
	char name[56];
} __kc;

/* ---- sockets ---- */

struct in6_addr {
	union {
		__u8 u6_addr8[16];
	} in6_u;
} __kc;

struct sock_common {
	__be32 skc_daddr;
	__be32 skc_rcv_saddr;
	__be16 skc_dport;
	__u16 skc_num;
	unsigned short skc_family;
	struct in6_addr skc_v6_daddr;
	struct in6_addr skc_v6_rcv_saddr;
} __kc;

struct sock {
	struct sock_common __sk_common;
	__u16 sk_protocol; /* plain u16 since 5.6 */
	__u16 sk_type;
} __kc;

struct socket {
	short type;
	struct sock *sk;
} __kc;

/* ---- registers (x86_64) ---- */

struct pt_regs {
	unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	unsigned long ax, cx, dx, si, di, orig_ax, ip, cs, flags, sp, ss;
} __kc;

/* ---- constants (uapi / stable kernel ABI) ---- */

#define TS_COMPAT 0x0002 /* arch/x86/include/asm/thread_info.h */
#define X32_SYSCALL_BIT 0x40000000

#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define S_IFLNK 0120000
#define S_IFREG 0100000
#define S_IFBLK 0060000
#define S_IFDIR 0040000
#define S_IFCHR 0020000
#define S_IFIFO 0010000
#define S_ISUID 0004000
#define S_ISGID 0002000

#define MINORBITS 20 /* kernel-internal dev_t: major << 20 | minor */

#define O_ACCMODE 00000003
#define O_WRONLY 00000001
#define O_RDWR 00000002
#define O_CREAT 00000100
#define O_EXCL 00000200
#define O_TRUNC 00001000
#define O_PATH 010000000
#define FMODE_CREATED 0x100000 /* include/linux/fs.h, unchanged from 4.19 to 6.18 */

#define AT_FDCWD -100
#define AT_REMOVEDIR 0x200

#define PROT_EXEC 0x4
#define MAP_ANONYMOUS 0x20

#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10

#define PR_SET_NAME 15

#define EINVAL 22

#endif /* KESTREL_CORE_H */
