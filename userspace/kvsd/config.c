// SPDX-License-Identifier: GPL-2.0
/*
 * The configuration file: lines of kvs(8)'s batch syntax, of which only
 * the four "add" commands (switch, net, port, fdb) declare objects. Each
 * becomes a desired object that keeps its words: kvsd creates the object
 * by running that very command, and reads the few settings it compares
 * with the kernel's from the same words. The kvs command parser checks
 * each line (a dry run), so kvsd accepts exactly what kvs accepts.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvsd.h"

void dobj_free(struct dobj *o)
{
	free(o->words);
	o->words = NULL;
	o->argc = 0;
}

void objset_free(struct objset *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		dobj_free(&s->v[i]);
	free(s->v);
	free(s->rules);
	free(s->evpn);
	memset(s, 0, sizeof(*s));
}

struct dobj *objset_add(struct objset *s)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct dobj *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		s->v = v;
		s->cap = cap;
	}
	memset(&s->v[s->n], 0, sizeof(s->v[0]));
	return &s->v[s->n++];
}

/* The value of keyword @kw in words @argv[from..], or NULL */
static const char *word_after(struct dobj *o, int from, const char *kw)
{
	int i;

	for (i = from; i + 1 < o->argc; i += 2)
		if (!strcmp(o->argv[i], kw))
			return o->argv[i + 1];
	return NULL;
}

static int bad(char *err, size_t size, const char *what)
{
	snprintf(err, size, "%s", what);
	return -1;
}

/* Settings of a port from its keyword/value words (the kvs parser has
 * checked them already, or will when the command runs)
 */
static void port_settings(struct dobj *o, int from)
{
	const char *v;
	int i;

	/* the configuration is the whole truth: a setting it leaves out is
	 * the kernel's default, and a port that differs is set back to it
	 */
	o->has_macs = o->has_learning = o->has_max_macs = o->has_bum =
		o->has_gfm = true;
	o->learning = true;
	o->max_macs = KVS_PORT_MAX_MACS_DEFAULT;
	for (i = from; i + 1 < o->argc; i += 2) {
		if (strcmp(o->argv[i], "mac") || !strcmp(o->argv[i + 1], "none"))
			continue;
		if (o->nmacs < KVS_PORT_MACS_MAX &&
		    parse_mac(o->argv[i + 1], o->macs[o->nmacs]))
			o->nmacs++;
	}
	v = word_after(o, from, "learning");
	if (v)
		o->learning = !strcmp(v, "on");
	v = word_after(o, from, "max-macs");
	if (v)
		parse_u32(v, 0, UINT32_MAX, &o->max_macs);
	v = word_after(o, from, "bum-limit");
	if (v)
		parse_u32(v, 0, UINT32_MAX, &o->bum);
	v = word_after(o, from, "group-fwd-mask");
	if (v)
		parse_u32_hex(v, 0xffff, &o->gfm);
}

void dobj_key(struct dobj *o)
{
	static const uint8_t zero[MAC_LEN];
	char m[MAC_STRLEN];
	bool flood = !memcmp(o->mac, zero, MAC_LEN);

	switch (o->kind) {
	case K_SWITCH:
		snprintf(o->key, sizeof(o->key), "switch %s", o->sw);
		break;
	case K_NET:
		snprintf(o->key, sizeof(o->key), "net %s %u", o->sw, o->net);
		break;
	case K_PORT:
		snprintf(o->key, sizeof(o->key), "port %s", o->dev);
		break;
	default:
		/* the flood list has one entry per remote */
		snprintf(o->key, sizeof(o->key), "fdb %s %u %s%s%s", o->sw,
			 o->net, format_mac(o->mac, m), flood ? " " : "",
			 flood ? o->remote : "");
	}
}

/* The canonical form of an address word, or "-" */
static void canon_addr(const char *w, char *out)
{
	struct kvs_addr a;

	if (w && parse_addr(w, &a))
		format_addr(a.family, &a.v4, out);
	else
		strcpy(out, "-");
}

