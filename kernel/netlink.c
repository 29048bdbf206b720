// SPDX-License-Identifier: GPL-2.0
/*
 * kvs: the "kvs" generic netlink family and its "events" multicast group.
 *
 * Every request is validated strictly against a per-command policy that
 * lists only the attributes that command takes. Handlers take RTNL, look
 * their targets up once and hand the change to switch.c, port.c or fdb.c,
 * which also send the events. One *_fill() per object builds the doit
 * replies, the dumps and the notifications alike.
 *
 * Dumps keep their position in cb->ctx and set cb->seq from what they walk
 * (see kvs_dump_seq()), so that userspace sees NLM_F_DUMP_INTR when it
 * changed between two rounds.
 */

#include <linux/jhash.h>
#include <linux/rtnetlink.h>
#include <net/genetlink.h>
#include <net/netns/generic.h>
#include <net/sock.h>

#include "kvs.h"

/* Index of the "events" group in kvs_genl_mcgrps[] */
enum {
	KVS_NL_MCGRP_EVENTS,
};

static struct genl_family kvs_genl_family;

/*
 * Notifications may come from softirq or from teardown that runs after
 * kvs_genl_exit(): they send only while this is set, and exit waits for
 * senders with an RCU grace period before unregistering the family.
 */
static bool kvs_genl_live;

/* ---- policies ---- */

static struct netlink_range_validation kvs_ifindex_range = {
	.min = 1,
	.max = INT_MAX,
};

static struct netlink_range_validation kvs_net_id_range = {
	.min = KVS_NET_ID_MIN,
	.max = KVS_NET_ID_MAX,
};

static struct netlink_range_validation kvs_ageing_range = {
	.min = 0,
	.max = KVS_AGEING_TIME_MAX,
};

#define KVS_POLICY_IFINDEX	NLA_POLICY_FULL_RANGE(NLA_U32, &kvs_ifindex_range)
#define KVS_POLICY_IFNAME	{ .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 }
#define KVS_POLICY_NET_ID	NLA_POLICY_FULL_RANGE(NLA_U32, &kvs_net_id_range)
#define KVS_POLICY_AGEING	NLA_POLICY_FULL_RANGE(NLA_U32, &kvs_ageing_range)
#define KVS_POLICY_IP6		NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr))

static const struct nla_policy kvs_macs_policy[KVS_MACS_ATTR_MAX + 1] = {
	[KVS_MACS_ATTR_ADDR]		= NLA_POLICY_ETH_ADDR,
};

static const struct nla_policy kvs_fabric_policy[KVS_FABRIC_ATTR_MAX + 1] = {
	[KVS_FABRIC_ATTR_ENCAP]		= NLA_POLICY_RANGE(NLA_U8, KVS_ENCAP_VXLAN,
							   KVS_ENCAP_MAX),
	[KVS_FABRIC_ATTR_LOCAL_IP4]	= { .type = NLA_BE32 },
	[KVS_FABRIC_ATTR_LOCAL_IP6]	= KVS_POLICY_IP6,
	[KVS_FABRIC_ATTR_REMOTE_IP4]	= { .type = NLA_BE32 },
	[KVS_FABRIC_ATTR_REMOTE_IP6]	= KVS_POLICY_IP6,
	[KVS_FABRIC_ATTR_DSTPORT]	= NLA_POLICY_MIN(NLA_U16, 1),
};

static const struct nla_policy kvs_switch_new_policy[KVS_ATTR_MAX + 1] = {
	[KVS_ATTR_SWITCH_NAME]		= KVS_POLICY_IFNAME,
	[KVS_ATTR_AGEING_TIME]		= KVS_POLICY_AGEING,
};

/* SWITCH_DEL, SWITCH_GET */
static const struct nla_policy kvs_switch_key_policy[KVS_ATTR_MAX + 1] = {
	[KVS_ATTR_SWITCH_IFINDEX]	= KVS_POLICY_IFINDEX,
	[KVS_ATTR_SWITCH_NAME]		= KVS_POLICY_IFNAME,
};

static const struct nla_policy kvs_switch_set_policy[KVS_ATTR_MAX + 1] = {
	[KVS_ATTR_SWITCH_IFINDEX]	= KVS_POLICY_IFINDEX,
	[KVS_ATTR_SWITCH_NAME]		= KVS_POLICY_IFNAME,
	[KVS_ATTR_AGEING_TIME]		= KVS_POLICY_AGEING,
};

static const struct nla_policy kvs_net_new_policy[KVS_ATTR_MAX + 1] = {
	[KVS_ATTR_SWITCH_IFINDEX]	= KVS_POLICY_IFINDEX,
	[KVS_ATTR_SWITCH_NAME]		= KVS_POLICY_IFNAME,
	[KVS_ATTR_NET_ID]		= KVS_POLICY_NET_ID,
	[KVS_ATTR_NET_LABEL]		= { .type = NLA_NUL_STRING,
					    .len = KVS_LABEL_MAX - 1 },
};

/* NET_DEL, NET_GET, FDB_GET */
static const struct nla_policy kvs_net_key_policy[KVS_ATTR_MAX + 1] = {
	[KVS_ATTR_SWITCH_IFINDEX]	= KVS_POLICY_IFINDEX,
	[KVS_ATTR_SWITCH_NAME]		= KVS_POLICY_IFNAME,
	[KVS_ATTR_NET_ID]		= KVS_POLICY_NET_ID,
};

static const struct nla_policy kvs_port_new_policy[KVS_ATTR_MAX + 1] = {
	[KVS_ATTR_SWITCH_IFINDEX]	= KVS_POLICY_IFINDEX,
	[KVS_ATTR_SWITCH_NAME]		= KVS_POLICY_IFNAME,
	[KVS_ATTR_NET_ID]		= KVS_POLICY_NET_ID,
	[KVS_ATTR_PORT_IFINDEX]		= KVS_POLICY_IFINDEX,
	[KVS_ATTR_PORT_NAME]		= KVS_POLICY_IFNAME,
	[KVS_ATTR_PORT_TYPE]		= NLA_POLICY_RANGE(NLA_U8, KVS_PORT_VM,
							   KVS_PORT_MAX),
	[KVS_ATTR_PORT_MACS]		= NLA_POLICY_NESTED(kvs_macs_policy),
	[KVS_ATTR_PORT_LEARNING]	= NLA_POLICY_MAX(NLA_U8, 1),
	[KVS_ATTR_PORT_MAX_MACS]	= { .type = NLA_U32 },
	[KVS_ATTR_PORT_BUM_LIMIT]	= { .type = NLA_U32 },
	[KVS_ATTR_PORT_FABRIC]		= NLA_POLICY_NESTED(kvs_fabric_policy),
};

/* PORT_DEL, PORT_GET, STATS_GET: the switch, if given, must match */
static const struct nla_policy kvs_port_key_policy[KVS_ATTR_MAX + 1] = {
	[KVS_ATTR_SWITCH_IFINDEX]	= KVS_POLICY_IFINDEX,
	[KVS_ATTR_SWITCH_NAME]		= KVS_POLICY_IFNAME,
	[KVS_ATTR_PORT_IFINDEX]		= KVS_POLICY_IFINDEX,
	[KVS_ATTR_PORT_NAME]		= KVS_POLICY_IFNAME,
};

static const struct nla_policy kvs_port_set_policy[KVS_ATTR_MAX + 1] = {
	[KVS_ATTR_SWITCH_IFINDEX]	= KVS_POLICY_IFINDEX,
	[KVS_ATTR_SWITCH_NAME]		= KVS_POLICY_IFNAME,
	[KVS_ATTR_PORT_IFINDEX]		= KVS_POLICY_IFINDEX,
	[KVS_ATTR_PORT_NAME]		= KVS_POLICY_IFNAME,
	[KVS_ATTR_PORT_MACS]		= NLA_POLICY_NESTED(kvs_macs_policy),
	[KVS_ATTR_PORT_LEARNING]	= NLA_POLICY_MAX(NLA_U8, 1),
	[KVS_ATTR_PORT_MAX_MACS]	= { .type = NLA_U32 },
	[KVS_ATTR_PORT_BUM_LIMIT]	= { .type = NLA_U32 },
};

