/* SPDX-License-Identifier: GPL-2.0-only OR Apache-2.0 */
/*
 * events.h: the contract between Kestrel's eBPF programs and the user-space side.
 *
 * Everything here is mirrored by the TypeScript decoder and loader, so:
 *   - every field has a fixed size and its natural alignment, padding is explicit,
 *   - offsets are pinned with _Static_assert (a change that moves a field breaks the build),
 *   - KESTREL_EVENTS_VERSION changes whenever a layout or a meaning changes; it is in every
 *     record header (byte 2).
 * All integers are little endian (x86_64). Addresses in network records are in network byte
 * order, ports in host byte order.
 *
 * A record is: struct kestrel_hdr, the fixed part of its type, then the variable-length data
 * the fixed part points at with (offset, length) descriptors. Offsets are from the start of
 * the record; lengths never include a NUL and the data is not NUL-terminated (argv and env
 * are lists whose entries are separated by single NULs, with no trailing NUL).
 *
 * Compiles as BPF C (after kestrel_core.h) and as user-space C (after <linux/types.h>).
 */
#ifndef KESTREL_EVENTS_H
#define KESTREL_EVENTS_H

#ifndef __bpf__
#include <linux/types.h>
#endif

#define KESTREL_EVENTS_VERSION 1

/* ---------------------------------------------------------------- event types */

enum kestrel_event_type {
	KESTREL_EV_NONE = 0,
	/* process.bpf.c */
	KESTREL_EV_EXEC = 1,
	KESTREL_EV_FORK = 2,
	KESTREL_EV_EXIT = 3,
	/* proc_change.bpf.c */
	KESTREL_EV_SETSID = 4,
	KESTREL_EV_SETPGID = 5,
	KESTREL_EV_UID_CHANGE = 6,
	KESTREL_EV_GID_CHANGE = 7,
	KESTREL_EV_PTRACE = 8,
	KESTREL_EV_PRCTL = 9,
	KESTREL_EV_MEMFD_CREATE = 10,
	KESTREL_EV_MMAP_EXEC = 11,
	KESTREL_EV_MPROTECT_EXEC = 12,
	KESTREL_EV_MODULE_LOAD = 13,
	KESTREL_EV_BPF_PROG_LOAD = 14,
	KESTREL_EV_MOUNT = 15,
	KESTREL_EV_SETXATTR = 16,
	/* file.bpf.c */
	KESTREL_EV_FILE_CREATE = 17,
	KESTREL_EV_FILE_MODIFY = 18,
	KESTREL_EV_FILE_OPEN = 19, /* read-only open; off unless interest[19] != 0 */
	KESTREL_EV_FILE_DELETE = 20,
	KESTREL_EV_FILE_RENAME = 21,
	KESTREL_EV_FILE_CHMOD = 22,
	KESTREL_EV_FILE_CHOWN = 23,
	KESTREL_EV_FILE_LINK = 24,
	KESTREL_EV_FILE_SYMLINK = 25,
	/* net.bpf.c */
	KESTREL_EV_NET_CONNECT = 26,
	KESTREL_EV_NET_ACCEPT = 27,
	KESTREL_EV_NET_BIND = 28,
	KESTREL_EV_NET_LISTEN = 29,
	KESTREL_EV_NET_DNS = 30,
	/* auth.bpf.c */
	KESTREL_EV_AUTH_PAM = 31,
	KESTREL_EV_MAX = 32, /* size of kestrel_interest; event types are < this */
};

/* ------------------------------------------------------------------- bounds */
/* Maximum bytes of each variable-length item (the length field never exceeds these).
 * Longer data is cut and the descriptor's bit is set in kestrel_hdr.trunc. */
#define KESTREL_PATH_MAX 4096 /* any path: filename, exe, cwd, file paths, mount target */
#define KESTREL_ARGV_MAX 4096 /* argv, NUL-separated, from mm->arg_start */
#define KESTREL_ENV_MAX 1024 /* the selected env entries, NUL-separated, in total */
#define KESTREL_ENV_ENTRY_MAX 512 /* one NAME=value entry */
#define KESTREL_INTERP_MAX 256 /* #! interpreter (the kernel's own limit is 256) */
#define KESTREL_NAME_MAX 256 /* memfd name, xattr name, mount source, PAM strings, ... */
#define KESTREL_FSTYPE_MAX 64
#define KESTREL_DNS_MAX 512 /* UDP payload bytes copied for DNS queries */
#define KESTREL_PATH_DEPTH 128 /* path components (incl. mount crossings) walked in kernel */
#define KESTREL_ENV_SCAN 256 /* environment entries examined at exec */
#define KESTREL_RECORD_MAX 24576 /* no record is larger */

/* --------------------------------------------------------- common structures */

/* A variable-length item: bytes [off, off + len) of the record. len == 0: absent. */
struct kestrel_str {
	__u16 off;
	__u16 len;
};

/* A file path. The kernel makes relative paths absolute: if the caller's path did not start
 * with '/', the directory it was relative to (dirfd's path, or the cwd for AT_FDCWD) is
 * walked in kernel and prefixed; base_len is then the length of that prefix including the
 * joining '/', so bytes [off + base_len, off + len) are exactly what the caller passed.
 * base_len == 0: the caller's path was absolute (or the path came from a fd). Paths are not
 * normalised ("..", symlinks stay as given). */
struct kestrel_path {
	__u16 off;
	__u16 len;
	__u16 base_len;
	__u16 flags; /* KESTREL_PATH_* */
};
#define KESTREL_PATH_JOINED 0x1 /* a kernel-walked base was prefixed */
#define KESTREL_PATH_FROM_FD 0x2 /* walked from an open file (fchmod, fsetxattr, ...) */
#define KESTREL_PATH_BASE_TRUNC 0x4 /* the walk hit KESTREL_PATH_DEPTH; leading parts lost */

