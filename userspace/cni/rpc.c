// SPDX-License-Identifier: GPL-2.0
/*
 * kvs CNI plugin: the kvsd client. One connection a request: the request
 * as one JSON line, the answer as one JSON line (Documentation/kvsd.md),
 * connect, send and receive within RPC_TIMEOUT_MS in all. kvsd not
 * reachable or not answering in time is error 11 (try again later).
 *
 * Detach records: a DEL that cannot reach kvsd leaves the file
 * SOCKETDIR/detach/DEV holding the attachment's tag and a newline; kvsd
 * reads the directory when it starts and at each reconciliation, detaches
 * DEV if its attachment still carries that tag, and removes the file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "cni.h"

#define RPC_TIMEOUT_MS 10000
#define RPC_REPLY_MAX (16 << 20)

static int left_ms(long long deadline)
{
	long long l = deadline - mono_ms();

	return l > 0 ? (int)l : 0;
}

static int unreachable(struct cni *c, const char *what, int err)
{
	return cni_fail(c, CNI_ERR_AGAIN, "kvsd is not reachable", "%s %s: %s",
			what, c->socket, err ? strerror(err) : "timed out");
}

/* Wait for @events on @fd until @deadline: 0, or -1 with errno set */
static int wait_fd(int fd, short events, long long deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	int r;

	do {
		r = poll(&p, 1, left_ms(deadline));
	} while (r < 0 && errno == EINTR);
	if (r == 0)
		errno = 0;	/* timed out */
	return r > 0 ? 0 : -1;
}

/* Send @req and return kvsd's answer (an object with "ok":true), or NULL:
 * error 11 if kvsd did not answer, 101 if it refused, 102 if it answered
 * something else than a JSON object.
 */
static json_object *rpc_call(struct cni *c, json_object *req)
{
	long long deadline = mono_ms() + RPC_TIMEOUT_MS;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	const char *line = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	char *msg = NULL, *buf = NULL, *nbuf, *nl = NULL;
	size_t len = 0, cap = 4096, off = 0, mlen;
	json_object *rep = NULL, *ok, *err = NULL;
	ssize_t n;
	int fd;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		cni_fail(c, CNI_ERR_SYSTEM, "cannot create a socket", "%s", strerror(errno));
		return NULL;
	}
	/* (the config checked that the path fits) */
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", c->socket);
	/* a unix socket connects at once or says EAGAIN (backlog full) */
	while (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		if ((errno != EAGAIN && errno != EINTR) || !left_ms(deadline)) {
			unreachable(c, "connect", errno == EAGAIN ? 0 : errno);
			goto out;
		}
		usleep(20000);
	}

	if (!line || asprintf(&msg, "%s\n", line) < 0) {
		msg = NULL;
		cni_fail(c, CNI_ERR_SYSTEM, "out of memory", "kvsd request");
		goto out;
	}
	mlen = strlen(msg);
	while (off < mlen) {
		n = send(fd, msg + off, mlen - off, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (wait_fd(fd, POLLOUT, deadline)) {
				unreachable(c, "send to", errno);
				goto out;
			}
			continue;
		}
		if (n < 0) {
			unreachable(c, "send to", errno);
			goto out;
		}
		off += n;
	}

	buf = malloc(cap);
	if (!buf) {
		cni_fail(c, CNI_ERR_SYSTEM, "out of memory", "kvsd reply");
		goto out;
	}
	while (!nl) {
		if (len + 1 >= cap) {
			if (cap >= RPC_REPLY_MAX) {
				cni_fail(c, CNI_ERR_PROTO, "bad answer from kvsd",
					 "more than %d bytes without a newline", RPC_REPLY_MAX);
				goto out;
			}
			nbuf = realloc(buf, cap * 2);
			if (!nbuf) {
				cni_fail(c, CNI_ERR_SYSTEM, "out of memory", "kvsd reply");
				goto out;
			}
			buf = nbuf;
			cap *= 2;
		}
		n = recv(fd, buf + len, cap - len - 1, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (wait_fd(fd, POLLIN, deadline)) {
				cni_fail(c, CNI_ERR_AGAIN, "kvsd did not answer", "%s: %s",
					 c->socket, errno ? strerror(errno) : "timed out");
				goto out;
			}
			continue;
		}
		if (n <= 0) {
			cni_fail(c, CNI_ERR_AGAIN, "kvsd did not answer", "%s: %s",
				 c->socket, n ? strerror(errno) : "connection closed");
			goto out;
		}
		buf[len + n] = '\0';
		nl = memchr(buf + len, '\n', n);
		len += n;
	}
	*nl = '\0';

	rep = json_tokener_parse(buf);
	if (!rep || !json_object_is_type(rep, json_type_object) ||
	    !json_object_object_get_ex(rep, "ok", &ok) ||
	    !json_object_is_type(ok, json_type_boolean)) {
		cni_fail(c, CNI_ERR_PROTO, "bad answer from kvsd", "%.300s", buf);
		goto bad;
	}
	if (!json_object_get_boolean(ok)) {
		json_object_object_get_ex(rep, "error", &err);
		cni_fail(c, CNI_ERR_KVSD, "kvsd refused the request", "%s: %s",
			 json_object_get_string(json_object_object_get(req, "op")),
			 err ? json_object_get_string(err) : "(no reason given)");
		goto bad;
	}
	goto out;
