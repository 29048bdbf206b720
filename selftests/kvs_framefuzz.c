// SPDX-License-Identifier: GPL-2.0
/*
 * kvs_framefuzz - random and mutated frames into the ports of a kvs switch,
 * each one's fate predicted, for framefuzz.sh.
 *
 *   kvs_framefuzz -a NETNS_A -d NETNS_D [-T TAP]
 *                 [-f NETNS_F [-V MTU_F] [-G [-U MAX_F]]] [-L DEV]...
 *                 -A MAC_A -B MAC_B -D MAC_D [-M MTU_A] [-s SEED]
 *                 [-n COUNT] [-t SECONDS]
 *
 * The topology it predicts for (framefuzz.sh builds it):
 *   network 10: port A (veth, eth0 of NETNS_A; MTU_A, default 9000), port B
 *               and port C (veths, MTU 1500), port T (TAP, MTU 1500, if -T)
 *   network 20: port D (veth, eth0 of NETNS_D, MTU 1500), alone
 *   fabric port F (if -f): a VXLAN fabric with neither a remote gateway nor
 *               flood-list members (so no frame is ever sent into the
 *               fabric), or with -G one flood-list member in network 10
 *               and one in 20 (so every flood from a VM port also goes
 *               into the fabric, once); NETNS_F holds Linux vxlan devices
 *               vx10 (VNI 10) and vx20 (VNI 20), MTU MTU_F (default 8950),
 *               whose remote is the fabric port's local address: frames
 *               written to them reach the switch decapsulated, through
 *               the fabric port
 *   static fdb entries: MAC_A on A, MAC_B on B, MAC_D on D (network 20);
 *   learning on, no MAC lists, max-macs 0; nothing else sends.
 * Frames go out of eth0 of NETNS_A and NETNS_D and vx10/vx20 of NETNS_F
 * through AF_PACKET sockets and into T through its file descriptor
 * (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR) with a virtio_net_hdr: plain, valid
 * TSO (non-linear skbs, GSO), or bogus. -L DEV opens an AF_PACKET listener on
 * DEV (here: the ports' netdevs, and the fabric's uplink) for the whole run,
 * so that the switch sees shared skbs.
 *
 * Per frame it computes, per design.md, what the switch must count: rx on
 * the ingress port (unless the core drops the frame before the switch: a
 * VLAN frame too short to untag; or the send is refused), then a spoofed-src
 * drop (multicast/zero source, or another port's static MAC), or per target
 * (the fdb hit, or every other port of the network for a flood) a tx of
 * that port or an mtu drop of the ingress port, or a no-route drop (hairpin,
 * flood without a target), or a link-local drop (01:80:C2:00:00:0X, after
 * the check of an invalid source, before the one of another port's static
 * MAC). Sources come from per-port pools that are never used as
 * destinations, so learning never changes a prediction.
 * Frames from the fabric (SPEC.md): the network is the frame's VNI; the
 * inner frame is opaque (no tag is taken off: a tagged frame keeps its 4
 * bytes when its size is checked against a VM port's MTU); a runt cannot be
 * sent (the vxlan device refuses frames shorter than 14 bytes, as a veth
 * does); the fabric port is never a flood target (split horizon, and no
 * gateway); its sources are learned behind the peer's VTEP.
 * Frames into the fabric (-G): a VM's tag goes back inside the frame, so a
 * frame fits the underlay if its length as sent is at most MAX_F (default
 * 8964: an underlay MTU of 9000 less 20 + 8 + 8 bytes of IPv4, UDP and
 * VXLAN headers), else it is an mtu drop of the ingress port; a GSO frame
 * fits by its segments (the TSO frames here all do). The tap then sends no
 * bogus virtio_net_hdr (what the encapsulation makes of those is not
 * predictable: round 1 fuzzes them without -G).
 *
 * Prints "expect ROLE COUNTER N" for ROLE in A B C D T F and COUNTER in
 * rx_packets tx_packets no_route spoofed_src mtu link_local (the others must
 * not move), and "# ..." statistics. Exit 0, or 2 on a setup error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "prng.h"

#define FRAME_MAX	9100
#define NLISTEN		6

enum role { R_A, R_B, R_C, R_D, R_T, R_F, NROLES };
static const char role_name[NROLES] = { 'A', 'B', 'C', 'D', 'T', 'F' };

enum ctr { C_RX, C_TX, C_NO_ROUTE, C_SPOOFED, C_MTU, C_LINK_LOCAL, NCTRS };
static const char *const ctr_name[NCTRS] = {
	"rx_packets", "tx_packets", "no_route", "spoofed_src", "mtu", "link_local",
};

static unsigned long expect[NROLES][NCTRS];
static unsigned int limit[NROLES];	/* largest frame (skb->len) a port takes: MTU + 18; F: -U */
static bool have_tap, have_fabric, have_gateway;