/* The common header of every record: 112 bytes. */
struct kestrel_hdr {
	__u16 type; /* enum kestrel_event_type */
	__u8 version; /* KESTREL_EVENTS_VERSION */
	__u8 level; /* collection level applied (KESTREL_LEVEL_*) */
	__u32 size; /* bytes in the record, header and variable data included */
	__u64 ktime; /* bpf_ktime_get_boot_ns(): CLOCK_BOOTTIME ns */
	__u64 start_time; /* group_leader->start_boottime (ns since boot): entity id input */
	__u64 parent_start_time; /* the same for real_parent's group leader */
	__u64 cgroup_id; /* cgroup v2 id (bpf_get_current_cgroup_id or the task's dfl_cgrp) */
	__u32 tgid; /* process id (init pid namespace) */
	__u32 tid; /* thread id (init pid namespace) */
	__u32 ppid; /* real_parent->tgid */
	__u32 uid; /* real_cred: uid, gid, euid, egid */
	__u32 gid;
	__u32 euid;
	__u32 egid;
	__u32 sid; /* session id (signal->pids[PIDTYPE_SID], init namespace) */
	__u32 pgid; /* process group id (signal->pids[PIDTYPE_PGID]) */
	__u32 mntns; /* mount namespace inode */
	__u32 pidns; /* pid namespace inode of the task (its active one) */
	__u32 auid; /* audit login uid (0xffffffff: unset or no CONFIG_AUDIT) */
	char comm[16];
	__u32 trunc; /* bit i: the i-th descriptor of the fixed part was truncated */
	__u32 flags; /* KESTREL_HDR_* */
};
#define KESTREL_HDR_COMPAT 0x1 /* reserved: an ia32 syscall (currently never emitted) */

/* ------------------------------------------------------------ process events */

/* What an stdio descriptor is. */
enum kestrel_fd_kind {
	KESTREL_FD_NONE = 0, /* not open */
	KESTREL_FD_TTY = 1, /* char device with a tty major (4, 5, 136-143) */
	KESTREL_FD_CHAR = 2, /* other char device (/dev/null, ...) */
	KESTREL_FD_PIPE = 3, /* FIFO / pipe */
	KESTREL_FD_SOCKET = 4, /* family in kestrel_stdio.family */
	KESTREL_FD_FILE = 5, /* regular file */
	KESTREL_FD_DIR = 6,
	KESTREL_FD_OTHER = 7, /* block device, anon inode (eventfd, epoll, ...), ... */
};

struct kestrel_stdio {
	__u8 kind; /* enum kestrel_fd_kind */
	__u8 _pad;
	__u16 family; /* socket address family (AF_UNIX 1, AF_INET 2, AF_INET6 10) */
	__u32 rdev; /* char device number, kernel encoding: major << 20 | minor */
};

/* KESTREL_EV_EXEC: sched_process_exec. Header describes the task after exec. */
struct kestrel_exec {
	struct kestrel_hdr hdr;
	__u64 exe_ino; /* inode of the image run (bprm->file) */
	__u32 exe_dev; /* its superblock's s_dev (kernel encoding) */
	__u32 exe_nlink; /* 0: deleted / memfd (fileless) */
	__u16 exe_mode; /* i_mode: S_ISUID/S_ISGID visible here */
	__u16 _pad0;
	__u32 exe_uid; /* file owner */
	__u32 argc; /* bprm->argc (full count, even when argv is cut) */
	__u32 envc; /* bprm->envc */
	__u32 exec_id; /* execs seen for this tgid (1 = first since fork/bootstrap) */
	__u32 old_tid; /* the tid that called execve (differs from tid for a non-leader) */
	struct kestrel_stdio stdio[3]; /* fd 0, 1, 2 */
	struct kestrel_str filename; /* d0: bprm->filename as given (may be relative) */
	struct kestrel_str exe; /* d1: absolute path of bprm->file, walked in kernel */
	struct kestrel_str interp; /* d2: bprm->interp when it differs (#! scripts, binfmt_misc) */
	struct kestrel_str cwd; /* d3: task->fs->pwd, walked in kernel */
	struct kestrel_str argv; /* d4: argv, NUL-separated */
	struct kestrel_str env; /* d5: selected NAME=value entries, NUL-separated */
};

/* KESTREL_EV_FORK: sched_process_fork of a new thread group. The header describes the
 * CHILD (tgid, start_time, creds copied from the parent, ppid = the parent). */
struct kestrel_fork {
	struct kestrel_hdr hdr;
	__u32 parent_tid; /* the thread that called fork/clone */
	__u32 _pad0;
};

/* KESTREL_EV_EXIT: sched_process_exit of the last thread of a group. */
struct kestrel_exit {
	struct kestrel_hdr hdr;
	__s32 exit_code; /* raw wait status: (code << 8) | signal; signal = & 0x7f, core 0x80 */
	__u32 _pad0;
};

/* ------------------------------------------------------ process change events */

/* KESTREL_EV_SETSID (setsid), KESTREL_EV_SETPGID (setpgid). The header holds the
 * session/group ids after the call. */
struct kestrel_setid {
	struct kestrel_hdr hdr;
	__s32 result; /* new sid for setsid, 0 for setpgid, or -errno */
	__u32 pid; /* setpgid's pid argument (0 = self) */
	__u32 pgid; /* setpgid's pgid argument (0 = pid) */
	__u32 _pad0;
};

