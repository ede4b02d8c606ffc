// SPDX-License-Identifier: GPL-2.0-only OR Apache-2.0
/*
 * block_exec.bpf.c: exec blocking where BPF LSM is not available.
 *
 *   tp_btf/sched_process_exec  the new image is a blocked file (inode + device, optionally
 *                              with a given parent) -> bpf_send_signal(SIGKILL): the process
 *                              dies before its first user instruction (exit status 137)
 *   tp_btf/sys_enter           mmap(PROT_EXEC) of a blocked file by a process running a dynamic
 *                              loader (`ld.so /path/to/binary`, enforce_loader), or
 *                              mprotect(PROT_EXEC) of a mapping of one -> SIGKILL before the
 *                              call returns
 *
 * With content-hash rules, execs of other files are reported for user space to hash (its
 * decision puts the file into the map). Matching is on the file actually run, so symlinks and hard links reach the same entry.
 * Every decision is reported in enforce_events.
 */
#include "enforce.h"

char LICENSE[] SEC("license") = "GPL";

#define NR_MMAP 9
#define NR_MPROTECT 10
#define NR_PKEY_MPROTECT 329

static __always_inline void act(__u32 kind, struct enforce_target *t, __u64 ino, __u32 dev,
				const char *kfilename, const char *ufilename)
{
	struct enforce_cfg *cfg = enforce_config();
	if (!cfg)
		return;
	__u64 now = bpf_ktime_get_boot_ns();
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u32 verdict = enforce_decide(cfg, tgid, now);
	long err = 0;
	if (verdict == ENFORCE_BLOCKED) {
		err = bpf_send_signal(SIGKILL);
		if (err)
			verdict = ENFORCE_FAILED;
	}
	struct enforce_verdict *v;
	enforce_report(kind, verdict, err, t, now, kfilename, ufilename, &v);
	if (!v)
		return;
	v->ino = ino;
	v->dev = dev;
	bpf_ringbuf_submit(v, 0);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(kestrel_block_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct inode *ino = BPF_CORE_READ(bprm, file, f_inode);
	__u64 i = BPF_CORE_READ(ino, i_ino);
	__u32 dev = BPF_CORE_READ(ino, i_sb, s_dev);
	struct enforce_target *t = exec_target(i, dev, BPF_CORE_READ(p, real_parent));
	if (!t) {
		enforce_watch(i, dev, BPF_CORE_READ(bprm, filename));
		return 0;
	}
	act(ENFORCE_KIND_EXEC, t, i, dev, BPF_CORE_READ(bprm, filename), 0);
	return 0;
}

struct vma_ctx {
	struct file *file;
};

static long vma_file(struct task_struct *task, struct vm_area_struct *vma, void *data)
{
	struct vma_ctx *c = data;
	c->file = BPF_CORE_READ(vma, vm_file);
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(kestrel_block_mmap, struct pt_regs *regs, long id)
{
	if (id != NR_MMAP && id != NR_MPROTECT && id != NR_PKEY_MPROTECT)
		return 0;
	unsigned long prot = BPF_CORE_READ(regs, dx);
	if (!(prot & PROT_EXEC))
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	if (!enforce_runs_loader(task))
		return 0;
	struct file *f = 0;
	if (id == NR_MMAP) {
		long fd = (int)BPF_CORE_READ(regs, r8);
		if (fd < 0)
			return 0;
		struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
		unsigned int max = BPF_CORE_READ(fdt, max_fds);
		if (fd >= max)
			return 0;
		struct file **fds = BPF_CORE_READ(fdt, fd);
		bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	} else {
		/* mprotect(addr, len, PROT_EXEC): the file mapped at addr, if any */
		struct vma_ctx c = {};
		bpf_find_vma(task, BPF_CORE_READ(regs, di), vma_file, &c, 0);
		f = c.file;
	}
	if (!f)
		return 0;
	struct inode *ino = BPF_CORE_READ(f, f_inode);
	__u64 i = BPF_CORE_READ(ino, i_ino);
	__u32 dev = BPF_CORE_READ(ino, i_sb, s_dev);
	struct enforce_target *t = exec_target(i, dev, BPF_CORE_READ(task, real_parent));
	if (!t)
		return 0;
	act(ENFORCE_KIND_MMAP, t, i, dev, (const char *)BPF_CORE_READ(f, f_path.dentry, d_name.name),
	    0);
	return 0;
}
