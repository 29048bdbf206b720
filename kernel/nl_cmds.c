// SPDX-License-Identifier: GPL-2.0
/*
 * kvs: doit handlers of the "kvs" family. They run under RTNL with their
 * objects already resolved by pre_doit (netlink.c); they check what the
 * policy cannot (required attributes, unicast MACs, combinations) and hand
 * the change to switch.c, port.c or fdb.c, which also send the events.
 */

#include <linux/rtnetlink.h>
#include <net/genetlink.h>
#include <net/ipv6.h>

#include "nl.h"

/*
 * Core functions set their own message; make sure every refusal has one.
 * A macro: extack messages are string literals.
 */
#define kvs_nl_msg(info, err, text)					\
	({								\
		struct genl_info *__info = (info);			\
		int __err = (err);					\
									\
		if (__err && !__info->extack->_msg)			\
			GENL_SET_ERR_MSG(__info, text);			\
		__err;							\
	})

/* Reply with one message, or free it and return @err */
static int kvs_nl_reply(struct genl_info *info, struct sk_buff *msg, int err)
{
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/* ---- switch ---- */

int kvs_nl_switch_new(struct sk_buff *skb, struct genl_info *info)
{
	u32 ageing = KVS_AGEING_TIME_DEFAULT, batch = KVS_BATCH_DEFAULT;
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
	if (attrs[KVS_ATTR_SWITCH_BATCH])
		batch = nla_get_u32(attrs[KVS_ATTR_SWITCH_BATCH]);

	err = kvs_switch_create(genl_info_net(info), name, ageing, batch,
				info->extack);
	return kvs_nl_msg(info, err, "cannot create the switch");
}

int kvs_nl_switch_del(struct sk_buff *skb, struct genl_info *info)
{
	kvs_switch_destroy(kvs_nl_info_switch(info));
	return 0;
}

int kvs_nl_switch_set(struct sk_buff *skb, struct genl_info *info)
{
	struct kvs_switch *sw = kvs_nl_info_switch(info);
	struct nlattr **attrs = info->attrs;
	int err;

	if (!attrs[KVS_ATTR_AGEING_TIME] && !attrs[KVS_ATTR_SWITCH_BATCH]) {
		GENL_SET_ERR_MSG(info, "nothing to change: ageing time or batch required");
		return -EINVAL;
	}
	/* the one that can fail first: all or nothing */
	if (attrs[KVS_ATTR_SWITCH_BATCH]) {
		err = kvs_switch_set_batch(sw,
					   nla_get_u32(attrs[KVS_ATTR_SWITCH_BATCH]),
					   info->extack);
		if (err)
			return err;
	}
	if (attrs[KVS_ATTR_AGEING_TIME])
		kvs_switch_set_ageing(sw,
				      nla_get_u32(attrs[KVS_ATTR_AGEING_TIME]));
	/* both are in the switch's link info: one RTM_NEWLINK */
	kvs_link_info_changed(sw->dev);
	kvs_notify_switch(sw, KVS_CMD_SWITCH_SET);
	return 0;
}

int kvs_nl_switch_get(struct sk_buff *skb, struct genl_info *info)
{
	struct kvs_nl_ctx ctx = kvs_nl_reply_ctx(info);
	struct sk_buff *msg;

	msg = genlmsg_new(kvs_switch_msg_size(), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	return kvs_nl_reply(info, msg, kvs_switch_fill(msg,
						       kvs_nl_info_switch(info),
						       &ctx));
}

/* ---- network ---- */

int kvs_nl_net_new(struct sk_buff *skb, struct genl_info *info)
{
	struct kvs_switch *sw = kvs_nl_info_switch(info);
	u32 max_macs = KVS_NET_MAX_MACS_DEFAULT;
	struct nlattr **attrs = info->attrs;
	const char *label = "";
	int err;
	u32 id;

	if (GENL_REQ_ATTR_CHECK(info, KVS_ATTR_NET_ID)) {
		GENL_SET_ERR_MSG(info, "network id required");
		return -EINVAL;
	}
	id = nla_get_u32(attrs[KVS_ATTR_NET_ID]);
	if (attrs[KVS_ATTR_NET_LABEL])
		label = nla_data(attrs[KVS_ATTR_NET_LABEL]);
	if (attrs[KVS_ATTR_NET_MAX_MACS])
		max_macs = nla_get_u32(attrs[KVS_ATTR_NET_MAX_MACS]);

	if (kvs_network_find(sw, id)) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[KVS_ATTR_NET_ID],
				    "network already exists on this switch");
		return -EEXIST;
	}
	err = kvs_network_create(sw, id, label, max_macs, info->extack);
	return kvs_nl_msg(info, err, "cannot create the network");
}

