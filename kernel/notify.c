// SPDX-License-Identifier: GPL-2.0
/*
 * kvs: events on the "events" multicast group of the "kvs" family, heard
 * by the processes of the switch's namespace (netlink.c), and for fdb
 * entries RTM_NEWNEIGH/RTM_DELNEIGH on rtnetlink (fdb.c).
 *
 * Events of switches, networks and ports are sent under RTNL and name
 * their devices. Fdb events carry names only when sent under RTNL (the
 * @rtnl argument); from the datapath and the ageing work, and for policy
 * drops (softirq), only ifindexes go out.
 */

#include <net/genetlink.h>

#include "nl.h"

/*
 * Events may come from softirq or from teardown that runs after
 * kvs_genl_exit(): they are sent only while this is set, and
 * kvs_notify_disable() waits for senders with an RCU grace period before
 * the family is unregistered.
 */
static bool kvs_notify_live;

void kvs_notify_enable(void)
{
	WRITE_ONCE(kvs_notify_live, true);
}

void kvs_notify_disable(void)
{
	WRITE_ONCE(kvs_notify_live, false);
	synchronize_rcu();
}

static bool kvs_nl_listening(struct net *net)
{
	return READ_ONCE(kvs_notify_live) &&
	       genl_has_listeners(&kvs_genl_family, net, KVS_NL_MCGRP_EVENTS);
}

/* Send an event, or tell the listeners they lost one (@skb NULL) */
static void kvs_nl_multicast(struct net *net, struct sk_buff *skb)
{
	/* kvs_notify_disable() waits for this section */
	rcu_read_lock();
	if (!READ_ONCE(kvs_notify_live))
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

/* RTNL: SWITCH_NEW, SWITCH_DEL, SWITCH_SET (changed) */
void kvs_notify_switch(struct kvs_switch *sw, u8 cmd)
{
	struct kvs_nl_ctx ctx = { .cmd = cmd, .names = true };
	struct net *net = dev_net(sw->dev);
	struct sk_buff *skb;

	if (!kvs_nl_listening(net))
		return;

	skb = kvs_nl_event_new(net, kvs_switch_msg_size(), GFP_KERNEL);
	if (!skb)
		return;
	kvs_nl_notify_done(net, skb, kvs_switch_fill(skb, sw, &ctx));
}

/* RTNL: NET_NEW, NET_DEL, NET_SET (changed) */
void kvs_notify_network(struct kvs_network *network, u8 cmd)
{
	struct kvs_nl_ctx ctx = { .cmd = cmd, .names = true };
	struct net *net = dev_net(network->sw->dev);
	struct sk_buff *skb;

	if (!kvs_nl_listening(net))
		return;

	skb = kvs_nl_event_new(net, kvs_network_msg_size(), GFP_KERNEL);
	if (!skb)
		return;
	kvs_nl_notify_done(net, skb, kvs_network_fill(skb, network, &ctx));
}

/* RTNL: PORT_NEW (attached), PORT_DEL (detached), PORT_SET (changed) */
void kvs_notify_port(struct kvs_port *port, u8 cmd)
{
	struct kvs_nl_ctx ctx = { .cmd = cmd, .names = true };
	struct net *net = dev_net(port->sw->dev);
	struct sk_buff *skb;

	if (!kvs_nl_listening(net))
		return;

	skb = kvs_nl_event_new(net, kvs_port_msg_size(), GFP_KERNEL);
	if (!skb)
		return;
	kvs_nl_notify_done(net, skb, kvs_port_fill(skb, port, &ctx));
}

/*
 * FDB_NEW (learned, added), FDB_DEL (aged, flushed, removed). @rtnl: the
 * caller holds RTNL (may sleep, names are stable); otherwise any context,
 * ifindexes only.
 */
void kvs_notify_fdb(struct kvs_switch *sw, const struct kvs_fdb_entry *f,
		    u8 cmd, bool rtnl)
{
	struct kvs_nl_ctx ctx = { .cmd = cmd, .names = rtnl };
	struct net *net = dev_net(sw->dev);
	struct sk_buff *skb;
	int err;

	/* the host's tools hear of it too (bridge monitor fdb) */
	kvs_fdb_notify_neigh(sw, f, cmd == KVS_CMD_FDB_DEL);
	if (!kvs_nl_listening(net))
		return;

	/* under RTNL callers may still hold fdb_lock: never sleep here */
	skb = kvs_nl_event_new(net, kvs_fdb_msg_size(), GFP_ATOMIC);
	if (!skb)
		return;
	/* the entry's destination needs an RCU section */
	rcu_read_lock();
	err = kvs_fdb_fill(skb, sw, f, &ctx);
	rcu_read_unlock();
	kvs_nl_notify_done(net, skb, err);
}

/* Softirq, under RCU: a frame refused by policy, rate limited per port */
void kvs_notify_policy_drop(struct kvs_port *port, const u8 *src,
			    enum kvs_drop_reason reason)
{
	struct net *net = dev_net(port->sw->dev);
	struct sk_buff *skb;

	if (!kvs_nl_listening(net) || !__ratelimit(&port->event_rs))
		return;

	skb = kvs_nl_event_new(net, kvs_policy_drop_msg_size(), GFP_ATOMIC);
	if (!skb)
		return;
	kvs_nl_notify_done(net, skb,
			   kvs_policy_drop_fill(skb, port, src, reason));
}
