// SPDX-License-Identifier: GPL-2.0
/*
 * kvs: ports. Attaching takes over the device's rx_handler and makes the
 * switch its master; a port lives until it is detached by request, by its
 * network or switch going away, or by its device being unregistered (the
 * netdevice notifier below).
 *
 * A port is reachable from the datapath through dev->rx_handler_data, the
 * network's port list and fdb entries; it is freed, and its device
 * reference dropped, only after an RCU grace period that follows its
 * removal from all three.
 */

#include <linux/if_arp.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>

#include "kvs.h"
#include "compat.h"

/* A VM port, a vlan fabric port (rx_handler) or a vxlan one (no rx_handler) */
struct kvs_port *kvs_port_from_dev(const struct net_device *dev)
{
	if (rtnl_dereference(dev->rx_handler) != kvs_handle_frame)
		return kvs_fabric_from_dev(dev);
	return rtnl_dereference(dev->rx_handler_data);
}

struct kvs_port *kvs_port_from_dev_rcu(const struct net_device *dev)
{
	if (rcu_dereference(dev->rx_handler) != kvs_handle_frame)
		return NULL;
	return rcu_dereference(dev->rx_handler_data);
}

static void kvs_port_free_rcu(struct rcu_head *head)
{
	struct kvs_port *port = container_of(head, struct kvs_port, rcu);

	kfree(rcu_dereference_protected(port->macs, true));
	kfree(port->fabric);
	kvs_stats_free(port->stats);
	netdev_put(port->dev, &port->dev_tracker);
	kfree(port);
}

/* Say who owns @dev already; the message names the kind of master */
static int kvs_port_master_busy(struct net_device *dev,
				struct netlink_ext_ack *extack)
{
	struct net_device *master = netdev_master_upper_dev_get(dev);

	if (!master)
		return 0;

	if (kvs_switch_from_dev(master))
		kvs_set_master_msg(extack,
				   "device is already a port of another kvs switch",
				   master);
	else if (netif_is_bridge_master(master))
		kvs_set_master_msg(extack,
				   "device is already a port of a bridge",
				   master);
	else if (netif_is_bond_master(master))
		kvs_set_master_msg(extack,
				   "device is already a port of a bond",
				   master);
	else if (netif_is_team_master(master))
		kvs_set_master_msg(extack,
				   "device is already a port of a team",
				   master);
	else if (netif_is_ovs_master(master))
		kvs_set_master_msg(extack,
				   "device is already a port of openvswitch",
				   master);
	else if (netif_is_l3_master(master))
		kvs_set_master_msg(extack,
				   "device is already a port of a vrf",
				   master);
	else
		kvs_set_master_msg(extack, "device already has a master",
				   master);
	return -EBUSY;
}

/*
 * The refusals of design.md, in its order. @linked: the device becomes a
 * port (rx_handler, master), as a VM port or a vlan uplink; else it is a
 * vxlan uplink, only routed through, and may keep its master and handler.
 */
static int kvs_port_check_dev(struct kvs_switch *sw, struct net_device *dev,
			      bool linked, struct netlink_ext_ack *extack)
{
	struct kvs_port *port;
	int err;

	if (dev->flags & IFF_LOOPBACK) {
		NL_SET_ERR_MSG(extack, "a loopback device cannot be a port");
		return -EINVAL;
	}
	if (dev->type != ARPHRD_ETHER || dev->addr_len != ETH_ALEN ||
	    !is_valid_ether_addr(dev->dev_addr)) {
		NL_SET_ERR_MSG(extack, "only Ethernet devices can be ports");
		return -EINVAL;
	}
	if (dev == sw->dev) {
		NL_SET_ERR_MSG(extack, "a switch cannot be its own port");
		return -ELOOP;
	}
	if (kvs_switch_from_dev(dev)) {
		NL_SET_ERR_MSG(extack, "a kvs switch cannot be a port");
		return -ELOOP;
	}
	if (!net_eq(dev_net(dev), dev_net(sw->dev))) {
		NL_SET_ERR_MSG(extack,
			       "device is not in the switch's namespace");
		return -ENODEV;
	}

	/* before the master check: the master of a port is its switch */
	port = kvs_port_from_dev(dev);
	if (port) {
		if (port->type == KVS_PORT_FABRIC)
			NL_SET_ERR_MSG(extack,
				       "device is already the fabric port of a kvs switch");
		else if (port->sw == sw)
			NL_SET_ERR_MSG(extack,
				       "device is already a port of this switch");
		else
			NL_SET_ERR_MSG(extack,
				       "device is already a port of another kvs switch");
		return -EBUSY;
	}
	if (!linked)
		return 0;

	err = kvs_port_master_busy(dev, extack);
	if (err)
		return err;

	if (netdev_is_rx_handler_busy(dev)) {
		NL_SET_ERR_MSG(extack,
			       "device already has an rx handler (macvlan, ipvlan, ...)");
		return -EBUSY;
	}
	if (dev->priv_flags & IFF_DONT_BRIDGE) {
		NL_SET_ERR_MSG(extack, "device does not allow bridging");
		return -EOPNOTSUPP;
	}
	return 0;
}

