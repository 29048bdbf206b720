/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvs internal interfaces. Locking, in one place:
 *  - every configuration change runs under RTNL (genl handlers take it);
 *  - the datapath runs under RCU (rx_handler, softirq) and never takes RTNL;
 *  - fdb writers (learning in softirq, ageing, netlink) take sw->fdb_lock
 *    with _bh; fdb readers use RCU only; a learned entry moving between
 *    ports changes only its RCU-published destination (cmpxchg, no lock);
 *  - objects reachable from the datapath are freed after an RCU grace period.
 */
#ifndef _KVS_H
#define _KVS_H

#include <linux/etherdevice.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/ratelimit.h>
#include <linux/rhashtable.h>
#include <linux/u64_stats_sync.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <net/dst_cache.h>
#include <net/netlink.h>
#include "../uapi/linux/kvs.h"

#ifndef KVS_VERSION
#define KVS_VERSION "0.1"
#endif

struct kvs_switch;
struct kvs_network;
struct kvs_port;

/* stats.c: per-CPU counters of one port */
struct kvs_pcpu_stats {
	u64_stats_t rx_packets;
	u64_stats_t rx_bytes;
	u64_stats_t tx_packets;
	u64_stats_t tx_bytes;
	u64_stats_t drops[__KVS_DROP_MAX];
	struct u64_stats_sync syncp;
};

/* A consistent sum over CPUs, what netlink reports */
struct kvs_stats {
	u64 rx_packets;
	u64 rx_bytes;
	u64 tx_packets;
	u64 tx_bytes;
	u64 drops[__KVS_DROP_MAX];
};

/* The MACs a VM port may send from; replaced as a whole under RTNL */
struct kvs_maclist {
	struct rcu_head rcu;
	unsigned int count;
	u8 addr[][ETH_ALEN];
};

/* Settings of a VM port, as parsed from netlink. has_* say what was given. */
struct kvs_port_cfg {
	bool has_macs;
	bool has_learning;
	bool has_max_macs;
	bool has_bum_limit;
	bool has_group_fwd_mask;
	bool learning;
	u32 max_macs;
	u32 bum_limit;
	u16 group_fwd_mask;
	unsigned int mac_count;
	u8 macs[KVS_PORT_MACS_MAX][ETH_ALEN];
};

/*
 * Where an fdb entry sends frames: a local port or (with the fabric) a
 * remote VTEP. Embedded in the object it names, so that an entry has one
 * RCU-published pointer and a learned MAC moves between a port and a VTEP
 * (or between two ports) with one pointer update.
 */
enum kvs_dst_type {
	KVS_DST_PORT = 1,
	KVS_DST_REMOTE,
};

struct kvs_dst {
	u8 type;			/* enum kvs_dst_type, never changes */
};

/* An underlay address, hashed and compared as bytes: zero what is unused */
struct kvs_ip {
	union {
		struct in6_addr ip6;
		__be32 ip4;
	};
	u32 family;			/* AF_INET, AF_INET6; 0: none */
};

static inline bool kvs_ip_equal(const struct kvs_ip *a, const struct kvs_ip *b)
{
	return !memcmp(a, b, sizeof(*a));
}

/* @ip as attribute @type4 or @type6, by its family */
static inline int kvs_put_ip(struct sk_buff *skb, int type4, int type6,
			     const struct kvs_ip *ip)
{
	if (ip->family == AF_INET)
		return nla_put_in_addr(skb, type4, ip->ip4);
	return nla_put_in6_addr(skb, type6, &ip->ip6);
}

/*
 * A VTEP behind a vxlan fabric: what fdb entries of remote MACs, flood
 * list members and the gateway point to. One per address and fabric,
 * shared, counted by sw->fdb_lock; freed after RCU when unused.
 */
struct kvs_remote {
	struct kvs_dst dst;		/* type KVS_DST_REMOTE */
	struct rhash_head node;		/* fabric->remotes; fdb_lock */
	struct kvs_ip ip;		/* the key */
	struct kvs_port *fabric;	/* its fabric port, which counts its
					 * entries and outlives it
					 */
	unsigned int refs;		/* fdb_lock */
	unsigned int configured;	/* fdb_lock: of the refs, those of the
					 * gateway, flood-list members and
					 * static entries (peers known)
					 */
	struct dst_cache dst_cache;	/* route to it */
	struct rcu_head rcu;
};

struct kvs_fabric_cfg;

