// SPDX-License-Identifier: GPL-2.0
/*
 * A fake kernel for "make check": it sits below the real lib/knl.c and
 * libnl and answers requests from an in-memory kvs, so that the CLI's
 * encoding, parsing and printing, and knl.c's handling of ACKs, extack,
 * dumps and overruns, are tested where the module cannot be loaded.
 *
 * knl_open() calls knl_transport_hook(), a weak no-op in knl.c. The one
 * here puts fake_send() and fake_recv() in place of libnl's send and
 * receive functions on the callback set of the socket (nl_cb_overwrite_*).
 * genl_connect() still opens a real NETLINK_GENERIC socket, but none of
 * our requests goes over it: fake_send() takes each request as bytes and
 * queues the answer as datagrams, which fake_recv() hands back one per
 * call, as recvmsg() would. genl_ctrl_resolve() and genl_ctrl_resolve_grp()
 * clone that callback set, overrides included, and send with the socket's
 * own: the controller requests land here too.
 *
 * The answers are laid out as the kernel lays them out: a doit's reply,
 * then an ACK (NLMSG_ERROR with error 0) if the request asked for one, with
 * a warning in NLMSGERR_ATTR_MSG if there is one; a failure as NLMSG_ERROR
 * with extack TLVs (the message, the missing attribute) if NETLINK_EXT_ACK
 * is on, without the echoed request if NETLINK_CAP_ACK is on; a dump as
 * NLM_F_MULTI messages packed into datagrams, then NLMSG_DONE, with the
 * error and its message if the dump failed once started. The options are
 * seen through setsockopt(), which this program replaces (see below).
 *
 * It checks requests the way the ABI says the kernel does: attributes a
 * command does not take are refused, sizes are exact, nests carry
 * NLA_F_NESTED, strings end in NUL. It knows nothing of the datapath.
 *
 * Like the kernel, fdb dumps and datapath events carry only the ifindex of
 * the switch and the port; if_indextoname() is replaced to name the fake
 * devices (and count the look-ups).
 *
 * Environment, read by each knl_open():
 * KVS_FAKE_NOFAMILY=1	the controller does not know the family (ENOENT)
 * KVS_FAKE_INTR=N	the next N dumps are flagged NLM_F_DUMP_INTR
 * KVS_FAKE_NOCAP=1	joining the events group is refused (EPERM), as for a
 *			caller without CAP_NET_ADMIN
 * KVS_FAKE_WARN=TEXT	the ACK of the next successful change carries TEXT
 *			as a warning
 * KVS_FAKE_OOM=1	the monitor's first receive fails with ENOMEM
 * KVS_FAKE_IFNAMES=1	the number of if_indextoname() calls to stderr at
 *			exit
 * KVS_FAKE_DEBUG=1	requests to stderr
 * KVS_FAKE_OLD=1	a module from before KVS_ATTR_SWITCH_BATCH and
 *			KVS_ATTR_NET_HIGHWAY: it refuses the one and sends
 *			neither
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/genetlink.h>
#include <netlink/errno.h>
#include <netlink/handlers.h>
#include <netlink/socket.h>
#include <netlink/genl/genl.h>

#include "../lib/knl.h"
#include "../lib/names.h"
#include "../../uapi/linux/kvs.h"
#include "fake_knl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define FAMILY 0x42
/*
 * The id of the "events" group. knl_subscribe() joins it with a real
 * setsockopt(NETLINK_ADD_MEMBERSHIP) on the real socket, which the kernel
 * refuses for an id past its generic netlink groups and checks against
 * the group's owner otherwise. 0x10 is the "notify" group of nlctrl: it
 * exists in every kernel and anyone may join it, so the call succeeds
 * unprivileged; what the real kernel then sends there is never read.
 * KVS_FAKE_NOCAP is played by the setsockopt() below.
 */
#define GROUP 0x10
#define CTRL_VERSION 2
/* how much of a dump the kernel packs into one datagram at most */
#define DGRAM_MAX 32768

#define MAXSW 8
#define MAXNET 64
#define MAXPORT 64
#define MAXFDB 200000

struct fsw {
	char name[16]; int ifindex; uint32_t ageing, batch; bool used;
};
struct fnet { int sw; uint32_t id; char label[32]; uint32_t max_macs; bool used; };
struct fport {
	int sw; char name[16]; int ifindex; uint8_t type; uint32_t net;
	int nmacs; uint8_t macs[KVS_PORT_MACS_MAX][6];
	uint8_t learning; uint32_t max_macs, bum; uint16_t gfm; bool used;
};
struct ffdb { int sw; uint32_t net; uint8_t mac[6]; int port; uint32_t flags; };

/* What the fake kernel reports about one request (its netlink_ext_ack) */
struct fext {
	int err;		/* positive errno, 0: success */
	char msg[256];		/* the extack message, or "" */
	int miss_type;		/* the missing attribute, or -1 */
	bool early;		/* refused before a dump started */
};

/* One datagram waiting to be received, or a failure of recvmsg() */
struct dgram {
	struct dgram *next;
	unsigned char *data;	/* malloc'd, handed to libnl as it is */
	size_t len;
	uint32_t groups;	/* nl_groups of the sender: multicast */
	int nle, err;		/* if nle < 0: fail with it, errno err */
};

/* A growing byte buffer */
struct buf {
	unsigned char *p;
	size_t len, cap;
};

/* The socket the fake kernel serves: the one of the last knl_open() */
static struct {
	struct nl_sock *sk;
	int fd;			/* its real descriptor, once seen */
	bool ext_ack, cap_ack;	/* NETLINK_EXT_ACK, NETLINK_CAP_ACK */
	bool subscribed;	/* joined GROUP */
	bool doorbell;		/* a real datagram waits on the real fd */
	bool monitor_sent;	/* the monitor's events are queued */
	bool oom;		/* KVS_FAKE_OOM */
	const char *warn;	/* KVS_FAKE_WARN */
	struct dgram *head, *tail;
	struct buf inject;	/* fake_knl_inject() */
	bool inject_on, inject_stamp;
} fs;

static struct fsw sws[MAXSW];
static struct fnet nets[MAXNET];
static struct fport ports[MAXPORT];
static struct ffdb *fdbs;
static int nfdb;
static int next_ifindex = 10;
static int intr_left;
static unsigned long ifname_calls;
unsigned long fake_knl_ctrl_requests;

/* The CLI's look-ups land here, not in libc: the fake devices have no
 * netdev. 5 and 7 are the switch and port of the monitor's events.
 */
char *if_indextoname(unsigned int ifindex, char ifname[IF_NAMESIZE])
{
	int i;

	ifname_calls++;
	for (i = 0; i < MAXSW; i++)
		if (sws[i].used && (unsigned int)sws[i].ifindex == ifindex)
			return strcpy(ifname, sws[i].name);
	for (i = 0; i < MAXPORT; i++)
		if (ports[i].used && (unsigned int)ports[i].ifindex == ifindex)
			return strcpy(ifname, ports[i].name);
	if (ifindex == 5)
		return strcpy(ifname, "sw0");
	if (ifindex == 7)
		return strcpy(ifname, "veth1");
	errno = ENXIO;
	return NULL;
}

static int fail(struct fext *k, int err, const char *msg)
{
	snprintf(k->msg, sizeof(k->msg), "%s", msg ? msg : "");
	k->err = err;
	return -err;
}

/* ---- the datagram queue ---- */

static void buf_add(struct buf *b, const void *p, size_t len)
{
	size_t need = b->len + NLMSG_ALIGN(len);

	if (need > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;

		while (cap < need)
			cap *= 2;
		b->p = realloc(b->p, cap);
		if (!b->p) {
			fprintf(stderr, "fake_knl: out of memory\n");
			exit(2);
		}
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, len);
	memset(b->p + b->len + len, 0, NLMSG_ALIGN(len) - len);
	b->len = need;
}

static struct dgram *dgram_new(void)
{
	struct dgram *d = calloc(1, sizeof(*d));

	if (!d) {
		fprintf(stderr, "fake_knl: out of memory\n");
		exit(2);
	}
	if (fs.tail)
		fs.tail->next = d;
	else
		fs.head = d;
	fs.tail = d;
	return d;
}

