#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# hosttools.sh - the host's own tools see kvs (issue 11): the switch device
# carries its settings in rtnetlink link info (IFLA_INFO_DATA: ageing,
# batch) and each port in its slave info (IFLA_INFO_SLAVE_DATA: type,
# learning, learned, and for a VM port network, max-macs, bum-limit), as
# RTM_GETLINK answers them (read with kvs_linkinfo.py: stock ip prints the
# data of the kinds it knows only) and as `ip -d -j link show` names them.
# `bridge fdb show` lists the switch's fdb, and `bridge fdb add|replace|del
# MAC dev SWITCH [self] vni NET (via PORT | dst IP)` changes it as `kvs fdb
# add|del` does, refusing with the kernel's message what kvs cannot take.
# `ip monitor link` hears of `kvs switch set` and `kvs port set`.
#
#  netns a  netns b
#    |        |
#    Pa       Pb   (network 100;          Pu: a vlan fabric port (a veth)
#  +-|--------|---  network 200: no port)-|-+
#  |           switch $SW                   |
#  +----------------------------------------+
#  switch $SWX: network 300, a vxlan fabric on Ux (a dummy with $LOCAL)
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

# fdb_now : kvs's fdb of every switch, as `kvs -j fdb show` has it (no ages)
fdb_now() { kj fdb show | jq -S -c 'map(del(.age)) | sort'; }

# br_refused DESC ERE ARGS... : `bridge fdb ARGS` must fail and print a line
# matching ERE (the kernel's extack message, "Error: ..."); that kvs's fdb is
# still as $FDB0 says is checked once after all of them (a dump and a jq each
# cost seconds on the debug kernel)
FDB0=
br_refused() {
	local desc=$1 re=$2 out rc
	shift 2
	echo "# + bridge fdb $*"
	out=$(bridge fdb "$@" 2>&1)
	rc=$?
	if [ $rc -eq 0 ]; then
		fail "$desc" "succeeded, expected a failure"
	elif ! matches "$re" "$out"; then
		fail "$desc" "exit status $rc, but no line matches: $re"
	else
		pass "$desc"
		_diag_out "$out"
		return 0
	fi
	_diag_out "$out"
	return 1
}

# remote_of SWITCH NET MAC : "REMOTE STATE" of the entry, or "none"
remote_of() {
	local out
	out=$(kj fdb show switch "$1" | jq -r --argjson n "$2" --arg m "$3" \
		'[.[] | select(.net == $n and .mac == $m) | "\(.remote) \(.state)"] | join(",")')
	echo "${out:-none}"
}

# flood_of SWITCH NET : the flood list's remotes, sorted, on one line
flood_of() {
	kj fdb show switch "$1" | jq -r --argjson n "$2" \
		'[.[] | select(.net == $n and .mac == "00:00:00:00:00:00") | .remote] | sort | join(" ")'
}

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

# ---- bridge fdb add|replace|del on the switch: via a port ------------------------
# (iproute2's bridge sends NTF_SELF when neither self nor master is given)
M1=02:00:00:a0:01:01
M2=02:00:00:a0:01:02
MX=02:00:00:a0:01:99	# never added
ML=02:00:00:a0:00:0c	# learned on Pb above
ZERO=00:00:00:00:00:00
mk_net "$SW" 200

check "bridge fdb add $M1 dev $SW self vni 100 via $PA" \
	bridge fdb add $M1 dev "$SW" self vni 100 via "$PA"
check_eq "kvs fdb show: $M1 static on $PA" \
	"$(fdb_field "$SW" 100 $M1 dev) $(fdb_field "$SW" 100 $M1 state)" "$PA static"
check_match "bridge fdb show: $M1 on $PA, vni 100, master $SW, static" \
	"^$M1 dev $PA .*vni 100 .*master $SW .*static" "$(bridge fdb show 2>&1)"
echo "# + bridge fdb add $M1 dev $SW vni 100 via $PA"
out=$(bridge fdb add $M1 dev "$SW" vni 100 via "$PA" 2>&1)
_diag_out "$out"
check_match "bridge fdb add $M1 again, same port: File exists (NLM_F_EXCL, as vxlan)" \
	'the entry exists|File exists' "$out"
check "bridge fdb add $M2 dev $SW vni 100 via $PA static (NUD_REACHABLE|NUD_NOARP)" \
	bridge fdb add $M2 dev "$SW" vni 100 via "$PA" static
check_eq "kvs fdb show: $M2 static on $PA" \
	"$(fdb_field "$SW" 100 $M2 dev) $(fdb_field "$SW" 100 $M2 state)" "$PA static"
