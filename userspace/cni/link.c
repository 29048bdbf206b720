// SPDX-License-Identifier: GPL-2.0
/*
 * kvs CNI plugin: the veth pair, network namespaces, addresses and routes,
 * with libnl-route.
 *
 * The container's side is reached through a netlink socket opened inside
 * its netns (setns there and back, once): the process itself stays in the
 * host's netns.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <linux/nsfs.h>
#include <linux/rtnetlink.h>
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/route.h>

#include "cni.h"

int ns_open(struct cni *c, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), type;

	if (fd < 0) {
		if (errno == ENOENT)
			return cni_fail(c, CNI_ERR_UNKNOWN, "container unknown",
					"network namespace %s does not exist", path);
		return cni_fail(c, CNI_ERR_ENV, "invalid CNI_NETNS",
				"cannot open %s: %s", path, strerror(errno));
	}
	type = ioctl(fd, NS_GET_NSTYPE);
	if (type != CLONE_NEWNET) {
		close(fd);
		return cni_fail(c, CNI_ERR_ENV, "invalid CNI_NETNS",
				"%s is not a network namespace", path);
	}
	return fd;
}

struct nl_sock *nl_open(struct cni *c, int nsfd)
{
	struct nl_sock *sk = nl_socket_alloc();
	int self = -1, err;

	if (!sk) {
		cni_fail(c, CNI_ERR_SYSTEM, "out of memory", "netlink socket");
		return NULL;
	}
	if (nsfd >= 0) {
		self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (self < 0) {
			cni_fail(c, CNI_ERR_SYSTEM, "cannot open the host network namespace",
				 "/proc/self/ns/net: %s", strerror(errno));
			goto fail;
		}
		if (setns(nsfd, CLONE_NEWNET)) {
			cni_fail(c, CNI_ERR_SYSTEM, "cannot enter the container's network namespace",
				 "setns: %s", strerror(errno));
			close(self);
			goto fail;
		}
	}
	err = nl_connect(sk, NETLINK_ROUTE);
	if (self >= 0) {
		/* nothing has been changed yet when this fails (the sockets
		 * are opened first): the error is reported, nothing undone
		 */
		if (setns(self, CLONE_NEWNET)) {
			cni_fail(c, CNI_ERR_SYSTEM, "cannot return to the host network namespace",
				 "setns: %s", strerror(errno));
			close(self);
			goto fail;
		}
		close(self);
	}
	if (err < 0) {
		cni_fail(c, CNI_ERR_SYSTEM, "cannot open a netlink socket",
			 "NETLINK_ROUTE: %s", nl_geterror(err));
		goto fail;
	}
	return sk;
fail:
	nl_socket_free(sk);
	return NULL;
}

/* @name into *@link: 1, 0 if there is none, -1 */
static int link_get(struct cni *c, struct nl_sock *sk, const char *name,
		    struct rtnl_link **link)
{
	int err = rtnl_link_get_kernel(sk, 0, name, link);

	if (err == 0)
		return 1;
	*link = NULL;
	if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV)
		return 0;
	return cni_fail(c, CNI_ERR_SYSTEM, "cannot read an interface",
			"%s: %s", name, nl_geterror(err));
}

int link_exists(struct cni *c, struct nl_sock *sk, const char *name)
{
	struct rtnl_link *link;
	int r = link_get(c, sk, name, &link);

	if (link)
		rtnl_link_put(link);
	return r;
}

static int link_mac(struct cni *c, struct rtnl_link *link, uint8_t mac[MAC_LEN])
{
	struct nl_addr *a = rtnl_link_get_addr(link);

	if (!a || nl_addr_get_len(a) != MAC_LEN)
		return cni_fail(c, CNI_ERR_SYSTEM, "interface without a MAC address",
				"%s", rtnl_link_get_name(link));
	memcpy(mac, nl_addr_get_binary_addr(a), MAC_LEN);
	return 0;
}

static bool link_is_veth(struct rtnl_link *link)
{
	const char *type = rtnl_link_get_type(link);

	return type && !strcmp(type, "veth");
}

