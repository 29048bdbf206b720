// SPDX-License-Identifier: GPL-2.0
/*
 * kvs port { add | set | del | show }
 */
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "kvs.h"

/* Which keywords a command takes */
enum {
	PA_DEV		= 1 << 0,
	PA_SWITCH	= 1 << 1,
	PA_NET		= 1 << 2,
	PA_SETTINGS	= 1 << 3,	/* mac, learning, max-macs, bum-limit,
					 * group-fwd-mask
					 */
	PA_FABRIC	= 1 << 4,	/* fabric, local, remote, dstport */
};

struct port_args {
	const char *dev;
	const char *sw;
	const char *net_str;
	uint32_t net;

	/* settings of a VM port */
	const char *first_set;		/* first setting given, for messages */
	unsigned int nmacs;
	bool macs_given;
	bool macs_none;			/* "mac none": clear the list */
	uint8_t macs[KVS_PORT_MACS_MAX][MAC_LEN];
	const char *learning_str;
	bool learning;
	const char *max_macs_str;
	uint32_t max_macs;
	const char *bum_str;
	uint32_t bum_limit;
	const char *gfm_str;
	uint32_t group_fwd_mask;

	/* fabric port */
	const char *fabric;
	uint8_t encap;
	const char *local_str;
	struct kvs_addr local;
	const char *remote_str;
	struct kvs_addr remote;
	const char *dstport_str;
	uint32_t dstport;
	const char *peers_str;		/* vxlan: "any" or "known" */
	uint8_t peers;
	const char *first_vxlan;	/* first vxlan-only keyword given */
};

static int port_parse_mac(struct kvs *ctx, struct args *a,
			  struct port_args *p)
{
	const char *s = NULL;

	if (arg_value(ctx, a, "mac", &s))
		return -1;
	if (!strcmp(s, "none")) {
		if (p->nmacs)
			return kvs_usage(ctx, "\"mac none\" cannot be combined with MAC addresses");
		p->macs_none = true;
	} else {
		if (p->macs_none)
			return kvs_usage(ctx, "\"mac none\" cannot be combined with MAC addresses");
		if (p->nmacs == KVS_PORT_MACS_MAX)
			return kvs_usage(ctx, "too many MAC addresses (at most %d)",
					 KVS_PORT_MACS_MAX);
		if (arg_mac(ctx, s, p->macs[p->nmacs]))
			return -1;
		p->nmacs++;
	}
	p->macs_given = true;
	return 0;
}