void fabric_id_fmt(char *out, size_t size, const char *encap,
		   const char *local, const char *remote, unsigned int dstport)
{
	if (!strcmp(encap, "vxlan"))
		snprintf(out, size, "vxlan local %s remote %s dstport %u",
			 local, remote, dstport);
	else
		snprintf(out, size, "%s", encap);
}

/* What a fabric port's words say that "port set" cannot change */
static void fabric_id(struct dobj *o)
{
	char local[ADDR_STRLEN], remote[ADDR_STRLEN];
	const char *dp = word_after(o, 2, "dstport");
	uint32_t dstport = 4789;

	canon_addr(word_after(o, 2, "local"), local);
	canon_addr(word_after(o, 2, "remote"), remote);
	if (dp)
		parse_u32(dp, 1, 65535, &dstport);
	fabric_id_fmt(o->fabric_id, sizeof(o->fabric_id),
		      word_after(o, 2, "fabric") ?: "", local, remote, dstport);
}

/* Fill @o from its words: the kind, the key and the settings */
static int dobj_parse(struct dobj *o, char *err, size_t size)
{
	const char *sw, *v;

	if (o->argc < 3 || strcmp(o->argv[1], "add"))
		return bad(err, size, "only \"switch add\", \"net add\", \"port add\" and \"fdb add\" declare objects");
	sw = word_after(o, 3, "switch");
	if (!strcmp(o->argv[0], "switch")) {
		o->kind = K_SWITCH;
		sw = o->argv[2];
		o->has_ageing = o->has_batch = true;
		o->ageing = KVS_AGEING_TIME_DEFAULT;
		o->batch = KVS_BATCH_DEFAULT;
		v = word_after(o, 3, "ageing");
		if (v)
			parse_u32(v, 0, UINT32_MAX, &o->ageing);
		v = word_after(o, 3, "batch");
		if (v)
			parse_u32(v, 0, UINT32_MAX, &o->batch);
	} else if (!strcmp(o->argv[0], "net")) {
		o->kind = K_NET;
		if (!parse_u32(o->argv[2], KVS_NET_ID_MIN, KVS_NET_ID_MAX,
			       &o->net))
			return bad(err, size, "net add: bad network id");
		o->has_max_macs = true;
		o->max_macs = KVS_NET_MAX_MACS_DEFAULT;
		v = word_after(o, 3, "max-macs");
		if (v)
			parse_u32(v, 0, UINT32_MAX, &o->max_macs);
		v = word_after(o, 3, "name");
		snprintf(o->label, sizeof(o->label), "%s", v ? v : "");
	} else if (!strcmp(o->argv[0], "port")) {
		const char *dev = word_after(o, 2, "dev");

		o->kind = K_PORT;
		sw = word_after(o, 2, "switch");
		if (!dev)
			return bad(err, size, "port add: no dev");
		snprintf(o->dev, sizeof(o->dev), "%s", dev);
		o->fabric = word_after(o, 2, "fabric") != NULL;
		v = word_after(o, 2, "net");
		if (v && !parse_u32(v, KVS_NET_ID_MIN, KVS_NET_ID_MAX, &o->net))
			return bad(err, size, "port add: bad network id");
		if (o->fabric) {
			/* "fabric vxlan|vlan" then keyword/value pairs */
			v = word_after(o, 2, "learning");
			o->has_learning = true;
			o->learning = !v || !strcmp(v, "on");
			v = word_after(o, 2, "peers");
			o->has_peers = true;
			o->peers = v && !strcmp(v, "known") ? KVS_PEERS_KNOWN :
							     KVS_PEERS_ANY;
			fabric_id(o);
		} else {
			port_settings(o, 2);
		}
	} else if (!strcmp(o->argv[0], "fdb")) {
		const char *dev = word_after(o, 3, "dev");
		const char *remote = word_after(o, 3, "remote");
		struct kvs_addr a;

		o->kind = K_FDB;
		if (!parse_mac(o->argv[2], o->mac))
			return bad(err, size, "fdb add: bad MAC");
		v = word_after(o, 3, "net");
		if (!v || !parse_u32(v, KVS_NET_ID_MIN, KVS_NET_ID_MAX, &o->net))
			return bad(err, size, "fdb add: bad or no network id");
		if (dev)
			snprintf(o->dev, sizeof(o->dev), "%s", dev);
		/* the canonical form, to compare with the kernel's */
		if (remote && parse_addr(remote, &a))
			format_addr(a.family, &a.v4, o->remote);
	} else {
		return bad(err, size, "only \"switch add\", \"net add\", \"port add\" and \"fdb add\" declare objects");
	}
	if (!sw && o->kind != K_SWITCH)
		return bad(err, size, "no switch given");
	snprintf(o->sw, sizeof(o->sw), "%s", sw);

	dobj_key(o);
	return 0;
}

