// SPDX-License-Identifier: GPL-2.0
/*
 * kvs requests: the socket (opened on first use), changes, gets and dumps,
 * the loop of every show, and parsing of the replies.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvs.h"

/* How often a dump interrupted by concurrent changes is retried */
#define DUMP_TRIES	10

int kvs_open(struct kvs *ctx)
{
	int ret;

	if (ctx->nl_open)
		return 0;
	ret = knl_open(&ctx->nl, KVS_GENL_NAME, KVS_GENL_VERSION);
	if (ret == -ENOENT)
		return kvs_err(ctx, "cannot find the kvs generic netlink family: is the module loaded? (modprobe kvs)");
	if (ret)
		return kvs_err(ctx, "cannot open a generic netlink socket: %s",
			       strerror(-ret));
	ctx->nl_open = true;
	return 0;
}

struct nl_msg *kvs_req(struct kvs *ctx, uint8_t cmd, int flags)
{
	struct nl_msg *msg;

	if (kvs_open(ctx))
		return NULL;
	msg = knl_msg(&ctx->nl, cmd, flags);
	if (!msg)
		kvs_err(ctx, "%s", strerror(ENOMEM));
	return msg;
}

int kvs_put_err(struct kvs *ctx, struct nl_msg *msg)
{
	nlmsg_free(msg);
	return kvs_err(ctx, "request too large: %s", strerror(EMSGSIZE));
}

int kvs_do(struct kvs *ctx, struct nl_msg *msg)
{
	int ret;

	ret = knl_transact(&ctx->nl, msg, NULL, NULL);
	nlmsg_free(msg);
	return ret ? kvs_nl_err(ctx) : 0;
}

void replies_free(struct replies *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		nlmsg_free(r->v[i]);
	free(r->v);
	memset(r, 0, sizeof(*r));
}

static int collect_cb(struct nl_msg *msg, void *arg)
{
	struct replies *r = arg;

	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct nl_msg **v = realloc(r->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		r->v = v;
		r->cap = cap;
	}
	nlmsg_get(msg);		/* keep it past the callback */
	r->v[r->n++] = msg;
	return 0;
}

int kvs_get(struct kvs *ctx, struct nl_msg *msg, struct replies *r)
{
	int tries, ret;

	memset(r, 0, sizeof(*r));
	for (tries = 0; tries < DUMP_TRIES; tries++) {
		replies_free(r);
		ret = knl_transact(&ctx->nl, msg, collect_cb, r);
		if (ret != -EINTR)
			break;
	}
	nlmsg_free(msg);
	if (ret == -EINTR) {
		replies_free(r);
		return kvs_err(ctx, "the dump was interrupted by concurrent changes %d times, giving up",
			       DUMP_TRIES);
	}
	if (ret) {
		replies_free(r);
		return kvs_nl_err(ctx);
	}
	return 0;
}

int kvs_show(struct kvs *ctx, struct nl_msg *msg, kvs_show_cb_t show,
	     const void *arg)
{
	struct replies r;
	size_t i;
	int ret = 0;

	/* the whole answer first: a retried dump must not print twice, and
	 * @show may send requests of its own (-s)
	 */
	if (kvs_get(ctx, msg, &r))
		return -1;
	out_begin(ctx);
	for (i = 0; i < r.n && !ret; i++) {
		struct nlattr *tb[KVS_ATTR_MAX + 1];

		if (kvs_parse(r.v[i], tb))
			ret = show(ctx, tb, arg);
	}
	out_end_or_abort(ctx, ret);
	replies_free(&r);
	return ret;
}

/* Strings are read with attr_str()/attr_ifname(), bounded, so they are
 * NLA_UNSPEC here: a reply is never dropped for a missing NUL.
 */
static struct nla_policy kvs_policy[KVS_ATTR_MAX + 1] = {
	[KVS_ATTR_SWITCH_IFINDEX]	= { .type = NLA_U32 },
	[KVS_ATTR_SWITCH_NAME]		= { .type = NLA_UNSPEC },
	[KVS_ATTR_AGEING_TIME]		= { .type = NLA_U32 },
	[KVS_ATTR_NET_ID]		= { .type = NLA_U32 },
	[KVS_ATTR_NET_LABEL]		= { .type = NLA_UNSPEC },
	[KVS_ATTR_NET_PORTS]		= { .type = NLA_U32 },
	[KVS_ATTR_PORT_IFINDEX]		= { .type = NLA_U32 },
	[KVS_ATTR_PORT_NAME]		= { .type = NLA_UNSPEC },
	[KVS_ATTR_PORT_TYPE]		= { .type = NLA_U8 },
	[KVS_ATTR_PORT_MACS]		= { .type = NLA_NESTED },
	[KVS_ATTR_PORT_LEARNING]	= { .type = NLA_U8 },
	[KVS_ATTR_PORT_MAX_MACS]	= { .type = NLA_U32 },
	[KVS_ATTR_PORT_BUM_LIMIT]	= { .type = NLA_U32 },
	[KVS_ATTR_PORT_LEARNED]		= { .type = NLA_U32 },
	[KVS_ATTR_PORT_FABRIC]		= { .type = NLA_NESTED },
	[KVS_ATTR_MAC]			= { .type = NLA_UNSPEC,
					    .minlen = MAC_LEN },
	[KVS_ATTR_FDB_FLAGS]		= { .type = NLA_U32 },
	[KVS_ATTR_FDB_AGE]		= { .type = NLA_U32 },
	[KVS_ATTR_FDB_REMOTE_IP4]	= { .type = NLA_UNSPEC, .minlen = 4 },
	[KVS_ATTR_FDB_REMOTE_IP6]	= { .type = NLA_UNSPEC, .minlen = 16 },
	[KVS_ATTR_STATS]		= { .type = NLA_NESTED },
	[KVS_ATTR_DROP_REASON]		= { .type = NLA_U32 },
};

bool kvs_parse(struct nl_msg *msg, struct nlattr **tb)
{
	if (knl_parse(msg, KVS_ATTR_MAX, kvs_policy, tb)) {
		fprintf(stderr, "Warning: skipping a malformed message from the kernel\n");
		return false;
	}
	return true;
}

uint32_t attr_u32(struct nlattr **tb, int type, uint32_t def)
{
	return tb[type] ? nla_get_u32(tb[type]) : def;
}

uint8_t attr_u8(struct nlattr **tb, int type, uint8_t def)
{
	return tb[type] ? nla_get_u8(tb[type]) : def;
}

const char *attr_str(struct nlattr *nla, char *buf, size_t size)
{
	size_t len;

	if (!nla)
		return NULL;
	len = strnlen(nla_data(nla), nla_len(nla));
	if (len >= size)
		len = size - 1;
	memcpy(buf, nla_data(nla), len);
	buf[len] = '\0';
	return buf;
}

const char *attr_ifname(struct nlattr **tb, int name_type, int ifindex_type,
			char buf[IFNAMSIZ])
{
	uint32_t ifindex;

	if (tb[name_type])
		return attr_str(tb[name_type], buf, IFNAMSIZ);
	if (!tb[ifindex_type])
		return NULL;
	ifindex = nla_get_u32(tb[ifindex_type]);
	if (!if_indextoname(ifindex, buf))
		snprintf(buf, IFNAMSIZ, "if%u", ifindex);
	return buf;
}

const uint8_t *attr_mac(struct nlattr *nla)
{
	return nla && nla_len(nla) >= MAC_LEN ? nla_data(nla) : NULL;
}
