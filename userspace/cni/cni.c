// SPDX-License-Identifier: GPL-2.0
/*
 * kvs CNI plugin (CNI spec 1.1.0; configs of 0.3.0, 0.3.1, 0.4.0 and 1.0.0
 * too): environment, network configuration, the commands, result and error
 * output.
 *
 * ADD    veth pair (host end "kvs" + 12 hex digits of a hash of
 *        CNI_CONTAINERID and CNI_IFNAME, container end CNI_IFNAME in
 *        CNI_NETNS, with the runtime's MAC if it chose one), host end
 *        attached by kvsd with the tag "cni:NETWORK:CONTAINERID:IFNAME",
 *        IPAM ADD, addresses and routes; any failure, a port kvsd could not
 *        attach included, undoes what was done (IPAM DEL, detach, veth
 *        deleted)
 * DEL    detach (kvsd unreachable: a detach record for later), delete the
 *        host end, IPAM DEL: each whether or not the others found something
 *        (idempotent, no netns needed)
 * CHECK  IPAM CHECK; the interfaces, addresses and routes of prevResult; the
 *        attachment kvsd has
 * STATUS kvsd answers and has the module; IPAM STATUS
 * GC     the attachments of this network at kvsd that are not in
 *        cni.dev/valid-attachments are removed as DEL would; IPAM GC
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "cni.h"

#define STDIN_MAX (16 << 20)

static const char *const versions[] = { "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0" };
#define N_VERSIONS (sizeof(versions) / sizeof(versions[0]))
#define NEWEST "1.1.0"
/* A network name longer than this is hashed in tags (see make_tag()) */
#define TAG_NAME_MAX 40

