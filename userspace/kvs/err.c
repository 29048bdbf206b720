// SPDX-License-Identifier: GPL-2.0
/*
 * Errors and warnings of kvs commands, and the aliases every object
 * shares. Kept apart from main.c so that kvsd runs the same commands.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kvs.h"

const char *const show_aliases[] = { "list", "ls", NULL };
const char *const del_aliases[] = { "delete", NULL };

int kvs_err(struct kvs *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (ctx->errbuf) {
		vsnprintf(ctx->errbuf, ctx->errsize, fmt, ap);
		va_end(ap);
		return -1;
	}
	fflush(stdout);
	fputs("Error: ", stderr);
	if (ctx->lineno)
		fprintf(stderr, "line %lu: ", ctx->lineno);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

int kvs_nl_err(struct kvs *ctx)
{
	const struct knl *k = &ctx->nl;
	int err = k->err ? k->err : EIO;

	if (k->msg[0])
		return kvs_err(ctx, "%s", k->msg);
	if (k->miss_type > 0 && k->miss_nest < 0 && kvs_attr_name(k->miss_type))
		return kvs_err(ctx, "%s (the kernel expects attribute %s)",
			       strerror(err), kvs_attr_name(k->miss_type));
	return kvs_err(ctx, "%s", strerror(err));
}