/* KESTREL_EV_UID_CHANGE (setuid, setreuid, setresuid, setfsuid),
 * KESTREL_EV_GID_CHANGE (setgid, setregid, setresgid, setfsgid). Emitted per thread:
 * glibc applies set*id to every thread, so a threaded process yields one per thread. */
struct kestrel_cred_change {
	struct kestrel_hdr hdr;
	__s32 result; /* 0 or -errno (setfs*id return the previous fsuid/fsgid) */
	__u32 syscall; /* x86_64 syscall number */
	__u32 args[3]; /* the id arguments; (u32)-1 means "unchanged" */
	__u32 old_ids[4]; /* before: real, effective, saved, fs (uids or gids) */
	__u32 new_ids[4]; /* after */
	__u32 _pad0;
};

/* KESTREL_EV_PTRACE */
struct kestrel_ptrace {
	struct kestrel_hdr hdr;
	__s32 result;
	__u32 request; /* PTRACE_* */
	__u32 target_pid; /* as passed: a pid in the caller's pid namespace (hdr.pidns) */
	__u32 _pad0;
	__u64 addr;
	__u64 data;
};

/* KESTREL_EV_PRCTL */
struct kestrel_prctl {
	struct kestrel_hdr hdr;
	__s32 result;
	__u32 option; /* PR_* */
	__u64 arg2;
	__u64 arg3;
	struct kestrel_str name; /* d0: PR_SET_NAME's new name (<= 16 bytes) */
	__u32 _pad0;
};

/* KESTREL_EV_MEMFD_CREATE */
struct kestrel_memfd {
	struct kestrel_hdr hdr;
	__s32 result; /* the fd or -errno */
	__u32 flags; /* MFD_* */
	struct kestrel_str name; /* d0: the name argument (the kernel adds "memfd:") */
	__u32 _pad0;
};

/* KESTREL_EV_MMAP_EXEC (mmap with PROT_EXEC), KESTREL_EV_MPROTECT_EXEC (mprotect or
 * pkey_mprotect with PROT_EXEC). */
struct kestrel_mmap {
	struct kestrel_hdr hdr;
	__u64 addr; /* mmap: the mapped address (or the hint if it failed); mprotect: start */
	__u64 len;
	__s32 result; /* 0 or -errno (mmap: 0 on success) */
	__u32 prot; /* PROT_* */
	__u32 mmap_flags; /* MAP_* (mmap only) */
	__s32 fd; /* mmap's fd argument (-1 for anonymous); -1 for mprotect */
	__u64 file_ino; /* backing file, 0 if anonymous (mprotect: the vma at addr) */
	__u32 file_dev;
	__u32 file_nlink; /* 0: deleted file or memfd */
	__u16 file_mode;
	__u16 _pad0;
	struct kestrel_str path; /* d0: backing file path, walked in kernel */
};

/* KESTREL_EV_MODULE_LOAD (init_module, finit_module) */
struct kestrel_module {
	struct kestrel_hdr hdr;
	__s32 result;
	__u32 syscall;
	__s32 fd; /* finit_module's fd; -1 for init_module */
	__u32 flags; /* finit_module flags */
	__u64 image_len; /* init_module's len */
	struct kestrel_str name; /* d0: init_module: the name in the image's .gnu.linkonce.this_module */
	struct kestrel_str path; /* d1: finit_module: the path of fd (name = basename minus .ko*) */
	struct kestrel_str args; /* d2: the parameter string */
	__u32 _pad0;
};

/* KESTREL_EV_BPF_PROG_LOAD: bpf(BPF_PROG_LOAD, ...) */
struct kestrel_bpf {
	struct kestrel_hdr hdr;
	__s32 result; /* the program fd or -errno */
	__u32 cmd;
	__u32 prog_type; /* enum bpf_prog_type */
	__u32 expected_attach_type;
	__u32 insn_cnt;
	__u32 prog_flags;
	char prog_name[16]; /* NUL-padded */
};

/* KESTREL_EV_MOUNT: mount(2) */
struct kestrel_mount {
	struct kestrel_hdr hdr;
	__s32 result;
	__u32 _pad0;
	__u64 flags; /* MS_* */
	struct kestrel_str source; /* d0 */
	struct kestrel_str fstype; /* d1 */
	struct kestrel_path target; /* d2 */
};

/* KESTREL_EV_SETXATTR: setxattr, lsetxattr, fsetxattr, setxattrat */
struct kestrel_xattr {
	struct kestrel_hdr hdr;
	__s32 result;
	__u32 syscall;
	__s32 fd; /* fsetxattr's fd or setxattrat's dirfd; AT_FDCWD (-100) otherwise */
	__u32 flags; /* XATTR_CREATE / XATTR_REPLACE */
	__u32 size; /* value size */
	struct kestrel_str name; /* d0: attribute name (security.*, trusted.*, user.*) */
	struct kestrel_path path; /* d1 */
};

/* --------------------------------------------------------------- file events */

/* KESTREL_EV_FILE_CREATE (the open created the file: FMODE_CREATED),
 * KESTREL_EV_FILE_MODIFY (opened O_WRONLY / O_RDWR / O_TRUNC, not created),
 * KESTREL_EV_FILE_OPEN (read-only). From open, openat, openat2, creat. */
struct kestrel_file_open {
	struct kestrel_hdr hdr;
	__s32 result; /* the fd or -errno (failures only with KESTREL_CFG_OPEN_FAILURES) */
	__u32 syscall;
	__s32 dirfd; /* AT_FDCWD for open/creat */
	__u32 open_flags; /* O_* (openat2: how.flags, low 32 bits) */
	__u32 mode; /* the create mode argument */
	__u32 f_mode; /* the opened file's f_mode (0 on failure) */
	__u64 ino; /* inode of the opened file (0 on failure) */
	__u32 dev;
	__u32 _pad0;
	struct kestrel_path path; /* d0: the caller's path, made absolute */
};

