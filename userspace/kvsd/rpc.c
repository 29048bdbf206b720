// SPDX-License-Identifier: GPL-2.0
/*
 * The RPC socket: newline-delimited JSON over a Unix stream socket (see
 * Documentation/kvsd.md). Every client socket is non-blocking and has a
 * bounded input buffer and an idle deadline, so a client that sends
 * garbage, stalls mid-request or never reads its answers costs kvsd one
 * slot for a few seconds and nothing else. Changes need peer uid 0 or the
 * configured group (SO_PEERCRED and SO_PEERGROUPS, read once at accept);
 * what they may change is bounded by auth.c, and an attachment belongs to
 * the uid that made it.
 *
 * Slots: at most RPC_CLIENTS connections, RPC_PER_UID of them per
 * non-root uid; when the table is full, a newcomer takes the slot of the
 * least recently active non-root client. A client's idle deadline moves
 * only with whole requests (a byte at a time does not keep a slot), and
 * each client has a token bucket of requests.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <dirent.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "kvsd.h"

#define RPC_CLIENTS	32
#define RPC_PER_UID	4	/* connections of one non-root uid */
#define RPC_LINE_MAX	65536
#define RPC_IDLE_MS	10000	/* a client silent this long is dropped */
#define RPC_BURST	20	/* requests at once, then RPC_RATE a second */
#define RPC_RATE	10
#define RPC_PENDING_MAX	16	/* attachments of a non-root uid whose
				 * netdev does not exist yet
				 */

struct client {
	int fd;
	bool may_change;
	pid_t pid;
	uid_t uid;
	size_t len;
	char *buf;		/* RPC_LINE_MAX + 1 */
	long long deadline;	/* ms, monotonic */
	long long active;	/* ms of the last whole request */
	double tokens;
	char cgroup[128];
};

static int listen_fd = -1;
static struct client clients[RPC_CLIENTS];
static const char *sock_path;

int rpc_open(struct kvsd *d)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[sizeof(sa.sun_path)], *slash;
	mode_t mask;
	int i, n;

	for (i = 0; i < RPC_CLIENTS; i++)
		clients[i].fd = -1;
	/* systemd socket activation (kvsd.socket): the socket is systemd's,
	 * made with its owner and mode before kvsd runs
	 */
	n = sd_listen_fds(1);
	if (n == 1 && sd_is_socket_unix(SD_LISTEN_FDS_START, SOCK_STREAM, 1,
					NULL, 0) > 0) {
		listen_fd = SD_LISTEN_FDS_START;
		fcntl(listen_fd, F_SETFL, fcntl(listen_fd, F_GETFL) | O_NONBLOCK);
		fcntl(listen_fd, F_SETFD, FD_CLOEXEC);
		logmsg("listening on the socket systemd passed (kvsd.socket)");
		return 0;
	}
	if (n > 0) {
		logerr("systemd passed %d sockets: kvsd takes one Unix stream socket", n);
		return -1;
	}
	if (strlen(d->sock_path) >= sizeof(sa.sun_path)) {
		logerr("socket path too long: %s", d->sock_path);
		return -1;
	}
	strcpy(sa.sun_path, d->sock_path);
	strcpy(dir, d->sock_path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) && errno != EEXIST) {
			logerr("cannot create %s: %s", dir, strerror(errno));
			return -1;
		}
	}
	listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			   0);
	if (listen_fd < 0)
		return -1;
	/* a socket file left by a previous kvsd (the instance lock, taken
	 * before, says none is running); made 0660 by bind() itself, so that
	 * there is no moment when others may connect
	 */
	unlink(d->sock_path);
	mask = umask(0117);
	i = bind(listen_fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(mask);
	if (i || (d->rpc_gid && chown(d->sock_path, 0, d->rpc_gid)) ||
	    listen(listen_fd, 64)) {
		logerr("cannot listen on %s: %s", d->sock_path, strerror(errno));
		close(listen_fd);
		listen_fd = -1;
		return -1;
	}
	sock_path = d->sock_path;
	return 0;
}

