// SPDX-License-Identifier: GPL-2.0
/*
 * kvs: the fabric port, a switch's way to the data-center fabric.
 *
 * VXLAN (RFC 7348, VNI = network id): frames come in through a UDP tunnel
 * socket bound to the local address and port and to the uplink, as the
 * vxlan driver and WireGuard receive theirs, so the uplink keeps its own
 * host traffic untouched: kvs takes no rx_handler and is not its master.
 * The socket follows the udp_tunnel contract as vxlan does: GRO before
 * decapsulation, ICMP errors about our datagrams (PMTU), ECN both ways. Frames leave
 * through the kernel's UDP tunnel helpers: a route per remote VTEP cached
 * in a dst_cache, the outer source port from the inner flow hash, DF set,
 * GSO and checksum offload carried to the inner headers. A frame too big
 * for the path is dropped and counted, never fragmented.
 *
 * VLAN (802.1Q, VID = network id): the uplink is a port like a VM's, with
 * kvs's rx_handler; tagged frames are switched into their network,
 * untagged ones go on to the host stack.
 *
 * Remote VTEPs (struct kvs_remote) are shared by every fdb entry, flood
 * list member and gateway at one address, counted and looked up under
 * sw->fdb_lock, and freed after an RCU grace period once unused.
 */

#include <linux/etherdevice.h>
#include <linux/if_vlan.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>
#include <net/dst_cache.h>
#include <net/flow_dissector.h>
#include <net/gro.h>
#include <net/ip.h>
#include <net/ip_tunnels.h>
#include <net/ipv6.h>
#include <net/ipv6_stubs.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/route.h>
#include <net/udp.h>
#include <net/udp_tunnel.h>
#include <net/vxlan.h>

#include "kvs.h"

/* The UDP and VXLAN headers in front of the inner frame */
#define KVS_VXLAN_HLEN	(sizeof(struct udphdr) + sizeof(struct vxlanhdr))

static const struct rhashtable_params kvs_remote_params = {
	.head_offset		= offsetof(struct kvs_remote, node),
	.key_offset		= offsetof(struct kvs_remote, ip),
	.key_len		= sizeof(struct kvs_ip),
	.automatic_shrinking	= true,
};

/* ---- remote VTEPs ---- */

struct kvs_remote *kvs_remote_alloc(struct kvs_port *fabric,
				    const struct kvs_ip *ip, gfp_t gfp)
{
	struct kvs_remote *r;

	r = kzalloc(sizeof(*r), gfp);
	if (!r)
		return NULL;
	if (dst_cache_init(&r->dst_cache, gfp)) {
		kfree(r);
		return NULL;
	}
	r->dst.type = KVS_DST_REMOTE;
	r->ip = *ip;
	r->fabric = fabric;
	return r;
}

void kvs_remote_free(struct kvs_remote *r)
{
	dst_cache_destroy(&r->dst_cache);
	kfree(r);
}

static void kvs_remote_free_rcu(struct rcu_head *head)
{
	kvs_remote_free(container_of(head, struct kvs_remote, rcu));
}

struct kvs_remote *kvs_remote_get(struct kvs_port *fabric,
				  const struct kvs_ip *ip,
				  struct kvs_remote **spare, bool configured)
{
	struct kvs_fabric *fab = fabric->fabric;
	struct kvs_remote *r;

	lockdep_assert_held(&fabric->sw->fdb_lock);

	r = rhashtable_lookup_fast(&fab->remotes, ip, kvs_remote_params);
	if (!r) {
		if (spare && *spare) {
			r = *spare;
			*spare = NULL;
		} else {
			/* learning, in softirq: nobody to charge */
			r = kvs_remote_alloc(fabric, ip, GFP_ATOMIC);
			if (!r)
				return NULL;
		}
		if (rhashtable_insert_fast(&fab->remotes, &r->node,
					   kvs_remote_params)) {
			kvs_remote_free(r);
			return NULL;
		}
	}
	r->refs++;
	if (configured)
		WRITE_ONCE(r->configured, r->configured + 1);
	return r;
}

void kvs_remote_put(struct kvs_remote *r, bool configured)
{
	lockdep_assert_held(&r->fabric->sw->fdb_lock);

	if (configured)
		WRITE_ONCE(r->configured, r->configured - 1);
	if (--r->refs)
		return;
	rhashtable_remove_fast(&r->fabric->fabric->remotes, &r->node,
			       kvs_remote_params);
	/* readers that found it in an fdb entry may still route to it */
	call_rcu(&r->rcu, kvs_remote_free_rcu);
}