check "bridge fdb del $M2 dev $SW vni 100" bridge fdb del $M2 dev "$SW" vni 100
check "bridge fdb replace $M1 dev $SW vni 100 via $PB" \
	bridge fdb replace $M1 dev "$SW" vni 100 via "$PB"
check_eq "kvs fdb show: $M1 static on $PB now" \
	"$(fdb_field "$SW" 100 $M1 dev) $(fdb_field "$SW" 100 $M1 state)" "$PB static"
check "bridge fdb replace $M2 (new) dev $SW vni 100 via $PA: added" \
	bridge fdb replace $M2 dev "$SW" vni 100 via "$PA"
check_eq "kvs fdb show: $M2 static on $PA" \
	"$(fdb_field "$SW" 100 $M2 dev) $(fdb_field "$SW" 100 $M2 state)" "$PA static"
check "bridge fdb del $M2 dev $SW self vni 100" bridge fdb del $M2 dev "$SW" self vni 100
check_eq "kvs fdb show: $M2 gone" "$(fdb_field "$SW" 100 $M2 dev)" none
check "bridge fdb replace $ML (learned on $PB) dev $SW vni 100 via $PA" \
	bridge fdb replace $ML dev "$SW" vni 100 via "$PA"
check_eq "kvs fdb show: the learned $ML is static on $PA now" \
	"$(fdb_field "$SW" 100 $ML dev) $(fdb_field "$SW" 100 $ML state)" "$PA static"

# ---- a vxlan fabric: bridge fdb ... dst IP, and the flood list ---------------------
SWX=k${PID}x
UX=k${PID}d
LOCAL=203.0.113.1
mk_switch "$SWX"
mk_net "$SWX" 300
modprobe dummy 2>/dev/null
defer_link "$UX"
ipb <<-EOF
link add $UX type dummy
addr add $LOCAL/24 dev $UX
link set dev $UX up
EOF
must "$KVS" port add dev "$UX" switch "$SWX" fabric vxlan local $LOCAL

check "bridge fdb add $M2 dev $SWX self vni 300 dst 203.0.113.2" \
	bridge fdb add $M2 dev "$SWX" self vni 300 dst 203.0.113.2
check_eq "kvs fdb show: $M2 static at 203.0.113.2" "$(remote_of "$SWX" 300 $M2)" "203.0.113.2 static"
out=$(bridge -j fdb show 2>&1 | jq -r --arg sw "$SWX" --arg m $M2 \
	'.[] | select(.master == $sw and .mac == $m) | "\(.ifname) \(.vni) \(.dst) \(.state)"')
check_eq "bridge fdb show: $M2 on $UX, vni 300, dst 203.0.113.2, static" "$out" "$UX 300 203.0.113.2 static"
check "bridge fdb replace $M2 dev $SWX vni 300 dst 203.0.113.3" \
	bridge fdb replace $M2 dev "$SWX" vni 300 dst 203.0.113.3
check_eq "kvs fdb show: $M2 static at 203.0.113.3 now" "$(remote_of "$SWX" 300 $M2)" "203.0.113.3 static"
check "flood list: bridge fdb add $ZERO dev $SWX vni 300 dst 203.0.113.4" \
	bridge fdb add $ZERO dev "$SWX" vni 300 dst 203.0.113.4
check "flood list: bridge fdb append $ZERO dev $SWX vni 300 dst 203.0.113.5" \
	bridge fdb append $ZERO dev "$SWX" vni 300 dst 203.0.113.5
check_eq "kvs fdb show: the flood list has both" "$(flood_of "$SWX" 300)" "203.0.113.4 203.0.113.5"
check "flood list: bridge fdb del $ZERO dev $SWX vni 300 dst 203.0.113.4" \
	bridge fdb del $ZERO dev "$SWX" vni 300 dst 203.0.113.4
check_eq "kvs fdb show: the flood list has 203.0.113.5 only" "$(flood_of "$SWX" 300)" "203.0.113.5"

# ---- refusals: each fails with the kernel's message and changes nothing -----------
FDB0=$(fdb_now)
diag "kvs fdb before the refusals: $FDB0"
br_refused "no vni" 'Error: vni .*required' add $MX dev "$SW" self via "$PA"
br_refused "no vni (del)" 'Error: vni .*required' del $M1 dev "$SW"
br_refused "unknown network (vni 999)" 'Error: no such network on this switch' \
	add $MX dev "$SW" vni 999 via "$PA"
br_refused "neither via nor dst" 'Error: port \(via\) or remote VTEP \(dst\) required' \
	add $MX dev "$SW" vni 100