static uint8_t mac_a[6], mac_b[6], mac_d[6];

/* ---- PRNG (prng.h) ------------------------------------------------------- */

static uint32_t between(uint32_t lo, uint32_t hi)
{
	return lo + rnd(hi - lo + 1);
}

/* ---- the frames ---------------------------------------------------------------- */

struct frame {
	uint8_t buf[FRAME_MAX];
	size_t len;
	int tags;		/* VLAN tags at the start */
	bool gso;		/* a TSO frame the tap turns into a GSO skb */
	struct virtio_net_hdr vh;
};

static bool is_vlan_type(uint16_t t)
{
	return t == ETH_P_8021Q || t == ETH_P_8021AD;
}

static uint16_t random_type(void)
{
	static const uint16_t types[] = {
		ETH_P_IP, ETH_P_ARP, ETH_P_IPV6, 0x88b5, 0x88cc, 0x8847, 0x8863, 0x9000,
		0x0800, 0x0001, 0x05dc, 0x0600, 0xffff, 0x0000, 0x8035, 0x88e5,
	};
	uint16_t t;

	do {
		t = chance(50) ? types[rnd(sizeof(types) / sizeof(types[0]))] : rnd(65536);
	} while (is_vlan_type(t));
	return t;
}

/* source pool of a port: 02:aa:<role>:00:00:xx, never a destination */
static void pool_src(enum role r, uint8_t *mac)
{
	uint8_t m[6] = { 0x02, 0xaa, (uint8_t)r, 0, 0, (uint8_t)rnd(64) };

	memcpy(mac, m, 6);
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

enum dst_kind { D_BCAST, D_MCAST, D_UNKNOWN, D_MAC_A, D_MAC_B, D_MAC_D, D_LINK_LOCAL, NDST };

/* what is wrong with a source: nothing, not a unicast address, another port's static MAC */
enum src_kind { S_OK, S_INVALID, S_STATIC_ELSEWHERE };

static bool is_link_local(const uint8_t *d)
{
	return d[0] == 0x01 && d[1] == 0x80 && d[2] == 0xc2 && !d[3] && !d[4] && !(d[5] & 0xf0);
}

/*
 * Build a random frame from @from in network @net into @f: fills the
 * Ethernet header, VLAN tags and payload. Returns the destination kind;
 * *bad_src tells whether the source must be refused, and why.
 */
static enum dst_kind build(enum role from, int net, struct frame *f, size_t len,
			   enum src_kind *bad_src, bool allow_qinq)
{
	uint8_t *p = f->buf;
	enum dst_kind dk = rnd(NDST);
	size_t off, i;

	memset(&f->vh, 0, sizeof(f->vh));
	f->gso = false;
	f->len = len;
	/* destination */
	switch (dk) {
	case D_BCAST: memset(p, 0xff, 6); break;
	case D_MCAST:
		for (i = 0; i < 6; i++)
			p[i] = rnd(256);
		p[0] |= 1;
		if (chance(30)) {
			p[0] = 0x33; p[1] = 0x33;
		}
		if (is_link_local(p))
			p[5] |= 0x10;	/* that is D_LINK_LOCAL's */
		break;
	case D_UNKNOWN:
		p[0] = 0x02; p[1] = 0xdd;
		for (i = 2; i < 6; i++)
			p[i] = rnd(256);
		break;
	case D_MAC_A: memcpy(p, mac_a, 6); break;
	case D_MAC_B: memcpy(p, mac_b, 6); break;
	case D_LINK_LOCAL:	/* 802.1D 01:80:C2:00:00:0X: STP, PAUSE, LACP, 802.1X, LLDP... */
		memcpy(p, "\x01\x80\xc2\x00\x00", 5);
		p[5] = rnd(16);
		break;
	default: memcpy(p, mac_d, 6); break;
	}
	/* source */
	*bad_src = S_OK;
	switch (rnd(10)) {
	case 0:		/* multicast */
		for (i = 0; i < 6; i++)
			p[6 + i] = rnd(256);
		p[6] |= 1;
		*bad_src = S_INVALID;
		break;
	case 1:		/* zero */
		memset(p + 6, 0, 6);
		*bad_src = S_INVALID;
		break;
	case 2:		/* another port's static MAC, in the same network */
		if (from == R_D) {
			pool_src(from, p + 6);
			break;
		}
		if (net == 20)		/* the fabric, in D's network */
			memcpy(p + 6, mac_d, 6);
		else
			memcpy(p + 6, from == R_A ? mac_b : (chance(50) ? mac_a : mac_b), 6);
		*bad_src = S_STATIC_ELSEWHERE;
		break;
	case 3:		/* its own static MAC */
		if (from == R_A || from == R_D) {
			memcpy(p + 6, from == R_A ? mac_a : mac_d, 6);
			break;
		}
		/* fall through */
	default:
		pool_src(from, p + 6);
		break;
	}
	/* EtherType, VLAN tags */
	off = 12;
	f->tags = 0;
	if (chance(25) && len >= 18) {
		int n = allow_qinq && chance(40) ? 2 + rnd(2) : 1;

		while (f->tags < n && off + 4 + 2 <= len) {
			put_be16(p + off, f->tags == 0 && chance(50) ? ETH_P_8021AD : ETH_P_8021Q);
			put_be16(p + off + 2, rnd(4096));	/* TCI */
			off += 4;
			f->tags++;
		}
	}
	if (off + 2 <= len) {
		uint16_t type = random_type();

		/*
		 * Newer Linux vxlan devices drop an IPv4 or IPv6 frame too
		 * short for its IP header on transmit (skb_vlan_inet_prepare()):
		 * frames from the fabric never claim a header they lack.
		 */
		if (from == R_F && ((type == ETH_P_IP && len < off + 2 + 20) ||
				    (type == ETH_P_IPV6 && len < off + 2 + 40)))
			type = 0x88b5;
		put_be16(p + off, type);
	}
	for (i = off + 2; i < len; i++)
		p[i] = rnd(256);
	return dk;
}

/* ---- prediction --------------------------------------------------------------- */

static unsigned long vanished, refused, sent_ok, gso_ok, gso_refused, bogus_ok, bogus_refused;

static int net_of(enum role r)
{
	return r == R_D ? 20 : 10;	/* (the fabric carries both) */
}

/* @skblen: the frame's length as the target port sees it */
static void deliver(enum role from, enum role to, size_t skblen, bool gso)
{
	if (gso || skblen <= limit[to])
		expect[to][C_TX]++;
	else
		expect[from][C_MTU]++;
}

/* what the switch must count for a frame of network @net that @from handed over */
static void predict(enum role from, int net, const struct frame *f, enum dst_kind dk,
		    enum src_kind bad_src)
{
	size_t skblen = f->len;
	enum role r, to;
	int targets = 0;

	/*
	 * the core untags one VLAN tag before the rx_handler; too short: freed.
	 * Not so for a frame from the fabric: decapsulated, it keeps its tags.
	 */
	if (f->tags && from != R_F) {
		if (f->len < ETH_HLEN + 6) {
			vanished++;
			return;
		}
		skblen -= 4;
	}
	expect[from][C_RX]++;
	/* design.md's order: the source, link-local, learning (static elsewhere) */
	if (bad_src == S_INVALID) {
		expect[from][C_SPOOFED]++;
		return;
	}
	if (dk == D_LINK_LOCAL) {	/* no port sets a group-fwd-mask */
		expect[from][C_LINK_LOCAL]++;
		return;
	}
	if (bad_src) {
		expect[from][C_SPOOFED]++;
		return;
	}
	to = NROLES;
	if (dk == D_MAC_A && net == 10)
		to = R_A;
	else if (dk == D_MAC_B && net == 10)
		to = R_B;
	else if (dk == D_MAC_D && net == 20)
		to = R_D;
	if (to != NROLES) {
		if (to == from)
			expect[from][C_NO_ROUTE]++;	/* hairpin */
		else
			deliver(from, to, skblen, f->gso);
		return;
	}
	/*
	 * never back into the fabric (split horizon); from a VM port, into the
	 * fabric only with a flood list (-G), the tag back inside the frame
	 */
	for (r = 0; r < NROLES; r++) {
		if (r == from || (r != R_F && net_of(r) != net) || (r == R_T && !have_tap))
			continue;
		if (r == R_F) {
			if (from == R_F || !have_gateway)
				continue;
			deliver(from, r, f->len, f->gso);
		} else {
			deliver(from, r, skblen, f->gso);
		}
		targets++;
	}
	if (!targets)
		expect[from][C_NO_ROUTE]++;
}

/* ---- senders ---------------------------------------------------------------------- */

static int sock_a = -1, sock_d = -1, tap_fd = -1, ifindex_a, ifindex_d;
static int sock_f = -1, ifindex_f10, ifindex_f20;
static int listen_fd[NLISTEN], nlisten;

/* an AF_PACKET socket in @ns, and the ifindex of @dev (and @dev2, if any) there */
static int packet_socket_in(const char *ns, const char *dev, int *ifindex,
			    const char *dev2, int *ifindex2)
{
	char path[256];
	int self, nsfd, fd;

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (self < 0 || nsfd < 0 || setns(nsfd, CLONE_NEWNET)) {
		fprintf(stderr, "kvs_framefuzz: cannot enter %s: %s\n", path, strerror(errno));
		exit(2);
	}
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	*ifindex = if_nametoindex(dev);
	if (dev2)
		*ifindex2 = if_nametoindex(dev2);
	if (fd < 0 || !*ifindex || (dev2 && !*ifindex2)) {
		fprintf(stderr, "kvs_framefuzz: no socket or no %s%s%s in %s\n", dev,
			dev2 ? " or " : "", dev2 ? dev2 : "", ns);
		exit(2);
	}
	if (setns(self, CLONE_NEWNET)) {
		perror("kvs_framefuzz: setns back");
		exit(2);
	}
	close(self);
	close(nsfd);
	return fd;
}

static void open_tap(const char *name)
{
	struct ifreq ifr = { 0 };
	int sz = sizeof(struct virtio_net_hdr);

	tap_fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (tap_fd < 0) {
		perror("kvs_framefuzz: /dev/net/tun");
		exit(2);
	}
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(tap_fd, TUNSETIFF, &ifr) || ioctl(tap_fd, TUNSETVNETHDRSZ, &sz)) {
		fprintf(stderr, "kvs_framefuzz: attach to tap %s: %s\n", name, strerror(errno));
		exit(2);
	}
	have_tap = true;
}

