/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvs(8): the command line tool of the kvs virtual switch.
 *
 * main.c parses options and dispatches through a table of objects, each
 * with its commands (one file per object). Handlers parse their arguments
 * first (args.c), then talk to the kernel (nl.c, over lib/knl), then print
 * (print.c: text or JSON).
 */
#ifndef KVS_H
#define KVS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <json-c/json.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "../../uapi/linux/kvs.h"
#include "../lib/knl.h"
#include "../lib/names.h"
#include "../lib/output.h"
#include "../lib/util.h"

#ifndef KVS_VERSION
#define KVS_VERSION "0.1"
#endif

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/* A number macro as a string literal, for help texts */
#define STR_(x) #x
#define STR(x) STR_(x)

/* Exit status of kvs, by the kind of failure, as ip(8) and bridge(8) */
enum kvs_status {
	KVS_EXIT_OK	= 0,
	KVS_EXIT_FAIL	= 1,	/* anything else: no module, I/O, memory */
	KVS_EXIT_KERNEL	= 2,	/* the kernel refused the request */
	KVS_EXIT_USAGE	= 255,	/* refused by our parser, nothing sent */
};

/* Global state: options and the netlink socket, one per process */
struct kvs {
	bool json;
	bool pretty;
	bool stats;
	bool timestamp;		/* -t: monitor events carry the time */
	bool force;		/* -force: a batch goes on after a failure */
	bool nl_open;
	bool out_closed;	/* stdout's reader went away (monitor) */
	unsigned int monitor_mask;	/* objects monitor shows, 0: all */
	struct knl nl;
	unsigned long lineno;	/* batch line being run, 0 outside -b */
	/* the kind of the last error reported (enum kvs_status): each of
	 * kvs_err(), kvs_usage() and kvs_nl_err() sets it; commands still
	 * return only 0 or -1
	 */
	int status;
	/* kvsd: errors and warnings go to @errbuf instead of stderr, and a
	 * dry run (kvsd --check) parses a command without sending it
	 */
	char *errbuf;
	size_t errsize;
	bool dry_run;
};

/* ---- command table ---- */

/* Arguments left after OBJECT COMMAND */
struct args {
	int argc;
	char **argv;
	const char *what;	/* "port add", for messages */
};

struct kvs_command {
	const char *name;
	const char *const *aliases;	/* NULL-terminated, or NULL */
	int (*run)(struct kvs *ctx, struct args *a);
	const char *usage;	/* arguments; '\n' separates alternatives */
};

struct kvs_object {
	const char *name;
	const char *summary;
	const struct kvs_command *cmds;	/* terminated by a NULL name */
	const char *def_cmd;		/* run when no command is given */
	const char *notes;		/* extra help lines, or NULL */
};

extern const struct kvs_object obj_switch, obj_net, obj_port, obj_fdb,
	obj_stats, obj_monitor;

extern const char *const show_aliases[];	/* list, ls */
extern const char *const del_aliases[];		/* delete */

/* ---- errors (err.c) ---- */

/* Print "Error: ..." (with the batch line number) and return -1; with
 * ctx->errbuf, keep the text there instead. A failure of the system or
 * of the tool itself (KVS_EXIT_FAIL).
 */
