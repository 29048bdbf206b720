/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Raw generic netlink to the kvs family, without libnl, for the selftests
 * that must be able to send what libnl would refuse to build (kvs_nlraw,
 * kvs_nlfuzz): a NETLINK_GENERIC socket asking for extended and capped
 * acks, the family id from CTRL_CMD_GETFAMILY, requests built attribute by
 * attribute with any type and length, and a request/answer step that hands
 * over the replies of a dump and returns the error and the extack message.
 * Everything is static, for one socket at a time (nl_fd, family_id, seq_no).
 *
 * Before including it, define NLRAW_PROG, the program name that starts its
 * error messages, and optionally:
 *   NLRAW_MSG_SIZE    the request buffer (default 16384)
 *   NLRAW_TIMEOUT_MS  how long transact() waits for an answer (default 3000)
 *   NLRAW_FUZZER      1 for a fuzzer: an attribute that does not fit makes
 *                     put_raw() return NULL instead of exiting, sendto() is
 *                     retried on EINTR/EAGAIN/ENOBUFS, an ENOBUFS (overrun)
 *                     from recv() is ignored, and the socket options are
 *                     best effort (default 0: all of those exit with 2)
 */
#ifndef KVS_SELFTESTS_NLRAW_H
#define KVS_SELFTESTS_NLRAW_H

#include <errno.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../uapi/linux/kvs.h"

#ifndef NLRAW_PROG
#error "define NLRAW_PROG (the program name for error messages) before including this"
#endif
#ifndef NLRAW_MSG_SIZE
#define NLRAW_MSG_SIZE		16384
#endif
#ifndef NLRAW_TIMEOUT_MS
#define NLRAW_TIMEOUT_MS	3000
#endif
#ifndef NLRAW_FUZZER
#define NLRAW_FUZZER		0
#endif

#define NLRAW_RX_SIZE		65536
#define NLRAW_NEST_MAX		4

struct msg {
	struct nlmsghdr *nlh;
	struct nlattr *nest[NLRAW_NEST_MAX];
	int depth;
	union {
		char buf[NLRAW_MSG_SIZE];
		struct nlmsghdr align;
	};
};

struct answer {
	int err;		/* 0 or -errno from NLMSG_ERROR/NLMSG_DONE */
	int replies;		/* family messages received before it */
	bool got_ack;		/* an NLMSG_ERROR or NLMSG_DONE came */
	bool intr;		/* a dump was interrupted (NLM_F_DUMP_INTR) */
	char extack[160];	/* NLMSGERR_ATTR_MSG, "" if none */
};

static int nl_fd = -1;
static uint16_t family_id;
static uint32_t seq_no;

/* ---- message building --------------------------------------------------- */

/* a request for @cmd of family_id; the next sequence number */
static inline void msg_init(struct msg *m, uint8_t cmd, uint16_t flags)
{
	struct genlmsghdr *g;

	memset(m, 0, offsetof(struct msg, buf) + NLMSG_LENGTH(GENL_HDRLEN));
	m->nlh = &m->align;
	m->nlh->nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	m->nlh->nlmsg_type = family_id;
	m->nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	m->nlh->nlmsg_seq = ++seq_no;
	g = NLMSG_DATA(m->nlh);
	g->cmd = cmd;
	g->version = KVS_GENL_VERSION;
}

/* bytes left for attributes */
static inline size_t room(struct msg *m)
{
	return NLRAW_MSG_SIZE - 64 - NLMSG_ALIGN(m->nlh->nlmsg_len);
}

/*
 * Any type, any length: the point is to be able to send wrong ones. @data
 * NULL with a non-zero @len puts zeroes. Returns the attribute, or NULL if
 * it does not fit (NLRAW_FUZZER; otherwise that exits).
 */
static inline struct nlattr *put_raw(struct msg *m, uint16_t type, const void *data, size_t len)
{
	struct nlattr *nla = (struct nlattr *)((char *)m->nlh + NLMSG_ALIGN(m->nlh->nlmsg_len));
	size_t total = NLA_HDRLEN + len;

	if (NLA_ALIGN(total) > room(m)) {
		if (NLRAW_FUZZER)
			return NULL;
		fprintf(stderr, NLRAW_PROG ": message too large\n");
		exit(2);
	}
	nla->nla_type = type;
	nla->nla_len = total;
	if (len && data)
		memcpy((char *)nla + NLA_HDRLEN, data, len);
	else if (len)
		memset((char *)nla + NLA_HDRLEN, 0, len);
	memset((char *)nla + total, 0, NLA_ALIGN(total) - total);
	m->nlh->nlmsg_len = NLMSG_ALIGN(m->nlh->nlmsg_len) + NLA_ALIGN(total);
	return nla;
}

static inline void put_u8(struct msg *m, uint16_t type, uint8_t v)
{
	put_raw(m, type, &v, sizeof(v));
}