/*
 * What tells the encapsulations apart (fabric.c), so that the rest of kvs
 * asks the fabric instead of testing which one it is.
 */
struct kvs_encap_ops {
	enum kvs_encap encap;
	bool linked;		/* the uplink becomes a port (rx_handler,
				 * master); else it is only routed through
				 */
	bool vteps;		/* frames go to VTEPs: remote entries, the
				 * flood lists and the gateway
				 */
	u32 max_net_id;		/* the highest network id it can carry */
	/* RTNL: set up (the port is not reachable yet); stop its receive
	 * path before detach; release after the fdb flush
	 */
	int (*open)(struct kvs_port *port, const struct kvs_fabric_cfg *cfg,
		    struct netlink_ext_ack *extack);
	void (*stop)(struct kvs_port *port);
	void (*release)(struct kvs_port *port);
	/* softirq, RCU: a frame of @network (data past its Ethernet
	 * header) to @remote (a VTEP, or NULL), from kvs_egress() only
	 */
	void (*xmit)(struct kvs_port *from, struct kvs_port *fabric,
		     struct kvs_remote *remote, struct kvs_network *network,
		     struct sk_buff *skb);
};

/* What a fabric port adds to a port; fixed at attach */
struct kvs_fabric {
	const struct kvs_encap_ops *ops;
	struct kvs_ip local;		/* vxlan */
	__be16 dstport;			/* vxlan */
	struct kvs_remote *gateway;	/* vxlan: default VTEP, or NULL */
	struct socket *sock;		/* vxlan: the tunnel socket */
	bool known_peers;		/* vxlan: frames from configured VTEPs
					 * only (KVS_PEERS_KNOWN)
					 */
	struct rhashtable remotes;	/* vxlan: ip -> kvs_remote */
};

/* What PORT_NEW says of a fabric port */
struct kvs_fabric_cfg {
	enum kvs_encap encap;
	struct kvs_ip local;
	struct kvs_ip remote;		/* family 0: none */
	u16 dstport;			/* host order */
	bool learning;
	bool known_peers;
};

/*
 * The storm limit of a port (bum-limit): a token bucket whose credit is
 * time. It fills at one nanosecond a nanosecond up to one second; a
 * frame costs a second / bum_limit. So a port may send bum_limit such
 * frames a second, and a burst of as many after a quiet second.
 */
struct kvs_storm {
	spinlock_t lock;		/* softirq only */
	u64 stamp;			/* ns, when credit was topped up */
	u64 credit;			/* ns, at most NSEC_PER_SEC */
};

struct kvs_port {
	struct kvs_dst dst;		/* what fdb entries point to */
	struct net_device *dev;
	netdevice_tracker dev_tracker;
	struct kvs_switch *sw;
	struct kvs_network *network;	/* NULL for the fabric port */
	struct kvs_fabric *fabric;	/* the fabric port's, else NULL */
	enum kvs_port_type type;
	struct list_head sw_node;	/* sw->ports, RTNL */
	struct list_head net_node;	/* network->ports, RCU readers */
	struct kvs_maclist __rcu *macs;	/* NULL: any source MAC allowed */
	bool learning;
	bool veth;			/* a veth: the peer shortcut may apply */
	struct kvs_port __rcu *highway;	/* the other port of a point-to-point
					 * network (kvs_highway_update())
					 */
	u32 max_macs;			/* 0: no limit */
	u32 bum_limit;			/* broadcast, unknown unicast and
					 * multicast frames a second it may
					 * send, 0: any (input.c)
					 */
	struct kvs_storm storm;		/* bum_limit's token bucket */
	u16 group_fwd_mask;		/* link-local groups forwarded */
	atomic_t learned;		/* learned fdb entries pointing here */
	unsigned int fdb_static;	/* static ones; fdb_lock */
	struct ratelimit_state event_rs;	/* POLICY_DROP notifications */
	struct ratelimit_state move_rs;	/* FDB_NEW of MACs moving here */
	struct kvs_pcpu_stats __percpu *stats;
	struct rcu_head rcu;
};

struct kvs_network {
	u32 id;
	char label[KVS_LABEL_MAX];
	struct kvs_switch *sw;
	struct list_head ports;		/* VM ports, RCU for flooding */
	u32 port_count;			/* RTNL */
	u32 max_macs;			/* learned entries allowed, 0: any */
	atomic_t learned;		/* learned entries of the network */
	unsigned int fdb_static;	/* static ones; fdb_lock */
	struct hlist_head flood;	/* flood list entries (vxlan): RCU
					 * readers, fdb_lock writers
					 */
	bool highway;			/* RTNL: its two ports are linked */
	atomic64_t memo_gen;		/* struct kvs_flow's generation */
	struct rcu_head rcu;
};

