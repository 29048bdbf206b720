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

/*
 * Every other VM port of @network: a clone each, the frame itself to the
 * last one. Never beyond the network: the list is the network's.
 */
void kvs_forward_flood(struct kvs_port *from, struct kvs_network *network,
		       struct sk_buff *skb)
{
	struct kvs_port *port, *prev = NULL;
	struct sk_buff *clone;

	list_for_each_entry_rcu(port, &network->ports, net_node) {
		if (port == from || !kvs_port_can_tx(port))
			continue;
		if (prev) {
			clone = skb_clone(skb, GFP_ATOMIC);
			if (unlikely(!clone)) {
				kvs_forward_drop(from, skb, KVS_DROP_NO_MEMORY);
				return;
			}
			kvs_deliver(from, prev, clone);
		}
		prev = port;
	}

	if (!prev) {
		kvs_forward_drop(from, skb, KVS_DROP_NO_ROUTE);
		return;
	}
	kvs_deliver(from, prev, skb);
}