/* The host end carries no traffic of the host's own: no IPv6 there (best
 * effort, the kernel may have no IPv6)
 */
static void host_no_ipv6(const char *name)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (write(fd, "1", 1) != 1)
		cni_log("%s: %s", path, strerror(errno));
	close(fd);
}

int veth_create(struct cni *c, struct nl_sock *sk, struct nl_sock *nsk,
		const char *host, int nsfd, const char *peer_name, uint32_t mtu,
		uint8_t host_mac[MAC_LEN], uint8_t peer_mac[MAC_LEN])
{
	struct rtnl_link *link, *peer, *got = NULL, *up;
	struct nl_addr *addr = NULL;
	int r, err, rc = -1;

	link = rtnl_link_veth_alloc();
	if (!link)
		return cni_fail(c, CNI_ERR_SYSTEM, "out of memory", "veth");
	peer = rtnl_link_veth_get_peer(link);
	rtnl_link_set_name(link, host);
	rtnl_link_set_name(peer, peer_name);
	if (mtu) {
		rtnl_link_set_mtu(link, mtu);
		rtnl_link_set_mtu(peer, mtu);
	}
	/* the runtime's MAC is the container end's from the start */
	if (c->has_mac) {
		addr = nl_addr_build(AF_LLC, c->mac, MAC_LEN);
		if (!addr) {
			rtnl_link_put(peer);
			rtnl_link_veth_release(link);
			return cni_fail(c, CNI_ERR_SYSTEM, "out of memory", "veth");
		}
		rtnl_link_set_addr(peer, addr);
		nl_addr_put(addr);
	}
	/* (the peer cannot be up before the pair exists: veth_open() says
	 * ENOTCONN; it is set up below)
	 */
	rtnl_link_set_flags(link, IFF_UP);
	/* the peer is made right in the container's netns, with its name */
	rtnl_link_set_ns_fd(peer, nsfd);
	err = rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(peer);
	rtnl_link_veth_release(link);
	if (err < 0)
		return cni_fail(c, CNI_ERR_SYSTEM, "cannot create the veth pair",
				"%s / %s in %s: %s", host, peer_name, c->netns,
				nl_geterror(err));
	host_no_ipv6(host);

	r = link_get(c, sk, host, &got);
	if (r == 0)
		cni_fail(c, CNI_ERR_SYSTEM, "the veth pair vanished", "%s", host);
	if (r <= 0)
		goto out;
	if (link_mac(c, got, host_mac))
		goto out;
	rtnl_link_put(got);
	r = link_get(c, nsk, peer_name, &got);
	if (r == 0)
		cni_fail(c, CNI_ERR_SYSTEM, "the veth pair vanished", "%s in %s",
			 peer_name, c->netns);
	if (r <= 0)
		goto out;
	if (link_mac(c, got, peer_mac))
		goto out;
	up = rtnl_link_alloc();
	if (!up) {
		cni_fail(c, CNI_ERR_SYSTEM, "out of memory", "veth");
		goto out;
	}
	rtnl_link_set_flags(up, IFF_UP);
	err = rtnl_link_change(nsk, got, up, 0);
	rtnl_link_put(up);
	if (err < 0) {
		cni_fail(c, CNI_ERR_SYSTEM, "cannot set the container interface up",
			 "%s in %s: %s", peer_name, c->netns, nl_geterror(err));
		goto out;
	}
	rc = 0;
out:
	if (got)
		rtnl_link_put(got);
	return rc;
}

int link_delete(struct cni *c, struct nl_sock *sk, const char *name)
{
	struct rtnl_link *link;
	int r, err;

	r = link_get(c, sk, name, &link);
	if (r <= 0)
		return r;
	if (!link_is_veth(link)) {
		/* not ours, whoever made it */
		cni_log("%s is a %s, not a veth: not deleted", name,
			rtnl_link_get_type(link) ?: "device");
		rtnl_link_put(link);
		return 0;
	}
	err = rtnl_link_delete(sk, link);
	rtnl_link_put(link);
	if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV)
		return 0;
	if (err < 0)
		return cni_fail(c, CNI_ERR_SYSTEM, "cannot delete the veth pair",
				"%s: %s", name, nl_geterror(err));
	return 1;
}

