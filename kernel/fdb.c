// SPDX-License-Identifier: GPL-2.0
/*
 * kvs: the forwarding database of a switch, (network, MAC) -> destination.
 *
 * An rhashtable for look-ups and an hlist for dumps. Readers use RCU only;
 * writers (learning in softirq, ageing in a work item, configuration under
 * RTNL) take sw->fdb_lock with BH off, with one exception: a learned entry
 * moving to another port (a VM migrating, a MAC flapping) only swaps its
 * destination with cmpxchg(), so a flapping MAC never takes the lock. Every
 * locked writer that changes or clears the destination of an entry swaps it
 * with xchg(), so exactly one of two racing updates wins and the learned
 * counters follow the winner.
 *
 * Learning is bounded three ways, so that one VM or one tenant cannot use
 * what the others need: per port (max-macs, default 1024), per network
 * (max-macs, default 16384) and per switch (1M learned). Static entries
 * are counted apart (1M per switch) and never refused for lack of room
 * that learned entries took.
 *
 * Counters: sw->fdb_learned, sw->fdb_static, network->fdb_static and
 * port->fdb_static change under fdb_lock; network->learned and
 * port->learned are atomics, read locklessly by the datapath's limit
 * checks (a port's count may overshoot its limit by the frames that race
 * on other CPUs; the network's cannot, it only grows under the lock).
 *
 * Long walks (flushes, ageing) go through the rhashtable walker and yield
 * every KVS_FDB_WALK_BATCH entries; a flush is one exact walk (see
 * kvs_fdb_walk()) of what its caller has unpublished first.
 */

#include <linux/jiffies.h>
#include <linux/neighbour.h>
#include <linux/minmax.h>
#include <linux/rtnetlink.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "kvs.h"

#define KVS_FDB_WALK_BATCH	1024

static struct kmem_cache *kvs_fdb_cache __read_mostly;

/*
 * The key as three words. rhashtable's own compare is a memcmp() of a
 * length it reads at run time: an out-of-line byte loop, about 70
 * instructions a look-up on x86 (measured in make bench's exact mode).
 */
static int kvs_fdb_cmp(struct rhashtable_compare_arg *arg, const void *obj)
{
	const struct kvs_fdb_entry *f = obj;
	const u32 *a = arg->key, *b = (const u32 *)&f->key;

	BUILD_BUG_ON(sizeof(struct kvs_fdb_key) != 3 * sizeof(u32));
	return (a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]);
}

