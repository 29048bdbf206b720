// SPDX-License-Identifier: GPL-2.0
/*
 * kvs monitor: print the notifications of the "events" multicast group,
 * one line each, until killed.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "kvs.h"

/* The fields an event may carry, decoded once */
struct event {
	char sw_buf[IFNAMSIZ], dev_buf[IFNAMSIZ];
	char mac[MAC_STRLEN], remote_buf[ADDR_STRLEN];
	char label_buf[KVS_LABEL_MAX + 1];
	const char *sw, *dev, *remote, *label;
	bool has_mac, has_net;
	uint32_t net;
};

static void event_decode(struct nlattr **tb, struct event *e)
{
	const uint8_t *mac = attr_mac(tb[KVS_ATTR_MAC]);

	memset(e, 0, sizeof(*e));
	e->sw = attr_ifname(tb, KVS_ATTR_SWITCH_NAME, KVS_ATTR_SWITCH_IFINDEX,
			    e->sw_buf);
	e->dev = attr_ifname(tb, KVS_ATTR_PORT_NAME, KVS_ATTR_PORT_IFINDEX,
			     e->dev_buf);
	e->label = attr_str(tb[KVS_ATTR_NET_LABEL], e->label_buf,
			    sizeof(e->label_buf));
	if (e->label && !*e->label)
		e->label = NULL;
	if (mac) {
		format_mac(mac, e->mac);
		e->has_mac = true;
	}
	if (tb[KVS_ATTR_NET_ID]) {
		e->net = nla_get_u32(tb[KVS_ATTR_NET_ID]);
		e->has_net = true;
	}
	if (tb[KVS_ATTR_FDB_REMOTE_IP4])
		e->remote = format_addr(AF_INET,
					nla_data(tb[KVS_ATTR_FDB_REMOTE_IP4]),
					e->remote_buf);
	else if (tb[KVS_ATTR_FDB_REMOTE_IP6])
		e->remote = format_addr(AF_INET6,
					nla_data(tb[KVS_ATTR_FDB_REMOTE_IP6]),
					e->remote_buf);
}

static const char *or_unknown(const char *s)
{
	return s ? s : "?";
}

/* Text: "<object> <verb> <key> [field value]..." */
static void event_text(uint8_t cmd, struct nlattr **tb, const struct event *e)
{
	uint32_t flags = attr_u32(tb, KVS_ATTR_FDB_FLAGS, 0);
	uint32_t reason;

	switch (cmd) {
	case KVS_CMD_SWITCH_NEW:
	case KVS_CMD_SWITCH_DEL:
	case KVS_CMD_SWITCH_SET:
		printf("switch %s %s",
		       cmd == KVS_CMD_SWITCH_NEW ? "added" :
		       cmd == KVS_CMD_SWITCH_DEL ? "deleted" : "changed",
		       or_unknown(e->sw));
		if (cmd == KVS_CMD_SWITCH_SET && tb[KVS_ATTR_AGEING_TIME])
			printf(" ageing %u",
			       nla_get_u32(tb[KVS_ATTR_AGEING_TIME]));
		if (cmd == KVS_CMD_SWITCH_SET && tb[KVS_ATTR_SWITCH_BATCH])
			printf(" batch %u",
			       nla_get_u32(tb[KVS_ATTR_SWITCH_BATCH]));
		break;
	case KVS_CMD_NET_NEW:
	case KVS_CMD_NET_DEL:
		printf("net %s %u switch %s",
		       cmd == KVS_CMD_NET_NEW ? "added" : "deleted", e->net,
		       or_unknown(e->sw));
		if (cmd == KVS_CMD_NET_NEW && e->label)
			printf(" name %s", e->label);
		if (cmd == KVS_CMD_NET_NEW &&
		    attr_u8(tb, KVS_ATTR_NET_HIGHWAY, 0))
			printf(" highway");
		break;
	case KVS_CMD_PORT_NEW:
	case KVS_CMD_PORT_DEL:
	case KVS_CMD_PORT_SET:
		printf("port %s %s switch %s",
		       cmd == KVS_CMD_PORT_NEW ? "attached" :
		       cmd == KVS_CMD_PORT_DEL ? "detached" : "changed",
		       or_unknown(e->dev), or_unknown(e->sw));
		if (cmd == KVS_CMD_PORT_DEL)
			break;
		if (attr_u8(tb, KVS_ATTR_PORT_TYPE, KVS_PORT_VM) ==
		    KVS_PORT_FABRIC)
			printf(" fabric");
		else if (e->has_net)
			printf(" net %u", e->net);
		break;
	case KVS_CMD_FDB_NEW:
	case KVS_CMD_FDB_DEL:
		printf("fdb %s %s net %u switch %s",
		       cmd == KVS_CMD_FDB_DEL ? "deleted" :
		       flags & KVS_FDB_F_STATIC ? "added" : "learned",
		       e->mac, e->net, or_unknown(e->sw));
		if (cmd == KVS_CMD_FDB_DEL)
			break;
		if (e->dev)
			printf(" dev %s", e->dev);
		if (e->remote)
			printf(" remote %s", e->remote);
		break;
	case KVS_CMD_POLICY_DROP:
		reason = attr_u32(tb, KVS_ATTR_DROP_REASON, UINT32_MAX);
		if (drop_reason_name(reason))
			printf("drop %s", drop_reason_name(reason));
		else
			printf("drop reason-%u", reason);
		printf(" dev %s", or_unknown(e->dev));
		if (e->has_net)
			printf(" net %u", e->net);
		if (e->has_mac)
			printf(" mac %s", e->mac);
		break;
	default:
		printf("unknown event %u", cmd);
		break;
	}
	printf("\n");
}

