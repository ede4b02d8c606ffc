// SPDX-License-Identifier: GPL-2.0-only OR Apache-2.0
/*
 * net.bpf.c: IPv4/IPv6 connections and DNS queries.
 *
 *   tp_btf/sys_exit  connect            -> NET_CONNECT (result incl. -EINPROGRESS, -ECONNREFUSED)
 *                    accept, accept4    -> NET_ACCEPT (successful ones: the new socket's peer)
 *                    bind               -> NET_BIND
 *                    listen             -> NET_LISTEN
 *                    sendto, sendmsg, sendmmsg on a UDP socket to port 53
 *                                       -> NET_DNS (first KESTREL_DNS_MAX bytes of the payload)
 * AF_UNIX and other families are not events.
 */
#include "common.h"
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";

#define IPPROTO_UDP 17

/* sockaddr_in / sockaddr_in6 as read from user memory */
struct uaddr {
	u16 family;
	u16 port; /* network order */
	union {
		u8 v4[4];
		struct {
			u32 flowinfo;
			u8 v6[16];
		};
	};
	u32 scope;
};

static __always_inline int read_uaddr(u64 uptr, struct uaddr *a)
{
	__builtin_memset(a, 0, sizeof(*a));
	/* 8 bytes first: a sockaddr_in may end where a sockaddr_in6 would go on */
	if (!uptr || bpf_probe_read_user(a, 8, (const void *)uptr))
		return 0;
	if (a->family == AF_INET6)
		return bpf_probe_read_user(a, sizeof(*a), (const void *)uptr) == 0;
	return a->family == AF_INET;
}

static __always_inline void uaddr_copy(struct uaddr *a, u8 dst[16])
{
	if (a->family == AF_INET)
		__builtin_memcpy(dst, a->v4, 4);
	else
		__builtin_memcpy(dst, a->v6, 16);
}

static __always_inline struct sock *fd_sock(long fd, struct socket **sockp)
{
	struct file *f = fd_file(bpf_get_current_task_btf(), fd);
	struct socket *sock = f ? file_socket(f) : 0;
	*sockp = sock;
	return sock ? BPF_CORE_READ(sock, sk) : 0;
}

/* local and remote addresses of an inet socket */
static __always_inline void sk_addrs(struct sock *sk, u16 family, struct kestrel_net *e)
{
	e->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	e->dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (family == AF_INET) {
		BPF_CORE_READ_INTO((u32 *)e->saddr, sk, __sk_common.skc_rcv_saddr);
		BPF_CORE_READ_INTO((u32 *)e->daddr, sk, __sk_common.skc_daddr);
	} else {
		bpf_core_read(e->saddr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(e->daddr, 16, &sk->__sk_common.skc_v6_daddr);
	}
}

static __always_inline struct kestrel_net *net_begin(u32 type, struct sc_args *s, long fd,
						     struct socket *sock, struct sock *sk,
						     u16 family)
{
	u8 level;
	if (!kestrel_admit(type, current_tgid(), &level))
		return 0;
	u8 *rec = rec_begin(type, level);
	if (!rec)
		return 0;
	struct kestrel_net *e = (void *)rec;
	e->result = s->ret;
	e->syscall = s->nr;
	e->fd = fd;
	e->family = family;
	e->type = BPF_CORE_READ(sock, type);
	e->protocol = BPF_CORE_READ(sk, sk_protocol);
	e->sport = 0;
	e->dport = 0;
	e->_pad0 = 0;
	__builtin_memset(e->saddr, 0, sizeof(e->saddr));
	__builtin_memset(e->daddr, 0, sizeof(e->daddr));
	e->backlog = 0;
	e->_pad1 = 0;
	return e;
}

/* -------------------------------------------------------- connect, bind */

static __noinline int on_connect_bind(struct sc_args *s)
{
	struct uaddr a;
	if (!read_uaddr(s->a[1], &a))
		return 0;
	int is_connect = s->nr == NR_connect;
	u32 type = is_connect ? KESTREL_EV_NET_CONNECT : KESTREL_EV_NET_BIND;
	struct socket *sock;
	long fd = (int)s->a[0];
	struct sock *sk = fd_sock(fd, &sock);
	if (!sk)
		return 0;
	struct kestrel_net *e = net_begin(type, s, fd, sock, sk, a.family);
	if (!e)
		return 0;
	if (is_connect) {
		if (s->ret == 0 || s->ret == -115 /* EINPROGRESS */)
			sk_addrs(sk, a.family, e); /* the local side chosen by the kernel */
		__builtin_memset(e->daddr, 0, sizeof(e->daddr));
		uaddr_copy(&a, e->daddr);
		e->dport = bpf_ntohs(a.port);
	} else {
		uaddr_copy(&a, e->saddr);
		e->sport = bpf_ntohs(a.port);
		if (s->ret == 0 && e->sport == 0)
			e->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	}
	return kestrel_submit((u8 *)e, sizeof(*e), 0);
}

/* ------------------------------------------------------- accept, listen */

static __noinline int on_accept_listen(struct sc_args *s)
{
	int is_listen = s->nr == NR_listen;
	if (!is_listen && s->ret < 0)
		return 0; /* failed accepts (EAGAIN in event loops) are not events */
	long fd = is_listen ? (int)s->a[0] : s->ret;
	struct socket *sock;
	struct sock *sk = fd_sock(fd, &sock);
	if (!sk)
		return 0;
	u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != AF_INET && family != AF_INET6)
		return 0;
	u32 type = is_listen ? KESTREL_EV_NET_LISTEN : KESTREL_EV_NET_ACCEPT;
	struct kestrel_net *e = net_begin(type, s, (int)s->a[0], sock, sk, family);
	if (!e)
		return 0;
	sk_addrs(sk, family, e);
	if (is_listen) {
		e->backlog = s->a[1];
		e->dport = 0;
		__builtin_memset(e->daddr, 0, sizeof(e->daddr));
	}
	return kestrel_submit((u8 *)e, sizeof(*e), 0);
}

