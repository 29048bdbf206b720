// SPDX-License-Identifier: GPL-2.0
/*
 * A stand-in for lib/knl.c used by "make check": instead of a socket it
 * answers requests from an in-memory kvs, so the CLI's encoding, parsing
 * and printing can be tested where the module cannot be loaded.
 *
 * It checks requests the way the ABI says the kernel does: attributes a
 * command does not take are refused, sizes are exact, nests carry
 * NLA_F_NESTED, strings end in NUL. It knows nothing of the datapath.
 *
 * Like the kernel, fdb dumps and datapath events carry only the ifindex of
 * the switch and the port; if_indextoname() is replaced to name the fake
 * devices (and count the look-ups).
 *
 * Environment: KVS_FAKE_NOFAMILY=1 (family absent), KVS_FAKE_INTR=N (the
 * next N dumps are interrupted), KVS_FAKE_NOCAP=1 (joining the events group
 * is refused, as for a caller without CAP_NET_ADMIN), KVS_FAKE_IFNAMES=1
 * (the number of if_indextoname() calls to stderr at exit),
 * KVS_FAKE_DEBUG=1 (requests to stderr), KVS_FAKE_OLD=1 (a module from
 * before KVS_ATTR_SWITCH_BATCH and KVS_ATTR_NET_HIGHWAY: it refuses the one
 * and sends neither).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netlink/genl/genl.h>

#include "../lib/knl.h"
#include "../lib/names.h"
#include "../../uapi/linux/kvs.h"

#define FAMILY 0x42
#define MAXSW 8
#define MAXNET 64
#define MAXPORT 64
#define MAXFDB 200000

struct fsw {
	char name[16]; int ifindex; uint32_t ageing, batch; bool used;
};
struct fnet { int sw; uint32_t id; char label[32]; uint32_t max_macs; bool used; };
struct fport {
	int sw; char name[16]; int ifindex; uint8_t type; uint32_t net;
	int nmacs; uint8_t macs[KVS_PORT_MACS_MAX][6];
	uint8_t learning; uint32_t max_macs, bum; uint16_t gfm; bool used;
};
struct ffdb { int sw; uint32_t net; uint8_t mac[6]; int port; uint32_t flags; };

static struct fsw sws[MAXSW];
static struct fnet nets[MAXNET];
static struct fport ports[MAXPORT];
static struct ffdb *fdbs;
static int nfdb;
static int next_ifindex = 10;
static int intr_left = -1;
static unsigned long ifname_calls;

/* The CLI's look-ups land here, not in libc: the fake devices have no
 * netdev. 5 and 7 are the switch and port of the monitor's events.
 */
char *if_indextoname(unsigned int ifindex, char ifname[IF_NAMESIZE])
{
	int i;

	ifname_calls++;
	for (i = 0; i < MAXSW; i++)
		if (sws[i].used && (unsigned int)sws[i].ifindex == ifindex)
			return strcpy(ifname, sws[i].name);
	for (i = 0; i < MAXPORT; i++)
		if (ports[i].used && (unsigned int)ports[i].ifindex == ifindex)
			return strcpy(ifname, ports[i].name);
	if (ifindex == 5)
		return strcpy(ifname, "sw0");
	if (ifindex == 7)
		return strcpy(ifname, "veth1");
	errno = ENXIO;
	return NULL;
}

int knl_nle_errno(int nle)
{
	(void)nle;
	return EIO;
}

int knl_set_err(struct knl *k, int err)
{
	k->err = err < 0 ? -err : err;
	return -k->err;
}

static int fail(struct knl *k, int err, const char *msg)
{
	snprintf(k->msg, sizeof(k->msg), "%s", msg ? msg : "");
	return knl_set_err(k, err);
}

int knl_open(struct knl *k, const char *family, uint8_t version)
{
	memset(k, 0, sizeof(*k));
	k->miss_type = k->miss_nest = -1;
	if (names_check()) {
		fprintf(stderr, "fake_knl: a drop reason or attribute has no name\n");
		exit(2);
	}
	if (getenv("KVS_FAKE_NOFAMILY") || strcmp(family, KVS_GENL_NAME))
		return knl_set_err(k, ENOENT);
	if (intr_left < 0)
		intr_left = getenv("KVS_FAKE_INTR") ?
			    atoi(getenv("KVS_FAKE_INTR")) : 0;
	if (!fdbs)
		fdbs = calloc(MAXFDB, sizeof(*fdbs));
	k->family = FAMILY;
	k->version = version;
	snprintf(k->family_name, sizeof(k->family_name), "%s", family);
	return 0;
}

void knl_close(struct knl *k)
{
	(void)k;
	if (getenv("KVS_FAKE_IFNAMES"))
		fprintf(stderr, "if_indextoname calls: %lu\n", ifname_calls);
}

struct nl_msg *knl_msg(struct knl *k, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, k->family, 0, flags, cmd,
		    k->version);
	return msg;
}

int knl_parse(struct nl_msg *msg, int maxattr,
	      const struct nla_policy *policy, struct nlattr **tb)
{
	return genlmsg_parse(nlmsg_hdr(msg), 0, tb, maxattr, policy) < 0 ?
	       -EINVAL : 0;
}

uint8_t knl_cmd(struct nl_msg *msg)
{
	return ((struct genlmsghdr *)nlmsg_data(nlmsg_hdr(msg)))->cmd;
}

