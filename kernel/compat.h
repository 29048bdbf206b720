/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvs: what differs between the kernels kvs builds against (6.1 to 6.12).
 * Feature probes only, never version numbers: each block says what it
 * stands for and in which kernel that changed.
 */
#ifndef _KVS_COMPAT_H
#define _KVS_COMPAT_H

#include <linux/netdevice.h>
#include <linux/netlink.h>

/*
 * NL_SET_ERR_MSG_FMT (6.5) lets a refusal name the master device; before
 * it, extack messages are static strings and only name its kind.
 */
#ifdef NL_SET_ERR_MSG_FMT
#define kvs_set_master_msg(extack, text, master) \
	NL_SET_ERR_MSG_FMT(extack, text " (%s)", netdev_name(master))
#else
#define kvs_set_master_msg(extack, text, master) \
	NL_SET_ERR_MSG(extack, text)
#endif

/* NETIF_F_LLTX became dev->lltx (6.12): the switch has no tx lock */
static inline void kvs_dev_set_lltx(struct net_device *dev)
{
#ifdef NETIF_F_LLTX
	dev->features |= NETIF_F_LLTX;
#else
	dev->lltx = true;
#endif
}

/*
 * NETIF_F_NETNS_LOCAL became dev->netns_local (6.12), renamed dev->netns_immutable
 * (6.15, and in later 6.12 stable releases). The members are probed by Kbuild
 * (KVS_HAVE_NETNS_*): no macro tells them apart.
 */
static inline void kvs_dev_set_netns_local(struct net_device *dev)
{
#if defined(NETIF_F_NETNS_LOCAL)
	dev->features |= NETIF_F_NETNS_LOCAL;
#elif defined(KVS_HAVE_NETNS_IMMUTABLE)
	dev->netns_immutable = true;
#elif defined(KVS_HAVE_NETNS_LOCAL)
	dev->netns_local = true;
#else
#error "kvs: no way to keep a switch in its network namespace (see compat.h)"
#endif
}

/*
 * The tc egress hook of a device: tcx entries since 6.6 (CONFIG_NET_XGRESS),
 * a clsact mini qdisc before (CONFIG_NET_CLS_ACT). Only whether one is
 * attached matters (forward.c, the veth shortcut).
 */
static inline bool kvs_dev_tc_egress(const struct net_device *dev)
{
#if defined(CONFIG_NET_XGRESS)
	return rcu_access_pointer(dev->tcx_egress);
#elif defined(CONFIG_NET_CLS_ACT)
	return rcu_access_pointer(dev->miniq_egress);
#else
	return false;
#endif
}

/* The same for tc ingress (where bpf_redirect_peer() runs) */
static inline bool kvs_dev_tc_ingress(const struct net_device *dev)
{
#if defined(CONFIG_NET_XGRESS)
	return rcu_access_pointer(dev->tcx_ingress);
#elif defined(CONFIG_NET_CLS_ACT)
	return rcu_access_pointer(dev->miniq_ingress);
#else
	return false;
#endif
}

static inline bool kvs_dev_nf_egress(const struct net_device *dev)
{
#ifdef CONFIG_NETFILTER_EGRESS
	return rcu_access_pointer(dev->nf_hooks_egress);
#else
	return false;
#endif
}

/*
 * net.core.netdev_max_backlog: a global before 6.9, net_hotdata.max_backlog
 * since (batch.c bounds its queues by it). Probed by Kbuild.
 */
#ifdef KVS_HAVE_HOTDATA_MAX_BACKLOG
#include <net/hotdata.h>
#define kvs_max_backlog() READ_ONCE(net_hotdata.max_backlog)
#else
#define kvs_max_backlog() READ_ONCE(netdev_max_backlog)
#endif

/* ---- netlink (kernel/netlink.c, nl_*.c, notify.c) ---- */

#include <net/genetlink.h>

/*
 * The ops that pre_doit/post_doit get: struct genl_split_ops since 6.2,
 * struct genl_ops before. Probed by Kbuild (KVS_HAVE_GENL_SPLIT_OPS).
 */
#ifdef KVS_HAVE_GENL_SPLIT_OPS
#define kvs_genl_split_ops genl_split_ops
#else
#define kvs_genl_split_ops genl_ops
#endif

/*
 * The attributes of a dump, parsed by genetlink before .start: in
 * genl_info_dump(cb) on newer kernels (6.12), genl_dumpit_info(cb)->attrs
 * on 6.1. Probed by Kbuild (KVS_HAVE_GENL_INFO_DUMP).
 */
static inline struct nlattr **kvs_genl_dump_attrs(struct netlink_callback *cb)
{
#ifdef KVS_HAVE_GENL_INFO_DUMP
	return genl_info_dump(cb)->attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

#endif /* _KVS_COMPAT_H */