static void event_json(struct kvs *ctx, uint8_t cmd, struct nlattr **tb,
		       const struct event *e)
{
	json_object *o = json_object_new_object();
	uint32_t flags = attr_u32(tb, KVS_ATTR_FDB_FLAGS, 0);
	const char *name = NULL;
	uint32_t reason;

	switch (cmd) {
	case KVS_CMD_SWITCH_NEW:
	case KVS_CMD_SWITCH_DEL:
	case KVS_CMD_SWITCH_SET:
		jadd_str(o, "event", cmd == KVS_CMD_SWITCH_NEW ? "switch_added" :
			 cmd == KVS_CMD_SWITCH_DEL ? "switch_deleted" :
			 "switch_changed");
		if (e->sw)
			jadd_str(o, "name", e->sw);
		if (tb[KVS_ATTR_SWITCH_IFINDEX])
			jadd_u64(o, "ifindex",
				 nla_get_u32(tb[KVS_ATTR_SWITCH_IFINDEX]));
		if (tb[KVS_ATTR_AGEING_TIME])
			jadd_u64(o, "ageing",
				 nla_get_u32(tb[KVS_ATTR_AGEING_TIME]));
		if (tb[KVS_ATTR_SWITCH_BATCH])
			jadd_u64(o, "batch",
				 nla_get_u32(tb[KVS_ATTR_SWITCH_BATCH]));
		break;
	case KVS_CMD_NET_NEW:
	case KVS_CMD_NET_DEL:
		jadd_str(o, "event", cmd == KVS_CMD_NET_NEW ? "net_added" :
			 "net_deleted");
		if (e->sw)
			jadd_str(o, "switch", e->sw);
		jadd_u64(o, "id", e->net);
		if (e->label)
			jadd_str(o, "name", e->label);
		if (tb[KVS_ATTR_NET_MAX_MACS])
			jadd_u64(o, "max_macs",
				 nla_get_u32(tb[KVS_ATTR_NET_MAX_MACS]));
		if (tb[KVS_ATTR_NET_HIGHWAY])
			jadd_bool(o, "highway",
				  nla_get_u8(tb[KVS_ATTR_NET_HIGHWAY]));
		break;
	case KVS_CMD_PORT_NEW:
	case KVS_CMD_PORT_DEL:
	case KVS_CMD_PORT_SET:
		jadd_str(o, "event", cmd == KVS_CMD_PORT_NEW ? "port_attached" :
			 cmd == KVS_CMD_PORT_DEL ? "port_detached" :
			 "port_changed");
		if (e->dev)
			jadd_str(o, "dev", e->dev);
		if (tb[KVS_ATTR_PORT_IFINDEX])
			jadd_u64(o, "ifindex",
				 nla_get_u32(tb[KVS_ATTR_PORT_IFINDEX]));
		if (e->sw)
			jadd_str(o, "switch", e->sw);
		if (tb[KVS_ATTR_PORT_TYPE])
			jadd_str(o, "type",
				 nla_get_u8(tb[KVS_ATTR_PORT_TYPE]) ==
				 KVS_PORT_FABRIC ? "fabric" : "vm");
		if (e->has_net)
			jadd_u64(o, "net", e->net);
		break;
	case KVS_CMD_FDB_NEW:
	case KVS_CMD_FDB_DEL:
		jadd_str(o, "event", cmd == KVS_CMD_FDB_DEL ? "fdb_deleted" :
			 flags & KVS_FDB_F_STATIC ? "fdb_added" :
			 "fdb_learned");
		if (e->has_mac)
			jadd_str(o, "mac", e->mac);
		jadd_u64(o, "net", e->net);
		if (e->sw)
			jadd_str(o, "switch", e->sw);
		if (e->dev)
			jadd_str(o, "dev", e->dev);
		if (e->remote)
			jadd_str(o, "remote", e->remote);
		if (tb[KVS_ATTR_FDB_FLAGS])
			jadd_str(o, "state", flags & KVS_FDB_F_STATIC ?
				 "static" : "learned");
		break;
	case KVS_CMD_POLICY_DROP:
		reason = attr_u32(tb, KVS_ATTR_DROP_REASON, UINT32_MAX);
		name = drop_reason_key(reason);
		jadd_str(o, "event", "drop");
		if (name)
			jadd_str(o, "reason", name);
		else
			jadd_u64(o, "reason", reason);
		if (e->dev)
			jadd_str(o, "dev", e->dev);
		if (e->sw)
			jadd_str(o, "switch", e->sw);
		if (e->has_net)
			jadd_u64(o, "net", e->net);
		if (e->has_mac)
			jadd_str(o, "mac", e->mac);
		break;
	default:
		jadd_str(o, "event", "unknown");
		jadd_u64(o, "cmd", cmd);
		break;
	}
	out_json_line(ctx, o);
	json_object_put(o);
}

