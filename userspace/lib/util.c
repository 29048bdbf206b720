// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool parse_mac(const char *s, uint8_t mac[MAC_LEN])
{
	int i;

	for (i = 0; i < MAC_LEN; i++) {
		int hi = hexval(*s), lo;

		if (hi < 0)
			return false;
		s++;
		lo = hexval(*s);
		if (lo >= 0) {
			mac[i] = hi << 4 | lo;
			s++;
		} else {
			mac[i] = hi;
		}
		if (i < MAC_LEN - 1) {
			if (*s != ':')
				return false;
			s++;
		}
	}
	return *s == '\0';
}

char *format_mac(const uint8_t mac[MAC_LEN], char buf[MAC_STRLEN])
{
	snprintf(buf, MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return buf;
}

bool parse_addr(const char *s, struct kvs_addr *addr)
{
	memset(addr, 0, sizeof(*addr));
	if (inet_pton(AF_INET, s, &addr->v4) == 1) {
		addr->family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, s, &addr->v6) == 1) {
		addr->family = AF_INET6;
		return true;
	}
	return false;
}

const char *format_addr(int family, const void *raw, char buf[ADDR_STRLEN])
{
	if (!inet_ntop(family, raw, buf, ADDR_STRLEN))
		snprintf(buf, ADDR_STRLEN, "?");
	return buf;
}

bool parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *val)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*val = v;
	return true;
}

bool parse_u32_hex(const char *s, uint32_t max, uint32_t *val)
{
	unsigned long long v;
	int base = 10;
	char *end;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		base = 16;
		if (hexval(*s) < 0)
			return false;
	} else if (*s < '0' || *s > '9') {
		return false;
	}
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end || v > max)
		return false;
	*val = v;
	return true;
}

/* Split @line in place into words: blanks separate, '...' and "..."
 * quote, a backslash escapes the next character (not within '...'),
 * a # at the start of a word begins a comment. Returns the word count,
 * -1 on an unterminated quote, -2 past @max words.
 */
int split_words(char *line, char **argv, int max)
{
	char *r = line, *w = line;
	int argc = 0;

	for (;;) {
		char quote = 0;

		while (*r == ' ' || *r == '\t' || *r == '\r' || *r == '\n')
			r++;
		if (!*r || *r == '#')
			return argc;
		if (argc == max)
			return -2;
		argv[argc++] = w;
		while (*r) {
			if (quote) {
				if (*r == quote) {
					quote = 0;
					r++;
				} else if (*r == '\\' && quote == '"' && r[1]) {
					*w++ = r[1];
					r += 2;
				} else {
					*w++ = *r++;
				}
			} else if (*r == '\'' || *r == '"') {
				quote = *r++;
			} else if (*r == '\\' && r[1]) {
				*w++ = r[1];
				r += 2;
			} else if (*r == ' ' || *r == '\t' || *r == '\r' ||
				   *r == '\n') {
				break;
			} else {
				*w++ = *r++;
			}
		}
		if (quote)
			return -1;
		if (*r)
			r++;
		*w++ = '\0';
	}
}

long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}