int knl_subscribe(struct knl *k, const char *group)
{
	if (strcmp(group, KVS_GENL_MCGRP_EVENTS))
		return fail(k, ENOENT, NULL);
	/* setsockopt(NETLINK_ADD_MEMBERSHIP) of a GENL_MCAST_CAP_NET_ADMIN
	 * group without the capability
	 */
	if (getenv("KVS_FAKE_NOCAP"))
		return fail(k, EPERM, NULL);
	return 0;
}

/* ---- request checking ---- */

#define A(x) (1ULL << (x))
#define SWKEY (A(KVS_ATTR_SWITCH_NAME) | A(KVS_ATTR_SWITCH_IFINDEX))
#define PORTKEY (A(KVS_ATTR_PORT_NAME) | A(KVS_ATTR_PORT_IFINDEX))
#define PORTCFG (A(KVS_ATTR_PORT_MACS) | A(KVS_ATTR_PORT_LEARNING) | \
		 A(KVS_ATTR_PORT_MAX_MACS) | A(KVS_ATTR_PORT_BUM_LIMIT) | \
		 A(KVS_ATTR_PORT_GROUP_FWD_MASK))

static const int attr_len[KVS_ATTR_MAX + 1] = {
	/* >0 exact, -1 NUL-terminated string, -2 nest */
	[KVS_ATTR_SWITCH_IFINDEX] = 4, [KVS_ATTR_SWITCH_NAME] = -1,
	[KVS_ATTR_AGEING_TIME] = 4, [KVS_ATTR_NET_ID] = 4,
	[KVS_ATTR_NET_LABEL] = -1, [KVS_ATTR_PORT_IFINDEX] = 4,
	[KVS_ATTR_PORT_NAME] = -1, [KVS_ATTR_PORT_TYPE] = 1,
	[KVS_ATTR_PORT_MACS] = -2, [KVS_ATTR_PORT_LEARNING] = 1,
	[KVS_ATTR_PORT_MAX_MACS] = 4, [KVS_ATTR_PORT_BUM_LIMIT] = 4,
	[KVS_ATTR_PORT_FABRIC] = -2, [KVS_ATTR_MAC] = 6,
	[KVS_ATTR_FDB_REMOTE_IP4] = 4, [KVS_ATTR_FDB_REMOTE_IP6] = 16,
	[KVS_ATTR_NET_MAX_MACS] = 4, [KVS_ATTR_PORT_GROUP_FWD_MASK] = 2,
	[KVS_ATTR_SWITCH_BATCH] = 4,
};

/* KVS_FAKE_OLD: attributes the module does not know yet */
static bool old_module(void)
{
	return getenv("KVS_FAKE_OLD");
}

static int check(struct knl *k, struct nlattr **tb, uint64_t allowed,
		 bool dump)
{
	int i;

	for (i = 1; i <= KVS_ATTR_MAX; i++) {
		const char *s;

		if (!tb[i])
			continue;
		if (!(allowed & A(i)) || !attr_len[i] ||
		    (old_module() && i > KVS_ATTR_PORT_GROUP_FWD_MASK))
			return fail(k, EINVAL, "Unknown attribute type");
		if (attr_len[i] > 0 && nla_len(tb[i]) != attr_len[i])
			return fail(k, EINVAL, "Attribute failed policy validation");
		if (attr_len[i] == -2 && !(tb[i]->nla_type & NLA_F_NESTED))
			return fail(k, EINVAL, "NLA_F_NESTED is missing");
		if (attr_len[i] == -1) {
			s = nla_data(tb[i]);
			if (!nla_len(tb[i]) || s[nla_len(tb[i]) - 1] ||
			    strlen(s) + 1 != (size_t)nla_len(tb[i]))
				return fail(k, EINVAL, "string not NUL-terminated");
		}
		if (i == KVS_ATTR_NET_ID &&
		    (nla_get_u32(tb[i]) < 1 || nla_get_u32(tb[i]) > KVS_NET_ID_MAX))
			return fail(k, ERANGE, "network id out of range");
		if (i == KVS_ATTR_SWITCH_BATCH &&
		    (nla_get_u32(tb[i]) < 1 || nla_get_u32(tb[i]) > KVS_BATCH_MAX))
			return fail(k, ERANGE, "batch out of range");
	}
	(void)dump;
	return 0;
}

static int find_sw(struct knl *k, struct nlattr **tb)
{
	int i;

	if (!tb[KVS_ATTR_SWITCH_NAME] && !tb[KVS_ATTR_SWITCH_IFINDEX]) {
		k->miss_type = KVS_ATTR_SWITCH_NAME;
		return fail(k, EINVAL, NULL);
	}
	for (i = 0; i < MAXSW; i++)
		if (sws[i].used &&
		    (tb[KVS_ATTR_SWITCH_NAME] ?
		     !strcmp(sws[i].name, nla_get_string(tb[KVS_ATTR_SWITCH_NAME])) :
		     (int)nla_get_u32(tb[KVS_ATTR_SWITCH_IFINDEX]) == sws[i].ifindex))
			return i;
	return fail(k, ENODEV, "no such kvs switch");
}

static int find_net(int sw, uint32_t id)
{
	int i;

	for (i = 0; i < MAXNET; i++)
		if (nets[i].used && nets[i].sw == sw && nets[i].id == id)
			return i;
	return -1;
}

static int find_port_name(const char *name)
{
	int i;

	for (i = 0; i < MAXPORT; i++)
		if (ports[i].used && !strcmp(ports[i].name, name))
			return i;
	return -1;
}