static inline void put_u16(struct msg *m, uint16_t type, uint16_t v)
{
	put_raw(m, type, &v, sizeof(v));
}

static inline void put_u32(struct msg *m, uint16_t type, uint32_t v)
{
	put_raw(m, type, &v, sizeof(v));
}

static inline void put_str(struct msg *m, uint16_t type, const char *s)
{
	put_raw(m, type, s, strlen(s) + 1);
}

/* a nest of @type (NLA_F_NESTED is added) that nest_end() closes */
static inline void nest_start(struct msg *m, uint16_t type)
{
	struct nlattr *nla = put_raw(m, type | NLA_F_NESTED, NULL, 0);

	if (nla && m->depth < NLRAW_NEST_MAX)
		m->nest[m->depth++] = nla;
}

static inline void nest_end(struct msg *m)
{
	struct nlattr *nla;

	if (!m->depth)
		return;
	nla = m->nest[--m->depth];
	nla->nla_len = (char *)m->nlh + m->nlh->nlmsg_len - (char *)nla;
}

/* ---- transport ---------------------------------------------------------- */

/*
 * Open nl_fd, bound, with extended and capped acks; @rcvbuf, if not 0, is
 * the receive buffer to ask for (best effort). Errors exit with 2.
 */
static inline void open_socket(int rcvbuf)
{
	struct sockaddr_nl local = { .nl_family = AF_NETLINK };
	int one = 1;

	nl_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (nl_fd < 0 || bind(nl_fd, (struct sockaddr *)&local, sizeof(local))) {
		perror(NLRAW_PROG ": netlink socket");
		exit(2);
	}
	if (rcvbuf)
		setsockopt(nl_fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (setsockopt(nl_fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)) && !NLRAW_FUZZER)
		goto fail;
	if (setsockopt(nl_fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one)) && !NLRAW_FUZZER)
		goto fail;
	return;
fail:
	perror(NLRAW_PROG ": setsockopt");
	exit(2);
}

/* NLMSGERR_ATTR_MSG among the TLVs from @off to the end of @nlh */
static inline void parse_ack_tlvs(struct nlmsghdr *nlh, size_t off, struct answer *a)
{
	size_t end = nlh->nlmsg_len;

	while (off + NLA_HDRLEN <= end) {
		struct nlattr *nla = (struct nlattr *)((char *)nlh + off);

		if (nla->nla_len < NLA_HDRLEN || off + nla->nla_len > end)
			break;
		if ((nla->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) {
			size_t n = nla->nla_len - NLA_HDRLEN;

			if (n >= sizeof(a->extack))
				n = sizeof(a->extack) - 1;
			memcpy(a->extack, (char *)nla + NLA_HDRLEN, n);
			a->extack[n] = '\0';
		}
		off += NLA_ALIGN(nla->nla_len);
	}
}

static inline void parse_error(struct nlmsghdr *nlh, struct answer *a)
{
	struct nlmsgerr *e = NLMSG_DATA(nlh);
	size_t off;

	a->err = e->error;
	a->got_ack = true;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	off = NLMSG_HDRLEN + sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += NLMSG_ALIGN(e->msg.nlmsg_len) - NLMSG_HDRLEN;
	parse_ack_tlvs(nlh, off, a);
}

/* the end of a dump: its errno, and the extack of a dump that failed */
static inline void parse_done(struct nlmsghdr *nlh, struct answer *a)
{
	a->got_ack = true;
	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(int)))
		return;
	a->err = *(int *)NLMSG_DATA(nlh);
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS)
		parse_ack_tlvs(nlh, NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(int)), a);
}

/* called for each reply before the ack (any type: check nlmsg_type) */
typedef void (*reply_cb)(struct nlmsghdr *nlh, void *arg);

/*
 * Receive until the ack (NLMSG_ERROR) or the end of a dump for @seq.
 * Returns false if nothing came within @timeout_ms.
 */
static inline bool receive(uint32_t seq, struct answer *a, int timeout_ms, reply_cb cb, void *arg)
{
	static union {
		char buf[NLRAW_RX_SIZE];
		struct nlmsghdr align;
	} rx;

	for (;;) {
		struct pollfd pfd = { .fd = nl_fd, .events = POLLIN };
		struct nlmsghdr *nlh;
		ssize_t n;

		if (poll(&pfd, 1, timeout_ms) <= 0)
			return false;
		n = recv(nl_fd, rx.buf, sizeof(rx.buf), 0);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			if (NLRAW_FUZZER && errno == ENOBUFS)
				continue;
			perror(NLRAW_PROG ": recv");
			exit(2);
		}
		for (nlh = &rx.align; NLMSG_OK(nlh, (size_t)n); nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_seq != seq)
				continue;	/* a late answer to an earlier request */
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				a->intr = true;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				parse_error(nlh, a);
				return true;
			}
			if (nlh->nlmsg_type == NLMSG_DONE) {
				parse_done(nlh, a);
				return true;
			}
			a->replies++;
			if (cb)
				cb(nlh, arg);
		}
	}
}