/* KESTREL_EV_FILE_DELETE: unlink, unlinkat without AT_REMOVEDIR */
struct kestrel_file_delete {
	struct kestrel_hdr hdr;
	__s32 result;
	__u32 syscall;
	__s32 dirfd;
	__u32 flags;
	struct kestrel_path path; /* d0 */
};

/* KESTREL_EV_FILE_RENAME (rename, renameat, renameat2),
 * KESTREL_EV_FILE_LINK (link, linkat): old -> new. */
struct kestrel_file_rename {
	struct kestrel_hdr hdr;
	__s32 result;
	__u32 syscall;
	__s32 olddirfd;
	__s32 newdirfd;
	__u32 flags; /* RENAME_* / AT_* */
	__u32 _pad0;
	struct kestrel_path oldpath; /* d0 */
	struct kestrel_path newpath; /* d1 */
};

/* KESTREL_EV_FILE_CHMOD (chmod, fchmod, fchmodat, fchmodat2),
 * KESTREL_EV_FILE_CHOWN (chown, fchown, lchown, fchownat). */
struct kestrel_file_attr {
	struct kestrel_hdr hdr;
	__s32 result;
	__u32 syscall;
	__s32 dirfd; /* the fd for fchmod/fchown (path then comes from the fd) */
	__u32 mode; /* chmod: new mode */
	__u32 uid; /* chown: new owner ((u32)-1 = unchanged) */
	__u32 gid;
	__u32 flags; /* AT_* */
	__u32 _pad0;
	struct kestrel_path path; /* d0 */
};

/* KESTREL_EV_FILE_SYMLINK: symlink, symlinkat. */
struct kestrel_file_symlink {
	struct kestrel_hdr hdr;
	__s32 result;
	__u32 syscall;
	__s32 newdirfd;
	__u32 _pad0;
	struct kestrel_str target; /* d0: the link's content, as given (not resolved) */
	__u32 _pad1;
	struct kestrel_path linkpath; /* d1 */
};

/* ------------------------------------------------------------ network events */

/* KESTREL_EV_NET_CONNECT, _ACCEPT, _BIND, _LISTEN (AF_INET / AF_INET6 only).
 *   connect: daddr/dport from the caller's sockaddr, saddr/sport from the socket after the call
 *   accept:  the new connection's socket: saddr/sport local, daddr/dport the peer
 *   bind:    saddr/sport from the caller's sockaddr
 *   listen:  saddr/sport from the socket */
struct kestrel_net {
	struct kestrel_hdr hdr;
	__s32 result; /* connect/bind/listen: 0 or -errno (-EINPROGRESS: non-blocking);
	               * accept: the new fd or -errno */
	__u32 syscall;
	__s32 fd; /* the socket the call was made on */
	__u16 family; /* AF_INET 2, AF_INET6 10 */
	__u16 type; /* SOCK_STREAM 1, SOCK_DGRAM 2, SOCK_RAW 3, ... */
	__u16 protocol; /* IPPROTO_TCP 6, IPPROTO_UDP 17, ... */
	__u16 sport; /* host byte order */
	__u16 dport;
	__u16 _pad0;
	__u8 saddr[16]; /* network order; IPv4 in the first 4 bytes */
	__u8 daddr[16];
	__u32 backlog; /* listen only */
	__u32 _pad1;
};

/* KESTREL_EV_NET_DNS: a UDP datagram to port 53 (or kestrel_config.dns_port) sent with
 * sendto, sendmsg or sendmmsg (one record per message). */
struct kestrel_dns {
	struct kestrel_hdr hdr;
	__s32 result; /* bytes sent (sendmmsg: messages sent) or -errno */
	__u32 syscall;
	__s32 fd;
	__u16 family;
	__u16 dport;
	__u8 daddr[16];
	__u16 sport;
	__u16 _pad0;
	__u32 payload_len; /* the datagram's length (the copy may be shorter) */
	struct kestrel_str payload; /* d0: first bytes of the DNS message (header + question) */
	__u32 _pad1;
};

/* ------------------------------------------------------------ authentication */

/* KESTREL_EV_AUTH_PAM: pam_authenticate returned. Strings are read from Linux-PAM's
 * struct pam_handle at return (see README for the offsets). */
struct kestrel_pam {
	struct kestrel_hdr hdr;
	__s32 result; /* PAM_SUCCESS (0) or a PAM error code */
	__u32 flags; /* pam_authenticate's flags argument */
	__u64 pamh; /* the pam_handle_t pointer (pairs calls in one process) */
	struct kestrel_str service; /* d0 */
	struct kestrel_str user; /* d1 */
	struct kestrel_str rhost; /* d2 */
	struct kestrel_str tty; /* d3 */
	struct kestrel_str ruser; /* d4 */
	__u32 _pad0;
};

/* --------------------------------------------------------- maps: user contract */

/* kestrel_counters: PERCPU_ARRAY, key u32 counter id, value u64 (sum over CPUs). */
enum kestrel_counter_kind {
	KESTREL_CTR_PRODUCED = 0, /* written to the ring buffer */
	KESTREL_CTR_FILTERED = 1, /* not needed: interest, path/flags filter, trust level */
	KESTREL_CTR_DROPPED = 2, /* ring buffer full: bpf_ringbuf_output failed */
	KESTREL_CTR_TRUNCATED = 3, /* produced with some variable data cut */
};
#define KESTREL_CTR(type, kind) ((type) * 4 + (kind))
enum kestrel_global_counter {
	KESTREL_CTR_SELF = KESTREL_EV_MAX * 4 + 0, /* events of the sensor's own tgid, ignored */
	KESTREL_CTR_COMPAT = KESTREL_EV_MAX * 4 + 1, /* ia32 syscalls seen (not decoded) */
	KESTREL_CTR_TRUST = KESTREL_EV_MAX * 4 + 2, /* of FILTERED: due to the trust level */
	KESTREL_CTR_PROC_MISS = KESTREL_EV_MAX * 4 + 3, /* no kestrel_proc entry for a tgid */
	KESTREL_CTR_MAX = KESTREL_EV_MAX * 4 + 8,
};