/* An underlay address a VTEP can have: unicast, not zero */
bool kvs_ip_unicast(const struct kvs_ip *ip)
{
	if (ip->family == AF_INET)
		return !ipv4_is_multicast(ip->ip4) &&
		       !ipv4_is_zeronet(ip->ip4) && !ipv4_is_lbcast(ip->ip4);
	return !ipv6_addr_any(&ip->ip6) && !ipv6_addr_is_multicast(&ip->ip6);
}

/* ---- VXLAN receive ---- */

/*
 * RFC 6040 decapsulation of the outer ECN field @outer into the inner IP
 * header (skb->network_header), as the vxlan device does: CE is carried
 * in, and a CE mark on a frame whose inner header cannot carry it (not
 * ECN-capable, or not IP) drops the frame. False: drop it.
 */
/* The inner IP header's DS field (skb->network_header); not IP: 0 */
static u8 kvs_inner_dsfield(struct sk_buff *skb)
{
	if (skb->protocol == htons(ETH_P_IP) &&
	    pskb_network_may_pull(skb, sizeof(struct iphdr)))
		return ip_hdr(skb)->tos;
	if (skb->protocol == htons(ETH_P_IPV6) &&
	    pskb_network_may_pull(skb, sizeof(struct ipv6hdr)))
		return ipv6_get_dsfield(ipv6_hdr(skb));
	return 0;
}

static bool kvs_vxlan_ecn_decap(struct sk_buff *skb, u8 outer)
{
	if (likely(INET_ECN_is_not_ect(outer)))
		return true;
	return INET_ECN_decapsulate(skb, outer, kvs_inner_dsfield(skb)) <= 1;
}

/*
 * The transport header still points to the outer UDP header, now in front
 * of the frame. A GSO frame (a peer's TCP stream that no one segmented on
 * the way) must find its own inner one: the egress device's queue and
 * segmentation read it (a negative offset there reads outside the frame).
 * Others get what the receive path gives an unset one: the network header.
 */
static void kvs_vxlan_inner_transport(struct sk_buff *skb)
{
	struct flow_keys_basic keys;

	if (skb_is_gso(skb) &&
	    skb_flow_dissect_flow_keys_basic(NULL, skb, &keys, NULL, 0, 0, 0,
					     0)) {
		skb_set_transport_header(skb, keys.control.thoff);
		return;
	}
	skb_reset_transport_header(skb);
}

/*
 * RCU: @ip is a VTEP of the configuration (the gateway, a flood-list
 * member, a static entry's), which a `peers known` fabric takes frames
 * from; one that only learned entries point to is not
 */
static bool kvs_vxlan_peer_known(struct kvs_fabric *fab,
				 const struct kvs_ip *ip)
{
	struct kvs_remote *r;

	r = rhashtable_lookup(&fab->remotes, ip, kvs_remote_params);
	return r && READ_ONCE(r->configured);
}

/*
 * encap_rcv of the tunnel socket: softirq, RCU, skb->data at the UDP
 * header. Returns 0: every datagram is consumed, switched or dropped and
 * counted on the fabric port.
 */