static const struct nla_policy kvs_fdb_new_policy[KVS_ATTR_MAX + 1] = {
	[KVS_ATTR_SWITCH_IFINDEX]	= KVS_POLICY_IFINDEX,
	[KVS_ATTR_SWITCH_NAME]		= KVS_POLICY_IFNAME,
	[KVS_ATTR_NET_ID]		= KVS_POLICY_NET_ID,
	[KVS_ATTR_PORT_IFINDEX]		= KVS_POLICY_IFINDEX,
	[KVS_ATTR_PORT_NAME]		= KVS_POLICY_IFNAME,
	[KVS_ATTR_MAC]			= NLA_POLICY_ETH_ADDR,
	[KVS_ATTR_FDB_REMOTE_IP4]	= { .type = NLA_BE32 },
	[KVS_ATTR_FDB_REMOTE_IP6]	= KVS_POLICY_IP6,
};

static const struct nla_policy kvs_fdb_del_policy[KVS_ATTR_MAX + 1] = {
	[KVS_ATTR_SWITCH_IFINDEX]	= KVS_POLICY_IFINDEX,
	[KVS_ATTR_SWITCH_NAME]		= KVS_POLICY_IFNAME,
	[KVS_ATTR_NET_ID]		= KVS_POLICY_NET_ID,
	[KVS_ATTR_MAC]			= NLA_POLICY_ETH_ADDR,
	[KVS_ATTR_FDB_REMOTE_IP4]	= { .type = NLA_BE32 },
	[KVS_ATTR_FDB_REMOTE_IP6]	= KVS_POLICY_IP6,
};

/* ---- message sizes, for notifications and doit replies ---- */

static size_t kvs_switch_key_size(void)
{
	return nla_total_size(IFNAMSIZ) +		/* SWITCH_NAME */
	       nla_total_size(sizeof(u32));		/* SWITCH_IFINDEX */
}

static size_t kvs_port_key_size(void)
{
	return nla_total_size(IFNAMSIZ) +		/* PORT_NAME */
	       nla_total_size(sizeof(u32));		/* PORT_IFINDEX */
}

static size_t kvs_stats_size(void)
{
	return nla_total_size(0) +			/* STATS */
	       (4 + __KVS_DROP_MAX) * nla_total_size_64bit(sizeof(u64));
}

static size_t kvs_switch_msg_size(void)
{
	return kvs_switch_key_size() +
	       nla_total_size(sizeof(u32)) +		/* AGEING_TIME */
	       kvs_stats_size();
}

static size_t kvs_network_msg_size(void)
{
	return kvs_switch_key_size() +
	       nla_total_size(sizeof(u32)) +		/* NET_ID */
	       nla_total_size(KVS_LABEL_MAX) +		/* NET_LABEL */
	       nla_total_size(sizeof(u32));		/* NET_PORTS */
}

static size_t kvs_port_msg_size(void)
{
	return kvs_switch_key_size() +
	       kvs_port_key_size() +
	       nla_total_size(sizeof(u8)) +		/* PORT_TYPE */
	       nla_total_size(sizeof(u32)) +		/* NET_ID */
	       nla_total_size(0) +			/* PORT_MACS */
	       KVS_PORT_MACS_MAX * nla_total_size(ETH_ALEN) +
	       nla_total_size(sizeof(u8)) +		/* PORT_LEARNING */
	       nla_total_size(sizeof(u32)) +		/* PORT_MAX_MACS */
	       nla_total_size(sizeof(u32)) +		/* PORT_BUM_LIMIT */
	       nla_total_size(sizeof(u32)) +		/* PORT_LEARNED */
	       kvs_stats_size();
}

static size_t kvs_fdb_msg_size(void)
{
	return kvs_switch_key_size() +
	       nla_total_size(sizeof(u32)) +		/* NET_ID */
	       nla_total_size(ETH_ALEN) +		/* MAC */
	       kvs_port_key_size() +
	       nla_total_size(sizeof(u32)) +		/* FDB_FLAGS */
	       nla_total_size(sizeof(u32)) +		/* FDB_AGE */
	       nla_total_size(sizeof(struct in6_addr));	/* FDB_REMOTE_IP* */
}

static size_t kvs_policy_drop_msg_size(void)
{
	return kvs_switch_key_size() +
	       kvs_port_key_size() +
	       nla_total_size(sizeof(u32)) +		/* NET_ID */
	       nla_total_size(ETH_ALEN) +		/* MAC */
	       nla_total_size(sizeof(u32));		/* DROP_REASON */
}

/* ---- message building ---- */

/* Where a message goes: a doit reply, a dump round or an event */
struct kvs_nl_ctx {
	struct netlink_callback *cb;	/* dumps: for the consistency check */
	u32 portid;
	u32 seq;
	int flags;
	u8 cmd;
};

static struct kvs_nl_ctx kvs_reply_ctx(struct genl_info *info)
{
	return (struct kvs_nl_ctx) {
		.portid = info->snd_portid,
		.seq = info->snd_seq,
		.cmd = info->genlhdr->cmd,
	};
}

static struct kvs_nl_ctx kvs_dump_ctx(struct netlink_callback *cb)
{
	const struct genlmsghdr *ghdr = nlmsg_data(cb->nlh);

	return (struct kvs_nl_ctx) {
		.cb = cb,
		.portid = NETLINK_CB(cb->skb).portid,
		.seq = cb->nlh->nlmsg_seq,
		.flags = NLM_F_MULTI,
		.cmd = ghdr->cmd,
	};
}

static void *kvs_msg_put(struct sk_buff *skb, const struct kvs_nl_ctx *ctx)
{
	void *hdr;

	hdr = genlmsg_put(skb, ctx->portid, ctx->seq, &kvs_genl_family,
			  ctx->flags, ctx->cmd);
	if (hdr && ctx->cb)
		genl_dump_check_consistent(ctx->cb, hdr);
	return hdr;
}

static int kvs_put_switch_key(struct sk_buff *skb, const struct kvs_switch *sw)
{
	if (nla_put_string(skb, KVS_ATTR_SWITCH_NAME, sw->dev->name) ||
	    nla_put_u32(skb, KVS_ATTR_SWITCH_IFINDEX, sw->dev->ifindex))
		return -EMSGSIZE;
	return 0;
}

static int kvs_put_port_key(struct sk_buff *skb, const struct kvs_port *port)
{
	if (nla_put_string(skb, KVS_ATTR_PORT_NAME, port->dev->name) ||
	    nla_put_u32(skb, KVS_ATTR_PORT_IFINDEX, port->dev->ifindex))
		return -EMSGSIZE;
	return 0;
}

