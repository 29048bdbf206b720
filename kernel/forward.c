// SPDX-License-Identifier: GPL-2.0
/*
 * kvs: delivery of a frame to one port, or to every other port of its
 * network. Softirq, RCU. Drops are charged to the ingress port, by reason,
 * and to the switch device's rx_dropped; deliveries to the egress port's
 * tx and the switch device's tx.
 */

#include <linux/etherdevice.h>
#include <linux/if_vlan.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>

#include "kvs.h"

void kvs_forward_drop(struct kvs_port *from, struct sk_buff *skb,
		      enum kvs_drop_reason reason)
{
	kvs_stats_drop(from, reason);
	dev_core_stats_rx_dropped_inc(from->sw->dev);
	kfree_skb(skb);
}

/* A port that is down or has no carrier is not a destination */
static bool kvs_port_can_tx(const struct kvs_port *port)
{
	return netif_running(port->dev) && netif_carrier_ok(port->dev);
}

static void kvs_deliver(struct kvs_port *from, struct kvs_port *to,
			struct sk_buff *skb)
{
	unsigned int len;
	int depth;

	/* an rx_handler sees the frame past its Ethernet header */
	skb_push(skb, ETH_HLEN);

	if (unlikely(!is_skb_forwardable(to->dev, skb))) {
		kvs_forward_drop(from, skb, KVS_DROP_MTU);
		return;
	}
	/* LRO output cannot be resegmented; dev_disable_lro() should stop it */
	if (unlikely(skb_warn_if_lro(skb))) {
		kvs_forward_drop(from, skb, KVS_DROP_MALFORMED);
		return;
	}
	/* checksum offload of a frame that still has a tag in its data */
	if (skb->ip_summed == CHECKSUM_PARTIAL &&
	    eth_type_vlan(skb->protocol)) {
		if (unlikely(!vlan_get_protocol_and_depth(skb, skb->protocol,
							  &depth))) {
			kvs_forward_drop(from, skb, KVS_DROP_MALFORMED);
			return;
		}
		skb_set_network_header(skb, depth);
	}

	skb->dev = to->dev;
	/* the receive side's checksum and timestamp mean nothing on tx */
	skb_forward_csum(skb);
	skb_clear_tstamp(skb);

	len = skb->len;
	kvs_stats_tx(to, len);
	dev_sw_netstats_tx_add(from->sw->dev, 1, len);
	dev_queue_xmit(skb);
}

void kvs_forward_unicast(struct kvs_port *from, struct kvs_port *to,
			 struct sk_buff *skb)
{
	if (unlikely(!kvs_port_can_tx(to))) {
		kvs_forward_drop(from, skb, KVS_DROP_NO_ROUTE);
		return;
	}
	kvs_deliver(from, to, skb);
}

/* RCU: the switch's fabric port, if frames from @from may go there */
static struct kvs_port *kvs_fabric_for(struct kvs_port *from)
{
	/* split horizon: what came from the fabric never goes back */
	if (from->type == KVS_PORT_FABRIC)
		return NULL;
	return rcu_dereference(from->sw->fabric);
}

/* A known destination behind the fabric: its VTEP, or the vlan uplink */
void kvs_forward_fabric(struct kvs_port *from, struct kvs_network *network,
			struct kvs_remote *remote, struct sk_buff *skb)
{
	struct kvs_port *fabric = kvs_fabric_for(from);

	if (unlikely(!fabric)) {
		kvs_forward_drop(from, skb, KVS_DROP_NO_ROUTE);
		return;
	}
	kvs_fabric_xmit(from, fabric, remote, network, skb);
}

/* Where a flood goes next: a VM port, or the fabric (to @remote) */
struct kvs_target {
	struct kvs_port *port;
	struct kvs_remote *remote;
};

static void kvs_send(struct kvs_port *from, struct kvs_network *network,
		     const struct kvs_target *t, struct sk_buff *skb)
{
	if (t->port->type == KVS_PORT_FABRIC)
		kvs_fabric_xmit(from, t->port, t->remote, network, skb);
	else
		kvs_deliver(from, t->port, skb);
}

/*
 * Send to @next a clone of @skb, or @skb itself when it is the last
 * target; false if a clone could not be made (@skb is then consumed).
 */
static bool kvs_flood_one(struct kvs_port *from, struct kvs_network *network,
			  struct kvs_target *prev, const struct kvs_target *next,
			  struct sk_buff *skb)
{
	struct sk_buff *clone;

	if (prev->port) {
		clone = skb_clone(skb, GFP_ATOMIC);
		if (unlikely(!clone)) {
			kvs_forward_drop(from, skb, KVS_DROP_NO_MEMORY);
			return false;
		}
		kvs_send(from, network, prev, clone);
	}
	*prev = *next;
	return true;
}

/*
 * Every other VM port of @network, then the fabric once: one copy per
 * member of the network's flood list (vxlan, head-end replication), else
 * one to the gateway; one tagged copy on a vlan uplink. A clone each, the
 * frame itself to the last. Never beyond the network: the lists are the
 * network's.
 */
void kvs_forward_flood(struct kvs_port *from, struct kvs_network *network,
		       struct sk_buff *skb)
{
	struct kvs_target prev = {}, next = {};
	struct kvs_fdb_entry *f;
	struct kvs_port *port;
	struct kvs_remote *r;

	list_for_each_entry_rcu(port, &network->ports, net_node) {
		if (port == from || !kvs_port_can_tx(port))
			continue;
		next.port = port;
		if (!kvs_flood_one(from, network, &prev, &next, skb))
			return;
	}

	next.port = kvs_fabric_for(from);
	if (next.port && next.port->fabric->encap == KVS_ENCAP_VLAN) {
		if (!kvs_flood_one(from, network, &prev, &next, skb))
			return;
	} else if (next.port && !hlist_empty(&network->flood)) {
		hlist_for_each_entry_rcu(f, &network->flood, flood_node) {
			r = kvs_dst_remote(rcu_dereference(f->dst));
			if (!r)
				continue;	/* being removed */
			next.remote = r;
			if (!kvs_flood_one(from, network, &prev, &next, skb))
				return;
		}
	} else if (next.port && next.port->fabric->gateway) {
		next.remote = next.port->fabric->gateway;
		if (!kvs_flood_one(from, network, &prev, &next, skb))
			return;
	}

	if (!prev.port) {
		kvs_forward_drop(from, skb, KVS_DROP_NO_ROUTE);
		return;
	}
	kvs_send(from, network, &prev, skb);
}
