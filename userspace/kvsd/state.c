// SPDX-License-Identifier: GPL-2.0
/*
 * The state file (STATE_DIR/kvsd.state, JSON): the keys of the objects
 * kvsd created (its ownership record) and the ports attached through the
 * RPC. Written whole to a temporary file, synced and renamed over the
 * old one, so a crash leaves either version.
 *
 *   {"version":1,"owned":["switch sw0","port tap1",...],
 *    "ports":[{"dev":"tap1","switch":"sw0","net":10,"macs":[...],
 *              "learning":false,"max_macs":4,"bum_limit":100},...]}
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvsd.h"

int state_load(struct kvsd *d)
{
	struct json_object *root, *owned, *ports;
	char err[256];
	size_t i, n;

	root = json_object_from_file(d->state_file);
	if (!root) {
		if (access(d->state_file, F_OK) && errno == ENOENT)
			return 0;	/* first start */
		logmsg("%s: unreadable, starting without it: %s",
		       d->state_file, json_util_get_last_err());
		return -1;
	}
	if (json_object_object_get_ex(root, "owned", &owned) &&
	    json_object_is_type(owned, json_type_array)) {
		n = json_object_array_length(owned);
		for (i = 0; i < n; i++) {
			struct json_object *k = json_object_array_get_idx(owned, i);

			if (json_object_is_type(k, json_type_string) &&
			    json_object_get_string_len(k) < KEY_LEN)
				owned_add(d, json_object_get_string(k));
		}
	}
	if (json_object_object_get_ex(root, "ports", &ports) &&
	    json_object_is_type(ports, json_type_array)) {
		n = json_object_array_length(ports);
		d->rports = calloc(n ? n : 1, sizeof(*d->rports));
		for (i = 0; d->rports && i < n; i++) {
			struct rport *p = &d->rports[d->n_rports];

			if (rport_from_json(p, json_object_array_get_idx(ports, i),
					    err, sizeof(err)))
				logmsg("%s: port %zu skipped: %s",
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
	int fd, ret = -1;

	root = json_object_new_object();
	owned = json_object_new_array();
	ports = json_object_new_array();
	if (!root || !owned || !ports) {
		json_object_put(owned);
		json_object_put(ports);
		goto out;
	}
	json_object_object_add(root, "version", json_object_new_int(1));
	json_object_object_add(root, "owned", owned);
	json_object_object_add(root, "ports", ports);
	for (i = 0; i < d->n_owned; i++)
		json_object_array_add(owned, json_object_new_string(d->owned[i]));
	for (i = 0; i < d->n_rports; i++)
		json_object_array_add(ports, rport_to_json(&d->rports[i]));
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN);
	if (!text)
		goto out;
	len = strlen(text);

	snprintf(tmp, sizeof(tmp), "%s.new", d->state_file);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		goto out;
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += w;
	}
	if (off == len && write(fd, "\n", 1) == 1 && !fsync(fd) &&
	    !close(fd)) {
		fd = -1;
		ret = rename(tmp, d->state_file);
	}
	if (fd >= 0)
		close(fd);
	if (ret)
		unlink(tmp);
out:
	if (ret)
		logmsg("cannot write %s: %s", d->state_file, strerror(errno));
	json_object_put(root);
	return ret;
}
