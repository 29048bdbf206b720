/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvs CNI plugin: connects a container to a network of a kvs switch.
 *
 *   cni.c   environment, network configuration, commands, result and errors
 *   link.c  veth pair, network namespaces, addresses and routes (libnl-route)
 *   ipam.c  the IPAM plugin, run from CNI_PATH (delegation)
 *   rpc.c   the kvsd client (one JSON line each way on a unix socket), and
 *           the detach records left for kvsd when it cannot be reached
 *
 * Every function that can fail returns -1 (or NULL) after recording the
 * error with cni_fail(); the first error recorded is the one reported.
 */
#ifndef KVS_CNI_H
#define KVS_CNI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>
#include <netlink/netlink.h>

#include "../lib/util.h"

/* Well-known error codes of the CNI spec */
enum {
	CNI_ERR_VERSION = 1,	/* incompatible CNI version */
	CNI_ERR_FIELD = 2,	/* unsupported field in the network config */
	CNI_ERR_UNKNOWN = 3,	/* container unknown (its netns is gone) */
	CNI_ERR_ENV = 4,	/* invalid environment variables */
	CNI_ERR_IO = 5,		/* I/O failure */
	CNI_ERR_DECODE = 6,	/* failed to decode content */
	CNI_ERR_CONFIG = 7,	/* invalid network config */
	CNI_ERR_AGAIN = 11,	/* try again later (kvsd or the module not ready) */
	CNI_ERR_UNAVAILABLE = 50, /* STATUS: cannot serve ADD now */
	/* the plugin's own */
	CNI_ERR_SYSTEM = 100,	/* a netlink or system call failed */
	CNI_ERR_KVSD = 101,	/* kvsd refused the request */
	CNI_ERR_PROTO = 102,	/* kvsd answered something unexpected */
	CNI_ERR_IPAM = 103,	/* IPAM plugin missing, failed or bad output */
	CNI_ERR_CHECK = 104,	/* CHECK: the container is not as prevResult says */
};

#define CNI_DEFAULT_SOCKET "/run/kvs/kvsd.sock"
/* kvsd's limit on an attachment's "tag" */
#define CNI_TAG_MAX 128
#define CNI_MAX_IPS 16
#define CNI_MAX_ROUTES 64

struct cni_ip {
	int family;			/* AF_INET or AF_INET6 */
	uint8_t addr[16];
	int prefix;
	bool has_gw;
	uint8_t gw[16];
};

struct cni_route {
	int family;
	uint8_t dst[16];
	int prefix;
	bool has_gw;
	uint8_t gw[16];
};

/* The addresses to configure: what IPAM returned, or prevResult's */
struct cni_ipcfg {
	struct cni_ip ips[CNI_MAX_IPS];
	int n_ips;
	struct cni_route routes[CNI_MAX_ROUTES];
	int n_routes;
};

struct cni {
	/* environment */
	const char *command, *containerid, *netns, *ifname, *path, *args;
	/* network config: the bytes read (given to IPAM as they are) and
	 * the parsed object, which owns the strings below
	 */
	char *raw;
	size_t raw_len;
	json_object *conf;
	const char *version;		/* "" until known */
	int vnum;			/* 10000 * major + 100 * minor + patch */
	const char *name, *sw, *socket, *ipam_type;
	int ipam_newest;		/* the IPAM plugin's newest version (vnum),
					 * 0 until asked, -1 if it lists none */
	char *ipam_raw;			/* the config as 1.0.0, for an older IPAM */
	uint32_t net, mtu, max_macs, bum_limit;
	bool has_max_macs, has_bum_limit, spoofcheck;
	json_object *prev;		/* prevResult or NULL */
	bool has_mac;			/* ADD: the runtime chose the MAC */
	uint8_t mac[MAC_LEN];
	char host_if[16];		/* the host end of the veth pair */
	char tag[CNI_TAG_MAX + 1];	/* the attachment's tag at kvsd */
	/* the first error */
	int err_code;
	char err_msg[256];
	char err_details[1024];
};

/* Record an error (the first one wins; later ones are logged to stderr).
 * @details is a printf format. Returns -1.
 */
