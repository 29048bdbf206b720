// SPDX-License-Identifier: GPL-2.0
/*
 * kvs_blast IFNAME DST_MAC SRC_MAC SIZE COUNT [SOURCES]
 *
 * Sends COUNT copies of one UDP frame of SIZE bytes (with the 4-byte FCS,
 * as pktgen's pkt_size + 4) out of IFNAME through an AF_PACKET socket, 64
 * at a time with sendmmsg(), and prints "SENT USEC": the frames sent and
 * the time it took on CLOCK_MONOTONIC (in the bench's exact mode, the
 * guest's instruction clock). With SOURCES, frame i has SRC_MAC plus
 * i % SOURCES in its last three bytes (a switch learns SOURCES MACs).
 *
 * Why not pktgen: pktgen keeps a reference to every frame it sends, so the
 * frame reaches a switch shared, and a switch that changes it (kvs, the
 * bridge) must clone it first; a frame from a VM, a container or any
 * socket is not shared. Each frame here is a new skb, owned by whoever
 * receives it. The sender's own cost (the system call, the copy from user
 * space) is the same for every system and is what the floor measures.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64

static int parse_mac(const char *s, unsigned char *mac)
{
	return sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1],
		      &mac[2], &mac[3], &mac[4], &mac[5]) == 6 ? 0 : -1;
}

static unsigned short ip_csum(const void *data, size_t len)
{
	const unsigned short *p = data;
	unsigned long sum = 0;

	for (; len > 1; len -= 2)
		sum += *p++;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

int main(int argc, char **argv)
{
	static unsigned char frames[BATCH][ETH_FRAME_LEN];
	unsigned char *frame = frames[0];
	struct ether_header *eh = (void *)frame;
	struct iphdr *ip = (void *)(eh + 1);
	struct udphdr *udp = (void *)(ip + 1);
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	struct timespec t0, t1;
	long size, count, sources = 0, sent = 0, src0, k;
	int fd, one = 1, n, i;

	if (argc != 6 && argc != 7) {
		fprintf(stderr, "usage: kvs_blast IFNAME DST_MAC SRC_MAC SIZE COUNT [SOURCES]\n");
		return 2;
	}
	size = strtol(argv[4], NULL, 10) - 4;	/* the FCS is not sent */
	count = strtol(argv[5], NULL, 10);
	if (argc == 7)
		sources = strtol(argv[6], NULL, 10);
	if (parse_mac(argv[2], eh->ether_dhost) || parse_mac(argv[3], eh->ether_shost) ||
	    size < 60 || size > ETH_FRAME_LEN || count < 1 || sources < 0 ||
	    sources > 1 << 24) {
		fprintf(stderr, "kvs_blast: bad MAC, SIZE (64..1518), COUNT or SOURCES\n");
		return 2;
	}
	sll.sll_ifindex = if_nametoindex(argv[1]);
	if (!sll.sll_ifindex) {
		fprintf(stderr, "kvs_blast: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}

	/* the frame pktgen would send: 198.18.0.1:9 -> 198.18.0.2:9 */
	eh->ether_type = htons(ETHERTYPE_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 32;
	ip->protocol = IPPROTO_UDP;
	ip->tot_len = htons(size - sizeof(*eh));
	ip->saddr = htonl(0xc6120001);
	ip->daddr = htonl(0xc6120002);
	ip->check = ip_csum(ip, sizeof(*ip));
	udp->source = htons(9);
	udp->dest = htons(9);
	udp->len = htons(size - sizeof(*eh) - sizeof(*ip));

	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)) < 0) {
		fprintf(stderr, "kvs_blast: socket: %s\n", strerror(errno));
		return 1;
	}
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < BATCH; i++) {
		if (i)
			memcpy(frames[i], frame, size);
		iov[i].iov_base = sources ? frames[i] : frame;
		iov[i].iov_len = size;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	src0 = eh->ether_shost[3] << 16 | eh->ether_shost[4] << 8 | eh->ether_shost[5];

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (sent < count) {
		for (i = 0; sources && i < BATCH; i++) {
			unsigned char *src = frames[i] + ETH_ALEN;

			k = (src0 + (sent + i) % sources) & 0xffffff;
			src[3] = k >> 16;
			src[4] = k >> 8;
			src[5] = k;
		}
		n = sendmmsg(fd, msgs, count - sent < BATCH ? count - sent : BATCH, 0);
		if (n < 0) {
			if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR)
				continue;
			fprintf(stderr, "kvs_blast: sendmmsg: %s\n", strerror(errno));
			return 1;
		}
		sent += n;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%ld %ld\n", sent, (t1.tv_sec - t0.tv_sec) * 1000000L +
	       (t1.tv_nsec - t0.tv_nsec) / 1000);
	close(fd);
	return 0;
}
