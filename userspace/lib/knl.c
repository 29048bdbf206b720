// SPDX-License-Identifier: GPL-2.0
/*
 * knl: generic netlink requests with libnl-3, errno and extack reporting.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <netlink/netlink.h>
#include <netlink/errno.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>
#include <netlink/socket.h>

#include "knl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* State of one knl_transact() */
struct knl_txn {
	struct knl *k;
	knl_cb_t cb;
	void *arg;
	int done;	/* ACK, error or NLMSG_DONE seen */
	int err;	/* negative errno, first failure */
	bool kernel;	/* @err is the kernel's answer */
	int intr;	/* NLM_F_DUMP_INTR seen */
};

int knl_nle_errno(int nle)
{
	static const int map[] = {
		[NLE_SUCCESS]		= 0,
		[NLE_FAILURE]		= EIO,
		[NLE_INTR]		= EINTR,
		[NLE_BAD_SOCK]		= EBADF,
		[NLE_AGAIN]		= EAGAIN,
		[NLE_NOMEM]		= ENOMEM,
		[NLE_EXIST]		= EEXIST,
		[NLE_INVAL]		= EINVAL,
		[NLE_RANGE]		= ERANGE,
		[NLE_MSGSIZE]		= EMSGSIZE,
		[NLE_OPNOTSUPP]		= EOPNOTSUPP,
		[NLE_AF_NOSUPPORT]	= EAFNOSUPPORT,
		[NLE_OBJ_NOTFOUND]	= ENOENT,
		[NLE_NOATTR]		= ENOENT,
		[NLE_MISSING_ATTR]	= EINVAL,
		[NLE_AF_MISMATCH]	= EAFNOSUPPORT,
		[NLE_SEQ_MISMATCH]	= EPROTO,
		[NLE_MSG_OVERFLOW]	= EOVERFLOW,
		[NLE_MSG_TRUNC]		= EMSGSIZE,
		[NLE_NOADDR]		= EADDRNOTAVAIL,
		[NLE_SRCRT_NOSUPPORT]	= EOPNOTSUPP,
		[NLE_MSG_TOOSHORT]	= EBADMSG,
		[NLE_MSGTYPE_NOSUPPORT]	= EOPNOTSUPP,
		[NLE_OBJ_MISMATCH]	= EINVAL,
		[NLE_NOCACHE]		= ENOENT,
		[NLE_BUSY]		= EBUSY,
		[NLE_PROTO_MISMATCH]	= EPROTONOSUPPORT,
		[NLE_NOACCESS]		= EACCES,
		[NLE_PERM]		= EPERM,
		[NLE_PKTLOC_FILE]	= ENOENT,
		[NLE_PARSE_ERR]		= EINVAL,
		[NLE_NODEV]		= ENODEV,
		[NLE_IMMUTABLE]		= EPERM,
		[NLE_DUMP_INTR]		= EINTR,
		[NLE_ATTRSIZE]		= EINVAL,
	};

	if (nle < 0)
		nle = -nle;
	if ((size_t)nle < sizeof(map) / sizeof(map[0]) && map[nle])
		return map[nle];
	return EIO;
}

static void knl_reset_err(struct knl *k)
{
	k->err = 0;
	k->refused = false;
	k->msg[0] = '\0';
	k->warn[0] = '\0';
	k->miss_type = -1;
	k->miss_nest = -1;
}

int knl_set_err(struct knl *k, int err)
{
	if (err < 0)
		err = -err;
	k->err = err;
	return -err;
}

/* Keep the extack TLVs that follow an error, an ACK or an NLMSG_DONE at
 * @tlvs; the message goes to k->msg, or k->warn for an ACK (@warn)
 */
