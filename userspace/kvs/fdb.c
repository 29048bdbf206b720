// SPDX-License-Identifier: GPL-2.0
/*
 * kvs fdb { add | del | show }
 */
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "kvs.h"

struct fdb_args {
	uint8_t mac[MAC_LEN];
	const char *net_str;
	uint32_t net;
	const char *sw;
	const char *dev;
	const char *remote_str;
	struct kvs_addr remote;
	const char *origin;		/* "evpn" or NULL */
};

/* MAC net ID switch SWITCH [ dev IFNAME ] [ remote ADDR ] [ origin evpn ] */
static int fdb_parse(struct kvs *ctx, struct args *a, struct fdb_args *p,
		     bool with_dev)
{
	memset(p, 0, sizeof(*p));
	if (!args_more(a))
		return arg_missing(ctx, "MAC");
	if (arg_mac(ctx, args_next(a), p->mac))
		return -1;

	while (args_more(a)) {
		const char *kw = args_next(a);

		if (!strcmp(kw, "net")) {
			if (arg_value(ctx, a, kw, &p->net_str) ||
			    arg_net_id(ctx, kw, p->net_str, &p->net))
				return -1;
		} else if (!strcmp(kw, "switch")) {
			if (arg_value(ctx, a, kw, &p->sw) ||
			    arg_ifname(ctx, kw, p->sw))
				return -1;
		} else if (with_dev && !strcmp(kw, "dev")) {
			if (arg_value(ctx, a, kw, &p->dev) ||
			    arg_ifname(ctx, kw, p->dev))
				return -1;
		} else if (!strcmp(kw, "remote")) {
			if (arg_value(ctx, a, kw, &p->remote_str) ||
			    arg_addr(ctx, kw, p->remote_str, &p->remote))
				return -1;
		} else if (!strcmp(kw, "origin")) {
			if (arg_value(ctx, a, kw, &p->origin))
				return -1;
			if (strcmp(p->origin, "evpn"))
				return kvs_usage(ctx, "\"origin\" must be evpn, not \"%s\"",
						 p->origin);
		} else {
			return arg_unknown(ctx, a, kw);
		}
	}
	if (!p->net_str)
		return arg_missing(ctx, "net ID");
	if (!p->sw)
		return arg_missing(ctx, "switch SWITCH");
	return 0;
}

static int put_remote(struct nl_msg *msg, const struct kvs_addr *addr)
{
	if (addr->family == AF_INET)
		return nla_put(msg, KVS_ATTR_FDB_REMOTE_IP4, sizeof(addr->v4),
			       &addr->v4);
	return nla_put(msg, KVS_ATTR_FDB_REMOTE_IP6, sizeof(addr->v6),
		       &addr->v6);
}

static int fdb_change(struct kvs *ctx, struct args *a, uint8_t cmd)
{
	bool add = cmd == KVS_CMD_FDB_NEW;
	struct fdb_args p;
	struct nl_msg *msg;
	int err;

	if (fdb_parse(ctx, a, &p, add))
		return -1;
	if (add && !p.dev && !p.remote_str)
		return arg_missing(ctx, "dev IFNAME\" or \"remote ADDR");
	if (p.dev && p.remote_str)
		return kvs_usage(ctx, "\"dev\" and \"remote\" exclude each other");

	msg = kvs_req(ctx, cmd, 0);
	if (!msg)
		return -1;
	err = nla_put(msg, KVS_ATTR_MAC, MAC_LEN, p.mac);
	err |= nla_put_u32(msg, KVS_ATTR_NET_ID, p.net);
	err |= nla_put_string(msg, KVS_ATTR_SWITCH_NAME, p.sw);
	if (p.dev)
		err |= nla_put_string(msg, KVS_ATTR_PORT_NAME, p.dev);
	if (p.remote_str)
		err |= put_remote(msg, &p.remote);
	if (p.origin)
		err |= nla_put_u8(msg, KVS_ATTR_FDB_ORIGIN, KVS_FDB_ORIGIN_EVPN);
	if (err)
		return kvs_put_err(ctx, msg);
	return kvs_do(ctx, msg);
}

static int fdb_add(struct kvs *ctx, struct args *a)
{
	return fdb_change(ctx, a, KVS_CMD_FDB_NEW);
}

static int fdb_del(struct kvs *ctx, struct args *a)
{
	return fdb_change(ctx, a, KVS_CMD_FDB_DEL);
}

/* Seconds with up to millisecond precision, no trailing zeros: "12.3" */
static void format_age(uint32_t ms, char *buf, size_t size)
{
	size_t len;

	snprintf(buf, size, "%u.%03u", ms / 1000, ms % 1000);
	len = strlen(buf);
	while (len > 2 && buf[len - 1] == '0' && buf[len - 2] != '.')
		buf[--len] = '\0';
}