static void client_close(struct client *c)
{
	close(c->fd);
	free(c->buf);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

void rpc_close(void)
{
	int i;

	for (i = 0; i < RPC_CLIENTS; i++)
		if (clients[i].fd >= 0)
			client_close(&clients[i]);
	if (listen_fd >= 0) {
		close(listen_fd);
		if (sock_path)		/* not systemd's */
			unlink(sock_path);
	}
	listen_fd = -1;
}

int rpc_pollfds(struct pollfd *pfd, int max)
{
	int i, n = 0;

	if (listen_fd < 0)
		return 0;
	pfd[n++] = (struct pollfd){ .fd = listen_fd, .events = POLLIN };
	for (i = 0; i < RPC_CLIENTS && n < max; i++)
		if (clients[i].fd >= 0)
			pfd[n++] = (struct pollfd){ .fd = clients[i].fd,
						    .events = POLLIN };
	return n;
}

int rpc_timeout(void)
{
	long long now = mono_ms(), t = -1;
	int i;

	for (i = 0; i < RPC_CLIENTS; i++)
		if (clients[i].fd >= 0 && (t < 0 || clients[i].deadline < t))
			t = clients[i].deadline;
	if (t < 0)
		return -1;
	return t > now ? (int)(t - now) : 0;
}

/* Is the peer root or a member of the group (primary or supplementary:
 * the groups of the process that connected, not of the user database)?
 */
static bool may_change(struct kvsd *d, int fd, const struct ucred *cr)
{
	if (cr->uid == 0)
		return true;
	if (!d->rpc_gid)
		return false;
	return cr->gid == d->rpc_gid || peer_in_group(fd, cr->pid, d->rpc_gid);
}

static void rpc_accept(struct kvsd *d)
{
	struct client *c = NULL, *victim = NULL;
	struct ucred cr;
	socklen_t len = sizeof(cr);
	int fd, i, same_uid = 0;

	fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len)) {
		close(fd);
		return;
	}
	for (i = 0; i < RPC_CLIENTS; i++) {
		struct client *o = &clients[i];

		if (o->fd < 0) {
			if (!c)
				c = o;
			continue;
		}
		if (o->uid == cr.uid)
			same_uid++;
		if (o->uid != 0 && (!victim || o->active < victim->active))
			victim = o;
	}
	if (cr.uid != 0 && same_uid >= RPC_PER_UID) {
		/* the client sees its connection closed */
		close(fd);
		return;
	}
	if (!c && victim) {
		client_close(victim);
		c = victim;
	}
	if (!c) {
		close(fd);
		return;
	}
	c->buf = malloc(RPC_LINE_MAX + 1);
	if (!c->buf) {
		close(fd);
		return;
	}
	c->fd = fd;
	c->len = 0;
	c->pid = cr.pid;
	c->uid = cr.uid;
	c->may_change = may_change(d, fd, &cr);
	peer_cgroup(cr.pid, c->cgroup, sizeof(c->cgroup));
	c->active = mono_ms();
	c->deadline = c->active + RPC_IDLE_MS;
	c->tokens = RPC_BURST;
}

/* ---- the requests ---- */