void cni_log(const char *fmt, ...)
{
	va_list ap;

	fputs("kvs-cni: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cni_fail(struct cni *c, int code, const char *msg, const char *details, ...)
{
	char buf[sizeof(c->err_details)];
	va_list ap;

	va_start(ap, details);
	vsnprintf(buf, sizeof(buf), details, ap);
	va_end(ap);
	if (c->err_code) {
		/* a later failure (while undoing): only logged */
		cni_log("also: %s: %s", msg, buf);
		return -1;
	}
	c->err_code = code;
	snprintf(c->err_msg, sizeof(c->err_msg), "%s", msg);
	memcpy(c->err_details, buf, sizeof(buf));
	return -1;
}

/* ---- output ---- */

static const char *out_version(const struct cni *c)
{
	return c->vnum ? c->version : NEWEST;
}

static int print_json(struct cni *c, json_object *o)
{
	const char *s = json_object_to_json_string_ext(o,
			JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);

	if (!s || printf("%s\n", s) < 0 || fflush(stdout) == EOF)
		return cni_fail(c, CNI_ERR_IO, "cannot write the result",
				"stdout: %s", strerror(errno));
	return 0;
}

static void print_error(struct cni *c)
{
	json_object *o = json_object_new_object();

	cni_log("%s: %s", c->err_msg, c->err_details);
	if (!o)
		return;
	json_object_object_add(o, "cniVersion",
			       json_object_new_string(out_version(c)));
	json_object_object_add(o, "code", json_object_new_int(c->err_code));
	json_object_object_add(o, "msg", json_object_new_string(c->err_msg));
	json_object_object_add(o, "details",
			       json_object_new_string(c->err_details));
	c->err_code = 0;	/* a failing write is only logged */
	print_json(c, o);
	json_object_put(o);
}

/* ---- environment ---- */

/* A container ID, and a network name (libcni's rule for both) */
static bool valid_id(const char *s)
{
	if (!isalnum((unsigned char)*s))
		return false;
	for (s++; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_.-", *s))
			return false;
	return true;
}

static bool valid_ifname(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 15 || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	/* (printable ASCII too: the name goes into kvsd's tag) */
	for (; *s; s++)
		if (*s == '/' || *s == ':' || *s <= ' ' || *s > '~')
			return false;
	return true;
}

/* The variables the command needs. CNI_PATH is checked when IPAM has to
 * run (find_plugin()): a config without IPAM needs none.
 */
static int check_env(struct cni *c)
{
	bool add_check = !strcmp(c->command, "ADD") || !strcmp(c->command, "CHECK");

	c->containerid = getenv("CNI_CONTAINERID");
	c->netns = getenv("CNI_NETNS");
	c->ifname = getenv("CNI_IFNAME");
	c->path = getenv("CNI_PATH");
	c->args = getenv("CNI_ARGS");

	/* GC and STATUS concern the network, no attachment */
	if (!strcmp(c->command, "GC") || !strcmp(c->command, "STATUS"))
		return 0;
	if (!c->containerid || !*c->containerid)
		return cni_fail(c, CNI_ERR_ENV, "CNI_CONTAINERID is not set",
				"CNI_CONTAINERID must name the container");
	if (!valid_id(c->containerid))
		return cni_fail(c, CNI_ERR_ENV, "invalid CNI_CONTAINERID",
				"CNI_CONTAINERID '%s': letters, digits, '_', '.' and '-', starting with a letter or digit",
				c->containerid);
	if (add_check && (!c->netns || !*c->netns))
		return cni_fail(c, CNI_ERR_ENV, "CNI_NETNS is not set",
				"CNI_NETNS must be the path of the container's network namespace for %s",
				c->command);
	if (!c->ifname || !*c->ifname)
		return cni_fail(c, CNI_ERR_ENV, "CNI_IFNAME is not set",
				"CNI_IFNAME must name the container's interface");
	if (!valid_ifname(c->ifname))
		return cni_fail(c, CNI_ERR_ENV, "invalid CNI_IFNAME",
				"CNI_IFNAME '%s': 1 to 15 printable ASCII characters, no '/', ':' or blank, not '.' or '..'",
				c->ifname);
	return 0;
}

#define FNV_BASIS 0xcbf29ce484222325ULL

/* 64-bit FNV-1a of @s, continuing from @h */
static uint64_t fnv1a(uint64_t h, const char *s)
{
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* "kvs" and 12 hex digits of a 64-bit FNV-1a hash of "CONTAINERID/IFNAME":
 * the same for ADD, CHECK and DEL without looking into the netns
 */
static void host_ifname(const char *cid, const char *ifname, char buf[16])
{
	uint64_t h = fnv1a(fnv1a(fnv1a(FNV_BASIS, cid), "/"), ifname);

	snprintf(buf, 16, "kvs%012llx",
		 (unsigned long long)((h ^ (h >> 48)) & 0xffffffffffffULL));
}

/* The network part of a tag: the name, or for a name longer than
 * TAG_NAME_MAX, '#' and 16 hex digits of its hash (a name has no '#'), so
 * that the tag of a 64-character container ID and a 15-character interface
 * always fits. GC compares it with the tags kvsd lists.
 */
static void tag_net(const struct cni *c, char *buf, size_t size)
{
	if (strlen(c->name) <= TAG_NAME_MAX)
		snprintf(buf, size, "%s", c->name);
	else
		snprintf(buf, size, "#%016llx",
			 (unsigned long long)fnv1a(FNV_BASIS, c->name));
}

/* "cni:NETWORK:CONTAINERID:IFNAME": what kvsd keeps with the attachment,
 * so that GC knows which attachments are this network's and whose they
 * are; no part has a ':' and all are printable ASCII. A container ID too
 * long for it fails ADD; DEL and CHECK go on with no tag (an attachment
 * such an ID has was made without one).
 */
static int make_tag(struct cni *c)
{
	bool add = !strcmp(c->command, "ADD");
	char net[TAG_NAME_MAX + 1];
	int n;

	tag_net(c, net, sizeof(net));
	n = snprintf(c->tag, sizeof(c->tag), "cni:%s:%s:%s", net,
		     c->containerid, c->ifname);
	if (n >= 0 && n < (int)sizeof(c->tag))
		return 0;
	c->tag[0] = '\0';
	if (!add)
		return 0;
	return cni_fail(c, CNI_ERR_ENV, "CNI_CONTAINERID is too long",
			"the tag 'cni:%s:CONTAINERID:%s' must fit in %d bytes: CNI_CONTAINERID has %zu characters",
			net, c->ifname, CNI_TAG_MAX, strlen(c->containerid));
}

/* ---- network configuration ---- */

static int read_stdin(struct cni *c)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap), *nbuf;
	ssize_t n;

	if (!buf)
		return cni_fail(c, CNI_ERR_IO, "out of memory", "reading stdin");
	for (;;) {
		if (len + 1 >= cap) {
			if (cap >= STDIN_MAX) {
				free(buf);
				return cni_fail(c, CNI_ERR_IO, "network config too large",
						"more than %d bytes on stdin", STDIN_MAX);
			}
			nbuf = realloc(buf, cap * 2);
			if (!nbuf) {
				free(buf);
				return cni_fail(c, CNI_ERR_IO, "out of memory", "reading stdin");
			}
			buf = nbuf;
			cap *= 2;
		}
		n = read(STDIN_FILENO, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return cni_fail(c, CNI_ERR_IO, "cannot read the network config",
					"stdin: %s", strerror(errno));
		}
		if (n == 0)
			break;
		len += n;
	}
	buf[len] = '\0';
	c->raw = buf;
	c->raw_len = len;
	return 0;
}

/* The whole text must be one JSON value; NULL if not, with *@why set */
static json_object *parse_json(const char *s, size_t len, const char **why)
{
	json_tokener *tok = json_tokener_new();
	json_object *o;
	size_t end;

	if (!tok) {
		*why = "out of memory";
		return NULL;
	}
	o = json_tokener_parse_ex(tok, s, (int)len);
	if (!o) {
		*why = json_tokener_get_error(tok) == json_tokener_continue ?
			"unexpected end of input" :
			json_tokener_error_desc(json_tokener_get_error(tok));
	} else {
#if JSON_C_VERSION_NUM >= ((0 << 16) | (15 << 8))
		end = json_tokener_get_parse_end(tok);
#else
		end = (size_t)tok->char_offset;
#endif
		while (end < len && isspace((unsigned char)s[end]))
			end++;
		if (end != len) {
			json_object_put(o);
			o = NULL;
			*why = "more after the JSON value";
		}
	}
	json_tokener_free(tok);
	return o;
}

static int version_num(const char *v)
{
	size_t i;

	for (i = 0; i < N_VERSIONS; i++)
		if (!strcmp(v, versions[i]))
			return 10000 * (v[0] - '0') + 100 * (v[2] - '0') + (v[4] - '0');
	return 0;
}

static json_object *supported_versions(void)
{
	json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; a && i < N_VERSIONS; i++)
		json_object_array_add(a, json_object_new_string(versions[i]));
	return a;
}

static int conf_u32(struct cni *c, const char *key, uint32_t min, uint32_t max,
		    bool required, uint32_t *val, bool *present)
{
	json_object *o;
	int64_t v;

	if (present)
		*present = false;
	if (!json_object_object_get_ex(c->conf, key, &o) || !o) {
		if (required)
			return cni_fail(c, CNI_ERR_CONFIG, "invalid network config",
					"\"%s\" is missing (an integer %u..%u)", key, min, max);
		return 0;
	}
	v = json_object_get_int64(o);
	if (!json_object_is_type(o, json_type_int) || v < min || v > max)
		return cni_fail(c, CNI_ERR_CONFIG, "invalid network config",
				"\"%s\": %s is not an integer %u..%u", key,
				json_object_to_json_string(o), min, max);
	*val = (uint32_t)v;
	if (present)
		*present = true;
	return 0;
}

static int conf_string(struct cni *c, json_object *from, const char *key,
		       const char **val)
{
	json_object *o;

	if (!json_object_object_get_ex(from, key, &o) || !o)
		return 0;
	if (!json_object_is_type(o, json_type_string))
		return cni_fail(c, CNI_ERR_CONFIG, "invalid network config",
				"\"%s\": %s is not a string", key,
				json_object_to_json_string(o));
	*val = json_object_get_string(o);
	return 0;
}

static int parse_conf(struct cni *c)
{
	json_object *o, *ipam;
	struct sockaddr_un sun;

	const char *why = "not an object";

	c->conf = parse_json(c->raw, c->raw_len, &why);
	if (!c->conf || !json_object_is_type(c->conf, json_type_object))
		return cni_fail(c, CNI_ERR_DECODE, "cannot decode the network config",
				"stdin is not a JSON object: %s", why);
	if (!json_object_object_get_ex(c->conf, "cniVersion", &o) ||
	    !json_object_is_type(o, json_type_string))
		return cni_fail(c, CNI_ERR_VERSION, "incompatible CNI version",
				"the config has no \"cniVersion\"");
	c->version = json_object_get_string(o);
	c->vnum = version_num(c->version);
	if (!c->vnum)
		return cni_fail(c, CNI_ERR_VERSION, "incompatible CNI version",
				"config is %s, the plugin supports 0.3.0, 0.3.1, 0.4.0, 1.0.0 and 1.1.0",
				c->version);

	c->name = NULL;
	if (conf_string(c, c->conf, "name", &c->name))
		return -1;
	if (!c->name || !valid_id(c->name))
		return cni_fail(c, CNI_ERR_CONFIG, "invalid network config",
				"\"name\" must name the network: letters, digits, '_', '.' and '-', starting with a letter or digit");

	c->sw = NULL;
	if (conf_string(c, c->conf, "switch", &c->sw))
		return -1;
	if (!c->sw || !*c->sw || strlen(c->sw) > 15)
		return cni_fail(c, CNI_ERR_CONFIG, "invalid network config",
				"\"switch\" must name the kvs switch (1 to 15 characters)");
	if (conf_u32(c, "net", 1, 16777215, true, &c->net, NULL) ||
	    conf_u32(c, "mtu", 68, 65535, false, &c->mtu, NULL) ||
	    conf_u32(c, "maxMacs", 0, UINT32_MAX, false, &c->max_macs, &c->has_max_macs) ||
	    conf_u32(c, "bumLimit", 0, UINT32_MAX, false, &c->bum_limit, &c->has_bum_limit))
		return -1;

	c->socket = CNI_DEFAULT_SOCKET;
	if (conf_string(c, c->conf, "socket", &c->socket))
		return -1;
	if (c->socket[0] != '/' || strlen(c->socket) >= sizeof(sun.sun_path))
		return cni_fail(c, CNI_ERR_CONFIG, "invalid network config",
				"\"socket\": '%s' is not an absolute path of at most %zu bytes",
				c->socket, sizeof(sun.sun_path) - 1);

	c->spoofcheck = true;
	if (json_object_object_get_ex(c->conf, "spoofcheck", &o) && o) {
		if (!json_object_is_type(o, json_type_boolean))
			return cni_fail(c, CNI_ERR_CONFIG, "invalid network config",
					"\"spoofcheck\": %s is not true or false",
					json_object_to_json_string(o));
		c->spoofcheck = json_object_get_boolean(o);
	}

	/* no "ipam" or no type: a plain L2 attachment, no addresses */
	c->ipam_type = NULL;
	if (json_object_object_get_ex(c->conf, "ipam", &ipam) && ipam) {
		if (!json_object_is_type(ipam, json_type_object))
			return cni_fail(c, CNI_ERR_CONFIG, "invalid network config",
					"\"ipam\" is not an object");
		if (conf_string(c, ipam, "type", &c->ipam_type))
			return -1;
		if (c->ipam_type && !*c->ipam_type)
			c->ipam_type = NULL;
		if (c->ipam_type && (strchr(c->ipam_type, '/') ||
				     !strcmp(c->ipam_type, ".") || !strcmp(c->ipam_type, "..")))
			return cni_fail(c, CNI_ERR_CONFIG, "invalid network config",
					"\"ipam\": type '%s' is not a plugin name", c->ipam_type);
	}

	c->prev = NULL;
	if (json_object_object_get_ex(c->conf, "prevResult", &o) && o) {
		if (!json_object_is_type(o, json_type_object))
			return cni_fail(c, CNI_ERR_CONFIG, "invalid network config",
					"\"prevResult\" is not an object");
		c->prev = o;
	}
	return 0;
}

/* ---- the runtime's MAC ---- */

/* A MAC a container interface can have: unicast, not all zeros */
static bool usable_mac(const char *s, uint8_t mac[MAC_LEN])
{
	static const uint8_t zero[MAC_LEN];

	return s && parse_mac(s, mac) && !(mac[0] & 1) && memcmp(mac, zero, MAC_LEN);
}

/* CNI_ARGS "K=V;K=V", as the reference plugins read it: MAC is the
 * container's MAC, IgnoreUnknown (1, true, 0, false) lets other keys pass,
 * which are an error otherwise; a pair without exactly one '=' is one.
 */
static int parse_cni_args(struct cni *c, uint8_t mac[MAC_LEN], bool *has_mac)
{
	char *copy, *rest, *pair, *val, *unknown = NULL;
	bool ignore = false;
	int rc = -1;

	*has_mac = false;
	if (!c->args || !*c->args)
		return 0;
	copy = strdup(c->args);
	if (!copy)
		return cni_fail(c, CNI_ERR_SYSTEM, "out of memory", "CNI_ARGS");
	rest = copy;
	while ((pair = strsep(&rest, ";"))) {
		val = strchr(pair, '=');
		if (!val || strchr(val + 1, '=')) {
			cni_fail(c, CNI_ERR_ENV, "invalid CNI_ARGS",
				 "CNI_ARGS: '%s' is not KEY=VALUE", pair);
			goto out;
		}
		*val++ = '\0';
		if (!strcmp(pair, "IgnoreUnknown")) {
			if (!strcasecmp(val, "1") || !strcasecmp(val, "true")) {
				ignore = true;
			} else if (!strcasecmp(val, "0") || !strcasecmp(val, "false")) {
				ignore = false;
			} else {
				cni_fail(c, CNI_ERR_ENV, "invalid CNI_ARGS",
					 "CNI_ARGS: IgnoreUnknown=%s is not 1, true, 0 or false", val);
				goto out;
			}
		} else if (!strcmp(pair, "MAC")) {
			if (!usable_mac(val, mac)) {
				cni_fail(c, CNI_ERR_ENV, "invalid CNI_ARGS",
					 "CNI_ARGS: MAC=%s is not a unicast MAC address", val);
				goto out;
			}
			*has_mac = true;
		} else if (!unknown) {
			unknown = pair;
		}
	}
	if (unknown && !ignore) {
		cni_fail(c, CNI_ERR_ENV, "invalid CNI_ARGS",
			 "CNI_ARGS: unknown key '%s' (add IgnoreUnknown=1 to pass keys for other plugins)",
			 unknown);
		goto out;
	}
	rc = 0;
out:
	free(copy);
	return rc;
}

/* The config's @obj.@sub.mac (@sub NULL: @obj.mac): 1 with a usable MAC in
 * @mac, 0 if there is none, -1
 */
static int conf_mac(struct cni *c, const char *obj, const char *sub,
		    uint8_t mac[MAC_LEN])
{
	json_object *o, *v;

	if (!json_object_object_get_ex(c->conf, obj, &o) ||
	    (sub && !json_object_object_get_ex(o, sub, &o)) ||
	    !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "mac", &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_string) ||
	    !usable_mac(json_object_get_string(v), mac))
		return cni_fail(c, CNI_ERR_CONFIG, "invalid network config",
				"%s%s%s.mac: %s is not a unicast MAC address", obj,
				sub ? "." : "", sub ?: "", json_object_to_json_string(v));
	return 1;
}

