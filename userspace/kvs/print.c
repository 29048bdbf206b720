// SPDX-License-Identifier: GPL-2.0
/*
 * Output: text lines or JSON (json-c), and the counters every object shares.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "kvs.h"

/* counters_print() and counters_json() walk the drop reasons into v[] */
_Static_assert(KVS_STATS_DROP(KVS_DROP_MAX) == KVS_STATS_MAX,
	       "struct kvs_counters must hold every drop counter");

static int json_flags(const struct kvs *ctx)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE;

	if (ctx->pretty)
		flags |= JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED;
	else
		flags |= JSON_C_TO_STRING_PLAIN;
	return flags;
}

void out_begin(struct kvs *ctx)
{
	if (ctx->json)
		ctx->jarr = json_object_new_array();
}

void out_end(struct kvs *ctx)
{
	if (!ctx->json || !ctx->jarr)
		return;
	puts(json_object_to_json_string_ext(ctx->jarr, json_flags(ctx)));
	json_object_put(ctx->jarr);
	ctx->jarr = NULL;
}

void out_end_or_abort(struct kvs *ctx, int ret)
{
	if (!ret) {
		out_end(ctx);
		return;
	}
	if (ctx->jarr)
		json_object_put(ctx->jarr);
	ctx->jarr = NULL;
}

json_object *out_obj(struct kvs *ctx)
{
	json_object *o = json_object_new_object();

	if (ctx->streaming) {
		/* written out by kvs_show_stream() after the callback */
		if (ctx->jcur)
			json_object_put(ctx->jcur);
		ctx->jcur = o;
		return o;
	}
	json_object_array_add(ctx->jarr, o);
	return o;
}

void out_json_line(struct kvs *ctx, json_object *obj)
{
	(void)ctx;
	puts(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
					    JSON_C_TO_STRING_NOSLASHESCAPE));
}

void jadd_str(json_object *o, const char *key, const char *val)
{
	json_object_object_add(o, key, json_object_new_string(val));
}

void jadd_u64(json_object *o, const char *key, uint64_t val)
{
	json_object_object_add(o, key, json_object_new_uint64(val));
}

void jadd_bool(json_object *o, const char *key, bool val)
{
	json_object_object_add(o, key, json_object_new_boolean(val));
}

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

void counters_print(const struct kvs_counters *c)
{
	int r;

	printf("    RX: packets %" PRIu64 " bytes %" PRIu64 "\n",
	       c->v[KVS_STATS_RX_PACKETS], c->v[KVS_STATS_RX_BYTES]);
	printf("    TX: packets %" PRIu64 " bytes %" PRIu64 "\n",
	       c->v[KVS_STATS_TX_PACKETS], c->v[KVS_STATS_TX_BYTES]);
	printf("    drops:");
	for (r = 0; r <= KVS_DROP_MAX; r++)
		printf(" %s %" PRIu64, drop_reason_name(r),
		       c->v[KVS_STATS_DROP(r)]);
	printf("\n");
}

void counters_json(json_object *o, const struct kvs_counters *c)
{
	json_object *drops = json_object_new_object();
	int r;

	jadd_u64(o, "rx_packets", c->v[KVS_STATS_RX_PACKETS]);
	jadd_u64(o, "rx_bytes", c->v[KVS_STATS_RX_BYTES]);
	jadd_u64(o, "tx_packets", c->v[KVS_STATS_TX_PACKETS]);
	jadd_u64(o, "tx_bytes", c->v[KVS_STATS_TX_BYTES]);
	for (r = 0; r <= KVS_DROP_MAX; r++)
		jadd_u64(drops, drop_reason_key(r), c->v[KVS_STATS_DROP(r)]);
	json_object_object_add(o, "drops", drops);
}