static struct json_object *error_reply(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static struct json_object *error_reply(const char *fmt, ...)
{
	struct json_object *r = json_object_new_object();
	char msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_object_object_add(r, "ok", json_object_new_boolean(false));
	json_object_object_add(r, "error", json_object_new_string(msg));
	return r;
}

static struct json_object *ok_reply(void)
{
	struct json_object *r = json_object_new_object();

	json_object_object_add(r, "ok", json_object_new_boolean(true));
	return r;
}

/* A member that must be an integer within min..max */
static int get_u32(struct json_object *o, const char *key, uint32_t min,
		   uint32_t max, uint32_t *val, char *err, size_t size)
{
	int64_t v;

	if (!json_object_is_type(o, json_type_int)) {
		snprintf(err, size, "\"%s\" must be an integer", key);
		return -1;
	}
	errno = 0;
	v = json_object_get_int64(o);
	if (errno || v < min || v > max) {
		snprintf(err, size, "\"%s\" must be within %u..%u", key, min,
			 max);
		return -1;
	}
	*val = v;
	return 0;
}

static int get_name(struct json_object *o, const char *key, char *out,
		    char *err, size_t size)
{
	const char *s;

	if (!json_object_is_type(o, json_type_string)) {
		snprintf(err, size, "\"%s\" must be a string", key);
		return -1;
	}
	s = json_object_get_string(o);
	if (!*s || strlen(s) >= IFNAMSIZ || strchr(s, '/') ||
	    strpbrk(s, " \t\n\r\"'\\#:") || !strcmp(s, ".") ||
	    !strcmp(s, "..")) {
		snprintf(err, size, "\"%s\" is not a valid interface name", key);
		return -1;
	}
	strcpy(out, s);
	return 0;
}

int rport_from_json(struct rport *p, struct json_object *o, bool state,
		    char *err, size_t size)
{
	bool have_dev = false, have_sw = false, have_net = false;
	struct json_object_iterator it, end;

	memset(p, 0, sizeof(*p));
	if (!json_object_is_type(o, json_type_object)) {
		snprintf(err, size, "a port must be a JSON object");
		return -1;
	}
	it = json_object_iter_begin(o);
	end = json_object_iter_end(o);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		const char *k = json_object_iter_peek_name(&it);
		struct json_object *v = json_object_iter_peek_value(&it);

		if (!strcmp(k, "op")) {
			continue;
		} else if (!strcmp(k, "dev")) {
			if (get_name(v, k, p->dev, err, size))
				return -1;
			have_dev = true;
		} else if (!strcmp(k, "switch")) {
			if (get_name(v, k, p->sw, err, size))
				return -1;
			have_sw = true;
		} else if (!strcmp(k, "net")) {
			if (get_u32(v, k, KVS_NET_ID_MIN, KVS_NET_ID_MAX,
				    &p->net, err, size))
				return -1;
			have_net = true;
		} else if (!strcmp(k, "macs")) {
			size_t i, n;

			if (!json_object_is_type(v, json_type_array)) {
				snprintf(err, size, "\"macs\" must be an array of MAC addresses");
				return -1;
			}
			n = json_object_array_length(v);
			if (n > KVS_PORT_MACS_MAX) {
				snprintf(err, size, "\"macs\" has more than %d addresses",
					 KVS_PORT_MACS_MAX);
				return -1;
			}
			for (i = 0; i < n; i++) {
				struct json_object *m = json_object_array_get_idx(v, i);

				if (!json_object_is_type(m, json_type_string) ||
				    !parse_mac(json_object_get_string(m),
					       p->macs[i])) {
					snprintf(err, size, "\"macs\"[%zu] is not a MAC address", i);
					return -1;
				}
			}
			p->nmacs = n;
		} else if (!strcmp(k, "learning")) {
			if (!json_object_is_type(v, json_type_boolean)) {
				snprintf(err, size, "\"learning\" must be true or false");
				return -1;
			}
			p->has_learning = true;
			p->learning = json_object_get_boolean(v);
		} else if (!strcmp(k, "max_macs")) {
			if (get_u32(v, k, 0, UINT32_MAX, &p->max_macs, err, size))
				return -1;
			p->has_max_macs = true;
		} else if (!strcmp(k, "bum_limit")) {
			if (get_u32(v, k, 0, UINT32_MAX, &p->bum, err, size))
				return -1;
			p->has_bum = true;
		} else if (!strcmp(k, "tag")) {
			const char *t = json_object_get_string(v);
			size_t j;

			if (!json_object_is_type(v, json_type_string) ||
			    strlen(t) > KVSD_TAG_MAX) {
				snprintf(err, size, "\"tag\" must be a string of at most %d characters",
					 KVSD_TAG_MAX);
				return -1;
			}
			for (j = 0; t[j]; j++)
				if (t[j] < 0x20 || t[j] > 0x7e) {
					snprintf(err, size, "\"tag\" must be printable ASCII");
					return -1;
				}
			strcpy(p->tag, t);
		} else if (state && !strcmp(k, "uid")) {
			uint32_t u;

			if (get_u32(v, k, 0, UINT32_MAX - 1, &u, err, size))
				return -1;
			p->uid = u;
		} else if (state && !strcmp(k, "pid")) {
			uint32_t u;

			if (get_u32(v, k, 0, INT32_MAX, &u, err, size))
				return -1;
			p->pid = u;
		} else if (state && !strcmp(k, "cgroup")) {
			if (!json_object_is_type(v, json_type_string)) {
				snprintf(err, size, "\"cgroup\" must be a string");
				return -1;
			}
			snprintf(p->cgroup, sizeof(p->cgroup), "%s",
				 json_object_get_string(v));
		} else {
			snprintf(err, size, "unknown key \"%.64s\"", k);
			return -1;
		}
	}
	if (!have_dev || !have_sw || !have_net) {
		snprintf(err, size, "\"%s\" is required",
			 !have_dev ? "dev" : !have_sw ? "switch" : "net");
		return -1;
	}
	return 0;
}