/* ADD: the MAC the runtime wants for the container, as bridge and tuning
 * choose it: CNI_ARGS MAC=, then args.cni.mac, then runtimeConfig.mac (the
 * "mac" capability), the last one given winning
 */
static int runtime_mac(struct cni *c)
{
	uint8_t mac[MAC_LEN];
	bool has;
	int r;

	if (parse_cni_args(c, mac, &has))
		return -1;
	if (has) {
		memcpy(c->mac, mac, MAC_LEN);
		c->has_mac = true;
	}
	r = conf_mac(c, "args", "cni", mac);
	if (r > 0) {
		memcpy(c->mac, mac, MAC_LEN);
		c->has_mac = true;
	}
	if (r >= 0)
		r = conf_mac(c, "runtimeConfig", NULL, mac);
	if (r > 0) {
		memcpy(c->mac, mac, MAC_LEN);
		c->has_mac = true;
	}
	return r < 0 ? -1 : 0;
}

/* ---- commands ---- */

static int cmd_version(struct cni *c)
{
	const char *v = NEWEST, *why;
	json_object *o, *in, *ver;
	int rc;

	if (read_stdin(c))
		return -1;
	/* the input (optional) says which version to answer in */
	in = parse_json(c->raw, c->raw_len, &why);
	if (in && json_object_object_get_ex(in, "cniVersion", &ver) &&
	    json_object_is_type(ver, json_type_string) &&
	    version_num(json_object_get_string(ver)))
		v = json_object_get_string(ver);
	o = json_object_new_object();
	if (!o) {
		json_object_put(in);
		return cni_fail(c, CNI_ERR_SYSTEM, "out of memory", "VERSION");
	}
	json_object_object_add(o, "cniVersion", json_object_new_string(v));
	json_object_object_add(o, "supportedVersions", supported_versions());
	rc = print_json(c, o);
	json_object_put(o);
	json_object_put(in);
	return rc;
}