/* Queue the bytes of @b as one datagram; @b is emptied */
static void queue_buf(struct buf *b, uint32_t groups)
{
	struct dgram *d = dgram_new();

	d->data = b->p;
	d->len = b->len;
	d->groups = groups;
	memset(b, 0, sizeof(*b));
}

/* A receive that fails as recvmsg() failing with @err does in nl_recv() */
static void queue_recv_err(int err)
{
	struct dgram *d = dgram_new();

	d->nle = -nl_syserr2nlerr(err);
	d->err = err;
}

static void queue_flush(void)
{
	while (fs.head) {
		struct dgram *d = fs.head;

		fs.head = d->next;
		free(d->data);
		free(d);
	}
	fs.tail = NULL;
}

/* Address a reply to the sender of @req, as genlmsg_reply() does */
static void stamp(struct nlmsghdr *nlh, const struct nlmsghdr *req)
{
	nlh->nlmsg_pid = req ? nl_socket_get_local_port(fs.sk) : 0;
	nlh->nlmsg_seq = req ? req->nlmsg_seq : 0;
}

/* Queue @m (freed) as a datagram of its own, in answer to @req */
static void queue_msg(struct nl_msg *m, const struct nlmsghdr *req)
{
	struct nlmsghdr *nlh = nlmsg_hdr(m);
	struct buf b = { 0 };

	stamp(nlh, req);
	buf_add(&b, nlh, nlh->nlmsg_len);
	queue_buf(&b, 0);
	nlmsg_free(m);
}

/* A message with a bare netlink header and room for @size bytes */
static struct nl_msg *new_msg(int type, int flags, size_t size)
{
	struct nl_msg *m = nlmsg_alloc_size(NLMSG_HDRLEN + size + 1024);

	if (!m || !nlmsg_put(m, 0, 0, type, 0, flags)) {
		fprintf(stderr, "fake_knl: out of memory\n");
		exit(2);
	}
	return m;
}

/*
 * Answer @req with an NLMSG_ERROR as netlink_ack() does: error 0 is an
 * ACK. The request is echoed after the nlmsgerr unless the socket set
 * NETLINK_CAP_ACK (an ACK only ever echoes the header: NLM_F_CAPPED); the
 * extack TLVs follow if it set NETLINK_EXT_ACK: the message (a warning on
 * an ACK), and on failure the missing attribute.
 */
static void queue_ack(const struct nlmsghdr *req, const struct fext *x)
{
	bool capped = !x->err || fs.cap_ack;
	bool miss = x->err && x->miss_type > 0;
	bool tlvs = fs.ext_ack && (x->msg[0] || miss);
	struct nlmsgerr e = { .error = -x->err, .msg = *req };
	struct nl_msg *m;

	m = new_msg(NLMSG_ERROR, (capped ? NLM_F_CAPPED : 0) |
		    (tlvs ? NLM_F_ACK_TLVS : 0), req->nlmsg_len);
	nlmsg_append(m, &e, sizeof(e), NLMSG_ALIGNTO);
	if (!capped && req->nlmsg_len > NLMSG_HDRLEN)
		nlmsg_append(m, (char *)req + NLMSG_HDRLEN,
			     req->nlmsg_len - NLMSG_HDRLEN, NLMSG_ALIGNTO);
	if (tlvs && x->msg[0])
		nla_put_string(m, NLMSGERR_ATTR_MSG, x->msg);
	if (tlvs && miss)
		nla_put_u32(m, NLMSGERR_ATTR_MISS_TYPE, x->miss_type);
	queue_msg(m, req);
}

/* ---- setsockopt: the socket options the fake kernel sees ---- */

/*
 * libnl and knl.c set options with setsockopt(); this definition comes
 * first in the link, libnl's calls included. Everything goes on to the
 * real socket; what concerns the fake kernel is noted on the way:
 * NETLINK_EXT_ACK and NETLINK_CAP_ACK shape its errors, and joining the
 * events group starts the monitor's events, or fails with EPERM under
 * KVS_FAKE_NOCAP as genl_bind() does for a GENL_MCAST_CAP_NET_ADMIN group
 * and a caller without the capability.
 */
int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	static int (*real)(int, int, int, const void *, socklen_t);
	int on = val && len >= sizeof(int) ? *(const int *)val : 0;
	bool ours, join;
	int ret;

	if (!real)
		real = (int (*)(int, int, int, const void *, socklen_t))
		       dlsym(RTLD_NEXT, "setsockopt");
	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	/* the first SOL_NETLINK option after knl_open() started is on the
	 * new socket: take its descriptor while the socket surely exists
	 */
	if (level == SOL_NETLINK && fs.sk && fs.fd < 0)
		fs.fd = nl_socket_get_fd(fs.sk);
	ours = level == SOL_NETLINK && fs.sk && fd == fs.fd;
	join = ours && name == NETLINK_ADD_MEMBERSHIP && on == GROUP;
	if (join && getenv("KVS_FAKE_NOCAP")) {
		errno = EPERM;
		return -1;
	}
	ret = real(fd, level, name, val, len);
	if (ret || !ours)
		return ret;
	if (name == NETLINK_EXT_ACK)
		fs.ext_ack = on;
	else if (name == NETLINK_CAP_ACK)
		fs.cap_ack = on;
	else if (join)
		fs.subscribed = true;
	else if (name == NETLINK_DROP_MEMBERSHIP && on == GROUP)
		fs.subscribed = false;
	if (join && !fs.doorbell) {
		/*
		 * knl_listen() may poll() the real descriptor before it
		 * receives: keep it readable with a datagram nobody reads,
		 * the real kernel's ACK of a no-op
		 */
		struct nlmsghdr noop = {
			.nlmsg_len = NLMSG_HDRLEN,
			.nlmsg_type = NLMSG_NOOP,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
		};
		struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

		fs.doorbell = sendto(fd, &noop, sizeof(noop), 0,
				     (struct sockaddr *)&kernel,
				     sizeof(kernel)) == sizeof(noop);
	}
	return 0;
}

/* ---- request checking ---- */

#define A(x) (1ULL << (x))
#define SWKEY (A(KVS_ATTR_SWITCH_NAME) | A(KVS_ATTR_SWITCH_IFINDEX))
#define PORTKEY (A(KVS_ATTR_PORT_NAME) | A(KVS_ATTR_PORT_IFINDEX))
#define PORTCFG (A(KVS_ATTR_PORT_MACS) | A(KVS_ATTR_PORT_LEARNING) | \
		 A(KVS_ATTR_PORT_MAX_MACS) | A(KVS_ATTR_PORT_BUM_LIMIT) | \
		 A(KVS_ATTR_PORT_GROUP_FWD_MASK))

static const int attr_len[KVS_ATTR_MAX + 1] = {
	/* >0 exact, -1 NUL-terminated string, -2 nest */
	[KVS_ATTR_SWITCH_IFINDEX] = 4, [KVS_ATTR_SWITCH_NAME] = -1,
	[KVS_ATTR_AGEING_TIME] = 4, [KVS_ATTR_NET_ID] = 4,
	[KVS_ATTR_NET_LABEL] = -1, [KVS_ATTR_PORT_IFINDEX] = 4,
	[KVS_ATTR_PORT_NAME] = -1, [KVS_ATTR_PORT_TYPE] = 1,
	[KVS_ATTR_PORT_MACS] = -2, [KVS_ATTR_PORT_LEARNING] = 1,
	[KVS_ATTR_PORT_MAX_MACS] = 4, [KVS_ATTR_PORT_BUM_LIMIT] = 4,
	[KVS_ATTR_PORT_FABRIC] = -2, [KVS_ATTR_MAC] = 6,
	[KVS_ATTR_FDB_REMOTE_IP4] = 4, [KVS_ATTR_FDB_REMOTE_IP6] = 16,
	[KVS_ATTR_NET_MAX_MACS] = 4, [KVS_ATTR_PORT_GROUP_FWD_MASK] = 2,
	[KVS_ATTR_SWITCH_BATCH] = 4,
};

/* KVS_FAKE_OLD: attributes the module does not know yet */
static bool old_module(void)
{
	return getenv("KVS_FAKE_OLD");
}

