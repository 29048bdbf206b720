// SPDX-License-Identifier: GPL-2.0
/*
 * kvs CNI plugin: IPAM delegation. The plugin named by ipam.type is looked
 * up in CNI_PATH and run with the same environment (CNI_COMMAND set to the
 * operation) and the same network config on stdin; its stderr is ours. An
 * error it prints is passed on as it is. GC also runs it for attachments
 * other than the caller's (their container ID and interface name in the
 * environment instead).
 *
 * A config of spec 1.1.0 first asks the plugin's VERSION: one that does not
 * know 1.1.0 (Debian 12's host-local) gets GC and STATUS not at all (the
 * caller skips them), and the other commands with the config's cniVersion
 * set to 1.0.0. Spec 1.1.0 changed nothing that an IPAM plugin reads or
 * returns for ADD, DEL and CHECK; without this, such a plugin refuses every
 * 1.1.0 config.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "cni.h"

#define IPAM_TIMEOUT_MS 120000
#define IPAM_OUT_MAX (1 << 20)

/* The first executable regular file @name in a directory of CNI_PATH */
static char *find_plugin(struct cni *c, const char *name)
{
	char *dirs = c->path ? strdup(c->path) : NULL, *dir, *save = NULL, *file = NULL;
	struct stat st;

	if (!c->path || !*c->path) {
		cni_fail(c, CNI_ERR_ENV, "CNI_PATH is not set",
			 "CNI_PATH must list the directories of the CNI plugins: the IPAM plugin '%s' has to run",
			 name);
		free(dirs);
		return NULL;
	}
	if (!dirs) {
		cni_fail(c, CNI_ERR_SYSTEM, "out of memory", "CNI_PATH");
		return NULL;
	}
	for (dir = strtok_r(dirs, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		if (asprintf(&file, "%s/%s", dir, name) < 0) {
			file = NULL;
			break;
		}
		if (stat(file, &st) == 0 && S_ISREG(st.st_mode) && access(file, X_OK) == 0)
			break;
		free(file);
		file = NULL;
	}
	free(dirs);
	if (!file)
		cni_fail(c, CNI_ERR_IPAM, "IPAM plugin not found",
			 "no executable '%s' in CNI_PATH %s", name, c->path);
	return file;
}

/* Feed @data to @in, read @out until EOF, within the deadline */
static int pump(struct cni *c, const char *data, size_t data_len, int in,
		int out, char **buf, size_t *len)
{
	long long deadline = mono_ms() + IPAM_TIMEOUT_MS;
	size_t off = 0, cap = 4096;
	struct pollfd p[2];
	char *b = malloc(cap), *nb;
	ssize_t n;
	int r;

	if (!b)
		return cni_fail(c, CNI_ERR_SYSTEM, "out of memory", "IPAM output");
	*len = 0;
	if (data_len == 0) {
		close(in);
		in = -1;
	}
	while (out >= 0) {
		p[0] = (struct pollfd){ .fd = in, .events = POLLOUT };
		p[1] = (struct pollfd){ .fd = out, .events = POLLIN };
		r = poll(p, 2, (int)(deadline - mono_ms() > 0 ? deadline - mono_ms() : 0));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			cni_fail(c, CNI_ERR_IPAM, "IPAM plugin timed out",
				 "%s gave no complete answer within %d s", c->ipam_type,
				 IPAM_TIMEOUT_MS / 1000);
			goto fail;
		}
		if (in >= 0 && p[0].revents) {
			n = write(in, data + off, data_len - off);
			if (n < 0 && errno != EAGAIN && errno != EINTR) {
				/* it did not read its stdin: its answer says why */
				close(in);
				in = -1;
			} else if (n > 0) {
				off += n;
				if (off == data_len) {
					close(in);
					in = -1;
				}
			}
		}
		if (p[1].revents) {
			if (*len + 1 >= cap) {
				if (cap >= IPAM_OUT_MAX) {
					cni_fail(c, CNI_ERR_IPAM, "IPAM output too large",
						 "%s wrote more than %d bytes", c->ipam_type,
						 IPAM_OUT_MAX);
					goto fail;
				}
				nb = realloc(b, cap * 2);
				if (!nb) {
					cni_fail(c, CNI_ERR_SYSTEM, "out of memory", "IPAM output");
					goto fail;
				}
				b = nb;
				cap *= 2;
			}
			n = read(out, b + *len, cap - *len - 1);
			if (n < 0 && errno != EAGAIN && errno != EINTR) {
				cni_fail(c, CNI_ERR_IPAM, "cannot read the IPAM output",
					 "%s: %s", c->ipam_type, strerror(errno));
				goto fail;
			}
			if (n == 0) {
				close(out);
				out = -1;
			} else if (n > 0) {
				*len += n;
			}
		}
	}
	if (in >= 0)
		close(in);
	b[*len] = '\0';
	*buf = b;
	return 0;
fail:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	free(b);
	return -1;
}