/* kestrel_pid_stats: LRU_HASH, key u32 tgid. Entries outlive the process (LRU evicts). */
struct kestrel_pid_stats {
	__u64 submitted; /* records written for this tgid */
	__u64 dropped; /* records lost (ring full) */
	__u64 filtered; /* events not submitted because not needed */
};

/* kestrel_config: ARRAY with one entry (key 0). */
struct kestrel_config {
	__u32 self_tgid; /* the sensor's tgid: its events are ignored (0 = none) */
	__u32 flags; /* KESTREL_CFG_* */
	__u64 path_types; /* bit t: file events of type t must match a prefix in kestrel_prefixes */
	__u32 open_flags_mask; /* != 0: open events need (open_flags & mask) != 0, except
	                        * creations, which always pass */
	__u32 nprefixes; /* entries used in kestrel_prefixes (<= KESTREL_PREFIX_MAX) */
	__u32 dns_port; /* UDP destination port treated as DNS (0 = 53) */
	__u32 wakeup_bytes; /* 0: wake the reader for every record it is waiting for (kernel's
	                     * adaptive notification); N: wake only once N bytes are pending,
	                     * and the reader polls with a timeout (cheaper at low rates) */
};
#define KESTREL_CFG_OPEN_FAILURES 0x1 /* also submit opens that failed */
#define KESTREL_CFG_MMAP_ALL_FILES 0x2 /* report PROT_EXEC mmaps of linked regular files
                                        * too (library loads); default: only anonymous,
                                        * non-regular or unlinked (memfd, deleted) ones */

/* kestrel_prefixes: ARRAY of KESTREL_PREFIX_MAX entries. A file event of type t with bit t
 * set in config.path_types is submitted only if some entry i < nprefixes with bit t in
 * types has its len bytes equal to the start of the event's path (both paths of a
 * rename/link are tried). */
#define KESTREL_PREFIX_MAX 64
#define KESTREL_PREFIX_LEN 64
struct kestrel_prefix {
	__u64 types; /* event types this prefix applies to (bit = type) */
	__u32 len; /* 1..KESTREL_PREFIX_LEN */
	__u32 _pad0;
	__u8 bytes[KESTREL_PREFIX_LEN]; /* zero-padded */
};

/* kestrel_trust: HASH (no prealloc), key -> collection level, consulted at exec for the
 * image run: first {ino, dev, mntns}, then {ino, dev, 0} (any mount namespace).
 * dev is the kernel encoding (major << 20 | minor): from stat(2)'s st_dev use
 * (major(st_dev) << 20) | minor(st_dev). */
struct kestrel_trust_key {
	__u64 ino;
	__u32 dev;
	__u32 mntns; /* mount namespace inode, 0 = any */
};
enum kestrel_level {
	KESTREL_LEVEL_FULL = 0, /* everything the interest map asks for (default) */
	KESTREL_LEVEL_REDUCED = 1, /* no file create/modify/open, no DNS */
	KESTREL_LEVEL_MINIMAL = 2, /* lifecycle, privilege and injection events only */
};
struct kestrel_trust_val {
	__u8 level; /* enum kestrel_level */
	__u8 _pad[3];
};

/* kestrel_proc: LRU_HASH, key u32 tgid: the process context, maintained by process.bpf.c
 * (fork, exec, exit) and proc_change.bpf.c (setsid/setpgid). User space may pre-fill it
 * at start from /proc (level decides collection for processes that started earlier). */
struct kestrel_proc {
	__u64 start_time; /* group_leader->start_boottime */
	__u64 exec_time; /* ktime of the last exec seen (0: none) */
	__u64 exe_ino;
	__u32 exe_dev;
	__u32 exec_id; /* execs seen since fork/bootstrap */
	__u32 sid;
	__u32 pgid;
	__u8 level; /* enum kestrel_level */
	__u8 _pad[7];
};

/* ------------------------------------------------------------ layout checks */

#define KESTREL_ASSERT_OFF(t, f, o) _Static_assert(__builtin_offsetof(t, f) == (o), #t "." #f)
#define KESTREL_ASSERT_SIZE(t, s) _Static_assert(sizeof(t) == (s), "sizeof " #t)

KESTREL_ASSERT_SIZE(struct kestrel_str, 4);
KESTREL_ASSERT_SIZE(struct kestrel_path, 8);
KESTREL_ASSERT_SIZE(struct kestrel_stdio, 8);

