/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Names of the kvs ABI values, as the tools print them.
 */
#ifndef KVS_NAMES_H
#define KVS_NAMES_H

#include <stdint.h>

/* "no-route" (text form) or "no_route" (JSON key) of a drop reason;
 * NULL if @reason is unknown
 */
const char *drop_reason_name(uint32_t reason);
const char *drop_reason_key(uint32_t reason);

/* "KVS_ATTR_NET_ID" style name of a top-level attribute, or NULL */
const char *kvs_attr_name(int type);

/* 0 if every drop reason and attribute has its names, else -1 (the build
 * already makes sure of it; the offline tests ask again)
 */
int names_check(void);

#endif /* KVS_NAMES_H */
