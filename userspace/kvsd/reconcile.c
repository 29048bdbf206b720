// SPDX-License-Identifier: GPL-2.0
/*
 * Reconciliation: make the kernel hold the desired objects.
 *
 * kvsd reads the kernel's switches, networks, ports and static fdb
 * entries (four dumps), then for each desired object, in the order
 * switches, networks, ports, fdb entries:
 *  - missing: runs its "add" command (a port whose netdev does not exist
 *    yet waits for it: rtnetlink tells when it appears);
 *  - present: runs a "set" command for the settings that differ; a port
 *    or fdb entry kvsd created that now points elsewhere is re-added;
 *    one it did not create is left alone and the conflict logged;
 * and finally removes, fdb entries first, switches last, what it created
 * and no longer wants. What it created is its ownership record (the
 * state file): objects it finds and did not create it never deletes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvsd.h"

static const struct kvs_object *const objects[] = {
	&obj_switch, &obj_net, &obj_port, &obj_fdb,
};

int kvsd_dry_run(struct kvsd *d, int argc, char **argv)
{
	int ret;

	d->ctx.dry_run = true;
	ret = kvsd_run(d, argc, argv);
	d->ctx.dry_run = false;
	return ret;
}

int kvsd_run(struct kvsd *d, int argc, char **argv)
{
	const struct kvs_object *obj = NULL;
	const struct kvs_command *cmd;
	struct args a;
	size_t i;

	d->err[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(objects); i++)
		if (argc > 0 && !strcmp(objects[i]->name, argv[0]))
			obj = objects[i];
	if (!obj || argc < 2) {
		snprintf(d->err, sizeof(d->err), "not a kvs command");
		return -1;
	}
	for (cmd = obj->cmds; cmd->run; cmd++)
		if (cmd->name && !strcmp(cmd->name, argv[1]))
			break;
	if (!cmd->run) {
		snprintf(d->err, sizeof(d->err), "unknown command \"%s\"",
			 argv[1]);
		return -1;
	}
	a.argc = argc - 2;
	a.argv = argv + 2;
	a.what = argv[0];
	if (cmd->run(&d->ctx, &a)) {
		if (!d->err[0])
			snprintf(d->err, sizeof(d->err), "failed");
		return -1;
	}
	return 0;
}

/* Run a command given as one line (built by kvsd, never from a user) */
static int run_line(struct kvsd *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int run_line(struct kvsd *d, const char *fmt, ...)
{
	char line[2048], *argv[MAX_WORDS];
	va_list ap;
	int argc;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	argc = split_words(line, argv, MAX_WORDS);
	if (argc < 0) {
		snprintf(d->err, sizeof(d->err), "bad command");
		return -1;
	}
	return kvsd_run(d, argc, argv);
}

/* ---- ownership and pending devs ---- */

bool list_has(char **v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

void list_add(char ***v, size_t *n, const char *s)
{
	char **nv, *c;

	if (list_has(*v, *n, s))
		return;
	c = strdup(s);
	nv = realloc(*v, (*n + 1) * sizeof(**v));
	if (!c || !nv) {
		/* without memory the record is short: logged, not fatal */
		free(c);
		if (nv)
			*v = nv;
		logmsg("out of memory recording %s", s);
		return;
	}
	nv[(*n)++] = c;
	*v = nv;
}

static void list_del(char **v, size_t *n, const char *s)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (!strcmp(v[i], s)) {
			free(v[i]);
			v[i] = v[--*n];
			return;
		}
}

void list_clear(char ***v, size_t *n)
{
	while (*n)
		free((*v)[--*n]);
	free(*v);
	*v = NULL;
}

/* Failures of this turn: "KEY\tERROR" in d->failed; logged only when new
 * (the same failure at every retry is said once)
 */
static char **was_failed;
static size_t n_was_failed;

static int failed(struct kvsd *d, const struct dobj *want, bool log,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int failed(struct kvsd *d, const struct dobj *want, bool log,
		  const char *fmt, ...)
{
	char msg[800], entry[KEY_LEN + 800];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(entry, sizeof(entry), "%s\t%s", want->key, msg);
	if (log && !list_has(was_failed, n_was_failed, entry))
		logerr("%s", msg);
	list_add(&d->failed, &d->n_failed, entry);
	return -1;
}

const char *failed_why(struct kvsd *d, const char *key)
{
	size_t i, len = strlen(key);

	for (i = 0; i < d->n_failed; i++)
		if (!strncmp(d->failed[i], key, len) &&
		    d->failed[i][len] == '\t')
			return d->failed[i] + len + 1;
	return NULL;
}

bool owned_has(struct kvsd *d, const char *key)
{
	return list_has(d->owned, d->n_owned, key);
}

void owned_add(struct kvsd *d, const char *key)
{
	list_add(&d->owned, &d->n_owned, key);
}

void owned_del(struct kvsd *d, const char *key)
{
	list_del(d->owned, &d->n_owned, key);
}

bool is_pending(struct kvsd *d, const char *dev)
{
	return list_has(d->pending, d->n_pending, dev);
}

/* ---- the kernel's objects ---- */

struct dobj *objset_find(struct objset *s, const char *key)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->v[i].key, key))
			return &s->v[i];
	return NULL;
}

