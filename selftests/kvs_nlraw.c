// SPDX-License-Identifier: GPL-2.0
/*
 * kvs_nlraw - send malformed generic netlink requests to the kvs family and
 * check that each one is refused with the right errno and an extack message,
 * and that none of them changes the switch state.
 *
 *   kvs_nlraw [-s SWITCH] [-n NET_ID] [-p PORT] [-d FREE_DEV]
 *   kvs_nlraw -F SWITCH [-R DUMPS] [-W MS]
 *
 * SWITCH is an existing switch, NET_ID an existing network on it, PORT a VM
 * port of that network, FREE_DEV an Ethernet device that is not attached.
 * With them, requests carry valid keys and only the attribute under test is
 * wrong, so the answer tells whether the kernel checked that attribute (and
 * not merely failed to find an object). Tests that need a missing argument
 * are reported as skipped.
 *
 * Output is TAP; the exit status is 1 when a test failed, 4 when the kvs
 * family is not registered (module not loaded).
 *
 * With -F, it dumps the fdb of SWITCH DUMPS times (default 1) without
 * retrying and prints one line per dump for selftests/dumps.sh:
 *   dump entries N static S unique_static U dups D intr I err E
 * (D: entries, static or learned, seen more than once; I: 1 when a
 * message carried NLM_F_DUMP_INTR). A dump without I must have D 0. With
 * -W, each dump pauses MS milliseconds after its first message, so that the
 * kernel's next round comes after whatever happened meanwhile.
 */
#include <errno.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "../uapi/linux/kvs.h"

#define NLRAW_PROG	"kvs_nlraw"
#include "nlraw.h"
#include "tap.h"

#define KSFT_SKIP	4
#define ATTR_UNKNOWN	200

static const char *sw_name, *port_name, *free_dev;
static uint32_t net_id;
static char own_switch[16];	/* IFNAMSIZ */

/* ---- attributes (the rest is in nlraw.h) -------------------------------- */

static void put_mac(struct msg *m, uint16_t type, unsigned int last)
{
	unsigned char mac[6] = { 0x02, 0x6b, 0x76, 0x73, (last >> 8) & 0xff, last & 0xff };

	put_raw(m, type, mac, sizeof(mac));
}

/* the keys, as the valid part of a request */
static void put_switch(struct msg *m)
{
	put_str(m, KVS_ATTR_SWITCH_NAME, sw_name);
}

static void put_port(struct msg *m)
{
	put_str(m, KVS_ATTR_PORT_NAME, port_name);
}

static void put_free_dev(struct msg *m)
{
	put_str(m, KVS_ATTR_PORT_NAME, free_dev);
}

/* ---- expectations ------------------------------------------------------- */

/* e1/e2: accepted errnos (negative); 0 in e1 means "any error" */
static bool expect(const char *desc, struct msg *m, int e1, int e2, bool need_extack)
{
	struct answer a = transact(m);
	bool errno_ok, ok;

	if (e1 == 0)
		errno_ok = a.err < 0 && a.err != -ETIMEDOUT;
	else
		errno_ok = a.err == e1 || (e2 && a.err == e2);
	ok = errno_ok && (!need_extack || a.extack[0]);
	tap(ok, "%s", desc);
	if (!ok || a.extack[0]) {
		printf("#   answer %s%s%s%s\n", errname(a.err),
		       a.extack[0] ? ", extack \"" : ", no extack message",
		       a.extack, a.extack[0] ? "\"" : "");
		if (!errno_ok)
			printf("#   expected %s%s%s\n", e1 ? errname(e1) : "an error",
			       e2 ? " or " : "", e2 ? errname(e2) : "");
	}
	return ok;
}

#define EXPECT_EINVAL(desc, m)	expect(desc, m, -EINVAL, 0, true)
#define EXPECT_BAD(desc, m)	expect(desc, m, -EINVAL, -ERANGE, true)

static bool need(const char *desc, bool sw, bool net, bool port, bool dev)
{
	if (sw && !sw_name) {
		tap_skip(desc, "no switch given (-s)");
		return false;
	}
	if (net && !net_id) {
		tap_skip(desc, "no network given (-n)");
		return false;
	}
	if (port && !port_name) {
		tap_skip(desc, "no port given (-p)");
		return false;
	}
	if (dev && !free_dev) {
		tap_skip(desc, "no free device given (-d)");
		return false;
	}
	return true;
}

/* ---- family, dumps ------------------------------------------------------ */

static bool resolve_family(struct family_info *fi)
{
	struct answer a = get_family(fi);

	if (a.err || !fi->id) {
		printf("# family \"%s\" not found: %s %s\n", KVS_GENL_NAME, errname(a.err), a.extack);
		return false;
	}
	return true;
}

static void count_cb(struct nlmsghdr *nlh, void *arg)
{
	if (nlh->nlmsg_type == family_id)
		(*(int *)arg)++;
}

/* number of objects a dump of @cmd returns, -1 on error */
static int dump_count(uint8_t cmd)
{
	struct answer a;
	struct msg m;
	int n = 0;

	msg_init(&m, cmd, NLM_F_DUMP);
	a = transact_cb(&m, count_cb, &n);
	if (a.err) {
		printf("# dump of command %u failed: %s %s\n", cmd, errname(a.err), a.extack);
		return -1;
	}
	return n;
}

struct state {
	int switches, nets, ports, fdb;
};

static struct state snapshot(void)
{
	struct state s = {
		.switches = dump_count(KVS_CMD_SWITCH_GET),
		.nets = dump_count(KVS_CMD_NET_GET),
		.ports = dump_count(KVS_CMD_PORT_GET),
		.fdb = dump_count(KVS_CMD_FDB_GET),
	};
	return s;
}

/* ---- -F: fdb dumps as they come ----------------------------------------- */

#define SEEN_SLOTS	(1u << 21)	/* open addressing: (net id, MAC) keys */

struct fdb_seen {
	uint64_t *slot;		/* key + 1; 0: empty */
	unsigned long entries, statics, unique_statics, dups;
	unsigned int pause_ms;	/* once, after the first message */
};