static int check_attrs(struct fext *k, struct nlattr **tb, uint64_t allowed)
{
	int i;

	for (i = 1; i <= KVS_ATTR_MAX; i++) {
		const char *s;

		if (!tb[i])
			continue;
		if (!(allowed & A(i)) || !attr_len[i] ||
		    (old_module() && i > KVS_ATTR_PORT_GROUP_FWD_MASK))
			return fail(k, EINVAL, "Unknown attribute type");
		if (attr_len[i] > 0 && nla_len(tb[i]) != attr_len[i])
			return fail(k, EINVAL, "Attribute failed policy validation");
		if (attr_len[i] == -2 && !(tb[i]->nla_type & NLA_F_NESTED))
			return fail(k, EINVAL, "NLA_F_NESTED is missing");
		if (attr_len[i] == -1) {
			s = nla_data(tb[i]);
			if (!nla_len(tb[i]) || s[nla_len(tb[i]) - 1] ||
			    strlen(s) + 1 != (size_t)nla_len(tb[i]))
				return fail(k, EINVAL, "string not NUL-terminated");
		}
		if (i == KVS_ATTR_NET_ID &&
		    (nla_get_u32(tb[i]) < 1 || nla_get_u32(tb[i]) > KVS_NET_ID_MAX))
			return fail(k, ERANGE, "network id out of range");
		if (i == KVS_ATTR_SWITCH_BATCH &&
		    (nla_get_u32(tb[i]) < 1 || nla_get_u32(tb[i]) > KVS_BATCH_MAX))
			return fail(k, ERANGE, "batch out of range");
	}
	return 0;
}

/* Policy validation: in a dump it runs before the dump starts (genl's
 * .start), so its failure is an NLMSG_ERROR, not an NLMSG_DONE
 */
static int check(struct fext *k, struct nlattr **tb, uint64_t allowed,
		 bool dump)
{
	int ret = check_attrs(k, tb, allowed);

	(void)dump;
	if (ret)
		k->early = true;
	return ret;
}

static int find_sw(struct fext *k, struct nlattr **tb)
{
	int i;

	if (!tb[KVS_ATTR_SWITCH_NAME] && !tb[KVS_ATTR_SWITCH_IFINDEX]) {
		k->miss_type = KVS_ATTR_SWITCH_NAME;
		return fail(k, EINVAL, NULL);
	}
	for (i = 0; i < MAXSW; i++)
		if (sws[i].used &&
		    (tb[KVS_ATTR_SWITCH_NAME] ?
		     !strcmp(sws[i].name, nla_get_string(tb[KVS_ATTR_SWITCH_NAME])) :
		     (int)nla_get_u32(tb[KVS_ATTR_SWITCH_IFINDEX]) == sws[i].ifindex))
			return i;
	return fail(k, ENODEV, "no such kvs switch");
}

static int find_net(int sw, uint32_t id)
{
	int i;

	for (i = 0; i < MAXNET; i++)
		if (nets[i].used && nets[i].sw == sw && nets[i].id == id)
			return i;
	return -1;
}

static int find_port_name(const char *name)
{
	int i;

	for (i = 0; i < MAXPORT; i++)
		if (ports[i].used && !strcmp(ports[i].name, name))
			return i;
	return -1;
}

static int find_port(struct fext *k, struct nlattr **tb)
{
	int p;

	if (!tb[KVS_ATTR_PORT_NAME]) {
		k->miss_type = KVS_ATTR_PORT_NAME;
		return fail(k, EINVAL, NULL);
	}
	if (!strncmp(nla_get_string(tb[KVS_ATTR_PORT_NAME]), "nodev", 5))
		return fail(k, ENODEV, NULL);
	p = find_port_name(nla_get_string(tb[KVS_ATTR_PORT_NAME]));
	if (p < 0)
		return fail(k, ENOENT, "device is not a kvs port");
	return p;
}

static int fdb_find(int sw, uint32_t net, const uint8_t *mac)
{
	int i;

	for (i = 0; i < nfdb; i++)
		if (fdbs[i].sw == sw && fdbs[i].net == net &&
		    !memcmp(fdbs[i].mac, mac, 6))
			return i;
	return -1;
}

static void fdb_remove(int i)
{
	fdbs[i] = fdbs[--nfdb];
}

static int apply_cfg(struct fext *k, struct nlattr **tb, struct fport *p)
{
	if (tb[KVS_ATTR_PORT_MACS]) {
		struct nlattr *nla;
		int rem, n = 0;

		nla_for_each_nested(nla, tb[KVS_ATTR_PORT_MACS], rem) {
			if (nla_type(nla) != KVS_MACS_ATTR_ADDR ||
			    nla_len(nla) != 6)
				return fail(k, EINVAL, "bad MAC list entry");
			if (n == KVS_PORT_MACS_MAX)
				return fail(k, E2BIG, "too many MACs");
			memcpy(p->macs[n++], nla_data(nla), 6);
		}
		p->nmacs = n;
	}
	if (tb[KVS_ATTR_PORT_LEARNING])
		p->learning = nla_get_u8(tb[KVS_ATTR_PORT_LEARNING]);
	if (tb[KVS_ATTR_PORT_MAX_MACS])
		p->max_macs = nla_get_u32(tb[KVS_ATTR_PORT_MAX_MACS]);
	if (tb[KVS_ATTR_PORT_BUM_LIMIT])
		p->bum = nla_get_u32(tb[KVS_ATTR_PORT_BUM_LIMIT]);
	if (tb[KVS_ATTR_PORT_GROUP_FWD_MASK]) {
		uint16_t m = nla_get_u16(tb[KVS_ATTR_PORT_GROUP_FWD_MASK]);

		if (m & KVS_GROUP_FWD_RESTRICTED)
			return fail(k, EINVAL, "group_fwd_mask may not forward 01:80:c2:00:00:00-02");
		p->gfm = m;
	}
	return 0;
}

/* ---- replies ---- */

static struct nl_msg *reply(uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc();

	genlmsg_put(msg, 0, 0, FAMILY, 0, 0, cmd, KVS_GENL_VERSION);
	return msg;
}

static void put_sw(struct nl_msg *m, int sw)
{
	nla_put_string(m, KVS_ATTR_SWITCH_NAME, sws[sw].name);
	nla_put_u32(m, KVS_ATTR_SWITCH_IFINDEX, sws[sw].ifindex);
}

static void put_stats(struct nl_msg *m, uint64_t seed)
{
	struct nlattr *n = nla_nest_start(m, KVS_ATTR_STATS);
	int i;

	for (i = KVS_STATS_RX_PACKETS; i <= KVS_STATS_MAX; i++)
		nla_put_u64(m, i, seed * 100 + i);
	nla_nest_end(m, n);
}

static int deliver(struct nl_msg *m, knl_cb_t cb, void *arg)
{
	int ret = cb ? cb(m, arg) : 0;

	nlmsg_free(m);
	return ret;
}

static int send_port(int p, knl_cb_t cb, void *arg, uint8_t cmd)
{
	struct nl_msg *m = reply(cmd);
	struct fport *po = &ports[p];

	nla_put_string(m, KVS_ATTR_PORT_NAME, po->name);
	nla_put_u32(m, KVS_ATTR_PORT_IFINDEX, po->ifindex);
	put_sw(m, po->sw);
	nla_put_u8(m, KVS_ATTR_PORT_TYPE, po->type);
	if (cmd == KVS_CMD_STATS_GET) {
		put_stats(m, po->ifindex);
		return deliver(m, cb, arg);
	}
	if (po->type == KVS_PORT_VM) {
		struct nlattr *n;
		int i, learned = 0;

		nla_put_u32(m, KVS_ATTR_NET_ID, po->net);
		n = nla_nest_start(m, KVS_ATTR_PORT_MACS);
		for (i = 0; i < po->nmacs; i++)
			nla_put(m, KVS_MACS_ATTR_ADDR, 6, po->macs[i]);
		nla_nest_end_keep_empty(m, n);
		nla_put_u8(m, KVS_ATTR_PORT_LEARNING, po->learning);
		nla_put_u32(m, KVS_ATTR_PORT_MAX_MACS, po->max_macs);
		nla_put_u32(m, KVS_ATTR_PORT_BUM_LIMIT, po->bum);
		nla_put_u16(m, KVS_ATTR_PORT_GROUP_FWD_MASK, po->gfm);
		for (i = 0; i < nfdb; i++)
			learned += fdbs[i].port == p &&
				   !(fdbs[i].flags & KVS_FDB_F_STATIC);
		nla_put_u32(m, KVS_ATTR_PORT_LEARNED, learned);
	}
	put_stats(m, po->ifindex);
	return deliver(m, cb, arg);
}

