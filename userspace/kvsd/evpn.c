// SPDX-License-Identifier: GPL-2.0
/*
 * kvsd: BGP EVPN lines and the kvs-evpn agents they run.
 *
 *   evpn switch SWITCH asn ASN router-id ADDR neighbor ADDR [neighbor ADDR]...
 *        [hold-time SECONDS]
 *
 * One agent per line (kvs-evpn, with the GoBGP it starts), its state in
 * <socket directory>/evpn-SWITCH. kvsd starts the agents after a
 * configuration is applied, stops those whose line changed or went, restarts
 * one that exits (1 s, doubling up to 30 s; from 1 s again after a minute
 * of running) and stops them all when it stops. An agent changes the switch
 * only through the kvs tool, as any other client. KVSD_EVPN_AGENT names the
 * program (default: kvs-evpn in PATH).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kvsd.h"

static bool is_ip(const char *s, bool v4_only)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, s, buf) == 1 ||
	       (!v4_only && inet_pton(AF_INET6, s, buf) == 1);
}

/* One "evpn" line's words into @e; 0, or -1 with @err set */
int evpn_parse(struct evpn_cfg *e, int argc, char **argv, char *err,
	       size_t size)
{
	int i;

	memset(e, 0, sizeof(*e));
	e->hold = 90;
	for (i = 1; i < argc; i += 2) {
		const char *kw = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v) {
			snprintf(err, size, "evpn: \"%s\" needs a value", kw);
			return -1;
		}
		if (!strcmp(kw, "switch")) {
			if (strlen(v) >= sizeof(e->sw) || !*v) {
				snprintf(err, size, "evpn: bad switch name \"%s\"", v);
				return -1;
			}
			strcpy(e->sw, v);
		} else if (!strcmp(kw, "asn")) {
			if (!parse_u32(v, 1, 65535, &e->asn)) {
				snprintf(err, size,
					 "evpn: asn must be 1..65535 (route targets are ASN:VNI), not \"%s\"",
					 v);
				return -1;
			}
		} else if (!strcmp(kw, "router-id")) {
			if (!is_ip(v, true) || strlen(v) >= sizeof(e->router_id)) {
				snprintf(err, size,
					 "evpn: router-id must be an IPv4 address, not \"%s\"",
					 v);
				return -1;
			}
			strcpy(e->router_id, v);
		} else if (!strcmp(kw, "neighbor")) {
			if (!is_ip(v, false) || strlen(v) >= sizeof(e->neighbors[0])) {
				snprintf(err, size,
					 "evpn: neighbor must be an IP address, not \"%s\"",
					 v);
				return -1;
			}
			if (e->n_neighbors == EVPN_MAX_NEIGHBORS) {
				snprintf(err, size, "evpn: at most %d neighbors",
					 EVPN_MAX_NEIGHBORS);
				return -1;
			}
			strcpy(e->neighbors[e->n_neighbors++], v);
		} else if (!strcmp(kw, "hold-time")) {
			if (!parse_u32(v, 3, 65535, &e->hold)) {
				snprintf(err, size,
					 "evpn: hold-time must be 3..65535 seconds, not \"%s\"",
					 v);
				return -1;
			}
		} else {
			snprintf(err, size, "evpn: unknown keyword \"%s\"", kw);
			return -1;
		}
	}
	if (!e->sw[0] || !e->asn || !e->router_id[0] || !e->n_neighbors) {
		snprintf(err, size,
			 "evpn: switch, asn, router-id and a neighbor are required");
		return -1;
	}
	return 0;
}

static bool evpn_same(const struct evpn_cfg *a, const struct evpn_cfg *b)
{
	int i;

	if (strcmp(a->sw, b->sw) || a->asn != b->asn || a->hold != b->hold ||
	    strcmp(a->router_id, b->router_id) ||
	    a->n_neighbors != b->n_neighbors)
		return false;
	for (i = 0; i < a->n_neighbors; i++)
		if (strcmp(a->neighbors[i], b->neighbors[i]))
			return false;
	return true;
}

/* The running agents: kvsd's copy of each applied line, with its child */
static struct evpn_cfg *agents;
static size_t n_agents;

static void agent_state_dir(const struct kvsd *d, const struct evpn_cfg *e,
			    char *buf, size_t size)
{
	const char *slash = strrchr(d->sock_path, '/');
	int len = slash ? (int)(slash - d->sock_path) : 1;

	snprintf(buf, size, "%.*s/evpn-%s", len, slash ? d->sock_path : ".",
		 e->sw);
}