KESTREL_ASSERT_OFF(struct kestrel_hdr, type, 0);
KESTREL_ASSERT_OFF(struct kestrel_hdr, version, 2);
KESTREL_ASSERT_OFF(struct kestrel_hdr, level, 3);
KESTREL_ASSERT_OFF(struct kestrel_hdr, size, 4);
KESTREL_ASSERT_OFF(struct kestrel_hdr, ktime, 8);
KESTREL_ASSERT_OFF(struct kestrel_hdr, start_time, 16);
KESTREL_ASSERT_OFF(struct kestrel_hdr, parent_start_time, 24);
KESTREL_ASSERT_OFF(struct kestrel_hdr, cgroup_id, 32);
KESTREL_ASSERT_OFF(struct kestrel_hdr, tgid, 40);
KESTREL_ASSERT_OFF(struct kestrel_hdr, tid, 44);
KESTREL_ASSERT_OFF(struct kestrel_hdr, ppid, 48);
KESTREL_ASSERT_OFF(struct kestrel_hdr, uid, 52);
KESTREL_ASSERT_OFF(struct kestrel_hdr, gid, 56);
KESTREL_ASSERT_OFF(struct kestrel_hdr, euid, 60);
KESTREL_ASSERT_OFF(struct kestrel_hdr, egid, 64);
KESTREL_ASSERT_OFF(struct kestrel_hdr, sid, 68);
KESTREL_ASSERT_OFF(struct kestrel_hdr, pgid, 72);
KESTREL_ASSERT_OFF(struct kestrel_hdr, mntns, 76);
KESTREL_ASSERT_OFF(struct kestrel_hdr, pidns, 80);
KESTREL_ASSERT_OFF(struct kestrel_hdr, auid, 84);
KESTREL_ASSERT_OFF(struct kestrel_hdr, comm, 88);
KESTREL_ASSERT_OFF(struct kestrel_hdr, trunc, 104);
KESTREL_ASSERT_OFF(struct kestrel_hdr, flags, 108);
KESTREL_ASSERT_SIZE(struct kestrel_hdr, 112);

KESTREL_ASSERT_OFF(struct kestrel_exec, exe_ino, 112);
KESTREL_ASSERT_OFF(struct kestrel_exec, exe_dev, 120);
KESTREL_ASSERT_OFF(struct kestrel_exec, exe_nlink, 124);
KESTREL_ASSERT_OFF(struct kestrel_exec, exe_mode, 128);
KESTREL_ASSERT_OFF(struct kestrel_exec, exe_uid, 132);
KESTREL_ASSERT_OFF(struct kestrel_exec, argc, 136);
KESTREL_ASSERT_OFF(struct kestrel_exec, envc, 140);
KESTREL_ASSERT_OFF(struct kestrel_exec, exec_id, 144);
KESTREL_ASSERT_OFF(struct kestrel_exec, old_tid, 148);
KESTREL_ASSERT_OFF(struct kestrel_exec, stdio, 152);
KESTREL_ASSERT_OFF(struct kestrel_exec, filename, 176);
KESTREL_ASSERT_OFF(struct kestrel_exec, exe, 180);
KESTREL_ASSERT_OFF(struct kestrel_exec, interp, 184);
KESTREL_ASSERT_OFF(struct kestrel_exec, cwd, 188);
KESTREL_ASSERT_OFF(struct kestrel_exec, argv, 192);
KESTREL_ASSERT_OFF(struct kestrel_exec, env, 196);
KESTREL_ASSERT_SIZE(struct kestrel_exec, 200);

KESTREL_ASSERT_OFF(struct kestrel_fork, parent_tid, 112);
KESTREL_ASSERT_SIZE(struct kestrel_fork, 120);
KESTREL_ASSERT_OFF(struct kestrel_exit, exit_code, 112);
KESTREL_ASSERT_SIZE(struct kestrel_exit, 120);

KESTREL_ASSERT_OFF(struct kestrel_setid, result, 112);
KESTREL_ASSERT_OFF(struct kestrel_setid, pid, 116);
KESTREL_ASSERT_OFF(struct kestrel_setid, pgid, 120);
KESTREL_ASSERT_SIZE(struct kestrel_setid, 128);

KESTREL_ASSERT_OFF(struct kestrel_cred_change, result, 112);
KESTREL_ASSERT_OFF(struct kestrel_cred_change, syscall, 116);
KESTREL_ASSERT_OFF(struct kestrel_cred_change, args, 120);
KESTREL_ASSERT_OFF(struct kestrel_cred_change, old_ids, 132);
KESTREL_ASSERT_OFF(struct kestrel_cred_change, new_ids, 148);
KESTREL_ASSERT_SIZE(struct kestrel_cred_change, 168);

KESTREL_ASSERT_OFF(struct kestrel_ptrace, result, 112);
KESTREL_ASSERT_OFF(struct kestrel_ptrace, request, 116);
KESTREL_ASSERT_OFF(struct kestrel_ptrace, target_pid, 120);
KESTREL_ASSERT_OFF(struct kestrel_ptrace, addr, 128);
KESTREL_ASSERT_OFF(struct kestrel_ptrace, data, 136);
KESTREL_ASSERT_SIZE(struct kestrel_ptrace, 144);

KESTREL_ASSERT_OFF(struct kestrel_prctl, result, 112);
KESTREL_ASSERT_OFF(struct kestrel_prctl, option, 116);
KESTREL_ASSERT_OFF(struct kestrel_prctl, arg2, 120);
KESTREL_ASSERT_OFF(struct kestrel_prctl, arg3, 128);
KESTREL_ASSERT_OFF(struct kestrel_prctl, name, 136);
KESTREL_ASSERT_SIZE(struct kestrel_prctl, 144);

KESTREL_ASSERT_OFF(struct kestrel_memfd, result, 112);
KESTREL_ASSERT_OFF(struct kestrel_memfd, flags, 116);
KESTREL_ASSERT_OFF(struct kestrel_memfd, name, 120);
KESTREL_ASSERT_SIZE(struct kestrel_memfd, 128);

