// SPDX-License-Identifier: GPL-2.0
/*
 * kvs: options, the object/command table, help and batch mode.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvs.h"

static const struct kvs_object *const objects[] = {
	&obj_switch,
	&obj_net,
	&obj_port,
	&obj_fdb,
	&obj_stats,
	&obj_monitor,
};

/* ---- help ---- */

/* The usage lines of @cmd: '\n' separates alternative forms, and a line
 * starting with a blank continues the previous form.
 */
static void usage_cmd(FILE *f, const char *indent, const char *first_lead,
		      const struct kvs_object *obj, const struct kvs_command *cmd,
		      bool *first)
{
	const char *u = cmd->usage;

	do {
		const char *nl = strchr(u, '\n');
		int len = nl ? (int)(nl - u) : (int)strlen(u);

		if (*u == ' ') {
			/* continuation: align under the first argument */
			int skip = strspn(u, " ");
			int col = strlen("kvs ") + strlen(obj->name) +
				  (cmd->name ? strlen(cmd->name) + 1 : 0) + 1;

			fprintf(f, "%s%*s%.*s\n", indent, col + 2, "",
				len - skip, u + skip);
		} else
			fprintf(f, "%skvs %s%s%s%s%.*s\n",
				*first ? first_lead : indent, obj->name,
				cmd->name ? " " : "", cmd->name ? cmd->name : "",
				len ? " " : "", len, u);
		*first = false;
		u = nl ? nl + 1 : NULL;
	} while (u);
}

static void usage_object(FILE *f, const struct kvs_object *obj)
{
	const struct kvs_command *cmd;
	bool first = true;

	for (cmd = obj->cmds; cmd->run; cmd++)
		usage_cmd(f, "       ", "Usage: ", obj, cmd, &first);
	fprintf(f, "       kvs %s help\n", obj->name);
	if (obj->notes)
		fprintf(f, "%s", obj->notes);
}

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"Usage: kvs [ OPTIONS ] OBJECT COMMAND [ ARGS ]\n"
		"       kvs help | kvs OBJECT help | kvs OBJECT COMMAND help | kvs -V\n"
		"OPTIONS := { -j[son] | -p[retty] | -s[tatistics] | -t[imestamp] |\n"
		"             -n[etns] NETNS | -b[atch] FILE | -f[orce] | -V[ersion] |\n"
		"             -h[elp] }\n"
		"OBJECT := { ");
	for (i = 0; i < ARRAY_SIZE(objects); i++)
		fprintf(f, "%s%s", i ? " | " : "", objects[i]->name);
	fprintf(f, " }\n\nCommands:\n");
	for (i = 0; i < ARRAY_SIZE(objects); i++) {
		const struct kvs_command *cmd;
		bool first = false;

		for (cmd = objects[i]->cmds; cmd->run; cmd++)
			usage_cmd(f, "  ", "  ", objects[i], cmd, &first);
	}
	fprintf(f,
		"\n"
		"ID := network id, 1..16777215\n"
		"MAC := xx:xx:xx:xx:xx:xx\n"
		"ADDR := an IPv4 or IPv6 address\n"
		"Run \"kvs OBJECT help\" for one object's commands.\n");
}

/* ---- dispatch ---- */

static bool cmd_is(const struct kvs_command *cmd, const char *word, bool prefix)
{
	size_t len = strlen(word);
	const char *const *al;

	if (!cmd->name)
		return false;
	if (prefix ? !strncmp(cmd->name, word, len) : !strcmp(cmd->name, word))
		return true;
	for (al = cmd->aliases; al && *al; al++)
		if (prefix ? !strncmp(*al, word, len) : !strcmp(*al, word))
			return true;
	return false;
}

/* Exact name or alias first, then an unambiguous abbreviation; if
 * ambiguous, NULL and the candidates in @cands
 */
static const struct kvs_command *find_cmd(const struct kvs_object *obj,
					  const char *word, char *cands,
					  size_t size)
{
	const struct kvs_command *cmd, *found = NULL;
	int n = 0;

	*cands = '\0';
	for (cmd = obj->cmds; cmd->run; cmd++)
		if (cmd_is(cmd, word, false))
			return cmd;
	for (cmd = obj->cmds; cmd->run; cmd++) {
		size_t len = strlen(cands);

		if (!cmd_is(cmd, word, true))
			continue;
		snprintf(cands + len, size - len, "%s%s", n++ ? ", " : "",
			 cmd->name);
		found = cmd;
	}
	return n == 1 ? found : NULL;
}

static const struct kvs_object *find_object(const char *word, char *cands,
					    size_t size)
{
	const struct kvs_object *found = NULL;
	size_t i, len = strlen(word);
	int n = 0;

	*cands = '\0';
	for (i = 0; i < ARRAY_SIZE(objects); i++)
		if (!strcmp(objects[i]->name, word))
			return objects[i];
	if (!strcmp(word, "network"))
		return &obj_net;
	for (i = 0; i < ARRAY_SIZE(objects); i++) {
		size_t clen = strlen(cands);

		if (strncmp(objects[i]->name, word, len))
			continue;
		snprintf(cands + clen, size - clen, "%s%s", n++ ? ", " : "",
			 objects[i]->name);
		found = objects[i];
	}
	return n == 1 ? found : NULL;
}

