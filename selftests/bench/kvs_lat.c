// SPDX-License-Identifier: GPL-2.0
/*
 * kvs_lat - UDP request/response round trips for the kvs benchmark.
 *
 *   kvs_lat -s [-p PORT]                            echo server (runs until killed)
 *   kvs_lat -c ADDR [-p PORT] [-n N] [-w W] [-t MS]  client
 *
 * The client sends W warm-up requests (not counted: they resolve ARP and warm the
 * caches), then N requests of 64 bytes one at a time, each waiting for its answer
 * (at most -t milliseconds, default 1000; a request without an answer counts as
 * lost). It prints one line:
 *
 *   samples N lost L min US p50 US p90 US p99 US max US mean US
 *
 * in microseconds (CLOCK_MONOTONIC), and exits 0 if at least half the samples
 * came back. Each request carries a sequence number; stale answers are skipped.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MSG_LEN 64

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double pct(const double *v, int n, double p)
{
	int i = (int)(p * (n - 1) + 0.5);

	return v[i < 0 ? 0 : i >= n ? n - 1 : i];
}

static int serve(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct sockaddr_in peer;
	char buf[2048];
	int fd;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("kvs_lat: server socket");
		return 1;
	}
	for (;;) {
		socklen_t len = sizeof(peer);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&peer, &len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("kvs_lat: recvfrom");
			return 1;
		}
		if (sendto(fd, buf, n, 0, (struct sockaddr *)&peer, len) < 0 && errno != EINTR)
			perror("kvs_lat: sendto");
	}
}

/* one round trip: returns the time in us, or -1 if no answer within tmo_ms */
static double ping_once(int fd, uint32_t seq, int tmo_ms)
{
	char buf[MSG_LEN], in[2048];
	double t0, left;
	uint32_t got;

	memset(buf, 0, sizeof(buf));
	memcpy(buf, &seq, sizeof(seq));
	t0 = now_us();
	if (send(fd, buf, sizeof(buf), 0) < 0)
		return -1;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		left = tmo_ms - (now_us() - t0) / 1e3;
		if (left <= 0 || poll(&p, 1, (int)left + 1) <= 0)
			return -1;
		n = recv(fd, in, sizeof(in), 0);
		if (n < (ssize_t)sizeof(got))
			continue;
		memcpy(&got, in, sizeof(got));
		if (got == seq)
			return now_us() - t0;
	}
}

static int client(const char *addr, int port, int n, int warm, int tmo_ms)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	double *v, sum = 0;
	uint32_t seq = 0;
	int fd, i, ok = 0, lost = 0;

	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
		fprintf(stderr, "kvs_lat: bad address %s\n", addr);
		return 2;
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("kvs_lat: client socket");
		return 1;
	}
	v = calloc(n, sizeof(*v));
	if (!v)
		return 1;
	for (i = 0; i < warm; i++)
		ping_once(fd, ++seq, tmo_ms);
	for (i = 0; i < n; i++) {
		double t = ping_once(fd, ++seq, tmo_ms);

		if (t < 0) {
			lost++;
			continue;
		}
		v[ok++] = t;
		sum += t;
	}
	if (!ok) {
		printf("samples 0 lost %d\n", lost);
		return 1;
	}
	qsort(v, ok, sizeof(*v), cmp_double);
	printf("samples %d lost %d min %.1f p50 %.1f p90 %.1f p99 %.1f max %.1f mean %.1f\n",
	       ok, lost, v[0], pct(v, ok, 0.5), pct(v, ok, 0.9), pct(v, ok, 0.99),
	       v[ok - 1], sum / ok);
	free(v);
	return ok * 2 >= n ? 0 : 1;
}

int main(int argc, char **argv)
{
	const char *addr = NULL;
	int port = 7777, n = 2000, warm = 100, tmo = 1000, srv = 0, c;

	while ((c = getopt(argc, argv, "sc:p:n:w:t:")) != -1) {
		switch (c) {
		case 's': srv = 1; break;
		case 'c': addr = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'n': n = atoi(optarg); break;
		case 'w': warm = atoi(optarg); break;
		case 't': tmo = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: kvs_lat -s [-p PORT] | -c ADDR [-p PORT] [-n N] [-w W] [-t MS]\n");
			return 2;
		}
	}
	if (srv)
		return serve(port);
	if (!addr || n <= 0) {
		fprintf(stderr, "kvs_lat: give -s or -c ADDR (and -n > 0)\n");
		return 2;
	}
	return client(addr, port, n, warm, tmo);
}