/* ---- the commands ---- */

static int do_switch(struct fext *k, uint8_t cmd, struct nlattr **tb,
		     bool dump, knl_cb_t cb, void *arg)
{
	struct nl_msg *m;
	int i, sw;

	switch (cmd) {
	case KVS_CMD_SWITCH_NEW:
		if (check(k, tb, A(KVS_ATTR_SWITCH_NAME) |
			  A(KVS_ATTR_AGEING_TIME) | A(KVS_ATTR_SWITCH_BATCH),
			  false))
			return -k->err;
		if (!tb[KVS_ATTR_SWITCH_NAME])
			return fail(k, EINVAL, "missing switch name");
		for (i = 0; i < MAXSW; i++)
			if (sws[i].used && !strcmp(sws[i].name,
				nla_get_string(tb[KVS_ATTR_SWITCH_NAME])))
				return fail(k, EEXIST, NULL);
		for (i = 0; i < MAXSW && sws[i].used; i++)
			;
		if (i == MAXSW)
			return fail(k, ENOSPC, NULL);
		sws[i].used = true;
		snprintf(sws[i].name, 16, "%s",
			 nla_get_string(tb[KVS_ATTR_SWITCH_NAME]));
		sws[i].ifindex = next_ifindex++;
		sws[i].ageing = tb[KVS_ATTR_AGEING_TIME] ?
			nla_get_u32(tb[KVS_ATTR_AGEING_TIME]) : 300;
		sws[i].batch = tb[KVS_ATTR_SWITCH_BATCH] ?
			nla_get_u32(tb[KVS_ATTR_SWITCH_BATCH]) :
			KVS_BATCH_DEFAULT;
		return 0;
	case KVS_CMD_SWITCH_DEL:
	case KVS_CMD_SWITCH_SET:
		if (check(k, tb, SWKEY | (cmd == KVS_CMD_SWITCH_SET ?
					  A(KVS_ATTR_AGEING_TIME) |
					  A(KVS_ATTR_SWITCH_BATCH) : 0), false))
			return -k->err;
		sw = find_sw(k, tb);
		if (sw < 0)
			return sw;
		if (cmd == KVS_CMD_SWITCH_SET) {
			if (!tb[KVS_ATTR_AGEING_TIME] &&
			    !tb[KVS_ATTR_SWITCH_BATCH])
				return fail(k, EINVAL, "nothing to set");
			if (tb[KVS_ATTR_AGEING_TIME])
				sws[sw].ageing =
					nla_get_u32(tb[KVS_ATTR_AGEING_TIME]);
			if (tb[KVS_ATTR_SWITCH_BATCH])
				sws[sw].batch =
					nla_get_u32(tb[KVS_ATTR_SWITCH_BATCH]);
			return 0;
		}
		sws[sw].used = false;
		for (i = 0; i < MAXNET; i++)
			if (nets[i].sw == sw)
				nets[i].used = false;
		for (i = 0; i < MAXPORT; i++)
			if (ports[i].sw == sw)
				ports[i].used = false;
		for (i = nfdb - 1; i >= 0; i--)
			if (fdbs[i].sw == sw)
				fdb_remove(i);
		return 0;
	case KVS_CMD_SWITCH_GET:
		if (check(k, tb, dump ? 0 : SWKEY, dump))
			return -k->err;
		for (i = 0; i < MAXSW; i++) {
			if (!sws[i].used)
				continue;
			if (!dump) {
				i = find_sw(k, tb);
				if (i < 0)
					return i;
			}
			m = reply(cmd);
			put_sw(m, i);
			nla_put_u32(m, KVS_ATTR_AGEING_TIME, sws[i].ageing);
			if (!old_module())
				nla_put_u32(m, KVS_ATTR_SWITCH_BATCH,
					    sws[i].batch);
			if (deliver(m, cb, arg))
				return -ENOMEM;
			if (!dump)
				break;
		}
		if (!dump && i == MAXSW)
			return find_sw(k, tb);
		return 0;
	}
	return fail(k, EOPNOTSUPP, NULL);
}

static int do_net(struct fext *k, uint8_t cmd, struct nlattr **tb, bool dump,
		  knl_cb_t cb, void *arg)
{
	int i, sw = -1, n;

	if (check(k, tb, SWKEY | A(KVS_ATTR_NET_ID) |
		  (cmd == KVS_CMD_NET_NEW ? A(KVS_ATTR_NET_LABEL) : 0) |
		  (cmd == KVS_CMD_NET_NEW || cmd == KVS_CMD_NET_SET ?
		   A(KVS_ATTR_NET_MAX_MACS) : 0), dump))
		return -k->err;
	if (!dump || tb[KVS_ATTR_SWITCH_NAME]) {
		sw = find_sw(k, tb);
		if (sw < 0)
			return sw;
	}
	if (!dump && !tb[KVS_ATTR_NET_ID]) {
		k->miss_type = KVS_ATTR_NET_ID;
		return fail(k, EINVAL, NULL);
	}
	switch (cmd) {
	case KVS_CMD_NET_NEW:
		if (find_net(sw, nla_get_u32(tb[KVS_ATTR_NET_ID])) >= 0)
			return fail(k, EEXIST, "network already exists");
		if (tb[KVS_ATTR_NET_LABEL] &&
		    nla_len(tb[KVS_ATTR_NET_LABEL]) > KVS_LABEL_MAX)
			return fail(k, EINVAL, "label too long");
		for (i = 0; i < MAXNET && nets[i].used; i++)
			;
		nets[i].used = true;
		nets[i].sw = sw;
		nets[i].id = nla_get_u32(tb[KVS_ATTR_NET_ID]);
		nets[i].label[0] = 0;
		nets[i].max_macs = tb[KVS_ATTR_NET_MAX_MACS] ?
			nla_get_u32(tb[KVS_ATTR_NET_MAX_MACS]) :
			KVS_NET_MAX_MACS_DEFAULT;
		if (tb[KVS_ATTR_NET_LABEL])
			snprintf(nets[i].label, 32, "%s",
				 nla_get_string(tb[KVS_ATTR_NET_LABEL]));
		return 0;
	case KVS_CMD_NET_SET:
		n = find_net(sw, nla_get_u32(tb[KVS_ATTR_NET_ID]));
		if (n < 0)
			return fail(k, ENOENT, "no such network");
		if (!tb[KVS_ATTR_NET_MAX_MACS])
			return fail(k, EINVAL, "nothing to set");
		nets[n].max_macs = nla_get_u32(tb[KVS_ATTR_NET_MAX_MACS]);
		return 0;
	case KVS_CMD_NET_DEL:
		n = find_net(sw, nla_get_u32(tb[KVS_ATTR_NET_ID]));
		if (n < 0)
			return fail(k, ENOENT, "no such network");
		nets[n].used = false;
		for (i = 0; i < MAXPORT; i++)
			if (ports[i].used && ports[i].sw == sw &&
			    ports[i].net == nets[n].id)
				ports[i].used = false;
		return 0;
	case KVS_CMD_NET_GET:
		for (i = 0; i < MAXNET; i++) {
			struct nl_msg *m;
			int j, cnt = 0, learned = 0;

			if (!nets[i].used || (sw >= 0 && nets[i].sw != sw))
				continue;
			for (j = 0; j < MAXPORT; j++)
				cnt += ports[j].used &&
				       ports[j].sw == nets[i].sw &&
				       ports[j].net == nets[i].id;
			for (j = 0; j < nfdb; j++)
				learned += fdbs[j].sw == nets[i].sw &&
					   fdbs[j].net == nets[i].id &&
					   !(fdbs[j].flags & KVS_FDB_F_STATIC);
			m = reply(cmd);
			put_sw(m, nets[i].sw);
			nla_put_u32(m, KVS_ATTR_NET_ID, nets[i].id);
			if (nets[i].label[0])
				nla_put_string(m, KVS_ATTR_NET_LABEL,
					       nets[i].label);
			nla_put_u32(m, KVS_ATTR_NET_PORTS, cnt);
			nla_put_u32(m, KVS_ATTR_NET_MAX_MACS,
				    nets[i].max_macs);
			nla_put_u32(m, KVS_ATTR_NET_LEARNED, learned);
			/* two VM ports and nothing else: the fake has no
			 * fabric ports
			 */
			if (!old_module())
				nla_put_u8(m, KVS_ATTR_NET_HIGHWAY, cnt == 2);
			if (deliver(m, cb, arg))
				return -ENOMEM;
		}
		return 0;
	}
	return fail(k, EOPNOTSUPP, NULL);
}