static int dump(struct kvsd *d, uint8_t cmd, struct replies *r)
{
	struct nl_msg *msg = kvs_req(&d->ctx, cmd, NLM_F_DUMP);

	if (!msg)
		return -1;
	return kvs_get(&d->ctx, msg, r);
}

static void fill(struct dobj *o, struct nlattr **tb)
{
	char buf[IFNAMSIZ];
	const char *s;

	s = attr_ifname(tb, KVS_ATTR_SWITCH_NAME, KVS_ATTR_SWITCH_IFINDEX, buf);
	snprintf(o->sw, sizeof(o->sw), "%s", s ? s : "");
	o->net = attr_u32(tb, KVS_ATTR_NET_ID, 0);
	o->ageing = attr_u32(tb, KVS_ATTR_AGEING_TIME, 0);
	o->batch = attr_u32(tb, KVS_ATTR_SWITCH_BATCH, KVS_BATCH_DEFAULT);
	o->fabric = attr_u8(tb, KVS_ATTR_PORT_TYPE, KVS_PORT_VM) ==
		    KVS_PORT_FABRIC;
	o->learning = attr_u8(tb, KVS_ATTR_PORT_LEARNING, 0);
	o->bum = attr_u32(tb, KVS_ATTR_PORT_BUM_LIMIT, 0);
	if (tb[KVS_ATTR_PORT_GROUP_FWD_MASK])
		o->gfm = nla_get_u16(tb[KVS_ATTR_PORT_GROUP_FWD_MASK]);
	o->max_macs = attr_u32(tb, o->kind == K_NET ? KVS_ATTR_NET_MAX_MACS :
			       KVS_ATTR_PORT_MAX_MACS, 0);
	if (tb[KVS_ATTR_NET_LABEL])
		snprintf(o->label, sizeof(o->label), "%s",
			 nla_get_string(tb[KVS_ATTR_NET_LABEL]));
	o->peers = attr_u8(tb, KVS_ATTR_PORT_PEERS, KVS_PEERS_ANY);
	if (o->fabric && tb[KVS_ATTR_PORT_FABRIC]) {
		struct nlattr *fb[KVS_FABRIC_ATTR_MAX + 1];
		char local[ADDR_STRLEN] = "-", remote[ADDR_STRLEN] = "-";

		if (!nla_parse_nested(fb, KVS_FABRIC_ATTR_MAX,
				      tb[KVS_ATTR_PORT_FABRIC], NULL)) {
			uint8_t encap = attr_u8(fb, KVS_FABRIC_ATTR_ENCAP, 0);

			if (fb[KVS_FABRIC_ATTR_LOCAL_IP4])
				format_addr(AF_INET, nla_data(fb[KVS_FABRIC_ATTR_LOCAL_IP4]), local);
			else if (fb[KVS_FABRIC_ATTR_LOCAL_IP6])
				format_addr(AF_INET6, nla_data(fb[KVS_FABRIC_ATTR_LOCAL_IP6]), local);
			if (fb[KVS_FABRIC_ATTR_REMOTE_IP4])
				format_addr(AF_INET, nla_data(fb[KVS_FABRIC_ATTR_REMOTE_IP4]), remote);
			else if (fb[KVS_FABRIC_ATTR_REMOTE_IP6])
				format_addr(AF_INET6, nla_data(fb[KVS_FABRIC_ATTR_REMOTE_IP6]), remote);
			fabric_id_fmt(o->fabric_id, sizeof(o->fabric_id),
				      encap == KVS_ENCAP_VXLAN ? "vxlan" :
				      encap == KVS_ENCAP_VLAN ? "vlan" : "?",
				      local, remote,
				      fb[KVS_FABRIC_ATTR_DSTPORT] ?
				      nla_get_u16(fb[KVS_FABRIC_ATTR_DSTPORT]) : 4789);
		}
	}
	if (tb[KVS_ATTR_PORT_MACS]) {
		struct nlattr *nla;
		int rem;

		nla_for_each_nested(nla, tb[KVS_ATTR_PORT_MACS], rem)
			if (nla_type(nla) == KVS_MACS_ATTR_ADDR &&
			    nla_len(nla) >= MAC_LEN &&
			    o->nmacs < KVS_PORT_MACS_MAX)
				memcpy(o->macs[o->nmacs++], nla_data(nla),
				       MAC_LEN);
	}
}

