// SPDX-License-Identifier: GPL-2.0
/*
 * Argument checks shared by the commands. Each failure prints one line
 * naming the offending argument, as a usage error (kvs_usage(): exit
 * status 255, nothing sent). The kernel checks everything again: these
 * only catch what is plainly malformed, to say so more precisely.
 */
#include <net/if.h>
#include <string.h>

#include "kvs.h"

int arg_value(struct kvs *ctx, struct args *a, const char *kw,
	      const char **val)
{
	if (*val)
		return arg_twice(ctx, kw);
	if (!args_more(a))
		return kvs_usage(ctx, "missing value after \"%s\"", kw);
	*val = args_next(a);
	return 0;
}

int arg_unknown(struct kvs *ctx, const struct args *a, const char *arg)
{
	return kvs_usage(ctx, "unknown argument \"%s\" for \"%s\"", arg, a->what);
}

int arg_missing(struct kvs *ctx, const char *what)
{
	return kvs_usage(ctx, "missing \"%s\"", what);
}

int arg_twice(struct kvs *ctx, const char *kw)
{
	return kvs_usage(ctx, "\"%s\" given twice", kw);
}

int arg_ifname(struct kvs *ctx, const char *kw, const char *s)
{
	if (!*s)
		return kvs_usage(ctx, "\"%s\" expects a device name, got \"\"",
				 kw);
	if (strlen(s) >= IFNAMSIZ)
		return kvs_usage(ctx, "device name \"%s\" is too long (at most %d characters)",
				 s, IFNAMSIZ - 1);
	return 0;
}

int arg_net_id(struct kvs *ctx, const char *kw, const char *s, uint32_t *id)
{
	if (!parse_u32(s, KVS_NET_ID_MIN, KVS_NET_ID_MAX, id))
		return kvs_usage(ctx, "\"%s\" expects a network id %u..%u, got \"%s\"",
				 kw, KVS_NET_ID_MIN, KVS_NET_ID_MAX, s);
	return 0;
}

int arg_u32(struct kvs *ctx, const char *kw, const char *s, uint32_t max,
	    uint32_t *val)
{
	return arg_u32_range(ctx, kw, s, 0, max, val);
}

int arg_u32_range(struct kvs *ctx, const char *kw, const char *s,
		  uint32_t min, uint32_t max, uint32_t *val)
{
	if (!parse_u32(s, min, max, val))
		return kvs_usage(ctx, "\"%s\" expects a number %u..%u, got \"%s\"",
				 kw, min, max, s);
	return 0;
}

int arg_mac(struct kvs *ctx, const char *s, uint8_t mac[MAC_LEN])
{
	if (!parse_mac(s, mac))
		return kvs_usage(ctx, "invalid MAC address \"%s\"", s);
	return 0;
}

int arg_addr(struct kvs *ctx, const char *kw, const char *s,
	     struct kvs_addr *addr)
{
	if (!parse_addr(s, addr))
		return kvs_usage(ctx, "\"%s\" expects an IPv4 or IPv6 address, got \"%s\"",
				 kw, s);
	return 0;
}

int arg_onoff(struct kvs *ctx, const char *kw, const char *s, bool *on)
{
	if (!strcmp(s, "on")) {
		*on = true;
		return 0;
	}
	if (!strcmp(s, "off")) {
		*on = false;
		return 0;
	}
	return kvs_usage(ctx, "\"%s\" expects \"on\" or \"off\", got \"%s\"",
			 kw, s);
}
