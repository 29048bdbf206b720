// SPDX-License-Identifier: GPL-2.0
/*
 * kvs_nlfuzz - generic netlink fuzzer for the kvs family, without libnl.
 *
 *   kvs_nlfuzz -p PREFIX -d DEV[,DEV]... [-z DEV[,DEV]...] [-s SEED] [-n COUNT]
 *              [-t SECONDS] [-u CHILDREN] [-v]
 *
 * The privileged parent interleaves two streams, chosen by a seeded PRNG:
 *  - a deterministic script of valid changes (switches PREFIX0..PREFIX2,
 *    networks, ports on the free Ethernet devices DEV..., static fdb
 *    entries, ageing/learning/max-macs/group-fwd-mask settings, networks'
 *    max-macs) that it keeps a model of:
 *    each change must succeed or fail exactly as the model predicts;
 *  - fuzzed requests for every command (and unknown ones): random,
 *    truncated, oversized, wrongly nested, duplicated and out-of-range
 *    attributes naming real and made-up objects. Each carries at least one
 *    defect that strict validation must refuse, so every fuzzed change must
 *    fail;
 *  - well-formed requests with random content (every attribute passes the
 *    policy, so the handlers run) against a sandbox: switches PREFIXz0..2
 *    and the devices given with -z; any answer is fine, the sandbox is not
 *    modelled, but it cannot touch anything else.
 * Meanwhile CHILDREN (default 2) forked children, one as uid/gid 65534 and
 * one as root without CAP_NET_ADMIN (alternating), open their own socket and
 * send fuzzed and fully valid requests: every well-framed NEW/DEL/SET must
 * be refused with EPERM (or, sent as a dump, with EOPNOTSUPP: see fuzz_child).
 * The model is compared with dumps of switches, networks, ports and static
 * fdb entries (only PREFIX's switches) every 500 steps and at the end; the
 * parent then deletes its switches and checks that none is left.
 *
 * Bounded by COUNT requests (default 20000) and SECONDS (default 60),
 * whichever comes first. The seed (default: from the clock) is printed;
 * -s SEED replays the same sequence. Output is TAP; exit 1 on any failure,
 * 4 when the kvs family is not registered.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../uapi/linux/kvs.h"

#define NLRAW_PROG		"kvs_nlfuzz"
#define NLRAW_MSG_SIZE		8192
#define NLRAW_TIMEOUT_MS	5000
#define NLRAW_FUZZER		1
#include "nlraw.h"
#include "prng.h"
#include "tap.h"

#define KSFT_SKIP	4
#define RCVBUF		(1 << 20)
#define NSW		3
#define NDEV_MAX	8
#define NNET		4
#define NFDB		8
#define MAX_LINES	1024

/* ---- netlink (the rest is in nlraw.h) ----------------------------------- */

static bool verbose;