/* The IPAM plugin's error result, passed on; or a plain failure */
static int ipam_error(struct cni *c, const char *command, int status,
		      const char *out)
{
	json_object *o = json_tokener_parse(out), *code, *msg, *det;
	char st[32];
	int rc;

	if (o && json_object_object_get_ex(o, "code", &code) &&
	    json_object_is_type(code, json_type_int) &&
	    json_object_object_get_ex(o, "msg", &msg)) {
		if (!json_object_object_get_ex(o, "details", &det))
			det = NULL;
		rc = cni_fail(c, json_object_get_int(code) > 0 ? json_object_get_int(code) :
			      CNI_ERR_IPAM, json_object_get_string(msg),
			      "%s", det ? json_object_get_string(det) : "");
	} else {
		if (WIFEXITED(status))
			snprintf(st, sizeof(st), "exit status %d", WEXITSTATUS(status));
		else
			snprintf(st, sizeof(st), "signal %d", WTERMSIG(status));
		rc = cni_fail(c, CNI_ERR_IPAM, "IPAM plugin failed", "%s %s: %s; %.200s",
			      c->ipam_type, command, st, out);
	}
	json_object_put(o);
	return rc;
}

/* One run of the IPAM plugin */
struct ipam_run {
	const char *command;
	const char *input;		/* stdin */
	size_t input_len;
	const char *cid, *ifname;	/* another attachment's, or NULL */
	json_object **result;		/* its output, parsed, or NULL */
};

static int ipam_run(struct cni *c, const struct ipam_run *run)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, status, rc = -1;
	const char *command = run->command;
	json_object **result = run->result;
	char *bin, *buf = NULL;
	size_t len;
	pid_t pid;

	if (result)
		*result = NULL;
	bin = find_plugin(c, c->ipam_type);
	if (!bin)
		return -1;
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC)) {
		cni_fail(c, CNI_ERR_SYSTEM, "cannot run the IPAM plugin", "pipe: %s",
			 strerror(errno));
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		cni_fail(c, CNI_ERR_SYSTEM, "cannot run the IPAM plugin", "fork: %s",
			 strerror(errno));
		goto out;
	}
	if (pid == 0) {
		char *argv[] = { bin, NULL };

		/* (single-threaded: setenv is safe here) */
		if (dup2(in[0], STDIN_FILENO) < 0 || dup2(out[1], STDOUT_FILENO) < 0 ||
		    setenv("CNI_COMMAND", command, 1))
			_exit(126);
		/* GC: the stale attachment's identity, and no netns */
		if (run->cid && (setenv("CNI_CONTAINERID", run->cid, 1) ||
				 setenv("CNI_IFNAME", run->ifname, 1) ||
				 unsetenv("CNI_NETNS")))
			_exit(126);
		signal(SIGPIPE, SIG_DFL);
		execv(bin, argv);
		fprintf(stderr, "kvs-cni: cannot run %s: %s\n", bin, strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	in[0] = out[1] = -1;
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	rc = pump(c, run->input, run->input_len, in[1], out[0], &buf, &len);
	in[1] = out[0] = -1;	/* closed by pump() */
	if (rc < 0)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			status = -1;
			break;
		}
	}
	if (rc < 0)
		goto out;
	rc = -1;
	if (status != 0) {
		ipam_error(c, command, status, buf);
		goto out;
	}
	if (result) {
		*result = json_tokener_parse(buf);
		if (!*result || !json_object_is_type(*result, json_type_object)) {
			json_object_put(*result);
			*result = NULL;
			cni_fail(c, CNI_ERR_IPAM, "cannot decode the IPAM result",
				 "%s %s printed: %.200s", c->ipam_type, command, buf);
			goto out;
		}
	}
	rc = 0;
out:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
	}
	free(buf);
	free(bin);
	return rc;
}

/* The config for the IPAM plugin into @run (see the top of the file) */
static int ipam_input(struct cni *c, struct ipam_run *run)
{
	json_object *copy = NULL;
	const char *s;
	int r;

	run->input = c->raw;
	run->input_len = c->raw_len;
	if (c->vnum < 10100)
		return 0;
	r = ipam_supports(c, c->vnum);
	if (r != 0)
		return r;
	if (!c->ipam_raw) {
		if (json_object_deep_copy(c->conf, &copy, NULL) || !copy)
			return cni_fail(c, CNI_ERR_SYSTEM, "out of memory", "IPAM config");
		json_object_object_add(copy, "cniVersion", json_object_new_string("1.0.0"));
		s = json_object_to_json_string_ext(copy, JSON_C_TO_STRING_PLAIN |
						   JSON_C_TO_STRING_NOSLASHESCAPE);
		c->ipam_raw = s ? strdup(s) : NULL;
		json_object_put(copy);
		if (!c->ipam_raw)
			return cni_fail(c, CNI_ERR_SYSTEM, "out of memory", "IPAM config");
		cni_log("IPAM plugin %s does not know spec %s: given the config as 1.0.0",
			c->ipam_type, c->version);
	}
	run->input = c->ipam_raw;
	run->input_len = strlen(c->ipam_raw);
	return 0;
}

int ipam_exec(struct cni *c, const char *command, json_object **result)
{
	struct ipam_run run = {
		.command = command,
		.result = result,
	};

	if (ipam_input(c, &run) < 0)
		return -1;
	return ipam_run(c, &run);
}

int ipam_del_for(struct cni *c, const char *cid, const char *ifname)
{
	struct ipam_run run = {
		.command = "DEL",
		.cid = cid,
		.ifname = ifname,
	};

	if (ipam_input(c, &run) < 0)
		return -1;
	return ipam_run(c, &run);
}

/* "MAJOR.MINOR.PATCH" as 10000 * MAJOR + 100 * MINOR + PATCH, or -1 */
static int vnum_of(const char *s)
{
	unsigned int a, b, p;
	char end;

	if (!s || sscanf(s, "%u.%u.%u%c", &a, &b, &p, &end) != 3 ||
	    a > 99 || b > 99 || p > 99)
		return -1;
	return (int)(10000 * a + 100 * b + p);
}

int ipam_supports(struct cni *c, int vnum)
{
	static const char ask[] = "{\"cniVersion\": \"1.0.0\"}";
	json_object *res, *vs;
	struct ipam_run run = {
		.command = "VERSION",
		.input = ask,
		.input_len = sizeof(ask) - 1,
		.result = &res,
	};
	size_t i, n;
	int v;

	/* asked once a run */
	if (!c->ipam_newest) {
		if (ipam_run(c, &run))
			return -1;
		c->ipam_newest = -1;
		if (json_object_object_get_ex(res, "supportedVersions", &vs) &&
		    json_object_is_type(vs, json_type_array)) {
			n = json_object_array_length(vs);
			for (i = 0; i < n; i++) {
				v = vnum_of(json_object_get_string(
						json_object_array_get_idx(vs, i)));
				if (v > c->ipam_newest)
					c->ipam_newest = v;
			}
		}
		json_object_put(res);
	}
	return c->ipam_newest >= vnum;
}