/* ------------------------------------------------------------------ DNS */

struct dns_msg {
	u64 buf; /* first iovec / buffer */
	u64 len;
	u64 name; /* destination sockaddr, 0 if connected */
	long result;
	u32 total; /* datagram length */
	u32 _pad;
};

static __noinline int emit_dns(struct sc_args *s, struct dns_msg *m, long fd)
{
	struct socket *sock;
	struct sock *sk = fd_sock(fd, &sock);
	if (!sk)
		return 0;
	u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if ((family != AF_INET && family != AF_INET6) ||
	    BPF_CORE_READ(sk, sk_protocol) != IPPROTO_UDP)
		return 0;
	u8 daddr[16] = {};
	u16 dport;
	struct uaddr a;
	if (m->name && read_uaddr(m->name, &a)) {
		uaddr_copy(&a, daddr);
		dport = bpf_ntohs(a.port);
		family = a.family;
	} else {
		dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
		if (family == AF_INET)
			BPF_CORE_READ_INTO((u32 *)daddr, sk, __sk_common.skc_daddr);
		else
			bpf_core_read(daddr, 16, &sk->__sk_common.skc_v6_daddr);
	}
	struct kestrel_config *cfg = kestrel_cfg();
	u16 want = cfg && cfg->dns_port ? cfg->dns_port : 53;
	if (dport != want)
		return 0;

	u8 level;
	if (!kestrel_admit(KESTREL_EV_NET_DNS, current_tgid(), &level))
		return 0;
	u8 *rec = rec_begin(KESTREL_EV_NET_DNS, level);
	if (!rec)
		return 0;
	struct kestrel_dns *e = (void *)rec;
	e->result = m->result;
	e->syscall = s->nr;
	e->fd = fd;
	e->family = family;
	e->dport = dport;
	__builtin_memcpy(e->daddr, daddr, 16);
	e->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	e->_pad0 = 0;
	e->payload_len = m->total;
	e->_pad1 = 0;
	e->payload.off = 0;
	e->payload.len = 0;
	u32 trunc = 0;
	u64 n = m->len;
	if (n > KESTREL_DNS_MAX)
		trunc = 1;
	CLAMP_MAX(n, KESTREL_DNS_MAX);
	if (n && bpf_probe_read_user(rec + sizeof(*e), n, (const void *)m->buf) == 0) {
		e->payload.off = sizeof(*e);
		e->payload.len = n;
	} else {
		n = 0;
	}
	return kestrel_submit(rec, sizeof(*e) + n, trunc);
}

/* struct user_msghdr: name @0, namelen @8, iov @16, iovlen @24; struct iovec: base, len */
static __always_inline void read_msghdr(u64 uptr, struct dns_msg *m)
{
	u64 hdr[4] = {};
	u64 iov[2] = {};
	bpf_probe_read_user(hdr, sizeof(hdr), (const void *)uptr);
	m->name = hdr[0];
	if (hdr[2] && hdr[3])
		bpf_probe_read_user(iov, sizeof(iov), (const void *)hdr[2]);
	m->buf = iov[0];
	m->len = iov[1];
}

static __noinline int on_send(struct sc_args *s)
{
	long fd = (int)s->a[0];
	struct dns_msg m = {};
	m.result = s->ret;
	if (s->nr == NR_sendto) {
		m.buf = s->a[1];
		m.len = s->a[2];
		m.name = s->a[4];
		m.total = s->a[2];
		return emit_dns(s, &m, fd);
	}
	if (s->nr == NR_sendmsg) {
		read_msghdr(s->a[1], &m);
		m.total = s->ret > 0 ? s->ret : m.len;
		return emit_dns(s, &m, fd);
	}
	/* sendmmsg: one record per message sent (at most 4), struct mmsghdr is 64 bytes */
	if (s->ret <= 0)
		return 0;
	for (int i = 0; i < 4; i++) {
		if (i >= s->ret)
			break;
		u32 sent = 0;
		u64 mh = s->a[1] + i * 64;
		read_msghdr(mh, &m);
		bpf_probe_read_user(&sent, 4, (const void *)(mh + 56));
		m.total = sent;
		m.result = sent;
		emit_dns(s, &m, fd);
	}
	return 0;
}

/* ------------------------------------------------------------------- dispatch */

SEC("tp_btf/sys_exit")
int BPF_PROG(kestrel_net_exit, struct pt_regs *regs, long ret)
{
	u32 nr = BPF_CORE_READ(regs, orig_ax);
	switch (nr) {
	case NR_connect:
	case NR_bind:
	case NR_accept:
	case NR_accept4:
	case NR_listen:
	case NR_sendto:
	case NR_sendmsg:
	case NR_sendmmsg:
		break;
	default:
		return 0;
	}
	if (in_compat_syscall())
		return 0;
	struct sc_args s = {};
	sc_read(&s, regs, ret, nr);
	switch (nr) {
	case NR_connect:
	case NR_bind:
		return on_connect_bind(&s);
	case NR_accept:
	case NR_accept4:
	case NR_listen:
		return on_accept_listen(&s);
	default:
		return on_send(&s);
	}
}
