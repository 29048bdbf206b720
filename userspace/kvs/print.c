// SPDX-License-Identifier: GPL-2.0
/*
 * The counters every object shares, in text and JSON.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "kvs.h"

/* counters_print() walks the drop reasons into v[] */
_Static_assert(KVS_STATS_DROP(KVS_DROP_MAX) == KVS_STATS_MAX,
	       "struct kvs_counters must hold every drop counter");

void counters_parse(const struct nlattr *nest, struct kvs_counters *c)
{
	struct nlattr *nla;
	int rem;

	memset(c, 0, sizeof(*c));
	if (!nest)
		return;
	nla_for_each_nested(nla, nest, rem) {
		int type = nla_type(nla);

		if (type <= KVS_STATS_PAD || type > KVS_STATS_MAX)
			continue;
		if (nla_len(nla) >= 8)
			c->v[type] = nla_get_u64(nla);
		else if (nla_len(nla) >= 4)
			c->v[type] = nla_get_u32(nla);
	}
}

/* The name of drop reason @r: text form or JSON key; one made up for a
 * reason without a name (names.c makes sure there is none)
 */
static const char *reason_name(uint32_t r, bool key, char buf[32])
{
	const char *name = key ? drop_reason_key(r) : drop_reason_name(r);

	if (name)
		return name;
	snprintf(buf, 32, key ? "reason_%u" : "reason-%u", r);
	return buf;
}

void counters_print(const struct kvs_counters *c)
{
	static const char *const dir[] = { "bytes", "packets" };
	const char *names[KVS_DROP_MAX + 1];
	char bufs[KVS_DROP_MAX + 1][32];
	uint64_t v[KVS_DROP_MAX + 1];
	int r;

	open_json_object("stats64");
	open_json_object("rx");
	print_u64(PRINT_JSON, "bytes", NULL, c->v[KVS_STATS_RX_BYTES]);
	print_u64(PRINT_JSON, "packets", NULL, c->v[KVS_STATS_RX_PACKETS]);
	close_json_object();
	open_json_object("tx");
	print_u64(PRINT_JSON, "bytes", NULL, c->v[KVS_STATS_TX_BYTES]);
	print_u64(PRINT_JSON, "packets", NULL, c->v[KVS_STATS_TX_PACKETS]);
	close_json_object();
	open_json_object("drops");
	for (r = 0; r <= KVS_DROP_MAX; r++) {
		print_u64(PRINT_JSON, reason_name(r, true, bufs[r]), NULL,
			  c->v[KVS_STATS_DROP(r)]);
		names[r] = reason_name(r, false, bufs[r]);
		v[r] = c->v[KVS_STATS_DROP(r)];
	}
	close_json_object();
	close_json_object();

	if (out_json())
		return;
	print_counter_table("    ", "RX:", dir,
			    (const uint64_t[]){ c->v[KVS_STATS_RX_BYTES],
						c->v[KVS_STATS_RX_PACKETS] }, 2);
	print_counter_table("    ", "TX:", dir,
			    (const uint64_t[]){ c->v[KVS_STATS_TX_BYTES],
						c->v[KVS_STATS_TX_PACKETS] }, 2);
	print_counter_table("    ", "drops:", names, v, KVS_DROP_MAX + 1);
}