bad:
	json_object_put(rep);
	rep = NULL;
out:
	free(buf);
	free(msg);
	close(fd);
	return rep;
}

static json_object *request(const char *op)
{
	json_object *o = json_object_new_object();

	if (o)
		json_object_object_add(o, "op", json_object_new_string(op));
	return o;
}

/* kvsd's "health": 1 if it has the kvs module, 0 if not, -1 */
static int health_module(struct cni *c)
{
	json_object *req = request("health"), *rep, *m;
	int rc;

	if (!req)
		return cni_fail(c, CNI_ERR_SYSTEM, "out of memory", "kvsd request");
	rep = rpc_call(c, req);
	json_object_put(req);
	if (!rep)
		return -1;
	if (!json_object_object_get_ex(rep, "module", &m) ||
	    !json_object_is_type(m, json_type_boolean))
		rc = cni_fail(c, CNI_ERR_PROTO, "bad answer from kvsd",
			      "health: no \"module\" true or false");
	else
		rc = json_object_get_boolean(m);
	json_object_put(rep);
	return rc;
}

int kvsd_health(struct cni *c)
{
	int r = health_module(c);

	if (r == 0)
		return cni_fail(c, CNI_ERR_UNAVAILABLE, "the kvs module is not loaded",
				"kvsd at %s answers but has no kvs module: no port can be attached",
				c->socket);
	return r < 0 ? -1 : 0;
}

/* Is kvsd's answer to attach the port attached? 1, 0, or -1 (no answer) */
static int port_attached(json_object *rep)
{
	json_object *port, *a;

	if (!json_object_object_get_ex(rep, "port", &port) ||
	    !json_object_object_get_ex(port, "attached", &a) ||
	    !json_object_is_type(a, json_type_boolean))
		return -1;
	return json_object_get_boolean(a);
}

int kvsd_attach(struct cni *c, const char *dev, const uint8_t mac[MAC_LEN])
{
	json_object *req = request("attach"), *macs, *rep;
	char buf[MAC_STRLEN];
	int r;

	macs = json_object_new_array();
	if (!req || !macs) {
		json_object_put(req);
		json_object_put(macs);
		return cni_fail(c, CNI_ERR_SYSTEM, "out of memory", "kvsd request");
	}
	json_object_object_add(req, "dev", json_object_new_string(dev));
	json_object_object_add(req, "switch", json_object_new_string(c->sw));
	json_object_object_add(req, "net", json_object_new_int64(c->net));
	/* spoofcheck: the container's MAC only, nothing to learn; else no
	 * lock and learning on
	 */
	if (c->spoofcheck)
		json_object_array_add(macs, json_object_new_string(format_mac(mac, buf)));
	json_object_object_add(req, "macs", macs);
	json_object_object_add(req, "learning", json_object_new_boolean(!c->spoofcheck));
	if (c->has_max_macs)
		json_object_object_add(req, "max_macs", json_object_new_int64(c->max_macs));
	if (c->has_bum_limit)
		json_object_object_add(req, "bum_limit", json_object_new_int64(c->bum_limit));
	if (c->tag[0])
		json_object_object_add(req, "tag", json_object_new_string(c->tag));
	rep = rpc_call(c, req);
	if (!rep && c->err_code == CNI_ERR_KVSD &&
	    strstr(c->err_details, "unknown key \"tag\"")) {
		/* a kvsd older than this plugin (not restarted since an
		 * upgrade): attached without the tag, which only GC misses
		 */
		cni_log("%s: %s; attaching %s without its tag (GC will not see it)",
			c->err_msg, c->err_details, dev);
		c->err_code = 0;
		json_object_object_del(req, "tag");
		rep = rpc_call(c, req);
	}
	json_object_put(req);
	if (!rep)
		return -1;
	r = port_attached(rep);
	json_object_put(rep);
	if (r > 0)
		return 0;
	if (r < 0) {
		cni_fail(c, CNI_ERR_PROTO, "bad answer from kvsd",
			 "attach %s: no \"port\" with \"attached\" true or false", dev);
		return 1;
	}
	/* recorded, but no port in the kernel: say why if kvsd knows */
	r = health_module(c);
	if (r == 0)
		cni_fail(c, CNI_ERR_AGAIN, "the kvs module is not loaded",
			 "kvsd recorded %s for switch %s net %u but cannot attach it: the kvs module is not loaded",
			 dev, c->sw, c->net);
	else
		cni_fail(c, CNI_ERR_AGAIN, "the port is not attached",
			 "kvsd recorded %s for switch %s net %u but did not attach it",
			 dev, c->sw, c->net);
	return 1;
}

