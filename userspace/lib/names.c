// SPDX-License-Identifier: GPL-2.0
/*
 * Names of the kvs ABI values. Each table is built from a list that also
 * counts its entries: with the count equal to the uapi enum's size and no
 * index given twice (-Woverride-init, in -Wextra), every value has its
 * name, so a value added to uapi/linux/kvs.h without one fails the build.
 */
#include <stddef.h>

#include "names.h"
#include "../../uapi/linux/kvs.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define COUNT_ONE(...) + 1

/* X(reason, text, JSON key) */
#define DROP_REASONS(X)						\
	X(KVS_DROP_NO_ROUTE,	"no-route",	"no_route")	\
	X(KVS_DROP_ISOLATION,	"isolation",	"isolation")	\
	X(KVS_DROP_SPOOFED_SRC,	"spoofed-src",	"spoofed_src")	\
	X(KVS_DROP_MAC_LIMIT,	"mac-limit",	"mac_limit")	\
	X(KVS_DROP_STORM_LIMIT,	"storm-limit",	"storm_limit")	\
	X(KVS_DROP_BAD_ENCAP,	"bad-encap",	"bad_encap")	\
	X(KVS_DROP_UNKNOWN_VNI,	"unknown-vni",	"unknown_vni")	\
	X(KVS_DROP_MTU,		"mtu",		"mtu")		\
	X(KVS_DROP_NO_MEMORY,	"no-memory",	"no_memory")	\
	X(KVS_DROP_MALFORMED,	"malformed",	"malformed")	\
	X(KVS_DROP_LINK_LOCAL,	"link-local",	"link_local")	\
	X(KVS_DROP_BACKLOG,	"backlog",	"backlog")	\
	X(KVS_DROP_UNKNOWN_VTEP, "unknown-vtep", "unknown_vtep")

#define DROP_ENTRY(r, text, key) [r] = { text, key },

static const struct {
	const char *name;	/* text */
	const char *key;	/* JSON */
} drop_reasons[] = {
	DROP_REASONS(DROP_ENTRY)
};

_Static_assert(0 DROP_REASONS(COUNT_ONE) == __KVS_DROP_MAX,
	       "DROP_REASONS must name every enum kvs_drop_reason value");
_Static_assert(ARRAY_SIZE(drop_reasons) == __KVS_DROP_MAX,
	       "drop_reasons[] must name every enum kvs_drop_reason value");
_Static_assert(KVS_STATS_DROP(KVS_DROP_MAX) == KVS_STATS_MAX,
	       "every drop reason needs its KVS_STATS_DROP_* counter");

const char *drop_reason_name(uint32_t reason)
{
	return reason < ARRAY_SIZE(drop_reasons) ?
	       drop_reasons[reason].name : NULL;
}

const char *drop_reason_key(uint32_t reason)
{
	return reason < ARRAY_SIZE(drop_reasons) ?
	       drop_reasons[reason].key : NULL;
}

/* Every enum kvs_attr value but KVS_ATTR_UNSPEC */
#define ATTRS(X)			\
	X(KVS_ATTR_PAD)			\
	X(KVS_ATTR_SWITCH_IFINDEX)	\
	X(KVS_ATTR_SWITCH_NAME)		\
	X(KVS_ATTR_AGEING_TIME)		\
	X(KVS_ATTR_NET_ID)		\
	X(KVS_ATTR_NET_LABEL)		\
	X(KVS_ATTR_NET_PORTS)		\
	X(KVS_ATTR_PORT_IFINDEX)	\
	X(KVS_ATTR_PORT_NAME)		\
	X(KVS_ATTR_PORT_TYPE)		\
	X(KVS_ATTR_PORT_MACS)		\
	X(KVS_ATTR_PORT_LEARNING)	\
	X(KVS_ATTR_PORT_MAX_MACS)	\
	X(KVS_ATTR_PORT_BUM_LIMIT)	\
	X(KVS_ATTR_PORT_LEARNED)	\
	X(KVS_ATTR_PORT_FABRIC)		\
	X(KVS_ATTR_MAC)			\
	X(KVS_ATTR_FDB_FLAGS)		\
	X(KVS_ATTR_FDB_AGE)		\
	X(KVS_ATTR_FDB_REMOTE_IP4)	\
	X(KVS_ATTR_FDB_REMOTE_IP6)	\
	X(KVS_ATTR_STATS)		\
	X(KVS_ATTR_DROP_REASON)		\
	X(KVS_ATTR_NET_MAX_MACS)	\
	X(KVS_ATTR_NET_LEARNED)		\
	X(KVS_ATTR_PORT_GROUP_FWD_MASK)	\
	X(KVS_ATTR_SWITCH_BATCH)	\
	X(KVS_ATTR_NET_HIGHWAY)		\
	X(KVS_ATTR_PORT_PEERS)		\
	X(KVS_ATTR_FDB_ORIGIN)

#define ATTR_ENTRY(x) [x] = #x,

static const char *const attr_names[] = {
	ATTRS(ATTR_ENTRY)
};

_Static_assert(1 ATTRS(COUNT_ONE) == __KVS_ATTR_MAX,
	       "ATTRS must name every enum kvs_attr value");
_Static_assert(ARRAY_SIZE(attr_names) == __KVS_ATTR_MAX,
	       "attr_names[] must name every enum kvs_attr value");

const char *kvs_attr_name(int type)
{
	if (type <= 0 || (size_t)type >= ARRAY_SIZE(attr_names))
		return NULL;
	return attr_names[type];
}

int names_check(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(drop_reasons); i++)
		if (!drop_reasons[i].name || !drop_reasons[i].key)
			return -1;
	for (i = 1; i < ARRAY_SIZE(attr_names); i++)
		if (!attr_names[i])
			return -1;
	return 0;
}
