// SPDX-License-Identifier: GPL-2.0
/*
 * Who may attach what through the RPC (Documentation/kvsd.md, "Threat
 * model"):
 *  - the configuration's "rpc allow" lines bound what may be attached:
 *    switch, range of networks, kinds of device and device names; without
 *    any such line only root may attach, and only veth and tap devices;
 *  - the device itself must look like a VM's or a container's end: of an
 *    allowed kind (veth and tap unless a rule names others: a physical
 *    NIC, a bridge or a bond only where the configuration says so), with
 *    no master but the switch it is already a port of, and no address but
 *    an IPv6 link-local one;
 *  - the caller's groups are the peer's own (SO_PEERGROUPS: the groups of
 *    the process that connected), never looked up in the user database.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fnmatch.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <netinet/in.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include "kvsd.h"

static const char *const kind_names[DK_KINDS] = {
	[DK_VETH] = "veth", [DK_TAP] = "tap", [DK_MACVLAN] = "macvlan",
	[DK_MACVTAP] = "macvtap", [DK_VLAN] = "vlan", [DK_DUMMY] = "dummy",
	[DK_BRIDGE] = "bridge", [DK_BOND] = "bond", [DK_TEAM] = "team",
	[DK_VXLAN] = "vxlan", [DK_PHYSICAL] = "physical", [DK_OTHER] = "other",
};

/* ---- the rules ---- */

static int parse_kinds(const char *s, unsigned int *out, char *err,
		       size_t size)
{
	char buf[256], *tok, *save = NULL;
	int k;

	snprintf(buf, sizeof(buf), "%s", s);
	*out = 0;
	for (tok = strtok_r(buf, ",|", &save); tok;
	     tok = strtok_r(NULL, ",|", &save)) {
		for (k = 0; k < DK_KINDS; k++)
			if (!strcmp(tok, kind_names[k]))
				break;
		if (k == DK_KINDS) {
			snprintf(err, size, "rpc allow: unknown dev-kind \"%.32s\" (veth, tap, macvlan, macvtap, vlan, dummy, bridge, bond, team, vxlan, physical, other)",
				 tok);
			return -1;
		}
		*out |= 1u << k;
	}
	if (!*out) {
		snprintf(err, size, "rpc allow: dev-kind needs at least one kind");
		return -1;
	}
	return 0;
}

static int parse_names(struct rpc_rule *r, const char *s, char *err,
		       size_t size)
{
	char buf[512], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ",|", &save); tok;
	     tok = strtok_r(NULL, ",|", &save)) {
		if (r->nnames == RULE_NAMES || strlen(tok) >= sizeof(r->names[0]) ||
		    strchr(tok, '/')) {
			snprintf(err, size, "rpc allow: at most %d names of at most %zu characters, without '/'",
				 RULE_NAMES, sizeof(r->names[0]) - 1);
			return -1;
		}
		strcpy(r->names[r->nnames++], tok);
	}
	if (!r->nnames) {
		snprintf(err, size, "rpc allow: name needs at least one pattern");
		return -1;
	}
	return 0;
}

int rule_parse(struct rpc_rule *r, int argc, char **argv, char *err,
	       size_t size)
{
	bool have_net = false;
	int i;

	memset(r, 0, sizeof(*r));
	r->kinds = DK_DEFAULT;
	if (argc < 2 || strcmp(argv[0], "rpc") || strcmp(argv[1], "allow")) {
		snprintf(err, size, "expected \"rpc allow ...\"");
		return -1;
	}
	for (i = 2; i < argc; i += 2) {
		const char *kw = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v) {
			snprintf(err, size, "rpc allow: \"%.32s\" needs a value", kw);
			return -1;
		}
		if (!strcmp(kw, "switch")) {
			if (strlen(v) >= IFNAMSIZ) {
				snprintf(err, size, "rpc allow: \"%.32s\" is not a switch name", v);
				return -1;
			}
			strcpy(r->sw, v);
		} else if (!strcmp(kw, "net")) {
			const char *dash = strchr(v, '-');
			char lo[16];

			snprintf(lo, sizeof(lo), "%.*s",
				 dash ? (int)(dash - v) : (int)strlen(v), v);
			if (!parse_u32(lo, KVS_NET_ID_MIN, KVS_NET_ID_MAX,
				       &r->net_min) ||
			    !parse_u32(dash ? dash + 1 : lo, KVS_NET_ID_MIN,
				       KVS_NET_ID_MAX, &r->net_max) ||
			    r->net_max < r->net_min) {
				snprintf(err, size, "rpc allow: net expects ID or FIRST-LAST within %u..%u, got \"%.32s\"",
					 KVS_NET_ID_MIN, KVS_NET_ID_MAX, v);
				return -1;
			}
			have_net = true;
		} else if (!strcmp(kw, "dev-kind")) {
			if (parse_kinds(v, &r->kinds, err, size))
				return -1;
		} else if (!strcmp(kw, "name")) {
			if (parse_names(r, v, err, size))
				return -1;
		} else {
			snprintf(err, size, "rpc allow: unknown keyword \"%.32s\" (switch, net, dev-kind, name)",
				 kw);
			return -1;
		}
	}
	if (!r->sw[0] || !have_net) {
		snprintf(err, size, "rpc allow: \"switch\" and \"net\" are required");
		return -1;
	}
	return 0;
}