struct json_object *rport_to_json(const struct rport *p, bool state)
{
	struct json_object *o = json_object_new_object();
	struct json_object *macs = json_object_new_array();
	char m[MAC_STRLEN];
	unsigned int i;

	json_object_object_add(o, "dev", json_object_new_string(p->dev));
	json_object_object_add(o, "switch", json_object_new_string(p->sw));
	json_object_object_add(o, "net", json_object_new_int64(p->net));
	for (i = 0; i < p->nmacs; i++)
		json_object_array_add(macs, json_object_new_string(
			format_mac(p->macs[i], m)));
	json_object_object_add(o, "macs", macs);
	if (p->has_learning)
		json_object_object_add(o, "learning",
				       json_object_new_boolean(p->learning));
	if (p->has_max_macs)
		json_object_object_add(o, "max_macs",
				       json_object_new_int64(p->max_macs));
	if (p->has_bum)
		json_object_object_add(o, "bum_limit",
				       json_object_new_int64(p->bum));
	if (p->tag[0])
		json_object_object_add(o, "tag", json_object_new_string(p->tag));
	json_object_object_add(o, "uid", json_object_new_int64(p->uid));
	if (!state)
		return o;
	if (p->pid)
		json_object_object_add(o, "pid", json_object_new_int64(p->pid));
	if (p->cgroup[0])
		json_object_object_add(o, "cgroup",
				       json_object_new_string(p->cgroup));
	return o;
}

static struct rport *rport_find(struct kvsd *d, const char *dev)
{
	size_t i;

	for (i = 0; i < d->n_rports; i++)
		if (!strcmp(d->rports[i].dev, dev))
			return &d->rports[i];
	return NULL;
}

/* Is @dev attached as @p says, per the kernel's @act? */
static bool attached(struct objset *act, const struct rport *p)
{
	char key[KEY_LEN];
	struct dobj *o;

	snprintf(key, sizeof(key), "port %s", p->dev);
	o = act ? objset_find(act, key) : NULL;
	return o && !o->fabric && !strcmp(o->sw, p->sw) && o->net == p->net;
}

static struct json_object *port_json(struct kvsd *d, const struct rport *p,
				     struct objset *act)
{
	struct json_object *o = rport_to_json(p, false);
	bool on = attached(act, p);
	char key[KEY_LEN];
	const char *why;

