// SPDX-License-Identifier: GPL-2.0
/*
 * Checks of lib/knl.c itself, offline: the real knl.c and libnl over the
 * fake kernel of tests/fake_knl.c. Prints TAP; exits 1 if a check failed.
 *
 * The fake kernel keeps its switches for the whole program, and reads its
 * KVS_FAKE_* knobs at each knl_open(): a check that needs one sets it and
 * opens a new socket.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <netlink/genl/genl.h>

#include "../lib/knl.h"
#include "../../uapi/linux/kvs.h"
#include "fake_knl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

static int tests, failed;

static bool check(bool cond, const char *fmt, ...)
{
	va_list ap;

	tests++;
	if (!cond)
		failed++;
	printf("%s %d - ", cond ? "ok" : "not ok", tests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	return cond;
}

/* Print the state of @k under a failed check */
static void diag(const struct knl *k, int ret)
{
	printf("# ret %d err %d refused %d msg \"%s\" warn \"%s\" miss_type %d\n",
	       ret, k->err, k->refused, k->msg, k->warn, k->miss_type);
}

static int open_knl(struct knl *k)
{
	return knl_open(k, KVS_GENL_NAME, KVS_GENL_VERSION);
}

/* Close @k and open it again, with the environment as it is now */
static int reopen(struct knl *k)
{
	knl_close(k);
	return open_knl(k);
}

static void set_opt(struct knl *k, int opt, int on)
{
	setsockopt(nl_socket_get_fd(k->sk), SOL_NETLINK, opt, &on, sizeof(on));
}

/* ---- requests ---- */

static int switch_add(struct knl *k, const char *name)
{
	struct nl_msg *m = knl_msg(k, KVS_CMD_SWITCH_NEW, 0);
	int ret;

	nla_put_string(m, KVS_ATTR_SWITCH_NAME, name);
	ret = knl_transact(k, m, NULL, NULL);
	nlmsg_free(m);
	return ret;
}

/* net add @id (0: none) switch @sw */
static int net_add(struct knl *k, const char *sw, uint32_t id)
{
	struct nl_msg *m = knl_msg(k, KVS_CMD_NET_NEW, 0);
	int ret;

	nla_put_string(m, KVS_ATTR_SWITCH_NAME, sw);
	if (id)
		nla_put_u32(m, KVS_ATTR_NET_ID, id);
	ret = knl_transact(k, m, NULL, NULL);
	nlmsg_free(m);
	return ret;
}

struct counter {
	int msgs;		/* replies or events seen */
	int fail_at;		/* > 0: fail the reply of that number */
	int parse_err;		/* replies knl_parse() refused */
	int lost;		/* lost() calls */
	int lost_after;		/* events seen at the first lost() */
	char first[16];		/* switch name of the first reply */
};

static int count_cb(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[KVS_ATTR_MAX + 1];
	struct counter *c = arg;

	c->msgs++;
	if (knl_parse(msg, KVS_ATTR_MAX, NULL, tb)) {
		c->parse_err++;
		return -EINVAL;
	}
	if (c->msgs == 1 && tb[KVS_ATTR_SWITCH_NAME])
		snprintf(c->first, sizeof(c->first), "%s",
			 nla_get_string(tb[KVS_ATTR_SWITCH_NAME]));
	if (c->msgs == c->fail_at)
		return -ENOMEM;
	return 0;
}

static void count_lost(void *arg)
{
	struct counter *c = arg;

	if (!c->lost++)
		c->lost_after = c->msgs;
}

/* A dump of @cmd, filtered on switch @sw if not NULL */
static int dump(struct knl *k, uint8_t cmd, const char *sw,
		struct counter *c)
{
	struct nl_msg *m = knl_msg(k, cmd, NLM_F_DUMP);
	int ret;

	memset(c, 0, sizeof(*c));
	if (sw)
		nla_put_string(m, KVS_ATTR_SWITCH_NAME, sw);
	ret = knl_transact(k, m, count_cb, c);
	nlmsg_free(m);
	return ret;
}

/* ---- the checks ---- */