static int find_port(struct knl *k, struct nlattr **tb)
{
	int p;

	if (!tb[KVS_ATTR_PORT_NAME]) {
		k->miss_type = KVS_ATTR_PORT_NAME;
		return fail(k, EINVAL, NULL);
	}
	if (!strncmp(nla_get_string(tb[KVS_ATTR_PORT_NAME]), "nodev", 5))
		return fail(k, ENODEV, NULL);
	p = find_port_name(nla_get_string(tb[KVS_ATTR_PORT_NAME]));
	if (p < 0)
		return fail(k, ENOENT, "device is not a kvs port");
	return p;
}

static int fdb_find(int sw, uint32_t net, const uint8_t *mac)
{
	int i;

	for (i = 0; i < nfdb; i++)
		if (fdbs[i].sw == sw && fdbs[i].net == net &&
		    !memcmp(fdbs[i].mac, mac, 6))
			return i;
	return -1;
}

static void fdb_remove(int i)
{
	fdbs[i] = fdbs[--nfdb];
}

static int apply_cfg(struct knl *k, struct nlattr **tb, struct fport *p)
{
	if (tb[KVS_ATTR_PORT_MACS]) {
		struct nlattr *nla;
		int rem, n = 0;

		nla_for_each_nested(nla, tb[KVS_ATTR_PORT_MACS], rem) {
			if (nla_type(nla) != KVS_MACS_ATTR_ADDR ||
			    nla_len(nla) != 6)
				return fail(k, EINVAL, "bad MAC list entry");
			if (n == KVS_PORT_MACS_MAX)
				return fail(k, E2BIG, "too many MACs");
			memcpy(p->macs[n++], nla_data(nla), 6);
		}
		p->nmacs = n;
	}
	if (tb[KVS_ATTR_PORT_LEARNING])
		p->learning = nla_get_u8(tb[KVS_ATTR_PORT_LEARNING]);
	if (tb[KVS_ATTR_PORT_MAX_MACS])
		p->max_macs = nla_get_u32(tb[KVS_ATTR_PORT_MAX_MACS]);
	if (tb[KVS_ATTR_PORT_BUM_LIMIT]) {
		if (nla_get_u32(tb[KVS_ATTR_PORT_BUM_LIMIT]))
			return fail(k, EOPNOTSUPP, "bum-limit is not supported yet");
		p->bum = 0;
	}
	if (tb[KVS_ATTR_PORT_GROUP_FWD_MASK]) {
		uint16_t m = nla_get_u16(tb[KVS_ATTR_PORT_GROUP_FWD_MASK]);

		if (m & KVS_GROUP_FWD_RESTRICTED)
			return fail(k, EINVAL, "group_fwd_mask may not forward 01:80:c2:00:00:00-02");
		p->gfm = m;
	}
	return 0;
}

/* ---- replies ---- */

static struct nl_msg *reply(uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc();

	genlmsg_put(msg, 0, 0, FAMILY, 0, 0, cmd, KVS_GENL_VERSION);
	return msg;
}

static void put_sw(struct nl_msg *m, int sw)
{
	nla_put_string(m, KVS_ATTR_SWITCH_NAME, sws[sw].name);
	nla_put_u32(m, KVS_ATTR_SWITCH_IFINDEX, sws[sw].ifindex);
}

static void put_stats(struct nl_msg *m, uint64_t seed)
{
	struct nlattr *n = nla_nest_start(m, KVS_ATTR_STATS);
	int i;

	for (i = KVS_STATS_RX_PACKETS; i <= KVS_STATS_MAX; i++)
		nla_put_u64(m, i, seed * 100 + i);
	nla_nest_end(m, n);
}

static int deliver(struct nl_msg *m, knl_cb_t cb, void *arg)
{
	int ret = cb ? cb(m, arg) : 0;

	nlmsg_free(m);
	return ret;
}

static int send_port(int p, knl_cb_t cb, void *arg, uint8_t cmd)
{
	struct nl_msg *m = reply(cmd);
	struct fport *po = &ports[p];

	nla_put_string(m, KVS_ATTR_PORT_NAME, po->name);
	nla_put_u32(m, KVS_ATTR_PORT_IFINDEX, po->ifindex);
	put_sw(m, po->sw);
	nla_put_u8(m, KVS_ATTR_PORT_TYPE, po->type);
	if (cmd == KVS_CMD_STATS_GET) {
		put_stats(m, po->ifindex);
		return deliver(m, cb, arg);
	}
	if (po->type == KVS_PORT_VM) {
		struct nlattr *n;
		int i, learned = 0;

		nla_put_u32(m, KVS_ATTR_NET_ID, po->net);
		n = nla_nest_start(m, KVS_ATTR_PORT_MACS);
		for (i = 0; i < po->nmacs; i++)
			nla_put(m, KVS_MACS_ATTR_ADDR, 6, po->macs[i]);
		nla_nest_end_keep_empty(m, n);
		nla_put_u8(m, KVS_ATTR_PORT_LEARNING, po->learning);
		nla_put_u32(m, KVS_ATTR_PORT_MAX_MACS, po->max_macs);
		nla_put_u32(m, KVS_ATTR_PORT_BUM_LIMIT, po->bum);
		nla_put_u16(m, KVS_ATTR_PORT_GROUP_FWD_MASK, po->gfm);
		for (i = 0; i < nfdb; i++)
			learned += fdbs[i].port == p &&
				   !(fdbs[i].flags & KVS_FDB_F_STATIC);
		nla_put_u32(m, KVS_ATTR_PORT_LEARNED, learned);
	}
	put_stats(m, po->ifindex);
	return deliver(m, cb, arg);
}

/* ---- the commands ---- */