static int port_parse(struct kvs *ctx, struct args *a, struct port_args *p,
		      unsigned int allowed)
{
	memset(p, 0, sizeof(*p));

	while (args_more(a)) {
		const char *kw = args_next(a);
		bool is_setting = false, is_vxlan = false;

		if ((allowed & PA_DEV) && !strcmp(kw, "dev")) {
			if (arg_value(ctx, a, kw, &p->dev) ||
			    arg_ifname(ctx, kw, p->dev))
				return -1;
		} else if ((allowed & PA_SWITCH) && !strcmp(kw, "switch")) {
			if (arg_value(ctx, a, kw, &p->sw) ||
			    arg_ifname(ctx, kw, p->sw))
				return -1;
		} else if ((allowed & PA_NET) && !strcmp(kw, "net")) {
			if (arg_value(ctx, a, kw, &p->net_str) ||
			    arg_net_id(ctx, kw, p->net_str, &p->net))
				return -1;
			is_setting = true;
		} else if ((allowed & PA_SETTINGS) && !strcmp(kw, "mac")) {
			if (port_parse_mac(ctx, a, p))
				return -1;
			is_setting = true;
		} else if ((allowed & PA_SETTINGS) && !strcmp(kw, "learning")) {
			if (arg_value(ctx, a, kw, &p->learning_str) ||
			    arg_onoff(ctx, kw, p->learning_str, &p->learning))
				return -1;
			is_setting = true;
		} else if ((allowed & PA_SETTINGS) && !strcmp(kw, "max-macs")) {
			if (arg_value(ctx, a, kw, &p->max_macs_str) ||
			    arg_u32(ctx, kw, p->max_macs_str, UINT32_MAX,
				    &p->max_macs))
				return -1;
			is_setting = true;
		} else if ((allowed & PA_SETTINGS) &&
			   !strcmp(kw, "bum-limit")) {
			if (arg_value(ctx, a, kw, &p->bum_str) ||
			    arg_u32(ctx, kw, p->bum_str, UINT32_MAX,
				    &p->bum_limit))
				return -1;
			is_setting = true;
		} else if ((allowed & PA_SETTINGS) &&
			   !strcmp(kw, "group-fwd-mask")) {
			if (arg_value(ctx, a, kw, &p->gfm_str))
				return -1;
			if (!parse_u32_hex(p->gfm_str, UINT16_MAX,
					   &p->group_fwd_mask))
				return kvs_usage(ctx, "\"%s\" expects a mask 0..0xffff, got \"%s\"",
						 kw, p->gfm_str);
			is_setting = true;
		} else if ((allowed & PA_FABRIC) && !strcmp(kw, "fabric")) {
			if (arg_value(ctx, a, kw, &p->fabric))
				return -1;
			if (!strcmp(p->fabric, "vxlan"))
				p->encap = KVS_ENCAP_VXLAN;
			else if (!strcmp(p->fabric, "vlan"))
				p->encap = KVS_ENCAP_VLAN;
			else
				return kvs_usage(ctx, "\"fabric\" expects \"vxlan\" or \"vlan\", got \"%s\"",
						 p->fabric);
		} else if ((allowed & PA_FABRIC) && !strcmp(kw, "local")) {
			if (arg_value(ctx, a, kw, &p->local_str) ||
			    arg_addr(ctx, kw, p->local_str, &p->local))
				return -1;
			is_vxlan = true;
		} else if ((allowed & PA_FABRIC) && !strcmp(kw, "remote")) {
			if (arg_value(ctx, a, kw, &p->remote_str) ||
			    arg_addr(ctx, kw, p->remote_str, &p->remote))
				return -1;
			is_vxlan = true;
		} else if ((allowed & (PA_FABRIC | PA_SETTINGS)) &&
			   !strcmp(kw, "peers")) {
			if (arg_value(ctx, a, kw, &p->peers_str))
				return -1;
			if (!strcmp(p->peers_str, "any"))
				p->peers = KVS_PEERS_ANY;
			else if (!strcmp(p->peers_str, "known"))
				p->peers = KVS_PEERS_KNOWN;
			else
				return kvs_usage(ctx, "\"peers\" expects \"any\" or \"known\", got \"%s\"",
						 p->peers_str);
			/* a setting for port set, vxlan-only for port add */
			is_setting = !(allowed & PA_FABRIC);
			is_vxlan = !!(allowed & PA_FABRIC);
		} else if ((allowed & PA_FABRIC) && !strcmp(kw, "dstport")) {
			if (arg_value(ctx, a, kw, &p->dstport_str))
				return -1;
			if (!parse_u32(p->dstport_str, 1, 65535, &p->dstport))
				return kvs_usage(ctx, "\"dstport\" expects a UDP port 1..65535, got \"%s\"",
						 p->dstport_str);
			is_vxlan = true;
		} else {
			return arg_unknown(ctx, a, kw);
		}
		if (is_setting && !p->first_set)
			p->first_set = kw;
		if (is_vxlan && !p->first_vxlan)
			p->first_vxlan = kw;
	}
	return 0;
}

static int put_addr(struct nl_msg *msg, int type4, int type6,
		    const struct kvs_addr *addr)
{
	if (addr->family == AF_INET)
		return nla_put(msg, type4, sizeof(addr->v4), &addr->v4);
	return nla_put(msg, type6, sizeof(addr->v6), &addr->v6);
}

/* PORT_MACS, PORT_LEARNING, PORT_MAX_MACS, PORT_BUM_LIMIT,
 * PORT_GROUP_FWD_MASK as given
 */
