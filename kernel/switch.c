// SPDX-License-Identifier: GPL-2.0
/*
 * kvs: the switch netdev (rtnl_link kind "kvs") and its networks.
 *
 * The switch device is not a host port: what is sent on it is dropped, and
 * its counters are the switch totals. Every way a switch goes away (ip link
 * del, KVS_CMD_SWITCH_DEL, its netns exiting, rmmod) goes through
 * kvs_dellink(), which detaches the ports and frees the networks and the
 * fdb before the device is unregistered. What the datapath may still read
 * (the fdb table) is freed with the device, in the priv destructor.
 */

#include <linux/ethtool.h>
#include <linux/etherdevice.h>
#include <linux/rtnetlink.h>
#include <net/netns/generic.h>
#include <net/rtnetlink.h>

#include "kvs.h"
#include "compat.h"

static struct rtnl_link_ops kvs_link_ops;
static const struct net_device_ops kvs_netdev_ops;

void kvs_switch_changed(struct kvs_switch *sw)
{
	struct kvs_network *network;
	unsigned long id;

	atomic_inc(&sw->generation);
	/* a port or its settings: every network's decisions may change */
	xa_for_each(&sw->networks, id, network)
		kvs_memo_stale(network);
}

static unsigned long kvs_secs_to_jiffies(u32 secs)
{
	return (unsigned long)secs * HZ;
}

void kvs_switch_set_ageing(struct kvs_switch *sw, u32 secs)
{
	ASSERT_RTNL();
	WRITE_ONCE(sw->ageing_time, kvs_secs_to_jiffies(secs));
	kvs_fdb_gc_kick(sw);
	kvs_switch_changed(sw);
}

u32 kvs_switch_ageing_secs(const struct kvs_switch *sw)
{
	return READ_ONCE(sw->ageing_time) / HZ;
}

struct kvs_switch *kvs_switch_from_dev(const struct net_device *dev)
{
	if (dev->netdev_ops != &kvs_netdev_ops)
		return NULL;
	return netdev_priv(dev);
}

struct kvs_switch *kvs_switch_by_name(struct net *net, const char *name)
{
	struct net_device *dev;

	ASSERT_RTNL();
	dev = __dev_get_by_name(net, name);
	return dev ? kvs_switch_from_dev(dev) : NULL;
}

struct kvs_switch *kvs_switch_by_ifindex(struct net *net, int ifindex)
{
	struct net_device *dev;

	ASSERT_RTNL();
	dev = __dev_get_by_index(net, ifindex);
	return dev ? kvs_switch_from_dev(dev) : NULL;
}

/* Totals of the ports attached now; RTNL or RCU */
void kvs_switch_stats(struct kvs_switch *sw, struct kvs_stats *sum)
{
	struct kvs_port *port;
	struct kvs_stats one;
	int i;

	memset(sum, 0, sizeof(*sum));

	rcu_read_lock();
	list_for_each_entry_rcu(port, &sw->ports, sw_node) {
		kvs_stats_read(port, &one);
		sum->rx_packets += one.rx_packets;
		sum->rx_bytes += one.rx_bytes;
		sum->tx_packets += one.tx_packets;
		sum->tx_bytes += one.tx_bytes;
		for (i = 0; i < __KVS_DROP_MAX; i++)
			sum->drops[i] += one.drops[i];
	}
	rcu_read_unlock();
}

/* ---- networks ---- */

/*
 * The point-to-point highway (design.md): on a switch without a fabric, a
 * network whose only members are two VM ports links them, and each sends
 * every frame to the other without fdb look-ups. Source checks, learning
 * and counters stay as on any network. RTNL; called whenever a network's
 * ports or the switch's fabric change. A frame already past the check may
 * still take the old way: both are valid until the change is complete.
 */
void kvs_highway_update(struct kvs_network *network)
{
	struct kvs_port *a = NULL, *b = NULL, *port;

	ASSERT_RTNL();

	if (network->port_count == 2 && !rtnl_dereference(network->sw->fabric)) {
		a = list_first_entry(&network->ports, struct kvs_port,
				     net_node);
		b = list_next_entry(a, net_node);
	}
	list_for_each_entry(port, &network->ports, net_node)
		rcu_assign_pointer(port->highway, !a ? NULL :
				   port == a ? b : a);
	network->highway = a;
}

