// SPDX-License-Identifier: GPL-2.0
/*
 * kvs_pkt - send and count tagged raw Ethernet frames for the kvs selftests.
 *
 *   kvs_pkt send DEV SRC DST [count N] [tag STR] [type ETHERTYPE] [len BYTES]
 *                    [seed N] [+ SRC DST [count N] ...]...
 *   kvs_pkt flap DEV1 DEV2 SRC DST [count N] [tag STR]
 *   kvs_pkt sniff DEV [tag STR] [type ETHERTYPE] [timeout MS]
 *
 * "send" writes N frames with any source MAC (forged, multicast, zero) on
 * DEV through an AF_PACKET socket; the payload starts with "TAG seq I".
 * Several groups of frames, separated by "+", go out in order in one run
 * (process start-up is what costs most in an emulated VM).
 * SRC "random" gives each frame of the group its own source MAC: locally
 * administered unicast 02:xx:xx:xx:xx:xx, pseudo-random but distinct for
 * the COUNT frames of one seed (a bijection of the frame number); those
 * frames go out in batches of sendmmsg() (200 000 take seconds, not minutes,
 * in an emulated VM).
 * "flap" sends COUNT frames from SRC out of DEV1, then DEV2, then DEV1...
 * alternately (one frame each time): SRC moves between the two ports of
 * the switch behind them 2 * COUNT - 1 times. DEV1 and DEV2 are in one netns.
 * "sniff" prints "ready" once it listens on DEV, counts the frames of that
 * EtherType that DEV receives (not the ones it sends) whose payload starts
 * with "TAG " or "TAG-" (so one sniffer serves tags TAG-a, TAG-b...), prints
 * "frame SRC > DST PAYLOAD" for each and "count N" when it gets
 * SIGTERM/SIGINT or the timeout (default 20 s) expires. Frames of a private EtherType (0x88b5 by default) with a per-test
 * tag are counted exactly: ARP, IPv6 or other tests' frames never match.
 * An ETHERTYPE below 0x600 is an 802.3 length (LLC frames): sniff then
 * listens to every protocol and keeps the frames with that length field.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_TYPE	0x88b5		/* IEEE 802 local experimental */
#define DEFAULT_TAG	"kvs-selftest"
#define FRAME_MAX	1514
#define COUNT_MAX	10000000UL
#define BATCH		64	/* frames per sendmmsg() */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: kvs_pkt send DEV SRC DST [count N] [tag STR] [type ETHERTYPE] [len BYTES]\n"
		"                    [seed N] [+ SRC DST [count N] ...]...\n"
		"       kvs_pkt flap DEV1 DEV2 SRC DST [count N] [tag STR]\n"
		"       kvs_pkt sniff DEV [tag STR] [type ETHERTYPE] [timeout MS]\n");
	exit(2);
}

static int parse_mac(const char *s, unsigned char *mac)
{
	unsigned int b[ETH_ALEN];
	char extra;
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &extra) != ETH_ALEN)
		return -1;
	for (i = 0; i < ETH_ALEN; i++) {
		if (b[i] > 0xff)
			return -1;
		mac[i] = b[i];
	}
	return 0;
}

static unsigned long parse_num(const char *s, unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *s == '\0' || *end != '\0' || v > max) {
		fprintf(stderr, "kvs_pkt: bad number '%s'\n", s);
		exit(2);
	}
	return v;
}

static int dev_index(const char *dev)
{
	unsigned int idx = if_nametoindex(dev);

	if (!idx) {
		fprintf(stderr, "kvs_pkt: no device %s\n", dev);
		exit(2);
	}
	return (int)idx;
}

/* frame @i of a "random" source: 02:SS:xx:xx:xx:xx, SS from the seed, xx a bijection of i */
static void random_src(unsigned char *mac, unsigned long seed, unsigned long i)
{
	uint32_t x = (uint32_t)i * 0x9e3779b1u + (uint32_t)(seed >> 8);

	x ^= x >> 16;
	x *= 0x7feb352du;
	x ^= x >> 15;
	x *= 0x846ca68bu;
	x ^= x >> 16;
	mac[0] = 0x02;
	mac[1] = seed & 0xff;
	mac[2] = x >> 24;
	mac[3] = x >> 16;
	mac[4] = x >> 8;
	mac[5] = x;
}

static void fill_payload(unsigned char *frame, unsigned long len, const char *tag,
			 unsigned long i)
{
	memset(frame + ETH_HLEN, 0, len - ETH_HLEN);
	snprintf((char *)frame + ETH_HLEN, len - ETH_HLEN, "%s seq %lu", tag, i);
}