/* A deep copy of member @key of @from, if it has one of @type, added to
 * @res under the same key; *@copy is that copy, or NULL if there is none
 */
static int copy_member(struct cni *c, json_object *res, json_object *from,
		       const char *key, json_type type, json_object **copy)
{
	json_object *o;

	*copy = NULL;
	if (!json_object_object_get_ex(from, key, &o) ||
	    !json_object_is_type(o, type))
		return 0;
	if (json_object_deep_copy(o, copy, NULL) || !*copy)
		return cni_fail(c, CNI_ERR_SYSTEM, "out of memory", "result");
	json_object_object_add(res, key, *copy);
	return 0;
}

/* ips (with "interface" set to @ifindex), routes and dns of the IPAM result */
static int add_ipam_result(struct cni *c, json_object *res, json_object *ipam,
			   int ifindex)
{
	json_object *copy, *ip, *addr;
	size_t i, n;

	if (copy_member(c, res, ipam, "ips", json_type_array, &copy))
		return -1;
	if (copy) {
		n = json_object_array_length(copy);
		for (i = 0; i < n; i++) {
			ip = json_object_array_get_idx(copy, i);
			if (!json_object_is_type(ip, json_type_object))
				continue;
			json_object_object_add(ip, "interface", json_object_new_int(ifindex));
			/* "version" is in results before 1.0.0 only */
			if (c->vnum >= 10000) {
				json_object_object_del(ip, "version");
			} else if (!json_object_object_get_ex(ip, "version", NULL) &&
				   json_object_object_get_ex(ip, "address", &addr)) {
				json_object_object_add(ip, "version", json_object_new_string(
					strchr(json_object_get_string(addr), ':') ? "6" : "4"));
			}
		}
	}
	if (copy_member(c, res, ipam, "routes", json_type_array, &copy) ||
	    copy_member(c, res, ipam, "dns", json_type_object, &copy))
		return -1;
	return 0;
}