int cni_fail(struct cni *c, int code, const char *msg, const char *details, ...)
	__attribute__((format(printf, 4, 5)));
void cni_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* link.c */
/* Open CNI_NETNS; -1 with code 3 if it does not exist, 4 if not a netns */
int ns_open(struct cni *c, const char *path);
/* A NETLINK_ROUTE socket in the netns @nsfd (-1: the current one) */
struct nl_sock *nl_open(struct cni *c, int nsfd);
/* 1 if @name exists in @sk's netns, 0 if not, -1 on error */
int link_exists(struct cni *c, struct nl_sock *sk, const char *name);
/* Create the veth pair @host (here) / @peer (in @nsfd), MTU @mtu (0: the
 * default), both up, @peer with @c->mac if @c->has_mac; their MACs into
 * @host_mac and @peer_mac.
 */
int veth_create(struct cni *c, struct nl_sock *sk, struct nl_sock *nsk,
		const char *host, int nsfd, const char *peer, uint32_t mtu,
		uint8_t host_mac[MAC_LEN], uint8_t peer_mac[MAC_LEN]);
/* Delete @name if it exists; 1 if deleted, 0 if there was none, -1 */
int link_delete(struct cni *c, struct nl_sock *sk, const char *name);
/* Add the addresses and routes of @cfg to @ifname (in @nsk's netns) */
int addrs_configure(struct cni *c, struct nl_sock *nsk, const char *ifname,
		    const struct cni_ipcfg *cfg);
/* CHECK: @ifname in @nsk's netns is the peer of @host (in @sk's), has
 * @mac, the addresses of @cfg and routes to its destinations
 */
int link_check(struct cni *c, struct nl_sock *sk, struct nl_sock *nsk,
	       const char *host, const char *ifname, const uint8_t mac[MAC_LEN],
	       const struct cni_ipcfg *cfg);

/* ipam.c */
/* Run the IPAM plugin with @command and the network config on stdin.
 * ADD: *@result gets its parsed result (the caller puts it); others:
 * @result may be NULL.
 */
int ipam_exec(struct cni *c, const char *command, json_object **result);
/* GC: IPAM DEL of the attachment (@cid, @ifname), not the caller's */
int ipam_del_for(struct cni *c, const char *cid, const char *ifname);
/* 1 if the IPAM plugin's VERSION lists a version >= @vnum, 0 if not, -1
 * (asked once)
 */
int ipam_supports(struct cni *c, int vnum);
/* The "ips" and "routes" of a result into @cfg; @ifindex >= 0: only the
 * ips whose "interface" is @ifindex (a prevResult)
 */
int ipcfg_parse(struct cni *c, json_object *result, int ifindex,
		struct cni_ipcfg *cfg);

/* rpc.c */
/* Attach @dev with @c->tag: 0 if attached, 1 if kvsd recorded it but could
 * not attach it (error 11 recorded: the caller detaches), -1 (nothing
 * recorded)
 */
int kvsd_attach(struct cni *c, const char *dev, const uint8_t mac[MAC_LEN]);
/* 1 if kvsd removed an attachment, 0 if it had none, -1 */
int kvsd_detach(struct cni *c, const char *dev);
/* kvsd's "ports" (the caller puts it), or NULL */
json_object *kvsd_list(struct cni *c);
/* STATUS: kvsd answers and has the module: 0, else -1 */
int kvsd_health(struct cni *c);
/* CHECK: kvsd has @dev attached to the configured switch and net, with
 * the MAC lock the config asks for
 */
int kvsd_check(struct cni *c, const char *dev, const uint8_t mac[MAC_LEN]);
/* DEL with kvsd unreachable: the file detach/@dev, next to the socket,
 * holding @c->tag for kvsd to collect
 */
int record_write(struct cni *c, const char *dev);
/* 1 if a detach record of @dev is waiting, 0 if not, -1 */
int record_exists(struct cni *c, const char *dev);
/* Remove the detach record of @dev, if there is one */
int record_remove(struct cni *c, const char *dev);

#endif /* KVS_CNI_H */