/* fdb.c */

/*
 * Internal KVS_FDB_F_* bits, never reported, of a static entry: PORT_MAC,
 * the MAC is in its port's `mac` list; ADMIN, it was also added by
 * FDB_NEW. With the reported KVS_FDB_F_EVPN (an EVPN agent added it) they
 * are the entry's claims: it lives while one is set. PORT_MAC and ADMIN
 * make it static on this host, which EVPN never moves.
 */
#define KVS_FDB_F_PORT_MAC	BIT(31)
#define KVS_FDB_F_ADMIN		BIT(30)
#define KVS_FDB_F_HOST		(KVS_FDB_F_PORT_MAC | KVS_FDB_F_ADMIN)
#define KVS_FDB_F_CLAIMS	(KVS_FDB_F_HOST | KVS_FDB_F_EVPN)
/* a flood list member: MAC 00:00:00:00:00:00, key.pad its slot (1...) */
#define KVS_FDB_F_FLOOD		BIT(29)
#define KVS_FLOOD_MAX		256	/* members of one network's list */

/* What netlink may report of an entry's flags */
static inline u32 kvs_fdb_flags_uapi(u32 flags)
{
	/* REMOTE: by destination */
	return flags & (KVS_FDB_F_STATIC | KVS_FDB_F_EVPN);
}

struct kvs_fdb_key {
	u32 net_id;
	u8 addr[ETH_ALEN];
	u16 pad;			/* zero, but a flood list member's slot:
					 * the key is hashed as bytes
					 */
};

/*
 * 72 bytes: the issue-9 budget is < 96 bytes per entry with its share of
 * the hash table's buckets. What only flood list members need is in
 * struct kvs_fdb_flood; an entry's network is found by its id.
 */
struct kvs_fdb_entry {
	struct rhash_head rhnode;
	struct kvs_fdb_key key;
	u32 born;			/* insert stamp (sw->fdb_born): tells a
					 * dump resuming here a re-added entry
					 */
	struct hlist_node list_node;	/* sw->fdb_list, for dumps; once
					 * removed, its pprev links the entry
					 * into fdb.c's grave (no rcu_head)
					 */
	struct kvs_dst __rcu *dst;	/* where frames go; NULL: removed */
	u32 flags;			/* KVS_FDB_F_* */
	u32 updated;			/* jiffies (low 32 bits), written only
					 * on change
					 */
};

/* A flood list member (KVS_FDB_F_FLOOD), kmalloc()ed */
struct kvs_fdb_flood {
	struct kvs_fdb_entry f;
	struct hlist_node node;		/* network->flood: RCU readers,
					 * fdb_lock writers
					 */
};

struct kvs_switch {
	struct net_device *dev;
	struct list_head node;		/* kvs_pernet->switches: RTNL, RCU */
	struct list_head ports;		/* all ports, RTNL */
	struct xarray networks;		/* id -> kvs_network, RCU readers */
	unsigned int net_count;		/* RTNL */
	struct kvs_port __rcu *fabric;	/* at most one */
	struct rhashtable fdb;
	struct hlist_head fdb_list;	/* RCU readers, fdb_lock writers */
	spinlock_t fdb_lock;
	struct mutex walk_lock;		/* one fdb walker (flush, ageing) */
	unsigned int fdb_learned;	/* fdb_lock */
	unsigned int fdb_static;	/* fdb_lock */
	u32 fdb_born;			/* fdb_lock: the last insert stamp */
	unsigned long ageing_time;	/* jiffies, 0: never */
	struct delayed_work gc_work;
	u32 batch;			/* frames per pass; 1: none deferred */
	struct kvs_batch __percpu *batches;	/* batch.c: NULL until batch
						 * was > 1 once
						 */
	atomic_t generation;		/* bumped on every config change */
	bool live;			/* registered, not torn down; RTNL */
};

struct kvs_pernet {
	struct list_head switches;	/* RTNL, RCU */
};

extern unsigned int kvs_pernet_id;

