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

#endif /* _KVS_COMPAT_H */