KESTREL_ASSERT_OFF(struct kestrel_mmap, addr, 112);
KESTREL_ASSERT_OFF(struct kestrel_mmap, len, 120);
KESTREL_ASSERT_OFF(struct kestrel_mmap, result, 128);
KESTREL_ASSERT_OFF(struct kestrel_mmap, prot, 132);
KESTREL_ASSERT_OFF(struct kestrel_mmap, mmap_flags, 136);
KESTREL_ASSERT_OFF(struct kestrel_mmap, fd, 140);
KESTREL_ASSERT_OFF(struct kestrel_mmap, file_ino, 144);
KESTREL_ASSERT_OFF(struct kestrel_mmap, file_dev, 152);
KESTREL_ASSERT_OFF(struct kestrel_mmap, file_nlink, 156);
KESTREL_ASSERT_OFF(struct kestrel_mmap, file_mode, 160);
KESTREL_ASSERT_OFF(struct kestrel_mmap, path, 164);
KESTREL_ASSERT_SIZE(struct kestrel_mmap, 168);

KESTREL_ASSERT_OFF(struct kestrel_module, result, 112);
KESTREL_ASSERT_OFF(struct kestrel_module, syscall, 116);
KESTREL_ASSERT_OFF(struct kestrel_module, fd, 120);
KESTREL_ASSERT_OFF(struct kestrel_module, flags, 124);
KESTREL_ASSERT_OFF(struct kestrel_module, image_len, 128);
KESTREL_ASSERT_OFF(struct kestrel_module, name, 136);
KESTREL_ASSERT_OFF(struct kestrel_module, path, 140);
KESTREL_ASSERT_OFF(struct kestrel_module, args, 144);
KESTREL_ASSERT_SIZE(struct kestrel_module, 152);

KESTREL_ASSERT_OFF(struct kestrel_bpf, result, 112);
KESTREL_ASSERT_OFF(struct kestrel_bpf, cmd, 116);
KESTREL_ASSERT_OFF(struct kestrel_bpf, prog_type, 120);
KESTREL_ASSERT_OFF(struct kestrel_bpf, expected_attach_type, 124);
KESTREL_ASSERT_OFF(struct kestrel_bpf, insn_cnt, 128);
KESTREL_ASSERT_OFF(struct kestrel_bpf, prog_flags, 132);
KESTREL_ASSERT_OFF(struct kestrel_bpf, prog_name, 136);
KESTREL_ASSERT_SIZE(struct kestrel_bpf, 152);

KESTREL_ASSERT_OFF(struct kestrel_mount, result, 112);
KESTREL_ASSERT_OFF(struct kestrel_mount, flags, 120);
KESTREL_ASSERT_OFF(struct kestrel_mount, source, 128);
KESTREL_ASSERT_OFF(struct kestrel_mount, fstype, 132);
KESTREL_ASSERT_OFF(struct kestrel_mount, target, 136);
KESTREL_ASSERT_SIZE(struct kestrel_mount, 144);

KESTREL_ASSERT_OFF(struct kestrel_xattr, result, 112);
KESTREL_ASSERT_OFF(struct kestrel_xattr, syscall, 116);
KESTREL_ASSERT_OFF(struct kestrel_xattr, fd, 120);
KESTREL_ASSERT_OFF(struct kestrel_xattr, flags, 124);
KESTREL_ASSERT_OFF(struct kestrel_xattr, size, 128);
KESTREL_ASSERT_OFF(struct kestrel_xattr, name, 132);
KESTREL_ASSERT_OFF(struct kestrel_xattr, path, 136);
KESTREL_ASSERT_SIZE(struct kestrel_xattr, 144);

KESTREL_ASSERT_OFF(struct kestrel_file_open, result, 112);
KESTREL_ASSERT_OFF(struct kestrel_file_open, syscall, 116);
KESTREL_ASSERT_OFF(struct kestrel_file_open, dirfd, 120);
KESTREL_ASSERT_OFF(struct kestrel_file_open, open_flags, 124);
KESTREL_ASSERT_OFF(struct kestrel_file_open, mode, 128);
KESTREL_ASSERT_OFF(struct kestrel_file_open, f_mode, 132);
KESTREL_ASSERT_OFF(struct kestrel_file_open, ino, 136);
KESTREL_ASSERT_OFF(struct kestrel_file_open, dev, 144);
KESTREL_ASSERT_OFF(struct kestrel_file_open, path, 152);
KESTREL_ASSERT_SIZE(struct kestrel_file_open, 160);

KESTREL_ASSERT_OFF(struct kestrel_file_delete, result, 112);
KESTREL_ASSERT_OFF(struct kestrel_file_delete, syscall, 116);
KESTREL_ASSERT_OFF(struct kestrel_file_delete, dirfd, 120);
KESTREL_ASSERT_OFF(struct kestrel_file_delete, flags, 124);
KESTREL_ASSERT_OFF(struct kestrel_file_delete, path, 128);
KESTREL_ASSERT_SIZE(struct kestrel_file_delete, 136);

KESTREL_ASSERT_OFF(struct kestrel_file_rename, result, 112);
KESTREL_ASSERT_OFF(struct kestrel_file_rename, syscall, 116);
KESTREL_ASSERT_OFF(struct kestrel_file_rename, olddirfd, 120);
KESTREL_ASSERT_OFF(struct kestrel_file_rename, newdirfd, 124);
KESTREL_ASSERT_OFF(struct kestrel_file_rename, flags, 128);
KESTREL_ASSERT_OFF(struct kestrel_file_rename, oldpath, 136);
KESTREL_ASSERT_OFF(struct kestrel_file_rename, newpath, 144);
KESTREL_ASSERT_SIZE(struct kestrel_file_rename, 152);

