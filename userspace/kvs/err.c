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

/* Report an error of kind @status (enum kvs_status) */
static __attribute__((format(printf, 3, 0)))
int kvs_verr(struct kvs *ctx, int status, const char *fmt, va_list ap)
{
	ctx->status = status;
	if (ctx->errbuf) {
		vsnprintf(ctx->errbuf, ctx->errsize, fmt, ap);
		return -1;
	}
	fflush(stdout);
	fputs("Error: ", stderr);
	if (ctx->lineno)
		fprintf(stderr, "line %lu: ", ctx->lineno);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	return -1;
}

int kvs_err(struct kvs *ctx, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = kvs_verr(ctx, KVS_EXIT_FAIL, fmt, ap);
	va_end(ap);
	return ret;
}

int kvs_usage(struct kvs *ctx, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = kvs_verr(ctx, KVS_EXIT_USAGE, fmt, ap);
	va_end(ap);
	return ret;
}

int kvs_nl_err(struct kvs *ctx)
{
	const struct knl *k = &ctx->nl;
	int err = k->err ? k->err : EIO;

	if (k->msg[0])
		kvs_err(ctx, "%s", k->msg);
	else if (k->miss_type > 0 && k->miss_nest < 0 &&
		 kvs_attr_name(k->miss_type))
		kvs_err(ctx, "%s (the kernel expects attribute %s)",
			strerror(err), kvs_attr_name(k->miss_type));
	else
		kvs_err(ctx, "%s", strerror(err));
	/* the socket's or a callback's failure stays KVS_EXIT_FAIL */
	if (k->refused)
		ctx->status = KVS_EXIT_KERNEL;
	return -1;
}