static void check_doit(struct knl *k)
{
	struct counter c = { 0 };
	struct nl_msg *m;
	int ret;

	ret = switch_add(k, "t0");
	if (!check(!ret && !k->err && !k->refused && !k->msg[0] &&
		   !k->warn[0], "change: ACK, no error, no warning"))
		diag(k, ret);

	m = knl_msg(k, KVS_CMD_SWITCH_GET, 0);
	nla_put_string(m, KVS_ATTR_SWITCH_NAME, "t0");
	ret = knl_transact(k, m, count_cb, &c);
	nlmsg_free(m);
	check(!ret && c.msgs == 1 && !strcmp(c.first, "t0"),
	      "get: one reply, then the ACK ends it (%d replies)", c.msgs);

	ret = net_add(k, "nosuch", 5);
	if (!check(ret == -ENODEV && k->err == ENODEV && k->refused &&
		   !strcmp(k->msg, "no such kvs switch") &&
		   k->miss_type == -1 && !k->warn[0],
		   "error: errno and extack message (capped), refused"))
		diag(k, ret);

	ret = net_add(k, "t0", 0);
	if (!check(ret == -EINVAL && k->err == EINVAL && !k->msg[0] &&
		   k->miss_type == KVS_ATTR_NET_ID,
		   "error: missing attribute (NLMSGERR_ATTR_MISS_TYPE)"))
		diag(k, ret);

	/* without NETLINK_CAP_ACK the request is echoed before the TLVs */
	set_opt(k, NETLINK_CAP_ACK, 0);
	ret = net_add(k, "nosuch", 5);
	if (!check(ret == -ENODEV && !strcmp(k->msg, "no such kvs switch"),
		   "error: extack found after the echoed request (not capped)"))
		diag(k, ret);
	set_opt(k, NETLINK_CAP_ACK, 1);

	/* without NETLINK_EXT_ACK the kernel sends no message */
	set_opt(k, NETLINK_EXT_ACK, 0);
	ret = net_add(k, "nosuch", 5);
	if (!check(ret == -ENODEV && k->err == ENODEV && !k->msg[0],
		   "error without extack: errno only"))
		diag(k, ret);
	set_opt(k, NETLINK_EXT_ACK, 1);

	ret = switch_add(k, "t0");
	if (!check(ret == -EEXIST && k->err == EEXIST && !k->msg[0] &&
		   k->refused, "error without a message: errno only, refused"))
		diag(k, ret);
}

static void check_warning(struct knl *k)
{
	int ret;

	setenv("KVS_FAKE_WARN", "this is only a warning", 1);
	ret = reopen(k);
	unsetenv("KVS_FAKE_WARN");
	check(!ret, "open with KVS_FAKE_WARN");

	/* a failure first: the warning is for a success */
	ret = switch_add(k, "t0");
	if (!check(ret == -EEXIST && !k->warn[0],
		   "warning: not on an error"))
		diag(k, ret);
	ret = switch_add(k, "t1");
	if (!check(!ret && !k->err && !k->msg[0] &&
		   !strcmp(k->warn, "this is only a warning"),
		   "warning: an ACK with a message reaches k->warn, err 0"))
		diag(k, ret);
	ret = switch_add(k, "t2");
	if (!check(!ret && !k->warn[0], "warning: cleared by the next request"))
		diag(k, ret);
}