KESTREL_ASSERT_OFF(struct kestrel_file_attr, result, 112);
KESTREL_ASSERT_OFF(struct kestrel_file_attr, syscall, 116);
KESTREL_ASSERT_OFF(struct kestrel_file_attr, dirfd, 120);
KESTREL_ASSERT_OFF(struct kestrel_file_attr, mode, 124);
KESTREL_ASSERT_OFF(struct kestrel_file_attr, uid, 128);
KESTREL_ASSERT_OFF(struct kestrel_file_attr, gid, 132);
KESTREL_ASSERT_OFF(struct kestrel_file_attr, flags, 136);
KESTREL_ASSERT_OFF(struct kestrel_file_attr, path, 144);
KESTREL_ASSERT_SIZE(struct kestrel_file_attr, 152);

KESTREL_ASSERT_OFF(struct kestrel_file_symlink, result, 112);
KESTREL_ASSERT_OFF(struct kestrel_file_symlink, syscall, 116);
KESTREL_ASSERT_OFF(struct kestrel_file_symlink, newdirfd, 120);
KESTREL_ASSERT_OFF(struct kestrel_file_symlink, target, 128);
KESTREL_ASSERT_OFF(struct kestrel_file_symlink, linkpath, 136);
KESTREL_ASSERT_SIZE(struct kestrel_file_symlink, 144);

KESTREL_ASSERT_OFF(struct kestrel_net, result, 112);
KESTREL_ASSERT_OFF(struct kestrel_net, syscall, 116);
KESTREL_ASSERT_OFF(struct kestrel_net, fd, 120);
KESTREL_ASSERT_OFF(struct kestrel_net, family, 124);
KESTREL_ASSERT_OFF(struct kestrel_net, type, 126);
KESTREL_ASSERT_OFF(struct kestrel_net, protocol, 128);
KESTREL_ASSERT_OFF(struct kestrel_net, sport, 130);
KESTREL_ASSERT_OFF(struct kestrel_net, dport, 132);
KESTREL_ASSERT_OFF(struct kestrel_net, saddr, 136);
KESTREL_ASSERT_OFF(struct kestrel_net, daddr, 152);
KESTREL_ASSERT_OFF(struct kestrel_net, backlog, 168);
KESTREL_ASSERT_SIZE(struct kestrel_net, 176);

KESTREL_ASSERT_OFF(struct kestrel_dns, result, 112);
KESTREL_ASSERT_OFF(struct kestrel_dns, syscall, 116);
KESTREL_ASSERT_OFF(struct kestrel_dns, fd, 120);
KESTREL_ASSERT_OFF(struct kestrel_dns, family, 124);
KESTREL_ASSERT_OFF(struct kestrel_dns, dport, 126);
KESTREL_ASSERT_OFF(struct kestrel_dns, daddr, 128);
KESTREL_ASSERT_OFF(struct kestrel_dns, sport, 144);
KESTREL_ASSERT_OFF(struct kestrel_dns, payload_len, 148);
KESTREL_ASSERT_OFF(struct kestrel_dns, payload, 152);
KESTREL_ASSERT_SIZE(struct kestrel_dns, 160);

KESTREL_ASSERT_OFF(struct kestrel_pam, result, 112);
KESTREL_ASSERT_OFF(struct kestrel_pam, flags, 116);
KESTREL_ASSERT_OFF(struct kestrel_pam, pamh, 120);
KESTREL_ASSERT_OFF(struct kestrel_pam, service, 128);
KESTREL_ASSERT_OFF(struct kestrel_pam, user, 132);
KESTREL_ASSERT_OFF(struct kestrel_pam, rhost, 136);
KESTREL_ASSERT_OFF(struct kestrel_pam, tty, 140);
KESTREL_ASSERT_OFF(struct kestrel_pam, ruser, 144);
KESTREL_ASSERT_SIZE(struct kestrel_pam, 152);

KESTREL_ASSERT_SIZE(struct kestrel_pid_stats, 24);
KESTREL_ASSERT_OFF(struct kestrel_config, self_tgid, 0);
KESTREL_ASSERT_OFF(struct kestrel_config, flags, 4);
KESTREL_ASSERT_OFF(struct kestrel_config, path_types, 8);
KESTREL_ASSERT_OFF(struct kestrel_config, open_flags_mask, 16);
KESTREL_ASSERT_OFF(struct kestrel_config, nprefixes, 20);
KESTREL_ASSERT_OFF(struct kestrel_config, dns_port, 24);
KESTREL_ASSERT_OFF(struct kestrel_config, wakeup_bytes, 28);
KESTREL_ASSERT_SIZE(struct kestrel_config, 32);
KESTREL_ASSERT_OFF(struct kestrel_prefix, types, 0);
KESTREL_ASSERT_OFF(struct kestrel_prefix, len, 8);
KESTREL_ASSERT_OFF(struct kestrel_prefix, bytes, 16);
KESTREL_ASSERT_SIZE(struct kestrel_prefix, 80);
KESTREL_ASSERT_SIZE(struct kestrel_trust_key, 16);
KESTREL_ASSERT_SIZE(struct kestrel_trust_val, 4);
KESTREL_ASSERT_OFF(struct kestrel_proc, start_time, 0);
KESTREL_ASSERT_OFF(struct kestrel_proc, exec_time, 8);
KESTREL_ASSERT_OFF(struct kestrel_proc, exe_ino, 16);
KESTREL_ASSERT_OFF(struct kestrel_proc, exe_dev, 24);
KESTREL_ASSERT_OFF(struct kestrel_proc, exec_id, 28);
KESTREL_ASSERT_OFF(struct kestrel_proc, sid, 32);
KESTREL_ASSERT_OFF(struct kestrel_proc, pgid, 36);
KESTREL_ASSERT_OFF(struct kestrel_proc, level, 40);
KESTREL_ASSERT_SIZE(struct kestrel_proc, 48);

#endif /* KESTREL_EVENTS_H */