	json_object_object_add(o, "attached", json_object_new_boolean(on));
	snprintf(key, sizeof(key), "port %s", p->dev);
	why = failed_why(d, key);
	if (on)
		return o;
	if (!d->module)
		json_object_object_add(o, "pending",
				       json_object_new_string("the kvs module is not loaded"));
	else if (is_pending(d, p->dev))
		json_object_object_add(o, "pending",
				       json_object_new_string("waiting for the netdev"));
	else if (why)
		json_object_object_add(o, "error", json_object_new_string(why));
	return o;
}

static bool load_act(struct kvsd *d, struct objset *act)
{
	return d->module && !actual_load(d, act, false);
}

/* Attachments of @uid whose netdev does not exist */
static size_t waiting_of(struct kvsd *d, uid_t uid)
{
	size_t i, n = 0;

	for (i = 0; i < d->n_rports; i++)
		n += d->rports[i].uid == uid &&
		     !if_nametoindex(d->rports[i].dev);
	return n;
}

static struct json_object *op_attach(struct kvsd *d, struct client *c,
				     struct json_object *req)
{
	struct objset act = { 0 };
	struct dobj want = { 0 }, *have = NULL;
	struct json_object *r;
	struct rport p, *old, *slot, saved;
	char err[512], key[KEY_LEN];
	bool ours, created = false, had_old;
	int ret;

	if (rport_from_json(&p, req, false, err, sizeof(err)))
		return error_reply("%s", err);
	p.uid = c->uid;
	p.pid = c->pid;
	snprintf(p.cgroup, sizeof(p.cgroup), "%s", c->cgroup);
	snprintf(key, sizeof(key), "port %s", p.dev);
	if (objset_find(&d->desired, key))
		return error_reply("%s is configured in %s: it cannot be attached through the RPC",
				   p.dev, d->config);
	old = rport_find(d, p.dev);
	if (old && old->uid != c->uid && c->uid != 0)
		return error_reply("permission denied: %s was attached by uid %u; only that user or root may change it",
				   p.dev, (unsigned int)old->uid);
	if (d->module && !load_act(d, &act))
		return error_reply("cannot read the kernel's ports: %s", d->err);
	have = objset_find(&act, key);
	ours = old && owned_has(d, key);
	if (have && !ours) {
		objset_free(&act);
		return error_reply("%s is already a kvs port (switch %s) that kvsd's RPC did not make: left alone",
				   p.dev, have->sw);
	}
	if (auth_attach(d, c->uid, &p, ours, err, sizeof(err))) {
		objset_free(&act);
		return error_reply("%s", err);
	}
	if (c->uid != 0 && !if_nametoindex(p.dev) &&
	    (!old || if_nametoindex(old->dev)) &&
	    waiting_of(d, c->uid) >= RPC_PENDING_MAX) {
		objset_free(&act);
		return error_reply("too many attachments of uid %u wait for their netdev (at most %d)",
				   (unsigned int)c->uid, RPC_PENDING_MAX);
	}
	if (dobj_from_rport(&want, &p, err, sizeof(err))) {
		objset_free(&act);
		dobj_free(&want);
		return error_reply("%s", err);
	}
	/* the kvs parser has the last word on every value */
	if (kvsd_dry_run(d, want.argc, want.argv)) {
		objset_free(&act);
		dobj_free(&want);
		return error_reply("%s", d->err);
	}
	if (d->module) {
		ret = reconcile_port(d, &want, &act);
		if (ret < 0) {
			objset_free(&act);
			dobj_free(&want);
			return error_reply("%s", d->err);
		}
		created = !have && ret == 0;
	}
	objset_free(&act);
	dobj_free(&want);

