// SPDX-License-Identifier: GPL-2.0
/*
 * kvs: the "kvs" generic netlink family: policies, operations, and the
 * pre_doit/post_doit pair that every doit runs between.
 *
 * Every request is validated strictly against a per-command policy that
 * lists only the attributes that command takes. pre_doit takes RTNL and
 * resolves what the op's internal_flags ask for (switch, network, port)
 * into info->user_ptr[], so that handlers (nl_cmds.c) start with their
 * objects; post_doit drops RTNL. Dumps (nl_dump.c) parse their filters
 * once in .start; the fdb dump runs under RCU only. The family has
 * parallel_ops: handlers and dumps do their own locking.
 */

#include <linux/rtnetlink.h>
#include <net/genetlink.h>
#include <net/netns/generic.h>

#include "nl.h"

/* ---- policies ---- */

static struct netlink_range_validation kvs_ifindex_range = {
	.min = 1,
	.max = INT_MAX,
};

static struct netlink_range_validation kvs_net_id_range = {
	.min = KVS_NET_ID_MIN,
	.max = KVS_NET_ID_MAX,
};

static struct netlink_range_validation kvs_batch_range = {
	.min = 1,
	.max = KVS_BATCH_MAX,
};

static struct netlink_range_validation kvs_ageing_range = {
	.min = 0,
	.max = KVS_AGEING_TIME_MAX,
};

#define KVS_POLICY_IFINDEX	NLA_POLICY_FULL_RANGE(NLA_U32, &kvs_ifindex_range)
#define KVS_POLICY_IFNAME	{ .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 }
#define KVS_POLICY_NET_ID	NLA_POLICY_FULL_RANGE(NLA_U32, &kvs_net_id_range)
#define KVS_POLICY_AGEING	NLA_POLICY_FULL_RANGE(NLA_U32, &kvs_ageing_range)
#define KVS_POLICY_BATCH	NLA_POLICY_FULL_RANGE(NLA_U32, &kvs_batch_range)
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
	[KVS_ATTR_SWITCH_BATCH]		= KVS_POLICY_BATCH,
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
	[KVS_ATTR_SWITCH_BATCH]		= KVS_POLICY_BATCH,
};

static const struct nla_policy kvs_net_new_policy[KVS_ATTR_MAX + 1] = {
	[KVS_ATTR_SWITCH_IFINDEX]	= KVS_POLICY_IFINDEX,
	[KVS_ATTR_SWITCH_NAME]		= KVS_POLICY_IFNAME,
	[KVS_ATTR_NET_ID]		= KVS_POLICY_NET_ID,
	[KVS_ATTR_NET_LABEL]		= { .type = NLA_NUL_STRING,
					    .len = KVS_LABEL_MAX - 1 },
	[KVS_ATTR_NET_MAX_MACS]		= { .type = NLA_U32 },
};

static const struct nla_policy kvs_net_set_policy[KVS_ATTR_MAX + 1] = {
	[KVS_ATTR_SWITCH_IFINDEX]	= KVS_POLICY_IFINDEX,
	[KVS_ATTR_SWITCH_NAME]		= KVS_POLICY_IFNAME,
	[KVS_ATTR_NET_ID]		= KVS_POLICY_NET_ID,
	[KVS_ATTR_NET_MAX_MACS]		= { .type = NLA_U32 },
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
	[KVS_ATTR_PORT_GROUP_FWD_MASK]	= { .type = NLA_U16 },
	[KVS_ATTR_PORT_FABRIC]		= NLA_POLICY_NESTED(kvs_fabric_policy),
	[KVS_ATTR_PORT_PEERS]		= NLA_POLICY_MAX(NLA_U8, KVS_PEERS_MAX),
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
	[KVS_ATTR_PORT_GROUP_FWD_MASK]	= { .type = NLA_U16 },
	[KVS_ATTR_PORT_PEERS]		= NLA_POLICY_MAX(NLA_U8, KVS_PEERS_MAX),
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
	[KVS_ATTR_FDB_ORIGIN]		= NLA_POLICY_MAX(NLA_U8,
							 KVS_FDB_ORIGIN_MAX),
};

