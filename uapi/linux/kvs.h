/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * kvs: kernel-level virtual switch, generic netlink ABI.
 *
 * Objects and their keys:
 *   switch   KVS_ATTR_SWITCH_NAME or KVS_ATTR_SWITCH_IFINDEX
 *   network  switch + KVS_ATTR_NET_ID
 *   port     KVS_ATTR_PORT_NAME or KVS_ATTR_PORT_IFINDEX
 *   fdb      switch + KVS_ATTR_NET_ID + KVS_ATTR_MAC
 *
 * Every request is validated strictly: an attribute that a command does not
 * take is refused, as are out-of-range values. Changes need CAP_NET_ADMIN in
 * the user namespace owning the request's network namespace.
 */
#ifndef _UAPI_LINUX_KVS_H
#define _UAPI_LINUX_KVS_H

#include <linux/types.h>

#define KVS_GENL_NAME		"kvs"
#define KVS_GENL_VERSION	1
#define KVS_GENL_MCGRP_EVENTS	"events"

#define KVS_NET_ID_MIN		1
#define KVS_NET_ID_MAX		0xffffff	/* 24 bits: the VXLAN VNI */
#define KVS_VLAN_ID_MAX		4094		/* networks usable on a vlan fabric */
#define KVS_LABEL_MAX		32		/* network label, with the NUL */
#define KVS_PORT_MACS_MAX	64		/* configured MACs of one port */
#define KVS_AGEING_TIME_MAX	1000000		/* seconds */
#define KVS_AGEING_TIME_DEFAULT	300		/* seconds */
#define KVS_VXLAN_DSTPORT	4789
#define KVS_NETS_MAX		4096		/* networks of one switch */
#define KVS_NET_MAX_MACS_DEFAULT  16384	/* learned MACs of one network */
#define KVS_PORT_MAX_MACS_DEFAULT 1024	/* learned MACs of one VM port */
#define KVS_FDB_LEARNED_MAX	(1024 * 1024)	/* learned MACs of one switch */
#define KVS_FDB_STATIC_MAX	(1024 * 1024)	/* static entries of one switch */
/* 802.1D link-local groups 01:80:C2:00:00:0X that are never forwarded */
#define KVS_BATCH_MAX		64		/* frames per batch: a NAPI budget */
#define KVS_BATCH_DEFAULT	1		/* 1: no deferral */
#define KVS_GROUP_FWD_RESTRICTED 0x0007	/* STP, MAC control (PAUSE), LACP */