/* RTNL: the fabric came or went */
void kvs_highway_update_all(struct kvs_switch *sw)
{
	struct kvs_network *network;
	unsigned long id;

	ASSERT_RTNL();
	xa_for_each(&sw->networks, id, network)
		kvs_highway_update(network);
}

/* RTNL or RCU */
struct kvs_network *kvs_network_find(struct kvs_switch *sw, u32 id)
{
	return xa_load(&sw->networks, id);
}

int kvs_network_create(struct kvs_switch *sw, u32 id, const char *label,
		       u32 max_macs, struct netlink_ext_ack *extack)
{
	struct kvs_network *network;
	struct kvs_port *fabric;
	int err;

	ASSERT_RTNL();

	if (id < KVS_NET_ID_MIN || id > KVS_NET_ID_MAX) {
		NL_SET_ERR_MSG(extack, "network id out of range");
		return -ERANGE;
	}
	if (sw->net_count >= KVS_NETS_MAX) {
		NL_SET_ERR_MSG(extack, "too many networks on this switch");
		return -ENOSPC;
	}
	fabric = rtnl_dereference(sw->fabric);
	if (fabric && id > fabric->fabric->ops->max_net_id) {
		NL_SET_ERR_MSG(extack,
			       "the switch has a vlan fabric: network ids above 4094 cannot be carried");
		return -ERANGE;
	}

	/* charged to the memory cgroup of who creates it */
	network = kzalloc(sizeof(*network), GFP_KERNEL_ACCOUNT);
	if (!network)
		return -ENOMEM;

	if (label && strscpy(network->label, label,
			     sizeof(network->label)) < 0) {
		NL_SET_ERR_MSG(extack, "network label too long");
		kfree(network);
		return -EINVAL;
	}
	network->id = id;
	network->sw = sw;
	network->max_macs = max_macs;
	atomic_set(&network->learned, 0);
	atomic64_set(&network->memo_gen,
		     atomic64_inc_return(&kvs_memo_epoch) << 32);
	INIT_LIST_HEAD(&network->ports);
	INIT_HLIST_HEAD(&network->flood);

	err = xa_insert(&sw->networks, id, network, GFP_KERNEL_ACCOUNT);
	if (err) {
		kfree(network);
		if (err == -EBUSY) {
			NL_SET_ERR_MSG(extack,
				       "network already exists on this switch");
			return -EEXIST;
		}
		return err;
	}

	sw->net_count++;
	kvs_switch_changed(sw);
	kvs_notify_network(network, KVS_CMD_NET_NEW);
	return 0;
}

/*
 * Lowering the cap keeps what is learned (it ages out); new MACs are
 * refused until the network is under it again.
 */
void kvs_network_set_max_macs(struct kvs_network *network, u32 max_macs)
{
	ASSERT_RTNL();
	WRITE_ONCE(network->max_macs, max_macs);
	kvs_switch_changed(network->sw);
}

void kvs_network_destroy(struct kvs_network *network)
{
	struct kvs_switch *sw = network->sw;
	struct kvs_port *port, *tmp;

	ASSERT_RTNL();

	list_for_each_entry_safe(port, tmp, &network->ports, net_node)
		kvs_port_detach(port);

	/*
	 * Unpublish, wait, flush: once no fabric frame can find the network
	 * any more (with no fabric port, none ever could: its VM ports are
	 * gone), nothing learns into it, and one walk takes every entry left
	 * (remote ones, the flood list). A network made again with this id
	 * starts empty, and the entries of this one, all gone, never count
	 * in it.
	 */
	xa_erase(&sw->networks, network->id);
	sw->net_count--;
	if (rtnl_dereference(sw->fabric))
		synchronize_net();
	kvs_fdb_flush_network(network);

	kvs_switch_changed(sw);
	kvs_notify_network(network, KVS_CMD_NET_DEL);
	kfree_rcu(network, rcu);
}