static const struct nla_policy kvs_fdb_del_policy[KVS_ATTR_MAX + 1] = {
	[KVS_ATTR_SWITCH_IFINDEX]	= KVS_POLICY_IFINDEX,
	[KVS_ATTR_SWITCH_NAME]		= KVS_POLICY_IFNAME,
	[KVS_ATTR_NET_ID]		= KVS_POLICY_NET_ID,
	[KVS_ATTR_MAC]			= NLA_POLICY_ETH_ADDR,
	[KVS_ATTR_FDB_REMOTE_IP4]	= { .type = NLA_BE32 },
	[KVS_ATTR_FDB_REMOTE_IP6]	= KVS_POLICY_IP6,
	[KVS_ATTR_FDB_ORIGIN]		= NLA_POLICY_MAX(NLA_U8,
							 KVS_FDB_ORIGIN_MAX),
};

/* ---- look-ups, each refusal with its errno and message ---- */

struct list_head *kvs_nl_switches(struct net *net)
{
	struct kvs_pernet *pn = net_generic(net, kvs_pernet_id);

	return &pn->switches;
}

/* The live switch behind @dev (which may be NULL), or NULL; RCU or RTNL */
struct kvs_switch *kvs_nl_live_switch(struct net_device *dev)
{
	struct kvs_switch *sw = dev ? kvs_switch_from_dev(dev) : NULL;

	/* a switch being torn down is gone already */
	return sw && READ_ONCE(sw->live) ? sw : NULL;
}

/*
 * The switch named by SWITCH_IFINDEX and/or SWITCH_NAME; NULL when neither
 * is given and @required is false. The caller holds RTNL or RCU, which
 * keeps the switch valid (it is freed after a grace period, under RTNL).
 */
struct kvs_switch *kvs_nl_switch(struct net *net, struct nlattr **attrs,
				 bool required, struct netlink_ext_ack *extack)
{
	struct nlattr *ifindex = attrs[KVS_ATTR_SWITCH_IFINDEX];
	struct nlattr *name = attrs[KVS_ATTR_SWITCH_NAME];
	struct net_device *dev;
	struct kvs_switch *sw;
	bool mismatch = false;

	if (!ifindex && !name) {
		if (!required)
			return NULL;
		NL_SET_ERR_ATTR_MISS(extack, NULL, KVS_ATTR_SWITCH_NAME);
		NL_SET_ERR_MSG(extack, "switch name or ifindex required");
		return ERR_PTR(-EINVAL);
	}

	rcu_read_lock();
	if (ifindex) {
		dev = dev_get_by_index_rcu(net, nla_get_u32(ifindex));
		sw = kvs_nl_live_switch(dev);
		/* the policy guarantees a NUL-terminated name */
		mismatch = sw && name && strcmp(nla_data(name), sw->dev->name);
	} else {
		dev = dev_get_by_name_rcu(net, nla_data(name));
		sw = kvs_nl_live_switch(dev);
	}
	rcu_read_unlock();

	if (!sw) {
		NL_SET_ERR_MSG_ATTR(extack, ifindex ?: name, "no such switch");
		return ERR_PTR(-ENODEV);
	}
	if (mismatch) {
		NL_SET_ERR_MSG_ATTR(extack, name,
				    "switch name and ifindex do not match");
		return ERR_PTR(-EINVAL);
	}
	return sw;
}