static int put_settings(struct nl_msg *msg, const struct port_args *p,
			bool empty_list_clears)
{
	int err = 0;

	if (p->macs_given && (p->nmacs || empty_list_clears)) {
		struct nlattr *nest = nla_nest_start(msg, KVS_ATTR_PORT_MACS);
		unsigned int i;

		if (!nest)
			return -1;
		for (i = 0; i < p->nmacs; i++)
			err |= nla_put(msg, KVS_MACS_ATTR_ADDR, MAC_LEN,
				       p->macs[i]);
		/* an empty nest means "no list": keep it */
		err |= nla_nest_end_keep_empty(msg, nest);
	}
	if (p->learning_str)
		err |= nla_put_u8(msg, KVS_ATTR_PORT_LEARNING, p->learning);
	if (p->max_macs_str)
		err |= nla_put_u32(msg, KVS_ATTR_PORT_MAX_MACS, p->max_macs);
	if (p->bum_str)
		err |= nla_put_u32(msg, KVS_ATTR_PORT_BUM_LIMIT, p->bum_limit);
	if (p->gfm_str)
		err |= nla_put_u16(msg, KVS_ATTR_PORT_GROUP_FWD_MASK,
				   p->group_fwd_mask);
	if (p->peers_str)
		err |= nla_put_u8(msg, KVS_ATTR_PORT_PEERS, p->peers);
	return err;
}

static int put_fabric(struct nl_msg *msg, const struct port_args *p)
{
	struct nlattr *nest;
	int err;

	err = nla_put_u8(msg, KVS_ATTR_PORT_TYPE, KVS_PORT_FABRIC);
	nest = nla_nest_start(msg, KVS_ATTR_PORT_FABRIC);
	if (!nest)
		return -1;
	err |= nla_put_u8(msg, KVS_FABRIC_ATTR_ENCAP, p->encap);
	if (p->local_str)
		err |= put_addr(msg, KVS_FABRIC_ATTR_LOCAL_IP4,
				KVS_FABRIC_ATTR_LOCAL_IP6, &p->local);
	if (p->remote_str)
		err |= put_addr(msg, KVS_FABRIC_ATTR_REMOTE_IP4,
				KVS_FABRIC_ATTR_REMOTE_IP6, &p->remote);
	if (p->dstport_str)
		err |= nla_put_u16(msg, KVS_FABRIC_ATTR_DSTPORT, p->dstport);
	err |= nla_nest_end(msg, nest);
	if (p->learning_str)
		err |= nla_put_u8(msg, KVS_ATTR_PORT_LEARNING, p->learning);
	if (p->peers_str)
		err |= nla_put_u8(msg, KVS_ATTR_PORT_PEERS, p->peers);
	return err;
}

/* dev IFNAME switch SWITCH { net ID [ SETTINGS ] | fabric ... } */
static int port_add(struct kvs *ctx, struct args *a)
{
	struct port_args p;
	struct nl_msg *msg;
	int err;

	if (port_parse(ctx, a, &p, PA_DEV | PA_SWITCH | PA_NET |
		       PA_SETTINGS | PA_FABRIC))
		return -1;
	if (!p.dev)
		return arg_missing(ctx, "dev IFNAME");
	if (!p.sw)
		return arg_missing(ctx, "switch SWITCH");
	if (p.fabric) {
		/* of the settings, a fabric port has only learning */
		const char *bad = p.net_str ? "net" :
				  p.macs_given ? "mac" :
				  p.max_macs_str ? "max-macs" :
				  p.bum_str ? "bum-limit" :
				  p.gfm_str ? "group-fwd-mask" : NULL;

		if (bad)
			return kvs_usage(ctx, "\"%s\" cannot be used with a fabric port",
					 bad);
		if (p.encap == KVS_ENCAP_VLAN && p.first_vxlan)
			return kvs_usage(ctx, "\"%s\" is only valid with \"fabric vxlan\"",
					 p.first_vxlan);
		if (p.encap == KVS_ENCAP_VXLAN && !p.local_str)
			return arg_missing(ctx, "local ADDR");
		if (p.local_str && p.remote_str &&
		    p.local.family != p.remote.family)
			return kvs_usage(ctx, "\"local\" and \"remote\" must be of the same address family");
	} else {
		if (p.first_vxlan)
			return kvs_usage(ctx, "\"%s\" is only valid with \"fabric vxlan\"",
					 p.first_vxlan);
		if (!p.net_str)
			return arg_missing(ctx, "net ID");
	}

	msg = kvs_req(ctx, KVS_CMD_PORT_NEW, 0);
	if (!msg)
		return -1;
	err = nla_put_string(msg, KVS_ATTR_PORT_NAME, p.dev);
	err |= nla_put_string(msg, KVS_ATTR_SWITCH_NAME, p.sw);
	if (p.fabric) {
		err |= put_fabric(msg, &p);
	} else {
		err |= nla_put_u32(msg, KVS_ATTR_NET_ID, p.net);
		err |= put_settings(msg, &p, false);
	}
	if (err)
		return kvs_put_err(ctx, msg);
	return kvs_do(ctx, msg);
}

