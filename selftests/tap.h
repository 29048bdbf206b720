/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TAP lines for the selftests' C helpers, kselftest style: "ok N - desc",
 * "not ok N - desc", "ok N - desc # SKIP why"; the counts for the plan and
 * the totals the program prints at the end.
 */
#ifndef KVS_SELFTESTS_TAP_H
#define KVS_SELFTESTS_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

static int tests_run, tests_failed, tests_skipped;

static inline void __attribute__((format(printf, 2, 3)))
tap(bool ok, const char *fmt, ...)
{
	va_list ap;

	tests_run++;
	if (!ok)
		tests_failed++;
	printf("%s %d - ", ok ? "ok" : "not ok", tests_run);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static inline void tap_skip(const char *desc, const char *why)
{
	tests_run++;
	tests_skipped++;
	printf("ok %d - %s # SKIP %s\n", tests_run, desc, why);
}

#endif