int kvs_nl_net_del(struct sk_buff *skb, struct genl_info *info)
{
	kvs_network_destroy(kvs_nl_info_network(info));
	return 0;
}

int kvs_nl_net_set(struct sk_buff *skb, struct genl_info *info)
{
	struct kvs_network *network;
	u32 max_macs;

	if (GENL_REQ_ATTR_CHECK(info, KVS_ATTR_NET_MAX_MACS)) {
		GENL_SET_ERR_MSG(info, "max-macs required");
		return -EINVAL;
	}
	network = kvs_nl_info_network(info);
	max_macs = nla_get_u32(info->attrs[KVS_ATTR_NET_MAX_MACS]);
	kvs_network_set_max_macs(network, max_macs);
	kvs_notify_network(network, KVS_CMD_NET_SET);
	/* done, but say what the new limit does not do */
	if (max_macs && atomic_read(&network->learned) > max_macs)
		GENL_SET_ERR_MSG(info,
				 "more MACs are learned than the new max-macs: they stay until they age out");
	return 0;
}

int kvs_nl_net_get(struct sk_buff *skb, struct genl_info *info)
{
	struct kvs_nl_ctx ctx = kvs_nl_reply_ctx(info);
	struct sk_buff *msg;

	msg = genlmsg_new(kvs_network_msg_size(), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	return kvs_nl_reply(info, msg,
			    kvs_network_fill(msg, kvs_nl_info_network(info),
					     &ctx));
}

/* ---- port ---- */

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

	if (attrs[KVS_ATTR_PORT_GROUP_FWD_MASK]) {
		nla = attrs[KVS_ATTR_PORT_GROUP_FWD_MASK];
		cfg->has_group_fwd_mask = true;
		cfg->group_fwd_mask = nla_get_u16(nla);
		if (cfg->group_fwd_mask & KVS_GROUP_FWD_RESTRICTED) {
			NL_SET_ERR_MSG_ATTR(extack, nla,
					    "group-fwd-mask cannot forward STP, PAUSE or LACP (bits 0-2)");
			return -EINVAL;
		}
	}

	if (attrs[KVS_ATTR_PORT_BUM_LIMIT]) {
		cfg->has_bum_limit = true;
		cfg->bum_limit = nla_get_u32(attrs[KVS_ATTR_PORT_BUM_LIMIT]);
	}

	return 0;
}

/* An address of the fabric nest or of FDB_NEW/DEL: IPv4 or IPv6 */
static void kvs_nl_ip(struct nlattr *ip4, struct nlattr *ip6,
		      struct kvs_ip *ip)
{
	memset(ip, 0, sizeof(*ip));
	if (ip4) {
		ip->family = AF_INET;
		ip->ip4 = nla_get_in_addr(ip4);
	} else if (ip6) {
		ip->family = AF_INET6;
		ip->ip6 = nla_get_in6_addr(ip6);
	}
}

/* PORT_NEW of a fabric port: the KVS_ATTR_PORT_FABRIC nest */
static int kvs_nl_fabric_cfg(struct nlattr **attrs, struct kvs_fabric_cfg *cfg,
			     struct netlink_ext_ack *extack)
{
	struct nlattr *tb[KVS_FABRIC_ATTR_MAX + 1];
	struct nlattr *nest = attrs[KVS_ATTR_PORT_FABRIC];
	int err;

