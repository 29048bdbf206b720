// SPDX-License-Identifier: GPL-2.0
/*
 * kvsd: options, logging and the event loop.
 *
 * One thread, one poll() over:
 *  - a signalfd: SIGHUP reloads the configuration, SIGTERM/SIGINT stop;
 *  - the generic netlink controller's "notify" group: the kvs family
 *    appearing (module loaded) or going (unloaded);
 *  - the kvs "events" group, logged one line each (policy drops, learned
 *    and aged MACs at most LOG_BURST a second);
 *  - rtnetlink's link group: a netdev a port waits for has appeared;
 *  - the RPC socket and its clients (rpc.c).
 * Anything that may have changed the desired or the kernel's objects
 * marks the state dirty; a reconciliation runs before the next poll().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/rtnetlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <systemd/sd-daemon.h>

#include "kvsd.h"

#define LOG_BURST	10

static bool log_time;

void logmsg(const char *fmt, ...)
{
	va_list ap;

	if (log_time) {
		struct timespec ts;
		struct tm tm;
		char t[32];

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ldZ ", t, ts.tv_nsec / 1000000);
	}
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---- netlink watchers ---- */

struct watch {
	struct nl_sock *sk;
	struct nl_cb *cb;
};

static struct watch ctrl_w, link_w;
static struct knl events;		/* the kvs "events" group */
static bool events_open;
/* Events that come in floods (policy drops, learned and aged MACs) are
 * logged at most LOG_BURST a second each, with a count of the rest
 */
struct limiter {
	const char *what;
	time_t sec;
	unsigned int n, suppressed;
};

static struct limiter drop_lim = { .what = "policy drop" };
static struct limiter fdb_lim = { .what = "learned or aged fdb" };

/* true: log this one */
static bool limit(struct limiter *l)
{
	time_t now = time(NULL);

	if (now != l->sec) {
		if (l->suppressed)
			logmsg("event: %u more %s events not logged",
			       l->suppressed, l->what);
		l->sec = now;
		l->n = l->suppressed = 0;
	}
	if (++l->n <= LOG_BURST)
		return true;
	l->suppressed++;
	return false;
}

static void watch_close(struct watch *w)
{
	nl_socket_free(w->sk);
	nl_cb_put(w->cb);
	memset(w, 0, sizeof(*w));
}

/* A netlink socket joined to @group (for generic netlink's controller,
 * @group < 0: its "notify" group, resolved here), non-blocking
 */
static int watch_open(struct watch *w, int proto, int group,
		      nl_recvmsg_msg_cb_t fn, void *arg)
{
	w->cb = nl_cb_alloc(NL_CB_DEFAULT);
	w->sk = w->cb ? nl_socket_alloc_cb(w->cb) : NULL;
	if (!w->sk || nl_connect(w->sk, proto))
		goto fail;
	if (group < 0)
		group = genl_ctrl_resolve_grp(w->sk, "nlctrl", "notify");
	if (group < 0 || nl_socket_add_membership(w->sk, group) ||
	    nl_socket_set_nonblocking(w->sk))
		goto fail;
	nl_socket_disable_seq_check(w->sk);
	nl_cb_set(w->cb, NL_CB_VALID, NL_CB_CUSTOM, fn, arg);
	/* a big buffer: a burst of link or kvs events should not overrun */
	nl_socket_set_buffer_size(w->sk, 1 << 20, 0);
	return 0;
fail:
	watch_close(w);
	return -1;
}

/* Read what is queued; an overrun (ENOBUFS) means events were lost:
 * reconcile, since anything may have changed
 */
static void watch_read(struct kvsd *d, struct nl_sock *sk, struct nl_cb *cb,
		       const char *what)
{
	int ret;

	while ((ret = nl_recvmsgs(sk, cb)) > 0)
		;
	if (ret < 0 && ret != -NLE_AGAIN) {
		logmsg("%s: %s, reconciling", what,
		       ret == -NLE_NOMEM ? "notifications lost" : nl_geterror(ret));
		d->dirty = true;
	}
}

static void module_gone(struct kvsd *d)
{
	if (events_open) {
		knl_close(&events);
		events_open = false;
	}
	if (d->ctx.nl_open) {
		knl_close(&d->ctx.nl);
		d->ctx.nl_open = false;
	}
	d->module = false;
}