br_refused "via a port of another network (200)" 'Error: port is not in that network' \
	add $MX dev "$SW" vni 200 via "$PA"
br_refused "via a port of another switch" 'Error: port is on another switch' \
	add $MX dev "$SWX" vni 300 via "$PA"
br_refused "via the fabric port" 'Error: port is not in that network' \
	add $MX dev "$SWX" vni 300 via "$UX"
br_refused "via a device that is no kvs port" 'Error: device is not a kvs port' \
	add $MX dev "$SW" vni 100 via lo
br_refused "both via and dst" 'Error: a port or a remote, not both' \
	add $MX dev "$SWX" vni 300 via "$UX" dst 203.0.113.2
br_refused "a vlan id" 'Error: vlan is not supported' \
	add $MX dev "$SW" vni 100 via "$PA" vlan 5
br_refused "use (NTF_USE)" 'Error: use is not supported' \
	add $MX dev "$SW" vni 100 via "$PA" use
br_refused "dynamic (NUD_REACHABLE)" 'Error: only static entries' \
	add $MX dev "$SW" vni 100 via "$PA" dynamic
br_refused "sticky" 'Error: router, sticky and extern_learn entries are not supported' \
	add $MX dev "$SW" vni 100 via "$PA" sticky
br_refused "a dst port" 'Error: port, src_vni, nhid and extended flags are not supported' \
	add $MX dev "$SWX" vni 300 dst 203.0.113.2 port 4790
br_refused "a multicast MAC via a port" 'Error: MAC must be unicast' \
	add 01:00:5e:00:00:01 dev "$SW" vni 100 via "$PA"
br_refused "the zero MAC via a port" 'Error: MAC must be unicast' \
	add $ZERO dev "$SW" vni 100 via "$PA"
br_refused "broadcast MAC to a dst" 'Error: MAC must be unicast \(or 00:00:00:00:00:00' \
	add $BC dev "$SWX" vni 300 dst 203.0.113.2
br_refused "a multicast MAC (del)" 'Error: MAC must be unicast \(or 00:00:00:00:00:00' \
	del 01:00:5e:00:00:01 dev "$SW" vni 100
br_refused "dst on a switch without a vxlan fabric" 'Error: remote entries need a vxlan fabric' \
	add $MX dev "$SW" vni 100 dst 203.0.113.2
br_refused "an IPv6 dst on an IPv4 fabric" "Error: remote must be of the fabric's address family" \
	add $MX dev "$SWX" vni 300 dst 2001:db8::2
br_refused "static on another port: add does not move it" 'Error: MAC is already static on another port' \
	add $M1 dev "$SW" vni 100 via "$PA"
br_refused "replace of a MAC of $PA's mac list" "Error: entry belongs to the port's mac list" \
	replace $MA dev "$SW" vni 100 via "$PB"
br_refused "del of a MAC of $PA's mac list" "Error: entry belongs to the port's mac list" \
	del $MA dev "$SW" vni 100
br_refused "flood list member already there" "Error: remote is already in the network's flood list" \
	append $ZERO dev "$SWX" vni 300 dst 203.0.113.5
br_refused "del of an entry that is not there" 'Error: no such fdb entry' \
	del $MX dev "$SW" vni 100
br_refused "del via another port" 'Error: the entry is not on that port' \
	del $M1 dev "$SW" vni 100 via "$PA"
br_refused "del with another dst" 'Error: the entry is not at that remote' \
	del $M2 dev "$SWX" vni 300 dst 203.0.113.9
br_refused "del of a flood member that is not there" "Error: remote is not in the network's flood list" \
	del $ZERO dev "$SWX" vni 300 dst 203.0.113.9
# master: rtnetlink hands it to a master only for IFF_BRIDGE_PORT devices,
# which a kvs port is not (design.md): no kvs code runs, no extack
br_refused "bridge fdb add ... dev PORT master: not for kvs" 'RTNETLINK answers: Operation not supported' \
	add $MX dev "$PA" master vni 100
check_eq "after all the refused requests, kvs fdb show is unchanged" "$(fdb_now)" "$FDB0"

check "bridge fdb del $M1 dev $SW vni 100 via $PB" bridge fdb del $M1 dev "$SW" vni 100 via "$PB"
check "bridge fdb del $M2 dev $SWX vni 300 dst 203.0.113.3" \
	bridge fdb del $M2 dev "$SWX" vni 300 dst 203.0.113.3
check_eq "kvs fdb show: $M1 and $M2 gone" \
	"$(fdb_field "$SW" 100 $M1 dev) $(remote_of "$SWX" 300 $M2)" "none none"

