// SPDX-License-Identifier: GPL-2.0
/*
 * kvs stats show: counters of every port, of one port or of a switch.
 */
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "kvs.h"

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

/* One object: a port (@dev set) or a switch's totals */
static void stats_print(struct kvs *ctx, struct nlattr **tb, const char *dev,
			const char *sw)
{
	struct kvs_counters c;

	counters_parse(tb[KVS_ATTR_STATS], &c);
	if (ctx->json) {
		json_object *o = out_obj(ctx);

		if (dev) {
			jadd_str(o, "dev", dev);
			if (tb[KVS_ATTR_PORT_IFINDEX])
				jadd_u64(o, "ifindex",
					 nla_get_u32(tb[KVS_ATTR_PORT_IFINDEX]));
		}
		if (sw)
			jadd_str(o, "switch", sw);
		counters_json(o, &c);
		return;
	}
	if (dev) {
		printf("%s:", dev);
		if (sw)
			printf(" switch %s", sw);
		printf("\n");
	} else {
		printf("%s:\n", sw ? sw : "?");
	}
	counters_print(&c);
}

/* [ switch SWITCH | dev IFNAME ] */
static int stats_show(struct kvs *ctx, struct args *a)
{
	const char *sw = NULL, *dev = NULL;
	struct nl_msg *msg;
	struct replies r;
	size_t i;
	int err;

	while (args_more(a)) {
		const char *kw = args_next(a);

		if (!strcmp(kw, "switch")) {
			if (arg_value(ctx, a, kw, &sw) ||
			    arg_ifname(ctx, kw, sw))
				return -1;
		} else if (!strcmp(kw, "dev")) {
			if (arg_value(ctx, a, kw, &dev) ||
			    arg_ifname(ctx, kw, dev))
				return -1;
		} else {
			return arg_unknown(ctx, a, kw);
		}
	}
	if (sw && dev)
		return kvs_err(ctx, "\"switch\" and \"dev\" exclude each other");

	msg = kvs_req(ctx, KVS_CMD_STATS_GET, sw || dev ? 0 : NLM_F_DUMP);
	if (!msg)
		return -1;
	err = 0;
	if (sw)
		err = nla_put_string(msg, KVS_ATTR_SWITCH_NAME, sw);
	if (dev)
		err = nla_put_string(msg, KVS_ATTR_PORT_NAME, dev);
	if (err)
		return kvs_put_err(ctx, msg);
	if (kvs_get(ctx, msg, &r))
		return -1;

	out_begin(ctx);
	for (i = 0; i < r.n; i++) {
		struct nlattr *tb[KVS_ATTR_MAX + 1];
		char devbuf[IFNAMSIZ], swbuf[IFNAMSIZ];
		const char *devname, *swname;

		if (!kvs_parse(r.v[i], tb))
			continue;
		swname = attr_ifname(tb, KVS_ATTR_SWITCH_NAME,
				     KVS_ATTR_SWITCH_IFINDEX, swbuf);
		if (sw) {
			/* the switch's totals */
			stats_print(ctx, tb, NULL, swname ? swname : sw);
			continue;
		}
		devname = attr_ifname(tb, KVS_ATTR_PORT_NAME,
				      KVS_ATTR_PORT_IFINDEX, devbuf);
		if (!devname && dev)
			devname = dev;
		if (devname)
			stats_print(ctx, tb, devname, swname);
	}
	out_end(ctx);
	replies_free(&r);
	return 0;
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
		 "unknown-vni mtu no-memory malformed\n",
};