int kvsd_detach(struct cni *c, const char *dev)
{
	json_object *req = request("detach"), *rep, *removed;
	int rc;

	if (!req)
		return cni_fail(c, CNI_ERR_SYSTEM, "out of memory", "kvsd request");
	json_object_object_add(req, "dev", json_object_new_string(dev));
	rep = rpc_call(c, req);
	json_object_put(req);
	if (!rep)
		return -1;
	rc = json_object_object_get_ex(rep, "removed", &removed) &&
	     json_object_get_boolean(removed);
	json_object_put(rep);
	return rc;
}

json_object *kvsd_list(struct cni *c)
{
	json_object *req = request("list"), *rep, *ports = NULL;

	if (!req) {
		cni_fail(c, CNI_ERR_SYSTEM, "out of memory", "kvsd request");
		return NULL;
	}
	rep = rpc_call(c, req);
	json_object_put(req);
	if (!rep)
		return NULL;
	if (!json_object_object_get_ex(rep, "ports", &ports) ||
	    !json_object_is_type(ports, json_type_array)) {
		cni_fail(c, CNI_ERR_PROTO, "bad answer from kvsd", "list: no \"ports\" array");
		ports = NULL;
	} else {
		json_object_get(ports);
	}
	json_object_put(rep);
	return ports;
}

int kvsd_check(struct cni *c, const char *dev, const uint8_t mac[MAC_LEN])
{
	json_object *ports, *p, *v, *port = NULL;
	uint8_t m[MAC_LEN];
	const char *why = NULL;
	size_t i, n;
	int rc = -1;

	ports = kvsd_list(c);
	if (!ports)
		return -1;
	n = json_object_array_length(ports);
	for (i = 0; i < n && !port; i++) {
		p = json_object_array_get_idx(ports, i);
		if (json_object_object_get_ex(p, "dev", &v) &&
		    !strcmp(json_object_get_string(v), dev))
			port = p;
	}
	if (!port) {
		why = "kvsd has no attachment of it";
	} else if (!json_object_object_get_ex(port, "switch", &v) ||
		   strcmp(json_object_get_string(v), c->sw)) {
		why = "kvsd has it on another switch";
	} else if (!json_object_object_get_ex(port, "net", &v) ||
		   json_object_get_int64(v) != c->net) {
		why = "kvsd has it in another network";
	} else if (!json_object_object_get_ex(port, "attached", &v) ||
		   !json_object_get_boolean(v)) {
		why = "kvsd has it recorded but not attached";
	} else if (!json_object_object_get_ex(port, "macs", &v) ||
		   !json_object_is_type(v, json_type_array)) {
		why = "kvsd has no MAC list for it";
	} else if (c->spoofcheck) {
		p = json_object_array_length(v) == 1 ? json_object_array_get_idx(v, 0) : NULL;
		if (!p || !parse_mac(json_object_get_string(p), m) || memcmp(m, mac, MAC_LEN))
			why = "its MACs are not locked to the container's";
	} else if (json_object_array_length(v) != 0) {
		why = "its MACs are locked but spoofcheck is off";
	}
	/* (a kvsd without tags, or an attachment made before them, has none) */
	if (!why && json_object_object_get_ex(port, "tag", &v) &&
	    strcmp(json_object_get_string(v), c->tag))
		why = "kvsd has it with the tag of another attachment";
	if (why) {
		cni_fail(c, CNI_ERR_CHECK, "the container's network is not as expected",
			 "%s: %s", dev, why);
		goto out;
	}
	rc = 0;
out:
	json_object_put(ports);
	return rc;
}

/* ---- detach records ---- */

/* The directory of the detach records, "detach" next to kvsd's socket,
 * opened; made (0700, and the socket's directory 0755 if missing) when
 * @create. It must be a directory of ours that no one else may write
 * (kvsd detaches what it says). -2 if it does not exist and !@create.
 */