/* switch.c: the switch netdev, networks */
int kvs_switch_init(void);
void kvs_switch_exit(void);
struct kvs_switch *kvs_switch_by_name(struct net *net, const char *name);
struct kvs_switch *kvs_switch_by_ifindex(struct net *net, int ifindex);
struct kvs_switch *kvs_switch_from_dev(const struct net_device *dev);
int kvs_switch_create(struct net *net, const char *name, u32 ageing_secs,
		      u32 batch, struct netlink_ext_ack *extack);
void kvs_switch_destroy(struct kvs_switch *sw);
void kvs_switch_set_ageing(struct kvs_switch *sw, u32 secs);
u32 kvs_switch_ageing_secs(const struct kvs_switch *sw);
void kvs_switch_changed(struct kvs_switch *sw);	/* bump generation */
void kvs_highway_update(struct kvs_network *network);	/* RTNL */
void kvs_highway_update_all(struct kvs_switch *sw);	/* RTNL */
void kvs_switch_teardown(struct kvs_switch *sw);	/* RTNL, idempotent */
void kvs_switch_stats(struct kvs_switch *sw, struct kvs_stats *sum);
void kvs_link_info_changed(struct net_device *dev);	/* RTNL */

struct kvs_network *kvs_network_find(struct kvs_switch *sw, u32 id);
int kvs_network_create(struct kvs_switch *sw, u32 id, const char *label,
		       u32 max_macs, struct netlink_ext_ack *extack);
void kvs_network_set_max_macs(struct kvs_network *network, u32 max_macs);
void kvs_network_destroy(struct kvs_network *network);

/* port.c: attach, detach, lifetime via the netdevice notifier */
int kvs_port_init(void);
void kvs_port_exit(void);
struct kvs_port *kvs_port_from_dev(const struct net_device *dev); /* RTNL */
struct kvs_port *kvs_port_from_dev_rcu(const struct net_device *dev);
int kvs_port_attach_vm(struct kvs_switch *sw, struct net_device *dev,
		       struct kvs_network *network,
		       const struct kvs_port_cfg *cfg,
		       struct netlink_ext_ack *extack);
int kvs_port_configure(struct kvs_port *port, const struct kvs_port_cfg *cfg,
		       struct netlink_ext_ack *extack);
int kvs_port_attach_fabric(struct kvs_switch *sw, struct net_device *dev,
			   const struct kvs_fabric_cfg *cfg,
			   struct netlink_ext_ack *extack);
void kvs_port_detach(struct kvs_port *port);
void kvs_port_get_cfg(const struct kvs_port *port, struct kvs_port_cfg *cfg);

/* fdb.c */

/* bridge fdb show, add|replace, del on the switch device */
int kvs_fdb_ndo_dump(struct sk_buff *skb, struct netlink_callback *cb,
		     struct net_device *dev, struct net_device *filter_dev,
		     int *idx);
int kvs_fdb_ndo_add(struct ndmsg *ndm, struct nlattr *tb[],
		    struct net_device *dev, const unsigned char *addr,
		    u16 vid, u16 flags, struct netlink_ext_ack *extack);
void kvs_fdb_notify_neigh(struct kvs_switch *sw, const struct kvs_fdb_entry *f,
			  bool del);	/* RTM_NEWNEIGH, RTM_DELNEIGH */
int kvs_fdb_ndo_del(struct ndmsg *ndm, struct nlattr *tb[],
		    struct net_device *dev, const unsigned char *addr,
		    u16 vid, struct netlink_ext_ack *extack);

/* The local port of a destination, NULL for a remote VTEP or none */
static inline struct kvs_port *kvs_dst_port(struct kvs_dst *dst)
{
	return dst && dst->type == KVS_DST_PORT ?
	       container_of(dst, struct kvs_port, dst) : NULL;
}

static inline struct kvs_remote *kvs_dst_remote(struct kvs_dst *dst)
{
	return dst && dst->type == KVS_DST_REMOTE ?
	       container_of(dst, struct kvs_remote, dst) : NULL;
}

/* The port whose counters an entry to @dst counts in: the fabric's for a VTEP */
static inline struct kvs_port *kvs_dst_owner(struct kvs_dst *dst)
{
	struct kvs_remote *r = kvs_dst_remote(dst);

	return r ? r->fabric : kvs_dst_port(dst);
}

/* RCU: the local port an entry sends to, or NULL */
static inline struct kvs_port *kvs_fdb_port(const struct kvs_fdb_entry *f)
{
	return kvs_dst_port(rcu_dereference(f->dst));
}

