// SPDX-License-Identifier: GPL-2.0-only OR Apache-2.0
/*
 * block_connect.bpf.c: refuses connections to blocked destinations.
 *
 *   cgroup/connect4, cgroup/connect6   attached to the cgroup v2 root: a connect() (or a
 *                                      sendmsg on an unconnected UDP socket does not pass here)
 *                                      to a blocked (address, port) fails with EPERM
 *
 * Lookup order: (address, port), (address, any port), (any address, port).
 */
#include "enforce.h"
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";

static __always_inline struct enforce_target *net_target(struct enforce_net_key *k)
{
	struct enforce_target *t = bpf_map_lookup_elem(&enforce_net, k);
	if (t)
		return t;
	__u16 port = k->port;
	k->port = 0;
	t = bpf_map_lookup_elem(&enforce_net, k);
	if (t)
		return t;
	k->port = port;
	__builtin_memset(k->addr, 0, sizeof(k->addr));
	return bpf_map_lookup_elem(&enforce_net, k);
}

static __always_inline int decide(__u32 kind, struct enforce_net_key *k)
{
	struct enforce_net_key orig = *k;
	struct enforce_target *t = net_target(k);
	if (!t)
		return 1;
	struct enforce_cfg *cfg = enforce_config();
	if (!cfg)
		return 1;
	__u64 now = bpf_ktime_get_boot_ns();
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u32 verdict = enforce_decide(cfg, tgid, now);
	struct enforce_verdict *v = bpf_ringbuf_reserve(&enforce_events, sizeof(*v), 0);
	if (v) {
		__u64 pid_tgid = bpf_get_current_pid_tgid();
		v->ktime = now;
		v->start_time = 0; /* read from /proc by user space: no task access here */
		v->kind = kind;
		v->verdict = verdict;
		v->rule = t->rule;
		v->generation = t->generation;
		v->error = 0;
		v->tgid = pid_tgid >> 32;
		v->tid = (__u32)pid_tgid;
		v->ppid = 0;
		v->uid = (__u32)bpf_get_current_uid_gid();
		v->dev = 0;
		v->ino = 0;
		v->family = orig.family;
		v->port = orig.port;
		v->_pad0 = 0;
		__builtin_memcpy(v->addr, orig.addr, sizeof(v->addr));
		bpf_get_current_comm(v->comm, sizeof(v->comm));
		v->filename[0] = 0;
		bpf_ringbuf_submit(v, 0);
	}
	return verdict == ENFORCE_BLOCKED ? 0 : 1;
}

SEC("cgroup/connect4")
int kestrel_block_connect4(struct bpf_sock_addr *ctx)
{
	struct enforce_net_key k = {};
	k.family = AF_INET;
	k.port = bpf_ntohs((__u16)ctx->user_port);
	__u32 ip = ctx->user_ip4;
	__builtin_memcpy(k.addr, &ip, 4);
	return decide(ENFORCE_KIND_CONNECT4, &k);
}

SEC("cgroup/connect6")
int kestrel_block_connect6(struct bpf_sock_addr *ctx)
{
	struct enforce_net_key k = {};
	k.family = AF_INET6;
	k.port = bpf_ntohs((__u16)ctx->user_port);
	__u32 w0 = ctx->user_ip6[0], w1 = ctx->user_ip6[1], w2 = ctx->user_ip6[2],
	      w3 = ctx->user_ip6[3];
	if (w0 == 0 && w1 == 0 && w2 == bpf_htonl(0xffff)) {
		/* ::ffff:a.b.c.d on a dual-stack socket reaches an IPv4 destination */
		k.family = AF_INET;
		__builtin_memcpy(k.addr, &w3, 4);
		return decide(ENFORCE_KIND_CONNECT6, &k);
	}
	__builtin_memcpy(k.addr, &w0, 4);
	__builtin_memcpy(k.addr + 4, &w1, 4);
	__builtin_memcpy(k.addr + 8, &w2, 4);
	__builtin_memcpy(k.addr + 12, &w3, 4);
	return decide(ENFORCE_KIND_CONNECT6, &k);
}
