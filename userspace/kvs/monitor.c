// SPDX-License-Identifier: GPL-2.0
/*
 * kvs monitor: print the notifications of the "events" multicast group,
 * one line each, until killed.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>

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

/* Each notification: the object it is about (for the filter), the word
 * text prints after the object, and the JSON "event"
 */
enum { EV_SWITCH, EV_NET, EV_PORT, EV_FDB, EV_DROP, EV_OTHER };

static const char *const ev_objects[] = {
	[EV_SWITCH] = "switch", [EV_NET] = "net", [EV_PORT] = "port",
	[EV_FDB] = "fdb", [EV_DROP] = "drop",
};

static const struct {
	uint8_t cmd;
	uint8_t obj;
	const char *verb;	/* text */
	const char *event;	/* JSON */
} events[] = {
	{ KVS_CMD_SWITCH_NEW,	EV_SWITCH, "added",	"switch_added" },
	{ KVS_CMD_SWITCH_SET,	EV_SWITCH, "changed",	"switch_changed" },
	{ KVS_CMD_SWITCH_DEL,	EV_SWITCH, "deleted",	"switch_deleted" },
	{ KVS_CMD_NET_NEW,	EV_NET,	   "added",	"net_added" },
	{ KVS_CMD_NET_SET,	EV_NET,	   "changed",	"net_changed" },
	{ KVS_CMD_NET_DEL,	EV_NET,	   "deleted",	"net_deleted" },
	{ KVS_CMD_PORT_NEW,	EV_PORT,   "attached",	"port_attached" },
	{ KVS_CMD_PORT_SET,	EV_PORT,   "changed",	"port_changed" },
	{ KVS_CMD_PORT_DEL,	EV_PORT,   "detached",	"port_detached" },
	{ KVS_CMD_FDB_NEW,	EV_FDB,	   "added",	"fdb_added" },
	{ KVS_CMD_FDB_DEL,	EV_FDB,	   "deleted",	"fdb_deleted" },
	{ KVS_CMD_POLICY_DROP,	EV_DROP,   NULL,	"drop" },
};

static int event_find(uint8_t cmd)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(events); i++)
		if (events[i].cmd == cmd)
			return i;
	return -1;
}

/* -t: "[2026-11-30T09:15:02.123456Z] " in text, "timestamp" in JSON */
static void print_timestamp(void)
{
	char buf[64], stamp[96];
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(stamp, sizeof(stamp), "%s.%06ldZ", buf, ts.tv_nsec / 1000);
	print_string(PRINT_ANY, "timestamp", "[%s] ", stamp);
}

/* One event, text or JSON, through the one print path: the text line is
 * "<object> <verb> <key> [field value]...", the JSON object has the keys
 * of the object's show (Documentation/json.md)
 */
