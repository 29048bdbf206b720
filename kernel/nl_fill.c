// SPDX-License-Identifier: GPL-2.0
/*
 * kvs: message sizes and one *_fill() per object, shared by the doit
 * replies, the dump rounds and the events.
 *
 * Device names are sent only where they are stable, under RTNL
 * (ctx->names); messages built under RCU alone (the fdb dump, events from
 * the datapath and from the ageing work) carry ifindexes only, and
 * userspace resolves them.
 */

#include <linux/rtnetlink.h>
#include <net/genetlink.h>

#include "nl.h"

/* ---- sizes ---- */

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

size_t kvs_switch_msg_size(void)
{
	return kvs_switch_key_size() +
	       nla_total_size(sizeof(u32)) +		/* AGEING_TIME */
	       nla_total_size(sizeof(u32)) +		/* SWITCH_BATCH */
	       kvs_stats_size();
}

size_t kvs_network_msg_size(void)
{
	return kvs_switch_key_size() +
	       nla_total_size(sizeof(u32)) +		/* NET_ID */
	       nla_total_size(KVS_LABEL_MAX) +		/* NET_LABEL */
	       nla_total_size(sizeof(u32)) +		/* NET_PORTS */
	       nla_total_size(sizeof(u32)) +		/* NET_MAX_MACS */
	       nla_total_size(sizeof(u32)) +		/* NET_LEARNED */
	       nla_total_size(sizeof(u8));		/* NET_HIGHWAY */
}

size_t kvs_port_msg_size(void)
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
	       nla_total_size(sizeof(u16)) +		/* PORT_GROUP_FWD_MASK */
	       nla_total_size(sizeof(u8)) +		/* PORT_PEERS */
	       nla_total_size(0) +			/* PORT_FABRIC */
	       nla_total_size(sizeof(u8)) +		/*  ENCAP */
	       2 * nla_total_size(sizeof(struct in6_addr)) + /* LOCAL, REMOTE */
	       nla_total_size(sizeof(u16)) +		/*  DSTPORT */
	       kvs_stats_size();
}

size_t kvs_fdb_msg_size(void)
{
	return kvs_switch_key_size() +
	       nla_total_size(sizeof(u32)) +		/* NET_ID */
	       nla_total_size(ETH_ALEN) +		/* MAC */
	       kvs_port_key_size() +
	       nla_total_size(sizeof(u32)) +		/* FDB_FLAGS */
	       nla_total_size(sizeof(u32)) +		/* FDB_AGE */
	       nla_total_size(sizeof(struct in6_addr));	/* FDB_REMOTE_IP* */
}

size_t kvs_policy_drop_msg_size(void)
{
	return nla_total_size(sizeof(u32)) +		/* SWITCH_IFINDEX */
	       nla_total_size(sizeof(u32)) +		/* PORT_IFINDEX */
	       nla_total_size(sizeof(u32)) +		/* NET_ID */
	       nla_total_size(ETH_ALEN) +		/* MAC */
	       nla_total_size(sizeof(u32));		/* DROP_REASON */
}

/* ---- pieces ---- */

static void *kvs_msg_put(struct sk_buff *skb, const struct kvs_nl_ctx *ctx)
{
	void *hdr;

	hdr = genlmsg_put(skb, ctx->portid, ctx->seq, &kvs_genl_family,
			  ctx->flags, ctx->cmd);
	if (hdr && ctx->cb)
		genl_dump_check_consistent(ctx->cb, hdr);
	return hdr;
}

static int kvs_put_switch_key(struct sk_buff *skb, const struct kvs_switch *sw,
			      bool names)
{
	if ((names && nla_put_string(skb, KVS_ATTR_SWITCH_NAME, sw->dev->name)) ||
	    nla_put_u32(skb, KVS_ATTR_SWITCH_IFINDEX, sw->dev->ifindex))
		return -EMSGSIZE;
	return 0;
}