static void open_listener(const char *dev)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	int fd;

	if (nlisten >= NLISTEN)
		return;
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(ETH_P_ALL));
	sll.sll_ifindex = if_nametoindex(dev);
	if (fd < 0 || !sll.sll_ifindex || bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		fprintf(stderr, "kvs_framefuzz: listener on %s: %s\n", dev, strerror(errno));
		exit(2);
	}
	listen_fd[nlisten++] = fd;
}

static unsigned long drained;

static void drain(void)
{
	static uint8_t buf[65536];
	int i;

	for (i = 0; i < nlisten; i++)
		while (recv(listen_fd[i], buf, sizeof(buf), MSG_DONTWAIT) > 0)
			drained++;
	if (tap_fd >= 0)
		while (read(tap_fd, buf, sizeof(buf)) > 0)
			drained++;
}

static bool send_packet(int fd, int ifindex, const struct frame *f)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET, .sll_ifindex = ifindex, .sll_halen = ETH_ALEN,
	};

	memcpy(sll.sll_addr, f->buf, ETH_ALEN);
	return sendto(fd, f->buf, f->len, 0, (struct sockaddr *)&sll, sizeof(sll)) ==
	       (ssize_t)f->len;
}

static bool write_tap(const struct frame *f)
{
	static uint8_t out[sizeof(struct virtio_net_hdr) + FRAME_MAX];
	size_t n = sizeof(struct virtio_net_hdr) + f->len;

	memcpy(out, &f->vh, sizeof(f->vh));
	memcpy(out + sizeof(f->vh), f->buf, f->len);
	for (;;) {
		ssize_t r = write(tap_fd, out, n);

		if (r == (ssize_t)n)
			return true;
		if (r < 0 && errno == EAGAIN) {
			drain();
			continue;
		}
		return false;
	}
}