/* The network NET_ID of @sw; NET_ID is required */
struct kvs_network *kvs_nl_network(struct kvs_switch *sw,
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

bool kvs_nl_has_port_key(struct nlattr **attrs)
{
	return attrs[KVS_ATTR_PORT_IFINDEX] || attrs[KVS_ATTR_PORT_NAME];
}

/* RTNL: the netdev named by PORT_IFINDEX and/or PORT_NAME in @net */
struct net_device *kvs_nl_dev(struct net *net, struct nlattr **attrs,
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

/* RTNL: the kvs port named by PORT_*; when @sw is given it must be on it */
struct kvs_port *kvs_nl_port(struct net *net, struct kvs_switch *sw,
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

/* ---- pre_doit, post_doit ---- */

/* Take RTNL and resolve the op's objects (KVS_NL_F_*) into user_ptr[] */
static int kvs_nl_pre_doit(const struct kvs_genl_split_ops *ops, struct sk_buff *skb,
			   struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	u8 flags = ops->internal_flags;
	struct kvs_switch *sw = NULL;
	void *obj = NULL;

	rtnl_lock();

	if (flags & (KVS_NL_F_SWITCH | KVS_NL_F_SWITCH_OPT)) {
		sw = kvs_nl_switch(net, info->attrs, flags & KVS_NL_F_SWITCH,
				   info->extack);
		if (IS_ERR(sw))
			goto fail_sw;
	}

	if (flags & KVS_NL_F_NET)
		obj = kvs_nl_network(sw, info->attrs, info->extack);
	else if (flags & KVS_NL_F_PORT)
		obj = kvs_nl_port(net, sw, info->attrs, info->extack);
	if (IS_ERR(obj)) {
		rtnl_unlock();
		return PTR_ERR(obj);
	}

	info->user_ptr[0] = sw;
	info->user_ptr[1] = obj;
	return 0;

fail_sw:
	rtnl_unlock();
	return PTR_ERR(sw);
}

static void kvs_nl_post_doit(const struct kvs_genl_split_ops *ops,
			     struct sk_buff *skb, struct genl_info *info)
{
	rtnl_unlock();
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
		.internal_flags	= KVS_NL_F_SWITCH,
		.policy		= kvs_switch_key_policy,
		.maxattr	= KVS_ATTR_MAX,
		.doit		= kvs_nl_switch_del,
	},
	{
		.cmd		= KVS_CMD_SWITCH_GET,
		.internal_flags	= KVS_NL_F_SWITCH,
		.policy		= kvs_switch_key_policy,
		.maxattr	= KVS_ATTR_MAX,
		.doit		= kvs_nl_switch_get,
		.start		= kvs_nl_dump_start,
		.dumpit		= kvs_nl_switch_dump,
	},
	{
		.cmd		= KVS_CMD_SWITCH_SET,
		.flags		= GENL_UNS_ADMIN_PERM,
		.internal_flags	= KVS_NL_F_SWITCH,
		.policy		= kvs_switch_set_policy,
		.maxattr	= KVS_ATTR_MAX,
		.doit		= kvs_nl_switch_set,
	},
	{
		.cmd		= KVS_CMD_NET_NEW,
		.flags		= GENL_UNS_ADMIN_PERM,
		.internal_flags	= KVS_NL_F_SWITCH,
		.policy		= kvs_net_new_policy,
		.maxattr	= KVS_ATTR_MAX,
		.doit		= kvs_nl_net_new,
	},
	{
		.cmd		= KVS_CMD_NET_DEL,
		.flags		= GENL_UNS_ADMIN_PERM,
		.internal_flags	= KVS_NL_F_SWITCH | KVS_NL_F_NET,
		.policy		= kvs_net_key_policy,
		.maxattr	= KVS_ATTR_MAX,
		.doit		= kvs_nl_net_del,
	},
	{
		.cmd		= KVS_CMD_NET_GET,
		.internal_flags	= KVS_NL_F_SWITCH | KVS_NL_F_NET,
		.policy		= kvs_net_key_policy,
		.maxattr	= KVS_ATTR_MAX,
		.doit		= kvs_nl_net_get,
		.start		= kvs_nl_dump_start,
		.dumpit		= kvs_nl_net_dump,
	},
	{
		.cmd		= KVS_CMD_NET_SET,
		.flags		= GENL_UNS_ADMIN_PERM,
		.internal_flags	= KVS_NL_F_SWITCH | KVS_NL_F_NET,
		.policy		= kvs_net_set_policy,
		.maxattr	= KVS_ATTR_MAX,
		.doit		= kvs_nl_net_set,
	},
	{
		/* the network is looked up after the fabric refusal */
		.cmd		= KVS_CMD_PORT_NEW,
		.flags		= GENL_UNS_ADMIN_PERM,
		.internal_flags	= KVS_NL_F_SWITCH,
		.policy		= kvs_port_new_policy,
		.maxattr	= KVS_ATTR_MAX,
		.doit		= kvs_nl_port_new,
	},
	{
		.cmd		= KVS_CMD_PORT_DEL,
		.flags		= GENL_UNS_ADMIN_PERM,
		.internal_flags	= KVS_NL_F_SWITCH_OPT | KVS_NL_F_PORT,
		.policy		= kvs_port_key_policy,
		.maxattr	= KVS_ATTR_MAX,
		.doit		= kvs_nl_port_del,
	},
	{
		.cmd		= KVS_CMD_PORT_GET,
		.internal_flags	= KVS_NL_F_SWITCH_OPT | KVS_NL_F_PORT,
		.policy		= kvs_port_key_policy,
		.maxattr	= KVS_ATTR_MAX,
		.doit		= kvs_nl_port_get,
		.start		= kvs_nl_dump_start,
		.dumpit		= kvs_nl_port_dump,
	},
	{
		.cmd		= KVS_CMD_PORT_SET,
		.flags		= GENL_UNS_ADMIN_PERM,
		.internal_flags	= KVS_NL_F_SWITCH_OPT | KVS_NL_F_PORT,
		.policy		= kvs_port_set_policy,
		.maxattr	= KVS_ATTR_MAX,
		.doit		= kvs_nl_port_set,
	},
	{
		/* the port is looked up after the MAC and remote checks */
		.cmd		= KVS_CMD_FDB_NEW,
		.flags		= GENL_UNS_ADMIN_PERM,
		.internal_flags	= KVS_NL_F_SWITCH | KVS_NL_F_NET,
		.policy		= kvs_fdb_new_policy,
		.maxattr	= KVS_ATTR_MAX,
		.doit		= kvs_nl_fdb_new,
	},
	{
		.cmd		= KVS_CMD_FDB_DEL,
		.flags		= GENL_UNS_ADMIN_PERM,
		.internal_flags	= KVS_NL_F_SWITCH | KVS_NL_F_NET,
		.policy		= kvs_fdb_del_policy,
		.maxattr	= KVS_ATTR_MAX,
		.doit		= kvs_nl_fdb_del,
	},
	{
		.cmd		= KVS_CMD_FDB_GET,
		.policy		= kvs_net_key_policy,
		.maxattr	= KVS_ATTR_MAX,
		.start		= kvs_nl_dump_start,
		.dumpit		= kvs_nl_fdb_dump,
	},
	{
		.cmd		= KVS_CMD_STATS_GET,
		.internal_flags	= KVS_NL_F_SWITCH_OPT,
		.policy		= kvs_port_key_policy,
		.maxattr	= KVS_ATTR_MAX,
		.doit		= kvs_nl_stats_get,
		.start		= kvs_nl_dump_start,
		.dumpit		= kvs_nl_port_dump,
	},
};

/*
 * Anyone in the namespace may listen, as to the bridge's and the vxlan
 * device's RTM_NEWNEIGH: what kvs reveals, it reveals to the namespace
 * (design.md, "Who may see what"), never beyond it.
 */
static const struct genl_multicast_group kvs_genl_mcgrps[] = {
	[KVS_NL_MCGRP_EVENTS] = {
		.name	= KVS_GENL_MCGRP_EVENTS,
	},
};

struct genl_family kvs_genl_family __ro_after_init = {
	.name		= KVS_GENL_NAME,
	.version	= KVS_GENL_VERSION,
	.maxattr	= KVS_ATTR_MAX,
	.netnsok	= true,
	.parallel_ops	= true,	/* pre_doit and the dumps lock for themselves */
	.resv_start_op	= 0,	/* strict validation of every command */
	.module		= THIS_MODULE,
	.pre_doit	= kvs_nl_pre_doit,
	.post_doit	= kvs_nl_post_doit,
	.ops		= kvs_genl_ops,
	.n_ops		= ARRAY_SIZE(kvs_genl_ops),
	.mcgrps		= kvs_genl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(kvs_genl_mcgrps),
};

/* ---- message headers, for every reply, dump round and event ---- */

struct kvs_nl_ctx kvs_nl_reply_ctx(struct genl_info *info)
{
	return (struct kvs_nl_ctx) {
		.portid = info->snd_portid,
		.seq = info->snd_seq,
		.cmd = info->genlhdr->cmd,
		.names = true,
	};
}

struct kvs_nl_ctx kvs_nl_dump_ctx(struct netlink_callback *cb, bool names)
{
	const struct genlmsghdr *ghdr = nlmsg_data(cb->nlh);

	return (struct kvs_nl_ctx) {
		.cb = cb,
		.portid = NETLINK_CB(cb->skb).portid,
		.seq = cb->nlh->nlmsg_seq,
		.flags = NLM_F_MULTI,
		.cmd = ghdr->cmd,
		.names = names,
	};
}

int kvs_genl_init(void)
{
	int err;

	err = genl_register_family(&kvs_genl_family);
	if (err)
		return err;

	kvs_notify_enable();
	return 0;
}

/*
 * Runs before the switches are torn down: their events become no-ops, and
 * senders that were already past the check have sent before the family
 * (and its group) goes away.
 */
void kvs_genl_exit(void)
{
	kvs_notify_disable();
	genl_unregister_family(&kvs_genl_family);
}