int dobj_from_line(struct dobj *o, const char *line, char *err,
		   size_t errsize)
{
	int argc;

	o->words = strdup(line);
	if (!o->words)
		return bad(err, errsize, strerror(ENOMEM));
	argc = split_words(o->words, o->argv, MAX_WORDS);
	if (argc == -1)
		return bad(err, errsize, "unterminated quote");
	if (argc == -2)
		return bad(err, errsize, "too many words");
	o->argc = argc;
	if (!argc)
		return 0;
	return dobj_parse(o, err, errsize);
}

int dobj_from_rport(struct dobj *o, const struct rport *p, char *err,
		    size_t errsize)
{
	char line[64 + KVS_PORT_MACS_MAX * (MAC_STRLEN + 5) + 96];
	char m[MAC_STRLEN];
	size_t len;
	unsigned int i;

	len = snprintf(line, sizeof(line), "port add dev %s switch %s net %u",
		       p->dev, p->sw, p->net);
	for (i = 0; i < p->nmacs; i++)
		len += snprintf(line + len, sizeof(line) - len, " mac %s",
				format_mac(p->macs[i], m));
	if (p->has_learning)
		len += snprintf(line + len, sizeof(line) - len, " learning %s",
				p->learning ? "on" : "off");
	if (p->has_max_macs)
		len += snprintf(line + len, sizeof(line) - len, " max-macs %u",
				p->max_macs);
	if (p->has_bum)
		snprintf(line + len, sizeof(line) - len, " bum-limit %u",
			 p->bum);
	if (dobj_from_line(o, line, err, errsize))
		return -1;
	o->rpc = true;
	return 0;
}