static int record_dir(struct cni *c, bool create)
{
	char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 16];
	struct stat st;
	char *slash;
	int fd;

	/* (the config checked: an absolute path that fits in sun_path) */
	snprintf(path, sizeof(path), "%s", c->socket);
	slash = strrchr(path, '/');
	if (create && slash != path) {
		*slash = '\0';
		if (mkdir(path, 0755) && errno != EEXIST)
			return cni_fail(c, CNI_ERR_IO, "cannot write a detach record",
					"mkdir %s: %s", path, strerror(errno));
	}
	snprintf(slash, sizeof(path) - (slash - path), "/detach");
	if (create && mkdir(path, 0700) && errno != EEXIST)
		return cni_fail(c, CNI_ERR_IO, "cannot write a detach record",
				"mkdir %s: %s", path, strerror(errno));
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && !create)
		return -2;
	if (fd < 0)
		return cni_fail(c, CNI_ERR_IO, "cannot open the detach records",
				"%s: %s", path, strerror(errno));
	if (fstat(fd, &st) || st.st_uid != geteuid() || (st.st_mode & 0022)) {
		close(fd);
		return cni_fail(c, CNI_ERR_IO, "cannot trust the detach records",
				"%s is not a directory of uid %u that only it may write",
				path, (unsigned int)geteuid());
	}
	return fd;
}

static int write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= n;
	}
	return 0;
}

/* The record appears whole: written unnamed (O_TMPFILE), then linked */
static int record_link(int dfd, const char *dev, const char *text, size_t len)
{
	char proc[32];
	int fd, r;

	fd = openat(dfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	r = fchmod(fd, 0600) || write_all(fd, text, len) || fsync(fd) ? -1 : 0;
	if (!r) {
		r = linkat(AT_FDCWD, proc, dfd, dev, AT_SYMLINK_FOLLOW);
		if (r && errno == EEXIST && !unlinkat(dfd, dev, 0))
			r = linkat(AT_FDCWD, proc, dfd, dev, AT_SYMLINK_FOLLOW);
	}
	close(fd);
	return r;
}

int record_write(struct cni *c, const char *dev)
{
	char text[CNI_TAG_MAX + 2];
	int dfd, fd, err, rc = -1;
	size_t len;

	if (!c->tag[0]) {
		cni_log("%s has no tag: no detach record (kvsd keeps its attachment)", dev);
		return 0;
	}
	len = snprintf(text, sizeof(text), "%s\n", c->tag);
	dfd = record_dir(c, true);
	if (dfd < 0)
		return -1;
	if (!record_link(dfd, dev, text, len)) {
		rc = 0;
		goto out;
	}
	/* no O_TMPFILE (or no /proc): written in place, never through a link */
	if (unlinkat(dfd, dev, 0) && errno != ENOENT) {
		err = errno;
		goto fail;
	}
	fd = openat(dfd, dev, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		err = errno;
		goto fail;
	}
	if (fchmod(fd, 0600) || write_all(fd, text, len) || fsync(fd)) {
		err = errno;
		close(fd);
		unlinkat(dfd, dev, 0);
		goto fail;
	}
	close(fd);
	rc = 0;
	goto out;
fail:
	cni_fail(c, CNI_ERR_IO, "cannot write a detach record",
		 "detach/%s next to %s: %s", dev, c->socket, strerror(err));
out:
	if (!rc)
		cni_log("kvsd is to detach %s when it is back (detach record written)", dev);
	close(dfd);
	return rc;
}

/* A directory that fails record_dir()'s test holds no record of ours:
 * reading it is not an error, only logged
 */
static int record_dir_read(struct cni *c)
{
	int saved = c->err_code, fd;

	fd = record_dir(c, false);
	if (fd == -1 && !saved && c->err_code == CNI_ERR_IO) {
		cni_log("%s: %s (ignored)", c->err_msg, c->err_details);
		c->err_code = 0;
	}
	return fd;
}

int record_exists(struct cni *c, const char *dev)
{
	struct stat st;
	int dfd, r;

	dfd = record_dir_read(c);
	if (dfd < 0)
		return 0;
	r = fstatat(dfd, dev, &st, AT_SYMLINK_NOFOLLOW);
	if (r && errno != ENOENT) {
		r = cni_fail(c, CNI_ERR_IO, "cannot read the detach records",
			     "detach/%s next to %s: %s", dev, c->socket, strerror(errno));
	} else {
		r = !r;
	}
	close(dfd);
	return r;
}

int record_remove(struct cni *c, const char *dev)
{
	int dfd, rc = 0;

	dfd = record_dir_read(c);
	if (dfd < 0)
		return 0;
	if (unlinkat(dfd, dev, 0) == 0)
		cni_log("detach record of %s removed", dev);
	else if (errno != ENOENT)
		rc = cni_fail(c, CNI_ERR_IO, "cannot remove a detach record",
			      "detach/%s next to %s: %s", dev, c->socket, strerror(errno));
	close(dfd);
	return rc;
}
