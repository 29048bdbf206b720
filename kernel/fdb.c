// SPDX-License-Identifier: GPL-2.0
/*
 * kvs: the forwarding database of a switch, (network, MAC) -> port.
 *
 * An rhashtable for look-ups and an hlist for walks (dumps, flushes,
 * ageing). Readers use RCU only; writers (learning in softirq, ageing in a
 * work item, configuration under RTNL) take sw->fdb_lock with BH off.
 * Entries come from one kmem_cache and go back to it after a grace period.
 *
 * Counters kept under fdb_lock: sw->fdb_count (all entries) and
 * port->learned (learned entries pointing to the port; static ones do not
 * count against max-macs).
 */

#include <linux/jiffies.h>
#include <linux/minmax.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "kvs.h"

static struct kmem_cache *kvs_fdb_cache __read_mostly;

static const struct rhashtable_params kvs_fdb_params = {
	.head_offset		= offsetof(struct kvs_fdb_entry, rhnode),
	.key_offset		= offsetof(struct kvs_fdb_entry, key),
	.key_len		= sizeof(struct kvs_fdb_key),
	.automatic_shrinking	= true,
};

static void kvs_fdb_key_init(struct kvs_fdb_key *key, u32 net_id,
			     const u8 *addr)
{
	/* hashed and compared as bytes: no hole, the pad is zero */
	BUILD_BUG_ON(sizeof(*key) != sizeof(u32) + ETH_ALEN + sizeof(u16));
	key->net_id = net_id;
	ether_addr_copy(key->addr, addr);
	key->pad = 0;
}

static struct kvs_port *kvs_fdb_port_locked(struct kvs_switch *sw,
					    struct kvs_fdb_entry *f)
{
	return rcu_dereference_protected(f->port,
					 lockdep_is_held(&sw->fdb_lock));
}

/* RCU */
struct kvs_fdb_entry *kvs_fdb_lookup(struct kvs_switch *sw, u32 net_id,
				     const u8 *addr)
{
	struct kvs_fdb_key key;

	kvs_fdb_key_init(&key, net_id, addr);
	return rhashtable_lookup(&sw->fdb, &key, kvs_fdb_params);
}

/* fdb_lock, which keeps the result valid; RCU not needed */
static struct kvs_fdb_entry *kvs_fdb_find_locked(struct kvs_switch *sw,
						 const struct kvs_fdb_key *key)
{
	lockdep_assert_held(&sw->fdb_lock);
	return rhashtable_lookup_fast(&sw->fdb, key, kvs_fdb_params);
}

static void kvs_fdb_free_rcu(struct rcu_head *head)
{
	kmem_cache_free(kvs_fdb_cache,
			container_of(head, struct kvs_fdb_entry, rcu));
}

/* fdb_lock; any context */
static struct kvs_fdb_entry *kvs_fdb_create(struct kvs_switch *sw,
					    const struct kvs_fdb_key *key,
					    struct kvs_port *port, u32 flags)
{
	struct kvs_fdb_entry *f;
	int err;

	lockdep_assert_held(&sw->fdb_lock);

	if (sw->fdb_count >= KVS_FDB_MAX_ENTRIES)
		return ERR_PTR(-ENOSPC);

	f = kmem_cache_zalloc(kvs_fdb_cache, GFP_ATOMIC);
	if (!f)
		return ERR_PTR(-ENOMEM);

	f->key = *key;
	RCU_INIT_POINTER(f->port, port);
	f->flags = flags;
	f->updated = jiffies;

	err = rhashtable_lookup_insert_fast(&sw->fdb, &f->rhnode,
					    kvs_fdb_params);
	if (err) {
		kmem_cache_free(kvs_fdb_cache, f);
		return ERR_PTR(err);
	}

	hlist_add_head_rcu(&f->list_node, &sw->fdb_list);
	sw->fdb_count++;
	if (port && !(flags & KVS_FDB_F_STATIC))
		atomic_inc(&port->learned);
	return f;
}

/* fdb_lock; @f is still in the table */
static void kvs_fdb_remove(struct kvs_switch *sw, struct kvs_fdb_entry *f,
			   bool notify)
{
	struct kvs_port *port = kvs_fdb_port_locked(sw, f);

	if (notify)
		kvs_notify_fdb(sw, f, KVS_CMD_FDB_DEL, GFP_ATOMIC);

	rhashtable_remove_fast(&sw->fdb, &f->rhnode, kvs_fdb_params);
	/* _init: walkers tell a removed entry by hlist_unhashed() */
	hlist_del_init_rcu(&f->list_node);
	sw->fdb_count--;
	if (port && !(f->flags & KVS_FDB_F_STATIC))
		atomic_dec(&port->learned);
	call_rcu(&f->rcu, kvs_fdb_free_rcu);
}