/* ---- the switch netdev ---- */

static netdev_tx_t kvs_switch_xmit(struct sk_buff *skb,
				   struct net_device *dev)
{
	/* not a host port: nothing sent here goes anywhere */
	dev_core_stats_tx_dropped_inc(dev);
	dev_kfree_skb_any(skb);
	return NETDEV_TX_OK;
}

/* The name is final here (register_netdevice() resolved it) */
static int kvs_switch_dev_init(struct net_device *dev)
{
	struct kvs_switch *sw = netdev_priv(dev);
	int err;

	/* per-CPU batch queues only for a switch made with batch > 1 */
	err = kvs_switch_set_batch(sw, sw->batch, NULL);
	if (err)
		return err;
	err = kvs_fdb_switch_init(sw);
	if (err) {
		kvs_batch_stop(sw);
		return err;
	}

	/* paired with "destroyed" in kvs_switch_free(), run iff this was */
	pr_debug("switch %s created\n", dev->name);
	return 0;
}

/* Last reference gone, ports and networks long detached */
static void kvs_switch_free(struct net_device *dev)
{
	struct kvs_switch *sw = netdev_priv(dev);

	WARN_ON_ONCE(!list_empty(&sw->ports));
	WARN_ON_ONCE(!xa_empty(&sw->networks));

	kvs_batch_stop(sw);
	kvs_fdb_switch_destroy(sw);
	xa_destroy(&sw->networks);
	pr_debug("switch %s destroyed\n", dev->name);
}

/*
 * `ip link set DEV master SW` cannot say which network: refuse it. The
 * rtnetlink core calls the old master's ndo_del_slave first, so a port of
 * another switch (`master` from one kvs switch to another) has already
 * been detached, as a bridge port moved to a bond that refuses it is.
 */
static int kvs_switch_add_slave(struct net_device *dev,
				struct net_device *port_dev,
				struct netlink_ext_ack *extack)
{
	NL_SET_ERR_MSG(extack,
		       "a kvs port needs a network: use `kvs port add`");
	return -EOPNOTSUPP;
}

/*
 * `ip link set DEV nomaster`, or the first half of `master OTHER`: the
 * port, of any kind, is detached as by `kvs port del`.
 */
static int kvs_switch_del_slave(struct net_device *dev,
				struct net_device *port_dev)
{
	struct kvs_port *port = kvs_port_from_dev(port_dev);

	if (!port || port->sw != netdev_priv(dev))
		return -EINVAL;
	kvs_port_detach(port);
	return 0;
}

static void kvs_switch_get_drvinfo(struct net_device *dev,
				   struct ethtool_drvinfo *info)
{
	strscpy(info->driver, KBUILD_MODNAME, sizeof(info->driver));
	strscpy(info->version, KVS_VERSION, sizeof(info->version));
}

static const struct ethtool_ops kvs_ethtool_ops = {
	.get_drvinfo	= kvs_switch_get_drvinfo,
	.get_link	= ethtool_op_get_link,
};

static const struct net_device_ops kvs_netdev_ops = {
	.ndo_init		= kvs_switch_dev_init,
	.ndo_start_xmit		= kvs_switch_xmit,
	.ndo_get_stats64	= dev_get_tstats64,
	.ndo_set_mac_address	= eth_mac_addr,
	.ndo_validate_addr	= eth_validate_addr,
	.ndo_add_slave		= kvs_switch_add_slave,
	.ndo_del_slave		= kvs_switch_del_slave,
	.ndo_fdb_add		= kvs_fdb_ndo_add,
	.ndo_fdb_del		= kvs_fdb_ndo_del,
	.ndo_fdb_dump		= kvs_fdb_ndo_dump,
};