static struct nla_policy fab_pol[KVS_FABRIC_ATTR_MAX + 1] = {
	[KVS_FABRIC_ATTR_ENCAP] = { .type = NLA_U8 },
};

static int do_port(struct fext *k, uint8_t cmd, struct nlattr **tb,
		   bool dump, knl_cb_t cb, void *arg)
{
	struct fport tmp = { 0 };
	int i, sw, p;

	switch (cmd) {
	case KVS_CMD_PORT_NEW:
		if (check(k, tb, PORTKEY | SWKEY | A(KVS_ATTR_NET_ID) |
			  A(KVS_ATTR_PORT_TYPE) | A(KVS_ATTR_PORT_FABRIC) |
			  PORTCFG, false))
			return -k->err;
		sw = find_sw(k, tb);
		if (sw < 0)
			return sw;
		if (!tb[KVS_ATTR_PORT_NAME])
			return fail(k, EINVAL, "missing port");
		if (!strncmp(nla_get_string(tb[KVS_ATTR_PORT_NAME]), "nodev", 5))
			return fail(k, ENODEV, NULL);
		if (tb[KVS_ATTR_PORT_TYPE] &&
		    nla_get_u8(tb[KVS_ATTR_PORT_TYPE]) == KVS_PORT_FABRIC) {
			struct nlattr *f[KVS_FABRIC_ATTR_MAX + 1];

			if (!tb[KVS_ATTR_PORT_FABRIC] ||
			    nla_parse_nested(f, KVS_FABRIC_ATTR_MAX,
					     tb[KVS_ATTR_PORT_FABRIC], fab_pol) ||
			    !f[KVS_FABRIC_ATTR_ENCAP])
				return fail(k, EINVAL, "bad fabric nest");
			if (getenv("KVS_FAKE_DEBUG")) {
				char b[64];

				fprintf(stderr, "fabric encap %u",
					nla_get_u8(f[KVS_FABRIC_ATTR_ENCAP]));
				if (f[KVS_FABRIC_ATTR_LOCAL_IP4])
					fprintf(stderr, " local4 %s", inet_ntop(AF_INET, nla_data(f[KVS_FABRIC_ATTR_LOCAL_IP4]), b, 64));
				if (f[KVS_FABRIC_ATTR_LOCAL_IP6])
					fprintf(stderr, " local6 %s", inet_ntop(AF_INET6, nla_data(f[KVS_FABRIC_ATTR_LOCAL_IP6]), b, 64));
				if (f[KVS_FABRIC_ATTR_REMOTE_IP4])
					fprintf(stderr, " remote4 %s", inet_ntop(AF_INET, nla_data(f[KVS_FABRIC_ATTR_REMOTE_IP4]), b, 64));
				if (f[KVS_FABRIC_ATTR_DSTPORT])
					fprintf(stderr, " dstport %u len %d", nla_get_u16(f[KVS_FABRIC_ATTR_DSTPORT]), nla_len(f[KVS_FABRIC_ATTR_DSTPORT]));
				fprintf(stderr, "\n");
			}
			return fail(k, EOPNOTSUPP, "fabric ports are not supported yet");
		}
		if (!tb[KVS_ATTR_NET_ID]) {
			k->miss_type = KVS_ATTR_NET_ID;
			return fail(k, EINVAL, NULL);
		}
		if (find_net(sw, nla_get_u32(tb[KVS_ATTR_NET_ID])) < 0)
			return fail(k, ENOENT, "no such network");
		if (find_port_name(nla_get_string(tb[KVS_ATTR_PORT_NAME])) >= 0)
			return fail(k, EBUSY, "device is already a kvs port");
		tmp.learning = 1;
		tmp.max_macs = KVS_PORT_MAX_MACS_DEFAULT;
		if (apply_cfg(k, tb, &tmp))
			return -k->err;
		for (p = 0; p < MAXPORT && ports[p].used; p++)
			;
		tmp.used = true;
		tmp.sw = sw;
		tmp.type = KVS_PORT_VM;
		tmp.net = nla_get_u32(tb[KVS_ATTR_NET_ID]);
		tmp.ifindex = next_ifindex++;
		snprintf(tmp.name, 16, "%s",
			 nla_get_string(tb[KVS_ATTR_PORT_NAME]));
		ports[p] = tmp;
		for (i = 0; i < tmp.nmacs; i++) {
			fdbs[nfdb] = (struct ffdb){ sw, tmp.net, {0}, p,
						    KVS_FDB_F_STATIC };
			memcpy(fdbs[nfdb++].mac, tmp.macs[i], 6);
		}
		return 0;
	case KVS_CMD_PORT_SET:
		if (check(k, tb, PORTKEY | PORTCFG, false))
			return -k->err;
		p = find_port(k, tb);
		if (p < 0)
			return p;
		tmp = ports[p];
		if (apply_cfg(k, tb, &tmp))
			return -k->err;
		ports[p] = tmp;
		return 0;
	case KVS_CMD_PORT_DEL:
		if (check(k, tb, PORTKEY, false))
			return -k->err;
		p = find_port(k, tb);
		if (p < 0)
			return p;
		ports[p].used = false;
		for (i = nfdb - 1; i >= 0; i--)
			if (fdbs[i].port == p)
				fdb_remove(i);
		return 0;
	case KVS_CMD_PORT_GET:
	case KVS_CMD_STATS_GET:
		if (check(k, tb, dump ? SWKEY : PORTKEY |
			  (cmd == KVS_CMD_STATS_GET ? SWKEY : 0), dump))
			return -k->err;
		if (!dump && cmd == KVS_CMD_STATS_GET &&
		    tb[KVS_ATTR_SWITCH_NAME]) {
			struct nl_msg *m;

			sw = find_sw(k, tb);
			if (sw < 0)
				return sw;
			m = reply(cmd);
			put_sw(m, sw);
			put_stats(m, 7);
			return deliver(m, cb, arg) ? -ENOMEM : 0;
		}
		if (!dump) {
			p = find_port(k, tb);
			return p < 0 ? p : send_port(p, cb, arg, cmd);
		}
		sw = -1;
		if (tb[KVS_ATTR_SWITCH_NAME]) {
			sw = find_sw(k, tb);
			if (sw < 0)
				return sw;
		}
		for (p = 0; p < MAXPORT; p++)
			if (ports[p].used && (sw < 0 || ports[p].sw == sw) &&
			    send_port(p, cb, arg, cmd))
				return -ENOMEM;
		return 0;
	}
	return fail(k, EOPNOTSUPP, NULL);
}