static bool kvs_fdb_at_limit(const struct kvs_port *port)
{
	u32 max = READ_ONCE(port->max_macs);

	return max && atomic_read(&port->learned) >= max;
}

static void kvs_fdb_refresh(struct kvs_fdb_entry *f)
{
	unsigned long now = jiffies;

	/* keep the cache line clean while a flow keeps hitting the entry */
	if (READ_ONCE(f->updated) != now)
		WRITE_ONCE(f->updated, now);
}

/* Learning, under fdb_lock: a new entry, or one moving between ports */
static int kvs_fdb_learn_locked(struct kvs_port *port,
				const struct kvs_fdb_key *key)
{
	struct kvs_switch *sw = port->sw;
	struct kvs_fdb_entry *f;
	struct kvs_port *owner;

	f = kvs_fdb_find_locked(sw, key);
	if (f) {
		owner = kvs_fdb_port_locked(sw, f);
		if (f->flags & KVS_FDB_F_STATIC)
			return owner == port ? 0 : KVS_DROP_SPOOFED_SRC + 1;
		if (owner == port) {
			kvs_fdb_refresh(f);
			return 0;
		}
		/* the MAC moved here (VM migration): it counts here now */
		if (kvs_fdb_at_limit(port))
			return KVS_DROP_MAC_LIMIT + 1;
		if (owner)
			atomic_dec(&owner->learned);
		atomic_inc(&port->learned);
		rcu_assign_pointer(f->port, port);
		WRITE_ONCE(f->updated, jiffies);
	} else {
		if (kvs_fdb_at_limit(port))
			return KVS_DROP_MAC_LIMIT + 1;
		f = kvs_fdb_create(sw, key, port, 0);
		if (IS_ERR(f)) {
			/* forward anyway, unlearned */
			if (PTR_ERR(f) == -ENOSPC)
				net_warn_ratelimited("%s: fdb full, not learning\n",
						     sw->dev->name);
			return 0;
		}
	}

	kvs_notify_fdb(sw, f, KVS_CMD_FDB_NEW, GFP_ATOMIC);
	return 0;
}

/*
 * Datapath, RCU: check @addr as the source of a frame from @port and learn
 * it. Returns 0, or the drop reason + 1: the MAC is static on another port
 * (checked even with learning off), or a new MAC is beyond max-macs.
 */
int kvs_fdb_learn(struct kvs_port *port, const u8 *addr)
{
	struct kvs_switch *sw = port->sw;
	struct kvs_fdb_entry *f;
	struct kvs_fdb_key key;
	struct kvs_port *owner;
	int ret;

	kvs_fdb_key_init(&key, port->network->id, addr);
	f = rhashtable_lookup(&sw->fdb, &key, kvs_fdb_params);
	if (likely(f)) {
		owner = rcu_dereference(f->port);
		if (READ_ONCE(f->flags) & KVS_FDB_F_STATIC)
			return owner == port ? 0 : KVS_DROP_SPOOFED_SRC + 1;
		if (!READ_ONCE(port->learning))
			return 0;
		/* the common case: a known MAC on its own port, no lock */
		if (likely(owner == port)) {
			kvs_fdb_refresh(f);
			return 0;
		}
	} else {
		if (!READ_ONCE(port->learning))
			return 0;
		/* a port at its limit sending new MACs: no lock either */
		if (kvs_fdb_at_limit(port))
			return KVS_DROP_MAC_LIMIT + 1;
	}

	spin_lock_bh(&sw->fdb_lock);
	ret = kvs_fdb_learn_locked(port, &key);
	spin_unlock_bh(&sw->fdb_lock);
	return ret;
}

/*
 * Make (network of @port, @addr) a static entry of @port, with @extra
 * flags; a learned entry is taken over. RTNL.
 */
static int kvs_fdb_set_static(struct kvs_port *port, const u8 *addr,
			      u32 extra, u32 *old_flags,
			      struct netlink_ext_ack *extack)
{
	struct kvs_switch *sw = port->sw;
	struct kvs_fdb_entry *f;
	struct kvs_fdb_key key;
	struct kvs_port *owner;
	int err = 0;

	kvs_fdb_key_init(&key, port->network->id, addr);
	*old_flags = 0;

