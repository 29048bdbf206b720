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
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/rtnetlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <systemd/sd-daemon.h>

#include "kvsd.h"

#define LOG_BURST	10

static bool log_time, log_journal;

void logprio(int prio, const char *fmt, ...)
{
	va_list ap;

	/* under systemd, "<N>" gives the line its syslog priority
	 * (journalctl -p err -u kvsd)
	 */
	if (log_journal)
		fprintf(stderr, "<%d>", prio);
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
	if (cmd == KVS_CMD_SWITCH_DEL || cmd == KVS_CMD_NET_DEL) {
		d->dirty = true;
	} else if (cmd == KVS_CMD_SWITCH_SET || cmd == KVS_CMD_NET_SET) {
		/* a hand-made change to something of the configuration is
		 * undone now, not at the next unrelated event
		 */
		char buf[IFNAMSIZ], key[KEY_LEN];
		const char *sw = kvs_parse(msg, tb) ?
			attr_ifname(tb, KVS_ATTR_SWITCH_NAME,
				    KVS_ATTR_SWITCH_IFINDEX, buf) : NULL;

		if (cmd == KVS_CMD_SWITCH_SET)
			snprintf(key, sizeof(key), "switch %s", sw ? sw : "");
		else
			snprintf(key, sizeof(key), "net %s %u", sw ? sw : "",
				 attr_u32(tb, KVS_ATTR_NET_ID, 0));
		if (!sw || objset_find(&d->desired, key))
			d->dirty = true;
	} else if (cmd == KVS_CMD_PORT_DEL || cmd == KVS_CMD_PORT_SET) {
		char buf[IFNAMSIZ];
		const char *dev = kvs_parse(msg, tb) ?
			attr_ifname(tb, KVS_ATTR_PORT_NAME, KVS_ATTR_PORT_IFINDEX,
				    buf) : NULL;

		/* a pod's port going is not a reason to read everything */
		if (!dev || port_desired(d, dev))
			d->dirty = true;
	}
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

	if (nlh->nlmsg_type == RTM_NEWADDR || nlh->nlmsg_type == RTM_DELADDR) {
		/* a fabric port waits for its local address: retry now */
		if (d->retry_at)
			d->dirty = true;
		return NL_OK;
	}
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

/* Configured ports that an RPC attachment holds: the line is refused,
 * said once per load, never fought over
 */
static void drop_conflicts(struct kvsd *d, struct objset *s)
{
	size_t i, j;

	for (i = 0; i < s->n; ) {
		struct dobj *o = &s->v[i];

		for (j = 0; j < d->n_rports; j++)
			if (o->kind == K_PORT && !strcmp(o->dev, d->rports[j].dev))
				break;
		if (j == d->n_rports) {
			i++;
			continue;
		}
		logerr("%s:%lu: port %s is attached through the RPC (uid %u): line ignored; detach it first",
		       d->config, o->lineno, o->dev,
		       (unsigned int)d->rports[j].uid);
		dobj_free(o);
		*o = s->v[--s->n];
	}
}

int load_config(struct kvsd *d, char *why, size_t size)
{
	struct objset s;

	if (config_load(d, d->config, &s, true)) {
		logerr("%s: not applied, keeping the previous configuration",
		       d->config);
		if (why)
			snprintf(why, size, "not applied: %s",
				 d->cfg_err[0] ? d->cfg_err : "invalid");
		return -1;
	}
	drop_conflicts(d, &s);
	objset_free(&d->desired);
	d->desired = s;
	evpn_apply(d);
	logmsg("%s: %zu objects, %zu rpc allow lines", d->config, s.n,
	       s.nrules);
	d->dirty = true;
	d->retry_at = 0;
	d->backoff = 0;
	return 0;
}

/* One instance per state directory and per socket: a lock on each */
static int lock_file(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	char buf[32];

	if (fd < 0) {
		logerr("cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		ssize_t n = read(fd, buf, sizeof(buf) - 1);

		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		logerr("another kvsd (pid %s) holds %s: exiting, nothing touched",
		       buf[0] ? buf : "?", path);
		close(fd);
		return -1;
	}
	if (ftruncate(fd, 0) == 0) {
		int n = snprintf(buf, sizeof(buf), "%d\n", getpid());

		if (write(fd, buf, n) != n)
			logwarn("cannot write %s", path);
	}
	return fd;	/* held until exit */
}

/* kvsd --reload: ask the running kvsd to reload, and say how it went */
static int reload_client(const char *sock)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[4096];
	struct json_object *r, *ok, *err;
	size_t len = 0;
	ssize_t n;
	int fd;

	if (strlen(sock) >= sizeof(sa.sun_path))
		return 1;
	strcpy(sa.sun_path, sock);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "kvsd: cannot connect to %s: %s\n", sock,
			strerror(errno));
		return 1;
	}
	if (write(fd, "{\"op\":\"reload\"}\n", 16) != 16) {
		fprintf(stderr, "kvsd: %s: %s\n", sock, strerror(errno));
		return 1;
	}
	while (len < sizeof(buf) - 1 && !memchr(buf, '\n', len) &&
	       (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += n;
	buf[len] = '\0';
	close(fd);
	r = json_tokener_parse(buf);
	if (!r || !json_object_object_get_ex(r, "ok", &ok)) {
		fprintf(stderr, "kvsd: no answer from %s\n", sock);
		json_object_put(r);
		return 1;
	}
	if (!json_object_get_boolean(ok)) {
		fprintf(stderr, "kvsd: reload refused: %s\n",
			json_object_object_get_ex(r, "error", &err) ?
			json_object_get_string(err) : "?");
		json_object_put(r);
		return 1;
	}
	json_object_put(r);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: kvsd [ -c FILE ] [ -s SOCKET ] [ -S STATE_DIR ] [ -g GROUP ] [ -t ]\n"
		"       kvsd --check [ FILE ]\n"
		"       kvsd --reload [ -s SOCKET ]\n"
		"       kvsd -V | -h\n"
		"  -c, --config FILE     desired objects, kvs batch lines (default /etc/kvs/kvsd.conf)\n"
		"  -s, --socket PATH     the RPC socket (default /run/kvs/kvsd.sock)\n"
		"  -S, --state-dir DIR   the state file's directory (default /var/lib/kvs)\n"
		"  -g, --group GROUP     members may attach and detach through the RPC\n"
		"  -t, --timestamps      prefix each log line with the time (default: not under systemd)\n"
		"  -f, --foreground      accepted for compatibility: kvsd never forks\n"
		"  -C, --check           check the configuration and exit (0: valid)\n"
		"  -r, --reload          ask the running kvsd to reload its configuration;\n"
		"                        exit 1 if it refuses (the file is not valid)\n");
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
		{ "reload", no_argument, NULL, 'r' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct kvsd d = {
		.config = "/etc/kvs/kvsd.conf",
		.sock_path = "/run/kvs/kvsd.sock",
		.state_dir = "/var/lib/kvs",
	};
	bool check = false, reload = false, stop = false;
	char lock[600];
	struct signalfd_siginfo si;
	sigset_t mask;
	int c, sfd;

	d.ctx.errbuf = d.err;
	d.ctx.errsize = sizeof(d.err);
	log_journal = getenv("JOURNAL_STREAM") != NULL;
	log_time = !log_journal;
	while ((c = getopt_long(argc, argv, "c:s:S:g:tfCrVh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': d.config = optarg; break;
		case 's': d.sock_path = optarg; break;
		case 'S': d.state_dir = optarg; break;
		case 't': log_time = true; break;
		case 'f': break;
		case 'C': check = true; break;
		case 'r': reload = true; break;
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
	if (reload) {
		if (optind < argc) {
			usage(stderr);
			return 2;
		}
		return reload_client(d.sock_path);
	}
	if (check) {
		struct objset s;

		log_time = log_journal = false;
		if (optind < argc)
			d.config = argv[optind++];
		if (optind < argc) {
			usage(stderr);
			return 2;
		}
		if (config_load(&d, d.config, &s, true))
			return 1;
		if (s.nrules)
			printf("%s: %zu objects and %zu rpc allow line%s",
			       d.config, s.n, s.nrules, s.nrules > 1 ? "s" : "");
		else
			printf("%s: %zu objects", d.config, s.n);
		if (s.nevpn)
			printf(", %zu evpn line%s", s.nevpn,
			       s.nevpn > 1 ? "s" : "");
		printf(", valid\n");
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
	sigaddset(&mask, SIGCHLD);	/* the evpn agents */
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);

	snprintf(d.state_file, sizeof(d.state_file), "%s/kvsd.state",
		 d.state_dir);
	if (mkdir(d.state_dir, 0700) && errno != EEXIST) {
		logerr("cannot create %s: %s", d.state_dir, strerror(errno));
		return 1;
	}
	/* one kvsd per state and per socket, before either is touched */
	snprintf(lock, sizeof(lock), "%s/kvsd.lock", d.state_dir);
	if (lock_file(lock) < 0)
		return 1;
	snprintf(lock, sizeof(lock), "%s", d.sock_path);
	if (strrchr(lock, '/') && strrchr(lock, '/') != lock) {
		*strrchr(lock, '/') = '\0';
		if (mkdir(lock, 0755) && errno != EEXIST) {
			logerr("cannot create %s: %s", lock, strerror(errno));
			return 1;
		}
	}
	snprintf(lock, sizeof(lock), "%s.lock", d.sock_path);
	if (!sd_listen_fds(0) && lock_file(lock) < 0)
		return 1;
	logmsg("kvsd %s starting: config %s, socket %s, state %s",
	       KVS_VERSION, d.config, d.sock_path, d.state_file);

	/* the watchers first, so that nothing happens unseen in between */
	if (sfd < 0 || watch_open(&ctrl_w, NETLINK_GENERIC, -1, ctrl_msg, &d) ||
	    watch_open(&link_w, NETLINK_ROUTE, RTNLGRP_LINK, link_msg, &d) ||
	    nl_socket_add_memberships(link_w.sk, RTNLGRP_IPV4_IFADDR,
				      RTNLGRP_IPV6_IFADDR, 0)) {
		logerr("cannot open the netlink watchers: %s", strerror(errno));
		return 1;
	}
	if (state_load(&d))
		return 1;
	if (access(d.config, F_OK) == 0) {
		if (load_config(&d, NULL, 0))
			return 1;
	} else {
		logmsg("%s: %s, no configured objects", d.config,
		       strerror(errno));
	}
	module_found(&d);
	if (!d.module)
		logwarn("kvs module not loaded: waiting for it (modprobe kvs)");
	if (rpc_open(&d))
		return 1;
	rpc_collect_detached(&d);
	reconcile(&d);
	sd_notify(0, "READY=1");

	while (!stop) {
		struct pollfd pfd[64];
		long long now;
		int n = 0, nr, i, timeout;

		pfd[n++] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = nl_socket_get_fd(ctrl_w.sk),
					    .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = nl_socket_get_fd(link_w.sk),
					    .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = events_open ?
					    nl_socket_get_fd(events.sk) : -1,
					    .events = POLLIN };
		nr = rpc_pollfds(pfd + n, 64 - n);
		timeout = rpc_timeout();
		if (d.retry_at) {
			long long left = d.retry_at - mono_ms();

			if (left < 0)
				left = 0;
			if (timeout < 0 || left < timeout)
				timeout = left;
		}
		i = evpn_tick(&d);
		if (i >= 0 && (timeout < 0 || i < timeout))
			timeout = i;
		if (poll(pfd, n + nr, timeout) < 0 && errno != EINTR) {
			logerr("poll: %s", strerror(errno));
			break;
		}
		while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGHUP) {
				logmsg("SIGHUP: reloading %s", d.config);
				sd_notify(0, "RELOADING=1");
				load_config(&d, NULL, 0);
				sd_notify(0, "READY=1");
			} else if (si.ssi_signo == SIGCHLD) {
				evpn_reap();
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
		now = mono_ms();
		if (d.retry_at && now >= d.retry_at)
			d.dirty = true;
		if (d.dirty && !stop) {
			rpc_collect_detached(&d);
			reconcile(&d);
			/* failed work is retried: 1 s, doubling up to 30 s,
			 * sooner when an address appears (link_msg)
			 */
			if (d.n_failed) {
				d.backoff = d.backoff ? d.backoff * 2 : 1000;
				if (d.backoff > 30000)
					d.backoff = 30000;
				d.retry_at = mono_ms() + d.backoff;
			} else {
				d.backoff = 0;
				d.retry_at = 0;
			}
		}
		for (i = 0; i < n; i++)
			pfd[i].revents = 0;
	}
	sd_notify(0, "STOPPING=1");
	logmsg("kvsd stopping: the kvs objects stay as they are");
	evpn_stop_all();
	rpc_close();
	module_gone(&d);
	watch_close(&ctrl_w);
	watch_close(&link_w);
	objset_free(&d.desired);
	return 0;
}
