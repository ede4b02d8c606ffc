// SPDX-License-Identifier: GPL-2.0-only OR Apache-2.0
/*
 * auth.bpf.c: PAM authentication outcomes.
 *
 *   uprobe    libpam.so.0:pam_authenticate  remembers (pamh, flags) per thread
 *   uretprobe libpam.so.0:pam_authenticate  -> KESTREL_EV_AUTH_PAM with the return code and
 *                                             service, user, rhost, tty, ruser
 *
 * The programs have bare "uprobe"/"uretprobe" sections: user space attaches them to each
 * libpam it finds (host and container images) with func_name "pam_authenticate".
 *
 * The strings are read at return from Linux-PAM's private struct pam_handle (libpam/
 * pam_private.h), whose leading members have kept this layout since Linux-PAM 0.99:
 *     char *authtok;                    0
 *     unsigned caller_is;               8
 *     struct pam_conv *pam_conversation 16
 *     char *oldauthtok;                 24
 *     char *prompt;                     32
 *     char *service_name;               40
 *     char *user;                       48
 *     char *rhost;                      56
 *     char *ruser;                      64
 *     char *tty;                        72
 * The offsets are read-only globals so user space can set others before load (after
 * checking them in-process: pam_start() a handle and compare *(char **)(pamh + off) with
 * pam_get_item(PAM_SERVICE / PAM_USER / PAM_RHOST / PAM_RUSER / PAM_TTY)).
 */
#include "common.h"

char LICENSE[] SEC("license") = "GPL";

const volatile u32 pam_off_service = 40;
const volatile u32 pam_off_user = 48;
const volatile u32 pam_off_rhost = 56;
const volatile u32 pam_off_ruser = 64;
const volatile u32 pam_off_tty = 72;

struct pam_call {
	u64 pamh;
	u32 flags;
	u32 _pad;
};
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, u64); /* pid_tgid */
	__type(value, struct pam_call);
} pending_pam SEC(".maps");

/* x86_64 SysV ABI: pam_authenticate(pamh = rdi, flags = esi), return value in eax */
SEC("uprobe")
int kestrel_pam_enter(struct pt_regs *ctx)
{
	u64 id = bpf_get_current_pid_tgid();
	struct pam_call c = {};
	c.pamh = ctx->di;
	c.flags = ctx->si;
	bpf_map_update_elem(&pending_pam, &id, &c, BPF_ANY);
	return 0;
}

static __always_inline const char *pam_field(u64 pamh, u32 off)
{
	const char *p = 0;
	bpf_probe_read_user(&p, sizeof(p), (const void *)(pamh + off));
	return p;
}

SEC("uretprobe")
int kestrel_pam_exit(struct pt_regs *ctx)
{
	int ret = ctx->ax;
	u64 id = bpf_get_current_pid_tgid();
	struct pam_call *pc = bpf_map_lookup_elem(&pending_pam, &id);
	if (!pc)
		return 0;
	struct pam_call c = *pc;
	bpf_map_delete_elem(&pending_pam, &id);

	u8 level;
	if (!kestrel_admit(KESTREL_EV_AUTH_PAM, id >> 32, &level))
		return 0;
	u8 *rec = rec_begin(KESTREL_EV_AUTH_PAM, level);
	if (!rec)
		return 0;
	struct kestrel_pam *e = (void *)rec;
	struct out o = { .off = sizeof(*e), .trunc = 0 };
	e->result = ret;
	e->flags = c.flags;
	e->pamh = c.pamh;
	e->_pad0 = 0;
	PUT_USTR(rec, &o, &e->service, pam_field(c.pamh, pam_off_service), KESTREL_NAME_MAX, 0);
	PUT_USTR(rec, &o, &e->user, pam_field(c.pamh, pam_off_user), KESTREL_NAME_MAX, 1);
	PUT_USTR(rec, &o, &e->rhost, pam_field(c.pamh, pam_off_rhost), KESTREL_NAME_MAX, 2);
	PUT_USTR(rec, &o, &e->tty, pam_field(c.pamh, pam_off_tty), KESTREL_NAME_MAX, 3);
	PUT_USTR(rec, &o, &e->ruser, pam_field(c.pamh, pam_off_ruser), KESTREL_NAME_MAX, 4);
	return kestrel_submit(rec, o.off, o.trunc);
}
