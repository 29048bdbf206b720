// SPDX-License-Identifier: GPL-2.0
/*
 * kvs: the rx_handler of VM ports, and the forwarding decision.
 *
 * Runs in softirq under RCU (__netif_receive_skb_core). skb->data points
 * past the Ethernet header; eth_hdr() is valid. Every frame that reaches
 * the switch is consumed: forwarded, or dropped and counted.
 *
 * kvs_switch_frame() switches a frame given its ingress port and network:
 * VM ports call it from their rx_handler, the fabric (fabric.c) with the
 * network its encapsulation names. Its decision, kvs_classify(), only
 * looks, so that a batch of frames can be classified in one pass later.
 */

#include <linux/etherdevice.h>
#include <linux/math64.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>

#include "kvs.h"

enum kvs_action {
	KVS_ACT_DROP,
	KVS_ACT_UNICAST,
	KVS_ACT_FLOOD,
	KVS_ACT_FABRIC,
};

struct kvs_decision {
	enum kvs_action action;
	enum kvs_drop_reason reason;	/* KVS_ACT_DROP */
	struct kvs_port *to;		/* KVS_ACT_UNICAST */
	struct kvs_remote *remote;	/* KVS_ACT_FABRIC (vxlan) */
};

/* Where a frame of @network from @in with destination @dst goes; RCU */
static void kvs_classify(struct kvs_switch *sw, struct kvs_port *in,
			 struct kvs_network *network, const u8 *dst,
			 struct kvs_decision *d)
{
	struct kvs_fdb_entry *f;
	struct kvs_dst *fdst;
	struct kvs_port *to;

	if (is_multicast_ether_addr(dst)) {
		d->action = KVS_ACT_FLOOD;	/* broadcast included */
		return;
	}

	f = kvs_fdb_lookup(sw, network->id, dst);
	fdst = f ? rcu_dereference(f->dst) : NULL;
	if (!fdst) {
		d->action = KVS_ACT_FLOOD;	/* unknown unicast */
		return;
	}

	to = kvs_dst_port(fdst);
	d->action = KVS_ACT_DROP;
	d->to = to;
	if (!to || to->type == KVS_PORT_FABRIC) {
		/* behind the fabric; never back into it (split horizon) */
		if (in->type == KVS_PORT_FABRIC) {
			d->reason = KVS_DROP_NO_ROUTE;
		} else {
			d->action = KVS_ACT_FABRIC;
			d->remote = kvs_dst_remote(fdst);
		}
		return;
	}
	if (to == in)
		d->reason = KVS_DROP_NO_ROUTE;	/* hairpin */
	else if (unlikely(to->network != network))
		d->reason = KVS_DROP_ISOLATION;	/* cannot happen: the key */
	else
		d->action = KVS_ACT_UNICAST;
}

static bool kvs_src_listed(const struct kvs_maclist *macs, const u8 *src)
{
	unsigned int i;

	for (i = 0; i < macs->count; i++)
		if (ether_addr_equal(macs->addr[i], src))
			return true;
	return false;
}

/* The source checks that need no table: 0 or the drop reason + 1 */
static int kvs_check_source(struct kvs_port *in, const u8 *src)
{
	const struct kvs_maclist *macs;

	if (unlikely(!is_valid_ether_addr(src)))
		return KVS_DROP_SPOOFED_SRC + 1;	/* multicast or zero */

	macs = rcu_dereference(in->macs);
	if (macs && !kvs_src_listed(macs, src))
		return KVS_DROP_SPOOFED_SRC + 1;
	return 0;
}

/*
 * 802.1D reserves 01:80:C2:00:00:0X for link-local protocols (STP, PAUSE,
 * LACP, 802.1X, LLDP...): a VM must not reach its neighbours' or the
 * host's with them, unless the port forwards that group.
 */
static bool kvs_link_local_blocked(const struct kvs_port *in, const u8 *dst)
{
	return unlikely(is_link_local_ether_addr(dst)) &&
	       !(READ_ONCE(in->group_fwd_mask) & BIT(dst[5] & 0x0f));
}

/* May a broadcast, multicast or unknown unicast frame from @in go out,
 * within its port's bum-limit? (struct kvs_storm)
 */