int kvs_err(struct kvs *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The same for a command line that is wrong before anything is sent:
 * unknown word, missing or malformed argument (KVS_EXIT_USAGE)
 */
int kvs_usage(struct kvs *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Print the last netlink failure (extack or strerror) and return -1;
 * KVS_EXIT_KERNEL if it is the kernel's answer, else KVS_EXIT_FAIL
 */
int kvs_nl_err(struct kvs *ctx);

/* ---- argument parsing (args.c) ---- */

static inline bool args_more(const struct args *a)
{
	return a->argc > 0;
}

static inline const char *args_peek(const struct args *a)
{
	return a->argc > 0 ? a->argv[0] : NULL;
}

static inline const char *args_next(struct args *a)
{
	if (a->argc <= 0)
		return NULL;
	a->argc--;
	return *a->argv++;
}

/* The value after keyword @kw; fails if absent or already set in *@val */
int arg_value(struct kvs *ctx, struct args *a, const char *kw,
	      const char **val);
int arg_unknown(struct kvs *ctx, const struct args *a, const char *arg);
int arg_missing(struct kvs *ctx, const char *what);
int arg_twice(struct kvs *ctx, const char *kw);

/* Checks and conversions; each prints an error naming @kw on failure */
int arg_ifname(struct kvs *ctx, const char *kw, const char *s);
int arg_net_id(struct kvs *ctx, const char *kw, const char *s, uint32_t *id);
int arg_u32(struct kvs *ctx, const char *kw, const char *s, uint32_t max,
	    uint32_t *val);
int arg_u32_range(struct kvs *ctx, const char *kw, const char *s,
		  uint32_t min, uint32_t max, uint32_t *val);
int arg_mac(struct kvs *ctx, const char *s, uint8_t mac[MAC_LEN]);
int arg_addr(struct kvs *ctx, const char *kw, const char *s,
	     struct kvs_addr *addr);
int arg_onoff(struct kvs *ctx, const char *kw, const char *s, bool *on);

/* ---- kernel requests (nl.c) ---- */

/* Reply messages kept for printing after the answer is complete */
struct replies {
	struct nl_msg **v;
	size_t n, cap;
};

/* Open the socket and resolve the family, once; 0 or -1 (printed) */
int kvs_open(struct kvs *ctx);
/* A request for @cmd (NLM_F_DUMP in @flags for a dump); opens the
 * socket on first use. NULL (error printed) on failure.
 */
struct nl_msg *kvs_req(struct kvs *ctx, uint8_t cmd, int flags);
/* Report a failed nla_put*() (the message is freed) and return -1 */
int kvs_put_err(struct kvs *ctx, struct nl_msg *msg);
/* Send a change and wait for the ACK; frees @msg. 0 or -1 (printed). */
int kvs_do(struct kvs *ctx, struct nl_msg *msg);
/* Send a get (doit or dump, retried if interrupted) and keep the replies
 * in @r; frees @msg. 0 or -1 (printed).
 */
int kvs_get(struct kvs *ctx, struct nl_msg *msg, struct replies *r);
void replies_free(struct replies *r);

/* Prints one reply of a show (skipping it or not); 0 or -1 (printed) */
typedef int (*kvs_show_cb_t)(struct kvs *ctx, struct nlattr **tb,
			     const void *arg);
/* A show: kvs_get() @msg, then @show each well-formed reply, within
 * out_begin()/out_end(). Stops at the first failure of @show and drops
 * the JSON built so far. 0 or -1 (printed).
 */
int kvs_show(struct kvs *ctx, struct nl_msg *msg, kvs_show_cb_t show,
	     const void *arg);
/* The same for dumps of up to millions of replies (fdb): @show runs as
 * the dump is complete, must send no request, and prints through
 * lib/output.c; the messages are kept compactly until then (text past
 * 4 MiB of them is printed as it comes: nl.c, STREAM_HOLD). 0 or -1
 * (printed).
 */
int kvs_show_stream(struct kvs *ctx, struct nl_msg *msg, kvs_show_cb_t show,
		    const void *arg);

/* Parse a kvs message: tb[0..KVS_ATTR_MAX]; false if malformed */
bool kvs_parse(struct nl_msg *msg, struct nlattr **tb);
bool kvs_parse_nlh(struct nlmsghdr *nlh, struct nlattr **tb);

/* Attribute accessors tolerant of absent attributes */
uint32_t attr_u32(struct nlattr **tb, int type, uint32_t def);
uint8_t attr_u8(struct nlattr **tb, int type, uint8_t def);
/* A string attribute copied into @buf (truncated), or NULL if absent */
const char *attr_str(struct nlattr *nla, char *buf, size_t size);
/* Switch or port name, from the NAME attribute or else the IFINDEX
 * (datapath events and fdb dumps carry only the ifindex), looked up with
 * ifindex_name()
 */
const char *attr_ifname(struct nlattr **tb, int name_type, int ifindex_type,
			char buf[16]);
/* The name of @ifindex in the current namespace, "ifN" if it has none;
 * cached until ifname_cache_flush() (each show and each event flush it)
 */
const char *ifindex_name(uint32_t ifindex, char buf[16]);
void ifname_cache_flush(void);
const uint8_t *attr_mac(struct nlattr *nla);

/* ---- output (print.c, over lib/output.c) ---- */

/* Counters of a KVS_ATTR_STATS nest */
struct kvs_counters {
	uint64_t v[KVS_STATS_MAX + 1];
};

void counters_parse(const struct nlattr *nest, struct kvs_counters *c);
/* "stats64": { rx, tx, drops } in JSON; in text the ip -s style tables
 * of RX, TX and drops, indented under the object's line
 */
void counters_print(const struct kvs_counters *c);

/* ---- shared by the objects ---- */

/* monitor.c: print one event message of the "events" group on one line
 * (knl_cb_t, @arg is the struct kvs); kvsd logs events with it too
 */
int monitor_event(struct nl_msg *msg, void *arg);

/* Counters of one switch (@type KVS_ATTR_SWITCH_NAME) or port
 * (KVS_ATTR_PORT_NAME) by KVS_CMD_STATS_GET; 0 or -1 (printed)
 */
int stats_fetch(struct kvs *ctx, int type, const char *name,
		struct kvs_counters *c);

#endif /* KVS_H */