static void kvs_switch_setup(struct net_device *dev)
{
	struct kvs_switch *sw = netdev_priv(dev);

	ether_setup(dev);
	dev->netdev_ops = &kvs_netdev_ops;
	dev->ethtool_ops = &kvs_ethtool_ops;
	dev->needs_free_netdev = true;
	dev->priv_destructor = kvs_switch_free;
	dev->priv_flags |= IFF_NO_QUEUE;
	/* the core allocates and frees dev->tstats: rx/tx totals */
	dev->pcpu_stat_type = NETDEV_PCPU_STAT_TSTATS;
	dev->max_mtu = ETH_MAX_MTU;
	kvs_dev_set_lltx(dev);
	kvs_dev_set_netns_local(dev);
	eth_hw_addr_random(dev);

	sw->dev = dev;
	INIT_LIST_HEAD(&sw->node);
	INIT_LIST_HEAD(&sw->ports);
	xa_init(&sw->networks);
	sw->net_count = 0;
	RCU_INIT_POINTER(sw->fabric, NULL);
	sw->ageing_time = kvs_secs_to_jiffies(KVS_AGEING_TIME_DEFAULT);
	sw->batch = KVS_BATCH_DEFAULT;
	atomic_set(&sw->generation, 0);
}

static int kvs_switch_validate(struct nlattr *tb[], struct nlattr *data[],
			       struct netlink_ext_ack *extack)
{
	if (tb[IFLA_ADDRESS]) {
		if (nla_len(tb[IFLA_ADDRESS]) != ETH_ALEN) {
			NL_SET_ERR_MSG_ATTR(extack, tb[IFLA_ADDRESS],
					    "invalid link address");
			return -EINVAL;
		}
		if (!is_valid_ether_addr(nla_data(tb[IFLA_ADDRESS]))) {
			NL_SET_ERR_MSG_ATTR(extack, tb[IFLA_ADDRESS],
					    "link address must be unicast");
			return -EADDRNOTAVAIL;
		}
	}
	return 0;
}

/* Both ways of creating a switch end here, under RTNL */
static int kvs_switch_register(struct net_device *dev,
			       struct netlink_ext_ack *extack)
{
	struct kvs_pernet *pn = net_generic(dev_net(dev), kvs_pernet_id);
	struct kvs_switch *sw = netdev_priv(dev);
	int err;

	err = register_netdevice(dev);
	if (err) {
		if (err == -EEXIST)
			NL_SET_ERR_MSG(extack,
				       "a device with this name already exists");
		return err;
	}

	list_add_tail_rcu(&sw->node, &pn->switches);
	WRITE_ONCE(sw->live, true);
	kvs_fdb_gc_kick(sw);
	kvs_switch_changed(sw);
	kvs_notify_switch(sw, KVS_CMD_SWITCH_NEW);
	return 0;
}

/* IFLA_INFO_DATA of `ip link add|set ... type kvs`: what SWITCH_NEW|SET take */
static struct netlink_range_validation kvs_link_ageing_range = {
	.max = KVS_AGEING_TIME_MAX,
};

static const struct nla_policy kvs_link_policy[IFLA_KVS_MAX + 1] = {
	[IFLA_KVS_AGEING_TIME]	= NLA_POLICY_FULL_RANGE(NLA_U32,
							&kvs_link_ageing_range),
	[IFLA_KVS_BATCH]	= NLA_POLICY_RANGE(NLA_U32, 1, KVS_BATCH_MAX),
};

/* ip link add NAME type kvs [ageing, batch in IFLA_INFO_DATA] */
static int kvs_newlink(struct net *src_net, struct net_device *dev,
		       struct nlattr *tb[], struct nlattr *data[],
		       struct netlink_ext_ack *extack)
{
	struct kvs_switch *sw = netdev_priv(dev);

	/* validated by kvs_link_policy; kvs_switch_dev_init() sets up the batch */
	if (data && data[IFLA_KVS_AGEING_TIME])
		sw->ageing_time =
			kvs_secs_to_jiffies(nla_get_u32(data[IFLA_KVS_AGEING_TIME]));
	if (data && data[IFLA_KVS_BATCH])
		sw->batch = nla_get_u32(data[IFLA_KVS_BATCH]);
	return kvs_switch_register(dev, extack);
}