static bool is_help(const char *w)
{
	return !strcmp(w, "help") || !strcmp(w, "-h") || !strcmp(w, "--help");
}

/* The exit status of a command that failed: what its error said, or
 * KVS_EXIT_FAIL if it said nothing of the kind (never 0)
 */
static int failed(const struct kvs *ctx)
{
	return ctx->status ? ctx->status : KVS_EXIT_FAIL;
}

/* Run OBJECT [COMMAND] [ARGS]; its exit status (enum kvs_status), with
 * the error printed if not 0
 */
static int run(struct kvs *ctx, int argc, char **argv)
{
	const struct kvs_object *obj;
	const struct kvs_command *cmd;
	char what[64], cands[128];
	struct args a;
	bool first = true;

	ctx->status = KVS_EXIT_OK;
	if (argc < 1) {
		usage(stderr);
		return KVS_EXIT_USAGE;
	}
	if (is_help(argv[0])) {
		usage(stdout);
		return 0;
	}
	obj = find_object(argv[0], cands, sizeof(cands));
	if (!obj) {
		if (*cands)
			kvs_usage(ctx, "ambiguous object \"%s\": %s?", argv[0],
				  cands);
		else
			kvs_usage(ctx, "unknown object \"%s\", try \"kvs help\"",
				  argv[0]);
		return KVS_EXIT_USAGE;
	}
	argc--;
	argv++;

	if (argc > 0 && is_help(argv[0])) {
		usage_object(stdout, obj);
		return 0;
	}
	if (!obj->cmds[0].name) {
		/* an object that is its own command (monitor) */
		cmd = &obj->cmds[0];
	} else if (argc == 0) {
		cmd = find_cmd(obj, obj->def_cmd, cands, sizeof(cands));
	} else {
		cmd = find_cmd(obj, argv[0], cands, sizeof(cands));
		if (!cmd) {
			if (*cands)
				kvs_usage(ctx, "ambiguous command \"%s\" for \"%s\": %s?",
					  argv[0], obj->name, cands);
			else
				kvs_usage(ctx, "unknown command \"%s\" for \"%s\", try \"kvs %s help\"",
					  argv[0], obj->name, obj->name);
			return KVS_EXIT_USAGE;
		}
		argc--;
		argv++;
	}

	/* kvs OBJECT COMMAND help */
	if (cmd->name && argc > 0 && is_help(argv[0])) {
		usage_cmd(stdout, "       ", "Usage: ", obj, cmd, &first);
		if (obj->notes)
			printf("%s", obj->notes);
		return 0;
	}

	snprintf(what, sizeof(what), "%s%s%s", obj->name,
		 cmd->name ? " " : "", cmd->name ? cmd->name : "");
	a.argc = argc;
	a.argv = argv;
	a.what = what;
	return cmd->run(ctx, &a) ? failed(ctx) : KVS_EXIT_OK;
}

/* ---- batch ---- */

/*
 * The exit status of a batch is that of its first failing line, as a
 * single command's would be: without -force that line is also the last
 * one run; with -force the lines after it run, and their failures are
 * reported but leave the status as it is.
 */
static int batch(struct kvs *ctx, const char *file)
{
	char *line = NULL, *argv[256];
	unsigned long lineno = 0;
	size_t cap = 0;
	int ret = 0;
	FILE *f;

	if (!strcmp(file, "-")) {
		f = stdin;
	} else {
		f = fopen(file, "r");
		if (!f) {
			kvs_err(ctx, "cannot open batch file \"%s\": %s", file,
				strerror(errno));
			return KVS_EXIT_FAIL;
		}
	}

	while (getline(&line, &cap, f) > 0) {
		int argc, status;

		ctx->lineno = ++lineno;
		argc = split_words(line, argv, ARRAY_SIZE(argv));
		if (argc == 0)
			continue;
		if (argc < 0) {
			kvs_usage(ctx, argc == -1 ? "unterminated quote"
						  : "too many words");
			status = KVS_EXIT_USAGE;
		} else {
			status = run(ctx, argc, argv);
		}
		if (!ret)
			ret = status;
		/* -force: report every failing line, run all the others */
		if (ret && !ctx->force)
			break;
		if (ctx->out_closed)
			break;
	}
	if (!ret && ferror(f)) {
		kvs_err(ctx, "reading \"%s\": %s", file, strerror(errno));
		ret = KVS_EXIT_FAIL;
	}
	ctx->lineno = 0;
	free(line);
	if (f != stdin)
		fclose(f);
	return ret;
}

/* ---- options ---- */