static const struct rhashtable_params kvs_fdb_params = {
	.head_offset		= offsetof(struct kvs_fdb_entry, rhnode),
	.key_offset		= offsetof(struct kvs_fdb_entry, key),
	.key_len		= sizeof(struct kvs_fdb_key),
	.obj_cmpfn		= kvs_fdb_cmp,
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

static struct kvs_dst *kvs_fdb_dst_locked(struct kvs_switch *sw,
					  struct kvs_fdb_entry *f)
{
	return rcu_dereference_protected(f->dst,
					 lockdep_is_held(&sw->fdb_lock));
}

/*
 * Swap the destination of @f, an entry of @network (NULL: gone), under
 * fdb_lock, and end the decisions that knew the old one; returns it
 */
static struct kvs_dst *kvs_fdb_dst_xchg(struct kvs_network *network,
					struct kvs_fdb_entry *f,
					struct kvs_dst *dst)
{
	struct kvs_dst *old = unrcu_pointer(xchg(&f->dst, RCU_INITIALIZER(dst)));

	kvs_memo_stale(network);
	return old;
}

/* fdb_lock: an entry (@configured: a static one) no longer points to @dst */
static void kvs_fdb_dst_put(struct kvs_dst *dst, bool configured)
{
	struct kvs_remote *r = kvs_dst_remote(dst);

	if (r)
		kvs_remote_put(r, configured);
}

/*
 * fdb_lock: what an entry of @port should point to: the port itself, or
 * for a vxlan fabric port the VTEP at @ip, counted (NULL: no memory).
 */
static struct kvs_dst *kvs_fdb_dst_get(struct kvs_port *port,
				       const struct kvs_ip *ip,
				       struct kvs_remote **spare,
				       bool configured)
{
	struct kvs_remote *r;

	if (!ip)
		return &port->dst;
	r = kvs_remote_get(port, ip, spare, configured);
	return r ? &r->dst : NULL;
}

/* Whether @dst is the VTEP at @ip */
static bool kvs_dst_is_remote(struct kvs_dst *dst, const struct kvs_ip *ip)
{
	struct kvs_remote *r = kvs_dst_remote(dst);

	return r && kvs_ip_equal(&r->ip, ip);
}

/* RCU */
struct kvs_fdb_entry *kvs_fdb_lookup(struct kvs_switch *sw, u32 net_id,
				     const u8 *addr)
{
	struct kvs_fdb_key key;

	kvs_fdb_key_init(&key, net_id, addr);
	return rhashtable_lookup(&sw->fdb, &key, kvs_fdb_params);
}

/* RCU: by the whole key, a flood list member's slot included */
struct kvs_fdb_entry *kvs_fdb_lookup_key(struct kvs_switch *sw,
					 const struct kvs_fdb_key *key)
{
	return rhashtable_lookup(&sw->fdb, key, kvs_fdb_params);
}

/* fdb_lock, which keeps the result valid; RCU not needed */
static struct kvs_fdb_entry *kvs_fdb_find_locked(struct kvs_switch *sw,
						 const struct kvs_fdb_key *key)
{
	lockdep_assert_held(&sw->fdb_lock);
	return rhashtable_lookup_fast(&sw->fdb, key, kvs_fdb_params);
}

static struct hlist_node *kvs_fdb_flood_node(struct kvs_fdb_entry *f)
{
	return &container_of(f, struct kvs_fdb_flood, f)->node;
}

/* An entry nobody can see any more (never inserted, or after RCU) */
static void kvs_fdb_free(struct kvs_fdb_entry *f)
{
	if (f->flags & KVS_FDB_F_FLOOD)
		kfree(container_of(f, struct kvs_fdb_flood, f));
	else
		kmem_cache_free(kvs_fdb_cache, f);
}

/*
 * The grave: removed entries wait here for a grace period before they are
 * freed, with no rcu_head of their own (16 of the 72 bytes an entry took).
 * A removed entry links to the next one through its list_node's pprev,
 * which no reader follows (hlist_del_rcu() leaves next for them; removal
 * is told by a NULL dst). Entries buried while no grace period is pending
 * go to @wait and start one (an rcu_work); those buried meanwhile go to
 * @next, and the work, after freeing @wait, makes them the new @wait and
 * starts the next grace period. So @wait is non-NULL exactly while the
 * work is queued, and every entry is freed a full grace period after it
 * was buried. One grave for the module: only removals take its lock, and
 * they are never on the datapath.
 */
static struct {
	spinlock_t lock;		/* wait, next; under any fdb_lock */
	struct kvs_fdb_entry *wait;	/* the pending grace period's */
	struct kvs_fdb_entry *next;	/* the next one's */
	struct rcu_work work;
} kvs_grave = {
	.lock = __SPIN_LOCK_UNLOCKED(kvs_grave.lock),
};

static struct kvs_fdb_entry **kvs_grave_link(struct kvs_fdb_entry *f)
{
	return (struct kvs_fdb_entry **)&f->list_node.pprev;
}

static void kvs_grave_work(struct work_struct *work)
{
	struct kvs_fdb_entry *f, *next;
	unsigned int n = 0;

	spin_lock_bh(&kvs_grave.lock);
	f = kvs_grave.wait;
	kvs_grave.wait = kvs_grave.next;
	kvs_grave.next = NULL;
	if (kvs_grave.wait)
		queue_rcu_work(system_wq, &kvs_grave.work);
	spin_unlock_bh(&kvs_grave.lock);

	for (; f; f = next) {
		next = *kvs_grave_link(f);
		kvs_fdb_free(f);
		if (++n % KVS_FDB_WALK_BATCH == 0)
			cond_resched();
	}
}

/* fdb_lock (bottom halves off): @f is out of the table and the list */
static void kvs_fdb_bury(struct kvs_fdb_entry *f)
{
	spin_lock(&kvs_grave.lock);
	if (kvs_grave.wait) {
		*kvs_grave_link(f) = kvs_grave.next;
		kvs_grave.next = f;
	} else {
		*kvs_grave_link(f) = NULL;
		kvs_grave.wait = f;
		queue_rcu_work(system_wq, &kvs_grave.work);
	}
	spin_unlock(&kvs_grave.lock);
}

/*
 * A new entry (learned: GFP_ATOMIC, nobody to charge; static: charged to
 * the memory cgroup of the task configuring it). Filled, not yet inserted.
 */
static struct kvs_fdb_entry *kvs_fdb_alloc(const struct kvs_fdb_key *key,
					   u32 flags, gfp_t gfp)
{
	struct kvs_fdb_flood *fl;
	struct kvs_fdb_entry *f;

	if (flags & KVS_FDB_F_FLOOD) {
		fl = kzalloc(sizeof(*fl), gfp);
		f = fl ? &fl->f : NULL;
	} else {
		f = kmem_cache_zalloc(kvs_fdb_cache, gfp);
	}
	if (!f)
		return NULL;
	f->key = *key;
	f->flags = flags;
	f->updated = jiffies;
	return f;
}

/* The counters an entry to @port adds to, as learned or static */
static void kvs_fdb_count(struct kvs_switch *sw, struct kvs_network *network,
			  struct kvs_port *port, bool learned, int n)
{
	/* @network NULL: gone with all of its entries but a late one */
	if (learned) {
		sw->fdb_learned += n;
		if (network)
			atomic_add(n, &network->learned);
		if (port)
			atomic_add(n, &port->learned);
	} else {
		sw->fdb_static += n;
		if (network)
			network->fdb_static += n;
		if (port)
			port->fdb_static += n;
	}
}

/*
 * fdb_lock: @f points to @dst (a port, or a VTEP the caller holds a count
 * of for the entry) in @network; 0 or -EEXIST
 */
static int kvs_fdb_insert(struct kvs_switch *sw, struct kvs_network *network,
			  struct kvs_fdb_entry *f, struct kvs_dst *dst)
{
	int err;

	lockdep_assert_held(&sw->fdb_lock);

	RCU_INIT_POINTER(f->dst, dst);
	err = rhashtable_lookup_insert_fast(&sw->fdb, &f->rhnode,
					    kvs_fdb_params);
	if (err)
		return err;

	f->born = ++sw->fdb_born;
	hlist_add_head_rcu(&f->list_node, &sw->fdb_list);
	if (f->flags & KVS_FDB_F_FLOOD)
		hlist_add_head_rcu(kvs_fdb_flood_node(f), &network->flood);
	kvs_fdb_count(sw, network, kvs_dst_owner(dst),
		      !(f->flags & KVS_FDB_F_STATIC), 1);
	kvs_memo_stale(network);	/* an unknown destination is known now */
	return 0;
}

/*
 * fdb_lock; @f is still in the table. Events only while the switch is
 * live: deleting a switch says so once, not once per entry.
 */
static void kvs_fdb_remove(struct kvs_switch *sw, struct kvs_fdb_entry *f,
			   bool rtnl)
{
	struct kvs_network *network;
	struct kvs_dst *old;

	lockdep_assert_held(&sw->fdb_lock);

	if (READ_ONCE(sw->live))
		kvs_notify_fdb(sw, f, KVS_CMD_FDB_DEL, rtnl);

	rhashtable_remove_fast(&sw->fdb, &f->rhnode, kvs_fdb_params);
	hlist_del_rcu(&f->list_node);	/* its pprev is the grave's now */
	if (f->flags & KVS_FDB_F_FLOOD)
		hlist_del_rcu(kvs_fdb_flood_node(f));

	/* a racing move loses from here on: its cmpxchg() sees NULL */
	network = kvs_network_find(sw, f->key.net_id);
	old = kvs_fdb_dst_xchg(network, f, NULL);
	kvs_fdb_count(sw, network, kvs_dst_owner(old),
		      !(f->flags & KVS_FDB_F_STATIC), -1);
	kvs_fdb_dst_put(old, f->flags & KVS_FDB_F_STATIC);
	kvs_fdb_bury(f);
}

static bool kvs_fdb_port_full(const struct kvs_port *port)
{
	u32 max = READ_ONCE(port->max_macs);

	return max && atomic_read(&port->learned) >= max;
}

static bool kvs_fdb_network_full(const struct kvs_network *network)
{
	u32 max = READ_ONCE(network->max_macs);

	return max && atomic_read(&network->learned) >= max;
}

/* fdb_lock: the network holds max-macs MACs, learned and static */
static bool kvs_fdb_network_total_full(const struct kvs_network *network)
{
	u32 max = READ_ONCE(network->max_macs);

	return max && atomic_read(&network->learned) + network->fdb_static >= max;
}

void kvs_fdb_refresh(struct kvs_fdb_entry *f)
{
	u32 now = jiffies;

	/* keep the cache line clean while a flow keeps hitting the entry */
	if (READ_ONCE(f->updated) != now)
		WRITE_ONCE(f->updated, now);
}

/*
 * A learned entry of another port moves to @port: no lock, one cmpxchg()
 * of the destination (a VTEP's entries are counted, and move under the
 * lock). Losing the race to another
 * update is fine: the next frame looks again. The event that tells of the
 * move is rate limited per port, so a flapping MAC cannot flood listeners.
 */
static int kvs_fdb_move(struct kvs_port *port, struct kvs_network *network,
			struct kvs_fdb_entry *f, struct kvs_dst *old)
{
	struct kvs_port *from = kvs_dst_port(old);

	/* the MAC counts here now, against this port's limit */
	if (kvs_fdb_port_full(port))
		return KVS_DROP_MAC_LIMIT + 1;

	if (cmpxchg(&f->dst, RCU_INITIALIZER(old),
		    RCU_INITIALIZER(&port->dst)) != RCU_INITIALIZER(old))
		return 0;
	kvs_memo_stale(network);

	if (from)
		atomic_dec(&from->learned);
	atomic_inc(&port->learned);
	WRITE_ONCE(f->updated, jiffies);
	if (__ratelimit(&port->move_rs))
		kvs_notify_fdb(port->sw, f, KVS_CMD_FDB_NEW, false);
	return 0;
}

/*
 * Under fdb_lock: a MAC of @network learned on @port, or at the VTEP @ip
 * behind the fabric port @port: a new entry, or one that moves here.
 */
static int kvs_fdb_learn_locked(struct kvs_port *port,
				struct kvs_network *network,
				const struct kvs_fdb_key *key,
				const struct kvs_ip *ip)
{
	struct kvs_switch *sw = port->sw;
	struct kvs_fdb_entry *f;
	struct kvs_dst *dst, *old;

	f = kvs_fdb_find_locked(sw, key);
	if (f) {
		bool was_static = f->flags & KVS_FDB_F_STATIC;

		/* it became static, or moved here, while we were not looking */
		old = kvs_fdb_dst_locked(sw, f);
		if (ip ? kvs_dst_is_remote(old, ip) : old == &port->dst) {
			if (!was_static)
				kvs_fdb_refresh(f);
			return 0;
		}
		/*
		 * A static entry moves only when an EVPN route alone holds it
		 * and a VM port sends from it: the VM moved here (RFC 7432
		 * section 15). It becomes learned on @port, and the agent,
		 * seeing it learned here, advertises it with a higher
		 * sequence number. A MAC static on this host stays.
		 */
		if (was_static && (ip || (f->flags & KVS_FDB_F_HOST)))
			return 0;
		if (kvs_dst_owner(old) != port && kvs_fdb_port_full(port))
			return KVS_DROP_MAC_LIMIT + 1;
		dst = kvs_fdb_dst_get(port, ip, NULL, false);
		if (!dst)
			return 0;	/* forward anyway, unlearned */
		/* learned first, then the destination: as in a take-over */
		if (was_static)
			WRITE_ONCE(f->flags,
				   f->flags & ~(KVS_FDB_F_STATIC | KVS_FDB_F_EVPN));
		old = kvs_fdb_dst_xchg(network, f, dst);
		kvs_fdb_count(sw, network, kvs_dst_owner(old), !was_static, -1);
		kvs_fdb_count(sw, network, port, true, 1);
		kvs_fdb_dst_put(old, was_static);
		WRITE_ONCE(f->updated, jiffies);
		/* a mobility event is always told: the agent advertises it */
		if (was_static || __ratelimit(&port->move_rs))
			kvs_notify_fdb(sw, f, KVS_CMD_FDB_NEW, false);
		return 0;
	}

	/* exact here: new learned entries are made under this lock only */
	if (kvs_fdb_network_full(network))
		return KVS_DROP_MAC_LIMIT + 1;
	if (sw->fdb_learned >= KVS_FDB_LEARNED_MAX) {
		/* forward anyway, unlearned */
		net_warn_ratelimited("%s: fdb full, not learning\n",
				     sw->dev->name);
		return 0;
	}

	f = kvs_fdb_alloc(key, 0, GFP_ATOMIC);
	if (!f)
		return 0;
	dst = kvs_fdb_dst_get(port, ip, NULL, false);
	if (!dst)
		goto free;
	if (kvs_fdb_insert(sw, network, f, dst)) {
		kvs_fdb_dst_put(dst, false);
		goto free;
	}
	kvs_notify_fdb(sw, f, KVS_CMD_FDB_NEW, false);
	return 0;

free:
	kvs_fdb_free(f);
	return 0;
}

/*
 * Datapath, RCU: check @addr as the source of a frame of @network from
 * @port and learn it. Returns 0, or the drop reason + 1: the MAC is static
 * on another port (checked even with learning off), or it is new and the
 * port or the network has learned all it may. *@seen: the entry, when it
 * was learned here before and only needed a refresh (else untouched).
 */
int kvs_fdb_learn(struct kvs_port *port, struct kvs_network *network,
		  const u8 *addr, struct kvs_fdb_entry **seen)
{
	struct kvs_switch *sw = port->sw;
	struct kvs_fdb_entry *f;
	struct kvs_fdb_key key;
	struct kvs_dst *dst;
	int ret;

	kvs_fdb_key_init(&key, network->id, addr);
	f = rhashtable_lookup(&sw->fdb, &key, kvs_fdb_params);
	if (likely(f)) {
		u32 flags;

		dst = rcu_dereference(f->dst);
		/* pairs with the xchg() that made it static: flags first */
		smp_rmb();
		flags = READ_ONCE(f->flags);
		if (flags & KVS_FDB_F_STATIC) {
			if (dst == &port->dst)
				return 0;
			/* only EVPN holds it: the MAC moved here */
			if ((flags & KVS_FDB_F_HOST) ||
			    !READ_ONCE(port->learning))
				return KVS_DROP_SPOOFED_SRC + 1;
			if (kvs_fdb_port_full(port))
				return KVS_DROP_MAC_LIMIT + 1;
			goto locked;
		}
		if (!READ_ONCE(port->learning))
			return 0;
		/* the common case: a known MAC on its own port */
		if (likely(dst == &port->dst)) {
			kvs_fdb_refresh(f);
			*seen = f;
			return 0;
		}
		if (unlikely(!dst))
			return 0;	/* being removed */
		/* moves between ports take no lock; a VTEP is counted */
		if (likely(dst->type == KVS_DST_PORT))
			return kvs_fdb_move(port, network, f, dst);
		if (kvs_fdb_port_full(port))
			return KVS_DROP_MAC_LIMIT + 1;
		goto locked;
	}

	if (!READ_ONCE(port->learning))
		return 0;
	/* a port or network at its limit sending new MACs: no lock */
	if (kvs_fdb_port_full(port) || kvs_fdb_network_full(network))
		return KVS_DROP_MAC_LIMIT + 1;

locked:
	spin_lock_bh(&sw->fdb_lock);
	ret = kvs_fdb_learn_locked(port, network, &key, NULL);
	spin_unlock_bh(&sw->fdb_lock);
	return ret;
}

/*
 * Datapath, RCU: the same for a frame of @network that came from the VTEP
 * @from through the vxlan fabric port @fabric. A MAC that is static on a
 * local port, or behind another VTEP, cannot come from @from.
 */
int kvs_fdb_learn_remote(struct kvs_port *fabric, struct kvs_network *network,
			 const u8 *addr, const struct kvs_ip *from)
{
	struct kvs_switch *sw = fabric->sw;
	struct kvs_fdb_entry *f;
	struct kvs_fdb_key key;
	struct kvs_dst *dst;
	int ret;

	kvs_fdb_key_init(&key, network->id, addr);
	f = rhashtable_lookup(&sw->fdb, &key, kvs_fdb_params);
	if (likely(f)) {
		dst = rcu_dereference(f->dst);
		/* pairs with the xchg() that made it static: flags first */
		smp_rmb();
		/* a static MAC is at its own VTEP only: never at another
		 * one, nor behind the fabric when it is on a local port
		 * (vxlan_snoop() drops such frames too)
		 */
		if (READ_ONCE(f->flags) & KVS_FDB_F_STATIC)
			return kvs_dst_is_remote(dst, from) ? 0 :
			       KVS_DROP_SPOOFED_SRC + 1;
		if (!READ_ONCE(fabric->learning))
			return 0;
		if (likely(kvs_dst_is_remote(dst, from))) {
			kvs_fdb_refresh(f);
			return 0;
		}
		if (unlikely(!dst))
			return 0;	/* being removed */
	} else {
		if (!READ_ONCE(fabric->learning))
			return 0;
		if (kvs_fdb_network_full(network))
			return KVS_DROP_MAC_LIMIT + 1;
	}

	spin_lock_bh(&sw->fdb_lock);
	ret = kvs_fdb_learn_locked(fabric, network, &key, from);
	spin_unlock_bh(&sw->fdb_lock);
	return ret;
}

/*
 * What adding a static entry may need, allocated before fdb_lock where it
 * can sleep and be charged to the caller: the entry, and the VTEP when
 * the destination is one. Whatever the locked part did not use is freed.
 */
struct kvs_fdb_prep {
	struct kvs_fdb_entry *new;
	struct kvs_remote *spare;
};

static int kvs_fdb_prep(struct kvs_fdb_prep *p, const struct kvs_fdb_key *key,
			u32 flags, struct kvs_port *port,
			const struct kvs_ip *ip)
{
	p->spare = NULL;
	p->new = kvs_fdb_alloc(key, flags, GFP_KERNEL_ACCOUNT);
	if (!p->new)
		return -ENOMEM;
	if (ip) {
		p->spare = kvs_remote_alloc(port, ip, GFP_KERNEL_ACCOUNT);
		if (!p->spare) {
			kvs_fdb_free(p->new);
			return -ENOMEM;
		}
	}
	return 0;
}

/* Free what the locked part did not use; returns @err */
static int kvs_fdb_prep_done(struct kvs_fdb_prep *p, int err)
{
	if (p->new)
		kvs_fdb_free(p->new);
	if (p->spare)
		kvs_remote_free(p->spare);
	return err;
}

/*
 * fdb_lock: publish the prepared entry as a new static one of @port (of
 * the VTEP at @ip behind it), within the switch's static limit
 */
static int kvs_fdb_insert_static(struct kvs_switch *sw,
				 struct kvs_network *network,
				 struct kvs_port *port, const struct kvs_ip *ip,
				 struct kvs_fdb_prep *p,
				 struct netlink_ext_ack *extack)
{
	struct kvs_dst *dst;
	int err;

	if (sw->fdb_static >= KVS_FDB_STATIC_MAX) {
		NL_SET_ERR_MSG(extack, "too many static entries on this switch");
		return -ENOSPC;
	}
	/*
	 * A route's MAC counts against the network's max-macs with every
	 * MAC the network has: a peer cannot grow it past the limit its
	 * own frames would meet.
	 */
	if ((p->new->flags & (KVS_FDB_F_EVPN | KVS_FDB_F_FLOOD)) ==
	    KVS_FDB_F_EVPN && kvs_fdb_network_total_full(network)) {
		NL_SET_ERR_MSG(extack, "the network has max-macs MACs already");
		return -ENOSPC;
	}
	dst = kvs_fdb_dst_get(port, ip, &p->spare, true);
	if (!dst)
		return -ENOMEM;
	err = kvs_fdb_insert(sw, network, p->new, dst);
	if (err) {
		kvs_fdb_dst_put(dst, true);
		return err;
	}
	kvs_notify_fdb(sw, p->new, KVS_CMD_FDB_NEW, true);
	p->new = NULL;
	return 0;
}

/* fdb_lock: @f, static where it is asked to be, gains the @why claim */
static void kvs_fdb_claim(struct kvs_switch *sw, struct kvs_fdb_entry *f,
			  u32 why)
{
	u32 flags = f->flags;

	WRITE_ONCE(f->flags, flags | why);
	/* listeners see the EVPN mark come */
	if (kvs_fdb_flags_uapi(flags) != kvs_fdb_flags_uapi(flags | why))
		kvs_notify_fdb(sw, f, KVS_CMD_FDB_NEW, true);
}

/*
 * fdb_lock: make (@network, @addr) a static entry of @port, or with @ip
 * of the VTEP at @ip behind the fabric port @port, with the @why claim
 * (KVS_FDB_F_PORT_MAC, KVS_FDB_F_ADMIN or KVS_FDB_F_EVPN); a learned entry
 * is taken over. A static entry elsewhere is refused, or with @replace
 * moved here unless its port's `mac` list holds it. EVPN moves an entry
 * only it holds, and never one static on this host.
 */
static int kvs_fdb_set_static_locked(struct kvs_switch *sw,
				     struct kvs_network *network,
				     struct kvs_port *port,
				     const struct kvs_ip *ip, u32 why,
				     bool replace, struct kvs_fdb_prep *p,
				     struct netlink_ext_ack *extack)
{
	struct kvs_fdb_entry *f;
	struct kvs_dst *dst, *old;
	bool learned;

	f = kvs_fdb_find_locked(sw, &p->new->key);
	if (!f)
		return kvs_fdb_insert_static(sw, network, port, ip, p, extack);
	if (f->flags & KVS_FDB_F_STATIC) {
		old = kvs_fdb_dst_locked(sw, f);
		if (ip ? kvs_dst_is_remote(old, ip) : old == &port->dst) {
			kvs_fdb_claim(sw, f, why);	/* already static here */
			return 0;
		}
		if (why == KVS_FDB_F_EVPN) {
			if (f->flags & KVS_FDB_F_HOST) {
				NL_SET_ERR_MSG(extack,
					       "MAC is static on this host: EVPN does not move it");
				return -EBUSY;
			}
			replace = true;	/* a newer route for the MAC */
		}
		if (replace && (f->flags & KVS_FDB_F_PORT_MAC)) {
			NL_SET_ERR_MSG(extack,
				       "entry belongs to the port's mac list");
			return -EBUSY;
		}
		if (!replace) {
			if (kvs_dst_remote(old))
				NL_SET_ERR_MSG(extack,
					       "MAC is already static at another remote");
			else if (ip)
				NL_SET_ERR_MSG(extack,
					       "MAC is already static on a local port");
			else
				NL_SET_ERR_MSG(extack,
					       "MAC is already static on another port");
			return -EEXIST;
		}
	}
	dst = kvs_fdb_dst_get(port, ip, &p->spare, true);
	if (!dst)
		return -ENOMEM;

	/*
	 * Learned, here or elsewhere, or (replace) static elsewhere: it
	 * becomes static here. The flags are written before the
	 * destination (xchg() orders them), so a mover that sees the new
	 * destination also sees the entry static.
	 */
	learned = !(f->flags & KVS_FDB_F_STATIC);
	WRITE_ONCE(f->flags, KVS_FDB_F_STATIC | why);
	old = kvs_fdb_dst_xchg(network, f, dst);
	kvs_fdb_count(sw, network, kvs_dst_owner(old), learned, -1);
	kvs_fdb_count(sw, network, port, false, 1);
	kvs_fdb_dst_put(old, !learned);
	WRITE_ONCE(f->updated, jiffies);
	kvs_notify_fdb(sw, f, KVS_CMD_FDB_NEW, true);
	return 0;
}

/* kvs_fdb_set_static_locked() with its allocations and the lock; RTNL */
static int kvs_fdb_set_static(struct kvs_switch *sw,
			      struct kvs_network *network, const u8 *addr,
			      struct kvs_port *port, const struct kvs_ip *ip,
			      u32 why, bool replace,
			      struct netlink_ext_ack *extack)
{
	struct kvs_fdb_prep p;
	struct kvs_fdb_key key;
	int err;

	ASSERT_RTNL();

	kvs_fdb_key_init(&key, network->id, addr);
	err = kvs_fdb_prep(&p, &key, KVS_FDB_F_STATIC | why, port, ip);
	if (err)
		return err;
	spin_lock_bh(&sw->fdb_lock);
	err = kvs_fdb_set_static_locked(sw, network, port, ip, why, replace,
					&p, extack);
	spin_unlock_bh(&sw->fdb_lock);
	return kvs_fdb_prep_done(&p, err);
}

/* KVS_CMD_FDB_NEW with a port (@replace: bridge fdb replace); RTNL */
int kvs_fdb_add_static(struct kvs_switch *sw, struct kvs_network *network,
		       const u8 *addr, struct kvs_port *port, bool replace,
		       struct netlink_ext_ack *extack)
{
	int err;

	ASSERT_RTNL();

	if (port->sw != sw || port->type != KVS_PORT_VM ||
	    port->network != network) {
		NL_SET_ERR_MSG(extack, "port is not in that network");
		return -EINVAL;
	}
	if (!is_valid_ether_addr(addr)) {
		NL_SET_ERR_MSG(extack, "MAC must be unicast");
		return -EINVAL;
	}

	err = kvs_fdb_set_static(sw, network, addr, port, NULL,
				 KVS_FDB_F_ADMIN, replace, extack);
	if (!err)
		kvs_switch_changed(sw);
	return err;
}

/* fdb_lock: a flood list member to @ip, in a free slot */
static int kvs_fdb_flood_add_locked(struct kvs_switch *sw,
				    struct kvs_network *network,
				    struct kvs_port *fabric,
				    const struct kvs_ip *ip, u32 why,
				    struct kvs_fdb_prep *p,
				    struct netlink_ext_ack *extack)
{
	DECLARE_BITMAP(used, KVS_FLOOD_MAX + 1);
	struct kvs_fdb_flood *fl;
	unsigned long slot;

	bitmap_zero(used, KVS_FLOOD_MAX + 1);
	hlist_for_each_entry(fl, &network->flood, node) {
		if (kvs_dst_is_remote(kvs_fdb_dst_locked(sw, &fl->f), ip)) {
			if (!(fl->f.flags & why)) {
				kvs_fdb_claim(sw, &fl->f, why);
				return 0;
			}
			NL_SET_ERR_MSG(extack,
				       "remote is already in the network's flood list");
			return -EEXIST;
		}
		__set_bit(fl->f.key.pad, used);
	}
	slot = find_next_zero_bit(used, KVS_FLOOD_MAX + 1, 1);
	if (slot > KVS_FLOOD_MAX) {
		NL_SET_ERR_MSG(extack,
			       "the network's flood list is full (256 remotes)");
		return -ENOSPC;
	}
	p->new->key.pad = slot;
	return kvs_fdb_insert_static(sw, network, fabric, ip, p, extack);
}

/* A flood list member: MAC 00:00:00:00:00:00 to @ip; RTNL */
static int kvs_fdb_flood_add(struct kvs_switch *sw,
			     struct kvs_network *network,
			     struct kvs_port *fabric, const struct kvs_ip *ip,
			     u32 why, struct netlink_ext_ack *extack)
{
	static const u8 zero[ETH_ALEN];
	struct kvs_fdb_key key;
	struct kvs_fdb_prep p;
	int err;

	kvs_fdb_key_init(&key, network->id, zero);
	err = kvs_fdb_prep(&p, &key, KVS_FDB_F_STATIC | why | KVS_FDB_F_FLOOD,
			   fabric, ip);
	if (err)
		return err;
	spin_lock_bh(&sw->fdb_lock);
	err = kvs_fdb_flood_add_locked(sw, network, fabric, ip, why, &p,
				       extack);
	spin_unlock_bh(&sw->fdb_lock);
	return kvs_fdb_prep_done(&p, err);
}

/*
 * KVS_CMD_FDB_NEW with a remote VTEP: a static remote MAC, or with MAC
 * 00:00:00:00:00:00 a member of the network's flood list (which
 * @replace does not change: a flood list only grows by one). @why is the
 * claim: KVS_FDB_F_ADMIN, or KVS_FDB_F_EVPN for a route's entry. RTNL.
 */
int kvs_fdb_add_remote(struct kvs_switch *sw, struct kvs_network *network,
		       const u8 *addr, const struct kvs_ip *ip, bool replace,
		       u32 why, struct netlink_ext_ack *extack)
{
	struct kvs_port *fabric = rtnl_dereference(sw->fabric);
	int err;

	ASSERT_RTNL();

	if (!fabric || !fabric->fabric->ops->vteps) {
		NL_SET_ERR_MSG(extack,
			       "remote entries need a vxlan fabric port on the switch");
		return -EINVAL;
	}
	if (ip->family != fabric->fabric->local.family) {
		NL_SET_ERR_MSG(extack,
			       "remote must be of the fabric's address family");
		return -EAFNOSUPPORT;
	}
	if (!kvs_ip_unicast(ip)) {
		NL_SET_ERR_MSG(extack, "remote must be a unicast address");
		return -EINVAL;
	}
	if (!is_zero_ether_addr(addr) && !is_valid_ether_addr(addr)) {
		NL_SET_ERR_MSG(extack,
			       "MAC must be unicast (or 00:00:00:00:00:00, the flood list)");
		return -EINVAL;
	}
	if (is_zero_ether_addr(addr))
		err = kvs_fdb_flood_add(sw, network, fabric, ip, why, extack);
	else
		err = kvs_fdb_set_static(sw, network, addr, fabric, ip, why,
					 replace, extack);
	if (!err)
		kvs_switch_changed(sw);
	return err;
}

int kvs_fdb_add_port_mac(struct kvs_port *port, const u8 *addr,
			 struct netlink_ext_ack *extack)
{
	return kvs_fdb_set_static(port->sw, port->network, addr, port, NULL,
				  KVS_FDB_F_PORT_MAC, false, extack);
}

/*
 * fdb_lock: @f loses the @why claims on it; it goes when no claim is left.
 * Returns whether it went.
 */
static bool kvs_fdb_unclaim(struct kvs_switch *sw, struct kvs_fdb_entry *f,
			    u32 why)
{
	u32 old = f->flags, flags = old & ~why;

	if (flags & KVS_FDB_F_CLAIMS) {
		WRITE_ONCE(f->flags, flags);
		/* listeners see the EVPN mark go */
		if (kvs_fdb_flags_uapi(flags) != kvs_fdb_flags_uapi(old))
			kvs_notify_fdb(sw, f, KVS_CMD_FDB_NEW, true);
		return false;
	}
	kvs_fdb_remove(sw, f, true);
	return true;
}

void kvs_fdb_del_port_mac(struct kvs_port *port, const u8 *addr)
{
	struct kvs_switch *sw = port->sw;
	struct kvs_fdb_entry *f;
	struct kvs_fdb_key key;

	ASSERT_RTNL();

	kvs_fdb_key_init(&key, port->network->id, addr);

	spin_lock_bh(&sw->fdb_lock);
	f = kvs_fdb_find_locked(sw, &key);
	if (f && (f->flags & KVS_FDB_F_PORT_MAC) &&
	    kvs_dst_port(kvs_fdb_dst_locked(sw, f)) == port)
		kvs_fdb_unclaim(sw, f, KVS_FDB_F_PORT_MAC);
	spin_unlock_bh(&sw->fdb_lock);
}

/*
 * The network's flood list members at @ip, or all of them with no @ip: the
 * @why claims on them (a member EVPN does not hold is not EVPN's to drop)
 */
static int kvs_fdb_flood_del(struct kvs_switch *sw,
			     struct kvs_network *network,
			     const struct kvs_ip *ip, u32 why,
			     struct netlink_ext_ack *extack)
{
	struct kvs_fdb_entry *f;
	struct kvs_fdb_flood *fl;
	struct hlist_node *tmp;
	unsigned int n = 0;

	spin_lock_bh(&sw->fdb_lock);
	hlist_for_each_entry_safe(fl, tmp, &network->flood, node) {
		f = &fl->f;
		if (ip && !kvs_dst_is_remote(kvs_fdb_dst_locked(sw, f), ip))
			continue;
		if (!(f->flags & why))
			continue;
		kvs_fdb_unclaim(sw, f, why);
		n++;
	}
	spin_unlock_bh(&sw->fdb_lock);

	if (!n) {
		if (ip)
			NL_SET_ERR_MSG(extack,
				       "remote is not in the network's flood list");
		else
			NL_SET_ERR_MSG(extack, "the network's flood list is empty");
		return -ENOENT;
	}
	return 0;
}

/*
 * KVS_CMD_FDB_DEL; RTNL. @why KVS_FDB_F_ADMIN: a learned entry goes; a
 * static one loses the claims of FDB_NEW (the administrator's and EVPN's),
 * and is refused when only its port's `mac` list holds it. @why
 * KVS_FDB_F_EVPN: only EVPN's claim goes; an entry EVPN does not hold is
 * not found. With @port the entry must be on that port, with @ip at that
 * VTEP. MAC 00:00:00:00:00:00 is the flood list: the member at @ip, or
 * every member (with @port the look-up finds none: members are keyed by
 * slot).
 */
int kvs_fdb_delete(struct kvs_switch *sw, struct kvs_network *network,
		   const u8 *addr, const struct kvs_port *port,
		   const struct kvs_ip *ip, u32 why,
		   struct netlink_ext_ack *extack)
{
	u32 claims = why == KVS_FDB_F_EVPN ? why :
		     KVS_FDB_F_ADMIN | KVS_FDB_F_EVPN;

	struct kvs_fdb_entry *f;
	struct kvs_fdb_key key;
	struct kvs_dst *dst;
	int err = 0;

	ASSERT_RTNL();

	if (!is_valid_ether_addr(addr) && !is_zero_ether_addr(addr)) {
		NL_SET_ERR_MSG(extack,
			       "MAC must be unicast (or 00:00:00:00:00:00, the flood list)");
		return -EINVAL;
	}
	if (is_zero_ether_addr(addr) && !port) {
		err = kvs_fdb_flood_del(sw, network, ip, claims, extack);
		goto out;
	}

	kvs_fdb_key_init(&key, network->id, addr);

	spin_lock_bh(&sw->fdb_lock);
	f = kvs_fdb_find_locked(sw, &key);
	dst = f ? kvs_fdb_dst_locked(sw, f) : NULL;
	if (!f) {
		NL_SET_ERR_MSG(extack, "no such fdb entry");
		err = -ENOENT;
	} else if (ip && !kvs_dst_is_remote(dst, ip)) {
		NL_SET_ERR_MSG(extack, "the entry is not at that remote");
		err = -ENOENT;
	} else if (port && kvs_dst_port(dst) != port) {
		NL_SET_ERR_MSG(extack, "the entry is not on that port");
		err = -ENOENT;
	} else if (why == KVS_FDB_F_EVPN && !(f->flags & why)) {
		NL_SET_ERR_MSG(extack, "the entry is not an EVPN route's");
		err = -ENOENT;
	} else if (!(f->flags & KVS_FDB_F_STATIC)) {
		kvs_fdb_remove(sw, f, true);
	} else if (!(f->flags & claims) && (f->flags & KVS_FDB_F_PORT_MAC)) {
		NL_SET_ERR_MSG(extack, "entry belongs to the port's mac list");
		err = -EBUSY;
	} else {
		kvs_fdb_unclaim(sw, f, claims);
	}
	spin_unlock_bh(&sw->fdb_lock);
out:
	if (!err)
		kvs_switch_changed(sw);
	return err;
}

/* ---- walks ---- */

/*
 * Remove every entry @want says so of, yielding the CPU between batches.
 * @want is asked under RCU, then again under fdb_lock before the entry
 * goes. Process context, no spinlock held.
 *
 * Walkers take sw->walk_lock, one at a time. A walk resumes after a yield
 * at the entry it stopped on, which must still be in the table: a flush
 * (@rtnl) yields before it removes the entry in hand, and as every other
 * remover holds RTNL or walk_lock, nothing else can take it away, so a
 * flush sees each entry (a resize restarts it from the top). The ageing
 * walk, without RTNL, yields after the entry in hand (an RTNL remover may
 * free it meanwhile): it may then miss one, which ages on the next pass.
 */
static void kvs_fdb_walk(struct kvs_switch *sw,
			 bool (*want)(struct kvs_fdb_entry *f, const void *arg),
			 const void *arg, bool rtnl)
{
	struct rhashtable_iter iter;
	struct kvs_fdb_entry *f;
	unsigned int n = 0;

	mutex_lock(&sw->walk_lock);
	rhashtable_walk_enter(&sw->fdb, &iter);
	rhashtable_walk_start(&iter);
	while ((f = rhashtable_walk_next(&iter))) {
		if (IS_ERR(f)) {
			/* -EAGAIN: a resize, the walk starts over */
			if (PTR_ERR(f) == -EAGAIN)
				continue;
			break;
		}
		if (rtnl && ++n % KVS_FDB_WALK_BATCH == 0) {
			rhashtable_walk_stop(&iter);
			cond_resched();
			rhashtable_walk_start(&iter);
		}
		if (want(f, arg)) {
			spin_lock_bh(&sw->fdb_lock);
			if (kvs_fdb_dst_locked(sw, f) && want(f, arg))
				kvs_fdb_remove(sw, f, rtnl);
			spin_unlock_bh(&sw->fdb_lock);
		}
		if (!rtnl && ++n % KVS_FDB_WALK_BATCH == 0) {
			rhashtable_walk_stop(&iter);
			cond_resched();
			rhashtable_walk_start(&iter);
		}
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
	mutex_unlock(&sw->walk_lock);
}

/* What a flush removes: entries to @port, or of @network, or all */
struct kvs_fdb_match {
	struct kvs_port *port;
	struct kvs_network *network;
};

/* RCU */
static bool kvs_fdb_match(struct kvs_fdb_entry *f, const void *arg)
{
	const struct kvs_fdb_match *m = arg;

	if (m->port && kvs_dst_owner(rcu_dereference(f->dst)) != m->port)
		return false;
	return !m->network || f->key.net_id == m->network->id;
}

/*
 * One walk removes everything: the caller has unpublished what it flushes
 * (the port receives nothing any more, the network is out of the switch's
 * table, the switch has no port left) and waited for the frames in flight,
 * so nothing can add a matching entry meanwhile, and a walk sees every
 * entry present throughout (a resize restarts it). RTNL.
 */
static void kvs_fdb_flush(struct kvs_switch *sw, const struct kvs_fdb_match *m)
{
	ASSERT_RTNL();
	kvs_fdb_walk(sw, kvs_fdb_match, m, true);
}

void kvs_fdb_flush_port(struct kvs_port *port)
{
	struct kvs_fdb_match m = { .port = port };

	kvs_fdb_flush(port->sw, &m);
}

void kvs_fdb_flush_network(struct kvs_network *network)
{
	struct kvs_fdb_match m = { .network = network };

	kvs_fdb_flush(network->sw, &m);
}

void kvs_fdb_flush_switch(struct kvs_switch *sw)
{
	struct kvs_fdb_match m = { };

	kvs_fdb_flush(sw, &m);
}

/* ---- ageing ---- */

/* Often enough that an entry outlives ageing_time by a quarter at most */
static unsigned long kvs_fdb_gc_period(unsigned long ageing)
{
	return clamp_t(unsigned long, ageing / 4, HZ / 10, 10 * HZ);
}

/* RCU or fdb_lock */
static bool kvs_fdb_expired(struct kvs_fdb_entry *f, const void *arg)
{
	const unsigned long *ageing = arg;

	/* u32 jiffies: ageing (<= 1000000 s) is far below the wrap */
	return !(READ_ONCE(f->flags) & KVS_FDB_F_STATIC) &&
	       (u32)jiffies - READ_ONCE(f->updated) >= *ageing;
}

static void kvs_fdb_gc(struct work_struct *work)
{
	struct kvs_switch *sw = container_of(to_delayed_work(work),
					     struct kvs_switch, gc_work);
	unsigned long ageing = READ_ONCE(sw->ageing_time);

	if (!ageing)
		return;	/* kicked again when ageing is turned on */

	kvs_fdb_walk(sw, kvs_fdb_expired, &ageing, false);

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
	mutex_init(&sw->walk_lock);
	INIT_HLIST_HEAD(&sw->fdb_list);
	sw->fdb_learned = 0;
	sw->fdb_static = 0;
	sw->fdb_born = 0;
	INIT_DELAYED_WORK(&sw->gc_work, kvs_fdb_gc);
	return rhashtable_init(&sw->fdb, &kvs_fdb_params);
}

/*
 * The switch device is being freed: its networks, and so every entry,
 * went in teardown; nothing reads the table any more.
 */
void kvs_fdb_switch_destroy(struct kvs_switch *sw)
{
	cancel_delayed_work_sync(&sw->gc_work);
	WARN_ON_ONCE(sw->fdb_learned || sw->fdb_static ||
		     !hlist_empty(&sw->fdb_list));
	rhashtable_destroy(&sw->fdb);
}

int kvs_fdb_init(void)
{
	/* SLAB_ACCOUNT: static entries are charged to who configures them */
	/* no cache-line alignment: 56 bytes, not 64, per entry */
	BUILD_BUG_ON(sizeof(struct kvs_fdb_entry) > 56);
	INIT_RCU_WORK(&kvs_grave.work, kvs_grave_work);
	kvs_fdb_cache = KMEM_CACHE(kvs_fdb_entry, SLAB_ACCOUNT);
	return kvs_fdb_cache ? 0 : -ENOMEM;
}

/* Every switch is gone: free what the grave holds, then the cache */
void kvs_fdb_exit(void)
{
	bool queued;

	do {
		/* waits for a queued work's grace period and the work */
		flush_rcu_work(&kvs_grave.work);
		spin_lock_bh(&kvs_grave.lock);
		queued = kvs_grave.wait;
		spin_unlock_bh(&kvs_grave.lock);
	} while (queued);
	kmem_cache_destroy(kvs_fdb_cache);
}

/*
 * bridge fdb show: the switch's entries as RTM_NEWNEIGH messages of family
 * AF_BRIDGE, as the bridge and the vxlan device give theirs: ndm_ifindex
 * the port (the fabric port for an entry behind a VTEP), NDA_MASTER the
 * switch, NDA_VNI the network id, NDA_DST the VTEP. Static entries are
 * NUD_NOARP ("static"), learned ones NUD_REACHABLE. The walk resumes by
 * position (*idx), as the bridge's: entries added or removed between two
 * rounds may be missed or shown twice; "kvs fdb show" is the exact one.
 */
static int kvs_fdb_fill_neigh(struct sk_buff *skb, const struct kvs_switch *sw,
			      const struct kvs_fdb_entry *f,
			      struct kvs_dst *dst, int type, u32 portid,
			      u32 seq, u16 flags)
{
	struct kvs_remote *remote = kvs_dst_remote(dst);
	struct kvs_port *port = kvs_dst_owner(dst);
	struct nda_cacheinfo ci = { 0 };
	struct nlmsghdr *nlh;
	struct ndmsg *ndm;
	u32 age;

	nlh = nlmsg_put(skb, portid, seq, type, sizeof(*ndm), flags);
	if (!nlh)
		return -EMSGSIZE;
	ndm = nlmsg_data(nlh);
	memset(ndm, 0, sizeof(*ndm));
	ndm->ndm_family = AF_BRIDGE;
	ndm->ndm_state = f->flags & KVS_FDB_F_STATIC ? NUD_NOARP :
			 NUD_REACHABLE;
	/* a route's entry, as zebra's on a vxlan device */
	if (READ_ONCE(f->flags) & KVS_FDB_F_EVPN)
		ndm->ndm_flags |= NTF_EXT_LEARNED;
	ndm->ndm_ifindex = port ? port->dev->ifindex : sw->dev->ifindex;

	age = (u32)jiffies - READ_ONCE(f->updated);
	ci.ndm_used = jiffies_to_clock_t(age);
	ci.ndm_updated = ci.ndm_used;
	if (nla_put(skb, NDA_LLADDR, ETH_ALEN, f->key.addr) ||
	    nla_put_u32(skb, NDA_MASTER, sw->dev->ifindex) ||
	    nla_put_u32(skb, NDA_VNI, f->key.net_id) ||
	    nla_put(skb, NDA_CACHEINFO, sizeof(ci), &ci))
		goto cancel;
	if (remote && kvs_put_ip(skb, NDA_DST, NDA_DST, &remote->ip))
		goto cancel;
	nlmsg_end(skb, nlh);
	return 0;

cancel:
	nlmsg_cancel(skb, nlh);
	return -EMSGSIZE;
}

static size_t kvs_fdb_neigh_size(void)
{
	return NLMSG_ALIGN(sizeof(struct ndmsg)) +
	       nla_total_size(ETH_ALEN) +			/* NDA_LLADDR */
	       nla_total_size(sizeof(u32)) +			/* NDA_MASTER */
	       nla_total_size(sizeof(u32)) +			/* NDA_VNI */
	       nla_total_size(sizeof(struct nda_cacheinfo)) +
	       nla_total_size(sizeof(struct in6_addr));	/* NDA_DST */
}

/*
 * `bridge monitor fdb`: an entry added, learned, moved (RTM_NEWNEIGH),
 * aged or deleted (RTM_DELNEIGH), on RTNLGRP_NEIGH as the bridge and the
 * vxlan device tell of theirs. Any context; the entry is still in the
 * table, its destination set.
 */
void kvs_fdb_notify_neigh(struct kvs_switch *sw, const struct kvs_fdb_entry *f,
			  bool del)
{
	struct net *net = dev_net(sw->dev);
	struct sk_buff *skb;
	struct kvs_dst *dst;
	int err = -ENOENT;

	if (!rtnl_has_listeners(net, RTNLGRP_NEIGH))
		return;
	skb = nlmsg_new(kvs_fdb_neigh_size(), GFP_ATOMIC);
	if (!skb) {
		rtnl_set_sk_err(net, RTNLGRP_NEIGH, -ENOBUFS);
		return;
	}
	rcu_read_lock();
	dst = rcu_dereference(f->dst);
	if (dst)
		err = kvs_fdb_fill_neigh(skb, sw, f, dst,
					 del ? RTM_DELNEIGH : RTM_NEWNEIGH, 0, 0,
					 0);
	rcu_read_unlock();
	if (err) {
		/* sized for it: only an entry already gone has nothing */
		WARN_ON_ONCE(err == -EMSGSIZE);
		kfree_skb(skb);
		return;
	}
	rtnl_notify(skb, net, 0, RTNLGRP_NEIGH, NULL, GFP_ATOMIC);
}

int kvs_fdb_ndo_dump(struct sk_buff *skb, struct netlink_callback *cb,
		     struct net_device *dev, struct net_device *filter_dev,
		     int *idx)
{
	struct kvs_switch *sw = netdev_priv(dev);
	struct kvs_fdb_entry *f;
	int err = 0;

	/* only the switch's own dump: it is never a port of a bridge */
	if (filter_dev)
		return 0;
	rcu_read_lock();
	hlist_for_each_entry_rcu(f, &sw->fdb_list, list_node) {
		struct kvs_dst *dst = rcu_dereference(f->dst);

		if (!dst)
			continue;	/* being removed */
		if (*idx >= cb->args[2]) {
			err = kvs_fdb_fill_neigh(skb, sw, f, dst, RTM_NEWNEIGH,
						 NETLINK_CB(cb->skb).portid,
						 cb->nlh->nlmsg_seq,
						 NLM_F_MULTI);
			if (err)
				break;
		}
		(*idx)++;
	}
	rcu_read_unlock();
	return err;
}

/*
 * bridge fdb add|replace|del MAC dev SWITCH [self] vni NET [via PORT | dst IP]:
 * the switch's ndo_fdb_add/del, the vxlan device's grammar. NDA_VNI names
 * the network, NDA_IFINDEX ("via") a VM port of it or NDA_DST a VTEP
 * behind the vxlan fabric. They end in the functions FDB_NEW and FDB_DEL
 * use, with their checks, limits and events. rtnetlink parses the
 * message without a policy: lengths are checked here. RTNL.
 */
struct kvs_fdb_req {
	struct kvs_network *network;
	struct kvs_port *port;		/* via, or NULL */
	struct kvs_ip ip;		/* dst, family 0: none */
};

static int kvs_fdb_ndo_parse(struct kvs_switch *sw, struct nlattr *tb[],
			     u16 vid, struct kvs_fdb_req *req,
			     struct netlink_ext_ack *extack)
{
	struct nlattr *vni = tb[NDA_VNI], *via = tb[NDA_IFINDEX];
	struct nlattr *dst = tb[NDA_DST];
	struct net_device *dev;

	memset(req, 0, sizeof(*req));
	if (vid) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NDA_VLAN],
				    "vlan is not supported: the vni is the kvs network");
		return -EINVAL;
	}
	if (tb[NDA_PORT] || tb[NDA_SRC_VNI] || tb[NDA_NH_ID] ||
	    tb[NDA_FLAGS_EXT]) {
		NL_SET_ERR_MSG(extack,
			       "port, src_vni, nhid and extended flags are not supported");
		return -EOPNOTSUPP;
	}
	if (!vni) {
		NL_SET_ERR_MSG(extack, "vni (the kvs network id) required");
		return -EINVAL;
	}
	if (nla_len(vni) != sizeof(u32)) {
		NL_SET_ERR_MSG_ATTR(extack, vni, "invalid vni");
		return -EINVAL;
	}
	req->network = kvs_network_find(sw, nla_get_u32(vni));
	if (!req->network) {
		NL_SET_ERR_MSG_ATTR(extack, vni, "no such network on this switch");
		return -ENOENT;
	}
	if (via && dst) {
		NL_SET_ERR_MSG(extack, "a port or a remote, not both");
		return -EINVAL;
	}

	if (dst && nla_len(dst) == sizeof(__be32)) {
		req->ip.family = AF_INET;
		req->ip.ip4 = nla_get_in_addr(dst);
	} else if (dst && nla_len(dst) == sizeof(struct in6_addr)) {
		req->ip.family = AF_INET6;
		req->ip.ip6 = nla_get_in6_addr(dst);
	} else if (dst) {
		NL_SET_ERR_MSG_ATTR(extack, dst, "invalid dst address");
		return -EINVAL;
	}

	if (!via)
		return 0;
	if (nla_len(via) != sizeof(u32)) {
		NL_SET_ERR_MSG_ATTR(extack, via, "invalid via ifindex");
		return -EINVAL;
	}
	dev = __dev_get_by_index(dev_net(sw->dev), nla_get_u32(via));
	if (!dev) {
		NL_SET_ERR_MSG_ATTR(extack, via, "no such device");
		return -ENODEV;
	}
	req->port = kvs_port_from_dev(dev);
	if (!req->port) {
		NL_SET_ERR_MSG_ATTR(extack, via, "device is not a kvs port");
		return -ENOENT;
	}
	if (req->port->sw != sw) {
		NL_SET_ERR_MSG_ATTR(extack, via, "port is on another switch");
		return -EINVAL;
	}
	return 0;
}