static int event_msg(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[KVS_ATTR_MAX + 1];
	struct kvsd *d = arg;
	uint8_t cmd = knl_cmd(msg);

	if (cmd == KVS_CMD_POLICY_DROP && !limit(&drop_lim))
		return NL_OK;
	if ((cmd == KVS_CMD_FDB_NEW || cmd == KVS_CMD_FDB_DEL) &&
	    kvs_parse(msg, tb) &&
	    !(attr_u32(tb, KVS_ATTR_FDB_FLAGS, 0) & KVS_FDB_F_STATIC) &&
	    !limit(&fdb_lim))
		return NL_OK;
	/* port or switch gone (e.g. an unregistered netdev): a configured
	 * port may need attaching again once its netdev is back
	 */
	if (cmd == KVS_CMD_PORT_DEL || cmd == KVS_CMD_SWITCH_DEL ||
	    cmd == KVS_CMD_NET_DEL)
		d->dirty = true;
	fputs("event: ", stdout);
	monitor_event(msg, &d->ctx);
	return NL_OK;
}

/* The kvs family is there: open the request and event sockets */
static void module_found(struct kvsd *d)
{
	int ret;

	module_gone(d);
	ret = knl_open(&d->ctx.nl, KVS_GENL_NAME, KVS_GENL_VERSION);
	if (ret) {
		if (ret != -ENOENT)
			logmsg("cannot open the kvs family: %s", strerror(-ret));
		return;
	}
	d->ctx.nl_open = true;
	d->module = true;
	if (knl_open(&events, KVS_GENL_NAME, KVS_GENL_VERSION) == 0) {
		events_open = true;
		if (knl_subscribe(&events, KVS_GENL_MCGRP_EVENTS) ||
		    nl_socket_set_nonblocking(events.sk)) {
			logmsg("cannot join the kvs events group: kvs events are not logged");
			knl_close(&events);
			events_open = false;
		} else {
			nl_socket_disable_seq_check(events.sk);
			nl_cb_set(events.cb, NL_CB_VALID, NL_CB_CUSTOM,
				  event_msg, d);
			nl_socket_set_buffer_size(events.sk, 1 << 20, 0);
		}
	}
	d->dirty = true;
}

static int ctrl_msg(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[CTRL_ATTR_MAX + 1];
	struct genlmsghdr *g = nlmsg_data(nlmsg_hdr(msg));
	struct kvsd *d = arg;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, CTRL_ATTR_MAX, NULL) ||
	    !tb[CTRL_ATTR_FAMILY_NAME] ||
	    strcmp(nla_get_string(tb[CTRL_ATTR_FAMILY_NAME]), KVS_GENL_NAME))
		return NL_OK;
	if (g->cmd == CTRL_CMD_NEWFAMILY) {
		logmsg("kvs module loaded");
		module_found(d);
	} else if (g->cmd == CTRL_CMD_DELFAMILY) {
		logmsg("kvs module unloaded: waiting for it to come back");
		module_gone(d);
	}
	return NL_OK;
}

static int link_msg(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[IFLA_MAX + 1];
	struct kvsd *d = arg;

	if (nlh->nlmsg_type != RTM_NEWLINK ||
	    nlmsg_parse(nlh, sizeof(struct ifinfomsg), tb, IFLA_MAX, NULL) ||
	    !tb[IFLA_IFNAME])
		return NL_OK;
	if (is_pending(d, nla_get_string(tb[IFLA_IFNAME]))) {
		logmsg("netdev %s appeared", nla_get_string(tb[IFLA_IFNAME]));
		d->dirty = true;
	}
	return NL_OK;
}

/* ---- configuration ---- */

