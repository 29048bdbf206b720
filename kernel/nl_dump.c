// SPDX-License-Identifier: GPL-2.0
/*
 * kvs: dumps of the "kvs" family.
 *
 * .start parses the filters once into cb->ctx (struct kvs_dump_state):
 * the filter switch and port become ifindexes, so that a rename between
 * rounds changes nothing. A filter that names nothing fails the dump in
 * its first round, where the extack message reaches userspace (6.1 runs
 * .start without one).
 *
 * Switches, networks and ports are walked under RTNL, one lock per round;
 * each round resumes by position and sets cb->seq from what it walks, so
 * that userspace sees NLM_F_DUMP_INTR when that changed between two rounds.
 *
 * The fdb is walked under RCU only and resumes by key: a round ends at an
 * entry and the next one looks that entry up and goes on after it in the
 * switch's list. The list only grows at its head, so every entry that
 * exists throughout the dump is sent exactly once however much is learned
 * or aged meanwhile (what comes or goes during the dump may or may not be
 * sent). Only when the entry a round ended at is gone (or gone and added
 * again: its insert stamp differs) can the dump not go on exactly: it
 * starts that switch over and the next message carries NLM_F_DUMP_INTR.
 * Without RTNL, fdb messages carry ifindexes, no names.
 */

#include <linux/jhash.h>
#include <linux/rtnetlink.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "nl.h"

/* Position and filters of a dump, in cb->ctx (48 bytes) */
struct kvs_dump_state {
	const char *msg;	/* .start refused the filter: why, and */
	int err;		/* the errno the first round returns */
	int sw_ifindex;		/* only this switch; 0: all */
	int port_ifindex;	/* only this port; 0: all */
	u32 net_id;		/* only this network; 0: all */
	u32 sw_idx;		/* index in the netns switch list */
	u32 pos;		/* object index or network id in that switch */
	struct kvs_fdb_key last; /* fdb: the entry sent last; net_id 0: none */
	u32 last_born;		/* and its insert stamp */
};

static struct kvs_dump_state *kvs_dump_state(struct netlink_callback *cb)
{
	BUILD_BUG_ON(sizeof(struct kvs_dump_state) > sizeof(cb->ctx));
	return (struct kvs_dump_state *)cb->ctx;
}

/* Resolve the filters of any dump (the policies say which it takes) */
int kvs_nl_dump_start(struct netlink_callback *cb)
{
	struct kvs_dump_state *st = kvs_dump_state(cb);
	struct nlattr **attrs = kvs_genl_dump_attrs(cb);
	struct net *net = sock_net(cb->skb->sk);
	struct netlink_ext_ack extack = {};
	struct kvs_switch *sw;
	struct kvs_port *port;

	if (attrs[KVS_ATTR_NET_ID])
		st->net_id = nla_get_u32(attrs[KVS_ATTR_NET_ID]);

	if (kvs_nl_has_port_key(attrs)) {
		/* PORT_GET, STATS_GET: ports are looked up under RTNL */
		rtnl_lock();
		sw = kvs_nl_switch(net, attrs, false, &extack);
		port = IS_ERR(sw) ? ERR_CAST(sw) :
		       kvs_nl_port(net, sw, attrs, &extack);
		if (IS_ERR(port)) {
			st->err = PTR_ERR(port);
		} else {
			st->port_ifindex = port->dev->ifindex;
			st->sw_ifindex = sw ? sw->dev->ifindex : 0;
		}
		rtnl_unlock();
	} else {
		rcu_read_lock();
		sw = kvs_nl_switch(net, attrs, false, &extack);
		if (IS_ERR(sw))
			st->err = PTR_ERR(sw);
		else if (sw)
			st->sw_ifindex = sw->dev->ifindex;
		rcu_read_unlock();
	}

	st->msg = extack._msg;
	return 0;
}

/*
 * The first thing of every round: a filter refused by .start fails the
 * dump with its message; a filter switch that went away since ends it,
 * flagged inconsistent once something was sent. Then *@only is the filter
 * switch or NULL for all of them. RTNL or RCU.
 */
static int kvs_dump_begin(struct netlink_callback *cb, struct net *net,
			  struct kvs_switch **only)
{
	struct kvs_dump_state *st = kvs_dump_state(cb);
	struct kvs_switch *sw;