static int addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

static struct nl_addr *mk_addr(int family, const uint8_t *bytes, int prefix)
{
	struct nl_addr *a = nl_addr_build(family, bytes, addr_len(family));

	if (a && prefix >= 0)
		nl_addr_set_prefixlen(a, prefix);
	return a;
}

static int addr_add(struct cni *c, struct nl_sock *nsk, int ifindex,
		    const struct cni_ip *ip)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	struct nl_addr *local, *brd = NULL;
	char buf[ADDR_STRLEN];
	uint8_t b[4];
	uint32_t host;
	int err;

	local = mk_addr(ip->family, ip->addr, ip->prefix);
	if (!a || !local) {
		err = -NLE_NOMEM;
		goto out;
	}
	rtnl_addr_set_ifindex(a, ifindex);
	rtnl_addr_set_family(a, ip->family);
	err = rtnl_addr_set_local(a, local);
	if (err < 0)
		goto out;
	if (ip->family == AF_INET && ip->prefix < 31) {
		/* the broadcast address, as ip addr add ... brd + */
		host = ip->prefix ? 0xffffffffU >> ip->prefix : 0xffffffffU;
		memcpy(b, ip->addr, 4);
		b[0] |= host >> 24;
		b[1] |= host >> 16;
		b[2] |= host >> 8;
		b[3] |= host;
		brd = mk_addr(AF_INET, b, -1);
		if (!brd) {
			err = -NLE_NOMEM;
			goto out;
		}
		err = rtnl_addr_set_broadcast(a, brd);
		if (err < 0)
			goto out;
	}
	if (ip->family == AF_INET6)
		rtnl_addr_set_flags(a, IFA_F_NODAD);	/* usable at once */
	err = rtnl_addr_add(nsk, a, 0);
out:
	if (brd)
		nl_addr_put(brd);
	if (local)
		nl_addr_put(local);
	if (a)
		rtnl_addr_put(a);
	if (err < 0)
		return cni_fail(c, CNI_ERR_SYSTEM, "cannot add an address",
				"%s/%d on %s: %s",
				format_addr(ip->family, ip->addr, buf), ip->prefix,
				c->ifname, nl_geterror(err));
	return 0;
}