/* netlink.c parses the same rules; checked again for other callers */
static int kvs_port_check_cfg(const struct kvs_port_cfg *cfg,
			      struct netlink_ext_ack *extack)
{
	unsigned int i, j;

	if (cfg->has_group_fwd_mask &&
	    (cfg->group_fwd_mask & KVS_GROUP_FWD_RESTRICTED)) {
		NL_SET_ERR_MSG(extack,
			       "group-fwd-mask cannot forward STP, PAUSE or LACP (bits 0-2)");
		return -EINVAL;
	}
	if (!cfg->has_macs)
		return 0;
	if (cfg->mac_count > KVS_PORT_MACS_MAX) {
		NL_SET_ERR_MSG(extack, "too many MACs (at most 64)");
		return -EINVAL;
	}
	for (i = 0; i < cfg->mac_count; i++) {
		if (!is_valid_ether_addr(cfg->macs[i])) {
			NL_SET_ERR_MSG(extack, "MAC must be unicast");
			return -EINVAL;
		}
		for (j = 0; j < i; j++) {
			if (ether_addr_equal(cfg->macs[i], cfg->macs[j])) {
				NL_SET_ERR_MSG(extack, "duplicate MAC");
				return -EINVAL;
			}
		}
	}
	return 0;
}

static bool kvs_maclist_has(const struct kvs_maclist *macs, const u8 *addr)
{
	unsigned int i;

	if (!macs)
		return false;
	for (i = 0; i < macs->count; i++)
		if (ether_addr_equal(macs->addr[i], addr))
			return true;
	return false;
}

/*
 * Replace the `mac` list of @port with the one in @cfg: the new MACs become
 * static entries first (all or none: EEXIST when one is static on another
 * port), then the list is published, then the entries of MACs that left
 * it go, once no frame checked against the old list is in flight: such a
 * frame could otherwise learn the MAC again right after. RTNL.
 */
static int kvs_port_set_macs(struct kvs_port *port,
			     const struct kvs_port_cfg *cfg,
			     struct netlink_ext_ack *extack)
{
	struct kvs_maclist *old = rtnl_dereference(port->macs);
	DECLARE_BITMAP(added, KVS_PORT_MACS_MAX);
	struct kvs_maclist *new = NULL;
	bool gone = false;
	unsigned int i;
	int err;

	bitmap_zero(added, KVS_PORT_MACS_MAX);

	if (cfg->mac_count) {
		new = kmalloc(struct_size(new, addr, cfg->mac_count),
			      GFP_KERNEL_ACCOUNT);
		if (!new)
			return -ENOMEM;
		new->count = cfg->mac_count;
		memcpy(new->addr, cfg->macs, cfg->mac_count * ETH_ALEN);
	}

	for (i = 0; i < cfg->mac_count; i++) {
		if (kvs_maclist_has(old, new->addr[i]))
			continue;
		err = kvs_fdb_add_port_mac(port, new->addr[i], extack);
		if (err)
			goto err_undo;
		__set_bit(i, added);
	}