static inline void send_bytes(const void *data, size_t len)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

	while (sendto(nl_fd, data, len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) {
		if (NLRAW_FUZZER && (errno == EINTR || errno == ENOBUFS || errno == EAGAIN))
			continue;
		perror(NLRAW_PROG ": sendto");
		exit(2);
	}
}

/* send @m, hand each reply to @cb; no answer is -ETIMEDOUT, "(no answer)" */
static inline struct answer transact_cb(struct msg *m, reply_cb cb, void *arg)
{
	struct answer a = { 0 };

	send_bytes(m->nlh, m->nlh->nlmsg_len);
	if (!receive(m->nlh->nlmsg_seq, &a, NLRAW_TIMEOUT_MS, cb, arg)) {
		a.err = -ETIMEDOUT;
		snprintf(a.extack, sizeof(a.extack), "(no answer)");
	}
	return a;
}

static inline struct answer transact(struct msg *m)
{
	return transact_cb(m, NULL, NULL);
}

/* ---- the family --------------------------------------------------------- */

struct family_info {
	uint16_t id;		/* 0: not registered */
	uint32_t version;
	bool events_group;	/* has KVS_GENL_MCGRP_EVENTS */
};

static inline void parse_mcgrps(struct nlattr *grps, struct family_info *fi)
{
	int rem = grps->nla_len - NLA_HDRLEN;
	struct nlattr *grp = (struct nlattr *)((char *)grps + NLA_HDRLEN);

	for (; rem >= NLA_HDRLEN && grp->nla_len >= NLA_HDRLEN && grp->nla_len <= rem;
	     rem -= NLA_ALIGN(grp->nla_len),
	     grp = (struct nlattr *)((char *)grp + NLA_ALIGN(grp->nla_len))) {
		int rem2 = grp->nla_len - NLA_HDRLEN;
		struct nlattr *a = (struct nlattr *)((char *)grp + NLA_HDRLEN);

		for (; rem2 >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= rem2;
		     rem2 -= NLA_ALIGN(a->nla_len),
		     a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len)))
			if ((a->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_MCAST_GRP_NAME &&
			    !strcmp((char *)a + NLA_HDRLEN, KVS_GENL_MCGRP_EVENTS))
				fi->events_group = true;
	}
}

static inline void family_cb(struct nlmsghdr *nlh, void *arg)
{
	struct family_info *fi = arg;
	int rem = nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	struct nlattr *a = (struct nlattr *)((char *)NLMSG_DATA(nlh) + GENL_HDRLEN);

	if (nlh->nlmsg_type != GENL_ID_CTRL)
		return;
	for (; rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= rem;
	     rem -= NLA_ALIGN(a->nla_len),
	     a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len))) {
		void *data = (char *)a + NLA_HDRLEN;

		switch (a->nla_type & NLA_TYPE_MASK) {
		case CTRL_ATTR_FAMILY_ID:
			memcpy(&fi->id, data, sizeof(fi->id));
			break;
		case CTRL_ATTR_VERSION:
			memcpy(&fi->version, data, sizeof(fi->version));
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			parse_mcgrps(a, fi);
			break;
		}
	}
}

/*
 * Ask the controller about the kvs family (CTRL_CMD_GETFAMILY) into @fi,
 * zeroed by the caller, and make its id family_id. Returns the answer.
 */
static inline struct answer get_family(struct family_info *fi)
{
	struct answer a;
	struct msg m;

	family_id = GENL_ID_CTRL;
	msg_init(&m, CTRL_CMD_GETFAMILY, 0);
	put_str(&m, CTRL_ATTR_FAMILY_NAME, KVS_GENL_NAME);
	a = transact_cb(&m, family_cb, fi);
	family_id = fi->id;
	return a;
}

/* A kernel answer's errno, by name where the kvs family gives it */
static inline const char *errname(int err)
{
	static char other[32];

	switch (-err) {
	case 0: return "success";
	case EINVAL: return "EINVAL";
	case ERANGE: return "ERANGE";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case ENODEV: return "ENODEV";
	case EEXIST: return "EEXIST";
	case EBUSY: return "EBUSY";
	case E2BIG: return "E2BIG";
	case ENOSPC: return "ENOSPC";
	case EMSGSIZE: return "EMSGSIZE";
	case ETIMEDOUT: return "ETIMEDOUT (no answer)";
	}
	snprintf(other, sizeof(other), "errno %d", -err);
	return other;
}

#endif /* KVS_SELFTESTS_NLRAW_H */
