// SPDX-License-Identifier: GPL-2.0
/*
 * kvs net { add | set | del | show }
 */
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "kvs.h"

struct net_args {
	const char *id_str;
	uint32_t id;
	const char *sw;
	const char *label;
	const char *max_macs_str;
	uint32_t max_macs;
};

/* Which keywords a command takes besides "switch" */
enum {
	NA_LABEL	= 1 << 0,	/* name LABEL */
	NA_MAX_MACS	= 1 << 1,	/* max-macs N */
};

/* ID switch SWITCH [ name LABEL ] [ max-macs N ] */
static int net_parse(struct kvs *ctx, struct args *a, struct net_args *p,
		     unsigned int allowed)
{
	memset(p, 0, sizeof(*p));
	if (!args_more(a))
		return arg_missing(ctx, "ID");
	p->id_str = args_next(a);
	if (arg_net_id(ctx, "net", p->id_str, &p->id))
		return -1;

	while (args_more(a)) {
		const char *kw = args_next(a);

		if (!strcmp(kw, "switch")) {
			if (arg_value(ctx, a, kw, &p->sw) ||
			    arg_ifname(ctx, kw, p->sw))
				return -1;
		} else if ((allowed & NA_LABEL) && !strcmp(kw, "name")) {
			if (arg_value(ctx, a, kw, &p->label))
				return -1;
			if (strlen(p->label) >= KVS_LABEL_MAX)
				return kvs_usage(ctx, "network name \"%s\" is too long (at most %d bytes)",
						 p->label, KVS_LABEL_MAX - 1);
		} else if ((allowed & NA_MAX_MACS) &&
			   !strcmp(kw, "max-macs")) {
			if (arg_value(ctx, a, kw, &p->max_macs_str) ||
			    arg_u32(ctx, kw, p->max_macs_str, UINT32_MAX,
				    &p->max_macs))
				return -1;
		} else {
			return arg_unknown(ctx, a, kw);
		}
	}
	if (!p->sw)
		return arg_missing(ctx, "switch SWITCH");
	return 0;
}

static int net_change(struct kvs *ctx, struct args *a, uint8_t cmd)
{
	unsigned int allowed = cmd == KVS_CMD_NET_NEW ?
			       NA_LABEL | NA_MAX_MACS :
			       cmd == KVS_CMD_NET_SET ? NA_MAX_MACS : 0;
	struct net_args p;
	struct nl_msg *msg;
	int err;

	if (net_parse(ctx, a, &p, allowed))
		return -1;
	if (cmd == KVS_CMD_NET_SET && !p.max_macs_str)
		return kvs_usage(ctx, "nothing to change: give max-macs");
	msg = kvs_req(ctx, cmd, 0);
	if (!msg)
		return -1;
	err = nla_put_string(msg, KVS_ATTR_SWITCH_NAME, p.sw);
	err |= nla_put_u32(msg, KVS_ATTR_NET_ID, p.id);
	if (p.label)
		err |= nla_put_string(msg, KVS_ATTR_NET_LABEL, p.label);
	if (p.max_macs_str)
		err |= nla_put_u32(msg, KVS_ATTR_NET_MAX_MACS, p.max_macs);
	if (err)
		return kvs_put_err(ctx, msg);
	return kvs_do(ctx, msg);
}

static int net_add(struct kvs *ctx, struct args *a)
{
	return net_change(ctx, a, KVS_CMD_NET_NEW);
}

static int net_set(struct kvs *ctx, struct args *a)
{
	return net_change(ctx, a, KVS_CMD_NET_SET);
}

static int net_del(struct kvs *ctx, struct args *a)
{
	return net_change(ctx, a, KVS_CMD_NET_DEL);
}

static void net_print(struct nlattr **tb, const char *sw)
{
	char label[KVS_LABEL_MAX + 1];
	const char *lbl;

	lbl = attr_str(tb[KVS_ATTR_NET_LABEL], label, sizeof(label));
	if (lbl && !*lbl)
		lbl = NULL;

	open_json_object(NULL);
	print_uint(PRINT_ANY, "net", "net %u", attr_u32(tb, KVS_ATTR_NET_ID, 0));
	print_string(PRINT_ANY, "switch", " switch %s", sw);
	print_string(PRINT_ANY, "label", " name %s", lbl);
	if (tb[KVS_ATTR_NET_PORTS])
		print_uint(PRINT_ANY, "ports", " ports %u",
			   nla_get_u32(tb[KVS_ATTR_NET_PORTS]));
	if (tb[KVS_ATTR_NET_MAX_MACS])
		print_uint(PRINT_ANY, "max_macs", " max-macs %u",
			   nla_get_u32(tb[KVS_ATTR_NET_MAX_MACS]));
	if (tb[KVS_ATTR_NET_LEARNED])
		print_uint(PRINT_ANY, "learned", " learned %u",
			   nla_get_u32(tb[KVS_ATTR_NET_LEARNED]));
	/* absent from an older module: then not shown */
	if (tb[KVS_ATTR_NET_HIGHWAY])
		print_flag(PRINT_ANY, "highway", " highway",
			   nla_get_u8(tb[KVS_ATTR_NET_HIGHWAY]));
	print_nl();
	close_json_object();
}

/* kvs_show() callback; @arg: the switch asked for, or NULL */
static int net_show_one(struct kvs *ctx, struct nlattr **tb, const void *arg)
{
	const char *filter = arg;
	char sw[IFNAMSIZ];
	const char *swname;

	(void)ctx;
	if (!tb[KVS_ATTR_NET_ID])
		return 0;
	swname = attr_ifname(tb, KVS_ATTR_SWITCH_NAME, KVS_ATTR_SWITCH_IFINDEX,
			     sw);
	if (filter && swname && strcmp(filter, swname))
		return 0;
	net_print(tb, swname);
	return 0;
}

/* [ switch SWITCH ] */
static int net_show(struct kvs *ctx, struct args *a)
{
	const char *filter = NULL;
	struct nl_msg *msg;

	while (args_more(a)) {
		const char *kw = args_next(a);

		if (!strcmp(kw, "switch")) {
			if (arg_value(ctx, a, kw, &filter) ||
			    arg_ifname(ctx, kw, filter))
				return -1;
		} else {
			return arg_unknown(ctx, a, kw);
		}
	}

	msg = kvs_req(ctx, KVS_CMD_NET_GET, NLM_F_DUMP);
	if (!msg)
		return -1;
	if (filter && nla_put_string(msg, KVS_ATTR_SWITCH_NAME, filter))
		return kvs_put_err(ctx, msg);
	return kvs_show(ctx, msg, net_show_one, filter);
}

static const struct kvs_command net_cmds[] = {
	{ "add", NULL, net_add,
	  "ID switch SWITCH [ name LABEL ] [ max-macs N ]" },
	{ "set", NULL, net_set, "ID switch SWITCH [ max-macs N ]" },
	{ "del", del_aliases, net_del, "ID switch SWITCH" },
	{ "show", show_aliases, net_show, "[ switch SWITCH ]" },
	{ NULL, NULL, NULL, NULL },
};

const struct kvs_object obj_net = {
	.name = "net",
	.summary = "a network (tenant segment) of a switch",
	.cmds = net_cmds,
	.def_cmd = "show",
	.notes = "ID := 1..16777215 (the VXLAN VNI, or the VLAN id 1..4094)\n"
		 "LABEL := free text, at most 31 bytes\n"
		 "max-macs N: learned MACs allowed in the network (all its ports),\n"
		 "            default " STR(KVS_NET_MAX_MACS_DEFAULT) ", 0 = no limit\n",
};