/* "ADDR/PREFIX" (ADDR alone if @prefix is NULL) */
static bool parse_cidr(const char *s, int *family, uint8_t addr[16], int *prefix)
{
	char buf[64], *slash, *end;
	long p;

	if (!s || strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (!prefix != !slash)
		return false;
	if (slash)
		*slash = '\0';
	if (inet_pton(AF_INET, buf, addr) == 1)
		*family = AF_INET;
	else if (inet_pton(AF_INET6, buf, addr) == 1)
		*family = AF_INET6;
	else
		return false;
	if (!prefix)
		return true;
	errno = 0;
	p = strtol(slash + 1, &end, 10);
	if (errno || end == slash + 1 || *end || p < 0 || p > (*family == AF_INET ? 32 : 128))
		return false;
	*prefix = (int)p;
	return true;
}

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

int ipcfg_parse(struct cni *c, json_object *result, int ifindex,
		struct cni_ipcfg *cfg)
{
	const char *what = ifindex < 0 ? "the IPAM result" : "prevResult";
	json_object *arr, *e, *v;
	const char *s;
	size_t i, n;
	int fam, b;

	memset(cfg, 0, sizeof(*cfg));
	if (json_object_object_get_ex(result, "ips", &arr) && arr) {
		if (!json_object_is_type(arr, json_type_array))
			goto bad;
		n = json_object_array_length(arr);
		for (i = 0; i < n; i++) {
			struct cni_ip *ip = &cfg->ips[cfg->n_ips];

			e = json_object_array_get_idx(arr, i);
			if (!json_object_is_type(e, json_type_object))
				goto bad;
			if (ifindex >= 0 && (!json_object_object_get_ex(e, "interface", &v) ||
					     json_object_get_int(v) != ifindex))
				continue;
			if (cfg->n_ips == CNI_MAX_IPS)
				return cni_fail(c, CNI_ERR_DECODE, "too many addresses",
						"%s has more than %d addresses", what, CNI_MAX_IPS);
			if (!parse_cidr(jstr(e, "address"), &ip->family, ip->addr, &ip->prefix))
				goto bad;
			s = jstr(e, "gateway");
			if (s) {
				if (!parse_cidr(s, &fam, ip->gw, NULL) || fam != ip->family)
					goto bad;
				ip->has_gw = true;
			}
			cfg->n_ips++;
		}
	}
	if (json_object_object_get_ex(result, "routes", &arr) && arr) {
		if (!json_object_is_type(arr, json_type_array))
			goto bad;
		n = json_object_array_length(arr);
		if (n > CNI_MAX_ROUTES)
			return cni_fail(c, CNI_ERR_DECODE, "too many routes",
					"%s has more than %d routes", what, CNI_MAX_ROUTES);
		for (i = 0; i < n; i++) {
			struct cni_route *r = &cfg->routes[cfg->n_routes];

			e = json_object_array_get_idx(arr, i);
			if (!json_object_is_type(e, json_type_object) ||
			    !parse_cidr(jstr(e, "dst"), &r->family, r->dst, &r->prefix))
				goto bad;
			/* the network of the destination (the kernel wants it) */
			for (b = r->prefix; b < (r->family == AF_INET ? 32 : 128); b++)
				r->dst[b / 8] &= ~(0x80 >> (b % 8));
			s = jstr(e, "gw");
			if (s) {
				if (!parse_cidr(s, &fam, r->gw, NULL) || fam != r->family)
					goto bad;
				r->has_gw = true;
			}
			cfg->n_routes++;
		}
	}
	return 0;
bad:
	return cni_fail(c, CNI_ERR_DECODE, "cannot decode an address or route",
			"%s: %s", what, json_object_to_json_string(arr));
}