static int do_switch(struct knl *k, uint8_t cmd, struct nlattr **tb,
		     bool dump, knl_cb_t cb, void *arg)
{
	struct nl_msg *m;
	int i, sw;

	switch (cmd) {
	case KVS_CMD_SWITCH_NEW:
		if (check(k, tb, A(KVS_ATTR_SWITCH_NAME) |
			  A(KVS_ATTR_AGEING_TIME) | A(KVS_ATTR_SWITCH_BATCH),
			  false))
			return -k->err;
		if (!tb[KVS_ATTR_SWITCH_NAME])
			return fail(k, EINVAL, "missing switch name");
		for (i = 0; i < MAXSW; i++)
			if (sws[i].used && !strcmp(sws[i].name,
				nla_get_string(tb[KVS_ATTR_SWITCH_NAME])))
				return fail(k, EEXIST, NULL);
		for (i = 0; i < MAXSW && sws[i].used; i++)
			;
		if (i == MAXSW)
			return fail(k, ENOSPC, NULL);
		sws[i].used = true;
		snprintf(sws[i].name, 16, "%s",
			 nla_get_string(tb[KVS_ATTR_SWITCH_NAME]));
		sws[i].ifindex = next_ifindex++;
		sws[i].ageing = tb[KVS_ATTR_AGEING_TIME] ?
			nla_get_u32(tb[KVS_ATTR_AGEING_TIME]) : 300;
		sws[i].batch = tb[KVS_ATTR_SWITCH_BATCH] ?
			nla_get_u32(tb[KVS_ATTR_SWITCH_BATCH]) :
			KVS_BATCH_DEFAULT;
		return 0;
	case KVS_CMD_SWITCH_DEL:
	case KVS_CMD_SWITCH_SET:
		if (check(k, tb, SWKEY | (cmd == KVS_CMD_SWITCH_SET ?
					  A(KVS_ATTR_AGEING_TIME) |
					  A(KVS_ATTR_SWITCH_BATCH) : 0), false))
			return -k->err;
		sw = find_sw(k, tb);
		if (sw < 0)
			return sw;
		if (cmd == KVS_CMD_SWITCH_SET) {
			if (!tb[KVS_ATTR_AGEING_TIME] &&
			    !tb[KVS_ATTR_SWITCH_BATCH])
				return fail(k, EINVAL, "nothing to set");
			if (tb[KVS_ATTR_AGEING_TIME])
				sws[sw].ageing =
					nla_get_u32(tb[KVS_ATTR_AGEING_TIME]);
			if (tb[KVS_ATTR_SWITCH_BATCH])
				sws[sw].batch =
					nla_get_u32(tb[KVS_ATTR_SWITCH_BATCH]);
			return 0;
		}
		sws[sw].used = false;
		for (i = 0; i < MAXNET; i++)
			if (nets[i].sw == sw)
				nets[i].used = false;
		for (i = 0; i < MAXPORT; i++)
			if (ports[i].sw == sw)
				ports[i].used = false;
		for (i = nfdb - 1; i >= 0; i--)
			if (fdbs[i].sw == sw)
				fdb_remove(i);
		return 0;
	case KVS_CMD_SWITCH_GET:
		if (check(k, tb, dump ? 0 : SWKEY, dump))
			return -k->err;
		for (i = 0; i < MAXSW; i++) {
			if (!sws[i].used)
				continue;
			if (!dump) {
				i = find_sw(k, tb);
				if (i < 0)
					return i;
			}
			m = reply(cmd);
			put_sw(m, i);
			nla_put_u32(m, KVS_ATTR_AGEING_TIME, sws[i].ageing);
			if (!old_module())
				nla_put_u32(m, KVS_ATTR_SWITCH_BATCH,
					    sws[i].batch);
			if (deliver(m, cb, arg))
				return -ENOMEM;
			if (!dump)
				break;
		}
		if (!dump && i == MAXSW)
			return find_sw(k, tb);
		return 0;
	}
	return fail(k, EOPNOTSUPP, NULL);
}