/* ip link set NAME type kvs [ageing, batch]: all or nothing */
static int kvs_changelink(struct net_device *dev, struct nlattr *tb[],
			  struct nlattr *data[], struct netlink_ext_ack *extack)
{
	struct kvs_switch *sw = netdev_priv(dev);
	int err;

	if (!data)
		return 0;
	if (data[IFLA_KVS_BATCH]) {
		err = kvs_switch_set_batch(sw, nla_get_u32(data[IFLA_KVS_BATCH]),
					   extack);
		if (err)
			return err;
	}
	if (data[IFLA_KVS_AGEING_TIME])
		kvs_switch_set_ageing(sw, nla_get_u32(data[IFLA_KVS_AGEING_TIME]));
	kvs_notify_switch(sw, KVS_CMD_SWITCH_SET);
	return 0;
}

/*
 * Everything but the device and what the datapath may still be reading:
 * RTNL, so the switch is never seen half torn down. Also called for the
 * switch device's NETDEV_UNREGISTER, as a safety net: then it finds
 * nothing left to do.
 */
void kvs_switch_teardown(struct kvs_switch *sw)
{
	struct kvs_network *network;
	struct kvs_port *port, *tmp;
	unsigned long id;

	ASSERT_RTNL();

	if (!sw->live)
		return;
	/* from here on the fdb sends no event per entry */
	WRITE_ONCE(sw->live, false);

	list_for_each_entry_safe(port, tmp, &sw->ports, sw_node)
		kvs_port_detach(port);
	xa_for_each(&sw->networks, id, network)
		kvs_network_destroy(network);
	/* no port left to queue frames: nothing deferred outlives them */
	kvs_batch_stop(sw);

	/* the gc work does not take RTNL: waiting for it here is safe */
	cancel_delayed_work_sync(&sw->gc_work);
	kvs_fdb_flush_switch(sw);

	/* RCU dumps may be walking the list: the switch outlives them */
	list_del_rcu(&sw->node);
	kvs_switch_changed(sw);
	kvs_notify_switch(sw, KVS_CMD_SWITCH_DEL);
}

static void kvs_dellink(struct net_device *dev, struct list_head *head)
{
	kvs_switch_teardown(netdev_priv(dev));
	unregister_netdevice_queue(dev, head);
}

/* ---- what ip -d link show reads: uapi IFLA_KVS_* ---- */

static size_t kvs_get_size(const struct net_device *dev)
{
	return nla_total_size(sizeof(u32)) +	/* IFLA_KVS_AGEING_TIME */
	       nla_total_size(sizeof(u32));	/* IFLA_KVS_BATCH */
}

static int kvs_fill_info(struct sk_buff *skb, const struct net_device *dev)
{
	const struct kvs_switch *sw = netdev_priv(dev);

	if (nla_put_u32(skb, IFLA_KVS_AGEING_TIME,
			kvs_switch_ageing_secs(sw)) ||
	    nla_put_u32(skb, IFLA_KVS_BATCH, READ_ONCE(sw->batch)))
		return -EMSGSIZE;
	return 0;
}

/*
 * RTNL: what kvs_fill_info() (the switch) or kvs_fill_slave_info() (a
 * port) says of @dev changed: an RTM_NEWLINK for `ip monitor link`. The
 * fill functions read under RCU what they report, so they may run here,
 * right after the change and with the port attached. "learned" changes
 * with traffic and is not announced.
 */
void kvs_link_info_changed(struct net_device *dev)
{
	ASSERT_RTNL();
	call_netdevice_notifiers(NETDEV_CHANGEINFODATA, dev);
}

/* The port of @sw that @dev is, under RTNL or RCU: a VM or vlan fabric
 * port is the rx_handler's, a vxlan fabric port has none
 */
static const struct kvs_port *kvs_slave_port(const struct kvs_switch *sw,
					     const struct net_device *dev)
{
	const struct kvs_port *port;

	if (rcu_access_pointer(dev->rx_handler) == kvs_handle_frame)
		return rcu_dereference_rtnl(dev->rx_handler_data);
	port = rcu_dereference_rtnl(sw->fabric);
	return port && port->dev == dev ? port : NULL;
}

