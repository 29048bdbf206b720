// SPDX-License-Identifier: GPL-2.0
/*
 * The RPC socket: newline-delimited JSON over a Unix stream socket (see
 * Documentation/kvsd.md). Every client socket is non-blocking and has a
 * bounded input buffer and an idle deadline, so a client that sends
 * garbage, stalls mid-request or never reads its answers costs kvsd one
 * slot for a few seconds and nothing else. Changes need peer uid 0 or the
 * configured group (SO_PEERCRED, checked once at accept).
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
#include <unistd.h>

#include "kvsd.h"

#define RPC_CLIENTS	32
#define RPC_LINE_MAX	65536
#define RPC_IDLE_MS	10000	/* a client silent this long is dropped */

struct client {
	int fd;
	bool may_change;
	pid_t pid;
	uid_t uid;
	size_t len;
	char *buf;		/* RPC_LINE_MAX + 1 */
	long long deadline;	/* ms, monotonic */
};

static int listen_fd = -1;
static struct client clients[RPC_CLIENTS];
static const char *sock_path;

int rpc_open(struct kvsd *d)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[sizeof(sa.sun_path)], *slash;
	int i;

	for (i = 0; i < RPC_CLIENTS; i++)
		clients[i].fd = -1;
	if (strlen(d->sock_path) >= sizeof(sa.sun_path)) {
		logmsg("socket path too long: %s", d->sock_path);
		return -1;
	}
	strcpy(sa.sun_path, d->sock_path);
	strcpy(dir, d->sock_path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) && errno != EEXIST) {
			logmsg("cannot create %s: %s", dir, strerror(errno));
			return -1;
		}
	}
	listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			   0);
	if (listen_fd < 0)
		return -1;
	/* a socket file left by a previous kvsd */
	unlink(d->sock_path);
	if (bind(listen_fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    chmod(d->sock_path, 0660) ||
	    (d->rpc_gid && chown(d->sock_path, 0, d->rpc_gid)) ||
	    listen(listen_fd, 16)) {
		logmsg("cannot listen on %s: %s", d->sock_path, strerror(errno));
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

/* Is @uid root or a member of @gid (primary or supplementary)? */
static bool may_change(struct kvsd *d, uid_t uid, gid_t gid)
{
	gid_t groups[256];
	int n = 256, i;
	struct passwd *pw;

	if (uid == 0)
		return true;
	if (!d->rpc_gid)
		return false;
	if (gid == d->rpc_gid)
		return true;
	pw = getpwuid(uid);
	if (!pw || getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) < 0)
		return false;
	for (i = 0; i < n; i++)
		if (groups[i] == d->rpc_gid)
			return true;
	return false;
}

static void rpc_accept(struct kvsd *d)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	struct client *c = NULL;
	int fd, i;

	fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	for (i = 0; i < RPC_CLIENTS; i++)
		if (clients[i].fd < 0) {
			c = &clients[i];
			break;
		}
	if (!c || getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len)) {
		/* full: the client sees the connection close */
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
	c->may_change = may_change(d, cr.uid, cr.gid);
	c->deadline = mono_ms() + RPC_IDLE_MS;
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

int rport_from_json(struct rport *p, struct json_object *o, char *err,
		    size_t size)
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

struct json_object *rport_to_json(const struct rport *p)
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

static struct json_object *port_json(const struct rport *p,
				     struct objset *act)
{
	struct json_object *o = rport_to_json(p);

	json_object_object_add(o, "attached",
			       json_object_new_boolean(attached(act, p)));
	return o;
}

static bool load_act(struct kvsd *d, struct objset *act)
{
	return d->module && !actual_load(d, act, false);
}

static struct json_object *op_attach(struct kvsd *d, struct json_object *req)
{
	struct objset act = { 0 };
	struct dobj want = { 0 };
	struct json_object *r;
	struct rport p, *old, *slot;
	char err[512], key[KEY_LEN];
	int ret;

	if (rport_from_json(&p, req, err, sizeof(err)))
		return error_reply("%s", err);
	snprintf(key, sizeof(key), "port %s", p.dev);
	if (objset_find(&d->desired, key))
		return error_reply("%s is configured in %s: it cannot be attached through the RPC",
				   p.dev, d->config);
	if (dobj_from_rport(&want, &p, err, sizeof(err))) {
		dobj_free(&want);
		return error_reply("%s", err);
	}
	/* the kvs parser has the last word on every value */
	if (kvsd_dry_run(d, want.argc, want.argv)) {
		dobj_free(&want);
		return error_reply("%s", d->err);
	}
	if (d->module) {
		if (!load_act(d, &act)) {
			dobj_free(&want);
			return error_reply("cannot read the kernel's ports: %s",
					   d->err);
		}
		ret = reconcile_port(d, &want, &act);
		objset_free(&act);
		if (ret < 0) {
			dobj_free(&want);
			return error_reply("%s", d->err);
		}
	}
	dobj_free(&want);

	old = rport_find(d, p.dev);
	if (old) {
		slot = old;
	} else {
		slot = realloc(d->rports, (d->n_rports + 1) * sizeof(*slot));
		if (!slot)
			return error_reply("%s", strerror(ENOMEM));
		d->rports = slot;
		slot = &d->rports[d->n_rports++];
	}
	*slot = p;
	if (state_save(d))
		logmsg("rpc attach %s: not persisted", p.dev);
	logmsg("rpc: attached %s to switch %s net %u", p.dev, p.sw, p.net);

	r = ok_reply();
	load_act(d, &act);
	json_object_object_add(r, "port", port_json(&p, &act));
	objset_free(&act);
	return r;
}

static struct json_object *op_detach(struct kvsd *d, struct json_object *req)
{
	struct json_object *r, *dev;
	struct objset act = { 0 };
	char name[IFNAMSIZ], err[256], key[KEY_LEN];
	struct rport *p;

	if (json_object_object_length(req) != 2 ||
	    !json_object_object_get_ex(req, "dev", &dev))
		return error_reply("detach takes \"dev\" and nothing else");
	if (get_name(dev, "dev", name, err, sizeof(err)))
		return error_reply("%s", err);
	p = rport_find(d, name);
	r = ok_reply();
	if (!p) {
		json_object_object_add(r, "removed",
				       json_object_new_boolean(false));
		return r;
	}
	snprintf(key, sizeof(key), "port %s", name);
	if (load_act(d, &act) && attached(&act, p) && owned_has(d, key)) {
		char *argv[] = { "port", "del", "dev", name };

		if (kvsd_run(d, 4, argv) && d->ctx.nl.err != ENODEV &&
		    d->ctx.nl.err != ENOENT) {
			objset_free(&act);
			json_object_put(r);
			return error_reply("%s", d->err);
		}
	}
	objset_free(&act);
	owned_del(d, key);
	*p = d->rports[--d->n_rports];
	state_save(d);
	logmsg("rpc: detached %s", name);
	json_object_object_add(r, "removed", json_object_new_boolean(true));
	return r;
}

static struct json_object *op_list(struct kvsd *d)
{
	struct json_object *r = ok_reply(), *ports = json_object_new_array();
	struct objset act = { 0 };
	size_t i;

	load_act(d, &act);
	for (i = 0; i < d->n_rports; i++)
		json_object_array_add(ports, port_json(&d->rports[i], &act));
	objset_free(&act);
	json_object_object_add(r, "ports", ports);
	return r;
}

static struct json_object *op_health(struct kvsd *d)
{
	struct json_object *r = ok_reply();
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
	return r;
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
					name, sock_path);
		else if (!strcmp(name, "attach"))
			r = op_attach(d, req);
		else
			r = op_detach(d, req);
	} else if (!strcmp(name, "list") || !strcmp(name, "health")) {
		if (json_object_object_length(req) != 1)
			r = error_reply("%s takes no arguments", name);
		else
			r = name[0] == 'l' ? op_list(d) : op_health(d);
	} else {
		r = error_reply("unknown op \"%.32s\": attach, detach, list or health",
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
	const char *s = json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN);
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
	c->deadline = mono_ms() + RPC_IDLE_MS;
	while ((nl = memchr(c->buf, '\n', c->len))) {
		size_t used = nl - c->buf + 1;
		struct json_object *r;

		*nl = '\0';
		if (memchr(c->buf, '\0', used - 1))
			r = error_reply("a request must not contain a NUL byte");
		else
			r = request(d, c, c->buf);
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