static int load_config(struct kvsd *d)
{
	struct objset s;

	if (config_load(d, d->config, &s, true)) {
		logmsg("%s: not applied, keeping the previous configuration",
		       d->config);
		return -1;
	}
	objset_free(&d->desired);
	d->desired = s;
	logmsg("%s: %zu objects", d->config, s.n);
	d->dirty = true;
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: kvsd [ -c FILE ] [ -s SOCKET ] [ -S STATE_DIR ] [ -g GROUP ] [ -t ]\n"
		"       kvsd --check [ FILE ]\n"
		"       kvsd -V | -h\n"
		"  -c, --config FILE     desired objects, kvs batch lines (default /etc/kvs/kvsd.conf)\n"
		"  -s, --socket PATH     the RPC socket (default /run/kvs/kvsd.sock)\n"
		"  -S, --state-dir DIR   the state file's directory (default /var/lib/kvs)\n"
		"  -g, --group GROUP     members may attach and detach through the RPC\n"
		"  -t, --timestamps      prefix each log line with the time (default: not under systemd)\n"
		"  -f, --foreground      accepted for compatibility: kvsd never forks\n"
		"  -C, --check           check the configuration and exit (0: valid)\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ "group", required_argument, NULL, 'g' },
		{ "timestamps", no_argument, NULL, 't' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "check", no_argument, NULL, 'C' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct kvsd d = {
		.config = "/etc/kvs/kvsd.conf",
		.sock_path = "/run/kvs/kvsd.sock",
		.state_dir = "/var/lib/kvs",
	};
	bool check = false, stop = false;
	struct signalfd_siginfo si;
	sigset_t mask;
	int c, sfd;

	d.ctx.errbuf = d.err;
	d.ctx.errsize = sizeof(d.err);
	log_time = !getenv("JOURNAL_STREAM");
	while ((c = getopt_long(argc, argv, "c:s:S:g:tfCVh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': d.config = optarg; break;
		case 's': d.sock_path = optarg; break;
		case 'S': d.state_dir = optarg; break;
		case 't': log_time = true; break;
		case 'f': break;
		case 'C': check = true; break;
		case 'g': {
			struct group *g = getgrnam(optarg);

			if (!g) {
				fprintf(stderr, "kvsd: unknown group \"%s\"\n", optarg);
				return 2;
			}
			d.rpc_gid = g->gr_gid;
			break;
		}
		case 'V': printf("kvsd %s\n", KVS_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (check) {
		struct objset s;

		log_time = false;
		if (optind < argc)
			d.config = argv[optind++];
		if (optind < argc) {
			usage(stderr);
			return 2;
		}
		if (config_load(&d, d.config, &s, true))
			return 1;
		printf("%s: %zu objects, valid\n", d.config, s.n);
		objset_free(&s);
		return 0;
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	/* kvs event lines are printed on stdout by monitor.c: one log */
	if (dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
		return 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	setvbuf(stderr, NULL, _IOLBF, 0);

	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);

	snprintf(d.state_file, sizeof(d.state_file), "%s/kvsd.state",
		 d.state_dir);
	if (mkdir(d.state_dir, 0700) && errno != EEXIST) {
		logmsg("cannot create %s: %s", d.state_dir, strerror(errno));
		return 1;
	}
	logmsg("kvsd %s starting: config %s, socket %s, state %s",
	       KVS_VERSION, d.config, d.sock_path, d.state_file);

	/* the watchers first, so that nothing happens unseen in between */
	if (sfd < 0 || watch_open(&ctrl_w, NETLINK_GENERIC, -1, ctrl_msg, &d) ||
	    watch_open(&link_w, NETLINK_ROUTE, RTNLGRP_LINK, link_msg, &d)) {
		logmsg("cannot open the netlink watchers: %s", strerror(errno));
		return 1;
	}
	state_load(&d);
	if (access(d.config, F_OK) == 0) {
		if (load_config(&d))
			return 1;
	} else {
		logmsg("%s: %s, no configured objects", d.config,
		       strerror(errno));
	}
	module_found(&d);
	if (!d.module)
		logmsg("kvs module not loaded: waiting for it (modprobe kvs)");
	if (rpc_open(&d))
		return 1;
	reconcile(&d);
	sd_notify(0, "READY=1");

	while (!stop) {
		struct pollfd pfd[64];
		int n = 0, nr, i;

		pfd[n++] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = nl_socket_get_fd(ctrl_w.sk),
					    .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = nl_socket_get_fd(link_w.sk),
					    .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = events_open ?
					    nl_socket_get_fd(events.sk) : -1,
					    .events = POLLIN };
		nr = rpc_pollfds(pfd + n, 64 - n);
		if (poll(pfd, n + nr, rpc_timeout()) < 0 && errno != EINTR) {
			logmsg("poll: %s", strerror(errno));
			break;
		}
		while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGHUP) {
				logmsg("SIGHUP: reloading %s", d.config);
				load_config(&d);
			} else {
				stop = true;
			}
		}
		if (pfd[1].revents)
			watch_read(&d, ctrl_w.sk, ctrl_w.cb, "controller");
		if (pfd[2].revents)
			watch_read(&d, link_w.sk, link_w.cb, "links");
		if (events_open && pfd[3].revents)
			watch_read(&d, events.sk, events.cb, "kvs events");
		rpc_handle(&d, pfd + n, nr);
		if (d.dirty && !stop)
			reconcile(&d);
		for (i = 0; i < n; i++)
			pfd[i].revents = 0;
	}
	sd_notify(0, "STOPPING=1");
	logmsg("kvsd stopping: the kvs objects stay as they are");
	rpc_close();
	module_gone(&d);
	watch_close(&ctrl_w);
	watch_close(&link_w);
	objset_free(&d.desired);
	return 0;
}