static bool kvs_storm_pass(struct kvs_port *in)
{
	u32 limit = READ_ONCE(in->bum_limit);
	struct kvs_storm *s = &in->storm;
	u64 now, cost;
	bool pass;

	if (likely(!limit))
		return true;
	cost = max_t(u64, div_u64(NSEC_PER_SEC, limit), 1);
	spin_lock(&s->lock);
	/*
	 * The clock is read under the lock: read before it, a CPU could
	 * bring a stamp older than the one the last holder left, and the
	 * difference would wrap to a full bucket.
	 */
	now = ktime_get_ns();
	if (now > s->stamp) {
		s->credit = min_t(u64, s->credit + (now - s->stamp),
				  NSEC_PER_SEC);
		s->stamp = now;
	}
	pass = s->credit >= cost;
	if (pass)
		s->credit -= cost;
	spin_unlock(&s->lock);
	return pass;
}

/* A frame refused by policy: listeners hear of it, rate limited */
static void kvs_policy_drop(struct kvs_port *in, struct sk_buff *skb,
			    enum kvs_drop_reason reason)
{
	kvs_notify_policy_drop(in, eth_hdr(skb)->h_source, reason);
	kvs_forward_drop(in, skb, reason);
}

atomic64_t kvs_memo_epoch;
static DEFINE_PER_CPU(struct kvs_flow, kvs_flow_memo);

static bool kvs_flow_match(const struct kvs_flow *flow,
			   const struct kvs_port *in,
			   const struct kvs_network *network,
			   const struct ethhdr *eth, u64 gen)
{
	return flow->in == in && flow->network == network && flow->gen == gen &&
	       ether_addr_equal(flow->dst, eth->h_dest) &&
	       ether_addr_equal(flow->src, eth->h_source);
}

/* The decision for @eth from @in (@to, or NULL: a flood), for the next */
static void kvs_flow_keep(struct kvs_flow *flow, u64 gen,
			  struct kvs_port *in, struct kvs_network *network,
			  struct kvs_port *to, struct kvs_fdb_entry *seen,
			  const struct ethhdr *eth)
{
	if (!flow)
		return;
	flow->in = in;
	flow->network = network;
	flow->to = to;
	flow->seen = seen;
	flow->gen = gen;
	ether_addr_copy(flow->src, eth->h_source);
	ether_addr_copy(flow->dst, eth->h_dest);
}

/*
 * Switch one frame of @network that came in on @in: the only place that
 * decides, whatever the ingress. The frame's network is the ingress's
 * (a VM port's own, or the VNI/VID of a fabric frame), never an fdb
 * entry's. Checks in design.md's order: source, link-local, learning
 * (static elsewhere, limits), destination. @from: the VTEP that sent a
 * frame from a vxlan fabric, else NULL. @pass: see kvs_forward_unicast().
 * Softirq, RCU; consumes @skb.
 */