static void knl_extack(struct knl *k, const struct nlmsghdr *nlh,
		       void *tlvs, bool warn)
{
	char *out = warn ? k->warn : k->msg;
	size_t size = warn ? sizeof(k->warn) : sizeof(k->msg);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	const char *end = (const char *)nlh + nlh->nlmsg_len;
	int len = end - (char *)tlvs;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || len <= 0)
		return;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, tlvs, len, NULL) < 0)
		return;

	if (tb[NLMSGERR_ATTR_MSG] && nla_len(tb[NLMSGERR_ATTR_MSG]) > 0) {
		size_t n = nla_len(tb[NLMSGERR_ATTR_MSG]);

		if (n >= size)
			n = size - 1;
		memcpy(out, nla_data(tb[NLMSGERR_ATTR_MSG]), n);
		out[n] = '\0';
		/* the kernel's messages carry no newline, but be sure */
		out[strcspn(out, "\n")] = '\0';
	}
	if (warn)
		return;
	if (tb[NLMSGERR_ATTR_MISS_TYPE] &&
	    nla_len(tb[NLMSGERR_ATTR_MISS_TYPE]) >= 4)
		k->miss_type = nla_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]);
	if (tb[NLMSGERR_ATTR_MISS_NEST] &&
	    nla_len(tb[NLMSGERR_ATTR_MISS_NEST]) >= 4)
		k->miss_nest = nla_get_u32(tb[NLMSGERR_ATTR_MISS_NEST]);
}

static int knl_valid_cb(struct nl_msg *msg, void *arg)
{
	struct knl_txn *t = arg;
	int ret;

	if (!t->cb || t->err)
		return NL_SKIP;
	ret = t->cb(msg, t->arg);
	if (ret < 0)
		t->err = ret;	/* keep reading to drain the answer */
	return NL_SKIP;
}

/* Where the extack TLVs of an NLMSG_ERROR (an error or an ACK) start: after
 * the nlmsgerr and, unless NLM_F_CAPPED, the request it echoes; 0 if the
 * message is too short to hold any
 */
static size_t knl_err_tlvs(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = NLMSG_DATA(nlh);
	size_t off = NLMSG_HDRLEN + sizeof(*e);

	if (nlh->nlmsg_len < off)
		return 0;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED) &&
	    e->msg.nlmsg_len >= NLMSG_HDRLEN)
		off += NLMSG_ALIGN(e->msg.nlmsg_len - NLMSG_HDRLEN);
	return off < nlh->nlmsg_len ? off : 0;
}

static int knl_ack_cb(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct knl_txn *t = arg;
	size_t off = knl_err_tlvs(nlh);

	t->done = 1;
	/* a success may carry a warning (NL_SET_ERR_MSG on the way) */
	if (off)
		knl_extack(t->k, nlh, (char *)nlh + off, true);
	return NL_STOP;
}

static int knl_finish_cb(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct knl_txn *t = arg;

	t->done = 1;
	/* A dump that failed after it started ends with the error in DONE */
	if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(int))) {
		int error;

		memcpy(&error, NLMSG_DATA(nlh), sizeof(error));
		if (error < 0) {
			if (!t->err) {
				t->err = error;
				t->kernel = true;
			}
			knl_extack(t->k, nlh,
				   (char *)NLMSG_DATA(nlh) + sizeof(int),
				   false);
		}
	}
	return NL_STOP;
}

static int knl_intr_cb(struct nl_msg *msg, void *arg)
{
	struct knl_txn *t = arg;

	(void)msg;
	t->intr = 1;
	return NL_OK;	/* go on processing (and draining) the dump */
}

static int knl_err_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	/* libnl hands us the payload of the NLMSG_ERROR message */
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct knl_txn *t = arg;
	size_t off = knl_err_tlvs(nlh);

	(void)nla;
	t->done = 1;
	if (!t->err) {
		t->err = e->error < 0 ? e->error : -EIO;
		t->kernel = true;
	}
	if (off)
		knl_extack(t->k, nlh, (char *)nlh + off, false);
	return NL_STOP;
}