# ---- ip link add|set NAME type kvs with IFLA_INFO_DATA: applied or refused ----------
SWL=k${PID}l
defer_link "$SWL"
check_eq "RTM_NEWLINK kind kvs, ageing 77, batch 8: made" "$("$LINKINFO" add "$SWL" ageing 77 batch 8)" ok
check_eq "its link info: ageing 77, batch 8" "$(li "$SWL")" "kind=kvs ageing=77 batch=8"
check_eq "kvs switch show agrees" "$(kj switch show "$SWL" | jq -c '.[0] | [.ageing, .batch]')" "[77,8]"
check_eq "RTM_NEWLINK (set) ageing 5: applied" "$("$LINKINFO" set "$SWL" ageing 5)" ok
check_eq "its link info: ageing 5, batch 8" "$(li "$SWL")" "kind=kvs ageing=5 batch=8"
check_eq "RTM_NEWLINK (set) batch 1: applied" "$("$LINKINFO" set "$SWL" batch 1)" ok
check_eq "its link info: ageing 5, batch 1" "$(li "$SWL")" "kind=kvs ageing=5 batch=1"
check_match "set batch 0: refused with a message" '^error [0-9]+: .+' "$("$LINKINFO" set "$SWL" batch 0)"
check_match "set batch 65: refused with a message" '^error [0-9]+: .+' "$("$LINKINFO" set "$SWL" batch 65)"
check_match "set ageing 1000001: refused with a message" '^error [0-9]+: .+' \
	"$("$LINKINFO" set "$SWL" ageing 1000001)"
check_match "set batch 9 with ageing 1000001: refused whole" '^error [0-9]+: .+' \
	"$("$LINKINFO" set "$SWL" batch 9 ageing 1000001)"
check_eq "after the refusals: ageing 5, batch 1 still" "$(li "$SWL")" "kind=kvs ageing=5 batch=1"
SWL2=k${PID}L
defer_link "$SWL2"
check_match "RTM_NEWLINK kind kvs with batch 99: refused" '^error [0-9]+: .+' \
	"$("$LINKINFO" add "$SWL2" batch 99)"
check_fail "and no device $SWL2 was made" link_exists "$SWL2"
run ip link del "$SWL"

# ---- ip monitor link: an RTM_NEWLINK when link info changes ------------------------
MON=$TMPD/monitor
ip -o monitor link >"$MON" 2>&1 &
defer_pid $!
# ready once it reports a change made after it subscribed (a change made
# before is never reported: change the mtu of a dummy until it is)
MD=k${PID}m
defer_link "$MD"
must ip link add "$MD" type dummy
MTU=1280
mon_ready() {
	MTU=$((MTU + 1))
	ip link set dev "$MD" mtu "$MTU" && nap 0.5 && grep -q ": $MD:" "$MON"
}
if ! wait_until 20 mon_ready; then
	fail "setup: ip monitor link reports a change of $MD" "$(cat "$MON")"
	tests_done
fi
check_eq "ip monitor link: nothing of $SW or $PA yet" \
	"$(grep -cE "[0-9]+: ($SW|$PA)[:@]" "$MON")" 0
check "kvs switch set $SW ageing 42" "$KVS" switch set "$SW" ageing 42
check_within "ip monitor link: RTM_NEWLINK for $SW after kvs switch set" 5 \
	grep -qE "[0-9]+: ${SW}[:@]" "$MON"
check_eq "ip monitor link: still nothing of $PA" "$(grep -cE "[0-9]+: ${PA}[:@]" "$MON")" 0
check "kvs port set dev $PA max-macs 9" "$KVS" port set dev "$PA" max-macs 9
check_within "ip monitor link: RTM_NEWLINK for $PA after kvs port set" 5 \
	grep -qE "[0-9]+: ${PA}[:@]" "$MON"
diag "ip monitor link saw:"
_diag_out "$(cat "$MON")"
check_eq "switch link info: ageing 42" "$(li "$SW")" "kind=kvs ageing=42 batch=16"
check_match "port $PA link info: max_macs 9" "max_macs=9 " "$(li "$PA")"

# a vlan fabric port: type 2, no network settings
mk_veth "$UP" "kvs-ht-$PID-u"
check "kvs port add $UP fabric vlan" "$KVS" port add dev "$UP" switch "$SW" fabric vlan
check_eq "fabric port $UP: type 2 (fabric), learning on, no network settings" \
	"$(li "$UP")" "kind=veth slave_kind=kvs type=2 learning=1 learned=0"

# a detached port has no kvs slave info any more
check "kvs port del $PB" "$KVS" port del dev "$PB"
check_eq "port $PB detached: no slave info" "$(li "$PB")" "kind=veth"

tests_done