	had_old = old != NULL;
	if (old) {
		saved = *old;
		slot = old;
	} else {
		slot = realloc(d->rports, (d->n_rports + 1) * sizeof(*slot));
		if (!slot) {
			snprintf(err, sizeof(err), "%s", strerror(ENOMEM));
			goto undo;
		}
		d->rports = slot;
		slot = &d->rports[d->n_rports++];
	}
	*slot = p;
	if (state_save(d)) {
		snprintf(err, sizeof(err), "cannot record the attachment in the state file: %s",
			 strerror(errno));
		if (had_old)
			*slot = saved;
		else
			d->n_rports--;
		goto undo;
	}
	logmsg("rpc: uid %u attached %s to switch %s net %u%s%s",
	       (unsigned int)p.uid, p.dev, p.sw, p.net, p.tag[0] ? ", tag " : "",
	       p.tag);

	r = ok_reply();
	load_act(d, &act);
	json_object_object_add(r, "port", port_json(d, &p, &act));
	objset_free(&act);
	return r;

undo:
	/* nothing is answered ok that a restart would forget */
	if (created) {
		char *argv[] = { "port", "del", "dev", p.dev };

		if (!kvsd_run(d, 4, argv))
			owned_del(d, key);
	} else if (had_old) {
		d->dirty = true;	/* the old settings back */
	}
	logerr("rpc attach %s refused: %s", p.dev, err);
	return error_reply("%s", err);
}

/* Forget attachment @p, detaching its port if kvsd made it; 0 or -1 */
static int detach_rport(struct kvsd *d, struct rport *p)
{
	struct objset act = { 0 };
	char key[KEY_LEN], name[IFNAMSIZ];

	snprintf(name, sizeof(name), "%s", p->dev);
	snprintf(key, sizeof(key), "port %s", name);
	if (load_act(d, &act) && attached(&act, p) && owned_has(d, key)) {
		char *argv[] = { "port", "del", "dev", name };

		if (kvsd_run(d, 4, argv) && d->ctx.nl.err != ENODEV &&
		    d->ctx.nl.err != ENOENT) {
			objset_free(&act);
			return -1;
		}
	}
	objset_free(&act);
	owned_del(d, key);
	*p = d->rports[--d->n_rports];
	state_save(d);
	return 0;
}

static struct json_object *op_detach(struct kvsd *d, struct client *c,
				     struct json_object *req)
{
	struct json_object *r, *dev;
	char name[IFNAMSIZ], err[256];
	struct rport *p;

	if (json_object_object_length(req) != 2 ||
	    !json_object_object_get_ex(req, "dev", &dev))
		return error_reply("detach takes \"dev\" and nothing else");
	if (get_name(dev, "dev", name, err, sizeof(err)))
		return error_reply("%s", err);
	p = rport_find(d, name);
	if (p && p->uid != c->uid && c->uid != 0)
		return error_reply("permission denied: %s was attached by uid %u; only that user or root may detach it",
				   name, (unsigned int)p->uid);
	r = ok_reply();
	if (!p) {
		json_object_object_add(r, "removed",
				       json_object_new_boolean(false));
		return r;
	}
	if (detach_rport(d, p)) {
		json_object_put(r);
		return error_reply("%s", d->err);
	}
	logmsg("rpc: uid %u detached %s", (unsigned int)c->uid, name);
	json_object_object_add(r, "removed", json_object_new_boolean(true));
	return r;
}

/* The detach records the CNI plugin leaves when kvsd is down (DIR/detach/
 * DEV next to the socket, root's only, holding the attachment's tag):
 * each detaches DEV if its tag matches, then goes
 */