static int load_kind(struct kvsd *d, struct objset *act, enum dkind kind)
{
	static const uint8_t cmds[] = {
		KVS_CMD_SWITCH_GET, KVS_CMD_NET_GET, KVS_CMD_PORT_GET,
		KVS_CMD_FDB_GET,
	};
	struct nlattr *tb[KVS_ATTR_MAX + 1];
	struct replies r;
	size_t i;

	if (dump(d, cmds[kind], &r))
		return -1;
	for (i = 0; i < r.n; i++) {
		char buf[IFNAMSIZ];
		const uint8_t *mac;
		struct dobj *o;
		const char *s;

		if (!kvs_parse(r.v[i], tb))
			continue;
		if (kind == K_FDB &&
		    !(attr_u32(tb, KVS_ATTR_FDB_FLAGS, 0) & KVS_FDB_F_STATIC))
			continue;	/* learned entries are not configuration */
		o = objset_add(act);
		if (!o) {
			replies_free(&r);
			snprintf(d->err, sizeof(d->err), "%s", strerror(ENOMEM));
			return -1;
		}
		o->kind = kind;
		fill(o, tb);
		if (kind == K_PORT) {
			s = attr_ifname(tb, KVS_ATTR_PORT_NAME,
					KVS_ATTR_PORT_IFINDEX, buf);
			snprintf(o->dev, sizeof(o->dev), "%s", s ? s : "");
		} else if (kind == K_FDB) {
			mac = attr_mac(tb[KVS_ATTR_MAC]);
			if (mac)
				memcpy(o->mac, mac, MAC_LEN);
			if (tb[KVS_ATTR_PORT_IFINDEX]) {
				s = attr_ifname(tb, 0, KVS_ATTR_PORT_IFINDEX,
						buf);
				snprintf(o->dev, sizeof(o->dev), "%s",
					 s ? s : "");
			}
			if (tb[KVS_ATTR_FDB_REMOTE_IP4])
				format_addr(AF_INET,
					    nla_data(tb[KVS_ATTR_FDB_REMOTE_IP4]),
					    o->remote);
			else if (tb[KVS_ATTR_FDB_REMOTE_IP6])
				format_addr(AF_INET6,
					    nla_data(tb[KVS_ATTR_FDB_REMOTE_IP6]),
					    o->remote);
		}
		dobj_key(o);
	}
	replies_free(&r);
	return 0;
}

