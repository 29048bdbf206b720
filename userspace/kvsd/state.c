// SPDX-License-Identifier: GPL-2.0
/*
 * The state file (STATE_DIR/kvsd.state, JSON): the keys of the objects
 * kvsd created (its ownership record) and the ports attached through the
 * RPC, with who attached them. Written whole to a temporary file, synced,
 * renamed over the old one and the directory synced, so a crash leaves
 * either version.
 *
 *   {"version":2,"owned":["switch sw0","port tap1",...],
 *    "ports":[{"dev":"tap1","switch":"sw0","net":10,"macs":[...],
 *              "learning":false,"max_macs":4,"bum_limit":100,
 *              "uid":1000,"pid":4242,"cgroup":"/...","tag":"..."},...]}
 *
 * Version 1 (no owners) is read as attachments of root. A file kvsd cannot
 * read whole (truncated, not JSON, a newer version) is never overwritten:
 * it is renamed to kvsd.state.bad-TIMESTAMP and kvsd starts with an
 * error logged, without the records it held.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kvsd.h"

/* Keep a file that does not parse, loudly */
static void set_aside(struct kvsd *d, const char *why)
{
	char bad[sizeof(d->state_file) + 32];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	snprintf(bad, sizeof(bad), "%s.bad-", d->state_file);
	strftime(bad + strlen(bad), sizeof(bad) - strlen(bad),
		 "%Y%m%dT%H%M%SZ", &tm);
	if (rename(d->state_file, bad))
		logerr("%s: %s, and it cannot be set aside (%s): kvsd stops rather than overwrite it",
		       d->state_file, why, strerror(errno));
	else
		logerr("%s: %s: kept as %s; starting without its records (objects kvsd created before are no longer known as its own, RPC attachments are forgotten)",
		       d->state_file, why, bad);
}

static void load_owned(struct kvsd *d, struct json_object *owned)
{
	size_t i, n = json_object_array_length(owned);

	for (i = 0; i < n; i++) {
		struct json_object *k = json_object_array_get_idx(owned, i);

		if (json_object_is_type(k, json_type_string) &&
		    json_object_get_string_len(k) < KEY_LEN)
			owned_add(d, json_object_get_string(k));
	}
}

int state_load(struct kvsd *d)
{
	struct json_object *root, *owned = NULL, *ports = NULL, *ver;
	int64_t version = 1;
	char err[256];
	size_t i, n;

	root = json_object_from_file(d->state_file);
	if (!root) {
		if (access(d->state_file, F_OK) && errno == ENOENT)
			return 0;	/* first start */
		snprintf(err, sizeof(err), "%s",
			 json_util_get_last_err() ?: "unreadable");
		err[strcspn(err, "\n")] = '\0';
		set_aside(d, err);
		return access(d->state_file, F_OK) ? 0 : -1;
	}
	if (json_object_object_get_ex(root, "version", &ver))
		version = json_object_is_type(ver, json_type_int) ?
			  json_object_get_int64(ver) : -1;
	if (!json_object_is_type(root, json_type_object) || version < 1 ||
	    version > STATE_VERSION ||
	    (json_object_object_get_ex(root, "owned", &owned) &&
	     !json_object_is_type(owned, json_type_array)) ||
	    (json_object_object_get_ex(root, "ports", &ports) &&
	     !json_object_is_type(ports, json_type_array))) {
		snprintf(err, sizeof(err), version > STATE_VERSION ?
			 "version %lld, newer than this kvsd's (%d)" :
			 "not a kvsd state file", (long long)version,
			 STATE_VERSION);
		json_object_put(root);
		set_aside(d, err);
		return access(d->state_file, F_OK) ? 0 : -1;
	}
	if (owned)
		load_owned(d, owned);
	if (ports) {
		n = json_object_array_length(ports);
		d->rports = calloc(n ? n : 1, sizeof(*d->rports));
		for (i = 0; d->rports && i < n; i++) {
			struct rport *p = &d->rports[d->n_rports];

			if (rport_from_json(p, json_object_array_get_idx(ports, i),
					    true, err, sizeof(err)))
				logerr("%s: port %zu skipped: %s",
				       d->state_file, i, err);
			else
				d->n_rports++;
		}
	}
	json_object_put(root);
	logmsg("state: %zu objects created by kvsd, %zu RPC attachments",
	       d->n_owned, d->n_rports);
	return 0;
}

int state_save(struct kvsd *d)
{
	struct json_object *root, *owned, *ports;
	char tmp[sizeof(d->state_file) + 8];
	const char *text;
	ssize_t len, off = 0;
	size_t i;
	int fd, dfd, ret = -1, saved;

	root = json_object_new_object();
	owned = json_object_new_array();
	ports = json_object_new_array();
	if (!root || !owned || !ports) {
		json_object_put(owned);
		json_object_put(ports);
		errno = ENOMEM;
		goto out;
	}
	json_object_object_add(root, "version",
			       json_object_new_int(STATE_VERSION));
	json_object_object_add(root, "owned", owned);
	json_object_object_add(root, "ports", ports);
	for (i = 0; i < d->n_owned; i++)
		json_object_array_add(owned, json_object_new_string(d->owned[i]));
	for (i = 0; i < d->n_rports; i++)
		json_object_array_add(ports, rport_to_json(&d->rports[i], true));
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN);
	if (!text)
		goto out;
	len = strlen(text);

	snprintf(tmp, sizeof(tmp), "%s.new", d->state_file);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		  0600);
	if (fd < 0)
		goto out;
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (!w)
				errno = ENOSPC;
			break;
		}
		off += w;
	}
	if (off == len && write(fd, "\n", 1) == 1 && !fsync(fd) &&
	    !close(fd)) {
		fd = -1;
		ret = rename(tmp, d->state_file);
	}
	saved = errno;
	if (fd >= 0)
		close(fd);
	if (ret) {
		unlink(tmp);
	} else {
		/* the rename itself is durable once the directory is */
		dfd = open(d->state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0 || fsync(dfd)) {
			saved = errno;
			ret = -1;
		}
		if (dfd >= 0)
			close(dfd);
	}
	errno = saved;
out:
	if (ret) {
		saved = errno;
		logerr("cannot write %s: %s", d->state_file, strerror(errno));
		errno = saved;
	}
	json_object_put(root);
	return ret;
}