static int do_fdb(struct fext *k, uint8_t cmd, struct nlattr **tb, bool dump,
		  knl_cb_t cb, void *arg)
{
	int i, sw = -1, p;
	uint32_t net;

	switch (cmd) {
	case KVS_CMD_FDB_NEW:
	case KVS_CMD_FDB_DEL:
		if (check(k, tb, SWKEY | A(KVS_ATTR_NET_ID) | A(KVS_ATTR_MAC) |
			  A(KVS_ATTR_FDB_REMOTE_IP4) | A(KVS_ATTR_FDB_REMOTE_IP6) |
			  (cmd == KVS_CMD_FDB_NEW ? PORTKEY : 0), false))
			return -k->err;
		sw = find_sw(k, tb);
		if (sw < 0)
			return sw;
		if (!tb[KVS_ATTR_NET_ID] || !tb[KVS_ATTR_MAC])
			return fail(k, EINVAL, "missing net or mac");
		net = nla_get_u32(tb[KVS_ATTR_NET_ID]);
		if (tb[KVS_ATTR_FDB_REMOTE_IP4] || tb[KVS_ATTR_FDB_REMOTE_IP6])
			return fail(k, EOPNOTSUPP, "fabric ports are not supported yet");
		i = fdb_find(sw, net, nla_data(tb[KVS_ATTR_MAC]));
		if (cmd == KVS_CMD_FDB_DEL) {
			if (i < 0)
				return fail(k, ENOENT, "no such fdb entry");
			fdb_remove(i);
			return 0;
		}
		if (find_net(sw, net) < 0)
			return fail(k, ENOENT, "no such network");
		p = find_port(k, tb);
		if (p < 0)
			return p;
		if (i >= 0)
			return fail(k, EEXIST, "fdb entry exists");
		if (nfdb == MAXFDB)
			return fail(k, ENOSPC, NULL);
		fdbs[nfdb] = (struct ffdb){ sw, net, {0}, p, KVS_FDB_F_STATIC };
		memcpy(fdbs[nfdb++].mac, nla_data(tb[KVS_ATTR_MAC]), 6);
		return 0;
	case KVS_CMD_FDB_GET:
		if (check(k, tb, SWKEY | A(KVS_ATTR_NET_ID), dump))
			return -k->err;
		if (!dump)
			return fail(k, EOPNOTSUPP, NULL);
		if (tb[KVS_ATTR_SWITCH_NAME]) {
			sw = find_sw(k, tb);
			if (sw < 0)
				return sw;
		}
		for (i = 0; i < nfdb; i++) {
			struct nl_msg *m;

			if ((sw >= 0 && fdbs[i].sw != sw) ||
			    (tb[KVS_ATTR_NET_ID] &&
			     fdbs[i].net != nla_get_u32(tb[KVS_ATTR_NET_ID])))
				continue;
			/* ifindex values only, as the kernel sends */
			m = reply(cmd);
			nla_put_u32(m, KVS_ATTR_SWITCH_IFINDEX,
				    sws[fdbs[i].sw].ifindex);
			nla_put_u32(m, KVS_ATTR_NET_ID, fdbs[i].net);
			nla_put(m, KVS_ATTR_MAC, 6, fdbs[i].mac);
			nla_put_u32(m, KVS_ATTR_PORT_IFINDEX,
				    ports[fdbs[i].port].ifindex);
			nla_put_u32(m, KVS_ATTR_FDB_FLAGS, fdbs[i].flags);
			nla_put_u32(m, KVS_ATTR_FDB_AGE, 12300 + i);
			if (deliver(m, cb, arg))
				return -ENOMEM;
		}
		return 0;
	}
	return fail(k, EOPNOTSUPP, NULL);
}

/* ---- the kvs family ---- */

/* The messages of one answer, back to back, before they are sent */
struct answer {
	struct buf b;
	size_t *off;		/* where each message starts in b */
	size_t n, cap;
};

/* knl_cb_t of the command handlers: collect the reply @m */
static int emit(struct nl_msg *m, void *arg)
{
	struct answer *a = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(m);

	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 64;
		a->off = realloc(a->off, a->cap * sizeof(*a->off));
		if (!a->off) {
			fprintf(stderr, "fake_knl: out of memory\n");
			exit(2);
		}
	}
	a->off[a->n++] = a->b.len;
	buf_add(&a->b, nlh, nlh->nlmsg_len);
	return 0;
}

static struct nlmsghdr *answer_msg(struct answer *a, size_t i)
{
	return (struct nlmsghdr *)(a->b.p + a->off[i]);
}

/*
 * Send a dump's answer as netlink_dump() does: the messages packed into
 * datagrams, NLMSG_DONE after them in the last one if it fits. A change
 * during the dump (KVS_FAKE_INTR) flags the messages from the middle on,
 * and NLMSG_DONE.
 */
static void send_dump(const struct nlmsghdr *req, struct answer *a,
		      const struct fext *x, bool intr)
{
	struct buf d = { 0 };
	struct nl_msg *done;
	struct nlmsghdr *nlh;
	int error = -x->err;
	bool tlvs = fs.ext_ack && x->err && x->msg[0];
	size_t i;

	for (i = 0; i < a->n; i++) {
		nlh = answer_msg(a, i);
		stamp(nlh, req);
		nlh->nlmsg_flags = NLM_F_MULTI |
				   (intr && i >= a->n / 2 ? NLM_F_DUMP_INTR : 0);
		if (d.len && d.len + NLMSG_ALIGN(nlh->nlmsg_len) > DGRAM_MAX)
			queue_buf(&d, 0);
		buf_add(&d, nlh, nlh->nlmsg_len);
	}

	done = new_msg(NLMSG_DONE, NLM_F_MULTI |
		       (intr ? NLM_F_DUMP_INTR : 0) |
		       (tlvs ? NLM_F_ACK_TLVS : 0), 0);
	nlmsg_append(done, &error, sizeof(error), NLMSG_ALIGNTO);
	if (tlvs)
		nla_put_string(done, NLMSGERR_ATTR_MSG, x->msg);
	nlh = nlmsg_hdr(done);
	stamp(nlh, req);
	if (d.len && d.len + NLMSG_ALIGN(nlh->nlmsg_len) > DGRAM_MAX)
		queue_buf(&d, 0);
	buf_add(&d, nlh, nlh->nlmsg_len);
	queue_buf(&d, 0);
	nlmsg_free(done);
}

static bool is_change(uint8_t cmd)
{
	return cmd != KVS_CMD_SWITCH_GET && cmd != KVS_CMD_NET_GET &&
	       cmd != KVS_CMD_PORT_GET && cmd != KVS_CMD_FDB_GET &&
	       cmd != KVS_CMD_STATS_GET;
}

/* Run the request @nlh: the replies go to @a, the outcome to @k */
static int kvs_run(struct fext *k, const struct nlmsghdr *nlh, bool dump,
		   struct answer *a)
{
	struct genlmsghdr *g = nlmsg_data(nlh);
	struct nlattr *tb[KVS_ATTR_MAX + 1];
	struct nlattr *nla;
	int rem;

	/* refused before a dump could start */
	k->early = true;
	if (nlh->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN))
		return fail(k, EINVAL, NULL);
	if (g->version != KVS_GENL_VERSION)
		return fail(k, EINVAL, "bad header");
	/* strict: unknown attribute types are an error */
	if (genlmsg_parse((struct nlmsghdr *)nlh, 0, tb, KVS_ATTR_MAX,
			  NULL) < 0)
		return fail(k, EINVAL, "malformed");
	nla_for_each_attr(nla, genlmsg_attrdata(g, 0),
			  genlmsg_attrlen(g, 0), rem)
		if (nla_type(nla) > KVS_ATTR_MAX || !nla_type(nla))
			return fail(k, EINVAL, "Unknown attribute type");
	if (getenv("KVS_FAKE_DEBUG")) {
		int i;

		fprintf(stderr, "req cmd %u%s:", g->cmd, dump ? " dump" : "");
		for (i = 1; i <= KVS_ATTR_MAX; i++)
			if (tb[i])
				fprintf(stderr, " %d/%d", i, nla_len(tb[i]));
		fprintf(stderr, "\n");
	}
	if (dump && is_change(g->cmd))
		return fail(k, EOPNOTSUPP, NULL);
	k->early = false;

	switch (g->cmd) {
	case KVS_CMD_SWITCH_NEW: case KVS_CMD_SWITCH_DEL:
	case KVS_CMD_SWITCH_GET: case KVS_CMD_SWITCH_SET:
		return do_switch(k, g->cmd, tb, dump, emit, a);
	case KVS_CMD_NET_NEW: case KVS_CMD_NET_DEL: case KVS_CMD_NET_GET:
	case KVS_CMD_NET_SET:
		return do_net(k, g->cmd, tb, dump, emit, a);
	case KVS_CMD_PORT_NEW: case KVS_CMD_PORT_DEL: case KVS_CMD_PORT_GET:
	case KVS_CMD_PORT_SET: case KVS_CMD_STATS_GET:
		return do_port(k, g->cmd, tb, dump, emit, a);
	case KVS_CMD_FDB_NEW: case KVS_CMD_FDB_DEL: case KVS_CMD_FDB_GET:
		return do_fdb(k, g->cmd, tb, dump, emit, a);
	}
	k->early = true;
	return fail(k, EOPNOTSUPP, NULL);
}