	if (st->err) {
		/* a string literal of kvs_nl_switch() or kvs_nl_port() */
		if (cb->extack)
			cb->extack->_msg = st->msg;
		return st->err;
	}

	*only = NULL;
	if (!st->sw_ifindex)
		return 0;

	sw = kvs_nl_live_switch(dev_get_by_index_rcu(net, st->sw_ifindex));
	if (!sw) {
		cb->seq = cb->prev_seq + 1 ?: 1;
		return 1;
	}
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

/* What an RTNL dump walks, for its consistency number */
enum kvs_dump_kind {
	KVS_DUMP_SWITCHES,
	KVS_DUMP_NETWORKS,
	KVS_DUMP_PORTS,
};

/*
 * RTNL: one number for the switches, networks or ports over all switches
 * or @only; these sets are small and change only under RTNL, so they are
 * hashed directly. Never 0, which nl_dump_check_consistent() takes as "no
 * sequence yet".
 */
static unsigned int kvs_dump_seq(struct net *net, const struct kvs_switch *only,
				 enum kvs_dump_kind kind)
{
	const struct kvs_network *network;
	const struct kvs_port *port;
	struct kvs_switch *sw;
	unsigned long id;
	u32 seq = 0;

	list_for_each_entry(sw, kvs_nl_switches(net), node) {
		if (only && sw != only)
			continue;
		seq = jhash_2words(sw->dev->ifindex, sw->live, seq);
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
		}
	}
	return seq ?: 1;
}

/* Start an RTNL dump round; returns < 0 to fail, 1 to end, 0 to go on */
static int kvs_dump_begin_rtnl(struct netlink_callback *cb, struct net *net,
			       enum kvs_dump_kind kind,
			       struct kvs_switch **only)
{
	int err;

	rcu_read_lock();
	err = kvs_dump_begin(cb, net, only);
	rcu_read_unlock();
	/* under RTNL the switch stays valid after the RCU section */
	if (!err)
		cb->seq = kvs_dump_seq(net, *only, kind);
	return err;
}