	rcu_assign_pointer(port->macs, new);
	if (!old)
		return 0;

	for (i = 0; i < old->count && !gone; i++)
		gone = !kvs_maclist_has(new, old->addr[i]);
	if (gone) {
		/* every frame that passed the old list has been switched */
		synchronize_net();
		for (i = 0; i < old->count; i++)
			if (!kvs_maclist_has(new, old->addr[i]))
				kvs_fdb_del_port_mac(port, old->addr[i]);
	}
	kfree_rcu(old, rcu);
	return 0;

err_undo:
	for_each_set_bit(i, added, KVS_PORT_MACS_MAX)
		kvs_fdb_del_port_mac(port, new->addr[i]);
	kfree(new);
	return err;
}

static struct kvs_port *kvs_port_alloc(struct kvs_switch *sw,
				       struct net_device *dev,
				       enum kvs_port_type type)
{
	struct kvs_port *port;

	port = kzalloc(sizeof(*port), GFP_KERNEL_ACCOUNT);
	if (!port)
		return NULL;
	port->stats = kvs_stats_alloc();
	if (!port->stats) {
		kfree(port);
		return NULL;
	}

	port->dst.type = KVS_DST_PORT;
	port->dev = dev;
	port->sw = sw;
	port->type = type;
	atomic_set(&port->learned, 0);
	INIT_LIST_HEAD(&port->sw_node);
	INIT_LIST_HEAD(&port->net_node);
	/* POLICY_DROP events: 5 a second; never print "suppressed" lines */
	spin_lock_init(&port->storm.lock);
	ratelimit_state_init(&port->event_rs, HZ, 5);
	ratelimit_set_flags(&port->event_rs, RATELIMIT_MSG_ON_RELEASE);
	/* FDB_NEW of MACs moving to the port (flapping): as many */
	ratelimit_state_init(&port->move_rs, HZ, 5);
	ratelimit_set_flags(&port->move_rs, RATELIMIT_MSG_ON_RELEASE);
	netdev_hold(dev, &port->dev_tracker, GFP_KERNEL);
	return port;
}

/* Take the device over: rx_handler, master, promiscuous; all or nothing */
static int kvs_port_link(struct kvs_port *port, struct netlink_ext_ack *extack)
{
	struct net_device *dev = port->dev;
	int err;

	err = netdev_rx_handler_register(dev, kvs_handle_frame, port);
	if (err) {
		if (err == -EBUSY)
			NL_SET_ERR_MSG(extack,
				       "device already has an rx handler (macvlan, ipvlan, ...)");
		else
			NL_SET_ERR_MSG(extack,
				       "device does not accept an rx handler");
		return err;
	}

	err = netdev_master_upper_dev_link(dev, port->sw->dev, NULL, NULL,
					   extack);
	if (err)
		goto err_rx_handler;

	/* frames for the MACs behind the port must reach the switch */
	err = dev_set_promiscuity(dev, 1);
	if (err) {
		NL_SET_ERR_MSG(extack, "cannot make the device promiscuous");
		goto err_unlink;
	}
	/* LRO merges frames that cannot be forwarded as they are */
	dev_disable_lro(dev);
	return 0;

err_unlink:
	netdev_upper_dev_unlink(dev, port->sw->dev);
err_rx_handler:
	netdev_rx_handler_unregister(dev);
	return err;
}

int kvs_port_attach_vm(struct kvs_switch *sw, struct net_device *dev,
		       struct kvs_network *network,
		       const struct kvs_port_cfg *cfg,
		       struct netlink_ext_ack *extack)
{
	struct kvs_port *port;
	int err;

	ASSERT_RTNL();

	err = kvs_port_check_dev(sw, dev, true, extack);
	if (err)
		return err;
	if (!network || network->sw != sw) {
		NL_SET_ERR_MSG(extack, "no such network on this switch");
		return -ENOENT;
	}
	err = kvs_port_check_cfg(cfg, extack);
	if (err)
		return err;