/* dev IFNAME SETTINGS */
static int port_set(struct kvs *ctx, struct args *a)
{
	struct port_args p;
	struct nl_msg *msg;
	int err;

	if (port_parse(ctx, a, &p, PA_DEV | PA_SETTINGS))
		return -1;
	if (!p.dev)
		return arg_missing(ctx, "dev IFNAME");
	if (!p.first_set)
		return kvs_usage(ctx, "nothing to change: give mac, learning, max-macs, bum-limit, group-fwd-mask or peers");

	msg = kvs_req(ctx, KVS_CMD_PORT_SET, 0);
	if (!msg)
		return -1;
	err = nla_put_string(msg, KVS_ATTR_PORT_NAME, p.dev);
	err |= put_settings(msg, &p, true);
	if (err)
		return kvs_put_err(ctx, msg);
	return kvs_do(ctx, msg);
}

/* dev IFNAME */
static int port_del(struct kvs *ctx, struct args *a)
{
	struct port_args p;
	struct nl_msg *msg;

	if (port_parse(ctx, a, &p, PA_DEV))
		return -1;
	if (!p.dev)
		return arg_missing(ctx, "dev IFNAME");

	msg = kvs_req(ctx, KVS_CMD_PORT_DEL, 0);
	if (!msg)
		return -1;
	if (nla_put_string(msg, KVS_ATTR_PORT_NAME, p.dev))
		return kvs_put_err(ctx, msg);
	return kvs_do(ctx, msg);
}

/* ---- show ---- */

static struct nla_policy fabric_policy[KVS_FABRIC_ATTR_MAX + 1] = {
	[KVS_FABRIC_ATTR_ENCAP]		= { .type = NLA_U8 },
	[KVS_FABRIC_ATTR_LOCAL_IP4]	= { .type = NLA_UNSPEC, .minlen = 4 },
	[KVS_FABRIC_ATTR_LOCAL_IP6]	= { .type = NLA_UNSPEC, .minlen = 16 },
	[KVS_FABRIC_ATTR_REMOTE_IP4]	= { .type = NLA_UNSPEC, .minlen = 4 },
	[KVS_FABRIC_ATTR_REMOTE_IP6]	= { .type = NLA_UNSPEC, .minlen = 16 },
	[KVS_FABRIC_ATTR_DSTPORT]	= { .type = NLA_U16 },
};

static const char *fabric_addr(struct nlattr **ftb, int type4, int type6,
			       char buf[ADDR_STRLEN])
{
	if (ftb[type4])
		return format_addr(AF_INET, nla_data(ftb[type4]), buf);
	if (ftb[type6])
		return format_addr(AF_INET6, nla_data(ftb[type6]), buf);
	return NULL;
}

static void fabric_print(struct nlattr *nest)
{
	struct nlattr *ftb[KVS_FABRIC_ATTR_MAX + 1];
	char lbuf[ADDR_STRLEN], rbuf[ADDR_STRLEN];
	uint8_t e;

	if (!nest || nla_parse_nested(ftb, KVS_FABRIC_ATTR_MAX, nest,
				      fabric_policy) < 0)
		return;
	e = ftb[KVS_FABRIC_ATTR_ENCAP] ?
	    nla_get_u8(ftb[KVS_FABRIC_ATTR_ENCAP]) : KVS_ENCAP_UNSPEC;
	print_string(PRINT_ANY, "encap", " %s",
		     e == KVS_ENCAP_VXLAN ? "vxlan" :
		     e == KVS_ENCAP_VLAN ? "vlan" : NULL);
	print_string(PRINT_ANY, "local", " local %s",
		     fabric_addr(ftb, KVS_FABRIC_ATTR_LOCAL_IP4,
				 KVS_FABRIC_ATTR_LOCAL_IP6, lbuf));
	print_string(PRINT_ANY, "remote", " remote %s",
		     fabric_addr(ftb, KVS_FABRIC_ATTR_REMOTE_IP4,
				 KVS_FABRIC_ATTR_REMOTE_IP6, rbuf));
	if (ftb[KVS_FABRIC_ATTR_DSTPORT])
		print_uint(PRINT_ANY, "dstport", " dstport %u",
			   nla_get_u16(ftb[KVS_FABRIC_ATTR_DSTPORT]));
}