static int do_net(struct knl *k, uint8_t cmd, struct nlattr **tb, bool dump,
		  knl_cb_t cb, void *arg)
{
	int i, sw = -1, n;

	if (check(k, tb, SWKEY | A(KVS_ATTR_NET_ID) |
		  (cmd == KVS_CMD_NET_NEW ? A(KVS_ATTR_NET_LABEL) : 0) |
		  (cmd == KVS_CMD_NET_NEW || cmd == KVS_CMD_NET_SET ?
		   A(KVS_ATTR_NET_MAX_MACS) : 0), dump))
		return -k->err;
	if (!dump || tb[KVS_ATTR_SWITCH_NAME]) {
		sw = find_sw(k, tb);
		if (sw < 0)
			return sw;
	}
	if (!dump && !tb[KVS_ATTR_NET_ID]) {
		k->miss_type = KVS_ATTR_NET_ID;
		return fail(k, EINVAL, NULL);
	}
	switch (cmd) {
	case KVS_CMD_NET_NEW:
		if (find_net(sw, nla_get_u32(tb[KVS_ATTR_NET_ID])) >= 0)
			return fail(k, EEXIST, "network already exists");
		if (tb[KVS_ATTR_NET_LABEL] &&
		    nla_len(tb[KVS_ATTR_NET_LABEL]) > KVS_LABEL_MAX)
			return fail(k, EINVAL, "label too long");
		for (i = 0; i < MAXNET && nets[i].used; i++)
			;
		nets[i].used = true;
		nets[i].sw = sw;
		nets[i].id = nla_get_u32(tb[KVS_ATTR_NET_ID]);
		nets[i].label[0] = 0;
		nets[i].max_macs = tb[KVS_ATTR_NET_MAX_MACS] ?
			nla_get_u32(tb[KVS_ATTR_NET_MAX_MACS]) :
			KVS_NET_MAX_MACS_DEFAULT;
		if (tb[KVS_ATTR_NET_LABEL])
			snprintf(nets[i].label, 32, "%s",
				 nla_get_string(tb[KVS_ATTR_NET_LABEL]));
		return 0;
	case KVS_CMD_NET_SET:
		n = find_net(sw, nla_get_u32(tb[KVS_ATTR_NET_ID]));
		if (n < 0)
			return fail(k, ENOENT, "no such network");
		if (!tb[KVS_ATTR_NET_MAX_MACS])
			return fail(k, EINVAL, "nothing to set");
		nets[n].max_macs = nla_get_u32(tb[KVS_ATTR_NET_MAX_MACS]);
		return 0;
	case KVS_CMD_NET_DEL:
		n = find_net(sw, nla_get_u32(tb[KVS_ATTR_NET_ID]));
		if (n < 0)
			return fail(k, ENOENT, "no such network");
		nets[n].used = false;
		for (i = 0; i < MAXPORT; i++)
			if (ports[i].used && ports[i].sw == sw &&
			    ports[i].net == nets[n].id)
				ports[i].used = false;
		return 0;
	case KVS_CMD_NET_GET:
		for (i = 0; i < MAXNET; i++) {
			struct nl_msg *m;
			int j, cnt = 0, learned = 0;

			if (!nets[i].used || (sw >= 0 && nets[i].sw != sw))
				continue;
			for (j = 0; j < MAXPORT; j++)
				cnt += ports[j].used &&
				       ports[j].sw == nets[i].sw &&
				       ports[j].net == nets[i].id;
			for (j = 0; j < nfdb; j++)
				learned += fdbs[j].sw == nets[i].sw &&
					   fdbs[j].net == nets[i].id &&
					   !(fdbs[j].flags & KVS_FDB_F_STATIC);
			m = reply(cmd);
			put_sw(m, nets[i].sw);
			nla_put_u32(m, KVS_ATTR_NET_ID, nets[i].id);
			if (nets[i].label[0])
				nla_put_string(m, KVS_ATTR_NET_LABEL,
					       nets[i].label);
			nla_put_u32(m, KVS_ATTR_NET_PORTS, cnt);
			nla_put_u32(m, KVS_ATTR_NET_MAX_MACS,
				    nets[i].max_macs);
			nla_put_u32(m, KVS_ATTR_NET_LEARNED, learned);
			/* two VM ports and nothing else: the fake has no
			 * fabric ports
			 */
			if (!old_module())
				nla_put_u8(m, KVS_ATTR_NET_HIGHWAY, cnt == 2);
			if (deliver(m, cb, arg))
				return -ENOMEM;
		}
		return 0;
	}
	return fail(k, EOPNOTSUPP, NULL);
}

static struct nla_policy fab_pol[KVS_FABRIC_ATTR_MAX + 1] = {
	[KVS_FABRIC_ATTR_ENCAP] = { .type = NLA_U8 },
};

