#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# hosttools.sh - the host's own tools see kvs (issue 11): the switch device
# carries its settings in rtnetlink link info (IFLA_INFO_DATA: ageing,
# batch) and each port in its slave info (IFLA_INFO_SLAVE_DATA: type,
# learning, learned, and for a VM port network, max-macs, bum-limit), as
# RTM_GETLINK answers them (read with kvs_linkinfo.py: stock ip prints the
# data of the kinds it knows only) and as `ip -d -j link show` names them.
#
#  netns a  netns b
#    |        |
#    Pa       Pb   (network 100)    Pu: a vlan fabric port (a veth)
#  +-|--------|--------------------|-+
#  |           switch $SW            |
#  +---------------------------------+
# shellcheck disable=SC2016,SC2317 # jq programs in single quotes; functions called through check
set -u
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

kvs_require pkt jq python3 bridge
kvs_load

LINKINFO=$SELFTEST_DIR/kvs_linkinfo.py
SW=k${PID}s
NSA=kvs-ht-$PID-a
NSB=kvs-ht-$PID-b
MA=02:00:00:a0:00:0a
MB=02:00:00:a0:00:0b
UP=k${PID}u
BC=ff:ff:ff:ff:ff:ff

# li DEV : the kvs link info of DEV on one line, "key=value ..."
li() { "$LINKINFO" "$1" 2>&1 | tr '\n' ' ' | sed 's/ $//'; }

mk_switch "$SW" ageing 120
mk_net "$SW" 100
mk_vm "$NSA" "$SW" 100 - $MA mac $MA max-macs 7 bum-limit 50; PA=$VM_DEV
mk_vm "$NSB" "$SW" 100 - $MB learning off; PB=$VM_DEV

check_eq "switch: kind kvs, ageing 120, batch 1" "$(li "$SW")" "kind=kvs ageing=120 batch=1"
check "kvs switch set ageing 0 batch 16" "$KVS" switch set "$SW" ageing 0 batch 16
check_eq "switch: the new ageing and batch" "$(li "$SW")" "kind=kvs ageing=0 batch=16"

check_eq "port $PA: type 1 (vm), learning on, 0 learned, net 100, max-macs 7, bum-limit 50" \
	"$(li "$PA")" "kind=veth slave_kind=kvs type=1 learning=1 learned=0 net=100 max_macs=7 bum_limit=50"
check_eq "port $PB: learning off, the default max-macs, no bum-limit" \
	"$(li "$PB")" "kind=veth slave_kind=kvs type=1 learning=0 learned=0 net=100 max_macs=1024 bum_limit=0"

# learned moves with traffic: b sends from two MACs with learning on
check "kvs port set learning on" "$KVS" port set dev "$PB" learning on max-macs 0 bum-limit 9
ip netns exec "$NSB" "$KVS_PKT" send eth0 $MB $BC count 1 + 02:00:00:a0:00:0c $BC count 1 >/dev/null
check_within "port $PB: learning on, 2 learned, max-macs 0, bum-limit 9" 5 \
	eval '[ "$(li "$PB")" = "kind=veth slave_kind=kvs type=1 learning=1 learned=2 net=100 max_macs=0 bum_limit=9" ]'
diag "$PB: $(li "$PB")"

# bridge fdb show: the switch's own fdb dump (ndo_fdb_dump), vni = network.
# Only the unfiltered dump reaches it: "br SW" visits bridge masters and
# ports only, and "dev SW" filters the entries (each names its port) away.
out=$(bridge -j fdb show 2>&1 | jq -c --arg sw "$SW" '[.[] | select(.master == $sw)]')
diag "bridge -j fdb show, master $SW: $out"
check_eq "bridge fdb show: $MA static on $PA, vni 100, master $SW" \
	"$(jq -r --arg m $MA '.[] | select(.mac == $m) | "\(.ifname) \(.vni) \(.state)"' <<<"$out")" \
	"$PA 100 static"
check_eq "bridge fdb show: the two MACs b sent from, learned on $PB" \
	"$(jq -r --arg d "$PB" '[.[] | select(.ifname == $d) | .mac] | sort | join(" ")' <<<"$out")" \
	"$MB 02:00:00:a0:00:0c"
check_eq "bridge fdb show lists as many entries of $SW as kvs fdb show" \
	"$(jq length <<<"$out")" "$(kj fdb show switch "$SW" | jq length)"
check_match "bridge fdb show (text) names the port, the vni and the master" \
	"^$MA dev $PA .*vni 100 .*master $SW" "$(bridge fdb show 2>&1)"

# the same through ip: the kinds, as ip -d -j link show names them
out=$(ip -d -j link show dev "$SW" | jq -r '.[0].linkinfo.info_kind')
check_eq "ip -d -j link show $SW: info_kind kvs" "$out" kvs
out=$(ip -d -j link show dev "$PA" | jq -r '.[0].linkinfo.info_slave_kind')
check_eq "ip -d -j link show $PA: info_slave_kind kvs" "$out" kvs

# a vlan fabric port: type 2, no network settings
mk_veth "$UP" "kvs-ht-$PID-u"
check "kvs port add $UP fabric vlan" "$KVS" port add dev "$UP" switch "$SW" fabric vlan
check_eq "fabric port $UP: type 2 (fabric), learning on, no network settings" \
	"$(li "$UP")" "kind=veth slave_kind=kvs type=2 learning=1 learned=0"

# a detached port has no kvs slave info any more
check "kvs port del $PB" "$KVS" port del dev "$PB"
check_eq "port $PB detached: no slave info" "$(li "$PB")" "kind=veth"

tests_done