static void fdb_print(struct nlattr **tb, const char *sw)
{
	uint32_t flags = attr_u32(tb, KVS_ATTR_FDB_FLAGS, 0);
	const uint8_t *mac = attr_mac(tb[KVS_ATTR_MAC]);
	bool is_static = flags & KVS_FDB_F_STATIC;
	char macbuf[MAC_STRLEN], dev[IFNAMSIZ], rbuf[ADDR_STRLEN], age[32];
	const char *remote = NULL;

	if (tb[KVS_ATTR_FDB_REMOTE_IP4])
		remote = format_addr(AF_INET,
				     nla_data(tb[KVS_ATTR_FDB_REMOTE_IP4]),
				     rbuf);
	else if (tb[KVS_ATTR_FDB_REMOTE_IP6])
		remote = format_addr(AF_INET6,
				     nla_data(tb[KVS_ATTR_FDB_REMOTE_IP6]),
				     rbuf);

	open_json_object(NULL);
	print_string(PRINT_ANY, "mac", "%s", format_mac(mac, macbuf));
	if (tb[KVS_ATTR_NET_ID])
		print_uint(PRINT_ANY, "net", " net %u",
			   nla_get_u32(tb[KVS_ATTR_NET_ID]));
	print_string(PRINT_ANY, "switch", " switch %s", sw);
	print_string(PRINT_ANY, "ifname", " dev %s",
		     attr_ifname(tb, KVS_ATTR_PORT_NAME,
				 KVS_ATTR_PORT_IFINDEX, dev));
	print_string(PRINT_ANY, "remote", " remote %s", remote);
	print_string(PRINT_ANY, "state", " %s",
		     is_static ? "static" : "learned");
	if (flags & KVS_FDB_F_EVPN)
		print_string(PRINT_ANY, "origin", " origin %s", "evpn");
	if (tb[KVS_ATTR_FDB_AGE]) {
		uint32_t ms = nla_get_u32(tb[KVS_ATTR_FDB_AGE]);

		format_age(ms, age, sizeof(age));
		print_decimal(PRINT_JSON, "age", NULL, ms / 1000.0, age);
		/* text: a learned entry's, in tenths */
		if (!is_static)
			print_text(" age %.1fs", ms / 1000.0);
	}
	print_nl();
	close_json_object();
}

/* kvs_show_stream() callback; @arg: the fdb_args of the show. The
 * switch filter is the kernel's; it is checked here again on the name of
 * the ifindex the entry carries.
 */
static int fdb_show_one(struct kvs *ctx, struct nlattr **tb, const void *arg)
{
	const struct fdb_args *p = arg;
	char swbuf[IFNAMSIZ];
	const char *swname;

	(void)ctx;
	if (!attr_mac(tb[KVS_ATTR_MAC]))
		return 0;
	swname = attr_ifname(tb, KVS_ATTR_SWITCH_NAME, KVS_ATTR_SWITCH_IFINDEX,
			     swbuf);
	if (p->sw && swname && strcmp(p->sw, swname))
		return 0;
	if (p->net_str && tb[KVS_ATTR_NET_ID] &&
	    nla_get_u32(tb[KVS_ATTR_NET_ID]) != p->net)
		return 0;
	fdb_print(tb, swname);
	return 0;
}

/* [ switch SWITCH ] [ net ID ] */
static int fdb_show(struct kvs *ctx, struct args *a)
{
	struct fdb_args p;
	struct nl_msg *msg;
	int err = 0;

	memset(&p, 0, sizeof(p));
	while (args_more(a)) {
		const char *kw = args_next(a);

		if (!strcmp(kw, "switch")) {
			if (arg_value(ctx, a, kw, &p.sw) ||
			    arg_ifname(ctx, kw, p.sw))
				return -1;
		} else if (!strcmp(kw, "net")) {
			if (arg_value(ctx, a, kw, &p.net_str) ||
			    arg_net_id(ctx, kw, p.net_str, &p.net))
				return -1;
		} else {
			return arg_unknown(ctx, a, kw);
		}
	}

	msg = kvs_req(ctx, KVS_CMD_FDB_GET, NLM_F_DUMP);
	if (!msg)
		return -1;
	if (p.sw)
		err |= nla_put_string(msg, KVS_ATTR_SWITCH_NAME, p.sw);
	if (p.net_str)
		err |= nla_put_u32(msg, KVS_ATTR_NET_ID, p.net);
	if (err)
		return kvs_put_err(ctx, msg);
	/* up to a million entries: no message is kept */
	return kvs_show_stream(ctx, msg, fdb_show_one, &p);
}

static const struct kvs_command fdb_cmds[] = {
	{ "add", NULL, fdb_add,
	  "MAC net ID switch SWITCH { dev IFNAME | remote ADDR } [ origin evpn ]" },
	{ "del", del_aliases, fdb_del,
	  "MAC net ID switch SWITCH [ remote ADDR ] [ origin evpn ]" },
	{ "show", show_aliases, fdb_show, "[ switch SWITCH ] [ net ID ]" },
	{ NULL, NULL, NULL, NULL },
};

const struct kvs_object obj_fdb = {
	.name = "fdb",
	.summary = "forwarding database entries",
	.cmds = fdb_cmds,
	.def_cmd = "show",
	.notes = NULL,
};