static void drain(void)
{
	char buf[4096];

	while (recv(nl_fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

/* ---- the objects ---------------------------------------------------------- */

static const char *prefix;
static char sw_names[NSW][16];
static char *devs[NDEV_MAX];
static int ndev;
/* the sandbox: switches and devices that only well-formed random requests touch */
#define NZSW		3
static char zsw_names[NZSW][16];
static char *zdevs[NDEV_MAX];
static unsigned int zdev_ifindex[NDEV_MAX];
static int nzdev;
static const uint32_t net_ids[NNET] = { 1, 2, 4242, KVS_NET_ID_MAX };

struct model {
	bool sw[NSW];
	uint32_t ageing[NSW];
	bool net[NSW][NNET];
	uint32_t net_max[NSW][NNET];	/* NET_MAX_MACS */
	int port_sw[NDEV_MAX];		/* -1: free */
	int port_net[NDEV_MAX];
	bool port_mac[NDEV_MAX];	/* attached with its own MAC in PORT_MACS */
	uint8_t learning[NDEV_MAX];
	uint32_t max_macs[NDEV_MAX];
	uint16_t gfm[NDEV_MAX];		/* PORT_GROUP_FWD_MASK */
	int fdb[NSW][NNET][NFDB];	/* static entry -> device index, -1: none */
};

static struct model M;

static void fdb_mac(int i, uint8_t *mac)	/* FDB_NEW pool */
{
	uint8_t m[6] = { 0x02, 0x6b, 0x66, 0x00, 0x00, (uint8_t)i };

	memcpy(mac, m, 6);
}

static void port_mac(int d, uint8_t *mac)	/* PORT_MACS pool, one per device */
{
	uint8_t m[6] = { 0x02, 0x6b, 0x66, 0x01, 0x00, (uint8_t)d };

	memcpy(mac, m, 6);
}

static void model_init(void)
{
	int s, n, f, d;

	memset(&M, 0, sizeof(M));
	for (d = 0; d < NDEV_MAX; d++)
		M.port_sw[d] = -1;
	for (s = 0; s < NSW; s++)
		for (n = 0; n < NNET; n++)
			for (f = 0; f < NFDB; f++)
				M.fdb[s][n][f] = -1;
}

static void model_detach(int d)
{
	int s = M.port_sw[d], n, f;

	if (s < 0)
		return;
	for (n = 0; n < NNET; n++)
		for (f = 0; f < NFDB; f++)
			if (M.fdb[s][n][f] == d)
				M.fdb[s][n][f] = -1;
	M.port_sw[d] = -1;
}

/* ---- the model as sorted text lines, and the kernel's as dumped ---------- */

struct lines {
	char *l[MAX_LINES];
	int n;
	bool overflow;
};

static void lines_add(struct lines *ls, const char *fmt, ...)
{
	va_list ap;
	char buf[160];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (ls->n >= MAX_LINES) {
		ls->overflow = true;
		return;
	}
	ls->l[ls->n++] = strdup(buf);
}

static void lines_free(struct lines *ls)
{
	while (ls->n)
		free(ls->l[--ls->n]);
	ls->overflow = false;
}

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void model_lines(struct lines *ls)
{
	uint8_t mac[6];
	int s, n, d, f;

	for (s = 0; s < NSW; s++) {
		if (!M.sw[s])
			continue;
		lines_add(ls, "switch %s ageing %u", sw_names[s], M.ageing[s]);
		for (n = 0; n < NNET; n++) {
			if (!M.net[s][n])
				continue;
			lines_add(ls, "net %s %u max_macs %u", sw_names[s], net_ids[n],
				  M.net_max[s][n]);
			for (f = 0; f < NFDB; f++) {
				if (M.fdb[s][n][f] < 0)
					continue;
				fdb_mac(f, mac);
				lines_add(ls, "fdb %s %u %02x:%02x:%02x:%02x:%02x:%02x %s",
					  sw_names[s], net_ids[n], mac[0], mac[1], mac[2],
					  mac[3], mac[4], mac[5], devs[M.fdb[s][n][f]]);
			}
		}
	}
	for (d = 0; d < ndev; d++) {
		if (M.port_sw[d] < 0)
			continue;
		lines_add(ls, "port %s %s %u learning %u max_macs %u gfm %#x", devs[d],
			  sw_names[M.port_sw[d]], net_ids[M.port_net[d]], M.learning[d],
			  M.max_macs[d], M.gfm[d]);
		if (M.port_mac[d]) {
			port_mac(d, mac);
			lines_add(ls, "fdb %s %u %02x:%02x:%02x:%02x:%02x:%02x %s",
				  sw_names[M.port_sw[d]], net_ids[M.port_net[d]], mac[0],
				  mac[1], mac[2], mac[3], mac[4], mac[5], devs[d]);
		}
	}
	qsort(ls->l, ls->n, sizeof(char *), cmpstr);
}

struct parsed {
	char sw[32], port[32];
	uint32_t net_id, ageing, max_macs, net_max, flags, sw_ifindex, port_ifindex;
	uint16_t gfm;
	uint8_t learning, mac[6];
	bool has_net, has_mac;
};

static void parse_obj(struct nlmsghdr *nlh, struct parsed *p)
{
	int rem = nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	struct nlattr *a = (struct nlattr *)((char *)NLMSG_DATA(nlh) + GENL_HDRLEN);

	memset(p, 0, sizeof(*p));
	for (; rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= rem;
	     rem -= NLA_ALIGN(a->nla_len), a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len))) {
		void *data = (char *)a + NLA_HDRLEN;
		size_t len = a->nla_len - NLA_HDRLEN;

		switch (a->nla_type & NLA_TYPE_MASK) {
		case KVS_ATTR_SWITCH_NAME:
			snprintf(p->sw, sizeof(p->sw), "%.*s", (int)len, (char *)data);
			break;
		case KVS_ATTR_PORT_NAME:
			snprintf(p->port, sizeof(p->port), "%.*s", (int)len, (char *)data);
			break;
		case KVS_ATTR_SWITCH_IFINDEX:
			if (len >= 4)
				memcpy(&p->sw_ifindex, data, 4);
			break;
		case KVS_ATTR_PORT_IFINDEX:
			if (len >= 4)
				memcpy(&p->port_ifindex, data, 4);
			break;
		case KVS_ATTR_NET_ID:
			if (len >= 4) {
				memcpy(&p->net_id, data, 4);
				p->has_net = true;
			}
			break;
		case KVS_ATTR_AGEING_TIME:
			if (len >= 4)
				memcpy(&p->ageing, data, 4);
			break;
		case KVS_ATTR_PORT_MAX_MACS:
			if (len >= 4)
				memcpy(&p->max_macs, data, 4);
			break;
		case KVS_ATTR_FDB_FLAGS:
			if (len >= 4)
				memcpy(&p->flags, data, 4);
			break;
		case KVS_ATTR_NET_MAX_MACS:
			if (len >= 4)
				memcpy(&p->net_max, data, 4);
			break;
		case KVS_ATTR_PORT_GROUP_FWD_MASK:
			if (len >= 2)
				memcpy(&p->gfm, data, 2);
			break;
		case KVS_ATTR_PORT_LEARNING:
			if (len >= 1)
				p->learning = *(uint8_t *)data;
			break;
		case KVS_ATTR_MAC:
			if (len >= 6) {
				memcpy(p->mac, data, 6);
				p->has_mac = true;
			}
			break;
		}
	}
	/* fdb messages built without RTNL name devices by ifindex only */
	if (!p->sw[0] && p->sw_ifindex && !if_indextoname(p->sw_ifindex, p->sw))
		p->sw[0] = '\0';
	if (!p->port[0] && p->port_ifindex && !if_indextoname(p->port_ifindex, p->port))
		p->port[0] = '\0';
}

static bool ours(const char *sw)
{
	int s;

	for (s = 0; s < NSW; s++)
		if (!strcmp(sw, sw_names[s]))
			return true;
	return false;
}

struct dump_ctx {
	uint8_t cmd;
	struct lines *ls;
};

static void dump_cb(struct nlmsghdr *nlh, void *arg)
{
	struct dump_ctx *c = arg;
	struct parsed p;

	if (nlh->nlmsg_type != family_id)
		return;
	parse_obj(nlh, &p);
	if (!ours(p.sw))
		return;
	switch (c->cmd) {
	case KVS_CMD_SWITCH_GET:
		lines_add(c->ls, "switch %s ageing %u", p.sw, p.ageing);
		break;
	case KVS_CMD_NET_GET:
		lines_add(c->ls, "net %s %u max_macs %u", p.sw, p.net_id, p.net_max);
		break;
	case KVS_CMD_PORT_GET:
		lines_add(c->ls, "port %s %s %u learning %u max_macs %u gfm %#x", p.port, p.sw,
			  p.net_id, p.learning, p.max_macs, p.gfm);
		break;
	case KVS_CMD_FDB_GET:
		if (!(p.flags & KVS_FDB_F_STATIC))
			break;
		lines_add(c->ls, "fdb %s %u %02x:%02x:%02x:%02x:%02x:%02x %s", p.sw, p.net_id,
			  p.mac[0], p.mac[1], p.mac[2], p.mac[3], p.mac[4], p.mac[5], p.port);
		break;
	}
}

/* the kernel's state of PREFIX's switches; false if a dump failed */
static bool kernel_lines(struct lines *ls)
{
	static const uint8_t cmds[] = { KVS_CMD_SWITCH_GET, KVS_CMD_NET_GET,
					KVS_CMD_PORT_GET, KVS_CMD_FDB_GET };
	unsigned int i;
	int tries;

	for (i = 0; i < sizeof(cmds); i++) {
		for (tries = 0; tries < 5; tries++) {
			struct dump_ctx c = { .cmd = cmds[i], .ls = ls };
			struct lines tmp = { 0 };
			struct answer a;
			struct msg m;

			c.ls = &tmp;
			msg_init(&m, cmds[i], NLM_F_DUMP);
			a = transact_cb(&m, dump_cb, &c);
			if (a.err) {
				printf("# dump %u: %s %s\n", cmds[i], errname(a.err), a.extack);
				lines_free(&tmp);
				return false;
			}
			if (a.intr && tries < 4) {
				lines_free(&tmp);
				continue;
			}
			for (int k = 0; k < tmp.n; k++)
				lines_add(ls, "%s", tmp.l[k]);
			lines_free(&tmp);
			break;
		}
	}
	qsort(ls->l, ls->n, sizeof(char *), cmpstr);
	return true;
}

static int model_checks, model_mismatches;

static bool check_model(const char *when)
{
	struct lines want = { 0 }, got = { 0 };
	int i = 0, j = 0, shown = 0;
	bool ok;

	model_lines(&want);
	ok = kernel_lines(&got);
	model_checks++;
	while (i < want.n || j < got.n) {
		int c = i >= want.n ? 1 : j >= got.n ? -1 : strcmp(want.l[i], got.l[j]);

		if (c == 0) {
			i++;
			j++;
			continue;
		}
		ok = false;
		if (shown++ < 20)
			printf("#   %s: %s %s\n", when, c < 0 ? "missing:" : "extra:  ",
			       c < 0 ? want.l[i] : got.l[j]);
		if (c < 0)
			i++;
		else
			j++;
	}
	if (!ok) {
		model_mismatches++;
		printf("# state differs from the model %s (%d objects expected, %d dumped)\n",
		       when, want.n, got.n);
	}
	lines_free(&want);
	lines_free(&got);
	return ok;
}

/* ---- valid changes, predicted by the model --------------------------------- */

struct stats {
	unsigned long valid, valid_ok, valid_bad;
	unsigned long fuzz, fuzz_changes, fuzz_bad_success, fuzz_timeouts, fuzz_get_ok;
	unsigned long eperm_expected, eperm_wrong;
	unsigned long sandbox, sandbox_ok;
};

static struct stats st;

/* ifindexes are looked up once */
static unsigned int dev_ifindex[NDEV_MAX];

static void put_dev(struct msg *m, int d)
{
	if (chance(50))
		put_str(m, KVS_ATTR_PORT_NAME, devs[d]);
	else
		put_u32(m, KVS_ATTR_PORT_IFINDEX, dev_ifindex[d]);
}

static void valid_step(unsigned long step)
{
	int s = rnd(NSW), n = rnd(NNET), d = rnd(ndev), f = rnd(NFDB);
	int op = rnd(13);
	bool expect_ok = false;
	const char *what = "";
	uint8_t mac[6];
	struct answer a;
	struct msg m;
	uint32_t v;

	switch (op) {
	case 0: case 1:	/* switch: create if missing (sometimes a duplicate), else delete */
		if (!M.sw[s] || chance(10)) {
			v = chance(50) ? KVS_AGEING_TIME_DEFAULT : rnd(KVS_AGEING_TIME_MAX + 1);
			msg_init(&m, KVS_CMD_SWITCH_NEW, 0);
			put_str(&m, KVS_ATTR_SWITCH_NAME, sw_names[s]);
			if (v != KVS_AGEING_TIME_DEFAULT || chance(50))
				put_u32(&m, KVS_ATTR_AGEING_TIME, v);
			expect_ok = !M.sw[s];
			what = "SWITCH_NEW";
			a = transact(&m);
			if (expect_ok && !a.err) {
				M.sw[s] = true;
				M.ageing[s] = v;
			}
		} else {
			msg_init(&m, KVS_CMD_SWITCH_DEL, 0);
			put_str(&m, KVS_ATTR_SWITCH_NAME, sw_names[s]);
			expect_ok = true;
			what = "SWITCH_DEL";
			a = transact(&m);
			if (!a.err) {
				for (d = 0; d < ndev; d++)
					if (M.port_sw[d] == s)
						model_detach(d);
				memset(M.net[s], 0, sizeof(M.net[s]));
				for (n = 0; n < NNET; n++)
					for (f = 0; f < NFDB; f++)
						M.fdb[s][n][f] = -1;
				M.sw[s] = false;
			}
		}
		break;
	case 2:
		v = rnd(KVS_AGEING_TIME_MAX + 1);
		msg_init(&m, KVS_CMD_SWITCH_SET, 0);
		put_str(&m, KVS_ATTR_SWITCH_NAME, sw_names[s]);
		put_u32(&m, KVS_ATTR_AGEING_TIME, v);
		expect_ok = M.sw[s];
		what = "SWITCH_SET";
		a = transact(&m);
		if (expect_ok && !a.err)
			M.ageing[s] = v;
		break;
	case 3: case 4:	/* network */
		if (!M.net[s][n] || chance(10)) {
			msg_init(&m, KVS_CMD_NET_NEW, 0);
			put_str(&m, KVS_ATTR_SWITCH_NAME, sw_names[s]);
			put_u32(&m, KVS_ATTR_NET_ID, net_ids[n]);
			if (chance(30))
				put_str(&m, KVS_ATTR_NET_LABEL, "fuzz");
			v = KVS_NET_MAX_MACS_DEFAULT;
			if (chance(30)) {
				v = chance(20) ? 0 : rnd(100000);
				put_u32(&m, KVS_ATTR_NET_MAX_MACS, v);
			}
			expect_ok = M.sw[s] && !M.net[s][n];
			what = "NET_NEW";
			a = transact(&m);
			if (expect_ok && !a.err) {
				M.net[s][n] = true;
				M.net_max[s][n] = v;
			}
		} else {
			msg_init(&m, KVS_CMD_NET_DEL, 0);
			put_str(&m, KVS_ATTR_SWITCH_NAME, sw_names[s]);
			put_u32(&m, KVS_ATTR_NET_ID, net_ids[n]);
			expect_ok = true;
			what = "NET_DEL";
			a = transact(&m);
			if (!a.err) {
				for (d = 0; d < ndev; d++)
					if (M.port_sw[d] == s && M.port_net[d] == n)
						model_detach(d);
				for (f = 0; f < NFDB; f++)
					M.fdb[s][n][f] = -1;
				M.net[s][n] = false;
			}
		}
		break;
	case 5: case 6:	/* port */
		if (M.port_sw[d] < 0 || chance(10)) {
			bool with_mac = chance(30);
			uint8_t learning = rnd(2);
			uint16_t gfm;

			msg_init(&m, KVS_CMD_PORT_NEW, 0);
			put_dev(&m, d);
			put_str(&m, KVS_ATTR_SWITCH_NAME, sw_names[s]);
			put_u32(&m, KVS_ATTR_NET_ID, net_ids[n]);
			if (with_mac) {
				port_mac(d, mac);
				nest_start(&m, KVS_ATTR_PORT_MACS);
				put_raw(&m, KVS_MACS_ATTR_ADDR, mac, 6);
				nest_end(&m);
			}
			if (chance(50))
				put_u8(&m, KVS_ATTR_PORT_LEARNING, learning);
			else
				learning = 1;
			v = chance(50) ? rnd(100) : 0;
			if (v)
				put_u32(&m, KVS_ATTR_PORT_MAX_MACS, v);
			else	/* absent: the default; 0 given explicitly: no limit */
				v = KVS_PORT_MAX_MACS_DEFAULT;
			gfm = chance(30) ? rnd(0x10000) & ~KVS_GROUP_FWD_RESTRICTED : 0;
			if (gfm || chance(10))
				put_u16(&m, KVS_ATTR_PORT_GROUP_FWD_MASK, gfm);
			expect_ok = M.port_sw[d] < 0 && M.sw[s] && M.net[s][n];
			what = "PORT_NEW";
			a = transact(&m);
			if (expect_ok && !a.err) {
				M.port_sw[d] = s;
				M.port_net[d] = n;
				M.port_mac[d] = with_mac;
				M.learning[d] = learning;
				M.max_macs[d] = v;
				M.gfm[d] = gfm;
			}
		} else {
			msg_init(&m, KVS_CMD_PORT_DEL, 0);
			put_dev(&m, d);
			expect_ok = true;
			what = "PORT_DEL";
			a = transact(&m);
			if (!a.err)
				model_detach(d);
		}
		break;
	case 7: {	/* port settings */
		uint8_t learning = rnd(2);
		uint16_t gfm = M.gfm[d];

		v = rnd(1000);
		msg_init(&m, KVS_CMD_PORT_SET, 0);
		put_dev(&m, d);
		put_u8(&m, KVS_ATTR_PORT_LEARNING, learning);
		put_u32(&m, KVS_ATTR_PORT_MAX_MACS, v);
		if (chance(30)) {
			/* now and then a restricted bit (STP, PAUSE, LACP): refused */
			gfm = rnd(0x10000);
			if (chance(80))
				gfm &= ~KVS_GROUP_FWD_RESTRICTED;
			put_u16(&m, KVS_ATTR_PORT_GROUP_FWD_MASK, gfm);
		}
		expect_ok = M.port_sw[d] >= 0 && !(gfm & KVS_GROUP_FWD_RESTRICTED);
		what = "PORT_SET";
		a = transact(&m);
		if (expect_ok && !a.err) {
			M.learning[d] = learning;
			M.max_macs[d] = v;
			M.gfm[d] = gfm;
		}
		break;
	}
	case 11:	/* a network's learning cap */
		v = chance(20) ? 0 : rnd(100000);
		msg_init(&m, KVS_CMD_NET_SET, 0);
		put_str(&m, KVS_ATTR_SWITCH_NAME, sw_names[s]);
		put_u32(&m, KVS_ATTR_NET_ID, net_ids[n]);
		put_u32(&m, KVS_ATTR_NET_MAX_MACS, v);
		expect_ok = M.sw[s] && M.net[s][n];
		what = "NET_SET";
		a = transact(&m);
		if (expect_ok && !a.err)
			M.net_max[s][n] = v;
		break;
	case 8: case 9: case 10: {	/* static fdb entries */
		int ps = M.port_sw[d], pn = M.port_net[d];

		if (ps >= 0 && (M.fdb[ps][pn][f] < 0 || chance(10)) && op != 10) {
			fdb_mac(f, mac);
			msg_init(&m, KVS_CMD_FDB_NEW, 0);
			put_str(&m, KVS_ATTR_SWITCH_NAME, sw_names[ps]);
			put_u32(&m, KVS_ATTR_NET_ID, net_ids[pn]);
			put_raw(&m, KVS_ATTR_MAC, mac, 6);
			put_dev(&m, d);
			/* the same entry again on the same port is accepted */
			expect_ok = M.fdb[ps][pn][f] < 0 || M.fdb[ps][pn][f] == d;
			what = "FDB_NEW";
			a = transact(&m);
			if (expect_ok && !a.err)
				M.fdb[ps][pn][f] = d;
		} else {
			fdb_mac(f, mac);
			msg_init(&m, KVS_CMD_FDB_DEL, 0);
			put_str(&m, KVS_ATTR_SWITCH_NAME, sw_names[s]);
			put_u32(&m, KVS_ATTR_NET_ID, net_ids[n]);
			put_raw(&m, KVS_ATTR_MAC, mac, 6);
			expect_ok = M.sw[s] && M.net[s][n] && M.fdb[s][n][f] >= 0;
			what = "FDB_DEL";
			a = transact(&m);
			if (expect_ok && !a.err)
				M.fdb[s][n][f] = -1;
		}
		break;
	}
	default:	/* a read: must answer */
		msg_init(&m, KVS_CMD_SWITCH_GET, 0);
		put_str(&m, KVS_ATTR_SWITCH_NAME, sw_names[s]);
		expect_ok = M.sw[s];
		what = "SWITCH_GET";
		a = transact(&m);
		break;
	}
	st.valid++;
	if ((a.err == 0) == expect_ok) {
		st.valid_ok++;
		return;
	}
	st.valid_bad++;
	if (st.valid_bad <= 20)
		printf("# step %lu: valid %s (switch %s, net %u, dev %s, fdb %d): expected %s, "
		       "got %s %s\n", step, what, sw_names[s], net_ids[n % NNET], d < ndev ? devs[d] : "-", f,
		       expect_ok ? "success" : "a failure", errname(a.err), a.extack);
}

/* ---- fuzzed requests --------------------------------------------------------- */

static const char *fuzz_names[] = {
	NULL, NULL, NULL,	/* sw_names */
	"lo", "", "kvsnope0", "eth0",
	"0123456789abcdef", "0123456789abcdefghij",
};

static const char *pick_name(void)
{
	int i = rnd(sizeof(fuzz_names) / sizeof(fuzz_names[0]) + 2);

	if (i < NSW)
		return sw_names[i];
	if (i >= (int)(sizeof(fuzz_names) / sizeof(fuzz_names[0])))
		return devs[rnd(ndev)];
	return fuzz_names[i];
}

static void rand_bytes(uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = rnd(256);
}

static const uint32_t interesting32[] = {
	0, 1, 2, 4242, KVS_NET_ID_MAX, KVS_NET_ID_MAX + 1, KVS_AGEING_TIME_MAX,
	KVS_AGEING_TIME_MAX + 1, 0x7fffffff, 0x80000000, 0xffffffff, 64, 65,
};

/* one attribute of a random type with a plausible or wild payload */
static void put_random_attr(struct msg *m, int depth)
{
	uint16_t type = rnd(10) ? rnd(KVS_ATTR_MAX + 1) : rnd(0x4000);
	uint8_t buf[2048] = { 0 };	/* a seed must replay byte for byte */
	size_t len;
	uint32_t v;

	if (room(m) < 2200)
		return;
	if (chance(5))
		type |= NLA_F_NESTED;
	if (chance(3))
		type |= NLA_F_NET_BYTEORDER;
	switch (rnd(9)) {
	case 0:		/* a name */
		put_str(m, type, pick_name());
		break;
	case 1:		/* a u32 */
		v = chance(50) ? interesting32[rnd(sizeof(interesting32) / 4)] : (uint32_t)rnd64();
		put_u32(m, type, v);
		break;
	case 2:
		put_u8(m, type, rnd(256));
		break;
	case 3:
		put_u16(m, type, rnd(65536));
		break;
	case 4:		/* a MAC, or nearly one */
		len = chance(70) ? 6 : rnd(12);
		rand_bytes(buf, len);
		if (chance(50))
			buf[0] &= 0xfe;
		put_raw(m, type, buf, len);
		break;
	case 5:		/* random bytes, sometimes oversized */
		len = chance(80) ? rnd(40) : rnd(sizeof(buf));
		rand_bytes(buf, len);
		put_raw(m, type, buf, len);
		break;
	case 6:		/* a nest of random things, maybe nested deeper */
		if (depth < 3) {
			int k, cnt = rnd(5);

			nest_start(m, (type & NLA_TYPE_MASK) | (chance(80) ? NLA_F_NESTED : 0));
			for (k = 0; k < cnt; k++)
				put_random_attr(m, depth + 1);
			nest_end(m);
		}
		break;
	case 7: {	/* a MAC list nest, possibly too long or with wrong entries */
		int k, cnt = chance(80) ? rnd(4) : rnd(80);

		nest_start(m, KVS_ATTR_PORT_MACS);
		for (k = 0; k < cnt && room(m) > 64; k++) {
			rand_bytes(buf, 6);
			buf[0] &= 0xfe;
			put_raw(m, chance(90) ? KVS_MACS_ATTR_ADDR : rnd(4), buf,
				chance(95) ? 6 : rnd(10));
		}
		nest_end(m);
		break;
	}
	default:	/* empty */
		put_raw(m, type, NULL, 0);
		break;
	}
}

/*
 * The defect that strict validation must refuse, whatever the command and
 * whatever else is in the request. Returns a short description.
 */
static const char *put_poison(struct msg *m, bool *framing)
{
	static const uint16_t u32_types[] = {
		KVS_ATTR_SWITCH_IFINDEX, KVS_ATTR_AGEING_TIME, KVS_ATTR_NET_ID,
		KVS_ATTR_PORT_IFINDEX,
	};
	uint8_t buf[64] = { 0 };
	struct nlattr *nla;

	*framing = false;
	switch (rnd(10)) {
	case 0:
		put_u32(m, KVS_ATTR_MAX + 1 + rnd(0x3fff - KVS_ATTR_MAX), rnd64());
		return "unknown attribute type";
	case 1:
		put_u32(m, KVS_ATTR_UNSPEC, 1);
		return "attribute type 0";
	case 2:		/* reply-only attributes are taken by no command */
		put_u32(m, chance(50) ? KVS_ATTR_NET_PORTS : KVS_ATTR_FDB_FLAGS, 1);
		return "reply-only attribute";
	case 3:		/* a u32 of the wrong size (or not taken at all) */
		put_raw(m, u32_types[rnd(4)], buf, chance(50) ? 2 : 8);
		return "u32 attribute of the wrong size";
	case 4:		/* out of range (or not taken) */
		if (chance(50))
			put_u32(m, KVS_ATTR_NET_ID, chance(50) ? 0 : KVS_NET_ID_MAX + 1 + rnd(1000));
		else
			put_u32(m, KVS_ATTR_AGEING_TIME, KVS_AGEING_TIME_MAX + 1 + rnd(1000));
		return "out-of-range value";
	case 5:		/* NLA_F_NESTED on a scalar */
		put_u32(m, KVS_ATTR_NET_ID | NLA_F_NESTED, 1);
		return "NLA_F_NESTED on a scalar";
	case 6:		/* a name longer than IFNAMSIZ - 1 */
		memset(buf, 'x', 40);
		put_raw(m, chance(50) ? KVS_ATTR_SWITCH_NAME : KVS_ATTR_PORT_NAME, buf,
			16 + rnd(24));
		return "over-long, unterminated name";
	case 7:		/* an attribute running past the end of the message */
		nla = put_raw(m, KVS_ATTR_NET_ID, buf, 4);
		if (nla)
			nla->nla_len = 8 + 4 * (1 + rnd(100));
		*framing = true;
		return "attribute running past the end";
	case 8:		/* nla_len below the header size */
		nla = put_raw(m, KVS_ATTR_NET_ID, buf, 4);
		if (nla)
			nla->nla_len = rnd(4);
		*framing = true;
		return "nla_len below 4";
	default:	/* truncated: the last attribute cut short */
		nla = put_raw(m, KVS_ATTR_SWITCH_NAME, "kvsnope", 8);
		if (nla)
			m->nlh->nlmsg_len -= 2 + rnd(3);
		*framing = true;
		return "message cut inside the last attribute";
	}
}

static bool is_change(uint8_t cmd)
{
	switch (cmd) {
	case KVS_CMD_SWITCH_NEW: case KVS_CMD_SWITCH_DEL: case KVS_CMD_SWITCH_SET:
	case KVS_CMD_NET_NEW: case KVS_CMD_NET_DEL: case KVS_CMD_NET_SET:
	case KVS_CMD_PORT_NEW: case KVS_CMD_PORT_DEL: case KVS_CMD_PORT_SET:
	case KVS_CMD_FDB_NEW: case KVS_CMD_FDB_DEL:
		return true;
	}
	return false;
}

/* a plausible, complete request for @cmd naming model objects (the child's "valid") */
static void build_valid(struct msg *m, uint8_t cmd)
{
	uint8_t mac[6];

	msg_init(m, cmd, 0);
	switch (cmd) {
	case KVS_CMD_SWITCH_NEW:
	case KVS_CMD_SWITCH_DEL:
		put_str(m, KVS_ATTR_SWITCH_NAME, sw_names[rnd(NSW)]);
		break;
	case KVS_CMD_SWITCH_SET:
		put_str(m, KVS_ATTR_SWITCH_NAME, sw_names[rnd(NSW)]);
		put_u32(m, KVS_ATTR_AGEING_TIME, 10);
		break;
	case KVS_CMD_NET_NEW:
	case KVS_CMD_NET_DEL:
		put_str(m, KVS_ATTR_SWITCH_NAME, sw_names[rnd(NSW)]);
		put_u32(m, KVS_ATTR_NET_ID, net_ids[rnd(NNET)]);
		break;
	case KVS_CMD_PORT_NEW:
		put_str(m, KVS_ATTR_PORT_NAME, devs[rnd(ndev)]);
		put_str(m, KVS_ATTR_SWITCH_NAME, sw_names[rnd(NSW)]);
		put_u32(m, KVS_ATTR_NET_ID, net_ids[rnd(NNET)]);
		break;
	case KVS_CMD_NET_SET:
		put_str(m, KVS_ATTR_SWITCH_NAME, sw_names[rnd(NSW)]);
		put_u32(m, KVS_ATTR_NET_ID, net_ids[rnd(NNET)]);
		put_u32(m, KVS_ATTR_NET_MAX_MACS, 100);
		break;
	case KVS_CMD_PORT_DEL:
		put_str(m, KVS_ATTR_PORT_NAME, devs[rnd(ndev)]);
		break;
	case KVS_CMD_PORT_SET:
		put_str(m, KVS_ATTR_PORT_NAME, devs[rnd(ndev)]);
		put_u8(m, KVS_ATTR_PORT_LEARNING, 0);
		break;
	case KVS_CMD_FDB_NEW:
	case KVS_CMD_FDB_DEL:
		fdb_mac(rnd(NFDB), mac);
		put_str(m, KVS_ATTR_SWITCH_NAME, sw_names[rnd(NSW)]);
		put_u32(m, KVS_ATTR_NET_ID, net_ids[rnd(NNET)]);
		put_raw(m, KVS_ATTR_MAC, mac, 6);
		if (cmd == KVS_CMD_FDB_NEW)
			put_str(m, KVS_ATTR_PORT_NAME, devs[rnd(ndev)]);
		break;
	}
}

/*
 * One fuzzed request. @poison: add a defect (always, for the parent).
 * Returns the answer; *change says whether it was a NEW/DEL/SET of the
 * family, *framing whether its framing is broken (then EPERM may lose to
 * EINVAL in the core), *as_dump whether it asked for a dump.
 */
static struct answer fuzz_one(bool poison, bool *change, bool *framing, bool *as_dump,
			      const char **why)
{
	struct msg m;
	uint8_t cmd;
	uint16_t flags = 0;
	int k, cnt;

	*framing = false;
	*why = "no defect";
	cmd = chance(95) ? 1 + rnd(KVS_CMD_MAX) : (chance(50) ? 0 : rnd(256));
	if (chance(15))
		flags |= NLM_F_DUMP;
	if (!poison && chance(40) && is_change(cmd)) {
		build_valid(&m, cmd);
		m.nlh->nlmsg_flags |= flags;
	} else {
		msg_init(&m, cmd, flags);
		if (chance(5))	/* a wrong family version is not checked: harmless */
			((struct genlmsghdr *)NLMSG_DATA(m.nlh))->version = rnd(256);
		cnt = rnd(8);
		for (k = 0; k < cnt; k++) {
			put_random_attr(&m, 0);
			if (chance(15) && k)	/* duplicate the previous one */
				put_random_attr(&m, 0);
		}
	}
	if (poison) {
		/* the defect anywhere: first, middle or last */
		if (chance(30) && m.nlh->nlmsg_len == NLMSG_LENGTH(GENL_HDRLEN)) {
			*why = put_poison(&m, framing);
		} else {
			*why = put_poison(&m, framing);
			if (!*framing && chance(50)) {
				cnt = rnd(3);
				for (k = 0; k < cnt; k++)
					put_random_attr(&m, 0);
			}
		}
	}
	*change = is_change(cmd);
	*as_dump = flags & NLM_F_DUMP;
	return transact(&m);
}

enum zattr {
	Z_SWITCH, Z_SWITCH_IFINDEX, Z_AGEING, Z_NET_ID, Z_LABEL, Z_PORT, Z_TYPE, Z_MACS,
	Z_LEARNING, Z_MAX_MACS, Z_BUM, Z_MAC, Z_REMOTE, Z_NET_MAX, Z_GFM, Z_FABRIC, NZATTR
};

static void put_zattr(struct msg *m, enum zattr z)
{
	uint8_t zm[6] = { 0x02, 0x6b, 0x7a, 0, 0, (uint8_t)rnd(16) };
	int i, n;

	switch (z) {
	case Z_SWITCH:
		put_str(m, KVS_ATTR_SWITCH_NAME, zsw_names[rnd(NZSW)]);
		break;
	case Z_SWITCH_IFINDEX:	/* nothing has such an ifindex */
		put_u32(m, KVS_ATTR_SWITCH_IFINDEX, 1000000 + rnd(1000));
		break;
	case Z_AGEING:
		put_u32(m, KVS_ATTR_AGEING_TIME, rnd(KVS_AGEING_TIME_MAX + 1));
		break;
	case Z_NET_ID:
		put_u32(m, KVS_ATTR_NET_ID, chance(90) ? 1 + rnd(3) :
			KVS_NET_ID_MIN + rnd(KVS_NET_ID_MAX));
		break;
	case Z_LABEL:
		put_str(m, KVS_ATTR_NET_LABEL, chance(50) ? "" : "sandbox-label");
		break;
	case Z_PORT:
		if (nzdev && chance(45))
			put_str(m, KVS_ATTR_PORT_NAME, zdevs[rnd(nzdev)]);
		else if (nzdev && chance(80))
			put_u32(m, KVS_ATTR_PORT_IFINDEX, zdev_ifindex[rnd(nzdev)]);
		else	/* a switch, or nothing */
			put_str(m, KVS_ATTR_PORT_NAME, chance(50) ? "kvsnope" : zsw_names[0]);
		break;
	case Z_TYPE:
		put_u8(m, KVS_ATTR_PORT_TYPE, chance(80) ? KVS_PORT_VM : KVS_PORT_FABRIC);
		break;
	case Z_MACS:
		n = chance(10) ? rnd(KVS_PORT_MACS_MAX + 1) : rnd(4);
		nest_start(m, KVS_ATTR_PORT_MACS);
		for (i = 0; i < n; i++) {
			zm[5] = rnd(16);
			zm[0] = chance(3) ? 0x01 : 0x02;	/* multicast: refused */
			put_raw(m, KVS_MACS_ATTR_ADDR, zm, 6);
		}
		nest_end(m);
		break;
	case Z_LEARNING:
		put_u8(m, KVS_ATTR_PORT_LEARNING, rnd(2));
		break;
	case Z_MAX_MACS:
		put_u32(m, KVS_ATTR_PORT_MAX_MACS, chance(70) ? rnd(4) : (uint32_t)rnd64());
		break;
	case Z_BUM:
		put_u32(m, KVS_ATTR_PORT_BUM_LIMIT, chance(80) ? 0 : rnd(100000));
		break;
	case Z_MAC:
		if (chance(5))
			zm[0] = 0x01;
		if (chance(3))
			memset(zm, 0, 6);
		put_raw(m, KVS_ATTR_MAC, zm, 6);
		break;
	case Z_NET_MAX:
		put_u32(m, KVS_ATTR_NET_MAX_MACS, chance(70) ? rnd(4) : (uint32_t)rnd64());
		break;
	case Z_GFM:	/* bits 0-2 are refused */
		put_u16(m, KVS_ATTR_PORT_GROUP_FWD_MASK, rnd(0x10000));
		break;
	case Z_REMOTE:
		if (chance(50))
			put_raw(m, KVS_ATTR_FDB_REMOTE_IP4, "\xc0\x00\x02\x01", 4);
		else
			put_raw(m, KVS_ATTR_FDB_REMOTE_IP6,
				"\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
		break;
	default:
		nest_start(m, KVS_ATTR_PORT_FABRIC);
		put_u8(m, KVS_FABRIC_ATTR_ENCAP, 1 + rnd(2));
		if (chance(50))
			put_raw(m, KVS_FABRIC_ATTR_LOCAL_IP4, "\xc0\x00\x02\x02", 4);
		if (chance(50))
			put_u16(m, KVS_FABRIC_ATTR_DSTPORT, 1 + rnd(65535));
		nest_end(m);
		break;
	}
}

/*
 * A well-formed request with random content, for the sandbox: every
 * attribute passes the policy, so the command's handler runs. Names,
 * ifindexes and MACs come from the sandbox (or name nothing), so whatever
 * it does, it cannot touch the model's objects or the traffic switch.
 * The command's keys are there most of the time, its options some of the
 * time, now and then twice (the last one counts) or an attribute it does
 * not take.
 */
static void sandbox_step(void)
{
	static const struct {
		uint8_t cmd;
		bool dump;
		uint8_t need[4], opt[6];	/* NZATTR ends a list */
	} ops[] = {
		{ KVS_CMD_SWITCH_NEW, 0, { Z_SWITCH, NZATTR }, { Z_AGEING, NZATTR } },
		{ KVS_CMD_SWITCH_DEL, 0, { Z_SWITCH, NZATTR }, { Z_SWITCH_IFINDEX, NZATTR } },
		{ KVS_CMD_SWITCH_SET, 0, { Z_SWITCH, Z_AGEING, NZATTR }, { NZATTR } },
		{ KVS_CMD_SWITCH_GET, 1, { Z_SWITCH, NZATTR }, { NZATTR } },
		{ KVS_CMD_NET_NEW, 0, { Z_SWITCH, Z_NET_ID, NZATTR }, { Z_LABEL, Z_NET_MAX, NZATTR } },
		{ KVS_CMD_NET_SET, 0, { Z_SWITCH, Z_NET_ID, Z_NET_MAX, NZATTR }, { NZATTR } },
		{ KVS_CMD_NET_DEL, 0, { Z_SWITCH, Z_NET_ID, NZATTR }, { NZATTR } },
		{ KVS_CMD_NET_GET, 1, { Z_SWITCH, Z_NET_ID, NZATTR }, { NZATTR } },
		{ KVS_CMD_PORT_NEW, 0, { Z_PORT, Z_SWITCH, Z_NET_ID, NZATTR },
		  { Z_TYPE, Z_MACS, Z_LEARNING, Z_MAX_MACS, Z_BUM, Z_FABRIC } },
		{ KVS_CMD_PORT_NEW, 0, { Z_PORT, Z_SWITCH, Z_NET_ID, NZATTR },
		  { Z_MACS, Z_LEARNING, Z_MAX_MACS, Z_GFM, NZATTR } },
		{ KVS_CMD_PORT_DEL, 0, { Z_PORT, NZATTR }, { NZATTR } },
		{ KVS_CMD_PORT_GET, 1, { Z_PORT, NZATTR }, { Z_SWITCH, NZATTR } },
		{ KVS_CMD_PORT_SET, 0, { Z_PORT, NZATTR },
		  { Z_MACS, Z_LEARNING, Z_MAX_MACS, Z_BUM, NZATTR } },
		{ KVS_CMD_PORT_SET, 0, { Z_PORT, Z_MACS, NZATTR }, { Z_MAX_MACS, NZATTR } },
		{ KVS_CMD_PORT_SET, 0, { Z_PORT, Z_GFM, NZATTR }, { Z_LEARNING, NZATTR } },
		{ KVS_CMD_FDB_NEW, 0, { Z_SWITCH, Z_NET_ID, Z_MAC, Z_PORT }, { Z_REMOTE, NZATTR } },
		{ KVS_CMD_FDB_NEW, 0, { Z_SWITCH, Z_NET_ID, Z_MAC, Z_PORT }, { NZATTR } },
		{ KVS_CMD_FDB_DEL, 0, { Z_SWITCH, Z_NET_ID, Z_MAC, NZATTR }, { Z_REMOTE, NZATTR } },
		{ KVS_CMD_FDB_GET, 1, { Z_SWITCH, NZATTR }, { Z_NET_ID, NZATTR } },
		{ KVS_CMD_STATS_GET, 1, { Z_PORT, NZATTR }, { Z_SWITCH, NZATTR } },
	};
	unsigned int o = rnd(sizeof(ops) / sizeof(ops[0])), i;
	struct answer a;
	struct msg m;

	msg_init(&m, ops[o].cmd, ops[o].dump && chance(40) ? NLM_F_DUMP : 0);
	for (i = 0; i < 4 && ops[o].need[i] != NZATTR; i++) {
		if (chance(95))
			put_zattr(&m, ops[o].need[i]);
		if (chance(3))	/* twice */
			put_zattr(&m, ops[o].need[i]);
	}
	for (i = 0; i < 6 && ops[o].opt[i] != NZATTR; i++)
		if (chance(35))
			put_zattr(&m, ops[o].opt[i]);
	if (chance(3))	/* one it may not take */
		put_zattr(&m, rnd(NZATTR));
	a = transact(&m);
	st.sandbox++;
	if (!a.err)
		st.sandbox_ok++;
	if (a.err == -ETIMEDOUT)
		st.fuzz_timeouts++;
}

static void fuzz_step(unsigned long step)
{
	bool change, framing, as_dump;
	const char *why;
	struct answer a = fuzz_one(true, &change, &framing, &as_dump, &why);

	st.fuzz++;
	if (a.err == -ETIMEDOUT) {
		/* framing errors may be dropped by netlink without an answer */
		if (!framing)
			st.fuzz_timeouts++;
		return;
	}
	if (!change) {
		if (!a.err)
			st.fuzz_get_ok++;
		return;
	}
	st.fuzz_changes++;
	if (a.err == 0) {
		st.fuzz_bad_success++;
		if (st.fuzz_bad_success <= 20)
			printf("# step %lu: a change with a defect (%s) succeeded\n", step, why);
	}
}

/* ---- unprivileged children ------------------------------------------------------ */

struct child_report {
	unsigned long sent, changes, eperm, nodump, wrong, timeouts;
	char first_wrong[200];
};

static int capset_drop_net_admin(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	if (prctl(PR_CAPBSET_DROP, CAP_NET_ADMIN, 0, 0, 0))
		return -1;
	if (syscall(SYS_capget, &h, d))
		return -1;
	d[0].effective &= ~(1u << CAP_NET_ADMIN);
	d[0].permitted &= ~(1u << CAP_NET_ADMIN);
	d[0].inheritable &= ~(1u << CAP_NET_ADMIN);
	return syscall(SYS_capset, &h, d) ? -1 : 0;
}

static bool has_net_admin(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return true;
	return d[0].effective & (1u << CAP_NET_ADMIN);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void child_main(int idx, uint64_t seed, unsigned long count, double deadline, int wfd)
{
	struct child_report r = { 0 };
	bool nobody = !(idx & 1);

	if (nobody) {
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534)) {
			snprintf(r.first_wrong, sizeof(r.first_wrong), "cannot drop to uid 65534: %s",
				 strerror(errno));
			r.wrong = 1;
			goto out;
		}
	} else if (capset_drop_net_admin()) {
		snprintf(r.first_wrong, sizeof(r.first_wrong), "cannot drop CAP_NET_ADMIN: %s",
			 strerror(errno));
		r.wrong = 1;
		goto out;
	}
	if (has_net_admin()) {
		snprintf(r.first_wrong, sizeof(r.first_wrong), "still has CAP_NET_ADMIN");
		r.wrong = 1;
		goto out;
	}
	/* the socket is opened only now, without the capability */
	close(nl_fd);
	open_socket(RCVBUF);
	rng_state = seed;
	seq_no = 1u << 30;
	while (r.sent < count && now_s() < deadline) {
		bool change, framing, as_dump;
		const char *why;
		struct answer a = fuzz_one(chance(50), &change, &framing, &as_dump, &why);

		r.sent++;
		if (a.err == -ETIMEDOUT) {
			if (!framing)
				r.timeouts++;
			continue;
		}
		if (!change)
			continue;
		r.changes++;
		if (a.err == -EPERM) {
			r.eperm++;
		} else if (as_dump && a.err == -EOPNOTSUPP) {
			/* A change has no dump operation. Since 6.2 genetlink looks the
			 * operation up, do or dump, before it checks the permission.
			 */
			r.nodump++;
		} else if (!framing || a.err == 0) {
			if (!r.wrong++)
				snprintf(r.first_wrong, sizeof(r.first_wrong),
					 "request %lu (%s): %s %s", r.sent, why,
					 errname(a.err), a.extack);
		}
	}
out:
	if (write(wfd, &r, sizeof(r)) != sizeof(r))
		_exit(3);
	_exit(0);
}

/* ---- main ------------------------------------------------------------------------ */

static void cleanup_switches(void)
{
	struct msg m;
	int s;

	for (s = 0; s < NSW; s++) {
		msg_init(&m, KVS_CMD_SWITCH_DEL, 0);
		put_str(&m, KVS_ATTR_SWITCH_NAME, sw_names[s]);
		transact(&m);
	}
	for (s = 0; s < NZSW; s++) {
		msg_init(&m, KVS_CMD_SWITCH_DEL, 0);
		put_str(&m, KVS_ATTR_SWITCH_NAME, zsw_names[s]);
		transact(&m);
	}
}

int main(int argc, char **argv)
{
	unsigned long count = 20000, step;
	double seconds = 60, start, deadline;
	uint64_t seed = 0;
	bool have_seed = false;
	int nchildren = 2, opt, i, r, pipes[8][2];
	pid_t pids[8];
	char *devlist = NULL, *zdevlist = NULL, *tok;
	bool all_eperm_ok = true, children_ok = true;
	unsigned long child_changes = 0, child_eperm = 0, child_nodump = 0, child_sent = 0;
	struct family_info fi = { 0 };

	while ((opt = getopt(argc, argv, "p:d:z:s:n:t:u:vh")) != -1) {
		switch (opt) {
		case 'p': prefix = optarg; break;
		case 'd': devlist = optarg; break;
		case 'z': zdevlist = optarg; break;
		case 's': seed = strtoull(optarg, NULL, 0); have_seed = true; break;
		case 'n': count = strtoul(optarg, NULL, 0); break;
		case 't': seconds = strtod(optarg, NULL); break;
		case 'u': nchildren = atoi(optarg); break;
		case 'v': verbose = true; break;
		default:
			fprintf(stderr, "usage: %s -p PREFIX -d DEV[,DEV]... [-z DEV[,DEV]...] [-s SEED] [-n COUNT] "
				"[-t SECONDS] [-u CHILDREN] [-v]\n", argv[0]);
			return 2;
		}
	}
	if (!prefix || strlen(prefix) > 12 || !devlist || nchildren < 0 || nchildren > 8) {
		fprintf(stderr, "kvs_nlfuzz: -p PREFIX (at most 12 characters) and -d DEVS needed\n");
		return 2;
	}
	for (tok = strtok(devlist, ","); tok && ndev < NDEV_MAX; tok = strtok(NULL, ",")) {
		devs[ndev] = tok;
		dev_ifindex[ndev] = if_nametoindex(tok);
		if (!dev_ifindex[ndev]) {
			fprintf(stderr, "kvs_nlfuzz: no device %s\n", tok);
			return 2;
		}
		ndev++;
	}
	for (tok = zdevlist ? strtok(zdevlist, ",") : NULL; tok && nzdev < NDEV_MAX;
	     tok = strtok(NULL, ",")) {
		zdevs[nzdev] = tok;
		zdev_ifindex[nzdev] = if_nametoindex(tok);
		if (!zdev_ifindex[nzdev]) {
			fprintf(stderr, "kvs_nlfuzz: no device %s\n", tok);
			return 2;
		}
		nzdev++;
	}
	for (i = 0; i < NSW; i++)
		snprintf(sw_names[i], sizeof(sw_names[i]), "%s%d", prefix, i);
	for (i = 0; i < NZSW; i++)
		snprintf(zsw_names[i], sizeof(zsw_names[i]), "%sz%d", prefix, i);
	if (!have_seed) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		seed = (uint64_t)ts.tv_sec * 1000003ULL ^ (uint64_t)ts.tv_nsec ^ (uint64_t)getpid() << 32;
	}
	if (!seed)
		seed = 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n");
	printf("# seed %llu (reproduce with -s %llu), at most %lu requests in %.0f s, "
	       "%d unprivileged children\n", (unsigned long long)seed,
	       (unsigned long long)seed, count, seconds, nchildren);

	open_socket(RCVBUF);
	get_family(&fi);
	if (!fi.id) {
		printf("1..0 # SKIP kvs generic netlink family not registered\n");
		return KSFT_SKIP;
	}
	model_init();
	cleanup_switches();	/* leftovers of an earlier run with this prefix */
	tap(check_model("before the run"), "no switch named %s* before the run", prefix);

	start = now_s();
	deadline = start + seconds;
	for (i = 0; i < nchildren; i++) {
		if (pipe(pipes[i])) {
			perror("pipe");
			return 2;
		}
		pids[i] = fork();
		if (pids[i] < 0) {
			perror("fork");
			return 2;
		}
		if (!pids[i]) {
			close(pipes[i][0]);
			child_main(i, seed + 0x9e3779b97f4a7c15ULL * (i + 1), count, deadline,
				   pipes[i][1]);
		}
		close(pipes[i][1]);
	}

	rng_state = seed;
	for (step = 1; step <= count && now_s() < deadline; step++) {
		r = rnd(100);
		if (r < 25)
			valid_step(step);
		else if (r < 45)
			sandbox_step();
		else
			fuzz_step(step);
		if (step % 500 == 0) {
			drain();
			check_model("mid-run");
		}
	}
	step--;
	drain();

	for (i = 0; i < nchildren; i++) {
		struct child_report r = { 0 };
		int status = 0;
		ssize_t n = read(pipes[i][0], &r, sizeof(r));

		waitpid(pids[i], &status, 0);
		close(pipes[i][0]);
		if (n != sizeof(r) || !WIFEXITED(status) || WEXITSTATUS(status)) {
			children_ok = false;
			printf("# child %d (%s) did not report (status 0x%x)\n", i,
			       i & 1 ? "root without CAP_NET_ADMIN" : "uid 65534", status);
			continue;
		}
		printf("# child %d (%s): %lu requests, %lu changes, %lu EPERM, %lu EOPNOTSUPP "
		       "as dumps, %lu wrong, %lu unanswered\n", i,
		       i & 1 ? "root without CAP_NET_ADMIN" : "uid 65534",
		       r.sent, r.changes, r.eperm, r.nodump, r.wrong, r.timeouts);
		if (r.wrong) {
			all_eperm_ok = false;
			printf("#   first: %s\n", r.first_wrong);
		}
		if (r.timeouts)
			all_eperm_ok = false;
		child_sent += r.sent;
		child_changes += r.changes;
		child_eperm += r.eperm;
		child_nodump += r.nodump;
	}

	printf("# parent: %lu steps in %.1f s: %lu valid (%lu as predicted), %lu sandbox "
	       "(%lu succeeded), %lu fuzzed (%lu changes, %lu accepted; %lu reads answered "
	       "ok; %lu unanswered)\n",
	       step, now_s() - start, st.valid, st.valid_ok, st.sandbox, st.sandbox_ok,
	       st.fuzz, st.fuzz_changes, st.fuzz_bad_success, st.fuzz_get_ok, st.fuzz_timeouts);
	tap(st.valid > 0 && st.valid_bad == 0,
	    "%lu valid changes and reads behaved as the model predicts", st.valid);
	tap(st.fuzz > 0 && st.fuzz_bad_success == 0,
	    "%lu fuzzed requests (%lu changes): no change with a defect accepted",
	    st.fuzz, st.fuzz_changes);
	tap(st.fuzz_timeouts == 0, "every well-framed fuzzed request was answered");
	if (nchildren) {
		tap(children_ok, "%d unprivileged children ran and reported", nchildren);
		tap(all_eperm_ok && child_changes > 0,
		    "unprivileged: %lu requests, all %lu well-framed changes refused (%lu EPERM, "
		    "%lu EOPNOTSUPP as dumps)", child_sent, child_changes, child_eperm,
		    child_nodump);
	}
	tap(model_mismatches == 0, "state matched the model at %d mid-run checks",
	    model_checks - 1);
	tap(check_model("at the end"),
	    "final dump of switches, networks, ports and static fdb entries matches the model");

	/* delete what the script left, through the model; nothing may remain */
	for (i = 0; i < NSW; i++) {
		if (M.sw[i]) {
			struct msg m;
			struct answer a;
			int d;

			msg_init(&m, KVS_CMD_SWITCH_DEL, 0);
			put_str(&m, KVS_ATTR_SWITCH_NAME, sw_names[i]);
			a = transact(&m);
			if (a.err)
				printf("# SWITCH_DEL %s: %s %s\n", sw_names[i], errname(a.err), a.extack);
			for (d = 0; d < ndev; d++)
				if (M.port_sw[d] == i)
					model_detach(d);
			M.sw[i] = false;
		}
	}
	cleanup_switches();	/* the sandbox's too */
	tap(check_model("after deleting the switches"),
	    "after deleting its switches nothing of %s* is left", prefix);

	printf("1..%d\n", tests_run);
	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:0 error:0\n",
	       tests_run - tests_failed, tests_failed);
	if (tests_failed)
		printf("# reproduce with: kvs_nlfuzz -s %llu -n %lu (and the same -p/-d/-t/-u)\n",
		       (unsigned long long)seed, count);
	return tests_failed ? 1 : 0;
}