/**
 * enum kvs_cmd - generic netlink commands of the kvs family
 *
 * The *_NEW, *_DEL and *_SET commands need CAP_NET_ADMIN. *_GET commands
 * answer one object (doit) or all of them (dump, optionally filtered by
 * KVS_ATTR_SWITCH_* and KVS_ATTR_NET_ID). The same commands are sent to the
 * "events" multicast group when objects appear or go away:
 * KVS_CMD_PORT_NEW/DEL (attached/detached), KVS_CMD_FDB_NEW/DEL (learned or
 * added / aged or removed), KVS_CMD_SWITCH_NEW/DEL, KVS_CMD_NET_NEW/DEL,
 * KVS_CMD_SWITCH_SET, KVS_CMD_NET_SET and KVS_CMD_PORT_SET (settings changed;
 * the object as it is now, as in a GET reply) and KVS_CMD_POLICY_DROP (a
 * frame refused by policy, rate limited per port).
 *
 * @KVS_CMD_SWITCH_NEW: create a switch: SWITCH_NAME, optional AGEING_TIME
 * @KVS_CMD_SWITCH_DEL: delete a switch with its networks, ports and fdb
 * @KVS_CMD_SWITCH_GET: get or dump switches
 * @KVS_CMD_SWITCH_SET: change AGEING_TIME of a switch
 * @KVS_CMD_NET_NEW: add network NET_ID to a switch, optional NET_LABEL
 * @KVS_CMD_NET_DEL: delete a network, detaching its ports
 * @KVS_CMD_NET_GET: get or dump networks
 * @KVS_CMD_PORT_NEW: attach PORT_NAME/PORT_IFINDEX to a switch, as a VM port
 *	(NET_ID, optional PORT_MACS, PORT_LEARNING, PORT_MAX_MACS,
 *	PORT_BUM_LIMIT) or as the fabric port (PORT_TYPE = KVS_PORT_FABRIC and
 *	PORT_FABRIC)
 * @KVS_CMD_PORT_DEL: detach a port
 * @KVS_CMD_PORT_GET: get or dump ports, with their counters
 * @KVS_CMD_PORT_SET: change PORT_MACS, PORT_LEARNING, PORT_MAX_MACS or
 *	PORT_BUM_LIMIT of a VM port, or PORT_LEARNING of a fabric port
 * @KVS_CMD_FDB_NEW: add a static entry: MAC in NET_ID to PORT_* (a VM port
 *	of that network) or to FDB_REMOTE_IP4/IP6 (a VTEP behind the vxlan
 *	fabric); MAC 00:00:00:00:00:00 with a remote appends the VTEP to the
 *	network's flood list (head-end replication of unknown and BUM frames)
 * @KVS_CMD_FDB_DEL: delete an entry, static or learned; with a remote, the
 *	entry must be at it; MAC 00:00:00:00:00:00 removes that flood list
 *	member, or every member without a remote
 * @KVS_CMD_FDB_GET: dump entries
 * @KVS_CMD_STATS_GET: counters of a switch (totals) or of a port (doit), or
 *	of every port (dump); replies carry KVS_ATTR_STATS
 * @KVS_CMD_POLICY_DROP: notification only: SWITCH_IFINDEX, PORT_IFINDEX,
 *	NET_ID, MAC (source of the refused frame) and DROP_REASON
 * @KVS_CMD_NET_SET: change NET_MAX_MACS of a network
 *
 * Joining the "events" group needs CAP_NET_ADMIN in the user namespace
 * owning the network namespace: events name every tenant's MACs.
 */
enum kvs_cmd {
	KVS_CMD_UNSPEC,
	KVS_CMD_SWITCH_NEW,
	KVS_CMD_SWITCH_DEL,
	KVS_CMD_SWITCH_GET,
	KVS_CMD_SWITCH_SET,
	KVS_CMD_NET_NEW,
	KVS_CMD_NET_DEL,
	KVS_CMD_NET_GET,
	KVS_CMD_PORT_NEW,
	KVS_CMD_PORT_DEL,
	KVS_CMD_PORT_GET,
	KVS_CMD_PORT_SET,
	KVS_CMD_FDB_NEW,
	KVS_CMD_FDB_DEL,
	KVS_CMD_FDB_GET,
	KVS_CMD_STATS_GET,
	KVS_CMD_POLICY_DROP,
	KVS_CMD_NET_SET,
	__KVS_CMD_MAX
};

#define KVS_CMD_MAX (__KVS_CMD_MAX - 1)

/**
 * enum kvs_port_type - role of a port
 * @KVS_PORT_VM: a VM or container port, member of exactly one network
 * @KVS_PORT_FABRIC: the uplink, carries every network encapsulated
 */
enum kvs_port_type {
	KVS_PORT_UNSPEC,
	KVS_PORT_VM,
	KVS_PORT_FABRIC,
	__KVS_PORT_MAX
};

#define KVS_PORT_MAX (__KVS_PORT_MAX - 1)

/**
 * enum kvs_encap - how the fabric port carries networks
 * @KVS_ENCAP_VXLAN: VXLAN over UDP, VNI = network id
 * @KVS_ENCAP_VLAN: 802.1Q tag, VID = network id (1..4094)
 */
enum kvs_encap {
	KVS_ENCAP_UNSPEC,
	KVS_ENCAP_VXLAN,
	KVS_ENCAP_VLAN,
	__KVS_ENCAP_MAX
};

#define KVS_ENCAP_MAX (__KVS_ENCAP_MAX - 1)

