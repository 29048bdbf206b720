// SPDX-License-Identifier: GPL-2.0
#include <stddef.h>

#include "names.h"
#include "../../uapi/linux/kvs.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
	const char *name;	/* text */
	const char *key;	/* JSON */
} drop_reasons[] = {
	[KVS_DROP_NO_ROUTE]	= { "no-route",    "no_route" },
	[KVS_DROP_ISOLATION]	= { "isolation",   "isolation" },
	[KVS_DROP_SPOOFED_SRC]	= { "spoofed-src", "spoofed_src" },
	[KVS_DROP_MAC_LIMIT]	= { "mac-limit",   "mac_limit" },
	[KVS_DROP_STORM_LIMIT]	= { "storm-limit", "storm_limit" },
	[KVS_DROP_BAD_ENCAP]	= { "bad-encap",   "bad_encap" },
	[KVS_DROP_UNKNOWN_VNI]	= { "unknown-vni", "unknown_vni" },
	[KVS_DROP_MTU]		= { "mtu",         "mtu" },
	[KVS_DROP_NO_MEMORY]	= { "no-memory",   "no_memory" },
	[KVS_DROP_MALFORMED]	= { "malformed",   "malformed" },
};

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

#define N(x) [x] = #x
static const char *const attr_names[] = {
	N(KVS_ATTR_PAD),
	N(KVS_ATTR_SWITCH_IFINDEX),
	N(KVS_ATTR_SWITCH_NAME),
	N(KVS_ATTR_AGEING_TIME),
	N(KVS_ATTR_NET_ID),
	N(KVS_ATTR_NET_LABEL),
	N(KVS_ATTR_NET_PORTS),
	N(KVS_ATTR_PORT_IFINDEX),
	N(KVS_ATTR_PORT_NAME),
	N(KVS_ATTR_PORT_TYPE),
	N(KVS_ATTR_PORT_MACS),
	N(KVS_ATTR_PORT_LEARNING),
	N(KVS_ATTR_PORT_MAX_MACS),
	N(KVS_ATTR_PORT_BUM_LIMIT),
	N(KVS_ATTR_PORT_LEARNED),
	N(KVS_ATTR_PORT_FABRIC),
	N(KVS_ATTR_MAC),
	N(KVS_ATTR_FDB_FLAGS),
	N(KVS_ATTR_FDB_AGE),
	N(KVS_ATTR_FDB_REMOTE_IP4),
	N(KVS_ATTR_FDB_REMOTE_IP6),
	N(KVS_ATTR_STATS),
	N(KVS_ATTR_DROP_REASON),
};
#undef N

const char *kvs_attr_name(int type)
{
	if (type <= 0 || (size_t)type >= ARRAY_SIZE(attr_names))
		return NULL;
	return attr_names[type];
}