/* "macs": [...] / " macs M1 M2"; nothing if the port has no list */
static void macs_print(struct nlattr *nest)
{
	struct nlattr *nla;
	char buf[MAC_STRLEN];
	int rem, n = 0;

	if (!nest)
		return;
	/* an empty list is no list */
	nla_for_each_nested(nla, nest, rem)
		n += nla_type(nla) == KVS_MACS_ATTR_ADDR &&
		     nla_len(nla) >= MAC_LEN;
	if (!n)
		return;
	open_json_array("macs");
	print_text(" macs");
	nla_for_each_nested(nla, nest, rem) {
		if (nla_type(nla) != KVS_MACS_ATTR_ADDR ||
		    nla_len(nla) < MAC_LEN)
			continue;
		print_string(PRINT_ANY, NULL, " %s",
			     format_mac(nla_data(nla), buf));
	}
	close_json_array();
}

static int port_print(struct kvs *ctx, struct nlattr **tb, const char *dev,
		      const char *sw)
{
	uint8_t type = attr_u8(tb, KVS_ATTR_PORT_TYPE, KVS_PORT_VM);
	bool fabric = type == KVS_PORT_FABRIC;
	bool have_stats = false;
	struct kvs_counters c;

	if (ctx->stats) {
		if (tb[KVS_ATTR_STATS])
			counters_parse(tb[KVS_ATTR_STATS], &c);
		else if (stats_fetch(ctx, KVS_ATTR_PORT_NAME, dev, &c))
			return -1;
		have_stats = true;
	}

	open_json_object(NULL);
	print_string(PRINT_ANY, "ifname", "%s:", dev);
	if (tb[KVS_ATTR_PORT_IFINDEX])
		print_uint(PRINT_JSON, "ifindex", NULL,
			   nla_get_u32(tb[KVS_ATTR_PORT_IFINDEX]));
	print_string(PRINT_ANY, "switch", " switch %s", sw);
	/* text names only the fabric ports' type */
	print_string(fabric ? PRINT_ANY : PRINT_JSON, "type", " %s",
		     fabric ? "fabric" : "vm");

	if (fabric) {
		fabric_print(tb[KVS_ATTR_PORT_FABRIC]);
		if (tb[KVS_ATTR_PORT_PEERS]) {
			bool known = nla_get_u8(tb[KVS_ATTR_PORT_PEERS]) ==
				     KVS_PEERS_KNOWN;

			/* text: only the mode that is not the default */
			print_string(known ? PRINT_ANY : PRINT_JSON, "peers",
				     " peers %s", known ? "known" : "any");
		}
	} else if (tb[KVS_ATTR_NET_ID]) {
		print_uint(PRINT_ANY, "net", " net %u",
			   nla_get_u32(tb[KVS_ATTR_NET_ID]));
	}
	if (tb[KVS_ATTR_PORT_LEARNING])
		print_on_off(PRINT_ANY, "learning", " learning %s",
			     nla_get_u8(tb[KVS_ATTR_PORT_LEARNING]));
	/* the kernel's values: max-macs is 1024 unless set */
	if (tb[KVS_ATTR_PORT_MAX_MACS])
		print_uint(PRINT_ANY, "max_macs", " max-macs %u",
			   nla_get_u32(tb[KVS_ATTR_PORT_MAX_MACS]));
	if (tb[KVS_ATTR_PORT_BUM_LIMIT]) {
		uint32_t bum = nla_get_u32(tb[KVS_ATTR_PORT_BUM_LIMIT]);

		/* text: only a limit that is set, as before */
		print_uint(bum ? PRINT_ANY : PRINT_JSON, "bum_limit",
			   " bum-limit %u", bum);
	}
	if (tb[KVS_ATTR_PORT_GROUP_FWD_MASK]) {
		uint16_t gfm = nla_get_u16(tb[KVS_ATTR_PORT_GROUP_FWD_MASK]);

		print_uint(gfm ? PRINT_ANY : PRINT_JSON, "group_fwd_mask",
			   " group-fwd-mask %#x", gfm);
	}
	if (tb[KVS_ATTR_PORT_LEARNED])
		print_uint(PRINT_ANY, "learned", " learned %u",
			   nla_get_u32(tb[KVS_ATTR_PORT_LEARNED]));
	if (!fabric)
		macs_print(tb[KVS_ATTR_PORT_MACS]);
	print_nl();
	if (have_stats)
		counters_print(&c);
	close_json_object();
	return 0;
}

