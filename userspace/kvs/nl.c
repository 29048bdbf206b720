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
	/* names are resolved afresh for each show, then cached through it */
	ifname_cache_flush();
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

struct stream {
	struct kvs *ctx;
	kvs_show_cb_t show;
	const void *arg;
	size_t n;		/* JSON objects written */
	int err;		/* first failure of @show */
};

static int stream_cb(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[KVS_ATTR_MAX + 1];
	struct stream *s = arg;
	struct kvs *ctx = s->ctx;

	if (s->err || !kvs_parse(msg, tb))
		return 0;
	s->err = s->show(ctx, tb, s->arg);
	if (ctx->jcur) {
		if (!s->err)
			fprintf(ctx->out, "%s%s", s->n++ ? "," : "",
				json_object_to_json_string_ext(ctx->jcur,
					JSON_C_TO_STRING_PLAIN |
					JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(ctx->jcur);
		ctx->jcur = NULL;
	}
	return 0;
}

int kvs_show_stream(struct kvs *ctx, struct nl_msg *msg, kvs_show_cb_t show,
		    const void *arg)
{
	struct stream s = { .ctx = ctx, .show = show, .arg = arg };
	char *buf = NULL;
	size_t len = 0;
	int tries, ret;

	/* pretty JSON is indented as a whole: build it the usual way */
	if (ctx->json && ctx->pretty)
		return kvs_show(ctx, msg, show, arg);

	ctx->out = open_memstream(&buf, &len);
	if (!ctx->out) {
		nlmsg_free(msg);
		return kvs_err(ctx, "%s", strerror(ENOMEM));
	}
	ctx->streaming = true;
	for (tries = 0; tries < DUMP_TRIES; tries++) {
		/* a retry starts the output afresh */
		rewind(ctx->out);
		s.n = 0;
		s.err = 0;
		ifname_cache_flush();
		ret = knl_transact(&ctx->nl, msg, stream_cb, &s);
		if (ret != -EINTR)
			break;
	}
	ctx->streaming = false;
	nlmsg_free(msg);
	ret = ret ? ret : s.err;
	if (!ret && (fflush(ctx->out) || ferror(ctx->out)))
		ret = -ENOMEM;
	/* sets @len to the position: where the last try ended */
	fclose(ctx->out);
	ctx->out = NULL;

	if (ret == -EINTR)
		ret = kvs_err(ctx, "the dump was interrupted by concurrent changes %d times, giving up",
			      DUMP_TRIES);
	else if (ret == -ENOMEM && !ctx->nl.err)
		ret = kvs_err(ctx, "%s", strerror(ENOMEM));
	else if (ret && !s.err)
		ret = kvs_nl_err(ctx);
	if (!ret) {
		if (ctx->json)
			printf("[%.*s]\n", (int)len, buf);
		else
			fwrite(buf, 1, len, stdout);
	}
	free(buf);
	return ret ? -1 : 0;
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
	[KVS_ATTR_NET_MAX_MACS]		= { .type = NLA_U32 },
	[KVS_ATTR_NET_LEARNED]		= { .type = NLA_U32 },
	[KVS_ATTR_PORT_GROUP_FWD_MASK]	= { .type = NLA_U16 },
	[KVS_ATTR_SWITCH_BATCH]		= { .type = NLA_U32 },
	[KVS_ATTR_NET_HIGHWAY]		= { .type = NLA_U8 },
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

/* ifindex -> name, direct-mapped: an fdb dump of a million entries names
 * a handful of devices, each looked up once instead of once an entry
 * (if_indextoname() costs a socket and an ioctl).
 */
#define IFNAME_CACHE	64

struct ifname_entry {
	uint32_t ifindex;	/* 0: empty */
	char name[IFNAMSIZ];
};

static struct ifname_entry ifname_cache[IFNAME_CACHE];

void ifname_cache_flush(void)
{
	memset(ifname_cache, 0, sizeof(ifname_cache));
}

const char *ifindex_name(uint32_t ifindex, char buf[IFNAMSIZ])
{
	struct ifname_entry *c = &ifname_cache[ifindex % IFNAME_CACHE];

	if (!ifindex || c->ifindex != ifindex) {
		/* gone already: still say which device it was */
		if (!if_indextoname(ifindex, buf))
			snprintf(buf, IFNAMSIZ, "if%u", ifindex);
		if (ifindex) {
			c->ifindex = ifindex;
			memcpy(c->name, buf, IFNAMSIZ);
		}
		return buf;
	}
	memcpy(buf, c->name, IFNAMSIZ);
	return buf;
}

const char *attr_ifname(struct nlattr **tb, int name_type, int ifindex_type,
			char buf[IFNAMSIZ])
{
	if (tb[name_type])
		return attr_str(tb[name_type], buf, IFNAMSIZ);
	if (!tb[ifindex_type])
		return NULL;
	return ifindex_name(nla_get_u32(tb[ifindex_type]), buf);
}

const uint8_t *attr_mac(struct nlattr *nla)
{
	return nla && nla_len(nla) >= MAC_LEN ? nla_data(nla) : NULL;
}