static int kvs_put_stats(struct sk_buff *skb, const struct kvs_stats *st)
{
	struct nlattr *nest;
	int i;

	BUILD_BUG_ON(KVS_STATS_DROP(KVS_DROP_MAX) != KVS_STATS_MAX);

	nest = nla_nest_start(skb, KVS_ATTR_STATS);
	if (!nest)
		return -EMSGSIZE;

	if (nla_put_u64_64bit(skb, KVS_STATS_RX_PACKETS, st->rx_packets,
			      KVS_STATS_PAD) ||
	    nla_put_u64_64bit(skb, KVS_STATS_RX_BYTES, st->rx_bytes,
			      KVS_STATS_PAD) ||
	    nla_put_u64_64bit(skb, KVS_STATS_TX_PACKETS, st->tx_packets,
			      KVS_STATS_PAD) ||
	    nla_put_u64_64bit(skb, KVS_STATS_TX_BYTES, st->tx_bytes,
			      KVS_STATS_PAD))
		goto cancel;

	for (i = 0; i < __KVS_DROP_MAX; i++)
		if (nla_put_u64_64bit(skb, KVS_STATS_DROP(i), st->drops[i],
				      KVS_STATS_PAD))
			goto cancel;

	nla_nest_end(skb, nest);
	return 0;

cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static int kvs_put_macs(struct sk_buff *skb, const struct kvs_maclist *macs)
{
	struct nlattr *nest;
	unsigned int i;

	nest = nla_nest_start(skb, KVS_ATTR_PORT_MACS);
	if (!nest)
		return -EMSGSIZE;

	for (i = 0; i < macs->count; i++) {
		if (nla_put(skb, KVS_MACS_ATTR_ADDR, ETH_ALEN, macs->addr[i])) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}

	nla_nest_end(skb, nest);
	return 0;
}

/* RTNL: the switch list and kvs_switch_stats() */
static int kvs_switch_fill(struct sk_buff *skb, struct kvs_switch *sw,
			   const struct kvs_nl_ctx *ctx)
{
	struct kvs_stats st;
	void *hdr;

	hdr = kvs_msg_put(skb, ctx);
	if (!hdr)
		return -EMSGSIZE;

	kvs_switch_stats(sw, &st);

	if (kvs_put_switch_key(skb, sw) ||
	    nla_put_u32(skb, KVS_ATTR_AGEING_TIME,
			kvs_switch_ageing_secs(sw)) ||
	    kvs_put_stats(skb, &st))
		goto cancel;

	genlmsg_end(skb, hdr);
	return 0;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/* RTNL */
static int kvs_network_fill(struct sk_buff *skb,
			    const struct kvs_network *network,
			    const struct kvs_nl_ctx *ctx)
{
	void *hdr;

	hdr = kvs_msg_put(skb, ctx);
	if (!hdr)
		return -EMSGSIZE;

	if (kvs_put_switch_key(skb, network->sw) ||
	    nla_put_u32(skb, KVS_ATTR_NET_ID, network->id) ||
	    (network->label[0] &&
	     nla_put_string(skb, KVS_ATTR_NET_LABEL, network->label)) ||
	    nla_put_u32(skb, KVS_ATTR_NET_PORTS, network->port_count))
		goto cancel;

	genlmsg_end(skb, hdr);
	return 0;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/* RTNL: port->network and port->macs are changed under it */
static int kvs_port_fill(struct sk_buff *skb, struct kvs_port *port,
			 const struct kvs_nl_ctx *ctx)
{
	const struct kvs_network *network = port->network;
	const struct kvs_maclist *macs;
	struct kvs_stats st;
	void *hdr;

	hdr = kvs_msg_put(skb, ctx);
	if (!hdr)
		return -EMSGSIZE;

	kvs_stats_read(port, &st);

	if (kvs_put_switch_key(skb, port->sw) ||
	    kvs_put_port_key(skb, port) ||
	    nla_put_u8(skb, KVS_ATTR_PORT_TYPE, port->type))
		goto cancel;

	if (port->type == KVS_PORT_VM) {
		macs = rcu_dereference_rtnl(port->macs);

		if ((network &&
		     nla_put_u32(skb, KVS_ATTR_NET_ID, network->id)) ||
		    (macs && kvs_put_macs(skb, macs)) ||
		    nla_put_u8(skb, KVS_ATTR_PORT_LEARNING, port->learning) ||
		    nla_put_u32(skb, KVS_ATTR_PORT_MAX_MACS, port->max_macs) ||
		    nla_put_u32(skb, KVS_ATTR_PORT_BUM_LIMIT, port->bum_limit) ||
		    nla_put_u32(skb, KVS_ATTR_PORT_LEARNED,
				atomic_read(&port->learned)))
			goto cancel;
	}

	if (kvs_put_stats(skb, &st))
		goto cancel;

	genlmsg_end(skb, hdr);
	return 0;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/* RCU: the entry and its port are freed after a grace period */
static int kvs_fdb_fill(struct sk_buff *skb, const struct kvs_switch *sw,
			const struct kvs_fdb_entry *f,
			const struct kvs_nl_ctx *ctx)
{
	u32 flags = kvs_fdb_flags_uapi(READ_ONCE(f->flags));
	const struct kvs_port *port;
	u64 age;
	void *hdr;

	hdr = kvs_msg_put(skb, ctx);
	if (!hdr)
		return -EMSGSIZE;

	port = rcu_dereference(f->port);
	/* u64: a static entry may be older than u32 milliseconds */
	age = jiffies64_to_msecs(jiffies - READ_ONCE(f->updated));

	if (kvs_put_switch_key(skb, sw) ||
	    nla_put_u32(skb, KVS_ATTR_NET_ID, f->key.net_id) ||
	    nla_put(skb, KVS_ATTR_MAC, ETH_ALEN, f->key.addr) ||
	    (port && kvs_put_port_key(skb, port)) ||
	    ((flags & KVS_FDB_F_REMOTE) &&
	     nla_put_in_addr(skb, KVS_ATTR_FDB_REMOTE_IP4, f->remote_ip4)) ||
	    nla_put_u32(skb, KVS_ATTR_FDB_FLAGS, flags) ||
	    nla_put_u32(skb, KVS_ATTR_FDB_AGE, min_t(u64, age, U32_MAX)))
		goto cancel;

	genlmsg_end(skb, hdr);
	return 0;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/* ---- lookups (RTNL), each refusal with its errno and message ---- */

/*
 * The switch named by SWITCH_IFINDEX and/or SWITCH_NAME; NULL when neither
 * is given and @required is false.
 */
static struct kvs_switch *kvs_nl_switch(struct net *net, struct nlattr **attrs,
					bool required,
					struct netlink_ext_ack *extack)
{
	struct nlattr *ifindex = attrs[KVS_ATTR_SWITCH_IFINDEX];
	struct nlattr *name = attrs[KVS_ATTR_SWITCH_NAME];
	struct kvs_switch *sw;

	if (!ifindex && !name) {
		if (!required)
			return NULL;
		NL_SET_ERR_ATTR_MISS(extack, NULL, KVS_ATTR_SWITCH_NAME);
		NL_SET_ERR_MSG(extack, "switch name or ifindex required");
		return ERR_PTR(-EINVAL);
	}

	if (ifindex) {
		sw = kvs_switch_by_ifindex(net, nla_get_u32(ifindex));
		/* a switch being torn down is gone already */
		if (!sw || !sw->live) {
			NL_SET_ERR_MSG_ATTR(extack, ifindex, "no such switch");
			return ERR_PTR(-ENODEV);
		}
		/* the policy guarantees a NUL-terminated name */
		if (name && strcmp(nla_data(name), sw->dev->name)) {
			NL_SET_ERR_MSG_ATTR(extack, name,
					    "switch name and ifindex do not match");
			return ERR_PTR(-EINVAL);
		}
		return sw;
	}

	sw = kvs_switch_by_name(net, nla_data(name));
	if (!sw || !sw->live) {
		NL_SET_ERR_MSG_ATTR(extack, name, "no such switch");
		return ERR_PTR(-ENODEV);
	}
	return sw;
}

/* The network NET_ID of @sw; NET_ID is required */
static struct kvs_network *kvs_nl_network(struct kvs_switch *sw,
					  struct nlattr **attrs,
					  struct netlink_ext_ack *extack)
{
	struct nlattr *id = attrs[KVS_ATTR_NET_ID];
	struct kvs_network *network;

	if (!id) {
		NL_SET_ERR_ATTR_MISS(extack, NULL, KVS_ATTR_NET_ID);
		NL_SET_ERR_MSG(extack, "network id required");
		return ERR_PTR(-EINVAL);
	}

	network = kvs_network_find(sw, nla_get_u32(id));
	if (!network) {
		NL_SET_ERR_MSG_ATTR(extack, id, "no such network on this switch");
		return ERR_PTR(-ENOENT);
	}
	return network;
}

static bool kvs_nl_has_port_key(struct nlattr **attrs)
{
	return attrs[KVS_ATTR_PORT_IFINDEX] || attrs[KVS_ATTR_PORT_NAME];
}

/* The netdev named by PORT_IFINDEX and/or PORT_NAME in @net */
static struct net_device *kvs_nl_dev(struct net *net, struct nlattr **attrs,
				     struct netlink_ext_ack *extack)
{
	struct nlattr *ifindex = attrs[KVS_ATTR_PORT_IFINDEX];
	struct nlattr *name = attrs[KVS_ATTR_PORT_NAME];
	struct net_device *dev;

	if (!ifindex && !name) {
		NL_SET_ERR_ATTR_MISS(extack, NULL, KVS_ATTR_PORT_NAME);
		NL_SET_ERR_MSG(extack, "port name or ifindex required");
		return ERR_PTR(-EINVAL);
	}

	if (ifindex) {
		dev = __dev_get_by_index(net, nla_get_u32(ifindex));
		if (!dev) {
			NL_SET_ERR_MSG_ATTR(extack, ifindex, "no such device");
			return ERR_PTR(-ENODEV);
		}
		if (name && strcmp(nla_data(name), dev->name)) {
			NL_SET_ERR_MSG_ATTR(extack, name,
					    "port name and ifindex do not match");
			return ERR_PTR(-EINVAL);
		}
		return dev;
	}

	dev = __dev_get_by_name(net, nla_data(name));
	if (!dev) {
		NL_SET_ERR_MSG_ATTR(extack, name, "no such device");
		return ERR_PTR(-ENODEV);
	}
	return dev;
}

/* The kvs port named by PORT_*; when @sw is given the port must be on it */
static struct kvs_port *kvs_nl_port(struct net *net, struct kvs_switch *sw,
				    struct nlattr **attrs,
				    struct netlink_ext_ack *extack)
{
	struct net_device *dev;
	struct kvs_port *port;

	dev = kvs_nl_dev(net, attrs, extack);
	if (IS_ERR(dev))
		return ERR_CAST(dev);

	port = kvs_port_from_dev(dev);
	if (!port) {
		NL_SET_ERR_MSG_ATTR(extack,
				    attrs[KVS_ATTR_PORT_IFINDEX] ?:
				    attrs[KVS_ATTR_PORT_NAME],
				    "device is not a kvs port");
		return ERR_PTR(-ENOENT);
	}

	if (sw && port->sw != sw) {
		NL_SET_ERR_MSG_ATTR(extack,
				    attrs[KVS_ATTR_SWITCH_IFINDEX] ?:
				    attrs[KVS_ATTR_SWITCH_NAME],
				    "port is on another switch");
		return ERR_PTR(-EINVAL);
	}
	return port;
}

/* Core functions set their own message; make sure every refusal has one */
static bool kvs_nl_has_msg(const struct netlink_ext_ack *extack)
{
	return !extack || extack->_msg;
}

/* Parse the VM port settings of PORT_NEW and PORT_SET into @cfg */
static int kvs_nl_port_cfg(struct nlattr **attrs, struct kvs_port_cfg *cfg,
			   struct netlink_ext_ack *extack)
{
	struct nlattr *macs = attrs[KVS_ATTR_PORT_MACS];
	struct nlattr *nla;
	unsigned int i;
	int rem;

	memset(cfg, 0, sizeof(*cfg));

	if (macs) {
		cfg->has_macs = true;
		/* the policy allows only KVS_MACS_ATTR_ADDR of ETH_ALEN */
		nla_for_each_nested(nla, macs, rem) {
			const u8 *addr = nla_data(nla);

			if (cfg->mac_count == KVS_PORT_MACS_MAX) {
				NL_SET_ERR_MSG_ATTR(extack, nla,
						    "too many MACs (at most 64)");
				return -EINVAL;
			}
			if (!is_valid_ether_addr(addr)) {
				NL_SET_ERR_MSG_ATTR(extack, nla,
						    "MAC must be unicast");
				return -EINVAL;
			}
			for (i = 0; i < cfg->mac_count; i++) {
				if (ether_addr_equal(cfg->macs[i], addr)) {
					NL_SET_ERR_MSG_ATTR(extack, nla,
							    "duplicate MAC");
					return -EINVAL;
				}
			}
			ether_addr_copy(cfg->macs[cfg->mac_count++], addr);
		}
	}

	if (attrs[KVS_ATTR_PORT_LEARNING]) {
		cfg->has_learning = true;
		cfg->learning = nla_get_u8(attrs[KVS_ATTR_PORT_LEARNING]);
	}

	if (attrs[KVS_ATTR_PORT_MAX_MACS]) {
		cfg->has_max_macs = true;
		cfg->max_macs = nla_get_u32(attrs[KVS_ATTR_PORT_MAX_MACS]);
	}

	if (attrs[KVS_ATTR_PORT_BUM_LIMIT]) {
		cfg->has_bum_limit = true;
		cfg->bum_limit = nla_get_u32(attrs[KVS_ATTR_PORT_BUM_LIMIT]);
		/* storm limiting comes with the fabric (design.md) */
		if (cfg->bum_limit) {
			NL_SET_ERR_MSG_ATTR(extack,
					    attrs[KVS_ATTR_PORT_BUM_LIMIT],
					    "bum-limit is not supported yet");
			return -EOPNOTSUPP;
		}
	}

	return 0;
}

/* Reply with one message, or free it and return @err */
static int kvs_nl_reply(struct genl_info *info, struct sk_buff *msg, int err)
{
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/* ---- dumps ---- */

/* Position of a dump between rounds, in cb->ctx */
struct kvs_dump_state {
	unsigned long sw_idx;	/* index in the netns switch list */
	unsigned long pos;	/* object index or network id in that switch */
	bool started;		/* a round has run: the filter was valid */
};

static struct kvs_dump_state *kvs_dump_state(struct netlink_callback *cb)
{
	BUILD_BUG_ON(sizeof(struct kvs_dump_state) > sizeof(cb->ctx));
	return (struct kvs_dump_state *)cb->ctx;
}

static struct list_head *kvs_switches(struct net *net)
{
	struct kvs_pernet *pn = net_generic(net, kvs_pernet_id);

	return &pn->switches;
}

/* What a dump walks, for its consistency number */
enum kvs_dump_kind {
	KVS_DUMP_SWITCHES,
	KVS_DUMP_NETWORKS,
	KVS_DUMP_PORTS,
	KVS_DUMP_FDB,
};

/*
 * One number for what a dump walks, over all switches or @only; it changes
 * when that changes, so userspace sees NLM_F_DUMP_INTR. The switch, network
 * and port sets are small and change only under RTNL, so they are hashed
 * directly: the generation counter also moves with every learned MAC and
 * would interrupt those dumps for nothing. The fdb uses the generation.
 * Never 0, which nl_dump_check_consistent() takes as "no sequence yet".
 */
static unsigned int kvs_dump_seq(struct net *net, const struct kvs_switch *only,
				 enum kvs_dump_kind kind)
{
	const struct kvs_network *network;
	const struct kvs_port *port;
	struct kvs_switch *sw;
	unsigned long id;
	u32 seq = 0;

	list_for_each_entry(sw, kvs_switches(net), node) {
		if (only && sw != only)
			continue;
		seq = jhash_1word(sw->dev->ifindex, seq);
		switch (kind) {
		case KVS_DUMP_SWITCHES:
			break;
		case KVS_DUMP_NETWORKS:
			xa_for_each(&sw->networks, id, network)
				seq = jhash_1word(id, seq);
			break;
		case KVS_DUMP_PORTS:
			list_for_each_entry(port, &sw->ports, sw_node)
				seq = jhash_1word(port->dev->ifindex, seq);
			break;
		case KVS_DUMP_FDB:
			seq = jhash_1word(atomic_read(&sw->generation), seq);
			break;
		}
	}
	return seq ?: 1;
}

/*
 * Start a dump round under RTNL: split the request's attributes into @tb,
 * resolve the switch filter into @only and set cb->seq. Returns < 0 to fail
 * the dump (a bad filter in the first round), 1 to end it (the filter
 * switch went away; flagged inconsistent), 0 to go on.
 *
 * The core validated the request against the command's policy before the
 * first round; the attributes are split again here rather than taken from
 * genl_dumpit_info(), whose layout changed after 6.1.
 */
static int kvs_dump_begin(struct netlink_callback *cb, struct net *net,
			  enum kvs_dump_kind kind, struct nlattr **tb,
			  struct kvs_switch **only)
{
	struct kvs_dump_state *st = kvs_dump_state(cb);
	struct kvs_switch *sw;
	int err;

	err = nlmsg_parse(cb->nlh, GENL_HDRLEN, tb, KVS_ATTR_MAX, NULL, NULL);
	if (WARN_ON_ONCE(err))
		return err;

	sw = kvs_nl_switch(net, tb, false, st->started ? NULL : cb->extack);
	if (IS_ERR(sw)) {
		if (!st->started)
			return PTR_ERR(sw);
		cb->seq = cb->prev_seq + 1 ?: 1;
		return 1;
	}

	st->started = true;
	cb->seq = kvs_dump_seq(net, sw, kind);
	*only = sw;
	return 0;
}

/* What a dumpit returns: a full skb is not an error while it holds data */
static int kvs_dump_ret(struct sk_buff *skb, int err)
{
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	if (err < 0)
		return err;
	return skb->len;
}

static int kvs_nl_switch_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct kvs_dump_state *st = kvs_dump_state(cb);
	struct kvs_nl_ctx ctx = kvs_dump_ctx(cb);
	struct net *net = sock_net(skb->sk);
	struct nlattr *tb[KVS_ATTR_MAX + 1];
	struct kvs_switch *sw, *only;
	unsigned long idx = 0;
	int err;

	rtnl_lock();
	err = kvs_dump_begin(cb, net, KVS_DUMP_SWITCHES, tb, &only);
	if (err)
		goto out;

	list_for_each_entry(sw, kvs_switches(net), node) {
		if (idx++ < st->sw_idx || (only && sw != only))
			continue;
		err = kvs_switch_fill(skb, sw, &ctx);
		if (err)
			break;
		st->sw_idx = idx;
	}
out:
	rtnl_unlock();
	return kvs_dump_ret(skb, err);
}

static int kvs_nl_net_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct kvs_dump_state *st = kvs_dump_state(cb);
	struct kvs_nl_ctx ctx = kvs_dump_ctx(cb);
	struct net *net = sock_net(skb->sk);
	struct nlattr *tb[KVS_ATTR_MAX + 1];
	struct kvs_switch *sw, *only;
	struct kvs_network *network;
	unsigned long idx = 0;
	unsigned long id;
	int err;

	rtnl_lock();
	err = kvs_dump_begin(cb, net, KVS_DUMP_NETWORKS, tb, &only);
	if (err)
		goto out;

	list_for_each_entry(sw, kvs_switches(net), node) {
		if (idx++ < st->sw_idx || (only && sw != only))
			continue;
		xa_for_each_start(&sw->networks, id, network, st->pos) {
			if (tb[KVS_ATTR_NET_ID] &&
			    id != nla_get_u32(tb[KVS_ATTR_NET_ID]))
				continue;
			err = kvs_network_fill(skb, network, &ctx);
			if (err)
				goto out;
			st->pos = id + 1;
		}
		st->pos = 0;
		st->sw_idx = idx;
	}
out:
	rtnl_unlock();
	return kvs_dump_ret(skb, err);
}

/* PORT_GET and STATS_GET: port messages always carry their counters */
static int kvs_nl_port_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct kvs_dump_state *st = kvs_dump_state(cb);
	struct kvs_nl_ctx ctx = kvs_dump_ctx(cb);
	struct net *net = sock_net(skb->sk);
	struct nlattr *tb[KVS_ATTR_MAX + 1];
	struct kvs_switch *sw, *only;
	unsigned long idx = 0;
	struct kvs_port *port;
	unsigned long pos;
	int err;

	rtnl_lock();
	err = kvs_dump_begin(cb, net, KVS_DUMP_PORTS, tb, &only);
	if (err)
		goto out;

	/* filtered to one port: a single message in the first round */
	if (kvs_nl_has_port_key(tb)) {
		if (st->sw_idx)
			goto out;
		port = kvs_nl_port(net, only, tb, cb->extack);
		if (IS_ERR(port)) {
			err = PTR_ERR(port);
			goto out;
		}
		err = kvs_port_fill(skb, port, &ctx);
		if (!err)
			st->sw_idx = 1;
		goto out;
	}

	list_for_each_entry(sw, kvs_switches(net), node) {
		if (idx++ < st->sw_idx || (only && sw != only))
			continue;
		pos = 0;
		list_for_each_entry(port, &sw->ports, sw_node) {
			if (pos++ < st->pos)
				continue;
			err = kvs_port_fill(skb, port, &ctx);
			if (err)
				goto out;
			st->pos = pos;
		}
		st->pos = 0;
		st->sw_idx = idx;
	}
out:
	rtnl_unlock();
	return kvs_dump_ret(skb, err);
}

static int kvs_nl_fdb_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct kvs_dump_state *st = kvs_dump_state(cb);
	struct kvs_nl_ctx ctx = kvs_dump_ctx(cb);
	struct net *net = sock_net(skb->sk);
	struct nlattr *tb[KVS_ATTR_MAX + 1];
	struct kvs_switch *sw, *only;
	struct kvs_fdb_entry *f;
	unsigned long idx = 0;
	unsigned long pos;
	u32 net_id = 0;
	int err;

	/* RTNL for the switch list, RCU for the entries */
	rtnl_lock();
	err = kvs_dump_begin(cb, net, KVS_DUMP_FDB, tb, &only);
	if (err)
		goto out;
	if (tb[KVS_ATTR_NET_ID])
		net_id = nla_get_u32(tb[KVS_ATTR_NET_ID]);

	list_for_each_entry(sw, kvs_switches(net), node) {
		if (idx++ < st->sw_idx || (only && sw != only))
			continue;
		pos = 0;
		rcu_read_lock();
		hlist_for_each_entry_rcu(f, &sw->fdb_list, list_node) {
			if (pos++ < st->pos)
				continue;
			if (net_id && f->key.net_id != net_id)
				continue;
			err = kvs_fdb_fill(skb, sw, f, &ctx);
			if (err)
				break;
			st->pos = pos;
		}
		rcu_read_unlock();
		if (err)
			goto out;
		st->pos = 0;
		st->sw_idx = idx;
	}
out:
	rtnl_unlock();
	return kvs_dump_ret(skb, err);
}

/* ---- switch ---- */

static int kvs_nl_switch_new(struct sk_buff *skb, struct genl_info *info)
{
	u32 ageing = KVS_AGEING_TIME_DEFAULT;
	struct nlattr **attrs = info->attrs;
	const char *name;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, KVS_ATTR_SWITCH_NAME)) {
		GENL_SET_ERR_MSG(info, "switch name required");
		return -EINVAL;
	}
	name = nla_data(attrs[KVS_ATTR_SWITCH_NAME]);
	if (!dev_valid_name(name)) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[KVS_ATTR_SWITCH_NAME],
				    "invalid switch name");
		return -EINVAL;
	}
	if (attrs[KVS_ATTR_AGEING_TIME])
		ageing = nla_get_u32(attrs[KVS_ATTR_AGEING_TIME]);

	rtnl_lock();
	err = kvs_switch_create(genl_info_net(info), name, ageing,
				info->extack);
	rtnl_unlock();

	if (err && !kvs_nl_has_msg(info->extack))
		GENL_SET_ERR_MSG(info, "cannot create the switch");
	return err;
}