	port = kvs_port_alloc(sw, dev, KVS_PORT_VM);
	if (!port)
		return -ENOMEM;
	port->network = network;
	port->veth = dev->rtnl_link_ops &&
		     !strcmp(dev->rtnl_link_ops->kind, "veth") &&
		     dev->netdev_ops->ndo_get_peer_dev;
	port->learning = cfg->has_learning ? cfg->learning : true;
	port->max_macs = cfg->has_max_macs ? cfg->max_macs :
			 KVS_PORT_MAX_MACS_DEFAULT;
	port->group_fwd_mask = cfg->has_group_fwd_mask ?
			       cfg->group_fwd_mask : 0;
	port->bum_limit = cfg->has_bum_limit ? cfg->bum_limit : 0;

	/* first: the likely refusal (EEXIST) leaves the device untouched */
	if (cfg->has_macs) {
		err = kvs_port_set_macs(port, cfg, extack);
		if (err)
			goto err_free;
	}

	err = kvs_port_link(port, extack);
	if (err)
		goto err_flush;

	list_add_tail_rcu(&port->net_node, &network->ports);
	list_add_tail_rcu(&port->sw_node, &sw->ports);
	network->port_count++;
	kvs_highway_update(network);

	kvs_switch_changed(sw);
	kvs_notify_port(port, KVS_CMD_PORT_NEW);
	pr_debug("port %s attached\n", dev->name);
	return 0;

err_flush:
	/* the static entries, and what was learned in between */
	kvs_fdb_flush_port(port);
err_free:
	/* fdb readers may still hold the port: free it after them */
	call_rcu(&port->rcu, kvs_port_free_rcu);
	return err;
}

/*
 * The fabric port: vlan takes the uplink like a VM port (rx_handler,
 * master, promiscuous); vxlan only holds it, for the route out, and
 * receives through its socket.
 */
int kvs_port_attach_fabric(struct kvs_switch *sw, struct net_device *dev,
			   const struct kvs_fabric_cfg *cfg,
			   struct netlink_ext_ack *extack)
{
	const struct kvs_encap_ops *ops = kvs_encap_ops(cfg->encap);
	struct kvs_port *port;
	int err;

	ASSERT_RTNL();

	if (rtnl_dereference(sw->fabric)) {
		NL_SET_ERR_MSG(extack, "the switch already has a fabric port");
		return -EEXIST;
	}
	if (!kvs_fabric_nets_fit(sw, ops->max_net_id)) {
		NL_SET_ERR_MSG(extack,
			       "the switch has networks above 4094, which a vlan fabric cannot carry");
		return -ERANGE;
	}
	err = kvs_port_check_dev(sw, dev, ops->linked, extack);
	if (err)
		return err;

	port = kvs_port_alloc(sw, dev, KVS_PORT_FABRIC);
	if (!port)
		return -ENOMEM;
	port->learning = cfg->learning;
	port->max_macs = 0;	/* the networks' limits apply */

	err = kvs_fabric_init(port, cfg, extack);
	if (err)
		goto err_free;
	if (ops->linked) {
		err = kvs_port_link(port, extack);
		if (err)
			goto err_free;
	}

	list_add_tail_rcu(&port->sw_node, &sw->ports);
	rcu_assign_pointer(sw->fabric, port);
	kvs_highway_update_all(sw);	/* floods must reach the fabric */

	kvs_switch_changed(sw);
	kvs_notify_port(port, KVS_CMD_PORT_NEW);
	pr_debug("port %s attached\n", dev->name);
	return 0;

err_free:
	/* vxlan: nothing fails after its socket is open */
	call_rcu(&port->rcu, kvs_port_free_rcu);
	return err;
}

int kvs_port_configure(struct kvs_port *port, const struct kvs_port_cfg *cfg,
		       struct netlink_ext_ack *extack)
{
	int err;

	ASSERT_RTNL();

	err = kvs_port_check_cfg(cfg, extack);
	if (err)
		return err;