static void event_print(struct kvs *ctx, uint8_t cmd, struct nlattr **tb,
			const struct event *e)
{
	uint32_t flags = attr_u32(tb, KVS_ATTR_FDB_FLAGS, 0);
	bool is_static = flags & KVS_FDB_F_STATIC;
	int i = event_find(cmd);
	const char *verb;
	char rbuf[32];
	uint32_t reason;

	open_json_object(NULL);
	if (ctx->timestamp)
		print_timestamp();
	if (i < 0) {
		print_string(PRINT_JSON, "event", NULL, "unknown");
		print_uint(PRINT_ANY, "cmd", "unknown event %u", cmd);
		goto out;
	}
	verb = events[i].verb;
	if (cmd == KVS_CMD_FDB_NEW && !is_static) {
		/* a learned entry, not one added by a user */
		verb = "learned";
		print_string(PRINT_JSON, "event", NULL, "fdb_learned");
	} else {
		print_string(PRINT_JSON, "event", NULL, events[i].event);
	}

	switch (events[i].obj) {
	case EV_SWITCH:
		print_text("switch %s ", verb);
		print_string(PRINT_ANY, "ifname", "%s", or_unknown(e->sw));
		if (tb[KVS_ATTR_SWITCH_IFINDEX])
			print_uint(PRINT_JSON, "ifindex", NULL,
				   nla_get_u32(tb[KVS_ATTR_SWITCH_IFINDEX]));
		if (tb[KVS_ATTR_AGEING_TIME])
			print_uint(PRINT_ANY, "ageing", " ageing %u",
				   nla_get_u32(tb[KVS_ATTR_AGEING_TIME]));
		if (tb[KVS_ATTR_SWITCH_BATCH])
			print_uint(PRINT_ANY, "batch", " batch %u",
				   nla_get_u32(tb[KVS_ATTR_SWITCH_BATCH]));
		break;
	case EV_NET:
		print_text("net %s", verb);
		if (e->has_net)
			print_uint(PRINT_ANY, "net", " %u", e->net);
		print_string(PRINT_ANY, "switch", " switch %s",
			     or_unknown(e->sw));
		print_string(PRINT_ANY, "label", " name %s", e->label);
		if (tb[KVS_ATTR_NET_MAX_MACS])
			print_uint(PRINT_ANY, "max_macs", " max-macs %u",
				   nla_get_u32(tb[KVS_ATTR_NET_MAX_MACS]));
		if (tb[KVS_ATTR_NET_HIGHWAY])
			print_flag(PRINT_ANY, "highway", " highway",
				   nla_get_u8(tb[KVS_ATTR_NET_HIGHWAY]));
		break;
	case EV_PORT:
		print_text("port %s ", verb);
		print_string(PRINT_ANY, "ifname", "%s", or_unknown(e->dev));
		if (tb[KVS_ATTR_PORT_IFINDEX])
			print_uint(PRINT_JSON, "ifindex", NULL,
				   nla_get_u32(tb[KVS_ATTR_PORT_IFINDEX]));
		print_string(PRINT_ANY, "switch", " switch %s",
			     or_unknown(e->sw));
		if (tb[KVS_ATTR_PORT_TYPE]) {
			bool fabric = nla_get_u8(tb[KVS_ATTR_PORT_TYPE]) ==
				      KVS_PORT_FABRIC;

			print_string(fabric ? PRINT_ANY : PRINT_JSON, "type",
				     " %s", fabric ? "fabric" : "vm");
		}
		if (e->has_net)
			print_uint(PRINT_ANY, "net", " net %u", e->net);
		break;
	case EV_FDB:
		print_text("fdb %s ", verb);
		print_string(PRINT_ANY, "mac", "%s", e->has_mac ? e->mac : "?");
		if (e->has_net)
			print_uint(PRINT_ANY, "net", " net %u", e->net);
		print_string(PRINT_ANY, "switch", " switch %s",
			     or_unknown(e->sw));
		print_string(PRINT_ANY, "ifname", " dev %s", e->dev);
		print_string(PRINT_ANY, "remote", " remote %s", e->remote);
		if (tb[KVS_ATTR_FDB_FLAGS])
			print_string(PRINT_JSON, "state", NULL,
				     is_static ? "static" : "learned");
		if (attr_u32(tb, KVS_ATTR_FDB_FLAGS, 0) & KVS_FDB_F_EVPN)
			print_string(PRINT_ANY, "origin", " origin %s", "evpn");
		break;
	case EV_DROP:
		reason = attr_u32(tb, KVS_ATTR_DROP_REASON, UINT32_MAX);
		if (drop_reason_name(reason)) {
			print_string(PRINT_FP, NULL, "drop %s",
				     drop_reason_name(reason));
			print_string(PRINT_JSON, "reason", NULL,
				     drop_reason_key(reason));
		} else {
			snprintf(rbuf, sizeof(rbuf), "reason_%u", reason);
			print_string(PRINT_JSON, "reason", NULL, rbuf);
			print_uint(PRINT_FP, NULL, "drop reason-%u", reason);
		}
		print_string(PRINT_ANY, "ifname", " dev %s", or_unknown(e->dev));
		print_string(PRINT_ANY, "switch", " switch %s", e->sw);
		if (e->has_net)
			print_uint(PRINT_ANY, "net", " net %u", e->net);
		if (e->has_mac)
			print_string(PRINT_ANY, "mac", " mac %s", e->mac);
		break;
	}
out:
	print_nl();
	close_json_object();
}

/* kvs monitor OBJECT...: is an event about @obj shown? */
static bool event_wanted(const struct kvs *ctx, uint8_t cmd)
{
	int i = event_find(cmd);

	if (!ctx->monitor_mask)
		return true;
	return ctx->monitor_mask & (1u << (i < 0 ? EV_OTHER : events[i].obj));
}