static void kvs_rcv(const struct nlmsghdr *req)
{
	bool dump = (req->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	struct fext x = { .miss_type = -1 };
	struct answer a = { 0 };
	size_t i;
	int ret;

	ret = kvs_run(&x, req, dump, &a);
	if (ret < 0 && !x.err)
		x.err = -ret;
	if (ret >= 0)
		x.err = 0;

	if (dump && !x.early) {
		/* a dump that ran: its end says how it went */
		bool intr = !x.err && intr_left > 0;

		if (intr)
			intr_left--;
		send_dump(req, &a, &x, intr);
	} else if (x.err) {
		queue_ack(req, &x);
	} else {
		for (i = 0; i < a.n; i++) {
			struct nlmsghdr *nlh = answer_msg(&a, i);
			struct buf b = { 0 };

			stamp(nlh, req);
			nlh->nlmsg_flags = 0;
			buf_add(&b, nlh, nlh->nlmsg_len);
			queue_buf(&b, 0);
		}
		if (fs.warn && is_change(((struct genlmsghdr *)
					  nlmsg_data(req))->cmd)) {
			snprintf(x.msg, sizeof(x.msg), "%s", fs.warn);
			fs.warn = NULL;
		}
		/* no ACK after a dump: netlink_rcv_skb() skips it */
		if (req->nlmsg_flags & NLM_F_ACK)
			queue_ack(req, &x);
	}
	free(a.b.p);
	free(a.off);
}

/* ---- the controller ---- */

/* CTRL_CMD_GETFAMILY by name or id, as ctrl_getfamily() answers it */
static void ctrl_rcv(const struct nlmsghdr *req)
{
	struct nlattr *tb[CTRL_ATTR_MAX + 1];
	struct fext x = { .miss_type = -1 };
	struct genlmsghdr *g = nlmsg_data(req);
	struct nlattr *grps, *grp;
	struct nl_msg *m;
	bool found;

	fake_knl_ctrl_requests++;
	if (req->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN) ||
	    genlmsg_parse((struct nlmsghdr *)req, 0, tb, CTRL_ATTR_MAX,
			  NULL) < 0) {
		fail(&x, EINVAL, NULL);
		queue_ack(req, &x);
		return;
	}
	/* the controller's dump of every family is not needed here */
	if (g->cmd != CTRL_CMD_GETFAMILY ||
	    (req->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP) {
		fail(&x, EOPNOTSUPP, NULL);
		queue_ack(req, &x);
		return;
	}
	if (tb[CTRL_ATTR_FAMILY_NAME])
		found = !nla_strcmp(tb[CTRL_ATTR_FAMILY_NAME], KVS_GENL_NAME);
	else if (tb[CTRL_ATTR_FAMILY_ID] &&
		 nla_len(tb[CTRL_ATTR_FAMILY_ID]) == 2)
		found = nla_get_u16(tb[CTRL_ATTR_FAMILY_ID]) == FAMILY;
	else
		found = false;
	if (!found || getenv("KVS_FAKE_NOFAMILY")) {
		/* as the kernel: no message, the errno says it */
		fail(&x, ENOENT, NULL);
		queue_ack(req, &x);
		return;
	}

	m = nlmsg_alloc();
	if (!m || !genlmsg_put(m, 0, 0, GENL_ID_CTRL, 0, 0,
			       CTRL_CMD_NEWFAMILY, CTRL_VERSION)) {
		fprintf(stderr, "fake_knl: out of memory\n");
		exit(2);
	}
	nla_put_string(m, CTRL_ATTR_FAMILY_NAME, KVS_GENL_NAME);
	nla_put_u16(m, CTRL_ATTR_FAMILY_ID, FAMILY);
	nla_put_u32(m, CTRL_ATTR_VERSION, KVS_GENL_VERSION);
	nla_put_u32(m, CTRL_ATTR_HDRSIZE, 0);
	nla_put_u32(m, CTRL_ATTR_MAXATTR, KVS_ATTR_MAX);
	grps = nla_nest_start(m, CTRL_ATTR_MCAST_GROUPS);
	grp = nla_nest_start(m, 1);
	nla_put_string(m, CTRL_ATTR_MCAST_GRP_NAME, KVS_GENL_MCGRP_EVENTS);
	nla_put_u32(m, CTRL_ATTR_MCAST_GRP_ID, GROUP);
	nla_nest_end(m, grp);
	nla_nest_end(m, grps);
	queue_msg(m, req);
	if (req->nlmsg_flags & NLM_F_ACK)
		queue_ack(req, &x);
}

/* One request, as netlink_rcv_skb() and genl_rcv_msg() take it */
static void kernel_rcv(const struct nlmsghdr *req)
{
	struct fext x = { .miss_type = -1 };

	if (!(req->nlmsg_flags & NLM_F_REQUEST) ||
	    req->nlmsg_type < NLMSG_MIN_TYPE) {
		if (req->nlmsg_flags & NLM_F_ACK)
			queue_ack(req, &x);
		return;
	}
	if (req->nlmsg_type == GENL_ID_CTRL) {
		ctrl_rcv(req);
		return;
	}
	if (req->nlmsg_type == FAMILY && !getenv("KVS_FAKE_NOFAMILY")) {
		kvs_rcv(req);
		return;
	}
	fail(&x, ENOENT, NULL);
	queue_ack(req, &x);
}

/* ---- the monitor ---- */

static void queue_event(struct nl_msg *m)
{
	struct nlmsghdr *nlh = nlmsg_hdr(m);
	struct buf b = { 0 };

	/* a notification: port 0, sequence 0, to the group */
	stamp(nlh, NULL);
	buf_add(&b, nlh, nlh->nlmsg_len);
	queue_buf(&b, 1U << (GROUP - 1));
	nlmsg_free(m);
}

/*
 * The monitor's events: one of each kind, an overrun in the middle, then
 * an end. A kernel never ends a subscription; the fake ends it with an
 * NLMSG_ERROR, which knl_listen() takes as any error: it returns
 * -ECONNRESET with the message "fake monitor done".
 */
static void queue_monitor(void)
{
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 1 };
	struct nlmsghdr none = { .nlmsg_len = NLMSG_HDRLEN };
	struct fext x = { .miss_type = -1 };
	struct nl_msg *m;

	m = reply(KVS_CMD_SWITCH_NEW);
	nla_put_string(m, KVS_ATTR_SWITCH_NAME, "sw0");
	nla_put_u32(m, KVS_ATTR_SWITCH_IFINDEX, 5);
	nla_put_u32(m, KVS_ATTR_AGEING_TIME, 300);
	nla_put_u32(m, KVS_ATTR_SWITCH_BATCH, KVS_BATCH_DEFAULT);
	queue_event(m);
	m = reply(KVS_CMD_NET_NEW);
	nla_put_string(m, KVS_ATTR_SWITCH_NAME, "sw0");
	nla_put_u32(m, KVS_ATTR_NET_ID, 100);
	nla_put_string(m, KVS_ATTR_NET_LABEL, "red");
	nla_put_u32(m, KVS_ATTR_NET_MAX_MACS, KVS_NET_MAX_MACS_DEFAULT);
	queue_event(m);
	m = reply(KVS_CMD_PORT_NEW);
	nla_put_string(m, KVS_ATTR_PORT_NAME, "veth1");
	nla_put_u32(m, KVS_ATTR_PORT_IFINDEX, 7);
	nla_put_string(m, KVS_ATTR_SWITCH_NAME, "sw0");
	nla_put_u8(m, KVS_ATTR_PORT_TYPE, KVS_PORT_VM);
	nla_put_u32(m, KVS_ATTR_NET_ID, 100);
	queue_event(m);
	/* datapath events: ifindex values, no names */
	m = reply(KVS_CMD_FDB_NEW);
	nla_put_u32(m, KVS_ATTR_SWITCH_IFINDEX, 5);
	nla_put_u32(m, KVS_ATTR_NET_ID, 100);
	nla_put(m, KVS_ATTR_MAC, 6, mac);
	nla_put_u32(m, KVS_ATTR_PORT_IFINDEX, 7);
	nla_put_u32(m, KVS_ATTR_FDB_FLAGS, 0);
	queue_event(m);
	m = reply(KVS_CMD_POLICY_DROP);
	nla_put_u32(m, KVS_ATTR_SWITCH_IFINDEX, 5);
	nla_put_u32(m, KVS_ATTR_PORT_IFINDEX, 7);
	nla_put_u32(m, KVS_ATTR_NET_ID, 100);
	nla_put(m, KVS_ATTR_MAC, 6, mac);
	nla_put_u32(m, KVS_ATTR_DROP_REASON, KVS_DROP_SPOOFED_SRC);
	queue_event(m);
	m = reply(KVS_CMD_POLICY_DROP);
	nla_put_u32(m, KVS_ATTR_SWITCH_IFINDEX, 5);
	/* a device gone before the event was read */
	nla_put_u32(m, KVS_ATTR_PORT_IFINDEX, 99);
	nla_put_u32(m, KVS_ATTR_NET_ID, 100);
	nla_put(m, KVS_ATTR_MAC, 6, mac);
	nla_put_u32(m, KVS_ATTR_DROP_REASON, KVS_DROP_MAC_LIMIT);
	queue_event(m);
	/* the socket overran: recvmsg() fails once with ENOBUFS */
	queue_recv_err(ENOBUFS);
	m = reply(KVS_CMD_FDB_DEL);
	nla_put_string(m, KVS_ATTR_SWITCH_NAME, "sw0");
	nla_put_u32(m, KVS_ATTR_NET_ID, 100);
	nla_put(m, KVS_ATTR_MAC, 6, mac);
	nla_put_string(m, KVS_ATTR_PORT_NAME, "veth1");
	queue_event(m);
	m = reply(KVS_CMD_PORT_DEL);
	nla_put_string(m, KVS_ATTR_PORT_NAME, "veth1");
	/* no SWITCH_NAME: the CLI must cope with the ifindex only */
	nla_put_u32(m, KVS_ATTR_SWITCH_IFINDEX, 1);
	queue_event(m);
	m = reply(KVS_CMD_NET_DEL);
	nla_put_string(m, KVS_ATTR_SWITCH_NAME, "sw0");
	nla_put_u32(m, KVS_ATTR_NET_ID, 100);
	queue_event(m);
	m = reply(KVS_CMD_SWITCH_DEL);
	nla_put_string(m, KVS_ATTR_SWITCH_NAME, "sw0");
	queue_event(m);
	/* the settings of a switch, a network that is a highway */
	m = reply(KVS_CMD_SWITCH_SET);
	nla_put_string(m, KVS_ATTR_SWITCH_NAME, "sw1");
	nla_put_u32(m, KVS_ATTR_SWITCH_IFINDEX, 6);
	nla_put_u32(m, KVS_ATTR_AGEING_TIME, 60);
	nla_put_u32(m, KVS_ATTR_SWITCH_BATCH, 64);
	queue_event(m);
	m = reply(KVS_CMD_NET_NEW);
	nla_put_string(m, KVS_ATTR_SWITCH_NAME, "sw1");
	nla_put_u32(m, KVS_ATTR_NET_ID, 200);
	nla_put_u32(m, KVS_ATTR_NET_MAX_MACS, KVS_NET_MAX_MACS_DEFAULT);
	nla_put_u8(m, KVS_ATTR_NET_HIGHWAY, 1);
	queue_event(m);
	m = reply(KVS_CMD_NET_DEL);
	nla_put_string(m, KVS_ATTR_SWITCH_NAME, "sw1");
	nla_put_u32(m, KVS_ATTR_NET_ID, 200);
	nla_put_u8(m, KVS_ATTR_NET_HIGHWAY, 0);
	queue_event(m);
	fail(&x, ECONNRESET, "fake monitor done");
	queue_ack(&none, &x);
}