int kvs_nl_switch_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct kvs_nl_ctx ctx = kvs_nl_dump_ctx(cb, true);
	struct kvs_dump_state *st = kvs_dump_state(cb);
	struct net *net = sock_net(skb->sk);
	struct kvs_switch *sw, *only;
	unsigned long idx = 0;
	int err;

	rtnl_lock();
	err = kvs_dump_begin_rtnl(cb, net, KVS_DUMP_SWITCHES, &only);
	if (err)
		goto out;

	list_for_each_entry(sw, kvs_nl_switches(net), node) {
		if (idx++ < st->sw_idx || (only && sw != only) || !sw->live)
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

int kvs_nl_net_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct kvs_nl_ctx ctx = kvs_nl_dump_ctx(cb, true);
	struct kvs_dump_state *st = kvs_dump_state(cb);
	struct net *net = sock_net(skb->sk);
	struct kvs_switch *sw, *only;
	struct kvs_network *network;
	unsigned long idx = 0;
	unsigned long id;
	int err;

	rtnl_lock();
	err = kvs_dump_begin_rtnl(cb, net, KVS_DUMP_NETWORKS, &only);
	if (err)
		goto out;

	list_for_each_entry(sw, kvs_nl_switches(net), node) {
		if (idx++ < st->sw_idx || (only && sw != only) || !sw->live)
			continue;
		xa_for_each_start(&sw->networks, id, network, st->pos) {
			if (st->net_id && id != st->net_id)
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

/* RTNL: the one port of a filtered dump, in the first round */
static int kvs_dump_one_port(struct sk_buff *skb, struct netlink_callback *cb,
			     struct net *net, const struct kvs_switch *only,
			     const struct kvs_nl_ctx *ctx)
{
	struct kvs_dump_state *st = kvs_dump_state(cb);
	struct net_device *dev;
	struct kvs_port *port;
	int err;

	if (st->sw_idx)
		return 0;
	dev = __dev_get_by_index(net, st->port_ifindex);
	port = dev ? kvs_port_from_dev(dev) : NULL;
	if (!port || (only && port->sw != only)) {
		/* detached since .start */
		cb->seq = cb->prev_seq + 1 ?: 1;
		return 0;
	}
	err = kvs_port_fill(skb, port, ctx);
	if (!err)
		st->sw_idx = 1;
	return err;
}

/* PORT_GET and STATS_GET: port messages always carry their counters */
int kvs_nl_port_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct kvs_nl_ctx ctx = kvs_nl_dump_ctx(cb, true);
	struct kvs_dump_state *st = kvs_dump_state(cb);
	struct net *net = sock_net(skb->sk);
	struct kvs_switch *sw, *only;
	unsigned long idx = 0;
	struct kvs_port *port;
	unsigned long pos;
	int err;

	rtnl_lock();
	err = kvs_dump_begin_rtnl(cb, net, KVS_DUMP_PORTS, &only);
	if (err)
		goto out;

	if (st->port_ifindex) {
		err = kvs_dump_one_port(skb, cb, net, only, &ctx);
		goto out;
	}

	list_for_each_entry(sw, kvs_nl_switches(net), node) {
		if (idx++ < st->sw_idx || (only && sw != only) || !sw->live)
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

/* RCU: the switches an fdb dump walks, for its consistency number */
static unsigned int kvs_fdb_dump_seq(struct net *net,
				     const struct kvs_switch *only)
{
	struct kvs_switch *sw;
	u32 seq = 0;

	list_for_each_entry_rcu(sw, kvs_nl_switches(net), node) {
		if (only && sw != only)
			continue;
		seq = jhash_2words(sw->dev->ifindex, READ_ONCE(sw->live), seq);
	}
	return seq ?: 1;
}

/*
 * RCU: where this round starts in @sw: after the entry the last round
 * ended at, or at the head. NULL with *@first set: the list is empty or
 * that entry was the last one.
 */
static struct kvs_fdb_entry *kvs_fdb_dump_resume(struct netlink_callback *cb,
						 struct kvs_switch *sw)
{
	struct kvs_dump_state *st = kvs_dump_state(cb);
	struct hlist_node *next = NULL;
	struct kvs_fdb_entry *f;

	if (st->last.net_id) {
		f = kvs_fdb_lookup_key(sw, &st->last);
		if (f && f->born == st->last_born &&
		    rcu_access_pointer(f->dst)) {
			next = rcu_dereference(hlist_next_rcu(&f->list_node));
			return hlist_entry_safe(next, struct kvs_fdb_entry,
						list_node);
		}
		/* gone: start the switch over, and say so */
		cb->seq = cb->prev_seq + 1 ?: 1;
		st->last.net_id = 0;
	}
	next = rcu_dereference(hlist_first_rcu(&sw->fdb_list));
	return hlist_entry_safe(next, struct kvs_fdb_entry, list_node);
}

/* RCU only: the fdb never waits for RTNL, and learning never waits for it */
int kvs_nl_fdb_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct kvs_nl_ctx ctx = kvs_nl_dump_ctx(cb, false);
	struct kvs_dump_state *st = kvs_dump_state(cb);
	struct net *net = sock_net(skb->sk);
	struct kvs_switch *sw, *only;
	struct kvs_fdb_entry *f;
	unsigned long idx = 0;
	int err;

	rcu_read_lock();
	err = kvs_dump_begin(cb, net, &only);
	if (err)
		goto out;
	cb->seq = kvs_fdb_dump_seq(net, only);

	list_for_each_entry_rcu(sw, kvs_nl_switches(net), node) {
		if (idx++ < st->sw_idx || (only && sw != only) ||
		    !READ_ONCE(sw->live))
			continue;
		f = kvs_fdb_dump_resume(cb, sw);
		hlist_for_each_entry_from_rcu(f, list_node) {
			if (st->net_id && f->key.net_id != st->net_id)
				continue;
			err = kvs_fdb_fill(skb, sw, f, &ctx);
			if (err)
				goto out;
			st->last = f->key;
			st->last_born = f->born;
		}
		st->last.net_id = 0;
		st->sw_idx = idx;
	}
out:
	rcu_read_unlock();
	return kvs_dump_ret(skb, err);
}
