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
#include <net/sch_generic.h>

#include "kvs.h"
#include "compat.h"

void kvs_forward_drop(struct kvs_port *from, struct sk_buff *skb,
		      enum kvs_drop_reason reason)
{
	kvs_stats_drop(from, reason);
	dev_core_stats_rx_dropped_inc(from->sw->dev);
	kfree_skb(skb);
}

/* A port that is down or has no carrier is not a destination */
bool kvs_port_can_tx(const struct kvs_port *port)
{
	return netif_running(port->dev) && netif_carrier_ok(port->dev);
}

/*
 * The veth shortcut. A frame for a veth port would go through the port's
 * transmit path (qdisc, tc and netfilter egress, taps, the device's
 * features), veth_xmit() and the peer's backlog to reach the peer's
 * receive path in a later softirq round. When nothing is attached to that
 * transmit path and the frame needs nothing of it, kvs hands it to the
 * peer's receive path at once instead: netif_receive_skb() on the peer,
 * nested in this one, as act_mirred does for an ingress redirect. All of
 * the peer's receive path runs (taps, XDP generic, tc and netfilter
 * ingress, its rx_handler, the stack), so no observer can tell the two
 * apart. The conditions:
 *  - the egress port has no tap, qdisc, tc or netfilter egress, and its
 *    features take the frame as it is (no segmentation or checksum that
 *    validate_xmit_skb() would do);
 *  - the peer has no native XDP program (veth runs it only in its own
 *    NAPI poll, which the shortcut skips);
 *  - fewer than KVS_NEST_MAX shortcuts are in progress on this CPU: the
 *    peer's receive path may lead back into a switch at once (its own
 *    rx_handler, or bpf_redirect_peer() from its tc ingress or from that
 *    of a vlan on top of it), and a frame that goes round takes the
 *    transmit path and the backlog after a few laps, which bounds the
 *    stack and the time spent in one softirq.
 */
#define KVS_NEST_MAX	4

static DEFINE_PER_CPU(unsigned int, kvs_nest);

const struct kvs_pass kvs_pass_now;

static struct net_device *kvs_veth_peer(struct kvs_port *to,
					struct sk_buff *skb,
					const struct kvs_pass *pass)
{
	struct net_device *dev = to->dev, *peer;
	netdev_features_t features;
	unsigned int i;

	if (!to->veth || dev_nit_active(dev) || kvs_dev_tc_egress(dev) ||
	    kvs_dev_nf_egress(dev) ||
	    __this_cpu_read(kvs_nest) >= KVS_NEST_MAX)
		return NULL;
	for (i = 0; i < dev->real_num_tx_queues; i++)
		if (rcu_dereference_bh(netdev_get_tx_queue(dev, i)->qdisc)->enqueue)
			return NULL;
	/* only a GSO frame or a checksum to finish can need the features */
	if (skb_is_gso(skb) || skb->ip_summed == CHECKSUM_PARTIAL) {
		features = netif_skb_features(skb);
		if (netif_needs_gso(skb, features) ||
		    (skb->ip_summed == CHECKSUM_PARTIAL &&
		     !(features & NETIF_F_CSUM_MASK)))
			return NULL;
	}

	peer = dev->netdev_ops->ndo_get_peer_dev(dev);
	if (!peer || dev_xdp_prog_count(peer) ||
	    !__is_skb_forwardable(peer, skb, true))
		return NULL;
	return peer;
}

/*
 * Send @skb (its Ethernet header pushed) out of @to: into the peer's
 * receive path, when the shortcut applies and @pass allows it, else
 * through dev_queue_xmit(). Either way it counts as the port's tx, and
 * as the veth's own tx, which its peer reports as rx, as veth_xmit()
 * would.
 */
static void kvs_xmit(struct kvs_port *from, struct kvs_port *to,
		     struct sk_buff *skb, const struct kvs_pass *pass)
{
	struct net_device *peer = pass ? kvs_veth_peer(to, skb, pass) : NULL;
	unsigned int len = skb->len;
	ktime_t stamp;

	if (!peer) {
		/* the receive side's time means nothing on tx: fq would
		 * read it as a departure time
		 */
		skb_clear_tstamp(skb);
		dev_queue_xmit(skb);
		goto count;
	}