static int kvs_vxlan_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct kvs_port *port = rcu_dereference_sk_user_data(sk);
	struct kvs_network *network;
	struct kvs_ip from = {};
	struct vxlanhdr *vxh;
	struct kvs_switch *sw;
	unsigned int len;
	u32 vni;
	u8 ecn;

	if (unlikely(!port)) {
		/* the fabric is going away */
		kfree_skb(skb);
		return 0;
	}
	sw = port->sw;

	/* the sending VTEP and the ECN field, before the outer headers go */
	if (ip_hdr(skb)->version == 4) {
		from.family = AF_INET;
		from.ip4 = ip_hdr(skb)->saddr;
		ecn = ip_hdr(skb)->tos;
	} else {
		from.family = AF_INET6;
		from.ip6 = ipv6_hdr(skb)->saddr;
		ecn = ipv6_get_dsfield(ipv6_hdr(skb));
	}

	if (unlikely(READ_ONCE(port->fabric->known_peers)) &&
	    !kvs_vxlan_peer_known(port->fabric, &from)) {
		kvs_forward_drop(port, skb, KVS_DROP_UNKNOWN_VTEP);
		return 0;
	}

	if (!pskb_may_pull(skb, KVS_VXLAN_HLEN)) {
		kvs_forward_drop(port, skb, KVS_DROP_BAD_ENCAP);
		return 0;
	}
	vxh = (struct vxlanhdr *)(udp_hdr(skb) + 1);
	/* the I flag and nothing else; the byte after the VNI is reserved */
	if (vxh->vx_flags != VXLAN_HF_VNI ||
	    (vxh->vx_vni & cpu_to_be32(0xff))) {
		kvs_forward_drop(port, skb, KVS_DROP_BAD_ENCAP);
		return 0;
	}
	vni = be32_to_cpu(vxh->vx_vni) >> 8;

	if (!pskb_may_pull(skb, KVS_VXLAN_HLEN + ETH_HLEN)) {
		kvs_forward_drop(port, skb, KVS_DROP_MALFORMED);
		return 0;
	}
	network = kvs_network_find(sw, vni);
	if (!network) {
		kvs_forward_drop(port, skb, KVS_DROP_UNKNOWN_VNI);
		return 0;
	}

	if (__iptunnel_pull_header(skb, KVS_VXLAN_HLEN, htons(ETH_P_TEB),
				   false, !net_eq(sock_net(sk),
						  dev_net(sw->dev)))) {
		kvs_forward_drop(port, skb, KVS_DROP_MALFORMED);
		return 0;
	}
	skb_reset_mac_header(skb);
	skb->protocol = eth_type_trans(skb, sw->dev);
	skb_postpull_rcsum(skb, eth_hdr(skb), ETH_HLEN);
	skb_reset_network_header(skb);
	kvs_vxlan_inner_transport(skb);
	if (unlikely(!kvs_vxlan_ecn_decap(skb, ecn))) {
		kvs_forward_drop(port, skb, KVS_DROP_BAD_ENCAP);
		return 0;
	}

	len = skb->len + ETH_HLEN;
	kvs_stats_rx(port, len);
	dev_sw_netstats_rx_add(sw->dev, len);

	if (unlikely(!netif_running(sw->dev))) {
		kvs_forward_drop(port, skb, KVS_DROP_NO_ROUTE);
		return 0;
	}
	kvs_switch_frame(sw, port, network, skb, &from, &kvs_pass_now);
	return 0;
}

/*
 * encap_err_lookup of the tunnel socket: an ICMP error (frag needed,
 * packet too big) about a datagram we sent, skb->data at its copy of our
 * outer header. 0 lets the UDP layer act on it (the route's PMTU is
 * updated), as for the vxlan device; anything else is ignored.
 */
static int kvs_vxlan_err_lookup(struct sock *sk, struct sk_buff *skb)
{
	struct kvs_port *port = rcu_dereference_sk_user_data(sk);
	struct vxlanhdr *vxh;

	if (!pskb_may_pull(skb, skb_transport_offset(skb) + KVS_VXLAN_HLEN))
		return -EINVAL;
	vxh = (struct vxlanhdr *)(udp_hdr(skb) + 1);
	if (vxh->vx_flags != VXLAN_HF_VNI)
		return -EINVAL;
	if (!port || !kvs_network_find(port->sw, be32_to_cpu(vxh->vx_vni) >> 8))
		return -ENOENT;
	return 0;
}

/*
 * gro_receive of the tunnel socket: datagrams of one VNI and inner flow
 * are aggregated before decapsulation, as the vxlan device's are, so a
 * TCP stream from the fabric is switched as a few large frames. Only
 * what kvs_vxlan_rcv() takes (the I flag alone) is held; the rest goes
 * on as it came.
 */
static struct sk_buff *kvs_vxlan_gro_receive(struct sock *sk,
					     struct list_head *head,
					     struct sk_buff *skb)
{
	unsigned int off = skb_gro_offset(skb);
	struct sk_buff *pp = NULL, *p;
	struct vxlanhdr *vh, *vh2;
	int flush = 1;

	vh = skb_gro_header(skb, off + sizeof(*vh), off);
	if (unlikely(!vh) || vh->vx_flags != VXLAN_HF_VNI ||
	    !rcu_dereference_sk_user_data(sk))
		goto out;
	skb_gro_postpull_rcsum(skb, vh, sizeof(*vh));
	skb_gro_pull(skb, sizeof(*vh));

	list_for_each_entry(p, head, list) {
		if (!NAPI_GRO_CB(p)->same_flow)
			continue;
		vh2 = (struct vxlanhdr *)(p->data + off);
		if (vh->vx_flags != vh2->vx_flags ||
		    vh->vx_vni != vh2->vx_vni)
			NAPI_GRO_CB(p)->same_flow = 0;
	}
	pp = call_gro_receive(eth_gro_receive, head, skb);
	flush = 0;
out:
	skb_gro_flush_final(skb, pp, flush);
	return pp;
}

