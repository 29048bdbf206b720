/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small parsers and formatters shared by the kvs tools.
 */
#ifndef KVS_UTIL_H
#define KVS_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

#define MAC_LEN		6
#define MAC_STRLEN	18	/* "xx:xx:xx:xx:xx:xx" and NUL */
#define ADDR_STRLEN	46	/* INET6_ADDRSTRLEN */

struct kvs_addr {
	int family;		/* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	};
};

/* "02:00:00:00:00:01" (one or two hex digits a byte); false if invalid */
bool parse_mac(const char *s, uint8_t mac[MAC_LEN]);
char *format_mac(const uint8_t mac[MAC_LEN], char buf[MAC_STRLEN]);

/* An IPv4 or IPv6 address; false if neither */
bool parse_addr(const char *s, struct kvs_addr *addr);
const char *format_addr(int family, const void *raw, char buf[ADDR_STRLEN]);

/* Plain decimal, no sign, no spaces, within min..max; false otherwise */
bool parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *val);
/* Decimal, or hexadecimal after "0x", within 0..max; false otherwise */
bool parse_u32_hex(const char *s, uint32_t max, uint32_t *val);

/* Split @line in place into at most @max words, as kvs -b does: blanks
 * separate, '...' and "..." quote, a backslash escapes, a word starting
 * with # starts a comment. The word count, -1 on an unterminated quote,
 * -2 past @max words.
 */
int split_words(char *line, char **argv, int max);

/* Milliseconds of CLOCK_MONOTONIC, for deadlines */
long long mono_ms(void);

#endif /* KVS_UTIL_H */