static int route_add(struct cni *c, struct nl_sock *nsk, int ifindex,
		     const struct cni_route *r, const uint8_t *gw)
{
	struct rtnl_route *rt = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *dst, *via = NULL;
	char buf[ADDR_STRLEN], gbuf[ADDR_STRLEN];
	int err;

	dst = mk_addr(r->family, r->dst, r->prefix);
	if (gw)
		via = mk_addr(r->family, gw, -1);
	if (!rt || !nh || !dst || (gw && !via)) {
		err = -NLE_NOMEM;
		goto out;
	}
	rtnl_route_set_family(rt, r->family);
	rtnl_route_set_table(rt, RT_TABLE_MAIN);
	rtnl_route_set_protocol(rt, RTPROT_BOOT);
	rtnl_route_set_type(rt, RTN_UNICAST);
	rtnl_route_set_scope(rt, gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
	err = rtnl_route_set_dst(rt, dst);
	if (err < 0)
		goto out;
	rtnl_route_nh_set_ifindex(nh, ifindex);
	if (via)
		rtnl_route_nh_set_gateway(nh, via);
	rtnl_route_add_nexthop(rt, nh);	/* the route owns it now */
	nh = NULL;
	/* another interface of the netns may have the same route (a default
	 * one): this one is added after it, as ip route append
	 */
	err = rtnl_route_add(nsk, rt, NLM_F_APPEND);
out:
	if (nh)
		rtnl_route_nh_free(nh);
	if (via)
		nl_addr_put(via);
	if (dst)
		nl_addr_put(dst);
	if (rt)
		rtnl_route_put(rt);
	if (err < 0)
		return cni_fail(c, CNI_ERR_SYSTEM, "cannot add a route",
				"%s/%d via %s dev %s: %s",
				format_addr(r->family, r->dst, buf), r->prefix,
				gw ? format_addr(r->family, gw, gbuf) : "-",
				c->ifname, nl_geterror(err));
	return 0;
}

int addrs_configure(struct cni *c, struct nl_sock *nsk, const char *ifname,
		    const struct cni_ipcfg *cfg)
{
	struct rtnl_link *link;
	const uint8_t *gw;
	int i, j, r, ifindex;

	r = link_get(c, nsk, ifname, &link);
	if (r == 0)
		cni_fail(c, CNI_ERR_SYSTEM, "the container interface vanished",
			 "%s in %s", ifname, c->netns);
	if (r <= 0)
		return -1;
	ifindex = rtnl_link_get_ifindex(link);
	rtnl_link_put(link);

	for (i = 0; i < cfg->n_ips; i++)
		if (addr_add(c, nsk, ifindex, &cfg->ips[i]))
			return -1;
	for (i = 0; i < cfg->n_routes; i++) {
		const struct cni_route *rt = &cfg->routes[i];

		/* no "gw": the gateway of the first address of the family */
		gw = rt->has_gw ? rt->gw : NULL;
		for (j = 0; !gw && j < cfg->n_ips; j++)
			if (cfg->ips[j].family == rt->family && cfg->ips[j].has_gw)
				gw = cfg->ips[j].gw;
		if (route_add(c, nsk, ifindex, rt, gw))
			return -1;
	}
	return 0;
}

/* ---- CHECK ---- */

/* @a is @family @bytes/@prefix (prefix -1: not compared) */
static bool addr_is(struct nl_addr *a, int family, const uint8_t *bytes, int prefix)
{
	int len = addr_len(family), bits;
	const uint8_t *b;

	if (!a || nl_addr_get_family(a) != family)
		return false;
	if (prefix >= 0 && (int)nl_addr_get_prefixlen(a) != prefix)
		return false;
	bits = prefix >= 0 ? prefix : len * 8;
	if (bits == 0)
		return true;	/* a default route may come without RTA_DST */
	if ((int)nl_addr_get_len(a) != len)
		return false;
	b = nl_addr_get_binary_addr(a);
	if (memcmp(b, bytes, bits / 8))
		return false;
	return bits % 8 == 0 ||
	       !((b[bits / 8] ^ bytes[bits / 8]) & (0xff00 >> (bits % 8)));
}

#define check_fail(c, ...) \
	cni_fail(c, CNI_ERR_CHECK, "the container's network is not as expected", __VA_ARGS__)

static bool has_addr(struct nl_cache *cache, int ifindex, const struct cni_ip *ip)
{
	struct nl_object *o;

	for (o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;

		if (rtnl_addr_get_ifindex(a) == ifindex &&
		    addr_is(rtnl_addr_get_local(a), ip->family, ip->addr, ip->prefix))
			return true;
	}
	return false;
}

/* The routes of the netns, read with a dump of their own: libnl's route
 * cache keeps one of several routes to the same destination (a default
 * route through each of two interfaces)
 */
struct route_scan {
	const struct cni_ipcfg *cfg;
	int ifindex;
	bool found[CNI_MAX_ROUTES];
};

static bool route_is(struct rtnl_route *rt, int ifindex, const struct cni_route *r)
{
	int i, n;

	if (rtnl_route_get_family(rt) != r->family ||
	    rtnl_route_get_table(rt) != RT_TABLE_MAIN ||
	    !addr_is(rtnl_route_get_dst(rt), r->family, r->dst, r->prefix))
		return false;
	n = rtnl_route_get_nnexthops(rt);
	for (i = 0; i < n; i++)
		if (rtnl_route_nh_get_ifindex(rtnl_route_nexthop_n(rt, i)) == ifindex)
			return true;
	return false;
}

static int route_scan_cb(struct nl_msg *msg, void *arg)
{
	struct route_scan *scan = arg;
	struct rtnl_route *rt;
	int i;

	if (rtnl_route_parse(nlmsg_hdr(msg), &rt) < 0)
		return NL_OK;	/* not a route we can read: not ours */
	for (i = 0; i < scan->cfg->n_routes; i++)
		if (route_is(rt, scan->ifindex, &scan->cfg->routes[i]))
			scan->found[i] = true;
	rtnl_route_put(rt);
	return NL_OK;
}

static int scan_routes(struct cni *c, struct nl_sock *nsk, struct route_scan *scan)
{
	int err;

	err = nl_socket_modify_cb(nsk, NL_CB_VALID, NL_CB_CUSTOM, route_scan_cb, scan);
	if (err >= 0)
		err = nl_rtgen_request(nsk, RTM_GETROUTE, AF_UNSPEC, NLM_F_DUMP);
	if (err >= 0)
		err = nl_recvmsgs_default(nsk);
	nl_socket_modify_cb(nsk, NL_CB_VALID, NL_CB_DEFAULT, NULL, NULL);
	if (err < 0)
		return cni_fail(c, CNI_ERR_SYSTEM, "cannot read the routes",
				"in %s: %s", c->netns, nl_geterror(err));
	return 0;
}

int link_check(struct cni *c, struct nl_sock *sk, struct nl_sock *nsk,
	       const char *host, const char *ifname, const uint8_t mac[MAC_LEN],
	       const struct cni_ipcfg *cfg)
{
	struct rtnl_link *hl = NULL, *cl = NULL;
	struct nl_cache *addrs = NULL;
	struct route_scan *scan = NULL;
	char buf[ADDR_STRLEN + 8], mbuf[MAC_STRLEN];
	uint8_t cmac[MAC_LEN];
	int i, r, err, rc = -1, ifindex;

	r = link_get(c, sk, host, &hl);
	if (r <= 0) {
		if (r == 0)
			check_fail(c, "the host interface %s does not exist", host);
		goto out;
	}
	if (!link_is_veth(hl)) {
		check_fail(c, "the host interface %s is not a veth", host);
		goto out;
	}
	r = link_get(c, nsk, ifname, &cl);
	if (r <= 0) {
		if (r == 0)
			check_fail(c, "%s does not exist in %s", ifname, c->netns);
		goto out;
	}
	ifindex = rtnl_link_get_ifindex(cl);
	if (!link_is_veth(cl) || rtnl_link_get_link(cl) != rtnl_link_get_ifindex(hl)) {
		check_fail(c, "%s is not the peer of %s", ifname, host);
		goto out;
	}
	if (link_mac(c, cl, cmac))
		goto out;
	if (memcmp(cmac, mac, MAC_LEN)) {
		check_fail(c, "%s has MAC %s, not the one of prevResult", ifname,
			   format_mac(cmac, mbuf));
		goto out;
	}

	err = rtnl_addr_alloc_cache(nsk, &addrs);
	if (err < 0) {
		cni_fail(c, CNI_ERR_SYSTEM, "cannot read the addresses",
			 "in %s: %s", c->netns, nl_geterror(err));
		goto out;
	}
	for (i = 0; i < cfg->n_ips; i++) {
		const struct cni_ip *ip = &cfg->ips[i];

		if (!has_addr(addrs, ifindex, ip)) {
			format_addr(ip->family, ip->addr, buf);
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "/%d", ip->prefix);
			check_fail(c, "%s has no address %s", ifname, buf);
			goto out;
		}
	}
	scan = calloc(1, sizeof(*scan));
	if (!scan) {
		cni_fail(c, CNI_ERR_SYSTEM, "out of memory", "CHECK");
		goto out;
	}
	scan->cfg = cfg;
	scan->ifindex = ifindex;
	if (cfg->n_routes && scan_routes(c, nsk, scan))
		goto out;
	for (i = 0; i < cfg->n_routes; i++) {
		const struct cni_route *rt = &cfg->routes[i];

		if (!scan->found[i]) {
			format_addr(rt->family, rt->dst, buf);
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "/%d", rt->prefix);
			check_fail(c, "no route to %s through %s", buf, ifname);
			goto out;
		}
	}
	rc = 0;
out:
	free(scan);
	if (addrs)
		nl_cache_free(addrs);
	if (cl)
		rtnl_link_put(cl);
	if (hl)
		rtnl_link_put(hl);
	return rc;
}