static json_object *iface_json(const char *name, const uint8_t mac[MAC_LEN],
			       const char *sandbox)
{
	json_object *o = json_object_new_object();
	char buf[MAC_STRLEN];

	if (!o)
		return NULL;
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "mac", json_object_new_string(format_mac(mac, buf)));
	if (sandbox)
		json_object_object_add(o, "sandbox", json_object_new_string(sandbox));
	return o;
}

static int cmd_add(struct cni *c)
{
	uint8_t hmac[MAC_LEN], cmac[MAC_LEN];
	bool created = false, attached = false, ipam_run = false;
	struct nl_sock *sk = NULL, *nsk = NULL;
	json_object *ipam = NULL, *res = NULL, *ifs;
	struct cni_ipcfg *cfg = NULL;
	int nsfd, rc = -1, r;

	if (runtime_mac(c))
		return -1;
	/* IPAM cannot run without CNI_PATH: said before anything is made */
	if (c->ipam_type && (!c->path || !*c->path))
		return cni_fail(c, CNI_ERR_ENV, "CNI_PATH is not set",
				"CNI_PATH must list the directories of the CNI plugins: the IPAM plugin '%s' has to run",
				c->ipam_type);
	nsfd = ns_open(c, c->netns);
	if (nsfd < 0)
		return -1;
	sk = nl_open(c, -1);
	if (!sk)
		goto out;
	nsk = nl_open(c, nsfd);
	if (!nsk)
		goto out;

	/* ADD twice, or a hash collision: nothing is touched */
	r = link_exists(c, sk, c->host_if);
	if (r) {
		if (r > 0)
			cni_fail(c, CNI_ERR_SYSTEM, "host interface already exists",
				 "%s (for container %s, interface %s) exists already",
				 c->host_if, c->containerid, c->ifname);
		goto out;
	}
	r = link_exists(c, nsk, c->ifname);
	if (r) {
		if (r > 0)
			cni_fail(c, CNI_ERR_SYSTEM, "container interface already exists",
				 "%s exists already in %s", c->ifname, c->netns);
		goto out;
	}

	if (veth_create(c, sk, nsk, c->host_if, nsfd, c->ifname, c->mtu, hmac, cmac))
		goto out;
	created = true;
	/* a detach record of the same name, left by a DEL while kvsd was
	 * down, would detach this attachment (same tag): done now instead
	 */
	r = record_exists(c, c->host_if);
	if (r < 0)
		goto out;
	if (r > 0 && (kvsd_detach(c, c->host_if) < 0 || record_remove(c, c->host_if)))
		goto out;
	r = kvsd_attach(c, c->host_if, cmac);
	if (r < 0)
		goto out;
	attached = true;
	if (r > 0)
		goto out;	/* recorded, not attached (no module) */

	res = json_object_new_object();
	ifs = json_object_new_array();
	if (!res || !ifs) {
		json_object_put(ifs);
		cni_fail(c, CNI_ERR_SYSTEM, "out of memory", "result");
		goto out;
	}
	json_object_object_add(res, "cniVersion", json_object_new_string(c->version));
	json_object_object_add(res, "interfaces", ifs);
	json_object_array_add(ifs, iface_json(c->host_if, hmac, NULL));
	json_object_array_add(ifs, iface_json(c->ifname, cmac, c->netns));

	if (c->ipam_type) {
		ipam_run = true;
		if (ipam_exec(c, "ADD", &ipam))
			goto out;
		cfg = calloc(1, sizeof(*cfg));
		if (!cfg) {
			cni_fail(c, CNI_ERR_SYSTEM, "out of memory", "addresses");
			goto out;
		}
		if (ipcfg_parse(c, ipam, -1, cfg) ||
		    addrs_configure(c, nsk, c->ifname, cfg) ||
		    add_ipam_result(c, res, ipam, 1))
			goto out;
	}
	rc = print_json(c, res);
out:
	if (rc < 0) {
		/* undo, in reverse order; failures here are only logged */
		if (ipam_run)
			ipam_exec(c, "DEL", NULL);
		if (attached)
			kvsd_detach(c, c->host_if);
		if (created && sk)
			link_delete(c, sk, c->host_if);
	}
	free(cfg);
	json_object_put(res);
	json_object_put(ipam);
	if (nsk)
		nl_socket_free(nsk);
	if (sk)
		nl_socket_free(sk);
	close(nsfd);
	return rc;
}