	memset(cfg, 0, sizeof(*cfg));
	if (!nest) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[KVS_ATTR_PORT_TYPE],
				    "fabric port needs its fabric settings");
		return -EINVAL;
	}
	/* validated by the policy already: cannot fail */
	err = nla_parse_nested(tb, KVS_FABRIC_ATTR_MAX, nest, NULL, extack);
	if (err)
		return err;
	if (!tb[KVS_FABRIC_ATTR_ENCAP]) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "fabric encapsulation required");
		return -EINVAL;
	}
	cfg->encap = nla_get_u8(tb[KVS_FABRIC_ATTR_ENCAP]);
	cfg->learning = attrs[KVS_ATTR_PORT_LEARNING] ?
			nla_get_u8(attrs[KVS_ATTR_PORT_LEARNING]) : true;

	if (attrs[KVS_ATTR_NET_ID] || attrs[KVS_ATTR_PORT_MACS] ||
	    attrs[KVS_ATTR_PORT_MAX_MACS] || attrs[KVS_ATTR_PORT_BUM_LIMIT] ||
	    attrs[KVS_ATTR_PORT_GROUP_FWD_MASK]) {
		NL_SET_ERR_MSG(extack,
			       "a fabric port has no network, mac, max-macs, bum-limit or group-fwd-mask");
		return -EINVAL;
	}

	cfg->known_peers = attrs[KVS_ATTR_PORT_PEERS] &&
			   nla_get_u8(attrs[KVS_ATTR_PORT_PEERS]) ==
			   KVS_PEERS_KNOWN;
	if (cfg->encap == KVS_ENCAP_VLAN) {
		if (attrs[KVS_ATTR_PORT_PEERS]) {
			NL_SET_ERR_MSG_ATTR(extack, attrs[KVS_ATTR_PORT_PEERS],
					    "peers is for a vxlan fabric port");
			return -EINVAL;
		}
		if (tb[KVS_FABRIC_ATTR_LOCAL_IP4] ||
		    tb[KVS_FABRIC_ATTR_LOCAL_IP6] ||
		    tb[KVS_FABRIC_ATTR_REMOTE_IP4] ||
		    tb[KVS_FABRIC_ATTR_REMOTE_IP6] ||
		    tb[KVS_FABRIC_ATTR_DSTPORT]) {
			NL_SET_ERR_MSG_ATTR(extack, nest,
					    "a vlan fabric takes no local, remote or dstport");
			return -EINVAL;
		}
		return 0;
	}

	if ((tb[KVS_FABRIC_ATTR_LOCAL_IP4] && tb[KVS_FABRIC_ATTR_LOCAL_IP6]) ||
	    (tb[KVS_FABRIC_ATTR_REMOTE_IP4] && tb[KVS_FABRIC_ATTR_REMOTE_IP6])) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "one address each, IPv4 or IPv6");
		return -EINVAL;
	}
	kvs_nl_ip(tb[KVS_FABRIC_ATTR_LOCAL_IP4], tb[KVS_FABRIC_ATTR_LOCAL_IP6],
		  &cfg->local);
	kvs_nl_ip(tb[KVS_FABRIC_ATTR_REMOTE_IP4],
		  tb[KVS_FABRIC_ATTR_REMOTE_IP6], &cfg->remote);
	if (!cfg->local.family) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "a vxlan fabric needs its local address");
		return -EINVAL;
	}
	if (!kvs_ip_unicast(&cfg->local)) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "local must be a unicast address");
		return -EINVAL;
	}
	if (cfg->remote.family && cfg->remote.family != cfg->local.family) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "local and remote must be of one address family");
		return -EINVAL;
	}
	if (cfg->remote.family && !kvs_ip_unicast(&cfg->remote)) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "remote must be a unicast address (multicast groups are not supported)");
		return -EINVAL;
	}
	cfg->dstport = tb[KVS_FABRIC_ATTR_DSTPORT] ?
		       nla_get_u16(tb[KVS_FABRIC_ATTR_DSTPORT]) :
		       KVS_VXLAN_DSTPORT;
	return 0;
}

static int kvs_nl_port_new_fabric(struct genl_info *info)
{
	struct kvs_switch *sw = kvs_nl_info_switch(info);
	struct kvs_fabric_cfg cfg;
	struct net_device *dev;
	int err;

	err = kvs_nl_fabric_cfg(info->attrs, &cfg, info->extack);
	if (err)
		return err;
	dev = kvs_nl_dev(genl_info_net(info), info->attrs, info->extack);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	err = kvs_port_attach_fabric(sw, dev, &cfg, info->extack);
	return kvs_nl_msg(info, err, "cannot attach the fabric port");
}

int kvs_nl_port_new(struct sk_buff *skb, struct genl_info *info)
{
	struct kvs_switch *sw = kvs_nl_info_switch(info);
	struct net *net = genl_info_net(info);
	struct nlattr **attrs = info->attrs;
	struct kvs_network *network;
	struct kvs_port_cfg cfg;
	struct net_device *dev;
	int err;

	if (attrs[KVS_ATTR_PORT_TYPE] &&
	    nla_get_u8(attrs[KVS_ATTR_PORT_TYPE]) == KVS_PORT_FABRIC)
		return kvs_nl_port_new_fabric(info);
	if (attrs[KVS_ATTR_PORT_FABRIC]) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[KVS_ATTR_PORT_FABRIC],
				    "fabric settings need the fabric port type");
		return -EINVAL;
	}

	if (GENL_REQ_ATTR_CHECK(info, KVS_ATTR_NET_ID)) {
		GENL_SET_ERR_MSG(info, "network id required");
		return -EINVAL;
	}
	if (attrs[KVS_ATTR_PORT_PEERS]) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[KVS_ATTR_PORT_PEERS],
				    "peers is for a vxlan fabric port");
		return -EINVAL;
	}

	err = kvs_nl_port_cfg(attrs, &cfg, info->extack);
	if (err)
		return err;

	network = kvs_nl_network(sw, attrs, info->extack);
	if (IS_ERR(network))
		return PTR_ERR(network);
	dev = kvs_nl_dev(net, attrs, info->extack);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	err = kvs_port_attach_vm(sw, dev, network, &cfg, info->extack);
	return kvs_nl_msg(info, err, "cannot attach the port");
}

