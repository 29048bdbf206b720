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
#include <netlink/genl/genl.h>

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

	if (ctx->dry_run) {
		/* parsed and built, never sent: no socket needed */
		msg = nlmsg_alloc();
		if (msg && !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, 0, 0,
					flags, cmd, KVS_GENL_VERSION)) {
			nlmsg_free(msg);
			msg = NULL;
		}
		if (!msg)
			kvs_err(ctx, "%s", strerror(ENOMEM));
		return msg;
	}
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

/* A warning the kernel attached to a successful answer */
static void kvs_warn(struct kvs *ctx)
{
	if (!ctx->nl.warn[0])
		return;
	fflush(stdout);
	fprintf(stderr, "Warning: ");
	if (ctx->lineno)
		fprintf(stderr, "line %lu: ", ctx->lineno);
	fprintf(stderr, "%s\n", ctx->nl.warn);
}

int kvs_do(struct kvs *ctx, struct nl_msg *msg)
{
	int ret;

	if (ctx->dry_run) {
		nlmsg_free(msg);
		return 0;
	}
	ret = knl_transact(&ctx->nl, msg, NULL, NULL);
	nlmsg_free(msg);
	if (ret)
		return kvs_nl_err(ctx);
	kvs_warn(ctx);
	return 0;
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

/* A dump interrupted by concurrent changes on every try */
static int dump_intr_err(struct kvs *ctx)
{
	return kvs_err(ctx, "the dump was interrupted by concurrent changes %d times, giving up",
		       DUMP_TRIES);
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
		return dump_intr_err(ctx);
	}
	if (ret) {
		replies_free(r);
		return kvs_nl_err(ctx);
	}
	kvs_warn(ctx);
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
	out_array_begin();
	for (i = 0; i < r.n && !ret; i++) {
		struct nlattr *tb[KVS_ATTR_MAX + 1];

		if (kvs_parse(r.v[i], tb))
			ret = show(ctx, tb, arg);
	}
	out_array_end(!ret);
	replies_free(&r);
	return ret;
}

/*
 * A streamed show first keeps the kernel's messages as they are, copied
 * into one buffer: the dump is read as fast as the socket gives it, so
 * the table has little time to change under it (a slow reader of a
 * churning table sees the entry its dump was to resume at age out, and
 * the dump interrupted, again and again). Once the dump is complete and
 * uninterrupted the messages are printed; an interrupted one is read
 * again from the start.
 *
 * JSON keeps every message, however many: a program gets one consistent
 * document or an error (a million fdb entries are ~75 MB of messages).
 * Text keeps up to STREAM_HOLD bytes of them; past that it prints what it
 * kept and then each message as it comes, as iproute2 does, so a million
 * entries cost a few MiB. An interruption after that is an error.
 */
#define STREAM_HOLD	(4 << 20)

struct stream {
	struct kvs *ctx;
	kvs_show_cb_t show;
	const void *arg;
	char *buf;		/* the messages kept */
	size_t len, cap;
	bool started;		/* text printed: no more retries */
	int err;		/* first failure */
};

static void stream_show(struct stream *s, struct nlmsghdr *nlh)
{
	struct nlattr *tb[KVS_ATTR_MAX + 1];

	if (!s->err && kvs_parse_nlh(nlh, tb))
		s->err = s->show(s->ctx, tb, s->arg);
}

/* Print the messages kept, and forget them */
static void stream_print(struct stream *s)
{
	size_t off = 0;

	while (off < s->len) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)(s->buf + off);

		stream_show(s, nlh);
		off += NLMSG_ALIGN(nlh->nlmsg_len);
	}
	s->len = 0;
}

static int stream_keep(struct stream *s, const struct nlmsghdr *nlh)
{
	size_t need = NLMSG_ALIGN(nlh->nlmsg_len);

	if (s->len + need > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1 << 16;
		char *buf;

		while (cap < s->len + need)
			cap *= 2;
		buf = realloc(s->buf, cap);
		if (!buf)
			return -ENOMEM;
		s->buf = buf;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, nlh, nlh->nlmsg_len);
	s->len += need;
	return 0;
}

static int stream_cb(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct stream *s = arg;

	if (s->err)
		return 0;
	if (s->started) {
		stream_show(s, nlh);
		return 0;
	}
	s->err = stream_keep(s, nlh);
	if (!s->err && !s->ctx->json && s->len > STREAM_HOLD) {
		s->started = true;
		stream_print(s);
	}
	return 0;
}

int kvs_show_stream(struct kvs *ctx, struct nl_msg *msg, kvs_show_cb_t show,
		    const void *arg)
{
	struct stream s = { .ctx = ctx, .show = show, .arg = arg };
	int tries, ret;

	/* pretty JSON is indented as a whole: build it the usual way */
	if (ctx->json && ctx->pretty)
		return kvs_show(ctx, msg, show, arg);

	/* names are resolved afresh for each show, then cached through it */
	ifname_cache_flush();
	out_stream_begin(false);
	for (tries = 0; tries < DUMP_TRIES; tries++) {
		s.len = 0;
		s.err = 0;
		ret = knl_transact(&ctx->nl, msg, stream_cb, &s);
		if (ret != -EINTR || s.started)
			break;
	}
	nlmsg_free(msg);
	ret = ret ? ret : s.err;
	if (!ret) {
		/* JSON is never started early: the whole document now */
		if (ctx->json)
			fputc('[', stdout);
		stream_print(&s);
		if (ctx->json)
			fputs("]\n", stdout);
		ret = s.err;
	}
	out_stream_end();
	free(s.buf);

	if (ret == -EINTR && s.started)
		ret = kvs_err(ctx, "the dump was interrupted by concurrent changes after its output began: entries may be missing or repeated");
	else if (ret == -EINTR)
		ret = dump_intr_err(ctx);
	else if (ret == -ENOMEM && !ctx->nl.err)
		ret = kvs_err(ctx, "%s", strerror(ENOMEM));
	else if (ret && !s.err)
		ret = kvs_nl_err(ctx);
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
	[KVS_ATTR_PORT_PEERS]		= { .type = NLA_U8 },
};

bool kvs_parse_nlh(struct nlmsghdr *nlh, struct nlattr **tb)
{
	if (genlmsg_parse(nlh, 0, tb, KVS_ATTR_MAX, kvs_policy) < 0) {
		fprintf(stderr, "Warning: skipping a malformed message from the kernel\n");
		return false;
	}
	return true;
}

bool kvs_parse(struct nl_msg *msg, struct nlattr **tb)
{
	return kvs_parse_nlh(nlmsg_hdr(msg), tb);
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