static int cmd_del(struct cni *c)
{
	struct nl_sock *sk;
	int rc = 0;

	/* all three, whatever the others found; the first error is reported */
	if (kvsd_detach(c, c->host_if) < 0) {
		if (c->err_code == CNI_ERR_AGAIN) {
			/* kvsd down: it finds the record when it is back */
			cni_log("%s: %s; leaving a detach record of %s", c->err_msg,
				c->err_details, c->host_if);
			c->err_code = 0;
			if (record_write(c, c->host_if))
				rc = -1;
		} else {
			rc = -1;
		}
	} else if (record_remove(c, c->host_if)) {
		rc = -1;
	}
	sk = nl_open(c, -1);
	if (!sk || link_delete(c, sk, c->host_if) < 0)
		rc = -1;
	if (sk)
		nl_socket_free(sk);
	if (c->ipam_type && ipam_exec(c, "DEL", NULL))
		rc = -1;
	return rc;
}

/* The index in prevResult's "interfaces" of @name (with @sandbox, or
 * on the host if NULL), its MAC into @mac; -1 if not there
 */
static int prev_iface(struct cni *c, const char *name, const char *sandbox,
		      uint8_t mac[MAC_LEN])
{
	json_object *ifs, *i, *o;
	const char *sb;
	size_t k, n;

	if (!json_object_object_get_ex(c->prev, "interfaces", &ifs) ||
	    !json_object_is_type(ifs, json_type_array))
		return -1;
	n = json_object_array_length(ifs);
	for (k = 0; k < n; k++) {
		i = json_object_array_get_idx(ifs, k);
		if (!json_object_object_get_ex(i, "name", &o) ||
		    strcmp(json_object_get_string(o), name))
			continue;
		sb = json_object_object_get_ex(i, "sandbox", &o) ?
			json_object_get_string(o) : "";
		if (sandbox ? strcmp(sb, sandbox) != 0 : *sb != '\0')
			continue;
		if (!json_object_object_get_ex(i, "mac", &o) ||
		    !parse_mac(json_object_get_string(o), mac))
			return -1;
		return (int)k;
	}
	return -1;
}