static void fdb_seen_cb(struct nlmsghdr *nlh, void *arg)
{
	int rem = nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	struct nlattr *a = (struct nlattr *)((char *)NLMSG_DATA(nlh) + GENL_HDRLEN);
	struct fdb_seen *s = arg;
	uint64_t key = 0, h;
	uint32_t flags = 0, id = 0;
	bool has_mac = false;
	unsigned int i;

	if (nlh->nlmsg_type != family_id)
		return;
	if (s->pause_ms) {
		usleep(s->pause_ms * 1000);
		s->pause_ms = 0;
	}
	for (; rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= rem;
	     rem -= NLA_ALIGN(a->nla_len), a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len))) {
		unsigned char *d = (unsigned char *)a + NLA_HDRLEN;

		switch (a->nla_type & NLA_TYPE_MASK) {
		case KVS_ATTR_MAC:
			for (i = 0; i < 6; i++)
				key = key << 8 | d[i];
			has_mac = true;
			break;
		case KVS_ATTR_NET_ID:
			memcpy(&id, d, 4);
			break;
		case KVS_ATTR_FDB_FLAGS:
			memcpy(&flags, d, 4);
			break;
		}
	}
	if (!has_mac)
		return;
	key |= (uint64_t)(id & 0xffff) << 48;
	s->entries++;
	if (flags & KVS_FDB_F_STATIC)
		s->statics++;
	for (h = (key * 0x9e3779b97f4a7c15ULL) >> 43;; h = (h + 1) & (SEEN_SLOTS - 1)) {
		if (s->slot[h] == key + 1) {
			s->dups++;
			return;
		}
		if (!s->slot[h]) {
			s->slot[h] = key + 1;
			if (flags & KVS_FDB_F_STATIC)
				s->unique_statics++;
			return;
		}
	}
}

static int fdb_dumps(const char *sw, int dumps, unsigned int pause_ms)
{
	struct fdb_seen s = { .slot = calloc(SEEN_SLOTS, sizeof(uint64_t)) };
	struct answer a;
	struct msg m;
	int i;

	if (!s.slot) {
		perror("kvs_nlraw: calloc");
		return 2;
	}
	for (i = 0; i < dumps; i++) {
		memset(s.slot, 0, SEEN_SLOTS * sizeof(uint64_t));
		s.entries = s.statics = s.unique_statics = s.dups = 0;
		s.pause_ms = pause_ms;
		msg_init(&m, KVS_CMD_FDB_GET, NLM_F_DUMP);
		put_str(&m, KVS_ATTR_SWITCH_NAME, sw);
		a = transact_cb(&m, fdb_seen_cb, &s);
		printf("dump entries %lu static %lu unique_static %lu dups %lu intr %d err %d%s%s\n",
		       s.entries, s.statics, s.unique_statics, s.dups, a.intr, a.err,
		       a.extack[0] ? " " : "", a.extack);
	}
	free(s.slot);
	return 0;
}

/* ---- the tests ---------------------------------------------------------- */

static void test_missing(void)
{
	struct msg m;

	msg_init(&m, KVS_CMD_SWITCH_NEW, 0);
	EXPECT_EINVAL("SWITCH_NEW without attributes: EINVAL", &m);

	msg_init(&m, KVS_CMD_SWITCH_NEW, 0);
	put_u32(&m, KVS_ATTR_AGEING_TIME, 10);
	EXPECT_EINVAL("SWITCH_NEW without SWITCH_NAME: EINVAL", &m);

	msg_init(&m, KVS_CMD_SWITCH_DEL, 0);
	EXPECT_EINVAL("SWITCH_DEL without a switch key: EINVAL", &m);

	msg_init(&m, KVS_CMD_SWITCH_SET, 0);
	put_u32(&m, KVS_ATTR_AGEING_TIME, 10);
	EXPECT_EINVAL("SWITCH_SET without a switch key: EINVAL", &m);

	msg_init(&m, KVS_CMD_SWITCH_GET, 0);
	EXPECT_EINVAL("SWITCH_GET (doit) without a switch key: EINVAL", &m);

	if (need("NET_NEW without NET_ID: EINVAL", 1, 0, 0, 0)) {
		msg_init(&m, KVS_CMD_NET_NEW, 0);
		put_switch(&m);
		EXPECT_EINVAL("NET_NEW without NET_ID: EINVAL", &m);
	}

	msg_init(&m, KVS_CMD_NET_NEW, 0);
	put_u32(&m, KVS_ATTR_NET_ID, 4242);
	EXPECT_EINVAL("NET_NEW without a switch key: EINVAL", &m);

	if (need("NET_DEL without NET_ID: EINVAL", 1, 0, 0, 0)) {
		msg_init(&m, KVS_CMD_NET_DEL, 0);
		put_switch(&m);
		EXPECT_EINVAL("NET_DEL without NET_ID: EINVAL", &m);
	}

	if (need("NET_DEL without a switch key: EINVAL", 0, 1, 0, 0)) {
		msg_init(&m, KVS_CMD_NET_DEL, 0);
		put_u32(&m, KVS_ATTR_NET_ID, net_id);
		EXPECT_EINVAL("NET_DEL without a switch key: EINVAL", &m);
	}

	if (need("NET_GET (doit) without NET_ID: EINVAL", 1, 0, 0, 0)) {
		msg_init(&m, KVS_CMD_NET_GET, 0);
		put_switch(&m);
		EXPECT_EINVAL("NET_GET (doit) without NET_ID: EINVAL", &m);
	}

	if (need("PORT_NEW without a port key: EINVAL", 1, 1, 0, 0)) {
		msg_init(&m, KVS_CMD_PORT_NEW, 0);
		put_switch(&m);
		put_u32(&m, KVS_ATTR_NET_ID, net_id);
		EXPECT_EINVAL("PORT_NEW without a port key: EINVAL", &m);
	}

	if (need("PORT_NEW without a switch key: EINVAL", 0, 1, 0, 1)) {
		msg_init(&m, KVS_CMD_PORT_NEW, 0);
		put_free_dev(&m);
		put_u32(&m, KVS_ATTR_NET_ID, net_id);
		EXPECT_EINVAL("PORT_NEW without a switch key: EINVAL", &m);
	}

	if (need("PORT_NEW (VM port) without NET_ID: EINVAL", 1, 0, 0, 1)) {
		msg_init(&m, KVS_CMD_PORT_NEW, 0);
		put_free_dev(&m);
		put_switch(&m);
		EXPECT_EINVAL("PORT_NEW (VM port) without NET_ID: EINVAL", &m);
	}

	msg_init(&m, KVS_CMD_PORT_DEL, 0);
	EXPECT_EINVAL("PORT_DEL without a port key: EINVAL", &m);

	msg_init(&m, KVS_CMD_PORT_SET, 0);
	put_u8(&m, KVS_ATTR_PORT_LEARNING, 0);
	EXPECT_EINVAL("PORT_SET without a port key: EINVAL", &m);

	msg_init(&m, KVS_CMD_PORT_GET, 0);
	EXPECT_EINVAL("PORT_GET (doit) without a port key: EINVAL", &m);

	if (need("FDB_NEW without MAC: EINVAL", 1, 1, 1, 0)) {
		msg_init(&m, KVS_CMD_FDB_NEW, 0);
		put_switch(&m);
		put_u32(&m, KVS_ATTR_NET_ID, net_id);
		put_port(&m);
		EXPECT_EINVAL("FDB_NEW without MAC: EINVAL", &m);

		msg_init(&m, KVS_CMD_FDB_NEW, 0);
		put_switch(&m);
		put_mac(&m, KVS_ATTR_MAC, 1);
		put_port(&m);
		EXPECT_EINVAL("FDB_NEW without NET_ID: EINVAL", &m);

		msg_init(&m, KVS_CMD_FDB_NEW, 0);
		put_u32(&m, KVS_ATTR_NET_ID, net_id);
		put_mac(&m, KVS_ATTR_MAC, 1);
		put_port(&m);
		EXPECT_EINVAL("FDB_NEW without a switch key: EINVAL", &m);

		msg_init(&m, KVS_CMD_FDB_NEW, 0);
		put_switch(&m);
		put_u32(&m, KVS_ATTR_NET_ID, net_id);
		put_mac(&m, KVS_ATTR_MAC, 1);
		EXPECT_EINVAL("FDB_NEW without a port or remote: EINVAL", &m);

		msg_init(&m, KVS_CMD_FDB_DEL, 0);
		put_switch(&m);
		put_u32(&m, KVS_ATTR_NET_ID, net_id);
		EXPECT_EINVAL("FDB_DEL without MAC: EINVAL", &m);
	}

	msg_init(&m, KVS_CMD_STATS_GET, 0);
	EXPECT_EINVAL("STATS_GET (doit) without a switch or port key: EINVAL", &m);

	if (need("NET_SET without NET_MAX_MACS: EINVAL", 1, 1, 0, 0)) {
		msg_init(&m, KVS_CMD_NET_SET, 0);
		put_switch(&m);
		put_u32(&m, KVS_ATTR_NET_ID, net_id);
		EXPECT_EINVAL("NET_SET without NET_MAX_MACS: EINVAL", &m);

		msg_init(&m, KVS_CMD_NET_SET, 0);
		put_switch(&m);
		put_u32(&m, KVS_ATTR_NET_MAX_MACS, 10);
		EXPECT_EINVAL("NET_SET without NET_ID: EINVAL", &m);

		msg_init(&m, KVS_CMD_NET_SET, 0);
		put_u32(&m, KVS_ATTR_NET_ID, net_id);
		put_u32(&m, KVS_ATTR_NET_MAX_MACS, 10);
		EXPECT_EINVAL("NET_SET without a switch key: EINVAL", &m);

		msg_init(&m, KVS_CMD_NET_SET, 0);
		put_switch(&m);
		put_u32(&m, KVS_ATTR_NET_ID, KVS_NET_ID_MAX);
		put_u32(&m, KVS_ATTR_NET_MAX_MACS, 10);
		expect("NET_SET of a network that does not exist: ENOENT", &m, -ENOENT, 0, true);
	}

	/* a dump's filter naming nothing: refused with a message */
	msg_init(&m, KVS_CMD_FDB_GET, NLM_F_DUMP);
	put_str(&m, KVS_ATTR_SWITCH_NAME, own_switch);
	expect("FDB_GET dump of a switch that does not exist: ENODEV", &m, -ENODEV, 0, true);

	msg_init(&m, KVS_CMD_NET_GET, NLM_F_DUMP);
	put_u32(&m, KVS_ATTR_SWITCH_IFINDEX, 0x7ffffff0);
	expect("NET_GET dump of a switch ifindex that does not exist: ENODEV", &m,
	       -ENODEV, 0, true);

	msg_init(&m, KVS_CMD_PORT_GET, NLM_F_DUMP);
	put_u32(&m, KVS_ATTR_PORT_IFINDEX, 0x7ffffff0);
	expect("PORT_GET dump of a port that does not exist: ENODEV", &m, -ENODEV, 0, true);
}