void rpc_collect_detached(struct kvsd *d)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path) + 8], *slash;
	struct dirent *e;
	int dfd;
	DIR *dp;

	snprintf(dir, sizeof(dir), "%s", d->sock_path);
	slash = strrchr(dir, '/');
	if (!slash)
		return;
	strcpy(slash + 1, "detach");
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return;
	dp = fdopendir(dfd);
	if (!dp) {
		close(dfd);
		return;
	}
	while ((e = readdir(dp))) {
		char tag[KVSD_TAG_MAX + 2] = "";
		struct rport *p;
		ssize_t n;
		int fd;

		if (e->d_name[0] == '.')
			continue;
		fd = openat(dfd, e->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
			    O_NONBLOCK);
		if (fd >= 0) {
			n = read(fd, tag, sizeof(tag) - 1);
			tag[n > 0 ? n : 0] = '\0';
			tag[strcspn(tag, "\n")] = '\0';
			close(fd);
		}
		p = strlen(e->d_name) < IFNAMSIZ ? rport_find(d, e->d_name) : NULL;
		if (p && !strcmp(p->tag, tag) && !detach_rport(d, p))
			logmsg("rpc: detached %s (a detach record left while kvsd was away)",
			       e->d_name);
		else if (p)
			logwarn("%s/%s: does not match the attachment of %s (tag \"%s\"): ignored",
				dir, e->d_name, e->d_name, p->tag);
		unlinkat(dfd, e->d_name, 0);
	}
	closedir(dp);
}

static struct json_object *op_list(struct kvsd *d)
{
	struct json_object *r = ok_reply(), *ports = json_object_new_array();
	struct objset act = { 0 };
	size_t i;

	load_act(d, &act);
	for (i = 0; i < d->n_rports; i++)
		json_object_array_add(ports, port_json(d, &d->rports[i], &act));
	objset_free(&act);
	json_object_object_add(r, "ports", ports);
	return r;
}

static struct json_object *op_health(struct kvsd *d)
{
	struct json_object *r = ok_reply(), *f = json_object_new_array();
	struct objset act = { 0 };
	size_t i, n = 0;

	load_act(d, &act);
	for (i = 0; i < d->n_rports; i++)
		n += attached(&act, &d->rports[i]);
	objset_free(&act);
	json_object_object_add(r, "module", json_object_new_boolean(d->module));
	json_object_object_add(r, "version",
			       json_object_new_string(KVS_VERSION));
	json_object_object_add(r, "ports", json_object_new_int64(d->n_rports));
	json_object_object_add(r, "attached", json_object_new_int64(n));
	/* work not done yet: netdevs waited for, failures retried */
	json_object_object_add(r, "waiting", json_object_new_int64(d->n_pending));
	for (i = 0; i < d->n_failed; i++) {
		struct json_object *e = json_object_new_object();
		const char *tab = strchr(d->failed[i], '\t');

		json_object_object_add(e, "object", json_object_new_string_len(
			d->failed[i], tab ? (int)(tab - d->failed[i]) : 0));
		json_object_object_add(e, "error",
				       json_object_new_string(tab ? tab + 1 : ""));
		json_object_array_add(f, e);
	}
	json_object_object_add(r, "failed", f);
	if (d->retry_at) {
		long long ms = d->retry_at - mono_ms();

		json_object_object_add(r, "retry_in_ms",
				       json_object_new_int64(ms > 0 ? ms : 0));
	}
	return r;
}

static struct json_object *op_reload(struct kvsd *d)
{
	char why[600];

	if (load_config(d, why, sizeof(why)))
		return error_reply("%s", why);
	return ok_reply();
}