int actual_load(struct kvsd *d, struct objset *act, bool fdb)
{
	int k;

	memset(act, 0, sizeof(*act));
	ifname_cache_flush();
	/* the fdb dump carries every learned entry too (up to millions):
	 * read it only when there are static entries to keep
	 */
	for (k = 0; k < (fdb ? K_KINDS : K_FDB); k++)
		if (load_kind(d, act, k)) {
			objset_free(act);
			return -1;
		}
	return 0;
}

/* ---- comparing and applying ---- */

static bool macs_equal(const struct dobj *a, const struct dobj *b)
{
	unsigned int i, j;

	if (a->nmacs != b->nmacs)
		return false;
	for (i = 0; i < a->nmacs; i++) {
		for (j = 0; j < b->nmacs; j++)
			if (!memcmp(a->macs[i], b->macs[j], MAC_LEN))
				break;
		if (j == b->nmacs)
			return false;
	}
	return true;
}

static const char *where(const struct dobj *o, char *buf, size_t size)
{
	if (o->rpc)
		snprintf(buf, size, "rpc");
	else
		snprintf(buf, size, "line %lu", o->lineno);
	return buf;
}

/* The "set" command for the settings of @want that @have lacks, into
 * @cmd; false if nothing differs (or the object has no set command)
 */
static bool settings_cmd(const struct dobj *want, const struct dobj *have,
			 char *cmd, size_t size)
{
	size_t len = 0, base;
	char m[MAC_STRLEN];
	unsigned int i;

#define ADD(...) (len += snprintf(cmd + len, len < size ? size - len : 0, \
				   __VA_ARGS__))
	switch (want->kind) {
	case K_SWITCH:
		ADD("switch set %s", want->sw);
		base = len;
		if (want->has_ageing && want->ageing != have->ageing)
			ADD(" ageing %u", want->ageing);
		if (want->has_batch && want->batch != have->batch)
			ADD(" batch %u", want->batch);
		break;
	case K_NET:
		ADD("net set %u switch %s", want->net, want->sw);
		base = len;
		if (want->has_max_macs && want->max_macs != have->max_macs)
			ADD(" max-macs %u", want->max_macs);
		break;
	case K_PORT:
		ADD("port set dev %s", want->dev);
		base = len;
		if (want->has_learning && want->learning != have->learning)
			ADD(" learning %s", want->learning ? "on" : "off");
		if (want->fabric) {
			if (want->has_peers && want->peers != have->peers &&
			    !strncmp(want->fabric_id, "vxlan", 5))
				ADD(" peers %s", want->peers == KVS_PEERS_KNOWN ?
				    "known" : "any");
			break;
		}
		if (want->has_macs && !macs_equal(want, have)) {
			for (i = 0; i < want->nmacs; i++)
				ADD(" mac %s", format_mac(want->macs[i], m));
			if (!want->nmacs)
				ADD(" mac none");
		}
		if (want->has_max_macs && want->max_macs != have->max_macs)
			ADD(" max-macs %u", want->max_macs);
		if (want->has_bum && want->bum != have->bum)
			ADD(" bum-limit %u", want->bum);
		if (want->has_gfm && want->gfm != have->gfm)
			ADD(" group-fwd-mask %#x", want->gfm);
		break;
	default:
		return false;
	}
#undef ADD
	/* anything after the object's own words? */
	return len < size && len > base;
}

/* Does the kernel's object sit where the desired one says? */
static bool same_place(const struct dobj *want, const struct dobj *have)
{
	switch (want->kind) {
	case K_PORT:
		return !strcmp(want->sw, have->sw) &&
		       want->fabric == have->fabric &&
		       (want->fabric || want->net == have->net);
	case K_FDB:
		if (want->remote[0] || have->remote[0])
			return !strcmp(want->remote, have->remote);
		return !strcmp(want->dev, have->dev);
	default:
		return true;
	}
}

