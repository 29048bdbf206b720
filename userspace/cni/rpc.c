// SPDX-License-Identifier: GPL-2.0
/*
 * kvs CNI plugin: the kvsd client. One connection a request: the request
 * as one JSON line, the answer as one JSON line (kvsd-rpc.md), connect,
 * send and receive within RPC_TIMEOUT_MS in all. kvsd not reachable or not
 * answering in time is error 11 (try again later).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
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

int kvsd_attach(struct cni *c, const char *dev, const uint8_t mac[MAC_LEN])
{
	json_object *req = request("attach"), *macs, *rep;
	char buf[MAC_STRLEN];

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
	rep = rpc_call(c, req);
	json_object_put(req);
	if (!rep)
		return -1;
	json_object_put(rep);
	return 0;
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

int kvsd_check(struct cni *c, const char *dev, const uint8_t mac[MAC_LEN])
{
	json_object *req = request("list"), *rep, *ports, *p, *v, *port = NULL;
	uint8_t m[MAC_LEN];
	const char *why = NULL;
	size_t i, n;
	int rc = -1;

	if (!req)
		return cni_fail(c, CNI_ERR_SYSTEM, "out of memory", "kvsd request");
	rep = rpc_call(c, req);
	json_object_put(req);
	if (!rep)
		return -1;
	if (!json_object_object_get_ex(rep, "ports", &ports) ||
	    !json_object_is_type(ports, json_type_array)) {
		cni_fail(c, CNI_ERR_PROTO, "bad answer from kvsd", "list: no \"ports\" array");
		goto out;
	}
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
	if (why) {
		cni_fail(c, CNI_ERR_CHECK, "the container's network is not as expected",
			 "%s: %s", dev, why);
		goto out;
	}
	rc = 0;
out:
	json_object_put(rep);
	return rc;
}