/**
 * enum kvs_peers - KVS_ATTR_PORT_PEERS
 * @KVS_PEERS_ANY: frames from any VTEP are taken (the default)
 * @KVS_PEERS_KNOWN: only from the gateway (`remote`), the members of the
 *	flood lists and the VTEPs of static entries; others are dropped as
 *	KVS_DROP_UNKNOWN_VTEP
 */
enum kvs_peers {
	KVS_PEERS_ANY,
	KVS_PEERS_KNOWN,
	__KVS_PEERS_MAX
};

#define KVS_PEERS_MAX (__KVS_PEERS_MAX - 1)

/* KVS_ATTR_FDB_FLAGS bits */
#define KVS_FDB_F_STATIC	0x1	/* configured, never ages */
#define KVS_FDB_F_REMOTE	0x2	/* behind the fabric (a VTEP, a vlan uplink) */
#define KVS_FDB_F_EVPN		0x4	/* installed from a BGP EVPN route */

/**
 * enum kvs_fdb_origin - KVS_ATTR_FDB_ORIGIN: who adds or deletes an entry
 * @KVS_FDB_ORIGIN_ADMIN: the administrator (the default): FDB_NEW adds a
 *	static entry, FDB_DEL removes it
 * @KVS_FDB_ORIGIN_EVPN: a BGP EVPN agent, with a remote VTEP: FDB_NEW
 *	takes a learned entry over and moves an entry only EVPN holds, but
 *	never one static on this host (the administrator's or a port's `mac`
 *	list); FDB_DEL removes only EVPN's claim. The entry reports
 *	KVS_FDB_F_EVPN while EVPN holds it.
 */
enum kvs_fdb_origin {
	KVS_FDB_ORIGIN_ADMIN,
	KVS_FDB_ORIGIN_EVPN,
	__KVS_FDB_ORIGIN_MAX
};

#define KVS_FDB_ORIGIN_MAX (__KVS_FDB_ORIGIN_MAX - 1)

/**
 * enum kvs_drop_reason - why a frame was dropped; one counter each
 * @KVS_DROP_NO_ROUTE: nowhere to send it (no other port, hairpin)
 * @KVS_DROP_ISOLATION: it would have crossed networks (also: a VM's own
 *	802.1Q tag, VID != 0, toward a vlan fabric)
 * @KVS_DROP_SPOOFED_SRC: source MAC not allowed on that port (not one of
 *	its configured MACs, another port's static MAC, multicast or zero)
 * @KVS_DROP_MAC_LIMIT: new source MAC beyond the port's max-macs
 * @KVS_DROP_STORM_LIMIT: broadcast/multicast/unknown beyond bum-limit
 * @KVS_DROP_BAD_ENCAP: malformed encapsulation from the fabric (VXLAN
 *	header short, flags other than I, reserved bits; 802.1ad or two tags)
 * @KVS_DROP_UNKNOWN_VNI: fabric frame for a VNI/VID with no network
 * @KVS_DROP_MTU: larger than the egress device allows
 * @KVS_DROP_NO_MEMORY: allocation (clone, headroom) failed
 * @KVS_DROP_MALFORMED: not a valid Ethernet frame (runt, bad header)
 * @KVS_DROP_LINK_LOCAL: 802.1D link-local destination (01:80:C2:00:00:0X:
 *	STP, PAUSE, LACP, 802.1X, LLDP...) the port does not forward
 * @KVS_DROP_BACKLOG: the per-CPU batch queue (switch batch > 1) was full
 *	(net.core.netdev_max_backlog frames)
 * @KVS_DROP_UNKNOWN_VTEP: from a VTEP a `peers known` fabric port does not
 *	know (not the gateway, a flood-list member or a static entry's VTEP)
 */
enum kvs_drop_reason {
	KVS_DROP_NO_ROUTE,
	KVS_DROP_ISOLATION,
	KVS_DROP_SPOOFED_SRC,
	KVS_DROP_MAC_LIMIT,
	KVS_DROP_STORM_LIMIT,
	KVS_DROP_BAD_ENCAP,
	KVS_DROP_UNKNOWN_VNI,
	KVS_DROP_MTU,
	KVS_DROP_NO_MEMORY,
	KVS_DROP_MALFORMED,
	KVS_DROP_LINK_LOCAL,
	KVS_DROP_BACKLOG,
	KVS_DROP_UNKNOWN_VTEP,
	__KVS_DROP_MAX
};

