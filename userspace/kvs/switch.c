// SPDX-License-Identifier: GPL-2.0
/*
 * kvs switch { add | del | set | show }
 */
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "kvs.h"

struct switch_args {
	const char *name;
	const char *ageing;
	uint32_t ageing_secs;
	const char *batch;
	uint32_t batch_frames;
};

/* NAME [ ageing SECONDS ] [ batch N ] */
static int switch_parse(struct kvs *ctx, struct args *a, struct switch_args *p,
			bool name_only, bool change_required)
{
	memset(p, 0, sizeof(*p));
	if (!args_more(a))
		return arg_missing(ctx, "NAME");
	p->name = args_next(a);
	if (arg_ifname(ctx, "switch", p->name))
		return -1;

	while (args_more(a)) {
		const char *kw = args_next(a);

		if (!name_only && !strcmp(kw, "ageing")) {
			if (arg_value(ctx, a, kw, &p->ageing) ||
			    arg_u32(ctx, kw, p->ageing, KVS_AGEING_TIME_MAX,
				    &p->ageing_secs))
				return -1;
		} else if (!name_only && !strcmp(kw, "batch")) {
			if (arg_value(ctx, a, kw, &p->batch) ||
			    arg_u32_range(ctx, kw, p->batch, 1, KVS_BATCH_MAX,
					  &p->batch_frames))
				return -1;
		} else {
			return arg_unknown(ctx, a, kw);
		}
	}
	if (change_required && !p->ageing && !p->batch)
		return kvs_usage(ctx, "nothing to change: give ageing or batch");
	return 0;
}

static int switch_change(struct kvs *ctx, struct args *a, uint8_t cmd)
{
	bool name_only = cmd == KVS_CMD_SWITCH_DEL;
	struct switch_args p;
	struct nl_msg *msg;
	int err;

	if (switch_parse(ctx, a, &p, name_only, cmd == KVS_CMD_SWITCH_SET))
		return -1;
	msg = kvs_req(ctx, cmd, 0);
	if (!msg)
		return -1;
	err = nla_put_string(msg, KVS_ATTR_SWITCH_NAME, p.name);
	if (p.ageing)
		err |= nla_put_u32(msg, KVS_ATTR_AGEING_TIME, p.ageing_secs);
	if (p.batch)
		err |= nla_put_u32(msg, KVS_ATTR_SWITCH_BATCH, p.batch_frames);
	if (err)
		return kvs_put_err(ctx, msg);
	return kvs_do(ctx, msg);
}

static int switch_add(struct kvs *ctx, struct args *a)
{
	return switch_change(ctx, a, KVS_CMD_SWITCH_NEW);
}

static int switch_del(struct kvs *ctx, struct args *a)
{
	return switch_change(ctx, a, KVS_CMD_SWITCH_DEL);
}

static int switch_set(struct kvs *ctx, struct args *a)
{
	return switch_change(ctx, a, KVS_CMD_SWITCH_SET);
}

static int switch_print(struct kvs *ctx, struct nlattr **tb,
			const void *arg)
{
	struct kvs_counters c;
	char name[IFNAMSIZ];
	bool have_stats = false;

	(void)arg;
	if (!attr_ifname(tb, KVS_ATTR_SWITCH_NAME, KVS_ATTR_SWITCH_IFINDEX,
			 name))
		return 0;
	if (ctx->stats) {
		if (tb[KVS_ATTR_STATS])
			counters_parse(tb[KVS_ATTR_STATS], &c);
		else if (stats_fetch(ctx, KVS_ATTR_SWITCH_NAME, name, &c))
			return -1;
		have_stats = true;
	}

	open_json_object(NULL);
	print_string(PRINT_ANY, "ifname", "%s:", name);
	if (tb[KVS_ATTR_SWITCH_IFINDEX])
		print_uint(PRINT_ANY, "ifindex", " ifindex %u",
			   nla_get_u32(tb[KVS_ATTR_SWITCH_IFINDEX]));
	if (tb[KVS_ATTR_AGEING_TIME])
		print_uint(PRINT_ANY, "ageing", " ageing %u",
			   nla_get_u32(tb[KVS_ATTR_AGEING_TIME]));
	/* absent from an older module: then not shown */
	if (tb[KVS_ATTR_SWITCH_BATCH])
		print_uint(PRINT_ANY, "batch", " batch %u",
			   nla_get_u32(tb[KVS_ATTR_SWITCH_BATCH]));
	print_nl();
	if (have_stats)
		counters_print(&c);
	close_json_object();
	return 0;
}

/* [ NAME ] */
static int switch_show(struct kvs *ctx, struct args *a)
{
	const char *name = NULL;
	struct nl_msg *msg;

	if (args_more(a)) {
		name = args_next(a);
		if (arg_ifname(ctx, "switch", name))
			return -1;
	}
	if (args_more(a))
		return arg_unknown(ctx, a, args_peek(a));

	msg = kvs_req(ctx, KVS_CMD_SWITCH_GET, name ? 0 : NLM_F_DUMP);
	if (!msg)
		return -1;
	if (name && nla_put_string(msg, KVS_ATTR_SWITCH_NAME, name))
		return kvs_put_err(ctx, msg);
	return kvs_show(ctx, msg, switch_print, NULL);
}

static const struct kvs_command switch_cmds[] = {
	{ "add", NULL, switch_add, "NAME [ ageing SECONDS ] [ batch N ]" },
	{ "del", del_aliases, switch_del, "NAME" },
	{ "set", NULL, switch_set, "NAME [ ageing SECONDS ] [ batch N ]" },
	{ "show", show_aliases, switch_show, "[ NAME ]" },
	{ NULL, NULL, NULL, NULL },
};

const struct kvs_object obj_switch = {
	.name = "switch",
	.summary = "a kvs switch device",
	.cmds = switch_cmds,
	.def_cmd = "show",
	.notes = "SECONDS := fdb ageing time, 0..1000000 (0: never age; default 300)\n"
		 "N := frames of one CPU the switch handles per pass, 1.." STR(KVS_BATCH_MAX) "\n"
		 "     (1: each frame as it arrives, no deferral; default " STR(KVS_BATCH_DEFAULT) ")\n",
};
