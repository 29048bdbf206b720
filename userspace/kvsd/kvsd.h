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
 *   auth.c       who may attach what through the RPC: "rpc allow" rules,
 *                the device checks, the peer's groups
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
#define KVSD_TAG_MAX	128
#define STATE_VERSION	2
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
	     has_gfm, has_macs, has_peers;
	uint32_t ageing, batch, max_macs, bum, gfm;
	bool learning;
	uint8_t peers;			/* enum kvs_peers */
	/* what cannot change in place: a difference replaces the object */
	char label[KVS_LABEL_MAX];	/* net */
	char fabric_id[160];		/* fabric port: encap, local, remote,
					 * dstport in one canonical string
					 */
	unsigned int nmacs;
	uint8_t macs[KVS_PORT_MACS_MAX][MAC_LEN];

	/* desired only: the add command, and where it comes from */
	int argc;
	char *argv[MAX_WORDS];
	char *words;		/* storage of argv */
	unsigned long lineno;	/* config line, 0 for RPC attachments */
	bool rpc;
};

/* Device kinds, for the "rpc allow" rules (dev-kind) */
enum dev_kind {
	DK_VETH, DK_TAP, DK_MACVLAN, DK_MACVTAP, DK_VLAN, DK_DUMMY, DK_BRIDGE,
	DK_BOND, DK_TEAM, DK_VXLAN, DK_PHYSICAL, DK_OTHER, DK_KINDS
};
#define DK_DEFAULT	((1u << DK_VETH) | (1u << DK_TAP))
#define RULE_NAMES	8

/* "rpc allow switch S net A[-B] [dev-kind K,...] [name GLOB,...]" */
struct rpc_rule {
	char sw[IFNAMSIZ];
	uint32_t net_min, net_max;
	unsigned int kinds;		/* 1 << enum dev_kind */
	unsigned int nnames;		/* 0: any name */
	char names[RULE_NAMES][32];
	unsigned long lineno;
};

/* An "evpn" line (evpn.c), and the agent kvsd runs for it */
#define EVPN_MAX_NEIGHBORS	8
struct evpn_cfg {
	char sw[IFNAMSIZ];
	uint32_t asn;
	char router_id[16];
	char neighbors[EVPN_MAX_NEIGHBORS][46];
	int n_neighbors;
	uint32_t hold;			/* seconds */
	unsigned long lineno;
	/* the agent (kvsd's running copy only) */
	pid_t pid;
	long long started_at;		/* mono_ms() */
	long long restart_at;		/* mono_ms(), 0: not waiting */
	unsigned int backoff;		/* ms */
};

struct objset {
	struct dobj *v;
	size_t n, cap;
	struct rpc_rule *rules;		/* configuration only */
	size_t nrules;
	struct evpn_cfg *evpn;		/* configuration only */
	size_t nevpn;
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
	/* who attached it: only that uid (or root) may change or detach it */
	uid_t uid;
	pid_t pid;
	char cgroup[128];		/* the caller's cgroup, "" if unknown */
	char tag[KVSD_TAG_MAX + 1];	/* the caller's own label */
};

struct kvsd {
	struct kvs ctx;			/* the kvs commands' context */
	char err[512];			/* their last error (ctx.errbuf) */
	char cfg_err[600];		/* the configuration's first error */
	const char *config;		/* path */
	const char *sock_path;
	const char *state_dir;
	char state_file[512];
	gid_t rpc_gid;			/* may change things, besides root */
	bool module;			/* the kvs family is registered */
	bool dirty;			/* reconcile at the next turn */
	long long retry_at;		/* ms (monotonic): retry failed work */
	unsigned int backoff;		/* ms, the next retry's delay */
	char **failed;			/* "KEY\tERROR" of the last turn */
	size_t n_failed;
	char **conflicts;		/* config ports an RPC attachment holds */
	size_t n_conflicts;

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
/* One log line; logmsg() at LOG_INFO, logerr() at LOG_ERR, logwarn() at
 * LOG_WARNING (a "<N>" prefix the journal reads when under systemd)
 */
void logprio(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define logmsg(...)	logprio(6, __VA_ARGS__)
#define logwarn(...)	logprio(4, __VA_ARGS__)
#define logerr(...)	logprio(3, __VA_ARGS__)
/* Parse the configuration into d->desired; 0 or -1 (@why: the first
 * error, for the reload request)
 */
int load_config(struct kvsd *d, char *why, size_t size);

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
/* The canonical string of a fabric port's encapsulation settings */
void fabric_id_fmt(char *out, size_t size, const char *encap,
		   const char *local, const char *remote, unsigned int dstport);
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
/* Is @dev a port of the configuration or of the RPC? */
bool port_desired(struct kvsd *d, const char *dev);
/* The last turn's error for @key, or NULL */
const char *failed_why(struct kvsd *d, const char *key);
bool list_has(char **v, size_t n, const char *s);
void list_add(char ***v, size_t *n, const char *s);
void list_clear(char ***v, size_t *n);

/* ---- state.c ---- */
int state_load(struct kvsd *d);
int state_save(struct kvsd *d);

/* ---- auth.c ---- */
/* Parse an "rpc allow" line into @r: 0, or -1 with @err */
int rule_parse(struct rpc_rule *r, int argc, char **argv, char *err,
	       size_t size);
/* May a caller with @uid attach @p? The rules (none: root only), then
 * the device itself (kind, master, addresses); 0, or -1 with @err
 */
int auth_attach(struct kvsd *d, uid_t uid, const struct rport *p,
		bool ours, char *err, size_t size);
/* Is @gid among the groups of the peer of @fd (SO_PEERGROUPS, else
 * /proc/PID/status)?
 */
bool peer_in_group(int fd, pid_t pid, gid_t gid);
/* The cgroup of @pid ("" if unknown) */
void peer_cgroup(pid_t pid, char *out, size_t size);

/* ---- rpc.c ---- */
/* An attachment from its JSON (the attach request, a state file entry):
 * 0, or -1 with @err set; and back
 */
int rport_from_json(struct rport *p, struct json_object *o, bool state,
		    char *err, size_t size);
struct json_object *rport_to_json(const struct rport *p, bool state);
int rpc_open(struct kvsd *d);
void rpc_close(void);
/* Add the RPC's fds to @pfd (at most @max), return how many */
int rpc_pollfds(struct pollfd *pfd, int max);
/* Handle what poll() reported on them */
void rpc_handle(struct kvsd *d, struct pollfd *pfd, int n);
/* Collect the CNI plugin's detach records (SOCKET_DIR/detach/DEV) */
void rpc_collect_detached(struct kvsd *d);
/* Milliseconds until the next client timeout, -1 if none */
int rpc_timeout(void);

/* ---- evpn.c ---- */
int evpn_parse(struct evpn_cfg *e, int argc, char **argv, char *err,
	       size_t size);
void evpn_apply(struct kvsd *d);
void evpn_reap(void);
int evpn_tick(const struct kvsd *d);
void evpn_stop_all(void);

#endif /* KVSD_H */