#define KVS_DROP_MAX (__KVS_DROP_MAX - 1)

/**
 * enum kvs_attr - top-level attributes
 * @KVS_ATTR_PAD: alignment padding for u64 values
 * @KVS_ATTR_SWITCH_IFINDEX: u32, switch netdev ifindex (key, in replies)
 * @KVS_ATTR_SWITCH_NAME: string, switch netdev name (key)
 * @KVS_ATTR_AGEING_TIME: u32, seconds a learned entry lives unseen,
 *	0 disables ageing (SWITCH_NEW, SWITCH_SET, replies)
 * @KVS_ATTR_NET_ID: u32, network id KVS_NET_ID_MIN..KVS_NET_ID_MAX
 * @KVS_ATTR_NET_LABEL: string, free label of a network (NET_NEW, replies)
 * @KVS_ATTR_NET_PORTS: u32, number of VM ports in a network (replies)
 * @KVS_ATTR_PORT_IFINDEX: u32, port netdev ifindex (key)
 * @KVS_ATTR_PORT_NAME: string, port netdev name (key)
 * @KVS_ATTR_PORT_TYPE: u8, enum kvs_port_type (PORT_NEW, replies;
 *	KVS_PORT_VM when absent)
 * @KVS_ATTR_PORT_MACS: nest of KVS_MACS_ATTR_ADDR, the MACs a VM port may
 *	send from; each also becomes a static fdb entry. An empty nest in
 *	PORT_SET clears the list (PORT_NEW, PORT_SET, replies)
 * @KVS_ATTR_PORT_LEARNING: u8 0/1, learn source MACs (default 1)
 * @KVS_ATTR_PORT_MAX_MACS: u32, learned MACs allowed, 0 = no limit
 * @KVS_ATTR_PORT_BUM_LIMIT: u32, broadcast/unknown/multicast frames per
 *	second the port may send, 0 = no limit
 * @KVS_ATTR_PORT_LEARNED: u32, MACs currently learned on the port (replies)
 * @KVS_ATTR_PORT_FABRIC: nest of enum kvs_fabric_attr (fabric ports)
 * @KVS_ATTR_MAC: binary, 6 bytes (FDB_*, POLICY_DROP)
 * @KVS_ATTR_FDB_FLAGS: u32, KVS_FDB_F_* (replies)
 * @KVS_ATTR_FDB_AGE: u32, milliseconds since the entry was last
 *	refreshed (replies)
 * @KVS_ATTR_FDB_REMOTE_IP4: be32, remote VTEP (FDB_NEW, FDB_DEL, replies)
 * @KVS_ATTR_FDB_REMOTE_IP6: binary 16 bytes, remote VTEP
 * @KVS_ATTR_STATS: nest of enum kvs_stats_attr (replies)
 * @KVS_ATTR_DROP_REASON: u32, enum kvs_drop_reason (POLICY_DROP)
 * @KVS_ATTR_NET_MAX_MACS: u32, learned MACs allowed in a network, 0 = no
 *	limit (NET_NEW, NET_SET, replies; KVS_NET_MAX_MACS_DEFAULT when absent
 *	from NET_NEW)
 * @KVS_ATTR_NET_LEARNED: u32, MACs currently learned in a network (replies)
 * @KVS_ATTR_PORT_GROUP_FWD_MASK: u16, bit N set: frames to the 802.1D
 *	link-local group 01:80:C2:00:00:0N are forwarded from the port (default
 *	0: none); KVS_GROUP_FWD_RESTRICTED bits are refused (PORT_NEW,
 *	PORT_SET, replies)
 * @KVS_ATTR_SWITCH_BATCH: u32, frames of one CPU the switch handles per
 *	pass, 1..KVS_BATCH_MAX; 1 handles each frame as it arrives
 *	(SWITCH_NEW, SWITCH_SET, replies; KVS_BATCH_DEFAULT when absent from
 *	SWITCH_NEW)
 * @KVS_ATTR_NET_HIGHWAY: u8 0/1, the network is a point-to-point highway:
 *	its two VM ports forward to each other without fdb look-ups (replies)
 * @KVS_ATTR_PORT_PEERS: u8, enum kvs_peers: which VTEPs a vxlan fabric port
 *	takes frames from (PORT_NEW and PORT_SET of a vxlan fabric port,
 *	replies; KVS_PEERS_ANY when absent from PORT_NEW)
 * @KVS_ATTR_FDB_ORIGIN: u8, enum kvs_fdb_origin (FDB_NEW, FDB_DEL;
 *	KVS_FDB_ORIGIN_ADMIN when absent)
 *
 * KVS_ATTR_PORT_MAX_MACS is KVS_PORT_MAX_MACS_DEFAULT when absent from
 * PORT_NEW; 0 given explicitly means no limit.
 */