static struct json_object *request(struct kvsd *d, struct client *c,
				   const char *line)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *req, *op, *r;
	const char *name;

	if (!tok)
		return error_reply("%s", strerror(ENOMEM));
	req = json_tokener_parse_ex(tok, line, strlen(line));
	if (!req || json_tokener_get_parse_end(tok) != strlen(line)) {
		r = error_reply("not a JSON object: %s",
				json_tokener_error_desc(json_tokener_get_error(tok)));
		json_object_put(req);
		json_tokener_free(tok);
		return r;
	}
	json_tokener_free(tok);
	if (!json_object_is_type(req, json_type_object) ||
	    !json_object_object_get_ex(req, "op", &op) ||
	    !json_object_is_type(op, json_type_string)) {
		json_object_put(req);
		return error_reply("a request is a JSON object with a string \"op\"");
	}
	name = json_object_get_string(op);
	if (!strcmp(name, "attach") || !strcmp(name, "detach")) {
		if (!c->may_change)
			r = error_reply("permission denied: %s needs root or the group of %s",
					name, d->sock_path);
		else if (!strcmp(name, "attach"))
			r = op_attach(d, c, req);
		else
			r = op_detach(d, c, req);
	} else if (!strcmp(name, "list") || !strcmp(name, "health") ||
		   !strcmp(name, "reload")) {
		if (json_object_object_length(req) != 1)
			r = error_reply("%s takes no arguments", name);
		else if (name[0] == 'l')
			r = op_list(d);
		else if (name[0] == 'h')
			r = op_health(d);
		else if (c->uid != 0)
			r = error_reply("permission denied: reload needs root");
		else
			r = op_reload(d);
	} else {
		r = error_reply("unknown op \"%.32s\": attach, detach, list, health or reload",
				name);
	}
	json_object_put(req);
	return r;
}

/* Send @r and a newline; false if the client cannot take it now (it does
 * not read its answers: it is dropped rather than waited for)
 */
static bool reply(struct client *c, struct json_object *r)
{
	const char *s = json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN |
						 JSON_C_TO_STRING_NOSLASHESCAPE);
	size_t len = strlen(s), off = 0;
	struct iovec iov[2];
	bool ok = true;

	while (off < len + 1) {
		struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
		ssize_t w;

		iov[0].iov_base = (char *)s + (off < len ? off : len);
		iov[0].iov_len = off < len ? len - off : 0;
		iov[1].iov_base = "\n";
		iov[1].iov_len = 1;
		w = sendmsg(c->fd, &mh, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			ok = false;
			break;
		}
		off += w;
	}
	json_object_put(r);
	return ok;
}

static void client_read(struct kvsd *d, struct client *c)
{
	ssize_t n;
	char *nl;

	n = read(c->fd, c->buf + c->len, RPC_LINE_MAX - c->len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		client_close(c);
		return;
	}
	c->len += n;
	while ((nl = memchr(c->buf, '\n', c->len))) {
		size_t used = nl - c->buf + 1;
		long long now = mono_ms();
		struct json_object *r;

		/* a whole request keeps the slot; a byte at a time does not */
		c->tokens += (now - c->active) * RPC_RATE / 1000.0;
		if (c->tokens > RPC_BURST)
			c->tokens = RPC_BURST;
		c->active = now;
		c->deadline = now + RPC_IDLE_MS;
		*nl = '\0';
		if (c->tokens < 1)
			r = error_reply("too many requests: at most %d a second",
					RPC_RATE);
		else if (memchr(c->buf, '\0', used - 1))
			r = error_reply("a request must not contain a NUL byte");
		else
			r = request(d, c, c->buf);
		if (c->tokens >= 1)
			c->tokens -= 1;
		if (!reply(c, r)) {
			client_close(c);
			return;
		}
		memmove(c->buf, c->buf + used, c->len - used);
		c->len -= used;
	}
	if (c->len == RPC_LINE_MAX) {
		reply(c, error_reply("request longer than %d bytes", RPC_LINE_MAX));
		client_close(c);
	}
}

void rpc_handle(struct kvsd *d, struct pollfd *pfd, int n)
{
	long long now = mono_ms();
	int i, j;

	for (i = 0; i < n; i++) {
		if (!pfd[i].revents)
			continue;
		if (pfd[i].fd == listen_fd) {
			rpc_accept(d);
			continue;
		}
		for (j = 0; j < RPC_CLIENTS; j++)
			if (clients[j].fd == pfd[i].fd)
				client_read(d, &clients[j]);
	}
	for (j = 0; j < RPC_CLIENTS; j++)
		if (clients[j].fd >= 0 && clients[j].deadline <= now)
			client_close(&clients[j]);
}