void kvs_switch_frame(struct kvs_switch *sw, struct kvs_port *in,
		      struct kvs_network *network, struct sk_buff *skb,
		      const struct kvs_ip *from, const struct kvs_pass *pass)
{
	const struct ethhdr *eth = eth_hdr(skb);
	struct kvs_fdb_entry *seen = NULL;
	struct kvs_flow *flow = NULL;
	struct kvs_decision d;
	u64 gen = 0;
	int reason;

	/*
	 * The frame before it on this CPU decided already. The generation
	 * is read before anything the decision reads: a change after it
	 * leaves a memo that no later frame takes.
	 */
	if (pass && !from) {
		flow = this_cpu_ptr(&kvs_flow_memo);
		gen = atomic64_read_acquire(&network->memo_gen);
		if (kvs_flow_match(flow, in, network, eth, gen)) {
			if (flow->seen)
				kvs_fdb_refresh(flow->seen);
			d.to = flow->to;
			if (d.to)
				kvs_forward_unicast(in, d.to, skb, pass);
			else if (unlikely(!kvs_storm_pass(in)))
				kvs_policy_drop(in, skb, KVS_DROP_STORM_LIMIT);
			else
				kvs_forward_flood(in, network, skb);
			return;
		}
	}

	reason = kvs_check_source(in, eth->h_source);
	if (unlikely(reason)) {
		kvs_policy_drop(in, skb, reason - 1);
		return;
	}

	if (kvs_link_local_blocked(in, eth->h_dest)) {
		kvs_forward_drop(in, skb, KVS_DROP_LINK_LOCAL);
		return;
	}

	if (from)
		reason = kvs_fdb_learn_remote(in, network, eth->h_source, from);
	else
		reason = kvs_fdb_learn(in, network, eth->h_source, &seen);
	if (unlikely(reason)) {
		kvs_policy_drop(in, skb, reason - 1);
		return;
	}

	/* a point-to-point network: the other port, whatever the address
	 * (there is no unknown unicast on it: the storm limit counts
	 * broadcast and multicast)
	 */
	d.to = rcu_dereference(in->highway);
	if (d.to) {
		if (!is_multicast_ether_addr(eth->h_dest)) {
			kvs_flow_keep(flow, gen, in, network, d.to, seen, eth);
		} else if (unlikely(!kvs_storm_pass(in))) {
			kvs_policy_drop(in, skb, KVS_DROP_STORM_LIMIT);
			return;
		}
		kvs_forward_unicast(in, d.to, skb, pass);
		return;
	}

	kvs_classify(sw, in, network, eth->h_dest, &d);
	switch (d.action) {
	case KVS_ACT_UNICAST:
		kvs_flow_keep(flow, gen, in, network, d.to, seen, eth);
		kvs_forward_unicast(in, d.to, skb, pass);
		break;
	case KVS_ACT_FLOOD:
		kvs_flow_keep(flow, gen, in, network, NULL, seen, eth);
		if (unlikely(!kvs_storm_pass(in)))
			kvs_policy_drop(in, skb, KVS_DROP_STORM_LIMIT);
		else
			kvs_forward_flood(in, network, skb);
		break;
	case KVS_ACT_FABRIC:
		kvs_forward_fabric(in, network, d.remote, skb);
		break;
	default:
		kvs_forward_drop(in, skb, d.reason);
		break;
	}
}

/*
 * A frame of VM port @port, counted as its rx: switch it, unless the
 * switch is down or the frame is no Ethernet frame. Softirq, RCU.
 */
void kvs_port_input(struct kvs_port *port, struct sk_buff *skb,
		    const struct kvs_pass *pass)
{
	struct kvs_switch *sw = port->sw;

	/* a switch switches only while it is up, as a bridge does */
	if (unlikely(!netif_running(sw->dev))) {
		kvs_forward_drop(port, skb, KVS_DROP_NO_ROUTE);
		return;
	}

	if (unlikely(!skb_mac_header_was_set(skb) ||
		     skb_mac_header_len(skb) < ETH_HLEN)) {
		kvs_forward_drop(port, skb, KVS_DROP_MALFORMED);
		return;
	}

	/* a VM port's network is set at attach and never changes */
	kvs_switch_frame(sw, port, port->network, skb, NULL, pass);
}

/* The rx_handler of VM ports */
rx_handler_result_t kvs_handle_frame(struct sk_buff **pskb)
{
	struct sk_buff *skb = *pskb;
	struct kvs_port *port;
	struct kvs_switch *sw;
	unsigned int len;

	/* our own frames looped back by the stack are not for switching */
	if (unlikely(skb->pkt_type == PACKET_LOOPBACK))
		return RX_HANDLER_PASS;

	port = rcu_dereference(skb->dev->rx_handler_data);
	if (unlikely(!port)) {
		/* being detached: never let a VM's frame reach the host */
		kfree_skb(skb);
		return RX_HANDLER_CONSUMED;
	}
	sw = port->sw;
	if (port->type == KVS_PORT_FABRIC)
		return kvs_fabric_vlan_rx(port, skb);

	/* every frame the port hands over counts, as an Ethernet frame */
	len = skb->len + ETH_HLEN;
	skb = skb_share_check(skb, GFP_ATOMIC);
	if (unlikely(!skb)) {
		kvs_stats_rx(port, len);
		dev_sw_netstats_rx_add(sw->dev, len);
		kvs_stats_drop(port, KVS_DROP_NO_MEMORY);
		dev_core_stats_rx_dropped_inc(sw->dev);
		return RX_HANDLER_CONSUMED;
	}

	/* batch.c counts it when its turn comes */
	if (READ_ONCE(sw->batch) > 1 && kvs_batch_add(port, skb))
		return RX_HANDLER_CONSUMED;

	kvs_stats_rx(port, len);
	dev_sw_netstats_rx_add(sw->dev, len);
	kvs_port_input(port, skb, &kvs_pass_now);
	return RX_HANDLER_CONSUMED;
}