static void test_unknown_attrs(void)
{
	struct msg m;
	uint8_t cmd;
	char desc[128];

	/* the unknown attribute alone; FDB_GET has no doit (EOPNOTSUPP before
	 * any parsing), its dump is tested below
	 */
	for (cmd = KVS_CMD_SWITCH_NEW; cmd <= KVS_CMD_MAX; cmd++) {
		if (cmd == KVS_CMD_FDB_GET || cmd == KVS_CMD_POLICY_DROP)
			continue;
		snprintf(desc, sizeof(desc), "command %u with attribute type %d: EINVAL",
			 cmd, ATTR_UNKNOWN);
		msg_init(&m, cmd, 0);
		put_u32(&m, ATTR_UNKNOWN, 1);
		EXPECT_EINVAL(desc, &m);
	}

	msg_init(&m, KVS_CMD_SWITCH_GET, NLM_F_DUMP);
	put_u32(&m, ATTR_UNKNOWN, 1);
	EXPECT_EINVAL("SWITCH_GET dump with attribute type 200: EINVAL", &m);

	msg_init(&m, KVS_CMD_FDB_GET, NLM_F_DUMP);
	put_u32(&m, ATTR_UNKNOWN, 1);
	EXPECT_EINVAL("FDB_GET dump with attribute type 200: EINVAL", &m);

	msg_init(&m, KVS_CMD_SWITCH_NEW, 0);
	put_str(&m, KVS_ATTR_SWITCH_NAME, own_switch);
	put_u32(&m, __KVS_ATTR_MAX, 1);
	EXPECT_EINVAL("SWITCH_NEW with attribute type KVS_ATTR_MAX + 1: EINVAL", &m);

	msg_init(&m, KVS_CMD_SWITCH_NEW, 0);
	put_str(&m, KVS_ATTR_SWITCH_NAME, own_switch);
	put_u32(&m, KVS_ATTR_UNSPEC, 1);
	EXPECT_EINVAL("SWITCH_NEW with attribute type 0 (UNSPEC): EINVAL", &m);

	/* attributes that exist but that the command does not take */
	msg_init(&m, KVS_CMD_SWITCH_NEW, 0);
	put_str(&m, KVS_ATTR_SWITCH_NAME, own_switch);
	put_mac(&m, KVS_ATTR_MAC, 2);
	EXPECT_EINVAL("SWITCH_NEW with MAC (not taken): EINVAL", &m);

	msg_init(&m, KVS_CMD_SWITCH_NEW, 0);
	put_str(&m, KVS_ATTR_SWITCH_NAME, own_switch);
	put_u32(&m, KVS_ATTR_NET_PORTS, 1);
	EXPECT_EINVAL("SWITCH_NEW with NET_PORTS (reply only): EINVAL", &m);

	if (need("SWITCH_SET with PORT_LEARNING (not taken): EINVAL", 1, 0, 0, 0)) {
		msg_init(&m, KVS_CMD_SWITCH_SET, 0);
		put_switch(&m);
		put_u8(&m, KVS_ATTR_PORT_LEARNING, 1);
		EXPECT_EINVAL("SWITCH_SET with PORT_LEARNING (not taken): EINVAL", &m);

		msg_init(&m, KVS_CMD_NET_NEW, 0);
		put_switch(&m);
		put_u32(&m, KVS_ATTR_NET_ID, 4242);
		put_u32(&m, KVS_ATTR_PORT_MAX_MACS, 1);
		EXPECT_EINVAL("NET_NEW with PORT_MAX_MACS (not taken): EINVAL", &m);

		msg_init(&m, KVS_CMD_NET_NEW, 0);
		put_switch(&m);
		put_u32(&m, KVS_ATTR_NET_ID, 4242);
		put_u32(&m, KVS_ATTR_NET_LEARNED, 1);
		EXPECT_EINVAL("NET_NEW with NET_LEARNED (reply only): EINVAL", &m);
	}

	if (need("NET_SET with NET_LABEL (not taken): EINVAL", 1, 1, 0, 0)) {
		msg_init(&m, KVS_CMD_NET_SET, 0);
		put_switch(&m);
		put_u32(&m, KVS_ATTR_NET_ID, net_id);
		put_u32(&m, KVS_ATTR_NET_MAX_MACS, 10);
		put_str(&m, KVS_ATTR_NET_LABEL, "x");
		EXPECT_EINVAL("NET_SET with NET_LABEL (not taken): EINVAL", &m);
	}

	if (need("PORT_NEW with AGEING_TIME (not taken): EINVAL", 1, 1, 0, 1)) {
		msg_init(&m, KVS_CMD_PORT_NEW, 0);
		put_free_dev(&m);
		put_switch(&m);
		put_u32(&m, KVS_ATTR_NET_ID, net_id);
		put_u32(&m, KVS_ATTR_AGEING_TIME, 5);
		EXPECT_EINVAL("PORT_NEW with AGEING_TIME (not taken): EINVAL", &m);
	}

	if (need("PORT_SET with NET_ID (not taken): EINVAL", 0, 1, 1, 0)) {
		msg_init(&m, KVS_CMD_PORT_SET, 0);
		put_port(&m);
		put_u32(&m, KVS_ATTR_NET_ID, net_id);
		EXPECT_EINVAL("PORT_SET with NET_ID (not taken): EINVAL", &m);

		msg_init(&m, KVS_CMD_PORT_SET, 0);
		put_port(&m);
		put_u32(&m, KVS_ATTR_PORT_LEARNED, 3);
		EXPECT_EINVAL("PORT_SET with PORT_LEARNED (reply only): EINVAL", &m);

		msg_init(&m, KVS_CMD_PORT_DEL, 0);
		put_port(&m);
		put_mac(&m, KVS_ATTR_MAC, 3);
		EXPECT_EINVAL("PORT_DEL with MAC (not taken): EINVAL", &m);

		msg_init(&m, KVS_CMD_STATS_GET, 0);
		put_port(&m);
		nest_start(&m, KVS_ATTR_STATS);
		put_raw(&m, KVS_STATS_RX_PACKETS, "\0\0\0\0\0\0\0\0", 8);
		nest_end(&m);
		EXPECT_EINVAL("STATS_GET with STATS (reply only): EINVAL", &m);
	}

	if (need("FDB_NEW with FDB_FLAGS (reply only): EINVAL", 1, 1, 1, 0)) {
		msg_init(&m, KVS_CMD_FDB_NEW, 0);
		put_switch(&m);
		put_u32(&m, KVS_ATTR_NET_ID, net_id);
		put_mac(&m, KVS_ATTR_MAC, 4);
		put_port(&m);
		put_u32(&m, KVS_ATTR_FDB_FLAGS, KVS_FDB_F_STATIC);
		EXPECT_EINVAL("FDB_NEW with FDB_FLAGS (reply only): EINVAL", &m);

		msg_init(&m, KVS_CMD_FDB_NEW, 0);
		put_switch(&m);
		put_u32(&m, KVS_ATTR_NET_ID, net_id);
		put_mac(&m, KVS_ATTR_MAC, 4);
		put_port(&m);
		put_u32(&m, KVS_ATTR_AGEING_TIME, 5);
		EXPECT_EINVAL("FDB_NEW with AGEING_TIME (not taken): EINVAL", &m);
	}
}