static int kvs_vxlan_gro_complete(struct sock *sk, struct sk_buff *skb,
				  int nhoff)
{
	/* skb->encapsulation is set: this sets the inner headers too */
	return eth_gro_complete(skb, nhoff + sizeof(struct vxlanhdr));
}

/* ---- VXLAN transmit ---- */

/*
 * Whether a route found for the underlay may carry it. The routing table
 * picks the output device, as for the vxlan device without `dev`: a
 * gateway, ECMP or a VTEP address on lo work as the host's routes say
 * (pinning the uplink as the output device made a missing route a silent
 * black hole: the lookup then assumes the VTEP is on the uplink's link
 * and ARPs for it). Never to this host itself, nor out of a VM port (into
 * a tenant) or a kvs switch.
 */
static bool kvs_vxlan_route_ok(const struct dst_entry *dst)
{
	const struct net_device *dev = dst->dev;
	const struct kvs_port *p;

	if (dev->flags & IFF_LOOPBACK || kvs_switch_from_dev(dev))
		return false;
	p = kvs_port_from_dev_rcu(dev);
	return !p || p->fabric;
}

/*
 * The route to the VTEP @r, from its dst_cache or looked up (and cached);
 * the source address in *@saddr.
 */
static struct dst_entry *kvs_vxlan_route(struct kvs_port *port,
					 struct kvs_remote *r, struct sock *sk,
					 __be16 sport, struct kvs_ip *saddr)
{
	struct kvs_fabric *fab = port->fabric;
	struct net *net = sock_net(sk);

	if (r->ip.family == AF_INET) {
		struct flowi4 fl4 = {
			.flowi4_proto = IPPROTO_UDP,
			.daddr = r->ip.ip4,
			.saddr = fab->local.ip4,
			.fl4_dport = fab->dstport,
			.fl4_sport = sport,
		};
		struct rtable *rt;

		rt = dst_cache_get_ip4(&r->dst_cache, &saddr->ip4);
		if (rt)
			return &rt->dst;
		rt = ip_route_output_key(net, &fl4);
		if (IS_ERR(rt))
			return ERR_CAST(rt);
		if (!kvs_vxlan_route_ok(&rt->dst)) {
			ip_rt_put(rt);
			return ERR_PTR(-ENETUNREACH);
		}
		dst_cache_set_ip4(&r->dst_cache, &rt->dst, fl4.saddr);
		saddr->ip4 = fl4.saddr;
		return &rt->dst;
	}
#if IS_ENABLED(CONFIG_IPV6)
	{
		struct flowi6 fl6 = {
			.flowi6_proto = IPPROTO_UDP,
			.daddr = r->ip.ip6,
			.saddr = fab->local.ip6,
			.fl6_dport = fab->dstport,
			.fl6_sport = sport,
		};
		struct dst_entry *ndst;

		ndst = dst_cache_get_ip6(&r->dst_cache, &saddr->ip6);
		if (ndst)
			return ndst;
		ndst = ipv6_stub->ipv6_dst_lookup_flow(net, sk, &fl6, NULL);
		if (IS_ERR(ndst))
			return ndst;
		if (!kvs_vxlan_route_ok(ndst)) {
			dst_release(ndst);
			return ERR_PTR(-ENETUNREACH);
		}
		dst_cache_set_ip6(&r->dst_cache, ndst, &fl6.saddr);
		saddr->ip6 = fl6.saddr;
		return ndst;
	}
#else
	return ERR_PTR(-EAFNOSUPPORT);
#endif
}

/*
 * Whether @skb (data at the inner Ethernet header), with @overhead bytes
 * of outer IP, UDP and VXLAN headers, fits a path of @mtu: GSO frames by
 * the size of their segments.
 */
static bool kvs_vxlan_fits(const struct sk_buff *skb, unsigned int mtu,
			   unsigned int overhead)
{
	unsigned int l2 = skb_network_offset(skb);

	if (mtu < overhead + l2)
		return false;
	if (skb_is_gso(skb))
		return skb_gso_validate_network_len(skb, mtu - overhead - l2);
	return skb->len <= mtu - overhead;
}

