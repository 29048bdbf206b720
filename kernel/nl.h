/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvs: what the files of the "kvs" generic netlink family share.
 *
 *  netlink.c   the family: policies, ops, pre_doit/post_doit, look-ups
 *  nl_fill.c   message sizes and one *_fill() per object
 *  nl_cmds.c   doit handlers
 *  nl_dump.c   dumps: .start parses the filters once, rounds resume
 *  notify.c    the "events" multicast group
 */
#ifndef _KVS_NL_H
#define _KVS_NL_H

#include <net/genetlink.h>

#include "kvs.h"
#include "compat.h"

extern struct genl_family kvs_genl_family;

/* Index of the "events" group in the family's mcgrps[] */
enum {
	KVS_NL_MCGRP_EVENTS,
};

/*
 * What pre_doit does for an op (its internal_flags). Every doit runs under
 * RTNL, taken by pre_doit and dropped by post_doit. The objects go to
 * info->user_ptr[]: the switch to [0], the network or the port to [1].
 */
#define KVS_NL_F_SWITCH		BIT(0)	/* SWITCH_* required */
#define KVS_NL_F_SWITCH_OPT	BIT(1)	/* SWITCH_* optional: NULL or a match */
#define KVS_NL_F_NET		BIT(2)	/* NET_ID of that switch, required */
#define KVS_NL_F_PORT		BIT(3)	/* PORT_*, on that switch if given */

static inline struct kvs_switch *kvs_nl_info_switch(struct genl_info *info)
{
	return info->user_ptr[0];
}

static inline struct kvs_network *kvs_nl_info_network(struct genl_info *info)
{
	return info->user_ptr[1];
}

static inline struct kvs_port *kvs_nl_info_port(struct genl_info *info)
{
	return info->user_ptr[1];
}

/* Where a message goes: a doit reply, a dump round or an event */
struct kvs_nl_ctx {
	struct netlink_callback *cb;	/* dumps: for the consistency check */
	u32 portid;
	u32 seq;
	int flags;
	u8 cmd;
	bool names;	/* device names are stable (RTNL) and may be sent */
};

struct kvs_nl_ctx kvs_nl_reply_ctx(struct genl_info *info);
struct kvs_nl_ctx kvs_nl_dump_ctx(struct netlink_callback *cb, bool names);

/* nl_fill.c */
size_t kvs_switch_msg_size(void);
size_t kvs_network_msg_size(void);
size_t kvs_port_msg_size(void);
size_t kvs_fdb_msg_size(void);
size_t kvs_policy_drop_msg_size(void);
int kvs_switch_fill(struct sk_buff *skb, struct kvs_switch *sw,
		    const struct kvs_nl_ctx *ctx);
int kvs_network_fill(struct sk_buff *skb, const struct kvs_network *network,
		     const struct kvs_nl_ctx *ctx);
int kvs_port_fill(struct sk_buff *skb, struct kvs_port *port,
		  const struct kvs_nl_ctx *ctx);
int kvs_fdb_fill(struct sk_buff *skb, const struct kvs_switch *sw,
		 const struct kvs_fdb_entry *f, const struct kvs_nl_ctx *ctx);
int kvs_policy_drop_fill(struct sk_buff *skb, struct kvs_port *port,
			 const u8 *src, enum kvs_drop_reason reason);

/* netlink.c: look-ups, each refusal with its errno and extack message */
struct kvs_switch *kvs_nl_live_switch(struct net_device *dev);
struct kvs_switch *kvs_nl_switch(struct net *net, struct nlattr **attrs,
				 bool required, struct netlink_ext_ack *extack);
struct kvs_network *kvs_nl_network(struct kvs_switch *sw,
				   struct nlattr **attrs,
				   struct netlink_ext_ack *extack);
bool kvs_nl_has_port_key(struct nlattr **attrs);
struct net_device *kvs_nl_dev(struct net *net, struct nlattr **attrs,
			      struct netlink_ext_ack *extack);
struct kvs_port *kvs_nl_port(struct net *net, struct kvs_switch *sw,
			     struct nlattr **attrs,
			     struct netlink_ext_ack *extack);
struct list_head *kvs_nl_switches(struct net *net);

/* nl_cmds.c */
int kvs_nl_switch_new(struct sk_buff *skb, struct genl_info *info);
int kvs_nl_switch_del(struct sk_buff *skb, struct genl_info *info);
int kvs_nl_switch_set(struct sk_buff *skb, struct genl_info *info);
int kvs_nl_switch_get(struct sk_buff *skb, struct genl_info *info);
int kvs_nl_net_new(struct sk_buff *skb, struct genl_info *info);
int kvs_nl_net_del(struct sk_buff *skb, struct genl_info *info);
int kvs_nl_net_set(struct sk_buff *skb, struct genl_info *info);
int kvs_nl_net_get(struct sk_buff *skb, struct genl_info *info);
int kvs_nl_port_new(struct sk_buff *skb, struct genl_info *info);
int kvs_nl_port_del(struct sk_buff *skb, struct genl_info *info);
int kvs_nl_port_set(struct sk_buff *skb, struct genl_info *info);
int kvs_nl_port_get(struct sk_buff *skb, struct genl_info *info);
int kvs_nl_fdb_new(struct sk_buff *skb, struct genl_info *info);
int kvs_nl_fdb_del(struct sk_buff *skb, struct genl_info *info);
int kvs_nl_stats_get(struct sk_buff *skb, struct genl_info *info);

/* nl_dump.c */
int kvs_nl_dump_start(struct netlink_callback *cb);
int kvs_nl_switch_dump(struct sk_buff *skb, struct netlink_callback *cb);
int kvs_nl_net_dump(struct sk_buff *skb, struct netlink_callback *cb);
int kvs_nl_port_dump(struct sk_buff *skb, struct netlink_callback *cb);
int kvs_nl_fdb_dump(struct sk_buff *skb, struct netlink_callback *cb);

/* notify.c */
void kvs_notify_enable(void);
void kvs_notify_disable(void);	/* waits for senders */

#endif /* _KVS_NL_H */