static int del_cmd(struct kvsd *d, const struct dobj *o)
{
	char m[MAC_STRLEN];

	switch (o->kind) {
	case K_SWITCH:
		return run_line(d, "switch del %s", o->sw);
	case K_NET:
		return run_line(d, "net del %u switch %s", o->net, o->sw);
	case K_PORT:
		return run_line(d, "port del dev %s", o->dev);
	default:
		return run_line(d, "fdb del %s net %u switch %s%s%s",
				format_mac(o->mac, m), o->net, o->sw,
				o->remote[0] ? " remote " : "", o->remote);
	}
}

static int add(struct kvsd *d, struct dobj *want, bool log)
{
	char w[32];

	if (kvsd_run(d, want->argc, want->argv))
		return failed(d, want, log, "cannot create %s (%s): %s",
			      want->key, where(want, w, sizeof(w)), d->err);
	owned_add(d, want->key);
	logmsg("created %s (%s)", want->key, where(want, w, sizeof(w)));
	return 0;
}

/* What differs that "set" cannot change: the object is replaced */
static const char *replace_why(const struct dobj *want,
			       const struct dobj *have)
{
	if (want->kind == K_NET && strcmp(want->label, have->label))
		return "its name";
	if (want->kind == K_PORT && want->fabric &&
	    strcmp(want->fabric_id, have->fabric_id))
		return "its encapsulation";
	return NULL;
}

/* The RPC attachment of @want->dev, or NULL */
static struct rport *rport_of(struct kvsd *d, const struct dobj *want)
{
	size_t i;

	if (!want->rpc)
		return NULL;
	for (i = 0; i < d->n_rports; i++)
		if (!strcmp(d->rports[i].dev, want->dev))
			return &d->rports[i];
	return NULL;
}

/* One desired object against the kernel; 0, 1 (port waits for its dev),
 * -1 (d->err; recorded in d->failed, logged if @log and new)
 */
static int apply(struct kvsd *d, struct dobj *want, struct objset *act,
		 bool log)
{
	struct dobj *have = objset_find(act, want->key);
	char cmd[2048], w[32];
	const char *why;

	if (!have) {
		struct rport *rp = rport_of(d, want);

		if (want->kind == K_PORT && !if_nametoindex(want->dev)) {
			if (!list_has(d->was_pending, d->n_was_pending,
				      want->dev) && log)
				logmsg("%s (%s): waiting for the netdev %s to appear",
				       want->key, where(want, w, sizeof(w)),
				       want->dev);
			list_add(&d->pending, &d->n_pending, want->dev);
			return 1;
		}
		/* an RPC attachment is checked again once its netdev exists:
		 * the device it names may be the host's (an address, a master)
		 */
		if (rp && auth_attach(d, rp->uid, rp, false, d->err,
				      sizeof(d->err)))
			return failed(d, want, log, "cannot attach %s (rpc, uid %u): %s",
				      want->dev, (unsigned int)rp->uid, d->err);
		return add(d, want, log);
	}
	why = replace_why(want, have);
	if (!same_place(want, have) || why) {
		char net[KEY_LEN];

		snprintf(net, sizeof(net), "net %s %u", want->sw, want->net);
		if (want->kind == K_PORT && !want->fabric &&
		    !objset_find(act, net)) {
			/* refused before the port is taken off its network */
			snprintf(d->err, sizeof(d->err),
				 "switch %s has no network %u", want->sw,
				 want->net);
			return failed(d, want, log, "cannot move %s: %s",
				      want->key, d->err);
		}
		if (!owned_has(d, want->key)) {
			snprintf(d->err, sizeof(d->err),
				 "%s exists %s and kvsd did not create it: left alone",
				 want->key, why ? "with other settings" : "elsewhere");
			return failed(d, want, log, "%s", d->err);
		}
		if (del_cmd(d, have))
			return failed(d, want, log, "cannot remove %s to re-add it: %s",
				      have->key, d->err);
		if (why) {
			logwarn("replaced %s: %s changed (%s)", have->key, why,
				where(want, w, sizeof(w)));
			/* a network's ports went with it: another turn */
			d->dirty = true;
		} else {
			logmsg("removed %s to re-add it where %s says",
			       have->key, where(want, w, sizeof(w)));
		}
		return add(d, want, log);
	}
	if (settings_cmd(want, have, cmd, sizeof(cmd))) {
		if (run_line(d, "%s", cmd))
			return failed(d, want, log, "cannot change %s (%s): %s",
				      want->key, where(want, w, sizeof(w)),
				      d->err);
		logmsg("changed %s (%s): %s", want->key,
		       where(want, w, sizeof(w)), cmd);
	}
	return 0;
}