static int do_port(struct knl *k, uint8_t cmd, struct nlattr **tb,
		   bool dump, knl_cb_t cb, void *arg)
{
	struct fport tmp = { 0 };
	int i, sw, p;

	switch (cmd) {
	case KVS_CMD_PORT_NEW:
		if (check(k, tb, PORTKEY | SWKEY | A(KVS_ATTR_NET_ID) |
			  A(KVS_ATTR_PORT_TYPE) | A(KVS_ATTR_PORT_FABRIC) |
			  PORTCFG, false))
			return -k->err;
		sw = find_sw(k, tb);
		if (sw < 0)
			return sw;
		if (!tb[KVS_ATTR_PORT_NAME])
			return fail(k, EINVAL, "missing port");
		if (!strncmp(nla_get_string(tb[KVS_ATTR_PORT_NAME]), "nodev", 5))
			return fail(k, ENODEV, NULL);
		if (tb[KVS_ATTR_PORT_TYPE] &&
		    nla_get_u8(tb[KVS_ATTR_PORT_TYPE]) == KVS_PORT_FABRIC) {
			struct nlattr *f[KVS_FABRIC_ATTR_MAX + 1];

			if (!tb[KVS_ATTR_PORT_FABRIC] ||
			    nla_parse_nested(f, KVS_FABRIC_ATTR_MAX,
					     tb[KVS_ATTR_PORT_FABRIC], fab_pol) ||
			    !f[KVS_FABRIC_ATTR_ENCAP])
				return fail(k, EINVAL, "bad fabric nest");
			if (getenv("KVS_FAKE_DEBUG")) {
				char b[64];

				fprintf(stderr, "fabric encap %u",
					nla_get_u8(f[KVS_FABRIC_ATTR_ENCAP]));
				if (f[KVS_FABRIC_ATTR_LOCAL_IP4])
					fprintf(stderr, " local4 %s", inet_ntop(AF_INET, nla_data(f[KVS_FABRIC_ATTR_LOCAL_IP4]), b, 64));
				if (f[KVS_FABRIC_ATTR_LOCAL_IP6])
					fprintf(stderr, " local6 %s", inet_ntop(AF_INET6, nla_data(f[KVS_FABRIC_ATTR_LOCAL_IP6]), b, 64));
				if (f[KVS_FABRIC_ATTR_REMOTE_IP4])
					fprintf(stderr, " remote4 %s", inet_ntop(AF_INET, nla_data(f[KVS_FABRIC_ATTR_REMOTE_IP4]), b, 64));
				if (f[KVS_FABRIC_ATTR_DSTPORT])
					fprintf(stderr, " dstport %u len %d", nla_get_u16(f[KVS_FABRIC_ATTR_DSTPORT]), nla_len(f[KVS_FABRIC_ATTR_DSTPORT]));
				fprintf(stderr, "\n");
			}
			return fail(k, EOPNOTSUPP, "fabric ports are not supported yet");
		}
		if (!tb[KVS_ATTR_NET_ID]) {
			k->miss_type = KVS_ATTR_NET_ID;
			return fail(k, EINVAL, NULL);
		}
		if (find_net(sw, nla_get_u32(tb[KVS_ATTR_NET_ID])) < 0)
			return fail(k, ENOENT, "no such network");
		if (find_port_name(nla_get_string(tb[KVS_ATTR_PORT_NAME])) >= 0)
			return fail(k, EBUSY, "device is already a kvs port");
		tmp.learning = 1;
		tmp.max_macs = KVS_PORT_MAX_MACS_DEFAULT;
		if (apply_cfg(k, tb, &tmp))
			return -k->err;
		for (p = 0; p < MAXPORT && ports[p].used; p++)
			;
		tmp.used = true;
		tmp.sw = sw;
		tmp.type = KVS_PORT_VM;
		tmp.net = nla_get_u32(tb[KVS_ATTR_NET_ID]);
		tmp.ifindex = next_ifindex++;
		snprintf(tmp.name, 16, "%s",
			 nla_get_string(tb[KVS_ATTR_PORT_NAME]));
		ports[p] = tmp;
		for (i = 0; i < tmp.nmacs; i++) {
			fdbs[nfdb] = (struct ffdb){ sw, tmp.net, {0}, p,
						    KVS_FDB_F_STATIC };
			memcpy(fdbs[nfdb++].mac, tmp.macs[i], 6);
		}
		return 0;
	case KVS_CMD_PORT_SET:
		if (check(k, tb, PORTKEY | PORTCFG, false))
			return -k->err;
		p = find_port(k, tb);
		if (p < 0)
			return p;
		tmp = ports[p];
		if (apply_cfg(k, tb, &tmp))
			return -k->err;
		ports[p] = tmp;
		return 0;
	case KVS_CMD_PORT_DEL:
		if (check(k, tb, PORTKEY, false))
			return -k->err;
		p = find_port(k, tb);
		if (p < 0)
			return p;
		ports[p].used = false;
		for (i = nfdb - 1; i >= 0; i--)
			if (fdbs[i].port == p)
				fdb_remove(i);
		return 0;
	case KVS_CMD_PORT_GET:
	case KVS_CMD_STATS_GET:
		if (check(k, tb, dump ? SWKEY : PORTKEY |
			  (cmd == KVS_CMD_STATS_GET ? SWKEY : 0), dump))
			return -k->err;
		if (!dump && cmd == KVS_CMD_STATS_GET &&
		    tb[KVS_ATTR_SWITCH_NAME]) {
			struct nl_msg *m;

			sw = find_sw(k, tb);
			if (sw < 0)
				return sw;
			m = reply(cmd);
			put_sw(m, sw);
			put_stats(m, 7);
			return deliver(m, cb, arg) ? -ENOMEM : 0;
		}
		if (!dump) {
			p = find_port(k, tb);
			return p < 0 ? p : send_port(p, cb, arg, cmd);
		}
		sw = -1;
		if (tb[KVS_ATTR_SWITCH_NAME]) {
			sw = find_sw(k, tb);
			if (sw < 0)
				return sw;
		}
		for (p = 0; p < MAXPORT; p++)
			if (ports[p].used && (sw < 0 || ports[p].sw == sw) &&
			    send_port(p, cb, arg, cmd))
				return -ENOMEM;
		return 0;
	}
	return fail(k, EOPNOTSUPP, NULL);
}