int kvs_nl_port_del(struct sk_buff *skb, struct genl_info *info)
{
	kvs_port_detach(kvs_nl_info_port(info));
	return 0;
}

int kvs_nl_port_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *peers = info->attrs[KVS_ATTR_PORT_PEERS];
	struct kvs_port *port = kvs_nl_info_port(info);
	struct kvs_port_cfg cfg;
	int err;

	err = kvs_nl_port_cfg(info->attrs, &cfg, info->extack);
	if (err)
		return err;
	if (peers && (port->type != KVS_PORT_FABRIC ||
		      !port->fabric->ops->vteps)) {
		NL_SET_ERR_MSG_ATTR(info->extack, peers,
				    "peers is for a vxlan fabric port");
		return -EINVAL;
	}

	if (port->type != KVS_PORT_VM) {
		/* a fabric port has two settings that can change */
		if (cfg.has_macs || cfg.has_max_macs || cfg.has_bum_limit ||
		    cfg.has_group_fwd_mask) {
			GENL_SET_ERR_MSG(info,
					 "a fabric port has no mac, max-macs, bum-limit or group-fwd-mask");
			return -EINVAL;
		}
		if (!cfg.has_learning && !peers) {
			GENL_SET_ERR_MSG(info,
					 "nothing to change: learning or peers required");
			return -EINVAL;
		}
		if (cfg.has_learning) {
			WRITE_ONCE(port->learning, cfg.learning);
			kvs_link_info_changed(port->dev);
		}
		if (peers)
			WRITE_ONCE(port->fabric->known_peers,
				   nla_get_u8(peers) == KVS_PEERS_KNOWN);
		kvs_switch_changed(port->sw);
		kvs_notify_port(port, KVS_CMD_PORT_SET);
		return 0;
	}
	err = kvs_port_configure(port, &cfg, info->extack);
	if (err)
		return kvs_nl_msg(info, err, "cannot configure the port");
	kvs_notify_port(port, KVS_CMD_PORT_SET);
	if (cfg.has_max_macs && cfg.max_macs &&
	    atomic_read(&port->learned) > cfg.max_macs)
		GENL_SET_ERR_MSG(info,
				 "more MACs are learned on the port than the new max-macs: they stay until they age out");
	return 0;
}