static int kvs_nl_switch_del(struct sk_buff *skb, struct genl_info *info)
{
	struct kvs_switch *sw;
	int err = 0;

	rtnl_lock();
	sw = kvs_nl_switch(genl_info_net(info), info->attrs, true,
			   info->extack);
	if (IS_ERR(sw))
		err = PTR_ERR(sw);
	else
		kvs_switch_destroy(sw);
	rtnl_unlock();

	return err;
}

static int kvs_nl_switch_set(struct sk_buff *skb, struct genl_info *info)
{
	struct kvs_switch *sw;
	int err = 0;
	u32 secs;

	if (GENL_REQ_ATTR_CHECK(info, KVS_ATTR_AGEING_TIME)) {
		GENL_SET_ERR_MSG(info, "ageing time required");
		return -EINVAL;
	}
	secs = nla_get_u32(info->attrs[KVS_ATTR_AGEING_TIME]);

	rtnl_lock();
	sw = kvs_nl_switch(genl_info_net(info), info->attrs, true,
			   info->extack);
	if (IS_ERR(sw))
		err = PTR_ERR(sw);
	else
		kvs_switch_set_ageing(sw, secs);
	rtnl_unlock();

	return err;
}

static int kvs_nl_switch_get(struct sk_buff *skb, struct genl_info *info)
{
	struct kvs_nl_ctx ctx = kvs_reply_ctx(info);
	struct kvs_switch *sw;
	struct sk_buff *msg;
	int err;

	msg = genlmsg_new(kvs_switch_msg_size(), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	rtnl_lock();
	sw = kvs_nl_switch(genl_info_net(info), info->attrs, true,
			   info->extack);
	if (IS_ERR(sw))
		err = PTR_ERR(sw);
	else
		err = kvs_switch_fill(msg, sw, &ctx);
	rtnl_unlock();

	return kvs_nl_reply(info, msg, err);
}

/* ---- network ---- */

static int kvs_nl_net_new(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	const char *label = "";
	struct kvs_switch *sw;
	u32 id;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, KVS_ATTR_NET_ID)) {
		GENL_SET_ERR_MSG(info, "network id required");
		return -EINVAL;
	}
	id = nla_get_u32(attrs[KVS_ATTR_NET_ID]);
	if (attrs[KVS_ATTR_NET_LABEL])
		label = nla_data(attrs[KVS_ATTR_NET_LABEL]);

	rtnl_lock();
	sw = kvs_nl_switch(genl_info_net(info), attrs, true, info->extack);
	if (IS_ERR(sw)) {
		err = PTR_ERR(sw);
		goto out;
	}
	if (kvs_network_find(sw, id)) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[KVS_ATTR_NET_ID],
				    "network already exists on this switch");
		err = -EEXIST;
		goto out;
	}
	err = kvs_network_create(sw, id, label, info->extack);
	if (err && !kvs_nl_has_msg(info->extack))
		GENL_SET_ERR_MSG(info, "cannot create the network");