static void check_dumps(struct knl *k)
{
	struct counter c;
	struct nl_msg *m;
	char mac[6] = { 2, 0, 0, 0, 0, 0 };
	int ret, i, n;

	ret = dump(k, KVS_CMD_SWITCH_GET, NULL, &c);
	n = c.msgs;
	check(!ret && n == 3 && !strcmp(c.first, "t0"),
	      "dump: every switch, then NLMSG_DONE (%d)", n);

	setenv("KVS_FAKE_INTR", "1", 1);
	ret = reopen(k);
	unsetenv("KVS_FAKE_INTR");
	check(!ret, "open with KVS_FAKE_INTR=1");
	ret = dump(k, KVS_CMD_SWITCH_GET, NULL, &c);
	if (!check(ret == -EINTR && c.msgs == n,
		   "dump flagged NLM_F_DUMP_INTR: -EINTR, read to the end"))
		diag(k, ret);
	ret = dump(k, KVS_CMD_SWITCH_GET, NULL, &c);
	if (!check(!ret && c.msgs == n && !k->err && !k->refused,
		   "interrupted dump: the retry is clean"))
		diag(k, ret);

	ret = dump(k, KVS_CMD_NET_GET, "nosuch", &c);
	if (!check(ret == -ENODEV && k->err == ENODEV && c.msgs == 0 &&
		   !strcmp(k->msg, "no such kvs switch") && k->refused,
		   "dump failing once started: errno, message in NLMSG_DONE"))
		diag(k, ret);

	/* an attribute the dump does not take: refused before it starts */
	m = knl_msg(k, KVS_CMD_SWITCH_GET, NLM_F_DUMP);
	nla_put_u32(m, KVS_ATTR_AGEING_TIME, 1);
	ret = knl_transact(k, m, count_cb, &c);
	nlmsg_free(m);
	if (!check(ret == -EINVAL && k->refused &&
		   !strcmp(k->msg, "Unknown attribute type"),
		   "dump refused by policy: NLMSG_ERROR with message"))
		diag(k, ret);

	memset(&c, 0, sizeof(c));
	c.fail_at = 1;
	m = knl_msg(k, KVS_CMD_SWITCH_GET, NLM_F_DUMP);
	ret = knl_transact(k, m, count_cb, &c);
	nlmsg_free(m);
	if (!check(ret == -ENOMEM && k->err == ENOMEM && c.msgs == 1 &&
		   !k->refused,
		   "dump callback failing: its errno, the rest skipped, not refused"))
		diag(k, ret);
	ret = dump(k, KVS_CMD_SWITCH_GET, NULL, &c);
	check(!ret && c.msgs == n,
	      "after a failed callback the answer was drained: next dump fine");

	/* a dump of many datagrams */
	ret = net_add(k, "t0", 1);
	m = knl_msg(k, KVS_CMD_PORT_NEW, 0);
	nla_put_string(m, KVS_ATTR_SWITCH_NAME, "t0");
	nla_put_string(m, KVS_ATTR_PORT_NAME, "p0");
	nla_put_u32(m, KVS_ATTR_NET_ID, 1);
	ret = ret ?: knl_transact(k, m, NULL, NULL);
	nlmsg_free(m);
	for (i = 0; i < 2000 && !ret; i++) {
		mac[4] = i >> 8;
		mac[5] = i;
		m = knl_msg(k, KVS_CMD_FDB_NEW, 0);
		nla_put_string(m, KVS_ATTR_SWITCH_NAME, "t0");
		nla_put_u32(m, KVS_ATTR_NET_ID, 1);
		nla_put(m, KVS_ATTR_MAC, 6, mac);
		nla_put_string(m, KVS_ATTR_PORT_NAME, "p0");
		ret = knl_transact(k, m, NULL, NULL);
		nlmsg_free(m);
	}
	check(!ret, "2000 fdb entries added");
	ret = dump(k, KVS_CMD_FDB_GET, NULL, &c);
	if (!check(!ret && c.msgs == 2000 && !c.parse_err,
		   "dump over several datagrams (%d entries)", c.msgs))
		diag(k, ret);
}

static void check_listen(struct knl *k)
{
	struct counter c = { 0 };
	int ret, p[2];

	ret = reopen(k);
	ret = ret ?: knl_subscribe(k, "nosuch");
	if (!check(ret == -ENOENT && k->err == ENOENT,
		   "subscribe to an unknown group: ENOENT"))
		diag(k, ret);

	ret = knl_subscribe(k, KVS_GENL_MCGRP_EVENTS);
	if (!check(!ret, "subscribe: group id from the controller, real join"))
		diag(k, ret);
	ret = knl_listen(k, count_cb, &c, count_lost, -1);
	if (!check(ret == -ECONNRESET && k->err == ECONNRESET &&
		   !strcmp(k->msg, "fake monitor done"),
		   "listen: ends with the fake's final error"))
		diag(k, ret);
	check(c.msgs == 13 && !c.parse_err, "listen: 13 events (%d)", c.msgs);
	check(c.lost == 1 && c.lost_after == 6,
	      "listen: ENOBUFS: lost() once, after 6 events, goes on (%d, %d)",
	      c.lost, c.lost_after);

	/* the same through poll(), the write end of a pipe watched */
	memset(&c, 0, sizeof(c));
	if (pipe(p))
		p[0] = p[1] = -1;
	ret = reopen(k);
	ret = ret ?: knl_subscribe(k, KVS_GENL_MCGRP_EVENTS);
	ret = ret ?: knl_listen(k, count_cb, &c, count_lost, p[0]);
	if (!check(ret == -ECONNRESET && c.msgs == 13 && c.lost == 1,
		   "listen with a watched fd: poll() wakes for each event"))
		diag(k, ret);
	close(p[1]);
	memset(&c, 0, sizeof(c));
	ret = reopen(k);
	ret = ret ?: knl_subscribe(k, KVS_GENL_MCGRP_EVENTS);
	ret = ret ?: knl_listen(k, count_cb, &c, count_lost, p[0]);
	if (!check(!ret && c.msgs == 0,
		   "listen: returns 0 when the watched pipe hangs up"))
		diag(k, ret);
	close(p[0]);

	setenv("KVS_FAKE_OOM", "1", 1);
	memset(&c, 0, sizeof(c));
	ret = reopen(k);
	unsetenv("KVS_FAKE_OOM");
	ret = ret ?: knl_subscribe(k, KVS_GENL_MCGRP_EVENTS);
	ret = ret ?: knl_listen(k, count_cb, &c, count_lost, -1);
	if (!check(ret == -ENOMEM && k->err == ENOMEM && c.msgs == 0 &&
		   c.lost == 0,
		   "listen: NLE_NOMEM with errno ENOMEM ends it (not ENOBUFS)"))
		diag(k, ret);

	setenv("KVS_FAKE_NOCAP", "1", 1);
	ret = reopen(k);
	ret = ret ?: knl_subscribe(k, KVS_GENL_MCGRP_EVENTS);
	unsetenv("KVS_FAKE_NOCAP");
	if (!check(ret == -EPERM && k->err == EPERM,
		   "subscribe without CAP_NET_ADMIN: EPERM"))
		diag(k, ret);
}