static int do_fdb(struct knl *k, uint8_t cmd, struct nlattr **tb, bool dump,
		  knl_cb_t cb, void *arg)
{
	int i, sw = -1, p;
	uint32_t net;

	switch (cmd) {
	case KVS_CMD_FDB_NEW:
	case KVS_CMD_FDB_DEL:
		if (check(k, tb, SWKEY | A(KVS_ATTR_NET_ID) | A(KVS_ATTR_MAC) |
			  A(KVS_ATTR_FDB_REMOTE_IP4) | A(KVS_ATTR_FDB_REMOTE_IP6) |
			  (cmd == KVS_CMD_FDB_NEW ? PORTKEY : 0), false))
			return -k->err;
		sw = find_sw(k, tb);
		if (sw < 0)
			return sw;
		if (!tb[KVS_ATTR_NET_ID] || !tb[KVS_ATTR_MAC])
			return fail(k, EINVAL, "missing net or mac");
		net = nla_get_u32(tb[KVS_ATTR_NET_ID]);
		if (tb[KVS_ATTR_FDB_REMOTE_IP4] || tb[KVS_ATTR_FDB_REMOTE_IP6])
			return fail(k, EOPNOTSUPP, "fabric ports are not supported yet");
		i = fdb_find(sw, net, nla_data(tb[KVS_ATTR_MAC]));
		if (cmd == KVS_CMD_FDB_DEL) {
			if (i < 0)
				return fail(k, ENOENT, "no such fdb entry");
			fdb_remove(i);
			return 0;
		}
		if (find_net(sw, net) < 0)
			return fail(k, ENOENT, "no such network");
		p = find_port(k, tb);
		if (p < 0)
			return p;
		if (i >= 0)
			return fail(k, EEXIST, "fdb entry exists");
		if (nfdb == MAXFDB)
			return fail(k, ENOSPC, NULL);
		fdbs[nfdb] = (struct ffdb){ sw, net, {0}, p, KVS_FDB_F_STATIC };
		memcpy(fdbs[nfdb++].mac, nla_data(tb[KVS_ATTR_MAC]), 6);
		return 0;
	case KVS_CMD_FDB_GET:
		if (check(k, tb, SWKEY | A(KVS_ATTR_NET_ID), dump))
			return -k->err;
		if (!dump)
			return fail(k, EOPNOTSUPP, NULL);
		if (tb[KVS_ATTR_SWITCH_NAME]) {
			sw = find_sw(k, tb);
			if (sw < 0)
				return sw;
		}
		for (i = 0; i < nfdb; i++) {
			struct nl_msg *m;

			if ((sw >= 0 && fdbs[i].sw != sw) ||
			    (tb[KVS_ATTR_NET_ID] &&
			     fdbs[i].net != nla_get_u32(tb[KVS_ATTR_NET_ID])))
				continue;
			/* ifindex values only, as the kernel sends */
			m = reply(cmd);
			nla_put_u32(m, KVS_ATTR_SWITCH_IFINDEX,
				    sws[fdbs[i].sw].ifindex);
			nla_put_u32(m, KVS_ATTR_NET_ID, fdbs[i].net);
			nla_put(m, KVS_ATTR_MAC, 6, fdbs[i].mac);
			nla_put_u32(m, KVS_ATTR_PORT_IFINDEX,
				    ports[fdbs[i].port].ifindex);
			nla_put_u32(m, KVS_ATTR_FDB_FLAGS, fdbs[i].flags);
			nla_put_u32(m, KVS_ATTR_FDB_AGE, 12300 + i);
			if (deliver(m, cb, arg))
				return -ENOMEM;
		}
		return 0;
	}
	return fail(k, EOPNOTSUPP, NULL);
}