static bool rule_matches(const struct rpc_rule *r, const struct rport *p)
{
	unsigned int i;

	if (strcmp(r->sw, p->sw) || p->net < r->net_min || p->net > r->net_max)
		return false;
	if (!r->nnames)
		return true;
	for (i = 0; i < r->nnames; i++)
		if (!fnmatch(r->names[i], p->dev, 0))
			return true;
	return false;
}

/* ---- the device ---- */

struct devinfo {
	bool found;
	int ifindex, master;
	char kind[32];
	uint8_t tun_type;
	bool parent;		/* a bus device (a NIC) */
	bool loopback;
};

static int link_cb(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[IFLA_MAX + 1], *li[IFLA_INFO_MAX + 1];
	struct devinfo *di = arg;
	struct ifinfomsg *ifi;

	if (nlh->nlmsg_type != RTM_NEWLINK ||
	    nlmsg_parse(nlh, sizeof(*ifi), tb, IFLA_MAX, NULL))
		return NL_OK;
	ifi = nlmsg_data(nlh);
	di->found = true;
	di->ifindex = ifi->ifi_index;
	di->loopback = ifi->ifi_flags & IFF_LOOPBACK;
	if (tb[IFLA_MASTER])
		di->master = nla_get_u32(tb[IFLA_MASTER]);
	di->parent = tb[IFLA_PARENT_DEV_NAME] != NULL;
	if (tb[IFLA_LINKINFO] &&
	    !nla_parse_nested(li, IFLA_INFO_MAX, tb[IFLA_LINKINFO], NULL) &&
	    li[IFLA_INFO_KIND]) {
		snprintf(di->kind, sizeof(di->kind), "%s",
			 nla_get_string(li[IFLA_INFO_KIND]));
		if (!strcmp(di->kind, "tun") && li[IFLA_INFO_DATA]) {
			struct nlattr *td[IFLA_TUN_MAX + 1];

			if (!nla_parse_nested(td, IFLA_TUN_MAX,
					      li[IFLA_INFO_DATA], NULL) &&
			    td[IFLA_TUN_TYPE])
				di->tun_type = nla_get_u8(td[IFLA_TUN_TYPE]);
		}
	}
	return NL_OK;
}

/* RTM_GETLINK of @dev: 0 (di->found false if there is no such device),
 * or -1
 */
static int dev_info(const char *dev, struct devinfo *di)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct nl_sock *sk = nl_socket_alloc();
	struct nl_msg *msg = NULL;
	int ret = -1;

	memset(di, 0, sizeof(*di));
	if (!sk || nl_connect(sk, NETLINK_ROUTE))
		goto out;
	msg = nlmsg_alloc_simple(RTM_GETLINK, NLM_F_REQUEST);
	if (!msg || nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) ||
	    nla_put_string(msg, IFLA_IFNAME, dev) ||
	    nla_put_u32(msg, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS))
		goto out;
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, link_cb, di);
	if (nl_send_auto(sk, msg) < 0)
		goto out;
	ret = nl_recvmsgs_default(sk);
	/* no such device: an error answer, not a failure of ours */
	ret = (ret < 0 && ret != -NLE_NODEV && ret != -NLE_OBJ_NOTFOUND) ? -1 : 0;
out:
	nlmsg_free(msg);
	nl_socket_free(sk);
	return ret;
}

static enum dev_kind kind_of(const struct devinfo *di)
{
	static const struct { const char *name; enum dev_kind k; } map[] = {
		{ "veth", DK_VETH }, { "macvlan", DK_MACVLAN },
		{ "macvtap", DK_MACVTAP }, { "vlan", DK_VLAN },
		{ "dummy", DK_DUMMY }, { "bridge", DK_BRIDGE },
		{ "bond", DK_BOND }, { "team", DK_TEAM },
		{ "vxlan", DK_VXLAN },
	};
	size_t i;