enum kvs_attr {
	KVS_ATTR_UNSPEC,
	KVS_ATTR_PAD,
	KVS_ATTR_SWITCH_IFINDEX,
	KVS_ATTR_SWITCH_NAME,
	KVS_ATTR_AGEING_TIME,
	KVS_ATTR_NET_ID,
	KVS_ATTR_NET_LABEL,
	KVS_ATTR_NET_PORTS,
	KVS_ATTR_PORT_IFINDEX,
	KVS_ATTR_PORT_NAME,
	KVS_ATTR_PORT_TYPE,
	KVS_ATTR_PORT_MACS,
	KVS_ATTR_PORT_LEARNING,
	KVS_ATTR_PORT_MAX_MACS,
	KVS_ATTR_PORT_BUM_LIMIT,
	KVS_ATTR_PORT_LEARNED,
	KVS_ATTR_PORT_FABRIC,
	KVS_ATTR_MAC,
	KVS_ATTR_FDB_FLAGS,
	KVS_ATTR_FDB_AGE,
	KVS_ATTR_FDB_REMOTE_IP4,
	KVS_ATTR_FDB_REMOTE_IP6,
	KVS_ATTR_STATS,
	KVS_ATTR_DROP_REASON,
	KVS_ATTR_NET_MAX_MACS,
	KVS_ATTR_NET_LEARNED,
	KVS_ATTR_PORT_GROUP_FWD_MASK,
	KVS_ATTR_SWITCH_BATCH,
	KVS_ATTR_NET_HIGHWAY,
	KVS_ATTR_PORT_PEERS,
	KVS_ATTR_FDB_ORIGIN,
	__KVS_ATTR_MAX
};

#define KVS_ATTR_MAX (__KVS_ATTR_MAX - 1)

/**
 * enum kvs_macs_attr - KVS_ATTR_PORT_MACS nest
 * @KVS_MACS_ATTR_ADDR: binary, 6 bytes, repeated up to KVS_PORT_MACS_MAX
 */
enum kvs_macs_attr {
	KVS_MACS_ATTR_UNSPEC,
	KVS_MACS_ATTR_ADDR,
	__KVS_MACS_ATTR_MAX
};

#define KVS_MACS_ATTR_MAX (__KVS_MACS_ATTR_MAX - 1)

/**
 * enum kvs_fabric_attr - KVS_ATTR_PORT_FABRIC nest
 * @KVS_FABRIC_ATTR_ENCAP: u8, enum kvs_encap (required)
 * @KVS_FABRIC_ATTR_LOCAL_IP4: be32, local VTEP address (vxlan)
 * @KVS_FABRIC_ATTR_LOCAL_IP6: binary 16 bytes, local VTEP address (vxlan)
 * @KVS_FABRIC_ATTR_REMOTE_IP4: be32, default VTEP for unknown MACs (vxlan)
 * @KVS_FABRIC_ATTR_REMOTE_IP6: binary 16 bytes, default VTEP (vxlan)
 * @KVS_FABRIC_ATTR_DSTPORT: u16, UDP port, host order (vxlan, default 4789)
 */