int kvs_nl_port_get(struct sk_buff *skb, struct genl_info *info)
{
	struct kvs_nl_ctx ctx = kvs_nl_reply_ctx(info);
	struct sk_buff *msg;

	msg = genlmsg_new(kvs_port_msg_size(), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	return kvs_nl_reply(info, msg, kvs_port_fill(msg, kvs_nl_info_port(info),
						     &ctx));
}

/* ---- fdb ---- */

/* MAC is required */
static const u8 *kvs_nl_fdb_mac(struct genl_info *info)
{
	if (GENL_REQ_ATTR_CHECK(info, KVS_ATTR_MAC)) {
		GENL_SET_ERR_MSG(info, "MAC required");
		return ERR_PTR(-EINVAL);
	}
	return nla_data(info->attrs[KVS_ATTR_MAC]);
}

/* The claim FDB_NEW/DEL makes or drops: KVS_ATTR_FDB_ORIGIN's */
static u32 kvs_nl_fdb_why(struct genl_info *info)
{
	struct nlattr *origin = info->attrs[KVS_ATTR_FDB_ORIGIN];

	return origin && nla_get_u8(origin) == KVS_FDB_ORIGIN_EVPN ?
	       KVS_FDB_F_EVPN : KVS_FDB_F_ADMIN;
}

/* The remote VTEP of FDB_NEW/DEL, if any; ip->family 0: none */
static int kvs_nl_fdb_remote(struct genl_info *info, struct kvs_ip *ip)
{
	struct nlattr *ip4 = info->attrs[KVS_ATTR_FDB_REMOTE_IP4];
	struct nlattr *ip6 = info->attrs[KVS_ATTR_FDB_REMOTE_IP6];

	if (ip4 && ip6) {
		NL_SET_ERR_MSG_ATTR(info->extack, ip6,
				    "one remote address, IPv4 or IPv6");
		return -EINVAL;
	}
	kvs_nl_ip(ip4, ip6, ip);
	return 0;
}

int kvs_nl_fdb_new(struct sk_buff *skb, struct genl_info *info)
{
	struct kvs_network *network = kvs_nl_info_network(info);
	struct kvs_switch *sw = kvs_nl_info_switch(info);
	struct nlattr **attrs = info->attrs;
	struct kvs_port *port;
	struct kvs_ip ip;
	const u8 *addr;
	int err;

	addr = kvs_nl_fdb_mac(info);
	if (IS_ERR(addr))
		return PTR_ERR(addr);
	err = kvs_nl_fdb_remote(info, &ip);
	if (err)
		return err;

	if (ip.family) {
		if (kvs_nl_has_port_key(attrs)) {
			GENL_SET_ERR_MSG(info, "a port or a remote, not both");
			return -EINVAL;
		}
		err = kvs_fdb_add_remote(sw, network, addr, &ip, false,
					 kvs_nl_fdb_why(info), info->extack);
		return kvs_nl_msg(info, err, "cannot add the fdb entry");
	}
	if (kvs_nl_fdb_why(info) == KVS_FDB_F_EVPN) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    attrs[KVS_ATTR_FDB_ORIGIN],
				    "an EVPN entry is at a remote VTEP");
		return -EINVAL;
	}

	if (!is_valid_ether_addr(addr)) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[KVS_ATTR_MAC],
				    "MAC must be unicast");
		return -EINVAL;
	}
	if (!kvs_nl_has_port_key(attrs)) {
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, KVS_ATTR_PORT_NAME);
		GENL_SET_ERR_MSG(info, "port or remote VTEP required");
		return -EINVAL;
	}

	port = kvs_nl_port(genl_info_net(info), sw, attrs, info->extack);
	if (IS_ERR(port))
		return PTR_ERR(port);
	if (port->type != KVS_PORT_VM || port->network != network) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    attrs[KVS_ATTR_PORT_IFINDEX] ?:
				    attrs[KVS_ATTR_PORT_NAME],
				    "port is not in that network");
		return -EINVAL;
	}
	err = kvs_fdb_add_static(sw, network, addr, port, false, info->extack);
	return kvs_nl_msg(info, err, "cannot add the fdb entry");
}

int kvs_nl_fdb_del(struct sk_buff *skb, struct genl_info *info)
{
	struct kvs_network *network = kvs_nl_info_network(info);
	struct kvs_ip ip;
	const u8 *addr;
	int err;

	addr = kvs_nl_fdb_mac(info);
	if (IS_ERR(addr))
		return PTR_ERR(addr);
	err = kvs_nl_fdb_remote(info, &ip);
	if (err)
		return err;

	/* the MAC is checked there, as for bridge fdb del */
	err = kvs_fdb_delete(network->sw, network, addr, NULL,
			     ip.family ? &ip : NULL, kvs_nl_fdb_why(info),
			     info->extack);
	if (err && !info->extack->_msg)
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[KVS_ATTR_MAC],
				    "no such fdb entry");
	return err;
}

/* ---- stats ---- */

/* A port's counters (port message) or a switch's totals (switch message) */
int kvs_nl_stats_get(struct sk_buff *skb, struct genl_info *info)
{
	struct kvs_switch *sw = kvs_nl_info_switch(info);
	struct kvs_nl_ctx ctx = kvs_nl_reply_ctx(info);
	struct kvs_port *port;
	struct sk_buff *msg;
	int err;

	if (!kvs_nl_has_port_key(info->attrs) && !sw) {
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, KVS_ATTR_SWITCH_NAME);
		GENL_SET_ERR_MSG(info, "switch or port required");
		return -EINVAL;
	}

	msg = genlmsg_new(max(kvs_port_msg_size(), kvs_switch_msg_size()),
			  GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	if (kvs_nl_has_port_key(info->attrs)) {
		port = kvs_nl_port(genl_info_net(info), sw, info->attrs,
				   info->extack);
		if (IS_ERR(port))
			err = PTR_ERR(port);
		else
			err = kvs_port_fill(msg, port, &ctx);
	} else {
		err = kvs_switch_fill(msg, sw, &ctx);
	}
	return kvs_nl_reply(info, msg, err);
}