int knl_transact(struct knl *k, struct nl_msg *msg, knl_cb_t cb, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genlmsghdr *g = nlmsg_data(nlh);
	struct nlattr *tb[KVS_ATTR_MAX + 1];
	bool dump = (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	int ret;

	k->err = 0;
	k->msg[0] = 0;
	k->miss_type = k->miss_nest = -1;
	if (nlh->nlmsg_type != FAMILY || g->version != KVS_GENL_VERSION)
		return fail(k, EINVAL, "bad header");
	/* strict: unknown attribute types are an error */
	if (genlmsg_parse(nlh, 0, tb, KVS_ATTR_MAX, NULL) < 0)
		return fail(k, EINVAL, "malformed");
	{
		struct nlattr *nla;
		int rem;

		nla_for_each_attr(nla, genlmsg_attrdata(g, 0),
				  genlmsg_attrlen(g, 0), rem)
			if (nla_type(nla) > KVS_ATTR_MAX || !nla_type(nla))
				return fail(k, EINVAL, "Unknown attribute type");
	}
	if (getenv("KVS_FAKE_DEBUG")) {
		int i;

		fprintf(stderr, "req cmd %u%s:", g->cmd, dump ? " dump" : "");
		for (i = 1; i <= KVS_ATTR_MAX; i++)
			if (tb[i])
				fprintf(stderr, " %d/%d", i, nla_len(tb[i]));
		fprintf(stderr, "\n");
	}
	if (dump && g->cmd != KVS_CMD_SWITCH_GET && g->cmd != KVS_CMD_NET_GET &&
	    g->cmd != KVS_CMD_PORT_GET && g->cmd != KVS_CMD_FDB_GET &&
	    g->cmd != KVS_CMD_STATS_GET)
		return fail(k, EOPNOTSUPP, NULL);

	switch (g->cmd) {
	case KVS_CMD_SWITCH_NEW: case KVS_CMD_SWITCH_DEL:
	case KVS_CMD_SWITCH_GET: case KVS_CMD_SWITCH_SET:
		ret = do_switch(k, g->cmd, tb, dump, cb, arg);
		break;
	case KVS_CMD_NET_NEW: case KVS_CMD_NET_DEL: case KVS_CMD_NET_GET:
	case KVS_CMD_NET_SET:
		ret = do_net(k, g->cmd, tb, dump, cb, arg);
		break;
	case KVS_CMD_PORT_NEW: case KVS_CMD_PORT_DEL: case KVS_CMD_PORT_GET:
	case KVS_CMD_PORT_SET: case KVS_CMD_STATS_GET:
		ret = do_port(k, g->cmd, tb, dump, cb, arg);
		break;
	case KVS_CMD_FDB_NEW: case KVS_CMD_FDB_DEL: case KVS_CMD_FDB_GET:
		ret = do_fdb(k, g->cmd, tb, dump, cb, arg);
		break;
	default:
		ret = fail(k, EOPNOTSUPP, NULL);
	}
	if (ret < 0 && !k->err)
		knl_set_err(k, ret);
	if (!ret && dump && intr_left > 0) {
		/* the whole dump was delivered, and then flagged
		 * NLM_F_DUMP_INTR: the caller must not use any of it
		 */
		intr_left--;
		return -EINTR;
	}
	return ret < 0 ? ret : 0;
}

/* The monitor replays one event of each kind, then stops */
int knl_listen(struct knl *k, knl_cb_t cb, void *arg, void (*lost)(void *),
	       int watch_fd)
{
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 1 };
	struct nl_msg *m;

	m = reply(KVS_CMD_SWITCH_NEW);
	nla_put_string(m, KVS_ATTR_SWITCH_NAME, "sw0");
	nla_put_u32(m, KVS_ATTR_SWITCH_IFINDEX, 5);
	nla_put_u32(m, KVS_ATTR_AGEING_TIME, 300);
	nla_put_u32(m, KVS_ATTR_SWITCH_BATCH, KVS_BATCH_DEFAULT);
	deliver(m, cb, arg);
	m = reply(KVS_CMD_NET_NEW);
	nla_put_string(m, KVS_ATTR_SWITCH_NAME, "sw0");
	nla_put_u32(m, KVS_ATTR_NET_ID, 100);
	nla_put_string(m, KVS_ATTR_NET_LABEL, "red");
	nla_put_u32(m, KVS_ATTR_NET_MAX_MACS, KVS_NET_MAX_MACS_DEFAULT);
	deliver(m, cb, arg);
	m = reply(KVS_CMD_PORT_NEW);
	nla_put_string(m, KVS_ATTR_PORT_NAME, "veth1");
	nla_put_u32(m, KVS_ATTR_PORT_IFINDEX, 7);
	nla_put_string(m, KVS_ATTR_SWITCH_NAME, "sw0");
	nla_put_u8(m, KVS_ATTR_PORT_TYPE, KVS_PORT_VM);
	nla_put_u32(m, KVS_ATTR_NET_ID, 100);
	deliver(m, cb, arg);
	/* datapath events: ifindex values, no names */
	m = reply(KVS_CMD_FDB_NEW);
	nla_put_u32(m, KVS_ATTR_SWITCH_IFINDEX, 5);
	nla_put_u32(m, KVS_ATTR_NET_ID, 100);
	nla_put(m, KVS_ATTR_MAC, 6, mac);
	nla_put_u32(m, KVS_ATTR_PORT_IFINDEX, 7);
	nla_put_u32(m, KVS_ATTR_FDB_FLAGS, 0);
	deliver(m, cb, arg);
	m = reply(KVS_CMD_POLICY_DROP);
	nla_put_u32(m, KVS_ATTR_SWITCH_IFINDEX, 5);
	nla_put_u32(m, KVS_ATTR_PORT_IFINDEX, 7);
	nla_put_u32(m, KVS_ATTR_NET_ID, 100);
	nla_put(m, KVS_ATTR_MAC, 6, mac);
	nla_put_u32(m, KVS_ATTR_DROP_REASON, KVS_DROP_SPOOFED_SRC);
	deliver(m, cb, arg);
	m = reply(KVS_CMD_POLICY_DROP);
	nla_put_u32(m, KVS_ATTR_SWITCH_IFINDEX, 5);
	/* a device gone before the event was read */
	nla_put_u32(m, KVS_ATTR_PORT_IFINDEX, 99);
	nla_put_u32(m, KVS_ATTR_NET_ID, 100);
	nla_put(m, KVS_ATTR_MAC, 6, mac);
	nla_put_u32(m, KVS_ATTR_DROP_REASON, KVS_DROP_MAC_LIMIT);
	deliver(m, cb, arg);
	if (lost)
		lost(arg);
	m = reply(KVS_CMD_FDB_DEL);
	nla_put_string(m, KVS_ATTR_SWITCH_NAME, "sw0");
	nla_put_u32(m, KVS_ATTR_NET_ID, 100);
	nla_put(m, KVS_ATTR_MAC, 6, mac);
	nla_put_string(m, KVS_ATTR_PORT_NAME, "veth1");
	deliver(m, cb, arg);
	m = reply(KVS_CMD_PORT_DEL);
	nla_put_string(m, KVS_ATTR_PORT_NAME, "veth1");
	/* no SWITCH_NAME: the CLI must cope with the ifindex only */
	nla_put_u32(m, KVS_ATTR_SWITCH_IFINDEX, 1);
	deliver(m, cb, arg);
	m = reply(KVS_CMD_NET_DEL);
	nla_put_string(m, KVS_ATTR_SWITCH_NAME, "sw0");
	nla_put_u32(m, KVS_ATTR_NET_ID, 100);
	deliver(m, cb, arg);
	m = reply(KVS_CMD_SWITCH_DEL);
	nla_put_string(m, KVS_ATTR_SWITCH_NAME, "sw0");
	deliver(m, cb, arg);
	/* the settings of a switch, a network that is a highway */
	m = reply(KVS_CMD_SWITCH_SET);
	nla_put_string(m, KVS_ATTR_SWITCH_NAME, "sw1");
	nla_put_u32(m, KVS_ATTR_SWITCH_IFINDEX, 6);
	nla_put_u32(m, KVS_ATTR_AGEING_TIME, 60);
	nla_put_u32(m, KVS_ATTR_SWITCH_BATCH, 64);
	deliver(m, cb, arg);
	m = reply(KVS_CMD_NET_NEW);
	nla_put_string(m, KVS_ATTR_SWITCH_NAME, "sw1");
	nla_put_u32(m, KVS_ATTR_NET_ID, 200);
	nla_put_u32(m, KVS_ATTR_NET_MAX_MACS, KVS_NET_MAX_MACS_DEFAULT);
	nla_put_u8(m, KVS_ATTR_NET_HIGHWAY, 1);
	deliver(m, cb, arg);
	m = reply(KVS_CMD_NET_DEL);
	nla_put_string(m, KVS_ATTR_SWITCH_NAME, "sw1");
	nla_put_u32(m, KVS_ATTR_NET_ID, 200);
	nla_put_u8(m, KVS_ATTR_NET_HIGHWAY, 0);
	deliver(m, cb, arg);
	return fail(k, ECONNRESET, "fake monitor done");
}