	/* the only step that can fail comes first: all or nothing */
	if (cfg->has_macs) {
		err = kvs_port_set_macs(port, cfg, extack);
		if (err)
			return err;
	}
	if (cfg->has_learning)
		WRITE_ONCE(port->learning, cfg->learning);
	/* lowering max-macs keeps what is learned; it ages out */
	if (cfg->has_max_macs)
		WRITE_ONCE(port->max_macs, cfg->max_macs);
	if (cfg->has_bum_limit)
		WRITE_ONCE(port->bum_limit, cfg->bum_limit);
	if (cfg->has_group_fwd_mask)
		WRITE_ONCE(port->group_fwd_mask, cfg->group_fwd_mask);

	kvs_switch_changed(port->sw);
	/* what the port's slave link info shows */
	if (cfg->has_learning || cfg->has_max_macs || cfg->has_bum_limit)
		kvs_link_info_changed(port->dev);
	return 0;
}

/* The settings of @port, as a PORT_NEW would give them; RTNL */
void kvs_port_get_cfg(const struct kvs_port *port, struct kvs_port_cfg *cfg)
{
	const struct kvs_maclist *macs = rtnl_dereference(port->macs);

	memset(cfg, 0, sizeof(*cfg));
	if (macs) {
		cfg->has_macs = true;
		cfg->mac_count = macs->count;
		memcpy(cfg->macs, macs->addr, macs->count * ETH_ALEN);
	}
	cfg->has_learning = true;
	cfg->learning = port->learning;
	cfg->has_max_macs = true;
	cfg->max_macs = port->max_macs;
	cfg->has_bum_limit = true;
	cfg->bum_limit = port->bum_limit;
	cfg->has_group_fwd_mask = true;
	cfg->group_fwd_mask = port->group_fwd_mask;
}

void kvs_port_detach(struct kvs_port *port)
{
	struct kvs_switch *sw = port->sw;
	struct net_device *dev = port->dev;
	bool linked = port->type == KVS_PORT_VM ||
		      port->fabric->ops->linked;

	ASSERT_RTNL();

	list_del_rcu(&port->net_node);
	list_del_rcu(&port->sw_node);
	RCU_INIT_POINTER(port->highway, NULL);
	if (port->network) {
		port->network->port_count--;
		kvs_highway_update(port->network);
	}
	if (port->type == KVS_PORT_FABRIC) {
		RCU_INIT_POINTER(sw->fabric, NULL);
		port->fabric->ops->stop(port);
		kvs_highway_update_all(sw);
	}

	/* waits for the frames in flight: nothing learns on the port after */
	if (linked)
		netdev_rx_handler_unregister(dev);
	else
		synchronize_net();
	/* and for those it queued for a batch */
	if (port->type == KVS_PORT_VM)
		kvs_batch_drain(port);
	kvs_fdb_flush_port(port);
	if (port->type == KVS_PORT_FABRIC)
		port->fabric->ops->release(port);

	if (linked) {
		netdev_upper_dev_unlink(dev, sw->dev);
		dev_set_promiscuity(dev, -1);
	}

	kvs_switch_changed(sw);
	kvs_notify_port(port, KVS_CMD_PORT_DEL);
	pr_debug("port %s detached\n", dev->name);

	/* a reader that found the port in the fdb may still send on dev */
	call_rcu(&port->rcu, kvs_port_free_rcu);
}

static int kvs_netdev_event(struct notifier_block *nb, unsigned long event,
			    void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct kvs_switch *sw;
	struct kvs_port *port;

	switch (event) {
	case NETDEV_UNREGISTER:
		/* deleted, or moving to another netns */
		port = kvs_port_from_dev(dev);
		if (port)
			kvs_port_detach(port);
		sw = kvs_switch_from_dev(dev);
		if (sw)
			kvs_switch_teardown(sw);
		break;
	case NETDEV_PRE_TYPE_CHANGE:
		/* a port stays an Ethernet device */
		if (kvs_port_from_dev(dev))
			return notifier_from_errno(-EBUSY);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block kvs_netdev_notifier = {
	.notifier_call = kvs_netdev_event,
};

int kvs_port_init(void)
{
	return register_netdevice_notifier(&kvs_netdev_notifier);
}

void kvs_port_exit(void)
{
	unregister_netdevice_notifier(&kvs_netdev_notifier);
}