static int cmd_check(struct cni *c)
{
	struct nl_sock *sk = NULL, *nsk = NULL;
	uint8_t hmac[MAC_LEN], cmac[MAC_LEN];
	struct cni_ipcfg *cfg = NULL;
	int nsfd, idx, rc = -1;

	if (c->vnum < 400)
		return cni_fail(c, CNI_ERR_VERSION, "incompatible CNI version",
				"config version %s does not allow CHECK", c->version);
	if (!c->prev)
		return cni_fail(c, CNI_ERR_CONFIG, "invalid network config",
				"CHECK needs \"prevResult\"");
	if (c->ipam_type && ipam_exec(c, "CHECK", NULL))
		return -1;

	idx = prev_iface(c, c->ifname, c->netns, cmac);
	if (idx < 0)
		return cni_fail(c, CNI_ERR_CHECK, "prevResult does not match",
				"prevResult has no interface %s (with a MAC) in sandbox %s",
				c->ifname, c->netns);
	if (prev_iface(c, c->host_if, NULL, hmac) < 0)
		return cni_fail(c, CNI_ERR_CHECK, "prevResult does not match",
				"prevResult has no host interface %s (with a MAC)",
				c->host_if);
	cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return cni_fail(c, CNI_ERR_SYSTEM, "out of memory", "CHECK");
	if (ipcfg_parse(c, c->prev, idx, cfg)) {
		free(cfg);
		return -1;
	}

	nsfd = ns_open(c, c->netns);
	if (nsfd < 0) {
		free(cfg);
		return -1;
	}
	sk = nl_open(c, -1);
	if (sk)
		nsk = nl_open(c, nsfd);
	if (nsk && !link_check(c, sk, nsk, c->host_if, c->ifname, cmac, cfg) &&
	    !kvsd_check(c, c->host_if, cmac))
		rc = 0;
	if (nsk)
		nl_socket_free(nsk);
	if (sk)
		nl_socket_free(sk);
	close(nsfd);
	free(cfg);
	return rc;
}

static int need_v110(struct cni *c)
{
	if (c->vnum < 10100)
		return cni_fail(c, CNI_ERR_VERSION, "incompatible CNI version",
				"config version %s does not allow %s (1.1.0 does)",
				c->version, c->command);
	return 0;
}

/* STATUS and GC are delegated to an IPAM plugin that knows them; an older
 * one (before spec 1.1.0) is left out, as libcni leaves out plugins of
 * older configs: 1 to run it, 0 not to, -1
 */
static int ipam_delegate(struct cni *c)
{
	int r;

	if (!c->ipam_type)
		return 0;
	r = ipam_supports(c, 10100);
	if (r == 0)
		cni_log("IPAM plugin %s does not support spec 1.1.0: no %s for it",
			c->ipam_type, c->command);
	return r;
}

/* Ready for ADD: kvsd answers, it has the module, and IPAM says so. Every
 * failure to reach kvsd is "not available" here (50), not "try again".
 */
static int cmd_status(struct cni *c)
{
	int r;

	if (need_v110(c))
		return -1;
	if (kvsd_health(c)) {
		c->err_code = CNI_ERR_UNAVAILABLE;
		return -1;
	}
	r = ipam_delegate(c);
	if (r > 0)
		r = ipam_exec(c, "STATUS", NULL);
	return r < 0 ? -1 : 0;
}

/* cni.dev/valid-attachments (or the cni.dev/attachments of the first 1.1.0
 * libcni): the array, or NULL with the error recorded
 */
static json_object *valid_attachments(struct cni *c)
{
	json_object *a, *e, *v;
	size_t i, n;

	if (!json_object_object_get_ex(c->conf, "cni.dev/valid-attachments", &a) &&
	    !json_object_object_get_ex(c->conf, "cni.dev/attachments", &a)) {
		cni_fail(c, CNI_ERR_CONFIG, "invalid network config",
			 "GC needs \"cni.dev/valid-attachments\": nothing removed");
		return NULL;
	}
	if (!json_object_is_type(a, json_type_array))
		goto bad;
	n = json_object_array_length(a);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(a, i);
		if (!json_object_is_type(e, json_type_object) ||
		    !json_object_object_get_ex(e, "containerID", &v) ||
		    !json_object_is_type(v, json_type_string) ||
		    !json_object_object_get_ex(e, "ifname", &v) ||
		    !json_object_is_type(v, json_type_string))
			goto bad;
	}
	return a;
bad:
	cni_fail(c, CNI_ERR_CONFIG, "invalid network config",
		 "\"cni.dev/valid-attachments\" is not an array of {\"containerID\", \"ifname\"}: nothing removed");
	return NULL;
}

static bool is_valid(json_object *valid, const char *cid, const char *ifname)
{
	size_t i, n = json_object_array_length(valid);
	json_object *e, *v, *w;

	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(valid, i);
		json_object_object_get_ex(e, "containerID", &v);
		json_object_object_get_ex(e, "ifname", &w);
		if (!strcmp(json_object_get_string(v), cid) &&
		    !strcmp(json_object_get_string(w), ifname))
			return true;
	}
	return false;
}

/* Remove one stale attachment as DEL would: detach, the host end if it is
 * still there, its IPAM reservation. Errors are recorded, and the rest done.
 */
static int gc_one(struct cni *c, struct nl_sock *sk, const char *dev,
		  const char *cid, const char *ifname)
{
	int rc = 0;

	cni_log("GC: %s (container %s, interface %s) is not a valid attachment: removed",
		dev, cid, ifname);
	if (kvsd_detach(c, dev) < 0 || record_remove(c, dev))
		rc = -1;
	if (sk && link_delete(c, sk, dev) < 0)
		rc = -1;
	if (c->ipam_type && ipam_del_for(c, cid, ifname))
		rc = -1;
	return rc;
}

/* The attachments kvsd lists whose tag names this network and an
 * attachment that is not in the valid list (and whose host end has the name
 * the plugin gives that attachment) are removed; then IPAM GC. What cannot
 * be removed is reported, after the rest is done.
 */