	spin_lock_bh(&sw->fdb_lock);
	f = kvs_fdb_find_locked(sw, &key);
	if (!f) {
		f = kvs_fdb_create(sw, &key, port, KVS_FDB_F_STATIC | extra);
		if (IS_ERR(f)) {
			err = PTR_ERR(f);
			if (err == -ENOSPC)
				NL_SET_ERR_MSG(extack,
					       "the switch's fdb is full");
			goto unlock;
		}
		kvs_notify_fdb(sw, f, KVS_CMD_FDB_NEW, GFP_ATOMIC);
		goto unlock;
	}

	owner = kvs_fdb_port_locked(sw, f);
	if (f->flags & KVS_FDB_F_STATIC) {
		if (owner != port) {
			NL_SET_ERR_MSG(extack,
				       "MAC is already static on another port");
			err = -EEXIST;
			goto unlock;
		}
		/* already static here: nothing changes that listeners see */
		*old_flags = f->flags;
		WRITE_ONCE(f->flags, f->flags | extra);
		goto unlock;
	}

	/* learned, here or elsewhere: it becomes static on @port */
	if (owner)
		atomic_dec(&owner->learned);
	rcu_assign_pointer(f->port, port);
	WRITE_ONCE(f->flags, KVS_FDB_F_STATIC | extra);
	WRITE_ONCE(f->updated, jiffies);
	kvs_notify_fdb(sw, f, KVS_CMD_FDB_NEW, GFP_ATOMIC);
unlock:
	spin_unlock_bh(&sw->fdb_lock);
	return err;
}

/* KVS_CMD_FDB_NEW with a port; RTNL */
int kvs_fdb_add_static(struct kvs_switch *sw, struct kvs_network *network,
		       const u8 *addr, struct kvs_port *port,
		       struct netlink_ext_ack *extack)
{
	u32 old_flags;
	int err;

	ASSERT_RTNL();

	if (!port) {
		NL_SET_ERR_MSG(extack, "fabric ports are not supported yet");
		return -EOPNOTSUPP;
	}
	if (port->sw != sw || port->type != KVS_PORT_VM ||
	    port->network != network) {
		NL_SET_ERR_MSG(extack, "port is not in that network");
		return -EINVAL;
	}
	if (!is_valid_ether_addr(addr)) {
		NL_SET_ERR_MSG(extack, "MAC must be unicast");
		return -EINVAL;
	}

	err = kvs_fdb_set_static(port, addr, 0, &old_flags, extack);
	if (!err)
		kvs_switch_changed(sw);
	return err;
}

int kvs_fdb_add_port_mac(struct kvs_port *port, const u8 *addr,
			 u32 *old_flags, struct netlink_ext_ack *extack)
{
	ASSERT_RTNL();
	return kvs_fdb_set_static(port, addr, KVS_FDB_F_PORT_MAC, old_flags,
				  extack);
}

void kvs_fdb_del_port_mac(struct kvs_port *port, const u8 *addr,
			  u32 old_flags)
{
	struct kvs_switch *sw = port->sw;
	struct kvs_fdb_entry *f;
	struct kvs_fdb_key key;

	ASSERT_RTNL();

	kvs_fdb_key_init(&key, port->network->id, addr);

	spin_lock_bh(&sw->fdb_lock);
	f = kvs_fdb_find_locked(sw, &key);
	if (f && (f->flags & KVS_FDB_F_PORT_MAC) &&
	    kvs_fdb_port_locked(sw, f) == port) {
		if (old_flags & KVS_FDB_F_STATIC)
			WRITE_ONCE(f->flags, old_flags);
		else
			kvs_fdb_remove(sw, f, true);
	}
	spin_unlock_bh(&sw->fdb_lock);
}

/* KVS_CMD_FDB_DEL; RTNL */
int kvs_fdb_delete(struct kvs_switch *sw, u32 net_id, const u8 *addr,
		   struct netlink_ext_ack *extack)
{
	struct kvs_fdb_entry *f;
	struct kvs_fdb_key key;
	int err = 0;

	ASSERT_RTNL();

	kvs_fdb_key_init(&key, net_id, addr);

	spin_lock_bh(&sw->fdb_lock);
	f = kvs_fdb_find_locked(sw, &key);
	if (!f) {
		NL_SET_ERR_MSG(extack, "no such fdb entry");
		err = -ENOENT;
	} else if (f->flags & KVS_FDB_F_PORT_MAC) {
		NL_SET_ERR_MSG(extack, "entry belongs to the port's mac list");
		err = -EBUSY;
	} else {
		kvs_fdb_remove(sw, f, true);
	}
	spin_unlock_bh(&sw->fdb_lock);