int kvs_fdb_init(void);
void kvs_fdb_exit(void);
int kvs_fdb_switch_init(struct kvs_switch *sw);
void kvs_fdb_switch_destroy(struct kvs_switch *sw);
struct kvs_fdb_entry *kvs_fdb_lookup(struct kvs_switch *sw, u32 net_id,
				     const u8 *addr);	/* RCU */
struct kvs_fdb_entry *kvs_fdb_lookup_key(struct kvs_switch *sw,
					 const struct kvs_fdb_key *key);

/* FDB_NEW, FDB_DEL, and bridge fdb add|replace|del (@replace: a static
 * entry elsewhere moves here)
 */
int kvs_fdb_add_static(struct kvs_switch *sw, struct kvs_network *network,
		       const u8 *addr, struct kvs_port *port, bool replace,
		       struct netlink_ext_ack *extack);
int kvs_fdb_add_remote(struct kvs_switch *sw, struct kvs_network *network,
		       const u8 *addr, const struct kvs_ip *ip, bool replace,
		       u32 why, struct netlink_ext_ack *extack);
int kvs_fdb_delete(struct kvs_switch *sw, struct kvs_network *network,
		   const u8 *addr, const struct kvs_port *port,
		   const struct kvs_ip *ip, u32 why,
		   struct netlink_ext_ack *extack);
void kvs_fdb_flush_port(struct kvs_port *port);	/* every entry to it */
void kvs_fdb_flush_network(struct kvs_network *network);
void kvs_fdb_flush_switch(struct kvs_switch *sw);
void kvs_fdb_gc_kick(struct kvs_switch *sw);	/* RTNL: ageing changed */
/*
 * A port's `mac` list: make @addr a static entry of @port, and drop the
 * list's claim on it again (the entry goes unless FDB_NEW added it too).
 */
int kvs_fdb_add_port_mac(struct kvs_port *port, const u8 *addr,
			 struct netlink_ext_ack *extack);
void kvs_fdb_del_port_mac(struct kvs_port *port, const u8 *addr);
/*
 * Datapath: check @addr as the source of a frame of @network from @port,
 * and learn it; returns 0 or the drop reason + 1.
 */
int kvs_fdb_learn(struct kvs_port *port, struct kvs_network *network,
		  const u8 *addr, struct kvs_fdb_entry **seen);
void kvs_fdb_refresh(struct kvs_fdb_entry *f);
/* The same for a frame from a vxlan fabric, sent by the VTEP @from */
int kvs_fdb_learn_remote(struct kvs_port *fabric, struct kvs_network *network,
			 const u8 *addr, const struct kvs_ip *from);

/*
 * How a frame is switched: a kvs_pass allows the veth shortcut
 * (forward.c); a NULL one: the transmit path only. kvs_pass_now is the
 * one every receive path gives.
 */
struct kvs_pass { };

/*
 * The last decision on this CPU (input.c): the next frame from the same
 * port, of the same network, with the same two addresses goes the same
 * way, without the source checks, learning and look-ups its predecessor
 * did: to @to, or flooded (@to NULL; the storm limit still counts each
 * flooded frame), and its source entry @seen (NULL: none to refresh) is
 * refreshed. Valid while
 * the network's memo_gen is @gen: every change a decision in the network
 * depends on (an fdb entry of it added, moved or removed, a port or its
 * configuration) bumps it before what it removed is freed, so the
 * pointers are live and current. Per network, so that a tenant flapping
 * a MAC dirties its own network's line only. A network starts at a new
 * epoch (the high 32 bits), so one made where a freed one was never
 * matches a memo of the old one.
 */
struct kvs_flow {
	struct kvs_port *in;
	struct kvs_network *network;	/* a vlan uplink's vary */
	struct kvs_port *to;
	struct kvs_fdb_entry *seen;
	u64 gen;
	u8 src[ETH_ALEN];
	u8 dst[ETH_ALEN];
};

extern atomic64_t kvs_memo_epoch;

/*
 * After a change decisions in @network (NULL: none, it is gone) depend
 * on, before what it removed is freed
 */
static inline void kvs_memo_stale(struct kvs_network *network)
{
	if (!network)
		return;
	/* the change first: pairs with the acquire in kvs_switch_frame() */
	smp_mb__before_atomic();
	atomic64_inc(&network->memo_gen);
}

extern const struct kvs_pass kvs_pass_now;

