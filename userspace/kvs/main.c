// SPDX-License-Identifier: GPL-2.0
/*
 * kvs: options, the object/command table, help and batch mode.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
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

const char *const show_aliases[] = { "list", "ls", NULL };
const char *const del_aliases[] = { "delete", NULL };

int kvs_err(struct kvs *ctx, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("Error: ", stderr);
	if (ctx->lineno)
		fprintf(stderr, "line %lu: ", ctx->lineno);
	va_start(ap, fmt);
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
		"       kvs help | kvs OBJECT help | kvs -V\n"
		"OPTIONS := { -j[son] | -p[retty] | -s[tatistics] |\n"
		"             -n[etns] NETNS | -b[atch] FILE | -V[ersion] }\n"
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

/* Exact name or alias first, then an unambiguous abbreviation */
static const struct kvs_command *find_cmd(const struct kvs_object *obj,
				      const char *word, bool *ambiguous)
{
	const struct kvs_command *cmd, *found = NULL;

	*ambiguous = false;
	for (cmd = obj->cmds; cmd->run; cmd++)
		if (cmd_is(cmd, word, false))
			return cmd;
	for (cmd = obj->cmds; cmd->run; cmd++) {
		if (!cmd_is(cmd, word, true))
			continue;
		if (found) {
			*ambiguous = true;
			return NULL;
		}
		found = cmd;
	}
	return found;
}

static const struct kvs_object *find_object(const char *word, bool *ambiguous)
{
	const struct kvs_object *found = NULL;
	size_t i, len = strlen(word);

	*ambiguous = false;
	for (i = 0; i < ARRAY_SIZE(objects); i++)
		if (!strcmp(objects[i]->name, word))
			return objects[i];
	if (!strcmp(word, "network"))
		return &obj_net;
	for (i = 0; i < ARRAY_SIZE(objects); i++) {
		if (strncmp(objects[i]->name, word, len))
			continue;
		if (found) {
			*ambiguous = true;
			return NULL;
		}
		found = objects[i];
	}
	return found;
}

static bool is_help(const char *w)
{
	return !strcmp(w, "help") || !strcmp(w, "-h") || !strcmp(w, "--help");
}

/* Run OBJECT [COMMAND] [ARGS]; 0 or -1 (error printed) */
static int run(struct kvs *ctx, int argc, char **argv)
{
	const struct kvs_object *obj;
	const struct kvs_command *cmd;
	struct args a;
	bool ambiguous;
	char what[64];

	if (argc < 1) {
		usage(stderr);
		return -1;
	}
	if (is_help(argv[0])) {
		usage(stdout);
		return 0;
	}
	obj = find_object(argv[0], &ambiguous);
	if (!obj) {
		kvs_err(ctx, "%s object \"%s\", try \"kvs help\"",
			ambiguous ? "ambiguous" : "unknown", argv[0]);
		return -1;
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
		cmd = find_cmd(obj, obj->def_cmd, &ambiguous);
	} else {
		cmd = find_cmd(obj, argv[0], &ambiguous);
		if (!cmd) {
			kvs_err(ctx, "%s command \"%s\" for \"%s\", try \"kvs %s help\"",
				ambiguous ? "ambiguous" : "unknown", argv[0],
				obj->name, obj->name);
			return -1;
		}
		argc--;
		argv++;
	}

	snprintf(what, sizeof(what), "%s%s%s", obj->name,
		 cmd->name ? " " : "", cmd->name ? cmd->name : "");
	a.argc = argc;
	a.argv = argv;
	a.what = what;
	return cmd->run(ctx, &a) ? -1 : 0;
}

/* ---- batch ---- */

/* Split @line in place into words: blanks separate, '...' and "..."
 * quote, a backslash escapes the next character (not within '...'),
 * a # at the start of a word begins a comment. Returns the word count,
 * or -1 on an unterminated quote.
 */
static int split_line(char *line, char **argv, int max)
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
		if (!f)
			return kvs_err(ctx, "cannot open batch file \"%s\": %s",
				       file, strerror(errno));
	}

	while (getline(&line, &cap, f) > 0) {
		int argc;

		ctx->lineno = ++lineno;
		argc = split_line(line, argv, ARRAY_SIZE(argv));
		if (argc == 0)
			continue;
		if (argc < 0) {
			ret = kvs_err(ctx, argc == -1 ? "unterminated quote"
						      : "too many words");
			break;
		}
		if (run(ctx, argc, argv)) {
			ret = -1;
			break;
		}
	}
	if (!ret && ferror(f))
		ret = kvs_err(ctx, "reading \"%s\": %s", file,
			      strerror(errno));
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
	if (strchr(name, '/'))
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", name);
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

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json",	no_argument,		NULL, 'j' },
		{ "pretty",	no_argument,		NULL, 'p' },
		{ "stats",	no_argument,		NULL, 's' },
		{ "statistics",	no_argument,		NULL, 's' },
		{ "netns",	required_argument,	NULL, 'n' },
		{ "batch",	required_argument,	NULL, 'b' },
		{ "version",	no_argument,		NULL, 'V' },
		{ "help",	no_argument,		NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *netns = NULL, *file = NULL;
	struct kvs ctx = { 0 };
	int opt, ret;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:jpsn:b:Vh", longopts,
				  NULL)) != -1) {
		switch (opt) {
		case 'j':
			ctx.json = true;
			break;
		case 'p':
			ctx.pretty = true;
			break;
		case 's':
			ctx.stats = true;
			break;
		case 'n':
			netns = optarg;
			break;
		case 'b':
			file = optarg;
			break;
		case 'V':
			printf("kvs %s\n", KVS_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		case ':':
			kvs_err(&ctx, "option \"-%c\" needs an argument",
				optopt);
			return 1;
		default:
			if (optopt)
				kvs_err(&ctx, "unknown option \"-%c\"", optopt);
			else
				kvs_err(&ctx, "unknown option \"%s\"",
					argv[optind - 1]);
			return 1;
		}
	}
	argc -= optind;
	argv += optind;

	if (netns && enter_netns(&ctx, netns))
		return 1;

	if (file) {
		if (argc) {
			kvs_err(&ctx, "\"-b\" takes no command line, got \"%s\"",
				argv[0]);
			return 1;
		}
		ret = batch(&ctx, file);
	} else {
		ret = run(&ctx, argc, argv);
	}

	if (ctx.nl_open)
		knl_close(&ctx.nl);
	if (fflush(stdout) || ferror(stdout)) {
		if (!ret)
			kvs_err(&ctx, "writing output: %s", strerror(errno));
		return 1;
	}
	return ret ? 1 : 0;
}