out:
	rtnl_unlock();
	return err;
}

static int kvs_nl_net_del(struct sk_buff *skb, struct genl_info *info)
{
	struct kvs_network *network;
	struct kvs_switch *sw;
	int err = 0;

	rtnl_lock();
	sw = kvs_nl_switch(genl_info_net(info), info->attrs, true,
			   info->extack);
	if (IS_ERR(sw)) {
		err = PTR_ERR(sw);
		goto out;
	}
	network = kvs_nl_network(sw, info->attrs, info->extack);
	if (IS_ERR(network)) {
		err = PTR_ERR(network);
		goto out;
	}
	kvs_network_destroy(network);
out:
	rtnl_unlock();
	return err;
}

static int kvs_nl_net_get(struct sk_buff *skb, struct genl_info *info)
{
	struct kvs_nl_ctx ctx = kvs_reply_ctx(info);
	struct kvs_network *network;
	struct kvs_switch *sw;
	struct sk_buff *msg;
	int err;

	msg = genlmsg_new(kvs_network_msg_size(), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	rtnl_lock();
	sw = kvs_nl_switch(genl_info_net(info), info->attrs, true,
			   info->extack);
	if (IS_ERR(sw)) {
		err = PTR_ERR(sw);
		goto out;
	}
	network = kvs_nl_network(sw, info->attrs, info->extack);
	if (IS_ERR(network)) {
		err = PTR_ERR(network);
		goto out;
	}
	err = kvs_network_fill(msg, network, &ctx);
out:
	rtnl_unlock();
	return kvs_nl_reply(info, msg, err);
}

/* ---- port ---- */

static int kvs_nl_port_new(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct net *net = genl_info_net(info);
	struct kvs_network *network;
	struct kvs_port_cfg cfg;
	struct net_device *dev;
	struct kvs_switch *sw;
	int err;

	if (attrs[KVS_ATTR_PORT_FABRIC] ||
	    (attrs[KVS_ATTR_PORT_TYPE] &&
	     nla_get_u8(attrs[KVS_ATTR_PORT_TYPE]) == KVS_PORT_FABRIC)) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    attrs[KVS_ATTR_PORT_FABRIC] ?:
				    attrs[KVS_ATTR_PORT_TYPE],
				    "fabric ports are not supported yet");
		return -EOPNOTSUPP;
	}

	if (GENL_REQ_ATTR_CHECK(info, KVS_ATTR_NET_ID)) {
		GENL_SET_ERR_MSG(info, "network id required");
		return -EINVAL;
	}

	err = kvs_nl_port_cfg(attrs, &cfg, info->extack);
	if (err)
		return err;

	rtnl_lock();
	sw = kvs_nl_switch(net, attrs, true, info->extack);
	if (IS_ERR(sw)) {
		err = PTR_ERR(sw);
		goto out;
	}
	network = kvs_nl_network(sw, attrs, info->extack);
	if (IS_ERR(network)) {
		err = PTR_ERR(network);
		goto out;
	}
	dev = kvs_nl_dev(net, attrs, info->extack);
	if (IS_ERR(dev)) {
		err = PTR_ERR(dev);
		goto out;
	}
	err = kvs_port_attach_vm(sw, dev, network, &cfg, info->extack);
	if (err && !kvs_nl_has_msg(info->extack))
		GENL_SET_ERR_MSG(info, "cannot attach the port");