/* input.c: rx_handler and the forwarding decision */
rx_handler_result_t kvs_handle_frame(struct sk_buff **pskb);
void kvs_port_input(struct kvs_port *port, struct sk_buff *skb,
		    const struct kvs_pass *pass);
void kvs_switch_frame(struct kvs_switch *sw, struct kvs_port *in,
		      struct kvs_network *network, struct sk_buff *skb,
		      const struct kvs_ip *from, const struct kvs_pass *pass);

/* batch.c: the per-CPU batch */
void kvs_batch_stop(struct kvs_switch *sw);		/* RTNL or last ref */
bool kvs_batch_add(struct kvs_port *port, struct sk_buff *skb);
void kvs_batch_drain(struct kvs_port *port);		/* RTNL */
int kvs_switch_set_batch(struct kvs_switch *sw, u32 batch,
			 struct netlink_ext_ack *extack);	/* RTNL */

/* forward.c: delivery */
bool kvs_port_can_tx(const struct kvs_port *port);
void kvs_port_xmit(struct kvs_port *from, struct kvs_port *to,
		   struct sk_buff *skb, const struct kvs_pass *pass);
void kvs_forward_unicast(struct kvs_port *from, struct kvs_port *to,
			 struct sk_buff *skb, const struct kvs_pass *pass);
void kvs_forward_fabric(struct kvs_port *from, struct kvs_network *network,
			struct kvs_remote *remote, struct sk_buff *skb);
void kvs_forward_flood(struct kvs_port *from, struct kvs_network *network,
		       struct sk_buff *skb);
void kvs_forward_drop(struct kvs_port *from, struct sk_buff *skb,
		      enum kvs_drop_reason reason);

/* fabric.c: the fabric port, vxlan and vlan */
const struct kvs_encap_ops *kvs_encap_ops(enum kvs_encap encap);
int kvs_fabric_init(struct kvs_port *port, const struct kvs_fabric_cfg *cfg,
		    struct netlink_ext_ack *extack);	/* RTNL */
bool kvs_fabric_nets_fit(struct kvs_switch *sw, u32 max_net_id);
rx_handler_result_t kvs_fabric_vlan_rx(struct kvs_port *port,
				       struct sk_buff *skb);
struct kvs_port *kvs_fabric_from_dev(const struct net_device *dev); /* RTNL */
bool kvs_ip_unicast(const struct kvs_ip *ip);
/* fdb_lock: the fabric's VTEP at @ip, counted; @spare, if given and
 * needed, becomes it (the caller frees it unless it was used: *spare NULL)
 */
struct kvs_remote *kvs_remote_get(struct kvs_port *fabric,
				  const struct kvs_ip *ip,
				  struct kvs_remote **spare, bool configured);
void kvs_remote_put(struct kvs_remote *remote, bool configured); /* fdb_lock */
struct kvs_remote *kvs_remote_alloc(struct kvs_port *fabric,
				    const struct kvs_ip *ip, gfp_t gfp);
void kvs_remote_free(struct kvs_remote *remote);	/* never published */

/* stats.c */
struct kvs_pcpu_stats __percpu *kvs_stats_alloc(void);
void kvs_stats_free(struct kvs_pcpu_stats __percpu *stats);
void kvs_stats_rx(struct kvs_port *port, unsigned int len);
void kvs_stats_rx_add(struct kvs_port *port, unsigned int packets,
		      unsigned int bytes);
void kvs_stats_tx(struct kvs_port *port, unsigned int len);
void kvs_stats_drop(struct kvs_port *port, enum kvs_drop_reason reason);
void kvs_stats_read(const struct kvs_port *port, struct kvs_stats *sum);

/* netlink.c: the genl family and event notifications */
int kvs_genl_init(void);
void kvs_genl_exit(void);
void kvs_notify_switch(struct kvs_switch *sw, u8 cmd);
void kvs_notify_network(struct kvs_network *network, u8 cmd);
void kvs_notify_port(struct kvs_port *port, u8 cmd);
/*
 * @rtnl: sent under RTNL, where device names are stable and may be sent;
 * from the datapath and the ageing work only ifindexes go out.
 */
void kvs_notify_fdb(struct kvs_switch *sw, const struct kvs_fdb_entry *f,
		    u8 cmd, bool rtnl);
void kvs_notify_policy_drop(struct kvs_port *port, const u8 *src,
			    enum kvs_drop_reason reason);	/* atomic ok */

#endif /* _KVS_H */