/* Push the VXLAN header and set up offloads; 0 or a drop reason + 1 */
static int kvs_vxlan_build(struct sk_buff *skb, unsigned int headroom,
			   u32 vni, bool udp_csum)
{
	struct vxlanhdr *vxh;

	if (skb_cow_head(skb, headroom))
		return KVS_DROP_NO_MEMORY + 1;
	if (iptunnel_handle_offloads(skb, udp_csum ? SKB_GSO_UDP_TUNNEL_CSUM :
						     SKB_GSO_UDP_TUNNEL))
		return KVS_DROP_MALFORMED + 1;

	vxh = __skb_push(skb, sizeof(*vxh));
	vxh->vx_flags = VXLAN_HF_VNI;
	vxh->vx_vni = cpu_to_be32(vni << 8);
	skb_set_inner_protocol(skb, htons(ETH_P_TEB));
	return 0;
}

static void kvs_fabric_count_tx(struct kvs_port *port, unsigned int len)
{
	kvs_stats_tx(port, len);
	dev_sw_netstats_tx_add(port->sw->dev, 1, len);
}

/*
 * The ECN field of the outer header (RFC 6040, normal mode): the inner
 * IP header's, as ip_tunnel_ecn_encap() gives it; no IP header, not ECT.
 */
static u8 kvs_vxlan_ecn_encap(struct sk_buff *skb)
{
	return INET_ECN_encapsulate(0, kvs_inner_dsfield(skb));
}

/*
 * A frame of @from too big for the path to a VTEP (@dst, @overhead bytes
 * of outer headers): dropped as `mtu`. An IPv4 packet with DF or an IPv6
 * one is answered as a router on the way would answer it, with "frag
 * needed" or "packet too big" carrying the path's MTU less the
 * encapsulation, sent back out of @from (skb_tunnel_check_pmtu(), as the
 * vxlan device does as a bridge port): the VM's path MTU converges.
 */
static void kvs_vxlan_too_big(struct kvs_port *from, struct sk_buff *skb,
			      struct dst_entry *dst, unsigned int overhead)
{
	kvs_stats_drop(from, KVS_DROP_MTU);
	dev_core_stats_rx_dropped_inc(from->sw->dev);

	skb->dev = from->dev;	/* the answer's link-layer source */
	if (skb_tunnel_check_pmtu(skb, dst, overhead + ETH_HLEN, true) > 0 &&
	    kvs_port_can_tx(from)) {
		/* @skb is the answer now, its Ethernet header in front */
		__skb_pull(skb, ETH_HLEN);
		kvs_port_xmit(from, from, skb, NULL);
		return;
	}
	kfree_skb(skb);
}

/*
 * One frame of @network from @from to the VTEP @r, IPv4 or IPv6 by its
 * address; skb->data past the inner Ethernet header. Softirq, RCU: the
 * socket is released only after a grace period that follows the fabric's
 * removal.
 */
static void kvs_vxlan_xmit(struct kvs_port *from, struct kvs_port *port,
			   struct kvs_remote *r, struct kvs_network *network,
			   struct sk_buff *skb)
{
	struct kvs_fabric *fab = port->fabric;
	bool v4 = r->ip.family == AF_INET;
	struct sock *sk = fab->sock->sk;
	unsigned int len, overhead;
	struct dst_entry *dst;
	struct kvs_ip saddr;
	__be16 sport;
	int reason;
	bool xnet;
	u8 tos;

	skb_push(skb, ETH_HLEN);
	skb_reset_mac_header(skb);
	if (skb_vlan_tag_present(skb)) {
		/* a VM's own tag travels inside */
		skb = __vlan_hwaccel_push_inside(skb);
		if (unlikely(!skb)) {
			kvs_stats_drop(from, KVS_DROP_NO_MEMORY);
			dev_core_stats_rx_dropped_inc(from->sw->dev);
			return;
		}
	}

	sport = udp_flow_src_port(sock_net(sk), skb, 0, 0, true);
	tos = kvs_vxlan_ecn_encap(skb);
	len = skb->len;
	xnet = !net_eq(sock_net(sk), dev_net(from->dev));
	skb_scrub_packet(skb, xnet);
	/* the tunnel helpers count on skb->dev when set; kvs counts itself */
	skb->dev = NULL;