out:
	rtnl_unlock();
	return err;
}

static int kvs_nl_port_del(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct kvs_switch *sw;
	struct kvs_port *port;
	int err = 0;

	rtnl_lock();
	sw = kvs_nl_switch(net, info->attrs, false, info->extack);
	if (IS_ERR(sw)) {
		err = PTR_ERR(sw);
		goto out;
	}
	port = kvs_nl_port(net, sw, info->attrs, info->extack);
	if (IS_ERR(port)) {
		err = PTR_ERR(port);
		goto out;
	}
	kvs_port_detach(port);
out:
	rtnl_unlock();
	return err;
}

static int kvs_nl_port_set(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct kvs_port_cfg cfg;
	struct kvs_switch *sw;
	struct kvs_port *port;
	int err;

	err = kvs_nl_port_cfg(info->attrs, &cfg, info->extack);
	if (err)
		return err;

	rtnl_lock();
	sw = kvs_nl_switch(net, info->attrs, false, info->extack);
	if (IS_ERR(sw)) {
		err = PTR_ERR(sw);
		goto out;
	}
	port = kvs_nl_port(net, sw, info->attrs, info->extack);
	if (IS_ERR(port)) {
		err = PTR_ERR(port);
		goto out;
	}
	if (port->type != KVS_PORT_VM) {
		GENL_SET_ERR_MSG(info, "fabric ports are not supported yet");
		err = -EOPNOTSUPP;
		goto out;
	}
	err = kvs_port_configure(port, &cfg, info->extack);
	if (err && !kvs_nl_has_msg(info->extack))
		GENL_SET_ERR_MSG(info, "cannot configure the port");
out:
	rtnl_unlock();
	return err;
}

static int kvs_nl_port_get(struct sk_buff *skb, struct genl_info *info)
{
	struct kvs_nl_ctx ctx = kvs_reply_ctx(info);
	struct net *net = genl_info_net(info);
	struct kvs_switch *sw;
	struct kvs_port *port;
	struct sk_buff *msg;
	int err;

	msg = genlmsg_new(kvs_port_msg_size(), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	rtnl_lock();
	sw = kvs_nl_switch(net, info->attrs, false, info->extack);
	if (IS_ERR(sw)) {
		err = PTR_ERR(sw);
		goto out;
	}
	port = kvs_nl_port(net, sw, info->attrs, info->extack);
	if (IS_ERR(port)) {
		err = PTR_ERR(port);
		goto out;
	}
	err = kvs_port_fill(msg, port, &ctx);
out:
	rtnl_unlock();
	return kvs_nl_reply(info, msg, err);
}

/* ---- fdb ---- */

/* MAC is required and must be a unicast address */
static const u8 *kvs_nl_fdb_mac(struct genl_info *info)
{
	const u8 *addr;

	if (GENL_REQ_ATTR_CHECK(info, KVS_ATTR_MAC)) {
		GENL_SET_ERR_MSG(info, "MAC required");
		return ERR_PTR(-EINVAL);
	}
	addr = nla_data(info->attrs[KVS_ATTR_MAC]);
	if (!is_valid_ether_addr(addr)) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[KVS_ATTR_MAC],
				    "MAC must be unicast");
		return ERR_PTR(-EINVAL);
	}
	return addr;
}