static int cmd_gc(struct cni *c)
{
	char net[TAG_NAME_MAX + 1], dev[16], *tag = NULL, *cid, *ifname;
	json_object *valid, *ports = NULL, *p, *v, *d;
	struct nl_sock *sk;
	size_t i, n, len;
	int rc = 0, r;

	if (need_v110(c))
		return -1;
	valid = valid_attachments(c);
	if (!valid)
		return -1;
	if (c->ipam_type && (!c->path || !*c->path))
		return cni_fail(c, CNI_ERR_ENV, "CNI_PATH is not set",
				"CNI_PATH must list the directories of the CNI plugins: the IPAM plugin '%s' has to run",
				c->ipam_type);
	tag_net(c, net, sizeof(net));
	len = strlen(net);
	sk = nl_open(c, -1);
	if (!sk)
		rc = -1;
	ports = kvsd_list(c);
	if (!ports)
		rc = -1;
	n = ports ? json_object_array_length(ports) : 0;
	for (i = 0; i < n; i++) {
		p = json_object_array_get_idx(ports, i);
		/* "cni:NET:CID:IFNAME", none of them with a ':' */
		if (!json_object_object_get_ex(p, "tag", &v) ||
		    !json_object_is_type(v, json_type_string) ||
		    !json_object_object_get_ex(p, "dev", &d) ||
		    !json_object_is_type(d, json_type_string))
			continue;
		free(tag);
		tag = strdup(json_object_get_string(v));
		if (!tag) {
			rc = cni_fail(c, CNI_ERR_SYSTEM, "out of memory", "GC");
			break;
		}
		if (strncmp(tag, "cni:", 4) || strncmp(tag + 4, net, len) ||
		    tag[4 + len] != ':')
			continue;
		cid = tag + 5 + len;
		ifname = strchr(cid, ':');
		if (!ifname || strchr(ifname + 1, ':'))
			continue;
		*ifname++ = '\0';
		if (!*cid || !*ifname || is_valid(valid, cid, ifname))
			continue;
		/* only the host end this plugin makes for that attachment */
		host_ifname(cid, ifname, dev);
		if (strcmp(dev, json_object_get_string(d))) {
			cni_log("GC: %s has the tag of %s's attachment: left alone",
				json_object_get_string(d), dev);
			continue;
		}
		if (gc_one(c, sk, dev, cid, ifname))
			rc = -1;
	}
	free(tag);
	json_object_put(ports);
	if (sk)
		nl_socket_free(sk);

	r = ipam_delegate(c);
	if (r > 0)
		r = ipam_exec(c, "GC", NULL);
	if (r < 0)
		rc = -1;
	return rc;
}

static int run(struct cni *c)
{
	c->command = getenv("CNI_COMMAND");
	if (!c->command || !*c->command)
		return cni_fail(c, CNI_ERR_ENV, "CNI_COMMAND is not set",
				"CNI_COMMAND must be ADD, DEL, CHECK, STATUS, GC or VERSION");
	if (!strcmp(c->command, "VERSION"))
		return cmd_version(c);
	if (strcmp(c->command, "ADD") && strcmp(c->command, "DEL") &&
	    strcmp(c->command, "CHECK") && strcmp(c->command, "STATUS") &&
	    strcmp(c->command, "GC"))
		return cni_fail(c, CNI_ERR_ENV, "invalid CNI_COMMAND",
				"CNI_COMMAND '%s' is not ADD, DEL, CHECK, STATUS, GC or VERSION",
				c->command);
	if (read_stdin(c))
		return -1;
	/* the environment first (as libcni's skel does), but the error is
	 * reported in the config's version when it has a good one
	 */
	if (check_env(c)) {
		const char *why;
		json_object *conf = parse_json(c->raw, c->raw_len, &why), *v;

		if (conf && json_object_object_get_ex(conf, "cniVersion", &v) &&
		    json_object_is_type(v, json_type_string) &&
		    version_num(json_object_get_string(v))) {
			c->vnum = version_num(json_object_get_string(v));
			c->conf = conf;
			c->version = json_object_get_string(v);
		} else {
			json_object_put(conf);
		}
		return -1;
	}
	if (parse_conf(c))
		return -1;
	if (!strcmp(c->command, "STATUS"))
		return cmd_status(c);
	if (!strcmp(c->command, "GC"))
		return cmd_gc(c);
	host_ifname(c->containerid, c->ifname, c->host_if);
	if (make_tag(c))
		return -1;
	if (!strcmp(c->command, "ADD"))
		return cmd_add(c);
	if (!strcmp(c->command, "DEL"))
		return cmd_del(c);
	return cmd_check(c);
}

int main(void)
{
	struct cni c = { .version = "" };
	int rc;

	rc = run(&c);
	if (rc < 0) {
		if (!c.err_code)
			cni_fail(&c, CNI_ERR_SYSTEM, "internal error", "no error was recorded");
		print_error(&c);
	}
	json_object_put(c.conf);
	free(c.ipam_raw);
	free(c.raw);
	return rc < 0 ? 1 : 0;
}