int knl_open(struct knl *k, const char *family, uint8_t version)
{
	int one = 1;
	int ret;

	memset(k, 0, sizeof(*k));
	knl_reset_err(k);
	k->version = version;
	if (strlen(family) >= sizeof(k->family_name))
		return knl_set_err(k, EINVAL);

	/* one callback set for the socket and every request, so that the
	 * transport (and a test's replacement of it) is the same for all
	 */
	k->cb = nl_cb_alloc(NL_CB_DEFAULT);
	k->sk = k->cb ? nl_socket_alloc_cb(k->cb) : NULL;
	if (!k->sk || !k->cb) {
		ret = -ENOMEM;
		goto err;
	}
	knl_transport_hook(k);
	ret = genl_connect(k->sk);
	if (ret < 0) {
		ret = -knl_nle_errno(ret);
		goto err;
	}
	/* Best effort: old kernels lack these and still work */
	setsockopt(nl_socket_get_fd(k->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	setsockopt(nl_socket_get_fd(k->sk), SOL_NETLINK, NETLINK_CAP_ACK,
		   &one, sizeof(one));

	/* the family is missing: NLE_OBJ_NOTFOUND, that is ENOENT */
	ret = genl_ctrl_resolve(k->sk, family);
	if (ret < 0) {
		ret = -knl_nle_errno(ret);
		goto err;
	}
	k->family = ret;
	snprintf(k->family_name, sizeof(k->family_name), "%s", family);
	return 0;

err:
	knl_close(k);
	knl_set_err(k, ret);
	return ret;
}

__attribute__((weak)) void knl_transport_hook(struct knl *k)
{
	(void)k;
}

void knl_close(struct knl *k)
{
	if (k->cb)
		nl_cb_put(k->cb);
	if (k->sk)
		nl_socket_free(k->sk);
	k->cb = NULL;
	k->sk = NULL;
}

struct nl_msg *knl_msg(struct knl *k, uint8_t cmd, int flags)
{
	struct nl_msg *msg;

	msg = nlmsg_alloc();
	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, k->family, 0, flags,
			 cmd, k->version)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/* libnl's defaults again: nothing may point at a finished knl_txn (a
 * control request of libnl's own, as in knl_subscribe(), clones k->cb)
 */
static void knl_clear_cbs(struct knl *k)
{
	nl_cb_set(k->cb, NL_CB_VALID, NL_CB_DEFAULT, NULL, NULL);
	nl_cb_set(k->cb, NL_CB_ACK, NL_CB_DEFAULT, NULL, NULL);
	nl_cb_set(k->cb, NL_CB_FINISH, NL_CB_DEFAULT, NULL, NULL);
	nl_cb_set(k->cb, NL_CB_DUMP_INTR, NL_CB_DEFAULT, NULL, NULL);
	nl_cb_set(k->cb, NL_CB_SEQ_CHECK, NL_CB_DEFAULT, NULL, NULL);
	nl_cb_err(k->cb, NL_CB_DEFAULT, NULL, NULL);
}

static void knl_set_cbs(struct knl *k, struct knl_txn *t)
{
	nl_cb_set(k->cb, NL_CB_VALID, NL_CB_CUSTOM, knl_valid_cb, t);
	nl_cb_set(k->cb, NL_CB_ACK, NL_CB_CUSTOM, knl_ack_cb, t);
	nl_cb_set(k->cb, NL_CB_FINISH, NL_CB_CUSTOM, knl_finish_cb, t);
	nl_cb_set(k->cb, NL_CB_DUMP_INTR, NL_CB_CUSTOM, knl_intr_cb, t);
	nl_cb_err(k->cb, NL_CB_CUSTOM, knl_err_cb, t);
}

static int knl_transact_run(struct knl *k, struct nl_msg *msg, knl_cb_t cb,
			    void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct knl_txn t = { .k = k, .cb = cb, .arg = arg };
	int ret;

	knl_reset_err(k);
	knl_set_cbs(k, &t);

	/* A fresh sequence number each time, so a request can be resent */
	nlh->nlmsg_seq = NL_AUTO_SEQ;
	nl_complete_msg(k->sk, msg);
	/* Dumps end with NLMSG_DONE; an ACK would only trail behind it */
	if ((nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP)
		nlh->nlmsg_flags &= ~NLM_F_ACK;

	ret = nl_send(k->sk, msg);
	if (ret < 0)
		return knl_set_err(k, knl_nle_errno(ret));

	while (!t.done) {
		ret = nl_recvmsgs(k->sk, k->cb);
		if (t.done)
			break;
		if (ret < 0)
			return knl_set_err(k, knl_nle_errno(ret));
	}

	if (t.err) {
		if (t.intr && t.err == -EINTR)
			return -EINTR;
		k->refused = t.kernel;
		return knl_set_err(k, t.err);
	}
	if (t.intr)
		return -EINTR;
	/* the answer is fine: no error, but keep a warning */
	k->err = 0;
	k->msg[0] = '\0';
	return 0;
}

int knl_transact(struct knl *k, struct nl_msg *msg, knl_cb_t cb, void *arg)
{
	int ret = knl_transact_run(k, msg, cb, arg);

	knl_clear_cbs(k);
	return ret;
}

int knl_subscribe(struct knl *k, const char *group)
{
	int grp, ret;

	knl_reset_err(k);
	grp = genl_ctrl_resolve_grp(k->sk, k->family_name, group);
	if (grp < 0)
		return knl_set_err(k, knl_nle_errno(grp));
	ret = nl_socket_add_membership(k->sk, grp);
	if (ret < 0)
		return knl_set_err(k, knl_nle_errno(ret));
	return 0;
}

static int knl_seq_ok_cb(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

static int knl_listen_run(struct knl *k, knl_cb_t cb, void *arg,
			  void (*lost)(void *arg), int watch_fd)
{
	struct knl_txn t = { .k = k, .cb = cb, .arg = arg };
	int ret;

	knl_reset_err(k);
	knl_set_cbs(k, &t);
	/* notifications carry no sequence number of ours */
	nl_cb_set(k->cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, knl_seq_ok_cb, NULL);
	/* room for bursts (fdb learning); capped by net.core.rmem_max */
	nl_socket_set_buffer_size(k->sk, 4 << 20, 0);

	for (;;) {
		if (watch_fd >= 0) {
			struct pollfd p[2] = {
				{ .fd = nl_socket_get_fd(k->sk),
				  .events = POLLIN },
				{ .fd = watch_fd, .events = 0 },
			};

			if (poll(p, 2, -1) < 0) {
				if (errno == EINTR)
					continue;
				return knl_set_err(k, errno);
			}
			if (p[1].revents & (POLLERR | POLLHUP | POLLNVAL))
				return 0;
			if (!p[0].revents)
				continue;
		}
		errno = 0;
		ret = nl_recvmsgs(k->sk, k->cb);
		if (t.err)
			return knl_set_err(k, t.err);
		if (ret >= 0)
			continue;
		/* libnl says NLE_NOMEM both for the socket's ENOBUFS (the
		 * kernel dropped notifications) and for a failed malloc:
		 * errno tells them apart, and only the first goes on
		 */
		if ((ret == -NLE_NOMEM && errno == ENOBUFS) ||
		    ret == -NLE_MSG_OVERFLOW) {
			if (lost)
				lost(arg);
			continue;
		}
		return knl_set_err(k, knl_nle_errno(ret));
	}
}

int knl_listen(struct knl *k, knl_cb_t cb, void *arg,
	       void (*lost)(void *arg), int watch_fd)
{
	int ret = knl_listen_run(k, cb, arg, lost, watch_fd);

	knl_clear_cbs(k);
	return ret;
}

int knl_parse(struct nl_msg *msg, int maxattr,
	      const struct nla_policy *policy, struct nlattr **tb)
{
	int ret;

	ret = genlmsg_parse(nlmsg_hdr(msg), 0, tb, maxattr,
			    policy);
	return ret < 0 ? -knl_nle_errno(ret) : 0;
}

uint8_t knl_cmd(struct nl_msg *msg)
{
	struct genlmsghdr *gnlh = nlmsg_data(nlmsg_hdr(msg));

	return gnlh->cmd;
}