/* Remote VTEPs live behind the fabric port, which is not there yet */
static int kvs_nl_fdb_no_remote(struct genl_info *info)
{
	struct nlattr *remote = info->attrs[KVS_ATTR_FDB_REMOTE_IP4] ?:
				info->attrs[KVS_ATTR_FDB_REMOTE_IP6];

	if (remote) {
		NL_SET_ERR_MSG_ATTR(info->extack, remote,
				    "fabric ports are not supported yet");
		return -EOPNOTSUPP;
	}
	return 0;
}

static int kvs_nl_fdb_new(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct nlattr **attrs = info->attrs;
	struct kvs_network *network;
	struct kvs_switch *sw;
	struct kvs_port *port;
	const u8 *addr;
	int err;

	addr = kvs_nl_fdb_mac(info);
	if (IS_ERR(addr))
		return PTR_ERR(addr);
	err = kvs_nl_fdb_no_remote(info);
	if (err)
		return err;
	if (!kvs_nl_has_port_key(attrs)) {
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, KVS_ATTR_PORT_NAME);
		GENL_SET_ERR_MSG(info, "port or remote VTEP required");
		return -EINVAL;
	}

	rtnl_lock();
	sw = kvs_nl_switch(net, attrs, true, info->extack);
	if (IS_ERR(sw)) {
		err = PTR_ERR(sw);
		goto out;
	}
	network = kvs_nl_network(sw, attrs, info->extack);
	if (IS_ERR(network)) {
		err = PTR_ERR(network);
		goto out;
	}
	port = kvs_nl_port(net, sw, attrs, info->extack);
	if (IS_ERR(port)) {
		err = PTR_ERR(port);
		goto out;
	}
	if (port->type != KVS_PORT_VM || port->network != network) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    attrs[KVS_ATTR_PORT_IFINDEX] ?:
				    attrs[KVS_ATTR_PORT_NAME],
				    "port is not in that network");
		err = -EINVAL;
		goto out;
	}
	err = kvs_fdb_add_static(sw, network, addr, port, info->extack);
	if (err && !kvs_nl_has_msg(info->extack))
		GENL_SET_ERR_MSG(info, "cannot add the fdb entry");
out:
	rtnl_unlock();
	return err;
}

static int kvs_nl_fdb_del(struct sk_buff *skb, struct genl_info *info)
{
	struct kvs_network *network;
	struct kvs_switch *sw;
	const u8 *addr;
	int err;

	addr = kvs_nl_fdb_mac(info);
	if (IS_ERR(addr))
		return PTR_ERR(addr);
	err = kvs_nl_fdb_no_remote(info);
	if (err)
		return err;

	rtnl_lock();
	sw = kvs_nl_switch(genl_info_net(info), info->attrs, true,
			   info->extack);
	if (IS_ERR(sw)) {
		err = PTR_ERR(sw);
		goto out;
	}
	network = kvs_nl_network(sw, info->attrs, info->extack);
	if (IS_ERR(network)) {
		err = PTR_ERR(network);
		goto out;
	}
	err = kvs_fdb_delete(sw, network->id, addr, info->extack);
	if (err && !kvs_nl_has_msg(info->extack))
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[KVS_ATTR_MAC],
				    "no such fdb entry");
out:
	rtnl_unlock();
	return err;
}

/* ---- stats ---- */

/* A port's counters (port message) or a switch's totals (switch message) */
static int kvs_nl_stats_get(struct sk_buff *skb, struct genl_info *info)
{
	struct kvs_nl_ctx ctx = kvs_reply_ctx(info);
	struct net *net = genl_info_net(info);
	struct kvs_switch *sw;
	struct kvs_port *port;
	struct sk_buff *msg;
	int err;

	msg = genlmsg_new(max(kvs_port_msg_size(), kvs_switch_msg_size()),
			  GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	rtnl_lock();
	sw = kvs_nl_switch(net, info->attrs, false, info->extack);
	if (IS_ERR(sw)) {
		err = PTR_ERR(sw);
		goto out;
	}
	if (kvs_nl_has_port_key(info->attrs)) {
		port = kvs_nl_port(net, sw, info->attrs, info->extack);
		if (IS_ERR(port)) {
			err = PTR_ERR(port);
			goto out;
		}
		err = kvs_port_fill(msg, port, &ctx);
	} else if (sw) {
		err = kvs_switch_fill(msg, sw, &ctx);
	} else {
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, KVS_ATTR_SWITCH_NAME);
		GENL_SET_ERR_MSG(info, "switch or port required");
		err = -EINVAL;
	}
out:
	rtnl_unlock();
	return kvs_nl_reply(info, msg, err);
}

/* ---- the family ---- */

static const struct genl_ops kvs_genl_ops[] = {
	{
		.cmd		= KVS_CMD_SWITCH_NEW,
		.flags		= GENL_UNS_ADMIN_PERM,
		.policy		= kvs_switch_new_policy,
		.maxattr	= KVS_ATTR_MAX,
		.doit		= kvs_nl_switch_new,
	},
	{
		.cmd		= KVS_CMD_SWITCH_DEL,
		.flags		= GENL_UNS_ADMIN_PERM,
		.policy		= kvs_switch_key_policy,
		.maxattr	= KVS_ATTR_MAX,
		.doit		= kvs_nl_switch_del,
	},
	{
		.cmd		= KVS_CMD_SWITCH_GET,
		.policy		= kvs_switch_key_policy,
		.maxattr	= KVS_ATTR_MAX,
		.doit		= kvs_nl_switch_get,
		.dumpit		= kvs_nl_switch_dump,
	},
	{
		.cmd		= KVS_CMD_SWITCH_SET,
		.flags		= GENL_UNS_ADMIN_PERM,
		.policy		= kvs_switch_set_policy,
		.maxattr	= KVS_ATTR_MAX,
		.doit		= kvs_nl_switch_set,
	},
	{
		.cmd		= KVS_CMD_NET_NEW,
		.flags		= GENL_UNS_ADMIN_PERM,
		.policy		= kvs_net_new_policy,
		.maxattr	= KVS_ATTR_MAX,
		.doit		= kvs_nl_net_new,
	},
	{
		.cmd		= KVS_CMD_NET_DEL,
		.flags		= GENL_UNS_ADMIN_PERM,
		.policy		= kvs_net_key_policy,
		.maxattr	= KVS_ATTR_MAX,
		.doit		= kvs_nl_net_del,
	},
	{
		.cmd		= KVS_CMD_NET_GET,
		.policy		= kvs_net_key_policy,
		.maxattr	= KVS_ATTR_MAX,
		.doit		= kvs_nl_net_get,
		.dumpit		= kvs_nl_net_dump,
	},
	{
		.cmd		= KVS_CMD_PORT_NEW,
		.flags		= GENL_UNS_ADMIN_PERM,
		.policy		= kvs_port_new_policy,
		.maxattr	= KVS_ATTR_MAX,
		.doit		= kvs_nl_port_new,
	},
	{
		.cmd		= KVS_CMD_PORT_DEL,
		.flags		= GENL_UNS_ADMIN_PERM,
		.policy		= kvs_port_key_policy,
		.maxattr	= KVS_ATTR_MAX,
		.doit		= kvs_nl_port_del,
	},
	{
		.cmd		= KVS_CMD_PORT_GET,
		.policy		= kvs_port_key_policy,
		.maxattr	= KVS_ATTR_MAX,
		.doit		= kvs_nl_port_get,
		.dumpit		= kvs_nl_port_dump,
	},
	{
		.cmd		= KVS_CMD_PORT_SET,
		.flags		= GENL_UNS_ADMIN_PERM,
		.policy		= kvs_port_set_policy,
		.maxattr	= KVS_ATTR_MAX,
		.doit		= kvs_nl_port_set,
	},
	{
		.cmd		= KVS_CMD_FDB_NEW,
		.flags		= GENL_UNS_ADMIN_PERM,
		.policy		= kvs_fdb_new_policy,
		.maxattr	= KVS_ATTR_MAX,
		.doit		= kvs_nl_fdb_new,
	},
	{
		.cmd		= KVS_CMD_FDB_DEL,
		.flags		= GENL_UNS_ADMIN_PERM,
		.policy		= kvs_fdb_del_policy,
		.maxattr	= KVS_ATTR_MAX,
		.doit		= kvs_nl_fdb_del,
	},
	{
		.cmd		= KVS_CMD_FDB_GET,
		.policy		= kvs_net_key_policy,
		.maxattr	= KVS_ATTR_MAX,
		.dumpit		= kvs_nl_fdb_dump,
	},
	{
		.cmd		= KVS_CMD_STATS_GET,
		.policy		= kvs_port_key_policy,
		.maxattr	= KVS_ATTR_MAX,
		.doit		= kvs_nl_stats_get,
		.dumpit		= kvs_nl_port_dump,
	},
};