static void agent_start(const struct kvsd *d, struct evpn_cfg *e)
{
	const char *prog = getenv("KVSD_EVPN_AGENT") ?: "kvs-evpn";
	char asn[16], hold[16], dir[600], *argv[16 + 2 * EVPN_MAX_NEIGHBORS];
	sigset_t all;
	int argc = 0, i;
	pid_t pid;

	snprintf(asn, sizeof(asn), "%u", e->asn);
	snprintf(hold, sizeof(hold), "%u", e->hold);
	agent_state_dir(d, e, dir, sizeof(dir));
	argv[argc++] = (char *)prog;
	argv[argc++] = "--switch";
	argv[argc++] = e->sw;
	argv[argc++] = "--asn";
	argv[argc++] = asn;
	argv[argc++] = "--router-id";
	argv[argc++] = e->router_id;
	for (i = 0; i < e->n_neighbors; i++) {
		argv[argc++] = "--neighbor";
		argv[argc++] = e->neighbors[i];
	}
	argv[argc++] = "--hold-time";
	argv[argc++] = hold;
	argv[argc++] = "--state-dir";
	argv[argc++] = dir;
	argv[argc] = NULL;

	e->started_at = mono_ms();
	pid = fork();
	if (pid < 0) {
		logerr("evpn %s: cannot start %s: %s", e->sw, prog,
		       strerror(errno));
		e->restart_at = mono_ms() + 1000;
		return;
	}
	if (pid == 0) {
		sigfillset(&all);
		sigprocmask(SIG_UNBLOCK, &all, NULL);
		signal(SIGPIPE, SIG_DFL);
		execvp(prog, argv);
		fprintf(stderr, "kvsd: evpn %s: cannot run %s: %s\n", e->sw,
			prog, strerror(errno));
		_exit(127);
	}
	e->pid = pid;
	e->restart_at = 0;
	logmsg("evpn %s: started %s (pid %d), state in %s", e->sw, prog,
	       (int)pid, dir);
}

static void agent_stop(struct evpn_cfg *e)
{
	if (e->pid > 0) {
		logmsg("evpn %s: stopping the agent (pid %d)", e->sw,
		       (int)e->pid);
		kill(e->pid, SIGTERM);
	}
	e->pid = 0;
}

/* A configuration was applied: stop what changed or went, start the new */
void evpn_apply(struct kvsd *d)
{
	const struct objset *s = &d->desired;
	struct evpn_cfg *keep;
	size_t i, j, n = 0;

	keep = calloc(s->nevpn ?: 1, sizeof(*keep));
	if (!keep) {
		logerr("evpn: %s", strerror(ENOMEM));
		return;
	}
	for (i = 0; i < n_agents; i++) {
		for (j = 0; j < s->nevpn; j++)
			if (evpn_same(&agents[i], &s->evpn[j]))
				break;
		if (j == s->nevpn)
			agent_stop(&agents[i]);
	}
	for (j = 0; j < s->nevpn; j++) {
		keep[n] = s->evpn[j];
		for (i = 0; i < n_agents; i++)
			if (evpn_same(&agents[i], &s->evpn[j]) &&
			    (agents[i].pid > 0 || agents[i].restart_at)) {
				keep[n] = agents[i];
				break;
			}
		if (i == n_agents)
			agent_start(d, &keep[n]);
		n++;
	}
	free(agents);
	agents = keep;
	n_agents = n;
}

/* SIGCHLD: reap; an agent still wanted is restarted later */
void evpn_reap(void)
{
	long long now = mono_ms();
	int status;
	size_t i;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < n_agents; i++) {
			struct evpn_cfg *e = &agents[i];

			if (e->pid != pid)
				continue;
			e->pid = 0;
			if (now - e->started_at > 60000)
				e->backoff = 0;
			e->backoff = e->backoff ? e->backoff * 2 : 1000;
			if (e->backoff > 30000)
				e->backoff = 30000;
			e->restart_at = now + e->backoff;
			logwarn("evpn %s: the agent (pid %d) %s %d: restarting in %u ms",
				e->sw, (int)pid,
				WIFSIGNALED(status) ? "died of signal" :
				"exited with",
				WIFSIGNALED(status) ? WTERMSIG(status) :
				WEXITSTATUS(status), e->backoff);
		}
	}
}

/* ms until the next restart is due (-1: none); starts those due now */
int evpn_tick(const struct kvsd *d)
{
	long long now = mono_ms(), next = -1;
	size_t i;

	for (i = 0; i < n_agents; i++) {
		struct evpn_cfg *e = &agents[i];

		if (!e->restart_at || e->pid > 0)
			continue;
		if (e->restart_at <= now)
			agent_start(d, e);
		else if (next < 0 || e->restart_at - now < next)
			next = e->restart_at - now;
	}
	return next < 0 ? -1 : (int)next;
}

/* kvsd stops: so do the agents (their routes are withdrawn) */
void evpn_stop_all(void)
{
	size_t i;

	for (i = 0; i < n_agents; i++)
		agent_stop(&agents[i]);
	free(agents);
	agents = NULL;
	n_agents = 0;
}