/* Answer the next request with @len bytes of @buf, and send it */
static int garbage(struct knl *k, const void *buf, size_t len, bool stamp,
		   uint8_t cmd, int flags, struct counter *c)
{
	struct nl_msg *m;
	int ret;

	memset(c, 0, sizeof(*c));
	ret = reopen(k);
	if (ret)
		return 1000 + ret;
	fake_knl_inject(buf, len, stamp);
	m = knl_msg(k, cmd, flags);
	nla_put_string(m, KVS_ATTR_SWITCH_NAME, "t0");
	ret = knl_transact(k, m, count_cb, c);
	nlmsg_free(m);
	return ret;
}

static void check_garbage(struct knl *k)
{
	union {
		struct nlmsghdr h;
		unsigned char b[512];
	} u;
	struct nlmsghdr *h = &u.h, *h2;
	struct nlmsgerr *e = NLMSG_DATA(h);
	struct nlattr *a;
	struct counter c;
	int ret;

	/* a datagram shorter than its header says */
	memset(&u, 0, sizeof(u));
	h->nlmsg_len = 100;
	h->nlmsg_type = NLMSG_ERROR;
	ret = garbage(k, &u, 20, true, KVS_CMD_SWITCH_NEW, 0, &c);
	if (!check(ret < 0 && ret > -1000,
		   "truncated datagram: an error (%d)", ret))
		diag(k, ret);

	/* an NLMSG_ERROR too short for its nlmsgerr */
	memset(&u, 0, sizeof(u));
	h->nlmsg_len = NLMSG_HDRLEN + 2;
	h->nlmsg_type = NLMSG_ERROR;
	ret = garbage(k, &u, h->nlmsg_len, true, KVS_CMD_SWITCH_NEW, 0, &c);
	if (!check(ret == -EMSGSIZE, "short NLMSG_ERROR: EMSGSIZE (%d)", ret))
		diag(k, ret);

	/* extack TLVs that run past the end */
	memset(&u, 0, sizeof(u));
	h->nlmsg_len = NLMSG_LENGTH(sizeof(*e)) + NLA_HDRLEN + 4;
	h->nlmsg_type = NLMSG_ERROR;
	h->nlmsg_flags = NLM_F_CAPPED | NLM_F_ACK_TLVS;
	e->error = -EINVAL;
	a = (struct nlattr *)((char *)e + sizeof(*e));
	a->nla_type = NLMSGERR_ATTR_MSG;
	a->nla_len = 200;
	ret = garbage(k, &u, h->nlmsg_len, true, KVS_CMD_SWITCH_NEW, 0, &c);
	if (!check(ret == -EINVAL && !k->msg[0],
		   "extack TLV past the end: ignored, errno kept"))
		diag(k, ret);

	/* not capped, and an echoed request longer than the message */
	memset(&u, 0, sizeof(u));
	h->nlmsg_len = NLMSG_LENGTH(sizeof(*e)) + 8;
	h->nlmsg_type = NLMSG_ERROR;
	h->nlmsg_flags = NLM_F_ACK_TLVS;
	e->error = -EINVAL;
	e->msg.nlmsg_len = 0xfffffff0;
	ret = garbage(k, &u, h->nlmsg_len, true, KVS_CMD_SWITCH_NEW, 0, &c);
	if (!check(ret == -EINVAL && !k->msg[0],
		   "echoed request longer than the error: no TLVs read"))
		diag(k, ret);

	/* a message longer than k->msg, without its NUL */
	memset(&u, 0, sizeof(u));
	h->nlmsg_len = NLMSG_LENGTH(sizeof(*e)) + NLA_HDRLEN + 300;
	h->nlmsg_type = NLMSG_ERROR;
	h->nlmsg_flags = NLM_F_CAPPED | NLM_F_ACK_TLVS;
	e->error = -EBUSY;
	a = (struct nlattr *)((char *)e + sizeof(*e));
	a->nla_type = NLMSGERR_ATTR_MSG;
	a->nla_len = NLA_HDRLEN + 300;
	memset((char *)a + NLA_HDRLEN, 'x', 300);
	ret = garbage(k, &u, h->nlmsg_len, true, KVS_CMD_SWITCH_NEW, 0, &c);
	if (!check(ret == -EBUSY && strlen(k->msg) == sizeof(k->msg) - 1,
		   "overlong extack message: cut to k->msg"))
		diag(k, ret);

	/* NLMSG_DONE without its errno */
	memset(&u, 0, sizeof(u));
	h->nlmsg_len = NLMSG_HDRLEN;
	h->nlmsg_type = NLMSG_DONE;
	h->nlmsg_flags = NLM_F_MULTI;
	ret = garbage(k, &u, h->nlmsg_len, true, KVS_CMD_SWITCH_GET,
		      NLM_F_DUMP, &c);
	if (!check(ret == 0 && c.msgs == 0, "bare NLMSG_DONE: an empty dump"))
		diag(k, ret);

	/* an answer to somebody else's request */
	memset(&u, 0, sizeof(u));
	h->nlmsg_len = NLMSG_LENGTH(sizeof(*e));
	h->nlmsg_type = NLMSG_ERROR;
	h->nlmsg_flags = NLM_F_CAPPED;
	h->nlmsg_seq = 12345;
	ret = garbage(k, &u, h->nlmsg_len, false, KVS_CMD_SWITCH_NEW, 0, &c);
	if (!check(ret == -EPROTO && !k->refused,
		   "wrong sequence number: EPROTO (%d), not the kernel's", ret))
		diag(k, ret);

	/* a reply too short for its genl header, then the ACK */
	memset(&u, 0, sizeof(u));
	h->nlmsg_len = NLMSG_HDRLEN + 2;
	h->nlmsg_type = k->family;
	h2 = (struct nlmsghdr *)(u.b + NLMSG_ALIGN(h->nlmsg_len));
	h2->nlmsg_len = NLMSG_LENGTH(sizeof(*e));
	h2->nlmsg_type = NLMSG_ERROR;
	h2->nlmsg_flags = NLM_F_CAPPED;
	ret = garbage(k, &u, NLMSG_ALIGN(h->nlmsg_len) + h2->nlmsg_len, true,
		      KVS_CMD_SWITCH_GET, 0, &c);
	if (!check(ret == -EINVAL && c.msgs == 1 && c.parse_err == 1,
		   "reply without a genl header: refused by knl_parse()"))
		diag(k, ret);

	ret = reopen(k);
	ret = ret ?: switch_add(k, "t9");
	check(!ret, "a new socket after the garbage works");
}

int main(void)
{
	unsigned long ctrl;
	struct knl k;
	int ret;

	/* a fake that never answers must fail the check, not hang it */
	alarm(120);
	ctrl = fake_knl_ctrl_requests;
	ret = open_knl(&k);
	if (!check(!ret && k.family == 0x42 &&
		   fake_knl_ctrl_requests == ctrl + 1,
		   "open: the family id from the fake controller"))
		diag(&k, ret);

	check_doit(&k);
	check_warning(&k);
	check_dumps(&k);
	check_listen(&k);
	check_garbage(&k);

	knl_close(&k);
	setenv("KVS_FAKE_NOFAMILY", "1", 1);
	ret = open_knl(&k);
	unsetenv("KVS_FAKE_NOFAMILY");
	check(ret == -ENOENT && k.err == ENOENT,
	      "open: family not registered: ENOENT");

	printf("1..%d\n", tests);
	if (failed)
		printf("# %d of %d failed\n", failed, tests);
	else
		printf("# all %d passed\n", tests);
	return failed ? 1 : 0;
}