int reconcile_port(struct kvsd *d, struct dobj *want, struct objset *act)
{
	return apply(d, want, act, false);
}

static bool desired_has(struct kvsd *d, const char *key)
{
	size_t i;

	if (objset_find(&d->desired, key))
		return true;
	for (i = 0; i < d->n_rports; i++) {
		char k[KEY_LEN];

		snprintf(k, sizeof(k), "port %s", d->rports[i].dev);
		if (!strcmp(k, key))
			return true;
	}
	return false;
}

bool port_desired(struct kvsd *d, const char *dev)
{
	char key[KEY_LEN];

	snprintf(key, sizeof(key), "port %s", dev);
	return desired_has(d, key);
}

/* Any fdb entry desired, or created by kvsd earlier? */
static bool wants_fdb(struct kvsd *d)
{
	size_t i;

	for (i = 0; i < d->desired.n; i++)
		if (d->desired.v[i].kind == K_FDB)
			return true;
	for (i = 0; i < d->n_owned; i++)
		if (!strncmp(d->owned[i], "fdb ", 4))
			return true;
	return false;
}

void reconcile(struct kvsd *d)
{
	struct objset act;
	size_t i;
	int k;

	d->dirty = false;
	if (!d->module)
		return;
	/* this turn's failures replace the last turn's */
	list_clear(&was_failed, &n_was_failed);
	was_failed = d->failed;
	n_was_failed = d->n_failed;
	d->failed = NULL;
	d->n_failed = 0;
	if (actual_load(d, &act, wants_fdb(d))) {
		struct dobj all = { .key = "kernel" };

		failed(d, &all, true, "cannot read the kernel's objects: %s",
		       d->err);
		return;
	}
	/* the devs still missing are logged once, not at every turn */
	list_clear(&d->was_pending, &d->n_was_pending);
	d->was_pending = d->pending;
	d->n_was_pending = d->n_pending;
	d->pending = NULL;
	d->n_pending = 0;

	for (k = 0; k < K_KINDS; k++) {
		for (i = 0; i < d->desired.n; i++)
			if (d->desired.v[i].kind == (enum dkind)k)
				apply(d, &d->desired.v[i], &act, true);
		if (k != K_PORT)
			continue;
		for (i = 0; i < d->n_rports; i++) {
			struct dobj o = { 0 };

			if (dobj_from_rport(&o, &d->rports[i], d->err,
					    sizeof(d->err)) == 0)
				apply(d, &o, &act, true);
			dobj_free(&o);
		}
	}

	/* what kvsd created and no longer wants: fdb first, switches last */
	for (k = K_KINDS - 1; k >= 0; k--) {
		for (i = 0; i < d->n_owned; ) {
			char *key = d->owned[i];
			struct dobj *have;

			if (strncmp(key, objects[k]->name,
				    strlen(objects[k]->name)) ||
			    key[strlen(objects[k]->name)] != ' ' ||
			    desired_has(d, key)) {
				i++;
				continue;
			}
			have = objset_find(&act, key);
			if (have && del_cmd(d, have) && d->ctx.nl.err != ENOENT &&
			    d->ctx.nl.err != ENODEV) {
				failed(d, have, true, "cannot remove %s: %s",
				       key, d->err);
				i++;
				continue;
			}
			if (have)
				logmsg("removed %s (no longer configured)", key);
			owned_del(d, key);	/* moves the last one to i */
		}
	}
	objset_free(&act);
	state_save(d);
}