static size_t kvs_get_slave_size(const struct net_device *master,
				 const struct net_device *dev)
{
	return 2 * nla_total_size(sizeof(u8)) +	/* TYPE, LEARNING */
	       4 * nla_total_size(sizeof(u32));	/* LEARNED, NET, MAX_MACS,
						 * BUM_LIMIT
						 */
}

static int kvs_fill_slave_info(struct sk_buff *skb,
			       const struct net_device *master,
			       const struct net_device *dev)
{
	const struct kvs_port *port;
	int err = 0;

	rcu_read_lock();
	port = kvs_slave_port(netdev_priv(master), dev);
	if (!port)
		goto out;
	err = nla_put_u8(skb, IFLA_KVS_PORT_TYPE, port->type) ||
	      nla_put_u8(skb, IFLA_KVS_PORT_LEARNING,
			 READ_ONCE(port->learning)) ||
	      nla_put_u32(skb, IFLA_KVS_PORT_LEARNED,
			  atomic_read(&port->learned));
	/* a VM port's network never changes while it is attached */
	if (!err && port->network)
		err = nla_put_u32(skb, IFLA_KVS_PORT_NET, port->network->id) ||
		      nla_put_u32(skb, IFLA_KVS_PORT_MAX_MACS,
				  READ_ONCE(port->max_macs)) ||
		      nla_put_u32(skb, IFLA_KVS_PORT_BUM_LIMIT,
				  READ_ONCE(port->bum_limit));
out:
	rcu_read_unlock();
	return err ? -EMSGSIZE : 0;
}

static struct rtnl_link_ops kvs_link_ops __read_mostly = {
	.kind		= "kvs",
	.priv_size	= sizeof(struct kvs_switch),
	.maxtype	= IFLA_KVS_MAX,
	.policy		= kvs_link_policy,
	.setup		= kvs_switch_setup,
	.validate	= kvs_switch_validate,
	.newlink	= kvs_newlink,
	.changelink	= kvs_changelink,
	.dellink	= kvs_dellink,
	.get_size	= kvs_get_size,
	.fill_info	= kvs_fill_info,
	.get_slave_size	= kvs_get_slave_size,
	.fill_slave_info = kvs_fill_slave_info,
};

/* KVS_CMD_SWITCH_NEW: like ip link add, and the switch comes up */
int kvs_switch_create(struct net *net, const char *name, u32 ageing_secs,
		      u32 batch, struct netlink_ext_ack *extack)
{
	struct net_device *dev;
	struct kvs_switch *sw;
	int err;

	ASSERT_RTNL();

	if (ageing_secs > KVS_AGEING_TIME_MAX) {
		NL_SET_ERR_MSG(extack, "ageing time out of range");
		return -ERANGE;
	}

	dev = alloc_netdev(sizeof(*sw), name, NET_NAME_USER,
			   kvs_switch_setup);
	if (!dev)
		return -ENOMEM;

	dev_net_set(dev, net);
	dev->rtnl_link_ops = &kvs_link_ops;
	sw = netdev_priv(dev);
	sw->ageing_time = kvs_secs_to_jiffies(ageing_secs);
	sw->batch = batch;

	err = kvs_switch_register(dev, extack);
	if (err) {
		free_netdev(dev);
		return err;
	}

	err = dev_change_flags(dev, dev->flags | IFF_UP, extack);
	if (err) {
		kvs_switch_destroy(sw);
		return err;
	}
	return 0;
}

/* KVS_CMD_SWITCH_DEL */
void kvs_switch_destroy(struct kvs_switch *sw)
{
	ASSERT_RTNL();
	kvs_dellink(sw->dev, NULL);
}

int kvs_switch_init(void)
{
	return rtnl_link_register(&kvs_link_ops);
}

/* Deletes every switch of every netns through kvs_dellink() */
void kvs_switch_exit(void)
{
	rtnl_link_unregister(&kvs_link_ops);
}