int monitor_event(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[KVS_ATTR_MAX + 1];
	struct kvs *ctx = arg;
	struct event e;
	uint8_t cmd;

	if (nlmsg_hdr(msg)->nlmsg_type != ctx->nl.family ||
	    !kvs_parse(msg, tb))
		return 0;
	cmd = knl_cmd(msg);
	if (!event_wanted(ctx, cmd))
		return 0;
	/* an ifindex may name another device by the next event */
	ifname_cache_flush();
	event_decode(tb, &e);
	event_print(ctx, cmd, tb, &e);
	/* one event, one line, now: readers sit at the end of a pipe; and
	 * when the reader has gone, stop
	 */
	if (fflush(stdout) || ferror(stdout))
		return errno == EPIPE ? -EPIPE : -EIO;
	return 0;
}

static void events_lost(void *arg)
{
	struct kvs *ctx = arg;

	fflush(stdout);
	fprintf(stderr, "Warning: events were lost (socket buffer overrun)\n");
	if (ctx->json) {
		/* and in the stream, for a reader of stdout only */
		open_json_object(NULL);
		if (ctx->timestamp)
			print_timestamp();
		print_string(PRINT_JSON, "event", NULL, "events_lost");
		close_json_object();
		fflush(stdout);
	}
}

/* [ OBJECT ]... */
static int monitor(struct kvs *ctx, struct args *a)
{
	struct stat st;
	int watch = -1, ret;

	ctx->monitor_mask = 0;
	while (args_more(a)) {
		const char *w = args_next(a);
		size_t i;

		for (i = 0; i < ARRAY_SIZE(ev_objects); i++)
			if (!strcmp(w, ev_objects[i]) ||
			    (!strcmp(w, "network") && i == EV_NET))
				break;
		if (!strcmp(w, "all"))
			ctx->monitor_mask = ~0u;
		else if (i == ARRAY_SIZE(ev_objects))
			return kvs_usage(ctx, "unknown object \"%s\" for \"monitor\": give switch, net, port, fdb, drop or all",
					 w);
		else
			ctx->monitor_mask |= 1u << i;
	}
	if (kvs_open(ctx))
		return -1;

	if (knl_subscribe(&ctx->nl, KVS_GENL_MCGRP_EVENTS)) {
		/* open to the namespace; kvs modules before 0.2 wanted
		 * CAP_NET_ADMIN
		 */
		if (ctx->nl.err == EPERM || ctx->nl.err == EACCES)
			return kvs_err(ctx, "monitor: joining the kvs events group was refused (this kvs module wants CAP_NET_ADMIN)");
		return kvs_nl_err(ctx);
	}
	if (fflush(stdout))
		return kvs_err(ctx, "writing output: %s", strerror(errno));
	/* at the end of a pipe, stop as soon as the reader goes away, not
	 * at the next event
	 */
	if (!fstat(STDOUT_FILENO, &st) &&
	    (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
		watch = STDOUT_FILENO;
	out_stream_begin(true);
	ret = knl_listen(&ctx->nl, monitor_event, ctx, events_lost, watch);
	out_stream_end();
	if (!ret || ctx->nl.err == EPIPE) {
		/* the reader went away: nothing more to say, to anyone */
		ctx->out_closed = true;
		return 0;
	}
	return kvs_nl_err(ctx);
}

static const struct kvs_command monitor_cmds[] = {
	{ NULL, NULL, monitor, "[ switch | net | port | fdb | drop | all ]..." },
	{ NULL, NULL, NULL, NULL },
};

const struct kvs_object obj_monitor = {
	.name = "monitor",
	.summary = "print kvs events as they happen",
	.cmds = monitor_cmds,
	.def_cmd = NULL,
	.notes = "Events: switch added|changed|deleted, net added|changed|deleted,\n"
		 "port attached|changed|detached, fdb learned|added|deleted,\n"
		 "drop REASON (spoofed-src, mac-limit, storm-limit, ...).\n"
		 "Objects given: only their events (default: all). -t: with the time.\n"
		 "Anyone in the namespace may listen, as to bridge monitor fdb.\n",
};