/* COUNT frames with random sources, BATCH at a time */
static int send_random(int fd, struct sockaddr_ll *sll, const unsigned char *tmpl,
		       unsigned long len, const char *tag, unsigned long count,
		       unsigned long seed)
{
	static unsigned char frames[BATCH][FRAME_MAX];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	unsigned long i = 0;
	int n, k, sent;

	while (i < count) {
		n = count - i < BATCH ? (int)(count - i) : BATCH;
		memset(msgs, 0, sizeof(msgs));
		for (k = 0; k < n; k++) {
			memcpy(frames[k], tmpl, ETH_HLEN);
			random_src(frames[k] + ETH_ALEN, seed, i + k);
			fill_payload(frames[k], len, tag, i + k);
			iov[k].iov_base = frames[k];
			iov[k].iov_len = len;
			msgs[k].msg_hdr.msg_iov = &iov[k];
			msgs[k].msg_hdr.msg_iovlen = 1;
			msgs[k].msg_hdr.msg_name = sll;
			msgs[k].msg_hdr.msg_namelen = sizeof(*sll);
		}
		for (k = 0; k < n; k += sent) {
			sent = sendmmsg(fd, msgs + k, n - k, 0);
			if (sent <= 0) {
				if (sent < 0 && (errno == ENOBUFS || errno == EAGAIN)) {
					usleep(1000);
					sent = 0;
					continue;
				}
				perror("kvs_pkt: sendmmsg");
				return 1;
			}
		}
		i += n;
	}
	return 0;
}

/* one group "SRC DST [count N] [tag STR] [type ETHERTYPE] [len BYTES] [seed N]" from argv[a] */
static int send_group(int fd, int ifindex, char **argv, int argc, int *pa)
{
	unsigned char frame[FRAME_MAX] = { 0 };
	unsigned long count = 1, len = 60, type = DEFAULT_TYPE, seed = 1, i;
	const char *tag = DEFAULT_TAG;
	struct sockaddr_ll sll = { 0 };
	struct ethhdr *eth = (struct ethhdr *)frame;
	int a = *pa, random = 0;

	if (a + 2 > argc)
		usage();
	if (!strcmp(argv[a], "random"))
		random = 1;
	if ((!random && parse_mac(argv[a], eth->h_source)) ||
	    parse_mac(argv[a + 1], eth->h_dest)) {
		fprintf(stderr, "kvs_pkt: bad MAC address\n");
		exit(2);
	}
	for (a += 2; a < argc && strcmp(argv[a], "+"); a += 2) {
		if (a + 1 >= argc)
			usage();
		if (!strcmp(argv[a], "count"))
			count = parse_num(argv[a + 1], COUNT_MAX);
		else if (!strcmp(argv[a], "tag"))
			tag = argv[a + 1];
		else if (!strcmp(argv[a], "type"))
			type = parse_num(argv[a + 1], 0xffff);
		else if (!strcmp(argv[a], "len"))
			len = parse_num(argv[a + 1], FRAME_MAX);
		else if (!strcmp(argv[a], "seed"))
			seed = parse_num(argv[a + 1], 0xffffffffUL);
		else
			usage();
	}
	*pa = a < argc ? a + 1 : a;	/* past the "+" */
	if (len < ETH_HLEN + strlen(tag) + 16)
		len = ETH_HLEN + strlen(tag) + 16;
	if (len > FRAME_MAX) {
		fprintf(stderr, "kvs_pkt: tag too long\n");
		exit(2);
	}
	eth->h_proto = htons(type);

	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = ifindex;
	sll.sll_halen = ETH_ALEN;
	memcpy(sll.sll_addr, eth->h_dest, ETH_ALEN);

	if (random)
		return send_random(fd, &sll, frame, len, tag, count, seed);
	for (i = 0; i < count; i++) {
		fill_payload(frame, len, tag, i);
		if (sendto(fd, frame, len, 0, (struct sockaddr *)&sll, sizeof(sll)) != (ssize_t)len) {
			perror("kvs_pkt: sendto");
			return 1;
		}
	}
	return 0;
}