static int event_cb(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[KVS_ATTR_MAX + 1];
	struct kvs *ctx = arg;
	struct event e;
	uint8_t cmd;

	if (nlmsg_hdr(msg)->nlmsg_type != ctx->nl.family ||
	    !kvs_parse(msg, tb))
		return 0;
	cmd = knl_cmd(msg);
	/* an ifindex may name another device by the next event */
	ifname_cache_flush();
	event_decode(tb, &e);
	if (ctx->json)
		event_json(ctx, cmd, tb, &e);
	else
		event_text(cmd, tb, &e);
	/* one event, one line, now: readers sit at the end of a pipe */
	fflush(stdout);
	return 0;
}

static void events_lost(void *arg)
{
	struct kvs *ctx = arg;

	(void)ctx;
	fprintf(stderr, "Warning: events were lost (socket buffer overrun)\n");
}

static int monitor(struct kvs *ctx, struct args *a)
{
	if (args_more(a))
		return arg_unknown(ctx, a, args_peek(a));
	if (kvs_open(ctx))
		return -1;

	if (knl_subscribe(&ctx->nl, KVS_GENL_MCGRP_EVENTS)) {
		/* the group is for CAP_NET_ADMIN only: it names every
		 * tenant's MACs
		 */
		if (ctx->nl.err == EPERM || ctx->nl.err == EACCES)
			return kvs_err(ctx, "monitor: joining the kvs events group needs CAP_NET_ADMIN");
		return kvs_nl_err(ctx);
	}
	fflush(stdout);
	if (knl_listen(&ctx->nl, event_cb, ctx, events_lost, -1))
		return kvs_nl_err(ctx);
	return 0;
}

static const struct kvs_command monitor_cmds[] = {
	{ NULL, NULL, monitor, "" },
	{ NULL, NULL, NULL, NULL },
};

const struct kvs_object obj_monitor = {
	.name = "monitor",
	.summary = "print kvs events as they happen",
	.cmds = monitor_cmds,
	.def_cmd = NULL,
	.notes = "Events: switch added|deleted, net added|deleted, port attached|detached,\n"
		 "fdb learned|added|deleted, drop REASON (spoofed-src, mac-limit, storm-limit)\n"
		 "Needs CAP_NET_ADMIN: the events name every network's MACs.\n",
};