enum kvs_fabric_attr {
	KVS_FABRIC_ATTR_UNSPEC,
	KVS_FABRIC_ATTR_ENCAP,
	KVS_FABRIC_ATTR_LOCAL_IP4,
	KVS_FABRIC_ATTR_LOCAL_IP6,
	KVS_FABRIC_ATTR_REMOTE_IP4,
	KVS_FABRIC_ATTR_REMOTE_IP6,
	KVS_FABRIC_ATTR_DSTPORT,
	__KVS_FABRIC_ATTR_MAX
};

#define KVS_FABRIC_ATTR_MAX (__KVS_FABRIC_ATTR_MAX - 1)

/**
 * enum kvs_stats_attr - KVS_ATTR_STATS nest, all u64
 * @KVS_STATS_RX_PACKETS: frames the switch took from the port
 * @KVS_STATS_RX_BYTES: their bytes
 * @KVS_STATS_TX_PACKETS: frames the switch sent out of the port
 * @KVS_STATS_TX_BYTES: their bytes
 * @KVS_STATS_DROP_NO_ROUTE: first drop counter; the counter for reason R
 *	is KVS_STATS_DROP_NO_ROUTE + R (see KVS_STATS_DROP())
 */
enum kvs_stats_attr {
	KVS_STATS_UNSPEC,
	KVS_STATS_PAD,
	KVS_STATS_RX_PACKETS,
	KVS_STATS_RX_BYTES,
	KVS_STATS_TX_PACKETS,
	KVS_STATS_TX_BYTES,
	KVS_STATS_DROP_NO_ROUTE,
	KVS_STATS_DROP_ISOLATION,
	KVS_STATS_DROP_SPOOFED_SRC,
	KVS_STATS_DROP_MAC_LIMIT,
	KVS_STATS_DROP_STORM_LIMIT,
	KVS_STATS_DROP_BAD_ENCAP,
	KVS_STATS_DROP_UNKNOWN_VNI,
	KVS_STATS_DROP_MTU,
	KVS_STATS_DROP_NO_MEMORY,
	KVS_STATS_DROP_MALFORMED,
	KVS_STATS_DROP_LINK_LOCAL,
	KVS_STATS_DROP_BACKLOG,
	KVS_STATS_DROP_UNKNOWN_VTEP,
	__KVS_STATS_MAX
};

#define KVS_STATS_MAX (__KVS_STATS_MAX - 1)
#define KVS_STATS_DROP(reason) (KVS_STATS_DROP_NO_ROUTE + (reason))

/*
 * rtnetlink: what RTM_NEWLINK carries for a kvs switch device (kind "kvs",
 * in IFLA_INFO_DATA) and for each of its ports (slave kind "kvs", in
 * IFLA_INFO_SLAVE_DATA), for "ip -d link show" and programs reading links.
 * Read-only: the settings change through the generic netlink family.
 */
enum {
	IFLA_KVS_UNSPEC,
	IFLA_KVS_AGEING_TIME,		/* u32, seconds; 0: never */
	IFLA_KVS_BATCH,			/* u32, frames a pass */
	__IFLA_KVS_MAX
};

#define IFLA_KVS_MAX (__IFLA_KVS_MAX - 1)

enum {
	IFLA_KVS_PORT_UNSPEC,
	IFLA_KVS_PORT_TYPE,		/* u8, enum kvs_port_type */
	IFLA_KVS_PORT_LEARNING,		/* u8, 0 or 1 */
	IFLA_KVS_PORT_LEARNED,		/* u32, MACs learned on the port */
	IFLA_KVS_PORT_NET,		/* u32, the network (VM ports) */
	IFLA_KVS_PORT_MAX_MACS,		/* u32, 0: no limit (VM ports) */
	IFLA_KVS_PORT_BUM_LIMIT,	/* u32, frames a second, 0: none
					 * (VM ports)
					 */
	__IFLA_KVS_PORT_MAX
};

#define IFLA_KVS_PORT_MAX (__IFLA_KVS_PORT_MAX - 1)

#endif /* _UAPI_LINUX_KVS_H */