static void test_lengths(void)
{
	char longname[64];
	struct msg m;

	memset(longname, 'k', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';

	msg_init(&m, KVS_CMD_SWITCH_NEW, 0);
	put_raw(&m, KVS_ATTR_SWITCH_NAME, own_switch, strlen(own_switch));
	EXPECT_BAD("SWITCH_NEW with SWITCH_NAME not NUL-terminated: EINVAL/ERANGE", &m);

	msg_init(&m, KVS_CMD_SWITCH_NEW, 0);
	put_str(&m, KVS_ATTR_SWITCH_NAME, longname);
	EXPECT_BAD("SWITCH_NEW with a 63-byte SWITCH_NAME: EINVAL/ERANGE", &m);

	msg_init(&m, KVS_CMD_SWITCH_NEW, 0);
	put_str(&m, KVS_ATTR_SWITCH_NAME, "kvsname16charsxx");
	EXPECT_BAD("SWITCH_NEW with a 16-byte SWITCH_NAME (IFNAMSIZ without NUL): EINVAL/ERANGE", &m);

	msg_init(&m, KVS_CMD_SWITCH_NEW, 0);
	put_str(&m, KVS_ATTR_SWITCH_NAME, "");
	expect("SWITCH_NEW with an empty SWITCH_NAME: an error", &m, 0, 0, true);

	msg_init(&m, KVS_CMD_SWITCH_NEW, 0);
	put_str(&m, KVS_ATTR_SWITCH_NAME, own_switch);
	put_u16(&m, KVS_ATTR_AGEING_TIME, 10);
	EXPECT_BAD("SWITCH_NEW with a 2-byte AGEING_TIME: EINVAL/ERANGE", &m);

	msg_init(&m, KVS_CMD_SWITCH_GET, 0);
	put_u16(&m, KVS_ATTR_SWITCH_IFINDEX, 1);
	EXPECT_BAD("SWITCH_GET with a 2-byte SWITCH_IFINDEX: EINVAL/ERANGE", &m);

	msg_init(&m, KVS_CMD_PORT_GET, 0);
	put_raw(&m, KVS_ATTR_PORT_NAME, "lo", 2);
	EXPECT_BAD("PORT_GET with PORT_NAME not NUL-terminated: EINVAL/ERANGE", &m);

	if (need("NET_NEW with a 2-byte NET_ID: EINVAL/ERANGE", 1, 0, 0, 0)) {
		uint64_t big = 4242;

		msg_init(&m, KVS_CMD_NET_NEW, 0);
		put_switch(&m);
		put_u16(&m, KVS_ATTR_NET_ID, 4242);
		EXPECT_BAD("NET_NEW with a 2-byte NET_ID: EINVAL/ERANGE", &m);

		msg_init(&m, KVS_CMD_NET_NEW, 0);
		put_switch(&m);
		put_raw(&m, KVS_ATTR_NET_ID, &big, sizeof(big));
		EXPECT_BAD("NET_NEW with an 8-byte NET_ID: EINVAL/ERANGE", &m);

		msg_init(&m, KVS_CMD_NET_NEW, 0);
		put_switch(&m);
		put_u32(&m, KVS_ATTR_NET_ID, 4242);
		put_str(&m, KVS_ATTR_NET_LABEL, longname);
		EXPECT_BAD("NET_NEW with a 63-byte NET_LABEL: EINVAL/ERANGE", &m);

		msg_init(&m, KVS_CMD_NET_NEW, 0);
		put_switch(&m);
		put_u32(&m, KVS_ATTR_NET_ID, 4242);
		put_str(&m, KVS_ATTR_NET_LABEL, "label-of-32-bytes-is-one-too-lon");
		EXPECT_BAD("NET_NEW with a 32-byte NET_LABEL (KVS_LABEL_MAX without NUL): EINVAL/ERANGE", &m);

		msg_init(&m, KVS_CMD_SWITCH_SET, 0);
		put_switch(&m);
		put_u16(&m, KVS_ATTR_AGEING_TIME, 10);
		EXPECT_BAD("SWITCH_SET with a 2-byte AGEING_TIME: EINVAL/ERANGE", &m);

		msg_init(&m, KVS_CMD_NET_NEW, 0);
		put_switch(&m);
		put_u32(&m, KVS_ATTR_NET_ID, 4242);
		put_u16(&m, KVS_ATTR_NET_MAX_MACS, 10);
		EXPECT_BAD("NET_NEW with a 2-byte NET_MAX_MACS: EINVAL/ERANGE", &m);
	}

	if (need("NET_SET with a 2-byte NET_MAX_MACS: EINVAL/ERANGE", 1, 1, 0, 0)) {
		msg_init(&m, KVS_CMD_NET_SET, 0);
		put_switch(&m);
		put_u32(&m, KVS_ATTR_NET_ID, net_id);
		put_u16(&m, KVS_ATTR_NET_MAX_MACS, 10);
		EXPECT_BAD("NET_SET with a 2-byte NET_MAX_MACS: EINVAL/ERANGE", &m);
	}

	if (need("PORT_SET with a 4-byte PORT_LEARNING: EINVAL/ERANGE", 0, 0, 1, 0)) {
		unsigned char mac5[5] = { 2, 0, 0, 0, 5 };

		msg_init(&m, KVS_CMD_PORT_SET, 0);
		put_port(&m);
		put_u32(&m, KVS_ATTR_PORT_LEARNING, 1);
		EXPECT_BAD("PORT_SET with a 4-byte PORT_LEARNING: EINVAL/ERANGE", &m);

		msg_init(&m, KVS_CMD_PORT_SET, 0);
		put_port(&m);
		put_u16(&m, KVS_ATTR_PORT_MAX_MACS, 1);
		EXPECT_BAD("PORT_SET with a 2-byte PORT_MAX_MACS: EINVAL/ERANGE", &m);

		msg_init(&m, KVS_CMD_PORT_SET, 0);
		put_port(&m);
		put_u32(&m, KVS_ATTR_PORT_GROUP_FWD_MASK, 0x4000);
		EXPECT_BAD("PORT_SET with a 4-byte PORT_GROUP_FWD_MASK: EINVAL/ERANGE", &m);

		msg_init(&m, KVS_CMD_PORT_SET, 0);
		put_port(&m);
		nest_start(&m, KVS_ATTR_PORT_MACS);
		put_raw(&m, KVS_MACS_ATTR_ADDR, mac5, sizeof(mac5));
		nest_end(&m);
		EXPECT_BAD("PORT_SET with a 5-byte MACS_ATTR_ADDR in PORT_MACS: EINVAL/ERANGE", &m);
	}

	if (need("FDB_NEW with a 5-byte MAC: EINVAL/ERANGE", 1, 1, 1, 0)) {
		unsigned char mac7[7] = { 2, 0, 0, 0, 0, 7, 7 };

		msg_init(&m, KVS_CMD_FDB_NEW, 0);
		put_switch(&m);
		put_u32(&m, KVS_ATTR_NET_ID, net_id);
		put_raw(&m, KVS_ATTR_MAC, mac7, 5);
		put_port(&m);
		EXPECT_BAD("FDB_NEW with a 5-byte MAC: EINVAL/ERANGE", &m);

		msg_init(&m, KVS_CMD_FDB_NEW, 0);
		put_switch(&m);
		put_u32(&m, KVS_ATTR_NET_ID, net_id);
		put_raw(&m, KVS_ATTR_MAC, mac7, 7);
		put_port(&m);
		EXPECT_BAD("FDB_NEW with a 7-byte MAC: EINVAL/ERANGE", &m);

		msg_init(&m, KVS_CMD_FDB_DEL, 0);
		put_switch(&m);
		put_u32(&m, KVS_ATTR_NET_ID, net_id);
		put_raw(&m, KVS_ATTR_MAC, mac7, 0);
		EXPECT_BAD("FDB_DEL with an empty MAC: EINVAL/ERANGE", &m);
	}
}

static void test_ranges(void)
{
	char desc[128];
	struct msg m;
	int i;

	msg_init(&m, KVS_CMD_SWITCH_NEW, 0);
	put_str(&m, KVS_ATTR_SWITCH_NAME, own_switch);
	put_u32(&m, KVS_ATTR_AGEING_TIME, KVS_AGEING_TIME_MAX + 1);
	EXPECT_BAD("SWITCH_NEW with AGEING_TIME 1000001: ERANGE/EINVAL", &m);

	msg_init(&m, KVS_CMD_SWITCH_NEW, 0);
	put_str(&m, KVS_ATTR_SWITCH_NAME, own_switch);
	put_u32(&m, KVS_ATTR_AGEING_TIME, 0xffffffff);
	EXPECT_BAD("SWITCH_NEW with AGEING_TIME 0xffffffff: ERANGE/EINVAL", &m);

	if (!need("NET_NEW with NET_ID 0: ERANGE/EINVAL", 1, 0, 0, 0))
		return;

	msg_init(&m, KVS_CMD_SWITCH_SET, 0);
	put_switch(&m);
	put_u32(&m, KVS_ATTR_AGEING_TIME, KVS_AGEING_TIME_MAX + 1);
	EXPECT_BAD("SWITCH_SET with AGEING_TIME 1000001: ERANGE/EINVAL", &m);

	msg_init(&m, KVS_CMD_NET_NEW, 0);
	put_switch(&m);
	put_u32(&m, KVS_ATTR_NET_ID, 0);
	EXPECT_BAD("NET_NEW with NET_ID 0: ERANGE/EINVAL", &m);

	msg_init(&m, KVS_CMD_NET_NEW, 0);
	put_switch(&m);
	put_u32(&m, KVS_ATTR_NET_ID, KVS_NET_ID_MAX + 1);
	EXPECT_BAD("NET_NEW with NET_ID 0x1000000: ERANGE/EINVAL", &m);

	msg_init(&m, KVS_CMD_NET_NEW, 0);
	put_switch(&m);
	put_u32(&m, KVS_ATTR_NET_ID, 0xffffffff);
	EXPECT_BAD("NET_NEW with NET_ID 0xffffffff: ERANGE/EINVAL", &m);

	msg_init(&m, KVS_CMD_NET_DEL, 0);
	put_switch(&m);
	put_u32(&m, KVS_ATTR_NET_ID, 0);
	EXPECT_BAD("NET_DEL with NET_ID 0: ERANGE/EINVAL", &m);

	if (need("PORT_NEW with PORT_TYPE 3: ERANGE/EINVAL", 1, 1, 0, 1)) {
		msg_init(&m, KVS_CMD_PORT_NEW, 0);
		put_free_dev(&m);
		put_switch(&m);
		put_u32(&m, KVS_ATTR_NET_ID, net_id);
		put_u8(&m, KVS_ATTR_PORT_TYPE, KVS_PORT_MAX + 1);
		EXPECT_BAD("PORT_NEW with PORT_TYPE 3: ERANGE/EINVAL", &m);

		msg_init(&m, KVS_CMD_PORT_NEW, 0);
		put_free_dev(&m);
		put_switch(&m);
		put_u32(&m, KVS_ATTR_NET_ID, net_id);
		put_u8(&m, KVS_ATTR_PORT_LEARNING, 2);
		EXPECT_BAD("PORT_NEW with PORT_LEARNING 2: ERANGE/EINVAL", &m);
	}

	if (need("PORT_SET with PORT_LEARNING 2: ERANGE/EINVAL", 0, 0, 1, 0)) {
		msg_init(&m, KVS_CMD_PORT_SET, 0);
		put_port(&m);
		put_u8(&m, KVS_ATTR_PORT_LEARNING, 2);
		EXPECT_BAD("PORT_SET with PORT_LEARNING 2: ERANGE/EINVAL", &m);

		msg_init(&m, KVS_CMD_PORT_SET, 0);
		put_port(&m);
		put_u8(&m, KVS_ATTR_PORT_LEARNING, 255);
		EXPECT_BAD("PORT_SET with PORT_LEARNING 255: ERANGE/EINVAL", &m);

		for (i = 0; i < 3; i++) {
			snprintf(desc, sizeof(desc),
				 "PORT_SET with PORT_GROUP_FWD_MASK 0x%x (bit %d: STP, PAUSE, LACP): EINVAL",
				 0x4000 | 1u << i, i);
			msg_init(&m, KVS_CMD_PORT_SET, 0);
			put_port(&m);
			put_u16(&m, KVS_ATTR_PORT_GROUP_FWD_MASK, 0x4000 | 1u << i);
			EXPECT_EINVAL(desc, &m);
		}
	}

	if (need("PORT_NEW with PORT_GROUP_FWD_MASK 0x1: EINVAL", 1, 1, 0, 1)) {
		msg_init(&m, KVS_CMD_PORT_NEW, 0);
		put_free_dev(&m);
		put_switch(&m);
		put_u32(&m, KVS_ATTR_NET_ID, net_id);
		put_u16(&m, KVS_ATTR_PORT_GROUP_FWD_MASK, 0x1);
		EXPECT_EINVAL("PORT_NEW with PORT_GROUP_FWD_MASK 0x1: EINVAL", &m);
	}

	if (need("FDB_NEW with NET_ID 0: ERANGE/EINVAL", 1, 0, 1, 0)) {
		msg_init(&m, KVS_CMD_FDB_NEW, 0);
		put_switch(&m);
		put_u32(&m, KVS_ATTR_NET_ID, 0);
		put_mac(&m, KVS_ATTR_MAC, 5);
		put_port(&m);
		EXPECT_BAD("FDB_NEW with NET_ID 0: ERANGE/EINVAL", &m);
	}
}

static void test_nests(void)
{
	unsigned char mac[6] = { 2, 0x6b, 0x76, 0x73, 0, 6 };
	struct msg m;
	int i;

	if (need("PORT_SET with PORT_MACS not nested: EINVAL", 0, 0, 1, 0)) {
		msg_init(&m, KVS_CMD_PORT_SET, 0);
		put_port(&m);
		put_raw(&m, KVS_ATTR_PORT_MACS, mac, sizeof(mac));
		EXPECT_EINVAL("PORT_SET with PORT_MACS not nested: EINVAL", &m);

		msg_init(&m, KVS_CMD_PORT_SET, 0);
		put_port(&m);
		put_u8(&m, KVS_ATTR_PORT_LEARNING | NLA_F_NESTED, 1);
		EXPECT_EINVAL("PORT_SET with NLA_F_NESTED on PORT_LEARNING: EINVAL", &m);

		msg_init(&m, KVS_CMD_PORT_SET, 0);
		put_port(&m);
		nest_start(&m, KVS_ATTR_PORT_MACS);
		put_raw(&m, KVS_MACS_ATTR_ADDR + 5, mac, sizeof(mac));
		nest_end(&m);
		EXPECT_EINVAL("PORT_SET with an unknown attribute inside PORT_MACS: EINVAL", &m);

		msg_init(&m, KVS_CMD_PORT_SET, 0);
		put_port(&m);
		nest_start(&m, KVS_ATTR_PORT_MACS);
		for (i = 0; i <= KVS_PORT_MACS_MAX; i++) {
			mac[4] = 0x10;
			mac[5] = i;
			put_raw(&m, KVS_MACS_ATTR_ADDR, mac, sizeof(mac));
		}
		nest_end(&m);
		expect("PORT_SET with 65 MACs (more than KVS_PORT_MACS_MAX): an error",
		       &m, 0, 0, true);
	}

	if (need("PORT_NEW fabric with PORT_FABRIC not nested: EINVAL", 1, 0, 0, 1)) {
		msg_init(&m, KVS_CMD_PORT_NEW, 0);
		put_free_dev(&m);
		put_switch(&m);
		put_u8(&m, KVS_ATTR_PORT_TYPE, KVS_PORT_FABRIC);
		put_u8(&m, KVS_ATTR_PORT_FABRIC, KVS_ENCAP_VLAN);
		EXPECT_EINVAL("PORT_NEW fabric with PORT_FABRIC not nested: EINVAL", &m);

		msg_init(&m, KVS_CMD_PORT_NEW, 0);
		put_free_dev(&m);
		put_switch(&m);
		put_u8(&m, KVS_ATTR_PORT_TYPE, KVS_PORT_FABRIC);
		nest_start(&m, KVS_ATTR_PORT_FABRIC);
		put_u8(&m, KVS_FABRIC_ATTR_ENCAP, KVS_ENCAP_MAX + 1);
		nest_end(&m);
		EXPECT_BAD("PORT_NEW fabric with FABRIC_ATTR_ENCAP 3: ERANGE/EINVAL", &m);

		msg_init(&m, KVS_CMD_PORT_NEW, 0);
		put_free_dev(&m);
		put_switch(&m);
		put_u8(&m, KVS_ATTR_PORT_TYPE, KVS_PORT_FABRIC);
		nest_start(&m, KVS_ATTR_PORT_FABRIC);
		put_u8(&m, KVS_FABRIC_ATTR_ENCAP, KVS_ENCAP_VXLAN);
		/* TEST-NET-3: configured nowhere in the test VM */
		put_raw(&m, KVS_FABRIC_ATTR_LOCAL_IP4, "\xcb\x00\x71\x4d", 4);
		nest_end(&m);
		expect("PORT_NEW fabric vxlan, local address not on the host: EADDRNOTAVAIL",
		       &m, -EADDRNOTAVAIL, 0, true);

		msg_init(&m, KVS_CMD_PORT_NEW, 0);
		put_free_dev(&m);
		put_switch(&m);
		put_u8(&m, KVS_ATTR_PORT_TYPE, KVS_PORT_FABRIC);
		nest_start(&m, KVS_ATTR_PORT_FABRIC);
		put_u8(&m, KVS_FABRIC_ATTR_ENCAP, KVS_ENCAP_VXLAN);
		nest_end(&m);
		expect("PORT_NEW fabric vxlan without a local address: EINVAL",
		       &m, -EINVAL, 0, true);

		msg_init(&m, KVS_CMD_PORT_NEW, 0);
		put_free_dev(&m);
		put_switch(&m);
		put_u8(&m, KVS_ATTR_PORT_TYPE, KVS_PORT_FABRIC);
		nest_start(&m, KVS_ATTR_PORT_FABRIC);
		put_u8(&m, KVS_FABRIC_ATTR_ENCAP, KVS_ENCAP_VXLAN);
		put_raw(&m, KVS_FABRIC_ATTR_LOCAL_IP4, "\xef\x01\x01\x01", 4);
		nest_end(&m);
		expect("PORT_NEW fabric vxlan, multicast local 239.1.1.1: EINVAL",
		       &m, -EINVAL, 0, true);

		msg_init(&m, KVS_CMD_PORT_NEW, 0);
		put_free_dev(&m);
		put_switch(&m);
		put_u8(&m, KVS_ATTR_PORT_TYPE, KVS_PORT_FABRIC);
		nest_start(&m, KVS_ATTR_PORT_FABRIC);
		put_u8(&m, KVS_FABRIC_ATTR_ENCAP, KVS_ENCAP_VXLAN);
		put_raw(&m, KVS_FABRIC_ATTR_LOCAL_IP4, "\xcb\x00\x71\x4d", 4);
		put_raw(&m, KVS_FABRIC_ATTR_REMOTE_IP6,
			"\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x02", 16);
		nest_end(&m);
		expect("PORT_NEW fabric vxlan, IPv4 local and IPv6 remote: EINVAL",
		       &m, -EINVAL, 0, true);

		msg_init(&m, KVS_CMD_PORT_NEW, 0);
		put_free_dev(&m);
		put_switch(&m);
		put_u8(&m, KVS_ATTR_PORT_TYPE, KVS_PORT_FABRIC);
		nest_start(&m, KVS_ATTR_PORT_FABRIC);
		put_u8(&m, KVS_FABRIC_ATTR_ENCAP, KVS_ENCAP_VLAN);
		put_u16(&m, KVS_FABRIC_ATTR_DSTPORT, 4789);
		nest_end(&m);
		expect("PORT_NEW fabric vlan with a dstport: EINVAL",
		       &m, -EINVAL, 0, true);

		msg_init(&m, KVS_CMD_PORT_NEW, 0);
		put_free_dev(&m);
		put_switch(&m);
		put_u32(&m, KVS_ATTR_NET_ID, net_id);
		nest_start(&m, KVS_ATTR_PORT_FABRIC);
		put_u8(&m, KVS_FABRIC_ATTR_ENCAP, KVS_ENCAP_VLAN);
		nest_end(&m);
		expect("PORT_NEW of a VM port with fabric settings: EINVAL",
		       &m, -EINVAL, 0, true);
	}

	if (need("FDB_NEW with a remote VTEP, switch without a fabric port", 1, 1, 0, 0)) {
		msg_init(&m, KVS_CMD_FDB_NEW, 0);
		put_switch(&m);
		put_u32(&m, KVS_ATTR_NET_ID, net_id);
		put_mac(&m, KVS_ATTR_MAC, 7);
		put_raw(&m, KVS_ATTR_FDB_REMOTE_IP4, "\xc0\x00\x02\x02", 4);
		expect("FDB_NEW with a remote VTEP, switch without a fabric port: EINVAL",
		       &m, -EINVAL, 0, true);
	}
}

/* is any answer for @seq waiting? Returns its error, 1 if none came */
static int late_answer(uint32_t seq, int timeout_ms)
{
	struct answer a = { 0 };

	if (!receive(seq, &a, timeout_ms, NULL, NULL))
		return 1;
	return a.err;
}

static void test_framing(void)
{
	struct msg m;
	int r;

	/* nlmsg_len covers the netlink header but not the genl header */
	msg_init(&m, KVS_CMD_SWITCH_GET, 0);
	m.nlh->nlmsg_len = NLMSG_HDRLEN + 2;
	send_bytes(m.nlh, m.nlh->nlmsg_len);
	r = late_answer(m.nlh->nlmsg_seq, 2000);
	tap(r == -EINVAL, "message cut inside the genl header: EINVAL");
	if (r != -EINVAL)
		printf("#   answer %s\n", r == 1 ? "none" : errname(r));

	/* nlmsg_len shorter than the netlink header: netlink drops it */
	msg_init(&m, KVS_CMD_SWITCH_NEW, 0);
	put_str(&m, KVS_ATTR_SWITCH_NAME, own_switch);
	m.nlh->nlmsg_len = 8;
	send_bytes(m.nlh, NLMSG_HDRLEN + GENL_HDRLEN);
	r = late_answer(m.nlh->nlmsg_seq, 500);
	tap(r != 0, "nlmsg_len 8 (shorter than nlmsghdr): no success");
	if (r == 0)
		printf("#   the kernel acked it\n");

	/* nlmsg_len longer than the datagram that carries it */
	msg_init(&m, KVS_CMD_SWITCH_NEW, 0);
	put_str(&m, KVS_ATTR_SWITCH_NAME, own_switch);
	{
		uint32_t real = m.nlh->nlmsg_len;

		m.nlh->nlmsg_len += 64;
		send_bytes(m.nlh, real);
	}
	r = late_answer(m.nlh->nlmsg_seq, 500);
	tap(r != 0, "nlmsg_len longer than the datagram: no success");
	if (r == 0)
		printf("#   the kernel acked it\n");

	/* an attribute whose length runs past the end of the message */
	msg_init(&m, KVS_CMD_SWITCH_GET, 0);
	put_u32(&m, KVS_ATTR_SWITCH_IFINDEX, 1);
	((struct nlattr *)((char *)NLMSG_DATA(m.nlh) + GENL_HDRLEN))->nla_len = 200;
	EXPECT_EINVAL("attribute running past the end of the message: EINVAL", &m);

	/* an attribute header with nla_len below the header size */
	msg_init(&m, KVS_CMD_SWITCH_GET, 0);
	put_u32(&m, KVS_ATTR_SWITCH_IFINDEX, 1);
	((struct nlattr *)((char *)NLMSG_DATA(m.nlh) + GENL_HDRLEN))->nla_len = 3;
	EXPECT_EINVAL("attribute with nla_len 3: EINVAL", &m);

	msg_init(&m, 200, 0);
	expect("unknown command 200: EOPNOTSUPP", &m, -EOPNOTSUPP, 0, false);

	msg_init(&m, KVS_CMD_UNSPEC, 0);
	expect("command 0 (UNSPEC): EOPNOTSUPP", &m, -EOPNOTSUPP, 0, false);

	msg_init(&m, KVS_CMD_POLICY_DROP, 0);
	expect("POLICY_DROP (notification only) as a request: EOPNOTSUPP", &m,
	       -EOPNOTSUPP, 0, false);

	msg_init(&m, KVS_CMD_SWITCH_NEW, NLM_F_DUMP);
	put_str(&m, KVS_ATTR_SWITCH_NAME, own_switch);
	expect("SWITCH_NEW as a dump: EOPNOTSUPP", &m, -EOPNOTSUPP, 0, false);

	/* the socket still works after all of that */
	tap(dump_count(KVS_CMD_SWITCH_GET) >= 0, "a valid dump still answers");
}

/* remove what a wrongly accepted request may have made; true if there was any */
static bool remove_strays(void)
{
	struct answer a;
	struct msg m;
	bool found = false;

	msg_init(&m, KVS_CMD_SWITCH_DEL, 0);
	put_str(&m, KVS_ATTR_SWITCH_NAME, own_switch);
	a = transact(&m);
	if (a.err == 0) {
		printf("# switch %s existed and was deleted\n", own_switch);
		found = true;
	}
	if (free_dev) {
		msg_init(&m, KVS_CMD_PORT_DEL, 0);
		put_free_dev(&m);
		a = transact(&m);
		if (a.err == 0) {
			printf("# %s was attached and was detached\n", free_dev);
			found = true;
		}
	}
	return found;
}

int main(int argc, char **argv)
{
	struct family_info fi = { 0 };
	struct state before, after;
	const char *fdb_sw = NULL;
	unsigned int pause_ms = 0;
	int opt, dumps = 1;

	while ((opt = getopt(argc, argv, "s:n:p:d:F:R:W:h")) != -1) {
		switch (opt) {
		case 'F': fdb_sw = optarg; break;
		case 'R': dumps = atoi(optarg); break;
		case 'W': pause_ms = strtoul(optarg, NULL, 0); break;
		case 's': sw_name = optarg; break;
		case 'n': net_id = strtoul(optarg, NULL, 0); break;
		case 'p': port_name = optarg; break;
		case 'd': free_dev = optarg; break;
		default:
			fprintf(stderr, "usage: %s [-s SWITCH] [-n NET_ID] [-p PORT] [-d FREE_DEV]\n"
				"       %s -F SWITCH [-R DUMPS] [-W MS]\n", argv[0], argv[0]);
			return 2;
		}
	}
	/* a name no other test uses; it must never exist */
	snprintf(own_switch, sizeof(own_switch), "knl%u", (unsigned int)getpid() % 1000000);

	seq_no = 1000;		/* the first request is 1001 */
	open_socket(0);

	if (fdb_sw) {
		if (!resolve_family(&fi))
			return KSFT_SKIP;
		return fdb_dumps(fdb_sw, dumps, pause_ms);
	}

	printf("TAP version 13\n");
	if (!resolve_family(&fi)) {
		printf("1..0 # SKIP kvs generic netlink family not registered\n");
		return KSFT_SKIP;
	}
	tap(fi.version == KVS_GENL_VERSION, "family version is %d (got %u)",
		   KVS_GENL_VERSION, fi.version);
	tap(fi.events_group, "family has the \"%s\" multicast group",
		   KVS_GENL_MCGRP_EVENTS);

	before = snapshot();
	tap(before.switches >= 0 && before.nets >= 0 && before.ports >= 0 &&
		   before.fdb >= 0, "dumps answer before the tests");
	if (sw_name)
		tap(before.switches >= 1, "switch %s is visible in the dump", sw_name);

	test_missing();
	test_unknown_attrs();
	test_lengths();
	test_ranges();
	test_nests();
	test_framing();

	after = snapshot();
	printf("# state before: %d switches, %d nets, %d ports, %d fdb entries\n",
	       before.switches, before.nets, before.ports, before.fdb);
	printf("# state after:  %d switches, %d nets, %d ports, %d fdb entries\n",
	       after.switches, after.nets, after.ports, after.fdb);
	tap(!remove_strays(), "no request created switch %s or attached %s",
		   own_switch, free_dev ? free_dev : "a device");
	tap(before.switches == after.switches, "switch count unchanged");
	tap(before.nets == after.nets, "network count unchanged");
	tap(before.ports == after.ports, "port count unchanged");
	tap(before.fdb == after.fdb, "fdb entry count unchanged");

	printf("1..%d\n", tests_run);
	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:%d error:0\n",
	       tests_run - tests_failed - tests_skipped, tests_failed, tests_skipped);
	close(nl_fd);
	return tests_failed ? 1 : 0;
}