/* a TCP/IPv4 frame of @len bytes with a valid TSO header, @f's addresses */
static void make_tso(struct frame *f, size_t len)
{
	uint8_t *p = f->buf, *ip = p + 14, *tcp = p + 34;
	size_t i;

	memset(p + 12, 0, 54 - 12);	/* the addresses stay */
	f->len = len;
	f->tags = 0;
	put_be16(p + 12, ETH_P_IP);
	ip[0] = 0x45;
	put_be16(ip + 2, len - 14);
	ip[8] = 64;
	ip[9] = 6;	/* TCP */
	ip[12] = 10; ip[13] = 99; ip[15] = 1;
	ip[16] = 10; ip[17] = 99; ip[19] = 2;
	put_be16(tcp, 40000);
	put_be16(tcp + 2, 5001);
	tcp[12] = 5 << 4;
	tcp[13] = 0x18;	/* PSH ACK */
	put_be16(tcp + 14, 65535);
	for (i = 54; i < len; i++)
		p[i] = rnd(256);
	f->vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	f->vh.csum_start = 34;
	f->vh.csum_offset = 16;
	f->vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	f->vh.gso_size = 1448;
	f->vh.hdr_len = 54;
	f->gso = true;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int parse_mac(const char *s, uint8_t *mac)
{
	unsigned int b[6], i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
		return -1;
	for (i = 0; i < 6; i++)
		mac[i] = b[i];
	return 0;
}

int main(int argc, char **argv)
{
	const char *ns_a = NULL, *ns_d = NULL, *ns_f = NULL, *tap = NULL;
	unsigned long count = 5000, i, per_kind[8] = { 0 };
	unsigned int mtu_a = 9000, mtu_f = 8950, max_f = 9000 - 20 - 8 - 8;
	double seconds = 30, deadline;
	uint64_t seed = 0;
	static struct frame f;
	int opt, r, c;

	while ((opt = getopt(argc, argv, "a:d:T:f:V:GU:L:A:B:D:M:s:n:t:")) != -1) {
		switch (opt) {
		case 'a': ns_a = optarg; break;
		case 'd': ns_d = optarg; break;
		case 'T': tap = optarg; break;
		case 'f': ns_f = optarg; break;
		case 'V': mtu_f = strtoul(optarg, NULL, 0); break;
		case 'G': have_gateway = true; break;
		case 'U': max_f = strtoul(optarg, NULL, 0); break;
		case 'L': open_listener(optarg); break;
		case 'A': if (parse_mac(optarg, mac_a)) return 2; break;
		case 'B': if (parse_mac(optarg, mac_b)) return 2; break;
		case 'D': if (parse_mac(optarg, mac_d)) return 2; break;
		case 'M': mtu_a = strtoul(optarg, NULL, 0); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'n': count = strtoul(optarg, NULL, 0); break;
		case 't': seconds = strtod(optarg, NULL); break;
		default:
			fprintf(stderr, "usage: kvs_framefuzz -a NS_A -d NS_D [-T TAP] "
				"[-f NS_F [-V MTU_F] [-G [-U MAX_F]]] [-L DEV]... -A MAC -B MAC -D MAC [-M MTU_A] "
				"[-s SEED] [-n COUNT] [-t SECONDS]\n");
			return 2;
		}
	}
	if (!ns_a || !ns_d || (have_gateway && !ns_f)) {
		fprintf(stderr, "kvs_framefuzz: -a and -d are needed (and -f with -G)\n");
		return 2;
	}
	if (!seed) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		seed = (uint64_t)ts.tv_sec * 1000003ULL ^ (uint64_t)ts.tv_nsec ^ getpid();
	}
	rng_state = seed ? seed : 1;
	printf("# seed %llu (reproduce with -s %llu)\n", (unsigned long long)seed,
	       (unsigned long long)seed);
	limit[R_A] = mtu_a + 18;
	limit[R_B] = limit[R_C] = limit[R_D] = limit[R_T] = 1500 + 18;
	limit[R_F] = max_f;

	sock_a = packet_socket_in(ns_a, "eth0", &ifindex_a, NULL, NULL);
	sock_d = packet_socket_in(ns_d, "eth0", &ifindex_d, NULL, NULL);
	if (ns_f) {
		sock_f = packet_socket_in(ns_f, "vx10", &ifindex_f10, "vx20", &ifindex_f20);
		have_fabric = true;
	}
	if (tap)
		open_tap(tap);

	deadline = now_s() + seconds;
	for (i = 0; i < count && now_s() < deadline; i++) {
		enum dst_kind dk;
		enum src_kind bad_src;
		bool ok;
		enum role from;
		size_t len;
		int kind = rnd(100), net;

		if (i % 64 == 0)
			drain();
		from = kind < 38 ? R_A : kind < 51 ? R_D :
		       kind < 70 && have_fabric ? R_F : (have_tap ? R_T : R_A);
		/* the fabric: 7 frames in 10 into network 10 */
		net = from == R_F ? (chance(70) ? 10 : 20) : net_of(from);
		/* the length class */
		switch (rnd(10)) {
		case 0: len = rnd(ETH_HLEN); break;			/* runt < 14 */
		case 1: len = between(ETH_HLEN, 59); break;		/* runt < 60 */
		case 2:
			len = from == R_A ? between(1600, mtu_a + 14) :
			      from == R_F ? between(1515, mtu_f + 14) : between(1515, 1600);
			break;
		default: len = between(60, 1514); break;
		}
		if (from == R_F) {
			dk = build(from, net, &f, len, &bad_src, true);
			ok = send_packet(sock_f, net == 10 ? ifindex_f10 : ifindex_f20, &f);
			per_kind[5]++;
		} else if (from != R_T) {
			dk = build(from, net, &f, len, &bad_src, true);
			ok = send_packet(from == R_A ? sock_a : sock_d,
					 from == R_A ? ifindex_a : ifindex_d, &f);
			per_kind[from == R_A ? 0 : 1]++;
		} else {
			/* -G: no bogus headers (7..9) */
			int how = rnd(have_gateway ? 7 : 10);

			if (how < 5) {			/* plain */
				if (len > 1514 && chance(50))
					len = between(1515, 9014);	/* non-linear, no GSO */
				dk = build(from, net, &f, len, &bad_src, true);
				if (chance(20)) {
					f.vh.flags = VIRTIO_NET_HDR_F_DATA_VALID;
				}
				if (f.len > 4000)
					f.vh.hdr_len = between(14, 128);	/* fragments */
				per_kind[2]++;
			} else if (how < 7) {		/* valid TSO: a GSO skb */
				dk = build(from, net, &f, 60, &bad_src, false);
				make_tso(&f, between(3000, 9014));
				per_kind[3]++;
			} else {			/* bogus header, frame <= 1514 */
				len = between(0, 1514);
				dk = build(from, net, &f, len, &bad_src, false);
				if (f.tags > 1)
					f.tags = 1;	/* not built: allow_qinq false */
				f.vh.flags = rnd(8);
				if ((f.vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) && f.tags)
					f.vh.flags &= ~VIRTIO_NET_HDR_F_NEEDS_CSUM;
				f.vh.csum_start = chance(50) ? rnd(len + 8) : rnd(65536);
				f.vh.csum_offset = chance(50) ? rnd(32) : rnd(65536);
				f.vh.gso_type = chance(60) ? (uint8_t)rnd(6) :
						(uint8_t)(rnd(5) | VIRTIO_NET_HDR_GSO_ECN);
				f.vh.gso_size = chance(30) ? 0 : rnd(2000);
				f.vh.hdr_len = chance(50) ? rnd(len + 16) : rnd(65536);
				per_kind[4]++;
			}
			ok = write_tap(&f);
			if (f.gso) {
				if (ok)
					gso_ok++;
				else
					gso_refused++;
			} else if (f.vh.gso_type || f.vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
				if (ok)
					bogus_ok++;
				else
					bogus_refused++;
			}
		}
		if (!ok) {
			refused++;
			continue;
		}
		sent_ok++;
		predict(from, net, &f, dk, bad_src);
	}
	drain();
	printf("# %lu frames in %.1f s (seed %llu): %lu from A, %lu from D, %lu from the "
	       "fabric, %lu plain, %lu TSO and %lu bogus-header frames into the tap\n", i,
	       seconds - (deadline - now_s()), (unsigned long long)seed, per_kind[0],
	       per_kind[1], per_kind[5], per_kind[2], per_kind[3], per_kind[4]);
	printf("# %lu handed over, %lu refused by the sender's kernel, %lu dropped before "
	       "the switch (VLAN runts); tap: %lu TSO accepted, %lu refused, %lu odd headers "
	       "accepted, %lu refused; %lu frames drained\n", sent_ok, refused, vanished,
	       gso_ok, gso_refused, bogus_ok, bogus_refused, drained);
	printf("stat sent %lu\nstat gso %lu\n", sent_ok, gso_ok);
	for (r = 0; r < NROLES; r++)
		for (c = 0; c < NCTRS; c++)
			printf("expect %c %s %lu\n", role_name[r], ctr_name[c], expect[r][c]);
	return 0;
}