/* kvs_show() callback; @arg: the switch asked for, or NULL */
static int port_show_one(struct kvs *ctx, struct nlattr **tb, const void *arg)
{
	const char *filter = arg;
	char dev[IFNAMSIZ], sw[IFNAMSIZ];
	const char *devname, *swname;

	devname = attr_ifname(tb, KVS_ATTR_PORT_NAME, KVS_ATTR_PORT_IFINDEX,
			      dev);
	swname = attr_ifname(tb, KVS_ATTR_SWITCH_NAME, KVS_ATTR_SWITCH_IFINDEX,
			     sw);
	if (!devname)
		return 0;
	if (filter && swname && strcmp(filter, swname))
		return 0;
	return port_print(ctx, tb, devname, swname);
}

/* [ switch SWITCH ] [ dev IFNAME ] */
static int port_show(struct kvs *ctx, struct args *a)
{
	struct port_args p;
	struct nl_msg *msg;

	if (port_parse(ctx, a, &p, PA_DEV | PA_SWITCH))
		return -1;

	/* one port: a get by name; else a dump, filtered by switch */
	msg = kvs_req(ctx, KVS_CMD_PORT_GET, p.dev ? 0 : NLM_F_DUMP);
	if (!msg)
		return -1;
	if (p.dev ? nla_put_string(msg, KVS_ATTR_PORT_NAME, p.dev) :
	    p.sw ? nla_put_string(msg, KVS_ATTR_SWITCH_NAME, p.sw) : 0)
		return kvs_put_err(ctx, msg);
	return kvs_show(ctx, msg, port_show_one, p.sw);
}

static const struct kvs_command port_cmds[] = {
	{ "add", NULL, port_add,
	  "dev IFNAME switch SWITCH net ID [ mac MAC ]... [ learning { on | off } ]\n"
	  " [ max-macs N ] [ bum-limit PPS ] [ group-fwd-mask MASK ]\n"
	  "dev IFNAME switch SWITCH fabric vxlan local ADDR [ remote ADDR ] [ dstport PORT ]\n"
	  " [ learning { on | off } ] [ peers { any | known } ]\n"
	  "dev IFNAME switch SWITCH fabric vlan [ learning { on | off } ]" },
	{ "set", NULL, port_set,
	  "dev IFNAME [ mac { MAC | none } ]... [ learning { on | off } ]\n"
	  " [ max-macs N ] [ bum-limit PPS ] [ group-fwd-mask MASK ] [ peers { any | known } ]" },
	{ "del", del_aliases, port_del, "dev IFNAME" },
	{ "show", show_aliases, port_show, "[ switch SWITCH ] [ dev IFNAME ]" },
	{ NULL, NULL, NULL, NULL },
};

const struct kvs_object obj_port = {
	.name = "port",
	.summary = "a device attached to a switch",
	.cmds = port_cmds,
	.def_cmd = "show",
	.notes = "mac MAC: the port may send only from these MACs (at most 64),\n"
		 "         each also a static fdb entry; \"mac none\" clears the list\n"
		 "max-macs N: learned MACs allowed on the port, default "
		 STR(KVS_PORT_MAX_MACS_DEFAULT) ", 0 = no limit\n"
		 "bum-limit PPS: broadcast/unknown/multicast frames per second, 0 = no limit\n"
		 "group-fwd-mask MASK: bit N set forwards frames to 01:80:c2:00:00:0N\n"
		 "         (0x4008 or 16392; default 0: none; bits 0-2 are refused)\n",
};