	dst = kvs_vxlan_route(port, r, sk, sport, &saddr);
	if (IS_ERR(dst)) {
		kvs_forward_drop(from, skb, KVS_DROP_NO_ROUTE);
		return;
	}
	overhead = (v4 ? sizeof(struct iphdr) : sizeof(struct ipv6hdr)) +
		   KVS_VXLAN_HLEN;
	if (!kvs_vxlan_fits(skb, dst_mtu(dst), overhead)) {
		kvs_vxlan_too_big(from, skb, dst, overhead);
		dst_release(dst);
		return;
	}
	/* IPv6 needs the UDP checksum (RFC 6935 allows zero only where both
	 * ends are configured for it)
	 */
	reason = kvs_vxlan_build(skb, LL_RESERVED_SPACE(dst->dev) +
				 dst->header_len + overhead, network->id, !v4);
	if (reason) {
		dst_release(dst);
		kvs_forward_drop(from, skb, reason - 1);
		return;
	}
	kvs_fabric_count_tx(port, len);
	if (v4)
		udp_tunnel_xmit_skb((struct rtable *)dst, sk, skb, saddr.ip4,
				    r->ip.ip4, tos, ip4_dst_hoplimit(dst),
				    htons(IP_DF), sport, fab->dstport, xnet,
				    true);
#if IS_ENABLED(CONFIG_IPV6)
	else
		udp_tunnel6_xmit_skb(dst, sk, skb, NULL, &saddr.ip6, &r->ip.ip6,
				     tos, ip6_dst_hoplimit(dst), 0, sport,
				     fab->dstport, false);
#endif
}

/* ---- VLAN ---- */

/*
 * The rx_handler's part for a vlan fabric port: softirq, RCU. Untagged
 * (and priority-tagged) frames are the host's; a tag names the network.
 */
rx_handler_result_t kvs_fabric_vlan_rx(struct kvs_port *port,
				       struct sk_buff *skb)
{
	struct kvs_switch *sw = port->sw;
	struct kvs_network *network;
	unsigned int len;
	u16 vid;

	if (!skb_vlan_tag_present(skb) || !skb_vlan_tag_get_id(skb))
		return RX_HANDLER_PASS;

	skb = skb_share_check(skb, GFP_ATOMIC);
	if (unlikely(!skb)) {
		kvs_stats_drop(port, KVS_DROP_NO_MEMORY);
		dev_core_stats_rx_dropped_inc(sw->dev);
		return RX_HANDLER_CONSUMED;
	}

	/* 802.1ad outside, or a second tag inside: not ours to carry */
	if (skb->vlan_proto != htons(ETH_P_8021Q) ||
	    eth_type_vlan(skb->protocol)) {
		kvs_forward_drop(port, skb, KVS_DROP_BAD_ENCAP);
		return RX_HANDLER_CONSUMED;
	}
	vid = skb_vlan_tag_get_id(skb);
	network = kvs_network_find(sw, vid);
	if (!network) {
		kvs_forward_drop(port, skb, KVS_DROP_UNKNOWN_VNI);
		return RX_HANDLER_CONSUMED;
	}
	if (unlikely(!skb_mac_header_was_set(skb) ||
		     skb_mac_header_len(skb) < ETH_HLEN)) {
		kvs_forward_drop(port, skb, KVS_DROP_MALFORMED);
		return RX_HANDLER_CONSUMED;
	}

	/* the priority stays with the frame; the tag goes */
	skb->priority = skb_vlan_tag_get_prio(skb);
	__vlan_hwaccel_clear_tag(skb);

	len = skb->len + ETH_HLEN;
	kvs_stats_rx(port, len);
	dev_sw_netstats_rx_add(sw->dev, len);

	if (unlikely(!netif_running(sw->dev))) {
		kvs_forward_drop(port, skb, KVS_DROP_NO_ROUTE);
		return RX_HANDLER_CONSUMED;
	}
	kvs_switch_frame(sw, port, network, skb, NULL, &kvs_pass_now);
	return RX_HANDLER_CONSUMED;
}

/*
 * Tag a frame of @network for a vlan fabric; skb->data past the Ethernet
 * header. A VM may send priority tags (VID 0), whose priority the fabric
 * tag keeps; any other tag of its own would reach a VLAN it is not in.
 * Returns 0 or a drop reason + 1.
 */
static int kvs_vlan_tag(struct kvs_network *network, struct sk_buff *skb)
{
	u16 prio = skb->priority <= 7 ? skb->priority : 0;

	if (skb_vlan_tag_present(skb)) {
		if (skb_vlan_tag_get_id(skb))
			return KVS_DROP_ISOLATION + 1;
		prio = skb_vlan_tag_get_prio(skb);
		__vlan_hwaccel_clear_tag(skb);
	}
	if (eth_type_vlan(eth_hdr(skb)->h_proto))
		return KVS_DROP_ISOLATION + 1;

	__vlan_hwaccel_put_tag(skb, htons(ETH_P_8021Q),
			       network->id | (prio << VLAN_PRIO_SHIFT));
	return 0;
}

