/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvsd(8): keeps the kvs objects of a declarative configuration and of
 * the attachments its RPC clients made, through module reloads and netdevs
 * that come and go.
 *
 *   config.c     the configuration file: kvs batch lines -> desired objects
 *   reconcile.c  desired objects against the kernel's, through the kvs
 *                commands themselves (../kvs/, run in this process)
 *   rpc.c        the Unix socket: attach, detach, list, health (JSON lines)
 *   state.c      the state file: what kvsd created, what RPC attached
 *   main.c       options, the event loop (signals, genl controller, kvs
 *                events, rtnetlink links), logging
 */
#ifndef KVSD_H
#define KVSD_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../kvs/kvs.h"

enum dkind { K_SWITCH, K_NET, K_PORT, K_FDB, K_KINDS };

#define KEY_LEN	96
#define MAX_WORDS 160

/* One object as kvsd wants it (desired) or as the kernel has it (actual).
 * A desired object keeps the words of its "add" command, which kvsd runs
 * as is to create it; settings are kept to compare with the kernel's.
 */
struct dobj {
	enum dkind kind;
	char key[KEY_LEN];	/* "switch S", "net S ID", "port DEV",
				 * "fdb S ID MAC" (+ " REMOTE" for 0-MAC)
				 */
	char sw[IFNAMSIZ];
	uint32_t net;
	char dev[IFNAMSIZ];	/* port; fdb entry's port */
	uint8_t mac[MAC_LEN];	/* fdb */
	char remote[ADDR_STRLEN];	/* fdb entry's remote, or "" */
	bool fabric;

	/* settings; the has_* say which the configuration gives */
	bool has_ageing, has_batch, has_max_macs, has_learning, has_bum,
	     has_gfm, has_macs;
	uint32_t ageing, batch, max_macs, bum, gfm;
	bool learning;
	unsigned int nmacs;
	uint8_t macs[KVS_PORT_MACS_MAX][MAC_LEN];

	/* desired only: the add command, and where it comes from */
	int argc;
	char *argv[MAX_WORDS];
	char *words;		/* storage of argv */
	unsigned long lineno;	/* config line, 0 for RPC attachments */
	bool rpc;
};

struct objset {
	struct dobj *v;
	size_t n, cap;
};

/* An attachment made through the RPC socket (persisted) */
struct rport {
	char dev[IFNAMSIZ];
	char sw[IFNAMSIZ];
	uint32_t net;
	unsigned int nmacs;
	uint8_t macs[KVS_PORT_MACS_MAX][MAC_LEN];
	bool has_learning, learning, has_max_macs, has_bum;
	uint32_t max_macs, bum;
};

struct kvsd {
	struct kvs ctx;			/* the kvs commands' context */
	char err[512];			/* their last error (ctx.errbuf) */
	const char *config;		/* path */
	const char *sock_path;
	const char *state_dir;
	char state_file[512];
	gid_t rpc_gid;			/* may change things, besides root */
	bool module;			/* the kvs family is registered */
	bool dirty;			/* reconcile at the next turn */

	struct objset desired;		/* from the configuration */
	struct rport *rports;		/* from the RPC */
	size_t n_rports;
	char **owned;			/* keys of objects kvsd created */
	size_t n_owned;
	char **pending;			/* port devs that do not exist yet */
	size_t n_pending;
	char **was_pending;		/* the same, at the turn before */
	size_t n_was_pending;
};

/* ---- main.c ---- */
void logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- config.c ---- */
void objset_free(struct objset *s);
struct dobj *objset_add(struct objset *s);
/* Parse @path into @out; @check: also dry-run each line through the kvs
 * command parser. Errors are printed as "PATH:LINE: ..."; 0 or -1.
 */
int config_load(struct kvsd *d, const char *path, struct objset *out,
		bool check);
/* Split a command into d->argv/words and fill the object from it; the
 * command must be one of the four "add"s. 0, or -1 with @err set.
 */
int dobj_from_line(struct dobj *o, const char *line, char *err,
		   size_t errsize);
void dobj_free(struct dobj *o);
/* Set o->key from its kind, switch, net, dev, MAC and remote */
void dobj_key(struct dobj *o);
/* The "port add" command of an RPC attachment, as a desired object */
int dobj_from_rport(struct dobj *o, const struct rport *p, char *err,
		    size_t errsize);

/* ---- reconcile.c ---- */
/* Run one kvs command (words); 0, or -1 with the error in d->err */
int kvsd_run(struct kvsd *d, int argc, char **argv);
/* The same, parsed and built but not sent (kvs_req/kvs_do dry run) */
int kvsd_dry_run(struct kvsd *d, int argc, char **argv);
/* Read the kernel's objects (with @fdb, the static fdb entries too); 0
 * or -1 (d->err)
 */
int actual_load(struct kvsd *d, struct objset *act, bool fdb);
struct dobj *objset_find(struct objset *s, const char *key);
/* Make the kernel match desired + RPC; logs each action */
void reconcile(struct kvsd *d);
/* Apply one desired port now (RPC attach): 0, 1 if its dev does not
 * exist (recorded for later), -1 with d->err
 */
int reconcile_port(struct kvsd *d, struct dobj *want, struct objset *act);
bool owned_has(struct kvsd *d, const char *key);
void owned_add(struct kvsd *d, const char *key);
void owned_del(struct kvsd *d, const char *key);
bool is_pending(struct kvsd *d, const char *dev);

/* ---- state.c ---- */
int state_load(struct kvsd *d);
int state_save(struct kvsd *d);

/* ---- rpc.c ---- */
/* An attachment from its JSON (the attach request, a state file entry):
 * 0, or -1 with @err set; and back
 */
int rport_from_json(struct rport *p, struct json_object *o, char *err,
		    size_t size);
struct json_object *rport_to_json(const struct rport *p);
int rpc_open(struct kvsd *d);
void rpc_close(void);
/* Add the RPC's fds to @pfd (at most @max), return how many */
int rpc_pollfds(struct pollfd *pfd, int max);
/* Handle what poll() reported on them */
void rpc_handle(struct kvsd *d, struct pollfd *pfd, int n);
/* Milliseconds until the next client timeout, -1 if none */
int rpc_timeout(void);

#endif /* KVSD_H */