/* flap DEV1 DEV2 SRC DST [count N] [tag STR] */
static int do_flap(int argc, char **argv)
{
	unsigned char frame[64] = { 0 };
	struct ethhdr *eth = (struct ethhdr *)frame;
	struct sockaddr_ll sll[2] = { { 0 } };
	unsigned long count = 1, i;
	const char *tag = DEFAULT_TAG;
	int fd, a, d;

	if (argc < 6)
		usage();
	if (parse_mac(argv[4], eth->h_source) || parse_mac(argv[5], eth->h_dest)) {
		fprintf(stderr, "kvs_pkt: bad MAC address\n");
		exit(2);
	}
	for (a = 6; a + 1 < argc; a += 2) {
		if (!strcmp(argv[a], "count"))
			count = parse_num(argv[a + 1], COUNT_MAX);
		else if (!strcmp(argv[a], "tag"))
			tag = argv[a + 1];
		else
			usage();
	}
	if (a != argc || strlen(tag) > 30)
		usage();
	eth->h_proto = htons(DEFAULT_TYPE);
	for (d = 0; d < 2; d++) {
		sll[d].sll_family = AF_PACKET;
		sll[d].sll_ifindex = dev_index(argv[2 + d]);
		sll[d].sll_halen = ETH_ALEN;
		memcpy(sll[d].sll_addr, eth->h_dest, ETH_ALEN);
	}
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0) {
		perror("kvs_pkt: socket");
		return 2;
	}
	for (i = 0; i < 2 * count; i++) {
		fill_payload(frame, sizeof(frame), tag, i);
		d = i & 1;
		if (sendto(fd, frame, sizeof(frame), 0, (struct sockaddr *)&sll[d],
			   sizeof(sll[d])) != (ssize_t)sizeof(frame)) {
			perror("kvs_pkt: sendto");
			close(fd);
			return 1;
		}
	}
	close(fd);
	return 0;
}

/* send DEV GROUP [+ GROUP]... */
static int do_send(int argc, char **argv)
{
	int fd, ifindex, a = 3, ret = 0;

	if (argc < 5)
		usage();
	ifindex = dev_index(argv[2]);
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0) {
		perror("kvs_pkt: socket");
		return 2;
	}
	while (a < argc && !ret)
		ret = send_group(fd, ifindex, argv, argc, &a);
	close(fd);
	return ret;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int do_sniff(int argc, char **argv)
{
	unsigned long type = DEFAULT_TYPE, timeout = 20000, count = 0;
	const char *tag = DEFAULT_TAG;
	unsigned char buf[65536];
	struct sockaddr_ll sll = { 0 };
	struct sigaction sa = { 0 };
	long long deadline;
	size_t taglen;
	int fd, a, rcvbuf;

	if (argc < 3)
		usage();
	for (a = 3; a + 1 < argc; a += 2) {
		if (!strcmp(argv[a], "tag"))
			tag = argv[a + 1];
		else if (!strcmp(argv[a], "type"))
			type = parse_num(argv[a + 1], 0xffff);
		else if (!strcmp(argv[a], "timeout"))
			timeout = parse_num(argv[a + 1], 3600000);
		else
			usage();
	}
	if (a != argc)
		usage();
	taglen = strlen(tag);

	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	/* protocol 0 until bound: no frame of another device gets queued */
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0) {
		perror("kvs_pkt: socket");
		return 2;
	}
	/* a burst (a batch handed over at once) must not overflow the socket */
	rcvbuf = 8 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
	sll.sll_family = AF_PACKET;
	/* an 802.3 length (LLC frames: STP) is no protocol the core delivers by */
	sll.sll_protocol = htons(type >= ETH_P_802_3_MIN ? type : ETH_P_ALL);
	sll.sll_ifindex = dev_index(argv[2]);
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		perror("kvs_pkt: bind");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);	/* each line as it comes */
	printf("ready\n");

	deadline = now_ms() + (long long)timeout;
	while (!stop) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		long long left = deadline - now_ms();
		struct sockaddr_ll from;
		socklen_t fromlen = sizeof(from);
		struct ethhdr *eth = (struct ethhdr *)buf;
		const char *payload;
		ssize_t n;
		int r;

		if (left <= 0)
			break;
		r = poll(&pfd, 1, left > 200 ? 200 : (int)left);
		if (r < 0 && errno != EINTR) {
			perror("kvs_pkt: poll");
			return 2;
		}
		if (r <= 0)
			continue;
		n = recvfrom(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT,
			     (struct sockaddr *)&from, &fromlen);
		if (n < 0)
			continue;
		if (from.sll_pkttype == PACKET_OUTGOING)
			continue;
		if ((size_t)n < ETH_HLEN + taglen + 1 || ntohs(eth->h_proto) != type)
			continue;
		buf[n] = '\0';
		payload = (const char *)buf + ETH_HLEN;
		if (strncmp(payload, tag, taglen) ||
		    (payload[taglen] != ' ' && payload[taglen] != '-'))
			continue;
		if (++count <= 10000) {
			const unsigned char *s = eth->h_source, *d = eth->h_dest;

			printf("frame %02x:%02x:%02x:%02x:%02x:%02x > %02x:%02x:%02x:%02x:%02x:%02x %s\n",
			       s[0], s[1], s[2], s[3], s[4], s[5],
			       d[0], d[1], d[2], d[3], d[4], d[5], payload);
		}
	}
	printf("count %lu\n", count);
	fflush(stdout);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "send"))
		return do_send(argc, argv);
	if (!strcmp(argv[1], "sniff"))
		return do_sniff(argc, argv);
	if (!strcmp(argv[1], "flap"))
		return do_flap(argc, argv);
	usage();
	return 2;
}