	if (!err)
		kvs_switch_changed(sw);
	return err;
}

/*
 * Remove the entries pointing to @port (NULL: any) in network @net_id
 * (0: any). Walks under RCU and locks per entry, so that a large table
 * never keeps BHs off for long; the match is checked again under the lock
 * since a learned entry may have moved meanwhile.
 */
static void kvs_fdb_flush(struct kvs_switch *sw, const struct kvs_port *port,
			  u32 net_id, bool notify)
{
	struct kvs_fdb_entry *f;

	rcu_read_lock();
	hlist_for_each_entry_rcu(f, &sw->fdb_list, list_node) {
		if (port && rcu_access_pointer(f->port) != port)
			continue;
		if (net_id && f->key.net_id != net_id)
			continue;

		spin_lock_bh(&sw->fdb_lock);
		if (!hlist_unhashed(&f->list_node) &&
		    (!port || kvs_fdb_port_locked(sw, f) == port))
			kvs_fdb_remove(sw, f, notify);
		spin_unlock_bh(&sw->fdb_lock);
	}
	rcu_read_unlock();
}

void kvs_fdb_flush_port(struct kvs_port *port)
{
	kvs_fdb_flush(port->sw, port, 0, true);
}

void kvs_fdb_flush_network(struct kvs_switch *sw, u32 net_id)
{
	kvs_fdb_flush(sw, NULL, net_id, true);
}

void kvs_fdb_flush_switch(struct kvs_switch *sw)
{
	kvs_fdb_flush(sw, NULL, 0, true);
}

/* ---- ageing ---- */

/* Often enough that an entry outlives ageing_time by a quarter at most */
static unsigned long kvs_fdb_gc_period(unsigned long ageing)
{
	return clamp_t(unsigned long, ageing / 4, HZ / 10, 10 * HZ);
}

static void kvs_fdb_gc(struct work_struct *work)
{
	struct kvs_switch *sw = container_of(to_delayed_work(work),
					     struct kvs_switch, gc_work);
	unsigned long ageing = READ_ONCE(sw->ageing_time);
	struct kvs_fdb_entry *f;

	if (!ageing)
		return;	/* kicked again when ageing is turned on */

	rcu_read_lock();
	hlist_for_each_entry_rcu(f, &sw->fdb_list, list_node) {
		if (READ_ONCE(f->flags) & KVS_FDB_F_STATIC)
			continue;
		if (time_before(jiffies, READ_ONCE(f->updated) + ageing))
			continue;

		spin_lock_bh(&sw->fdb_lock);
		if (!hlist_unhashed(&f->list_node) &&
		    !(f->flags & KVS_FDB_F_STATIC) &&
		    !time_before(jiffies, f->updated + ageing))
			kvs_fdb_remove(sw, f, true);
		spin_unlock_bh(&sw->fdb_lock);
	}
	rcu_read_unlock();

	queue_delayed_work(system_power_efficient_wq, &sw->gc_work,
			   kvs_fdb_gc_period(ageing));
}

/* RTNL: the switch came up or its ageing time changed */
void kvs_fdb_gc_kick(struct kvs_switch *sw)
{
	if (sw->live && READ_ONCE(sw->ageing_time))
		mod_delayed_work(system_power_efficient_wq, &sw->gc_work, 0);
}

/* ---- per switch, per module ---- */

int kvs_fdb_switch_init(struct kvs_switch *sw)
{
	spin_lock_init(&sw->fdb_lock);
	INIT_HLIST_HEAD(&sw->fdb_list);
	sw->fdb_count = 0;
	INIT_DELAYED_WORK(&sw->gc_work, kvs_fdb_gc);
	return rhashtable_init(&sw->fdb, &kvs_fdb_params);
}

/* The switch device is being freed: nothing reads the table any more */
void kvs_fdb_switch_destroy(struct kvs_switch *sw)
{
	cancel_delayed_work_sync(&sw->gc_work);
	kvs_fdb_flush(sw, NULL, 0, false);
	WARN_ON_ONCE(sw->fdb_count);
	rhashtable_destroy(&sw->fdb);
}

int kvs_fdb_init(void)
{
	kvs_fdb_cache = KMEM_CACHE(kvs_fdb_entry, SLAB_HWCACHE_ALIGN);
	return kvs_fdb_cache ? 0 : -ENOMEM;
}

/* After rcu_barrier(): no entry is waiting to be freed */
void kvs_fdb_exit(void)
{
	kmem_cache_destroy(kvs_fdb_cache);
}