	if (!strcmp(di->kind, "tun"))
		return di->tun_type == IFF_TAP ? DK_TAP : DK_OTHER;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(di->kind, map[i].name))
			return map[i].k;
	if (!di->kind[0] && di->parent && !di->loopback)
		return DK_PHYSICAL;
	return DK_OTHER;
}

/* The first address of @dev that is not IPv6 link-local, into @buf */
static bool has_address(const char *dev, char buf[ADDR_STRLEN])
{
	struct ifaddrs *ifa, *i;
	bool found = false;

	if (getifaddrs(&ifa))
		return false;
	for (i = ifa; i && !found; i = i->ifa_next) {
		if (!i->ifa_addr || strcmp(i->ifa_name, dev))
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			format_addr(AF_INET,
				    &((struct sockaddr_in *)i->ifa_addr)->sin_addr,
				    buf);
			found = true;
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			struct in6_addr *a =
				&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;

			if (IN6_IS_ADDR_LINKLOCAL(a))
				continue;
			format_addr(AF_INET6, a, buf);
			found = true;
		}
	}
	freeifaddrs(ifa);
	return found;
}

int auth_attach(struct kvsd *d, uid_t uid, const struct rport *p,
		bool ours, char *err, size_t size)
{
	const struct rpc_rule *rule = NULL;
	char addr[ADDR_STRLEN];
	struct devinfo di;
	enum dev_kind k;
	unsigned int kinds = DK_DEFAULT;
	size_t i;

	for (i = 0; i < d->desired.nrules && !rule; i++)
		if (rule_matches(&d->desired.rules[i], p))
			rule = &d->desired.rules[i];
	if (rule) {
		kinds = rule->kinds;
	} else if (d->desired.nrules || uid != 0) {
		snprintf(err, size, "permission denied: no \"rpc allow\" line of %s allows %s on switch %s net %u%s",
			 d->config, p->dev, p->sw, p->net,
			 d->desired.nrules ? "" : " (without one, only root may attach)");
		return -1;
	}

	if (dev_info(p->dev, &di)) {
		snprintf(err, size, "cannot read the netdev %s: %s", p->dev,
			 strerror(errno));
		return -1;
	}
	if (!di.found)
		return 0;	/* checked when it appears (reconcile) */
	k = kind_of(&di);
	if (!(kinds & (1u << k))) {
		snprintf(err, size, "permission denied: %s is a device of kind %s; %s",
			 p->dev, kind_names[k],
			 rule ? "its \"rpc allow\" line does not list that dev-kind" :
			 "only veth and tap devices may be attached unless an \"rpc allow\" line names the kind");
		return -1;
	}
	if (di.master && !ours) {
		char m[IFNAMSIZ] = "?";

		if_indextoname(di.master, m);
		snprintf(err, size, "permission denied: %s has a master (%s)",
			 p->dev, m);
		return -1;
	}
	if (has_address(p->dev, addr)) {
		snprintf(err, size, "permission denied: %s has an address (%s): it belongs to the host",
			 p->dev, addr);
		return -1;
	}
	return 0;
}

/* ---- the caller ---- */

bool peer_in_group(int fd, pid_t pid, gid_t gid)
{
	gid_t small[64], *groups = small;
	socklen_t len = sizeof(small);
	bool found = false;
	size_t i, n;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len)) {
		if (errno == ERANGE) {
			groups = malloc(len);
			if (!groups ||
			    getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups,
				       &len)) {
				free(groups);
				return false;
			}
		} else {
			char path[64], line[4096];
			FILE *f;

			/* a kernel without SO_PEERGROUPS (before 4.13) */
			snprintf(path, sizeof(path), "/proc/%d/status", pid);
			f = fopen(path, "r");
			while (f && fgets(line, sizeof(line), f)) {
				char *s, *end;

				if (strncmp(line, "Groups:", 7))
					continue;
				for (s = line + 7;; s = end) {
					unsigned long g = strtoul(s, &end, 10);

					if (end == s)
						break;
					if (g == gid)
						found = true;
				}
			}
			if (f)
				fclose(f);
			return found;
		}
	}
	n = len / sizeof(gid_t);
	for (i = 0; i < n; i++)
		if (groups[i] == gid)
			found = true;
	if (groups != small)
		free(groups);
	return found;
}

void peer_cgroup(pid_t pid, char *out, size_t size)
{
	char path[64], line[512];
	FILE *f;

	out[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	f = fopen(path, "r");
	if (!f)
		return;
	/* cgroup v2: "0::/PATH" */
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::", 3)) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(out, size, "%s", line + 3);
			break;
		}
	fclose(f);
}