static const struct genl_multicast_group kvs_genl_mcgrps[] = {
	[KVS_NL_MCGRP_EVENTS] = { .name = KVS_GENL_MCGRP_EVENTS },
};

static struct genl_family kvs_genl_family __ro_after_init = {
	.name		= KVS_GENL_NAME,
	.version	= KVS_GENL_VERSION,
	.maxattr	= KVS_ATTR_MAX,
	.netnsok	= true,
	.resv_start_op	= 0,	/* strict validation of every command */
	.module		= THIS_MODULE,
	.ops		= kvs_genl_ops,
	.n_ops		= ARRAY_SIZE(kvs_genl_ops),
	.mcgrps		= kvs_genl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(kvs_genl_mcgrps),
};

/* ---- notifications ---- */

static bool kvs_nl_listening(struct net *net)
{
	return READ_ONCE(kvs_genl_live) &&
	       genl_has_listeners(&kvs_genl_family, net, KVS_NL_MCGRP_EVENTS);
}

/* Send an event, or tell the listeners they lost one (@skb NULL) */
static void kvs_nl_multicast(struct net *net, struct sk_buff *skb)
{
	/* kvs_genl_exit() clears kvs_genl_live, then waits for this section */
	rcu_read_lock();
	if (!READ_ONCE(kvs_genl_live))
		nlmsg_free(skb);
	else if (skb)
		genlmsg_multicast_netns(&kvs_genl_family, net, skb, 0,
					KVS_NL_MCGRP_EVENTS, GFP_ATOMIC);
	else
		genl_set_err(&kvs_genl_family, net, 0, KVS_NL_MCGRP_EVENTS,
			     -ENOBUFS);
	rcu_read_unlock();
}

/* An event message, or NULL after telling the listeners they lost one */
static struct sk_buff *kvs_nl_event_new(struct net *net, size_t size,
					gfp_t gfp)
{
	struct sk_buff *skb = genlmsg_new(size, gfp);

	if (!skb)
		kvs_nl_multicast(net, NULL);
	return skb;
}

/* A fill that fails on a message sized for it is a bug here */
static void kvs_nl_notify_done(struct net *net, struct sk_buff *skb, int err)
{
	if (WARN_ON_ONCE(err)) {
		nlmsg_free(skb);
		skb = NULL;
	}
	kvs_nl_multicast(net, skb);
}

/* RTNL: SWITCH_NEW, SWITCH_DEL */
void kvs_notify_switch(struct kvs_switch *sw, u8 cmd)
{
	struct kvs_nl_ctx ctx = { .cmd = cmd };
	struct net *net = dev_net(sw->dev);
	struct sk_buff *skb;

	if (!kvs_nl_listening(net))
		return;

	skb = kvs_nl_event_new(net, kvs_switch_msg_size(), GFP_KERNEL);
	if (!skb)
		return;
	kvs_nl_notify_done(net, skb, kvs_switch_fill(skb, sw, &ctx));
}

/* RTNL: NET_NEW, NET_DEL */
void kvs_notify_network(struct kvs_network *network, u8 cmd)
{
	struct net *net = dev_net(network->sw->dev);
	struct kvs_nl_ctx ctx = { .cmd = cmd };
	struct sk_buff *skb;

	if (!kvs_nl_listening(net))
		return;

	skb = kvs_nl_event_new(net, kvs_network_msg_size(), GFP_KERNEL);
	if (!skb)
		return;
	kvs_nl_notify_done(net, skb, kvs_network_fill(skb, network, &ctx));
}

/* RTNL: PORT_NEW (attached), PORT_DEL (detached) */
void kvs_notify_port(struct kvs_port *port, u8 cmd)
{
	struct net *net = dev_net(port->sw->dev);
	struct kvs_nl_ctx ctx = { .cmd = cmd };
	struct sk_buff *skb;

	if (!kvs_nl_listening(net))
		return;

	skb = kvs_nl_event_new(net, kvs_port_msg_size(), GFP_KERNEL);
	if (!skb)
		return;
	kvs_nl_notify_done(net, skb, kvs_port_fill(skb, port, &ctx));
}

/* FDB_NEW (learned, added), FDB_DEL (aged, flushed, removed); any context */
void kvs_notify_fdb(struct kvs_switch *sw, const struct kvs_fdb_entry *f,
		    u8 cmd, gfp_t gfp)
{
	struct kvs_nl_ctx ctx = { .cmd = cmd };
	struct net *net = dev_net(sw->dev);
	struct sk_buff *skb;
	int err;

	if (!kvs_nl_listening(net))
		return;

	skb = kvs_nl_event_new(net, kvs_fdb_msg_size(), gfp);
	if (!skb)
		return;
	/* callers may hold only fdb_lock: f->port needs an RCU section */
	rcu_read_lock();
	err = kvs_fdb_fill(skb, sw, f, &ctx);
	rcu_read_unlock();
	kvs_nl_notify_done(net, skb, err);
}

/* Softirq, under RCU: a frame refused by policy, rate limited per port */
void kvs_notify_policy_drop(struct kvs_port *port, const u8 *src,
			    enum kvs_drop_reason reason)
{
	const struct kvs_network *network = READ_ONCE(port->network);
	struct net *net = dev_net(port->sw->dev);
	struct sk_buff *skb;
	void *hdr;

	if (!kvs_nl_listening(net) || !__ratelimit(&port->event_rs))
		return;

	skb = kvs_nl_event_new(net, kvs_policy_drop_msg_size(), GFP_ATOMIC);
	if (!skb)
		return;

	hdr = genlmsg_put(skb, 0, 0, &kvs_genl_family, 0,
			  KVS_CMD_POLICY_DROP);
	if (!hdr)
		goto fail;

	if (kvs_put_switch_key(skb, port->sw) ||
	    kvs_put_port_key(skb, port) ||
	    (network && nla_put_u32(skb, KVS_ATTR_NET_ID, network->id)) ||
	    nla_put(skb, KVS_ATTR_MAC, ETH_ALEN, src) ||
	    nla_put_u32(skb, KVS_ATTR_DROP_REASON, reason))
		goto fail;

	genlmsg_end(skb, hdr);
	kvs_nl_notify_done(net, skb, 0);
	return;

fail:
	kvs_nl_notify_done(net, skb, -EMSGSIZE);
}

int kvs_genl_init(void)
{
	int err;

	err = genl_register_family(&kvs_genl_family);
	if (err)
		return err;

	WRITE_ONCE(kvs_genl_live, true);
	return 0;
}

/*
 * Runs before the switches are torn down: their events become no-ops. A
 * sender that saw kvs_genl_live set is inside an RCU section until it has
 * sent; wait for it before the family (and its group) goes away.
 */
void kvs_genl_exit(void)
{
	WRITE_ONCE(kvs_genl_live, false);
	synchronize_rcu();
	genl_unregister_family(&kvs_genl_family);
}