/* A frame of @network out of the vlan uplink @fabric, tagged */
static void kvs_vlan_xmit(struct kvs_port *from, struct kvs_port *fabric,
			  struct kvs_remote *remote, struct kvs_network *network,
			  struct sk_buff *skb)
{
	int reason;

	if (unlikely(!kvs_port_can_tx(fabric))) {
		kvs_forward_drop(from, skb, KVS_DROP_NO_ROUTE);
		return;
	}
	reason = kvs_vlan_tag(network, skb);
	if (reason) {
		kvs_forward_drop(from, skb, reason - 1);
		return;
	}
	kvs_port_xmit(from, fabric, skb, NULL);
}

/* ---- setup and teardown ---- */

/* RTNL: the vxlan fabric port whose uplink is @dev, if any */
struct kvs_port *kvs_fabric_from_dev(const struct net_device *dev)
{
	struct kvs_switch *sw;
	struct kvs_port *port;

	struct kvs_pernet *pn = net_generic(dev_net(dev), kvs_pernet_id);

	ASSERT_RTNL();
	list_for_each_entry(sw, &pn->switches, node) {
		port = rtnl_dereference(sw->fabric);
		if (port && port->dev == dev)
			return port;
	}
	return NULL;
}

static int kvs_vxlan_open(struct kvs_port *port, struct netlink_ext_ack *extack)
{
	struct kvs_fabric *fab = port->fabric;
	struct net *net = dev_net(port->sw->dev);
	struct udp_tunnel_sock_cfg tcfg = {};
	struct udp_port_cfg cfg = {};
	struct socket *sock;
	int err;

	if (fab->local.family == AF_INET) {
		cfg.family = AF_INET;
		cfg.local_ip.s_addr = fab->local.ip4;
	} else {
#if IS_ENABLED(CONFIG_IPV6)
		cfg.family = AF_INET6;
		cfg.local_ip6 = fab->local.ip6;
		cfg.ipv6_v6only = 1;
		cfg.use_udp6_rx_checksums = 1;
#else
		NL_SET_ERR_MSG(extack, "IPv6 is not available");
		return -EAFNOSUPPORT;
#endif
	}
	cfg.local_udp_port = fab->dstport;
	/* datagrams to local:dstport that arrive on another device are not
	 * the fabric's
	 */
	cfg.bind_ifindex = port->dev->ifindex;

	err = udp_sock_create(net, &cfg, &sock);
	if (err == -EADDRINUSE) {
		NL_SET_ERR_MSG(extack,
			       "the UDP port is already in use on the local address");
		return err;
	}
	if (err == -EADDRNOTAVAIL) {
		NL_SET_ERR_MSG(extack,
			       "the local address is not configured on this host");
		return err;
	}
	if (err) {
		NL_SET_ERR_MSG(extack, "cannot open the vxlan socket");
		return err;
	}

	tcfg.sk_user_data = port;
	tcfg.encap_type = 1;
	tcfg.encap_rcv = kvs_vxlan_rcv;
	tcfg.encap_err_lookup = kvs_vxlan_err_lookup;
	tcfg.gro_receive = kvs_vxlan_gro_receive;
	tcfg.gro_complete = kvs_vxlan_gro_complete;
	setup_udp_tunnel_sock(net, sock, &tcfg);
	fab->sock = sock;
	return 0;
}

/* No network of @sw has an id above @max_net_id */
bool kvs_fabric_nets_fit(struct kvs_switch *sw, u32 max_net_id)
{
	unsigned long id = (unsigned long)max_net_id + 1;

	return !xa_find(&sw->networks, &id, ULONG_MAX, XA_PRESENT);
}

/*
 * The vxlan part of @port (allocated, not yet reachable): the remote
 * table, the gateway and the socket. RTNL.
 */
static int kvs_vxlan_init(struct kvs_port *port,
			  const struct kvs_fabric_cfg *cfg,
			  struct netlink_ext_ack *extack)
{
	struct kvs_fabric *fab = port->fabric;
	struct kvs_switch *sw = port->sw;
	struct kvs_remote *spare = NULL;
	int err;

