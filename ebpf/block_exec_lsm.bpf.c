// SPDX-License-Identifier: GPL-2.0-only OR Apache-2.0
/*
 * block_exec_lsm.bpf.c: exec blocking with BPF LSM, preferred where it loads.
 *
 *   lsm/bprm_check_security  exec of a blocked file -> -EPERM: execve fails, the caller
 *                            survives and sees the error
 *   lsm/mmap_file            PROT_EXEC mapping of a blocked file (ld.so /path/to/binary) -> -EPERM
 *   lsm/file_mprotect        making a mapping of a blocked file executable -> -EPERM
 *
 * Same maps and matching as block_exec.bpf.c (shared through enforce.h); user space loads this
 * object first and falls back to block_exec's signal programs when the kernel refuses it
 * (no CONFIG_BPF_LSM, or "bpf" missing from the lsm= boot list).
 */
#include "enforce.h"

char LICENSE[] SEC("license") = "GPL";

static __always_inline int refuse(__u32 kind, struct enforce_target *t, __u64 ino, __u32 dev,
				  const char *kfilename)
{
	struct enforce_cfg *cfg = enforce_config();
	if (!cfg)
		return 0;
	__u64 now = bpf_ktime_get_boot_ns();
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u32 verdict = enforce_decide(cfg, tgid, now);
	struct enforce_verdict *v;
	enforce_report(kind, verdict, 0, t, now, kfilename, 0, &v);
	if (v) {
		v->ino = ino;
		v->dev = dev;
		bpf_ringbuf_submit(v, 0);
	}
	return verdict == ENFORCE_BLOCKED ? -EPERM : 0;
}

SEC("lsm/bprm_check_security")
int BPF_PROG(kestrel_lsm_exec, struct linux_binprm *bprm, int ret)
{
	if (ret)
		return ret;
	struct inode *ino = BPF_CORE_READ(bprm, file, f_inode);
	__u64 i = BPF_CORE_READ(ino, i_ino);
	__u32 dev = BPF_CORE_READ(ino, i_sb, s_dev);
	struct task_struct *task = bpf_get_current_task_btf();
	struct enforce_target *t = exec_target(i, dev, BPF_CORE_READ(task, real_parent));
	if (!t) {
		enforce_watch(i, dev, BPF_CORE_READ(bprm, filename));
		return 0;
	}
	return refuse(ENFORCE_KIND_EXEC_LSM, t, i, dev, BPF_CORE_READ(bprm, filename));
}

/*
 * An executable mapping of `file` (mmap or mprotect) by a process running a dynamic loader:
 * refused when it is a blocked binary.
 */
static __always_inline int refuse_exec_mapping(struct file *file)
{
	struct inode *ino = BPF_CORE_READ(file, f_inode);
	__u64 i = BPF_CORE_READ(ino, i_ino);
	__u32 dev = BPF_CORE_READ(ino, i_sb, s_dev);
	struct task_struct *task = bpf_get_current_task_btf();
	if (!enforce_runs_loader(task))
		return 0;
	struct enforce_target *t = exec_target(i, dev, BPF_CORE_READ(task, real_parent));
	if (!t)
		return 0;
	return refuse(ENFORCE_KIND_MMAP_LSM, t, i, dev,
		      (const char *)BPF_CORE_READ(file, f_path.dentry, d_name.name));
}

SEC("lsm/mmap_file")
int BPF_PROG(kestrel_lsm_mmap, struct file *file, unsigned long reqprot, unsigned long prot,
	     unsigned long flags, int ret)
{
	if (ret || !file || !(prot & PROT_EXEC))
		return ret;
	return refuse_exec_mapping(file);
}

SEC("lsm/file_mprotect")
int BPF_PROG(kestrel_lsm_mprotect, struct vm_area_struct *vma, unsigned long reqprot,
	     unsigned long prot, int ret)
{
	if (ret || !(prot & PROT_EXEC))
		return ret;
	struct file *file = BPF_CORE_READ(vma, vm_file);
	if (!file)
		return 0;
	return refuse_exec_mapping(file);
}