	/*
	 * Still a receive: the frame keeps the time it came in, as with
	 * bpf_redirect_peer() (the peer's netif_rx() would stamp it anew).
	 * __dev_forward_skb() scrubs across netns and pulls the header.
	 */
	stamp = skb->tstamp;
	if (unlikely(__dev_forward_skb(peer, skb))) {
		kvs_stats_drop(from, KVS_DROP_NO_MEMORY);
		dev_core_stats_rx_dropped_inc(from->sw->dev);
		return;
	}
	skb->tstamp = stamp;
	dev_sw_netstats_tx_add(to->dev, 1, len);
	__this_cpu_inc(kvs_nest);
	netif_receive_skb(skb);
	__this_cpu_dec(kvs_nest);
count:
	kvs_stats_tx(to, len);
	dev_sw_netstats_tx_add(from->sw->dev, 1, len);
}

/*
 * Out of the port @to (a VM port or a vlan uplink): @skb past its
 * Ethernet header, prepared by kvs_egress() (or a frame kvs made, such as
 * an ICMP answer); counted as @from's drop if it cannot go.
 */
void kvs_port_xmit(struct kvs_port *from, struct kvs_port *to,
		   struct sk_buff *skb, const struct kvs_pass *pass)
{
	int depth;

	/* an rx_handler sees the frame past its Ethernet header */
	skb_push(skb, ETH_HLEN);

	if (unlikely(!__is_skb_forwardable(to->dev, skb, true))) {
		kvs_forward_drop(from, skb, KVS_DROP_MTU);
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
	/* the receive side's checksum means nothing on tx */
	skb_forward_csum(skb);
	kvs_xmit(from, to, skb, pass);
}

/* Where a frame goes: a port, or through a vxlan fabric port a VTEP */
struct kvs_target {
	struct kvs_port *port;
	struct kvs_remote *remote;
};

/*
 * The one way out of the switch, whatever the target: what every frame
 * needs before it leaves is done here once (LRO output refused), then
 * the fabric encapsulates it (vlan tag, vxlan to a VTEP; the receive
 * side's timestamp cleared: fq would read it as a departure time) or it
 * goes out of a VM port, through the veth shortcut when @pass allows.
 */
static void kvs_egress(struct kvs_port *from, struct kvs_network *network,
		       const struct kvs_target *t, struct sk_buff *skb,
		       const struct kvs_pass *pass)
{
	/* LRO output cannot be resegmented; dev_disable_lro() should stop it */
	if (unlikely(skb_warn_if_lro(skb))) {
		kvs_forward_drop(from, skb, KVS_DROP_MALFORMED);
		return;
	}
	if (t->port->type == KVS_PORT_FABRIC) {
		skb_clear_tstamp(skb);
		t->port->fabric->ops->xmit(from, t->port, t->remote, network,
					   skb);
	} else {
		kvs_port_xmit(from, t->port, skb, pass);
	}
}

/*
 * @pass: where a frame for a veth peer may go instead of the port's
 * transmit path (see kvs_veth_peer()), or NULL.
 */
void kvs_forward_unicast(struct kvs_port *from, struct kvs_port *to,
			 struct sk_buff *skb, const struct kvs_pass *pass)
{
	struct kvs_target t = { .port = to };

	if (unlikely(!kvs_port_can_tx(to))) {
		kvs_forward_drop(from, skb, KVS_DROP_NO_ROUTE);
		return;
	}
	kvs_egress(from, NULL, &t, skb, pass);
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
	struct kvs_target t = { .port = kvs_fabric_for(from), .remote = remote };

	if (unlikely(!t.port || (t.port->fabric->ops->vteps && !remote))) {
		kvs_forward_drop(from, skb, KVS_DROP_NO_ROUTE);
		return;
	}
	kvs_egress(from, network, &t, skb, NULL);
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
		kvs_egress(from, network, prev, clone, &kvs_pass_now);
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
	struct kvs_fdb_flood *fl;
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
	if (next.port && !next.port->fabric->ops->vteps) {
		if (kvs_port_can_tx(next.port) &&
		    !kvs_flood_one(from, network, &prev, &next, skb))
			return;
	} else if (next.port && !hlist_empty(&network->flood)) {
		hlist_for_each_entry_rcu(fl, &network->flood, node) {
			r = kvs_dst_remote(rcu_dereference(fl->f.dst));
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
	kvs_egress(from, network, &prev, skb, &kvs_pass_now);
}