/* Log a configuration error; the first is kept for the reload request */
static void cfgerr(struct kvsd *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void cfgerr(struct kvsd *d, const char *fmt, ...)
{
	char msg[sizeof(d->cfg_err)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	logerr("%s", msg);
	if (!d->cfg_err[0])
		snprintf(d->cfg_err, sizeof(d->cfg_err), "%s", msg);
}

/*
 * The words of @line into @argv, in a copy (*@words, the caller's to free),
 * if its first word is @kw: their count; 0 (nothing to free) if it is
 * another line; -1 without memory
 */
static int line_words(const char *line, const char *kw, char **words,
		      char **argv)
{
	int argc;

	*words = strdup(line);
	if (!*words)
		return -1;
	argc = split_words(*words, argv, MAX_WORDS);
	if (argc < 1 || strcmp(argv[0], kw)) {
		free(*words);
		return 0;
	}
	return argc;
}

/* An "rpc allow" line: 1 (parsed into @out, or logged: *ret = -1), or 0
 * if @line is something else
 */
static int rule_line(struct kvsd *d, const char *path, unsigned long lineno,
		     const char *line, struct objset *out, int *ret)
{
	char *words, *argv[MAX_WORDS], err[256];
	struct rpc_rule *v;
	int argc;

	argc = line_words(line, "rpc", &words, argv);
	if (argc == 0)
		return 0;
	if (argc < 0) {
		*ret = -1;
		return 1;
	}
	v = realloc(out->rules, (out->nrules + 1) * sizeof(*v));
	if (!v) {
		cfgerr(d, "%s: %s", path, strerror(ENOMEM));
		*ret = -1;
	} else {
		out->rules = v;
		if (rule_parse(&v[out->nrules], argc, argv, err, sizeof(err))) {
			cfgerr(d, "%s:%lu: %s", path, lineno, err);
			*ret = -1;
		} else {
			v[out->nrules++].lineno = lineno;
		}
	}
	free(words);
	return 1;
}

/* An "evpn" line: 1 (parsed into @out, or logged: *ret = -1), or 0 if
 * @line is something else
 */
static int evpn_line(struct kvsd *d, const char *path, unsigned long lineno,
		     const char *line, struct objset *out, int *ret)
{
	char *words, *argv[MAX_WORDS], err[256];
	struct evpn_cfg *v, e;
	int argc;
	size_t i;

	argc = line_words(line, "evpn", &words, argv);
	if (argc == 0)
		return 0;
	if (argc < 0) {
		*ret = -1;
		return 1;
	}
	if (evpn_parse(&e, argc, argv, err, sizeof(err))) {
		cfgerr(d, "%s:%lu: %s", path, lineno, err);
		*ret = -1;
		goto out;
	}
	e.lineno = lineno;
	for (i = 0; i < out->nevpn; i++) {
		if (!strcmp(out->evpn[i].sw, e.sw)) {
			cfgerr(d, "%s:%lu: evpn for switch %s is already declared on line %lu",
			       path, lineno, e.sw, out->evpn[i].lineno);
			*ret = -1;
			goto out;
		}
	}
	v = realloc(out->evpn, (out->nevpn + 1) * sizeof(*v));
	if (!v) {
		cfgerr(d, "%s: %s", path, strerror(ENOMEM));
		*ret = -1;
		goto out;
	}
	out->evpn = v;
	v[out->nevpn++] = e;
out:
	free(words);
	return 1;
}

int config_load(struct kvsd *d, const char *path, struct objset *out,
		bool check)
{
	char *line = NULL, err[512];
	unsigned long lineno = 0;
	size_t cap = 0;
	int ret = 0;
	FILE *f;

	memset(out, 0, sizeof(*out));
	d->cfg_err[0] = '\0';
	f = fopen(path, "r");
	if (!f) {
		cfgerr(d, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (getline(&line, &cap, f) > 0) {
		struct dobj *o, *dup;

		lineno++;
		if (rule_line(d, path, lineno, line, out, &ret) ||
		    evpn_line(d, path, lineno, line, out, &ret))
			continue;
		o = objset_add(out);
		if (!o) {
			cfgerr(d, "%s: %s", path, strerror(ENOMEM));
			ret = -1;
			break;
		}
		o->lineno = lineno;
		if (dobj_from_line(o, line, err, sizeof(err))) {
			cfgerr(d, "%s:%lu: %s", path, lineno, err);
			ret = -1;
		} else if (!o->argc) {
			/* blank or comment */
		} else if (check && kvsd_dry_run(d, o->argc, o->argv)) {
			cfgerr(d, "%s:%lu: %s", path, lineno, d->err);
			ret = -1;
		} else if ((dup = objset_find(out, o->key)) && dup != o) {
			cfgerr(d, "%s:%lu: %s is already declared on line %lu",
			       path, lineno, o->key, dup->lineno);
			ret = -1;
		} else {
			continue;
		}
		/* drop the line just added */
		dobj_free(o);
		out->n--;
	}
	if (!ret && ferror(f)) {
		cfgerr(d, "%s: %s", path, strerror(errno));
		ret = -1;
	}
	free(line);
	fclose(f);
	if (ret)
		objset_free(out);
	return ret;
}