static int kvs_put_port_key(struct sk_buff *skb, const struct kvs_port *port,
			    bool names)
{
	if ((names && nla_put_string(skb, KVS_ATTR_PORT_NAME, port->dev->name)) ||
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

/* ---- objects ---- */

/* RTNL */
int kvs_switch_fill(struct sk_buff *skb, struct kvs_switch *sw,
		    const struct kvs_nl_ctx *ctx)
{
	struct kvs_stats st;
	void *hdr;

	hdr = kvs_msg_put(skb, ctx);
	if (!hdr)
		return -EMSGSIZE;

	kvs_switch_stats(sw, &st);

	if (kvs_put_switch_key(skb, sw, true) ||
	    nla_put_u32(skb, KVS_ATTR_AGEING_TIME,
			kvs_switch_ageing_secs(sw)) ||
	    nla_put_u32(skb, KVS_ATTR_SWITCH_BATCH, READ_ONCE(sw->batch)) ||
	    kvs_put_stats(skb, &st))
		goto cancel;

	genlmsg_end(skb, hdr);
	return 0;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/* RTNL */
int kvs_network_fill(struct sk_buff *skb, const struct kvs_network *network,
		     const struct kvs_nl_ctx *ctx)
{
	void *hdr;

	hdr = kvs_msg_put(skb, ctx);
	if (!hdr)
		return -EMSGSIZE;

	if (kvs_put_switch_key(skb, network->sw, true) ||
	    nla_put_u32(skb, KVS_ATTR_NET_ID, network->id) ||
	    (network->label[0] &&
	     nla_put_string(skb, KVS_ATTR_NET_LABEL, network->label)) ||
	    nla_put_u32(skb, KVS_ATTR_NET_PORTS, network->port_count) ||
	    nla_put_u32(skb, KVS_ATTR_NET_MAX_MACS,
			READ_ONCE(network->max_macs)) ||
	    nla_put_u32(skb, KVS_ATTR_NET_LEARNED,
			atomic_read(&network->learned)) ||
	    nla_put_u8(skb, KVS_ATTR_NET_HIGHWAY, network->highway))
		goto cancel;

	genlmsg_end(skb, hdr);
	return 0;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/* An address as attribute @type4 (IPv4) or @type6 (IPv6) */
static int kvs_put_fabric(struct sk_buff *skb, const struct kvs_port *port)
{
	const struct kvs_fabric *fab = port->fabric;
	struct nlattr *nest;

	nest = nla_nest_start(skb, KVS_ATTR_PORT_FABRIC);
	if (!nest || nla_put_u8(skb, KVS_FABRIC_ATTR_ENCAP, fab->ops->encap))
		return -EMSGSIZE;
	if (fab->ops->vteps &&
	    (kvs_put_ip(skb, KVS_FABRIC_ATTR_LOCAL_IP4,
			KVS_FABRIC_ATTR_LOCAL_IP6, &fab->local) ||
	     (fab->gateway &&
	      kvs_put_ip(skb, KVS_FABRIC_ATTR_REMOTE_IP4,
			 KVS_FABRIC_ATTR_REMOTE_IP6, &fab->gateway->ip)) ||
	     nla_put_u16(skb, KVS_FABRIC_ATTR_DSTPORT, ntohs(fab->dstport))))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* RTNL: port->network and port->macs are changed under it */
int kvs_port_fill(struct sk_buff *skb, struct kvs_port *port,
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

	if (kvs_put_switch_key(skb, port->sw, true) ||
	    kvs_put_port_key(skb, port, true) ||
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
				atomic_read(&port->learned)) ||
		    nla_put_u16(skb, KVS_ATTR_PORT_GROUP_FWD_MASK,
				port->group_fwd_mask))
			goto cancel;
	} else if (kvs_put_fabric(skb, port) ||
		   (port->fabric->ops->vteps &&
		    nla_put_u8(skb, KVS_ATTR_PORT_PEERS,
			       READ_ONCE(port->fabric->known_peers) ?
			       KVS_PEERS_KNOWN : KVS_PEERS_ANY)) ||
		   nla_put_u8(skb, KVS_ATTR_PORT_LEARNING, port->learning) ||
		   nla_put_u32(skb, KVS_ATTR_PORT_LEARNED,
			       atomic_read(&port->learned))) {
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

/*
 * RCU: the entry and its destination are freed after a grace period.
 * Names only with ctx->names (the caller holds RTNL).
 */
int kvs_fdb_fill(struct sk_buff *skb, const struct kvs_switch *sw,
		 const struct kvs_fdb_entry *f, const struct kvs_nl_ctx *ctx)
{
	u32 flags = kvs_fdb_flags_uapi(READ_ONCE(f->flags));
	const struct kvs_remote *remote;
	const struct kvs_port *port;
	struct kvs_dst *dst;
	u64 age;
	void *hdr;

	hdr = kvs_msg_put(skb, ctx);
	if (!hdr)
		return -EMSGSIZE;

	dst = rcu_dereference(f->dst);
	port = kvs_dst_port(dst);
	remote = kvs_dst_remote(dst);
	/* behind the fabric: at a VTEP, or beyond a vlan uplink */
	if (remote || (port && port->type == KVS_PORT_FABRIC))
		flags |= KVS_FDB_F_REMOTE;
	/* u64: a static entry may be older than u32 milliseconds */
	age = jiffies_to_msecs((u32)jiffies - READ_ONCE(f->updated));

	if (kvs_put_switch_key(skb, sw, ctx->names) ||
	    nla_put_u32(skb, KVS_ATTR_NET_ID, f->key.net_id) ||
	    nla_put(skb, KVS_ATTR_MAC, ETH_ALEN, f->key.addr) ||
	    (port && kvs_put_port_key(skb, port, ctx->names)) ||
	    (remote && kvs_put_ip(skb, KVS_ATTR_FDB_REMOTE_IP4,
				  KVS_ATTR_FDB_REMOTE_IP6, &remote->ip)) ||
	    nla_put_u32(skb, KVS_ATTR_FDB_FLAGS, flags) ||
	    nla_put_u32(skb, KVS_ATTR_FDB_AGE, min_t(u64, age, U32_MAX)))
		goto cancel;

	genlmsg_end(skb, hdr);
	return 0;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/* Softirq, RCU: ifindexes only, names are not stable here */
int kvs_policy_drop_fill(struct sk_buff *skb, struct kvs_port *port,
			 const u8 *src, enum kvs_drop_reason reason)
{
	const struct kvs_network *network = READ_ONCE(port->network);
	void *hdr;

	hdr = genlmsg_put(skb, 0, 0, &kvs_genl_family, 0, KVS_CMD_POLICY_DROP);
	if (!hdr)
		return -EMSGSIZE;

	if (nla_put_u32(skb, KVS_ATTR_SWITCH_IFINDEX, port->sw->dev->ifindex) ||
	    nla_put_u32(skb, KVS_ATTR_PORT_IFINDEX, port->dev->ifindex) ||
	    (network && nla_put_u32(skb, KVS_ATTR_NET_ID, network->id)) ||
	    nla_put(skb, KVS_ATTR_MAC, ETH_ALEN, src) ||
	    nla_put_u32(skb, KVS_ATTR_DROP_REASON, reason)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}

	genlmsg_end(skb, hdr);
	return 0;
}