/* ---- the transport: what replaces libnl's sendmsg() and recvmsg() ---- */

/* Give the next request @buf as its whole answer instead */
void fake_knl_inject(const void *buf, size_t len, bool stamp_hdrs)
{
	free(fs.inject.p);
	memset(&fs.inject, 0, sizeof(fs.inject));
	buf_add(&fs.inject, buf, len);
	fs.inject.len = len;
	fs.inject_on = true;
	fs.inject_stamp = stamp_hdrs;
}

static void answer_injected(const struct nlmsghdr *req)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)fs.inject.p;
	int rem = fs.inject.len;

	/* address the messages that are whole, the rest stays as it is */
	for (; fs.inject_stamp && nlmsg_ok(nlh, rem);
	     nlh = nlmsg_next(nlh, &rem))
		stamp(nlh, req);
	queue_buf(&fs.inject, 0);
	fs.inject_on = false;
}

/*
 * nl_send() with a callback set's send override: @msg is not ours to
 * free. Returns the bytes "sent", or a negative NLE_ code as nl_sendmsg()
 */
static int fake_send(struct nl_sock *sk, struct nl_msg *msg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	int len = nlh->nlmsg_len, rem = len;
	unsigned char *req;

	if (sk != fs.sk || nl_socket_get_fd(sk) < 0)
		return -NLE_BAD_SOCK;
	fs.fd = nl_socket_get_fd(sk);
	/* what the kernel would copy from the datagram */
	req = malloc(len);
	if (!req)
		return -NLE_NOMEM;
	memcpy(req, nlh, len);
	for (nlh = (struct nlmsghdr *)req; nlmsg_ok(nlh, rem);
	     nlh = nlmsg_next(nlh, &rem)) {
		if (fs.inject_on)
			answer_injected(nlh);
		else
			kernel_rcv(nlh);
	}
	free(req);
	return len;
}

/*
 * nl_recv() with a callback set's receive override, and its contract:
 * on success, *@buf is a malloc'd datagram of the returned length that
 * the caller frees, *@nla the sender and *@creds a malloc'd ucred or NULL
 * (NULL here: the socket does not ask for credentials). On failure, a
 * negative NLE_ code with errno as recvmsg() left it, nothing allocated;
 * recvmsgs() passes it on as it is.
 */
static int fake_recv(struct nl_sock *sk, struct sockaddr_nl *nla,
		     unsigned char **buf, struct ucred **creds)
{
	struct dgram *d;
	int n;

	if (creds)
		*creds = NULL;
	if (sk != fs.sk) {
		errno = EBADF;
		return -NLE_BAD_SOCK;
	}
	/* nothing asked and nothing pending: what a listener gets */
	if (!fs.head && fs.subscribed) {
		if (fs.oom) {
			fs.oom = false;
			/* a failed malloc() in nl_recv() */
			errno = ENOMEM;
			return -NLE_NOMEM;
		}
		if (!fs.monitor_sent)
			queue_monitor();
		else
			queue_recv_err(ECONNRESET);
		fs.monitor_sent = true;
	}
	d = fs.head;
	if (!d) {
		/* a real socket would wait for ever: fail as one with a
		 * receive timeout (SO_RCVTIMEO)
		 */
		errno = EAGAIN;
		return -NLE_AGAIN;
	}
	fs.head = d->next;
	if (!fs.head)
		fs.tail = NULL;
	if (d->nle < 0) {
		n = d->nle;
		errno = d->err;
	} else {
		memset(nla, 0, sizeof(*nla));
		nla->nl_family = AF_NETLINK;
		nla->nl_groups = d->groups;
		*buf = d->data;
		n = d->len;
		d->data = NULL;
	}
	free(d->data);
	free(d);
	return n;
}

static void report_ifnames(void)
{
	if (getenv("KVS_FAKE_IFNAMES"))
		fprintf(stderr, "if_indextoname calls: %lu\n", ifname_calls);
}

/* knl_open(): the socket and callback set exist, nothing is connected */
void knl_transport_hook(struct knl *k)
{
	static bool once;

	if (!once) {
		once = true;
		if (names_check()) {
			fprintf(stderr, "fake_knl: a drop reason or attribute has no name\n");
			exit(2);
		}
		fdbs = calloc(MAXFDB, sizeof(*fdbs));
		if (!fdbs) {
			fprintf(stderr, "fake_knl: out of memory\n");
			exit(2);
		}
		atexit(report_ifnames);
	}

	/* a new socket: nothing pending, no option set, no group joined */
	queue_flush();
	free(fs.inject.p);
	memset(&fs, 0, sizeof(fs));
	fs.sk = k->sk;
	fs.fd = -1;
	intr_left = getenv("KVS_FAKE_INTR") ? atoi(getenv("KVS_FAKE_INTR")) : 0;
	fs.warn = getenv("KVS_FAKE_WARN");
	fs.oom = getenv("KVS_FAKE_OOM");

	nl_cb_overwrite_send(k->cb, fake_send);
	nl_cb_overwrite_recv(k->cb, fake_recv);
}
