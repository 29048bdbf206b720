// SPDX-License-Identifier: GPL-2.0
/*
 * kvs stats show: counters of every port, of one port or of a switch.
 */
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "kvs.h"

struct stats_args {
	const char *sw;
	const char *dev;
};

int stats_fetch(struct kvs *ctx, int type, const char *name,
		struct kvs_counters *c)
{
	struct nlattr *tb[KVS_ATTR_MAX + 1];
	struct nl_msg *msg;
	struct replies r;

	memset(c, 0, sizeof(*c));
	msg = kvs_req(ctx, KVS_CMD_STATS_GET, 0);
	if (!msg)
		return -1;
	if (nla_put_string(msg, type, name))
		return kvs_put_err(ctx, msg);
	if (kvs_get(ctx, msg, &r))
		return -1;
	if (r.n && kvs_parse(r.v[0], tb))
		counters_parse(tb[KVS_ATTR_STATS], c);
	replies_free(&r);
	return 0;
}

/* One object: a port (@dev set, in switch @sw) or a switch's totals */
static void stats_print(struct nlattr **tb, const char *dev, const char *sw)
{
	struct kvs_counters c;

	counters_parse(tb[KVS_ATTR_STATS], &c);
	open_json_object(NULL);
	if (dev) {
		print_string(PRINT_ANY, "ifname", "%s:", dev);
		if (tb[KVS_ATTR_PORT_IFINDEX])
			print_uint(PRINT_JSON, "ifindex", NULL,
				   nla_get_u32(tb[KVS_ATTR_PORT_IFINDEX]));
		print_string(PRINT_ANY, "switch", " switch %s", sw);
	} else {
		print_string(PRINT_ANY, "ifname", "%s:", sw ? sw : "?");
	}
	print_nl();
	counters_print(&c);
	close_json_object();
}

/* kvs_show() callback; @arg: the stats_args of the show */
static int stats_show_one(struct kvs *ctx, struct nlattr **tb,
			  const void *arg)
{
	const struct stats_args *p = arg;
	char devbuf[IFNAMSIZ], swbuf[IFNAMSIZ];
	const char *devname, *swname;

	(void)ctx;
	swname = attr_ifname(tb, KVS_ATTR_SWITCH_NAME, KVS_ATTR_SWITCH_IFINDEX,
			     swbuf);
	if (p->sw) {
		/* the switch's totals */
		stats_print(tb, NULL, swname ? swname : p->sw);
		return 0;
	}
	devname = attr_ifname(tb, KVS_ATTR_PORT_NAME, KVS_ATTR_PORT_IFINDEX,
			      devbuf);
	if (!devname && p->dev)
		devname = p->dev;
	if (devname)
		stats_print(tb, devname, swname);
	return 0;
}

/* [ switch SWITCH | dev IFNAME ] */
static int stats_show(struct kvs *ctx, struct args *a)
{
	struct stats_args p = { NULL, NULL };
	struct nl_msg *msg;
	int err;

	while (args_more(a)) {
		const char *kw = args_next(a);

		if (!strcmp(kw, "switch")) {
			if (arg_value(ctx, a, kw, &p.sw) ||
			    arg_ifname(ctx, kw, p.sw))
				return -1;
		} else if (!strcmp(kw, "dev")) {
			if (arg_value(ctx, a, kw, &p.dev) ||
			    arg_ifname(ctx, kw, p.dev))
				return -1;
		} else {
			return arg_unknown(ctx, a, kw);
		}
	}
	if (p.sw && p.dev)
		return kvs_usage(ctx, "\"switch\" and \"dev\" exclude each other");

	msg = kvs_req(ctx, KVS_CMD_STATS_GET, p.sw || p.dev ? 0 : NLM_F_DUMP);
	if (!msg)
		return -1;
	err = 0;
	if (p.sw)
		err = nla_put_string(msg, KVS_ATTR_SWITCH_NAME, p.sw);
	if (p.dev)
		err = nla_put_string(msg, KVS_ATTR_PORT_NAME, p.dev);
	if (err)
		return kvs_put_err(ctx, msg);
	return kvs_show(ctx, msg, stats_show_one, &p);
}

static const struct kvs_command stats_cmds[] = {
	{ "show", show_aliases, stats_show, "[ switch SWITCH | dev IFNAME ]" },
	{ NULL, NULL, NULL, NULL },
};

const struct kvs_object obj_stats = {
	.name = "stats",
	.summary = "traffic and drop counters",
	.cmds = stats_cmds,
	.def_cmd = "show",
	.notes = "Drops are counted per reason on the port the frame came from:\n"
		 "no-route isolation spoofed-src mac-limit storm-limit bad-encap\n"
		 "unknown-vni mtu no-memory malformed link-local backlog\n"
		 "unknown-vtep\n",
};