	fab->local = cfg->local;
	fab->dstport = htons(cfg->dstport);
	fab->known_peers = cfg->known_peers;
	err = rhashtable_init(&fab->remotes, &kvs_remote_params);
	if (err)
		return err;

	if (cfg->remote.family) {
		spare = kvs_remote_alloc(port, &cfg->remote,
					 GFP_KERNEL_ACCOUNT);
		if (!spare) {
			err = -ENOMEM;
			goto err_table;
		}
		spin_lock_bh(&sw->fdb_lock);
		fab->gateway = kvs_remote_get(port, &cfg->remote, &spare, true);
		spin_unlock_bh(&sw->fdb_lock);
		if (spare)
			kvs_remote_free(spare);
		if (!fab->gateway) {
			err = -ENOMEM;
			goto err_table;
		}
	}

	err = kvs_vxlan_open(port, extack);
	if (err)
		goto err_gateway;
	return 0;

err_gateway:
	if (fab->gateway) {
		spin_lock_bh(&sw->fdb_lock);
		kvs_remote_put(fab->gateway, true);
		spin_unlock_bh(&sw->fdb_lock);
		fab->gateway = NULL;
	}
err_table:
	/* a remote freed by the put waits for RCU; the table is empty */
	rhashtable_destroy(&fab->remotes);
	return err;
}

/*
 * Before detach: the fabric takes no frame from the socket any more.
 * The caller then waits for the frames in flight and flushes the fdb.
 */
static void kvs_vxlan_stop(struct kvs_port *port)
{
	rcu_assign_sk_user_data(port->fabric->sock->sk, NULL);
}

/*
 * After detach, with the fdb entries to the fabric flushed: drop the
 * gateway, close the socket (udp_tunnel_sock_release waits for RCU
 * readers, which may still be sending through it). RTNL.
 */
static void kvs_vxlan_release(struct kvs_port *port)
{
	struct kvs_fabric *fab = port->fabric;
	struct kvs_switch *sw = port->sw;

	if (fab->gateway) {
		spin_lock_bh(&sw->fdb_lock);
		kvs_remote_put(fab->gateway, true);
		spin_unlock_bh(&sw->fdb_lock);
		fab->gateway = NULL;
	}
	udp_tunnel_sock_release(fab->sock);
	fab->sock = NULL;
	/*
	 * Empty: every remote left it when its last user went. Those still
	 * waiting for RCU are no longer in it.
	 */
	rhashtable_destroy(&fab->remotes);
}

/* A vlan uplink is a port: kvs_port_link() and its rx_handler do it all */
static int kvs_vlan_init(struct kvs_port *port,
			 const struct kvs_fabric_cfg *cfg,
			 struct netlink_ext_ack *extack)
{
	return 0;
}

static void kvs_vlan_nothing(struct kvs_port *port)
{
}

static const struct kvs_encap_ops kvs_vxlan_ops = {
	.encap		= KVS_ENCAP_VXLAN,
	.linked		= false,
	.vteps		= true,
	.max_net_id	= KVS_NET_ID_MAX,
	.open		= kvs_vxlan_init,
	.stop		= kvs_vxlan_stop,
	.release	= kvs_vxlan_release,
	.xmit		= kvs_vxlan_xmit,
};

static const struct kvs_encap_ops kvs_vlan_ops = {
	.encap		= KVS_ENCAP_VLAN,
	.linked		= true,
	.vteps		= false,
	.max_net_id	= KVS_VLAN_ID_MAX,
	.open		= kvs_vlan_init,
	.stop		= kvs_vlan_nothing,
	.release	= kvs_vlan_nothing,
	.xmit		= kvs_vlan_xmit,
};

const struct kvs_encap_ops *kvs_encap_ops(enum kvs_encap encap)
{
	return encap == KVS_ENCAP_VLAN ? &kvs_vlan_ops : &kvs_vxlan_ops;
}

/* Set up the fabric part of @port (allocated, not yet reachable). RTNL. */
int kvs_fabric_init(struct kvs_port *port, const struct kvs_fabric_cfg *cfg,
		    struct netlink_ext_ack *extack)
{
	struct kvs_fabric *fab;
	int err;

	fab = kzalloc(sizeof(*fab), GFP_KERNEL_ACCOUNT);
	if (!fab)
		return -ENOMEM;
	fab->ops = kvs_encap_ops(cfg->encap);
	port->fabric = fab;
	err = fab->ops->open(port, cfg, extack);
	if (err) {
		kfree(fab);
		port->fabric = NULL;
	}
	return err;
}