/* RTNL: (@network, @addr) is a static entry to @port, or to the VTEP @ip */
static bool kvs_fdb_static_is(struct kvs_switch *sw,
			      struct kvs_network *network, const u8 *addr,
			      struct kvs_port *port, const struct kvs_ip *ip)
{
	struct kvs_fdb_entry *f;
	struct kvs_dst *dst;
	bool same = false;

	rcu_read_lock();
	f = kvs_fdb_lookup(sw, network->id, addr);
	if (f && (READ_ONCE(f->flags) & KVS_FDB_F_STATIC)) {
		dst = rcu_dereference(f->dst);
		same = ip ? kvs_dst_is_remote(dst, ip) :
			    port && dst == &port->dst;
	}
	rcu_read_unlock();
	return same;
}

int kvs_fdb_ndo_add(struct ndmsg *ndm, struct nlattr *tb[],
		    struct net_device *dev, const unsigned char *addr,
		    u16 vid, u16 flags, struct netlink_ext_ack *extack)
{
	struct kvs_switch *sw = netdev_priv(dev);
	bool replace = flags & NLM_F_REPLACE;
	struct kvs_fdb_req req;
	int err;

	ASSERT_RTNL();

	/* static entries only (permanent, noarp): kvs learns the others */
	if (ndm->ndm_flags & NTF_USE) {
		NL_SET_ERR_MSG(extack,
			       "use is not supported: entries added here are static");
		return -EOPNOTSUPP;
	}
	if (ndm->ndm_flags & ~(NTF_SELF | NTF_MASTER)) {
		NL_SET_ERR_MSG(extack,
			       "router, sticky and extern_learn entries are not supported");
		return -EOPNOTSUPP;
	}
	/*
	 * permanent, or static (bridge sends NUD_REACHABLE | NUD_NOARP for
	 * it, as for a vxlan device); not dynamic (NUD_REACHABLE alone)
	 */
	if (!(ndm->ndm_state & (NUD_PERMANENT | NUD_NOARP)) ||
	    (ndm->ndm_state & ~(NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE))) {
		NL_SET_ERR_MSG(extack,
			       "only static entries can be added: kvs learns the dynamic ones");
		return -EINVAL;
	}

	err = kvs_fdb_ndo_parse(sw, tb, vid, &req, extack);
	if (err)
		return err;
	/* bridge fdb add (NLM_F_EXCL) of what is there already */
	if ((flags & NLM_F_EXCL) && !replace && !is_zero_ether_addr(addr) &&
	    kvs_fdb_static_is(sw, req.network, addr, req.port,
			      req.ip.family ? &req.ip : NULL)) {
		NL_SET_ERR_MSG(extack, "the entry exists");
		return -EEXIST;
	}
	if (req.ip.family)
		return kvs_fdb_add_remote(sw, req.network, addr, &req.ip,
					  replace, KVS_FDB_F_ADMIN, extack);
	if (!req.port) {
		NL_SET_ERR_MSG(extack, "port (via) or remote VTEP (dst) required");
		return -EINVAL;
	}
	return kvs_fdb_add_static(sw, req.network, addr, req.port, replace,
				  extack);
}

int kvs_fdb_ndo_del(struct ndmsg *ndm, struct nlattr *tb[],
		    struct net_device *dev, const unsigned char *addr,
		    u16 vid, struct netlink_ext_ack *extack)
{
	struct kvs_switch *sw = netdev_priv(dev);
	struct kvs_fdb_req req;
	int err;

	ASSERT_RTNL();

	err = kvs_fdb_ndo_parse(sw, tb, vid, &req, extack);
	if (err)
		return err;
	return kvs_fdb_delete(sw, req.network, addr, req.port,
			      req.ip.family ? &req.ip : NULL, KVS_FDB_F_ADMIN,
			      extack);
}