static int enter_netns(struct kvs *ctx, const char *name)
{
	char path[4096];
	int fd;

	/* a name under /run/netns (as ip -n), or a path such as
	 * /proc/PID/ns/net
	 */
	if ((size_t)snprintf(path, sizeof(path),
			     strchr(name, '/') ? "%s" : "/run/netns/%s",
			     name) >= sizeof(path))
		return kvs_usage(ctx, "network namespace \"%.32s...\" is too long",
				 name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return kvs_err(ctx, "cannot open network namespace \"%s\": %s",
			       name, strerror(errno));
	if (setns(fd, CLONE_NEWNET) < 0) {
		int err = errno;

		close(fd);
		return kvs_err(ctx, "cannot enter network namespace \"%s\": %s",
			       name, strerror(err));
	}
	close(fd);
	return 0;
}

/* ---- options ---- */

enum { OPT_JSON, OPT_PRETTY, OPT_STATS, OPT_TIMESTAMP, OPT_NETNS, OPT_BATCH,
       OPT_FORCE, OPT_VERSION, OPT_HELP };

/* As iproute2 takes them: one or two dashes, any unambiguous
 * abbreviation ("-j", "-json", "--json", "-stat"); a letter given alone
 * is that option.
 */
static const struct {
	const char *name;
	int id;
	bool arg;
} options[] = {
	{ "json",	OPT_JSON,	false },
	{ "pretty",	OPT_PRETTY,	false },
	{ "statistics",	OPT_STATS,	false },
	{ "stats",	OPT_STATS,	false },
	{ "timestamp",	OPT_TIMESTAMP,	false },
	{ "netns",	OPT_NETNS,	true },
	{ "batch",	OPT_BATCH,	true },
	{ "force",	OPT_FORCE,	false },
	{ "Version",	OPT_VERSION,	false },
	{ "version",	OPT_VERSION,	false },
	{ "help",	OPT_HELP,	false },
};

/* The option @word (dashes stripped) names, or -1 (error printed) */
static int find_option(struct kvs *ctx, const char *arg, const char *word)
{
	size_t i, len = strlen(word);
	char cands[128] = "";
	int found = -1, n = 0;

	for (i = 0; i < ARRAY_SIZE(options) && len; i++) {
		size_t clen = strlen(cands);

		if (!strcmp(options[i].name, word))
			return i;
		if (strncmp(options[i].name, word, len))
			continue;
		if (found >= 0 && options[found].id == options[i].id)
			continue;	/* stats, statistics */
		snprintf(cands + clen, sizeof(cands) - clen, "%s-%s",
			 n++ ? ", " : "", options[i].name);
		found = i;
	}
	if (n == 1)
		return found;
	if (n > 1)
		kvs_usage(ctx, "ambiguous option \"%s\": %s?", arg, cands);
	else
		kvs_usage(ctx, "unknown option \"%s\", try \"kvs help\"", arg);
	return -1;
}

int main(int argc, char **argv)
{
	const char *netns = NULL, *file = NULL;
	struct kvs ctx = { 0 };
	int ret;

	for (argc--, argv++; argc > 0 && argv[0][0] == '-' && argv[0][1];
	     argc--, argv++) {
		const char *word = argv[0] + 1 + (argv[0][1] == '-');
		int i;

		if (!strcmp(argv[0], "--")) {
			argc--;
			argv++;
			break;
		}
		i = find_option(&ctx, argv[0], word);
		if (i < 0)
			return KVS_EXIT_USAGE;
		if (options[i].arg && argc < 2) {
			kvs_usage(&ctx, "option \"%s\" needs an argument",
				  argv[0]);
			return KVS_EXIT_USAGE;
		}
		switch (options[i].id) {
		case OPT_JSON:
			ctx.json = true;
			break;
		case OPT_PRETTY:
			ctx.pretty = true;
			break;
		case OPT_STATS:
			ctx.stats = true;
			break;
		case OPT_TIMESTAMP:
			ctx.timestamp = true;
			break;
		case OPT_NETNS:
			netns = *++argv;
			argc--;
			break;
		case OPT_BATCH:
			file = *++argv;
			argc--;
			break;
		case OPT_FORCE:
			ctx.force = true;
			break;
		case OPT_VERSION:
			printf("kvs %s\n", KVS_VERSION);
			return 0;
		case OPT_HELP:
			usage(stdout);
			return 0;
		}
	}
	out_init(ctx.json, ctx.pretty);

	if (netns && enter_netns(&ctx, netns))
		return failed(&ctx);

	if (file) {
		if (argc) {
			kvs_usage(&ctx, "\"-b\" takes no command line, got \"%s\"",
				  argv[0]);
			return KVS_EXIT_USAGE;
		}
		ret = batch(&ctx, file);
	} else {
		ret = run(&ctx, argc, argv);
	}

	if (ctx.nl_open)
		knl_close(&ctx.nl);
	if (ctx.out_closed)
		return ret;
	if (fflush(stdout) || ferror(stdout)) {
		if (!ret)
			kvs_err(&ctx, "writing output: %s", strerror(errno));
		return ret ? ret : KVS_EXIT_FAIL;
	}
	return ret;
}
