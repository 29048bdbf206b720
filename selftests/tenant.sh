#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tenant.sh - one tenant cannot hurt another (issue 7): learning is bounded
# per port (max-macs, default 1024) and per network (max-macs, default
# 16384), a flood of random source MACs is dropped as mac-limit without
# slowing the other networks' learning or turning their unicast into floods,
# static entries are never blocked by learned ones, a MAC moving between
# ports moves without an event per frame, 802.1D link-local frames
# (01:80:C2:00:00:0X) are not forwarded unless the port's group-fwd-mask
# says so, and a port's MAC list leaves alone the static entries it did not
# make.
#
#  network 100 (the attacker's)      network 200                  network 300
#  +------+ +------+ +------+        +----+ +----+ +----+ +-----+  +----+ +----+
#  | a1   | | a2   | | q    |        | b1 | | b2 | | b3 | | f   |  | c1 | | c2 |
#  +--|---+ +--|---+ +--|---+        +-|--+ +-|--+ +-|--+ +-|-|-+  +-|--+ +-|--+
#  +--|--------|--------|--------------|------|------|------|-|------|------|--+
#  |  Pa1      Pa2      Pq             Pb1    Pb2    Pb3   Pf1 Pf2   Pc1    Pc2 |
#  |  default  max-macs 0                                 (one netns,  max-macs 0|
#  |  (1024)   (no limit)                                  eth0+eth1)  each      |
#  |                                 switch $SW                                 |
#  +----------------------------------------------------------------------------+
#
# a1 sends 200 000 frames from random source MACs; a2 then fills network 100
# up to its cap; b3 is the witness of network 200 (it must see none of b1's
# unicast to b2); c1 and c2 share network 300 (max-macs 10); f sends from one
# MAC through two ports (a VM migrating, then flapping).

# shellcheck disable=SC2016,SC2317 # jq programs in single quotes; functions called through check

set -u
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

kvs_require pkt
kvs_load

FLOOD=${TENANT_FLOOD:-200000}
SW=k${PID}s
NSA1=kvs-ten-$PID-a1
NSA2=kvs-ten-$PID-a2
NSQ=kvs-ten-$PID-q
NSB1=kvs-ten-$PID-b1
NSB2=kvs-ten-$PID-b2
NSB3=kvs-ten-$PID-b3
NSF=kvs-ten-$PID-f
NSC1=kvs-ten-$PID-c1
NSC2=kvs-ten-$PID-c2
MQ=02:00:00:70:00:0e
MB1=02:00:00:70:00:b1
MB2=02:00:00:70:00:b2
MB3=02:00:00:70:00:b3
MF=02:00:00:70:00:f0
MS1=02:00:00:70:01:01	# static entries added while network 100 is full
MS2=02:00:00:70:01:02
MN1=02:00:00:70:02:01	# new MACs of network 200 after the flood
MN2=02:00:00:70:02:02
MN3=02:00:00:70:02:03
ME1=02:00:00:70:03:01	# MAC-list edges
ME2=02:00:00:70:03:02
BC=ff:ff:ff:ff:ff:ff
TAG=t$PID

# ---- helpers (kvs -j + jq: the fdb holds thousands of entries here) -------------

pstat() { # pstat DEV COUNTER : rx_packets... or a drop reason key (mac_limit...)
	kj stats show dev "$1" | jq -r --arg c "$2" '.[0].stats64 as $s | ($c | split("_")) as $p |
		(if $p[0] == "rx" or $p[0] == "tx" then $s[$p[0]][$p[1]] else $s.drops[$c] end) // "none"'
}

pfield() { # pfield DEV FIELD : a field of `kvs -j port show dev DEV`
	kj port show dev "$1" | jq -r --arg f "$2" '.[0][$f] // "none"'
}

nfield() { # nfield ID FIELD : a field of network ID of $SW in `kvs -j net show`
	kj net show switch "$SW" |
		jq -r --argjson id "$1" --arg f "$2" '[.[] | select(.net == $id)][0][$f] // "none"'
}

# fdb_n NET [DEV [STATE]] : entries of $SW in NET (on DEV, in STATE)
fdb_n() {
	kj fdb show switch "$SW" net "$1" | jq -r --arg d "${2:-}" --arg s "${3:-}" \
		'[.[] | select(($d == "" or .ifname == $d) and ($s == "" or .state == $s))] | length'
}

# fdb_is NET MAC : "DEV STATE" of MAC in NET of $SW, or "none"
fdb_is() {
	kj fdb show switch "$SW" net "$1" | jq -r --arg m "${2,,}" \
		'[.[] | select(.mac == $m)] | if length == 0 then "none" else "\(.[0].ifname) \(.[0].state)" end'
}

# pkt NETNS ARGS... : kvs_pkt send eth0 ARGS in NETNS (random sources allowed)
pkt() {
	local ns=$1
	shift
	run ip netns exec "$ns" "$KVS_PKT" send eth0 "$@"
}

mk_switch "$SW"
mk_net "$SW" 100
mk_net "$SW" 200
mk_vm "$NSA1" "$SW" 100 - -; PA1=$VM_DEV
mk_vm "$NSA2" "$SW" 100 - - max-macs 0; PA2=$VM_DEV
mk_vm "$NSQ" "$SW" 100 - $MQ; PQ=$VM_DEV
mk_vm "$NSB1" "$SW" 200 - $MB1; PB1=$VM_DEV
mk_vm "$NSB2" "$SW" 200 - $MB2; PB2=$VM_DEV
mk_vm "$NSB3" "$SW" 200 - $MB3; PB3=$VM_DEV

# ---- defaults ----------------------------------------------------------------------

check_eq "a port added without max-macs has max_macs 1024" "$(pfield "$PA1" max_macs)" 1024
check_eq "a port added with max-macs 0 shows max_macs 0 (no limit)" "$(pfield "$PA2" max_macs)" 0
check_eq "a network added without max-macs has max_macs 16384" "$(nfield 100 max_macs)" 16384
check_eq "kvs net show: network 100 has learned 0" "$(nfield 100 learned)" 0
out=$("$KVS" net show switch "$SW" 2>&1)
check_match "kvs net show (text) shows max-macs 16384" 'max-macs 16384' "$out"

# network 200 learns its three VMs before the flood
pkt "$NSB1" $MB1 $BC count 1 tag "$TAG-hello" + $MB1 $BC count 1 tag "$TAG-hello"
pkt "$NSB2" $MB2 $BC count 1 tag "$TAG-hello"
pkt "$NSB3" $MB3 $BC count 1 tag "$TAG-hello"
check_eq "network 200 learned b1, b2 and b3" \
	"$(fdb_is 200 $MB1) / $(fdb_is 200 $MB2) / $(fdb_is 200 $MB3)" \
	"$PB1 learned / $PB2 learned / $PB3 learned"

# ---- a1 floods network 100 with random source MACs ----------------------------------

rx0=$(pstat "$PA1" rx_packets)
ml0=$(pstat "$PA1" mac_limit)
t0=$SECONDS
pkt "$NSA1" random $BC count "$FLOOD" tag "$TAG-flood" seed 0x1a1
diag "a1 sent $FLOOD frames from random sources in about $((SECONDS - t0)) s"
settle
rx=$(sub "$(pstat "$PA1" rx_packets)" "$rx0")
ml=$(sub "$(pstat "$PA1" mac_limit)" "$ml0")
check_eq "$PA1 received the $FLOOD frames" "$rx" "$FLOOD"
check_eq "$PA1 learned 1024 MACs (its default max-macs)" "$(pfield "$PA1" learned)" 1024
check_eq "the fdb holds 1024 learned entries on $PA1" "$(fdb_n 100 "$PA1" learned)" 1024
check_eq "every frame past the 1024th is a mac-limit drop on $PA1" "$ml" "$(sub "$rx" 1024)"
check_eq "network 100 counts 1024 learned MACs" "$(nfield 100 learned)" 1024

# a2 (max-macs 0: no port limit) fills network 100 up to a smaller cap
check "kvs net set 100 max-macs 4096" "$KVS" net set 100 switch "$SW" max-macs 4096
check_eq "kvs net show: network 100 has max_macs 4096" "$(nfield 100 max_macs)" 4096
rx0=$(pstat "$PA2" rx_packets)
ml0=$(pstat "$PA2" mac_limit)
pkt "$NSA2" random $BC count 5000 tag "$TAG-flood2" seed 0x2a2
settle
rx=$(sub "$(pstat "$PA2" rx_packets)" "$rx0")
check_eq "$PA2 received the 5000 frames" "$rx" 5000
check_eq "$PA2 (max-macs 0) learned 3072 MACs: past its 1024 default, up to the network's cap" \
	"$(pfield "$PA2" learned)" 3072
check_eq "the other 1928 are mac-limit drops on $PA2" "$(sub "$(pstat "$PA2" mac_limit)" "$ml0")" 1928
check_eq "network 100 counts 4096 learned MACs (its cap)" "$(nfield 100 learned)" 4096
check_eq "the fdb holds 4096 learned entries in network 100" "$(fdb_n 100 "" learned)" 4096

# ---- network 100 is full: the others do not notice ------------------------------------

check "kvs fdb add in full network 100 works" \
	"$KVS" fdb add $MS1 net 100 switch "$SW" dev "$PQ"
check "kvs port set mac (a MAC list) in full network 100 works" \
	"$KVS" port set dev "$PQ" mac $MQ
check "kvs fdb add in network 200 works" \
	"$KVS" fdb add $MS2 net 200 switch "$SW" dev "$PB2"
check_eq "MS1 and MQ are static on $PQ, MS2 on $PB2" \
	"$(fdb_is 100 $MS1) / $(fdb_is 100 $MQ) / $(fdb_is 200 $MS2)" \
	"$PQ static / $PQ static / $PB2 static"

ml0=$(pstat "$PB1" mac_limit)
pkt "$NSB1" $MN1 $BC count 1 tag "$TAG-new" + $MN2 $BC count 1 tag "$TAG-new" + \
	$MN3 $BC count 1 tag "$TAG-new"
out=$("$KVS" fdb show switch "$SW" net 200 2>&1)
check_match "kvs fdb show net 200 shows new MAC MN1 learned on $PB1" "${MN1} .*dev $PB1 .*learned" "$out"
check_eq "network 200 learned its 3 new MACs on $PB1" \
	"$(fdb_is 200 $MN1) / $(fdb_is 200 $MN2) / $(fdb_is 200 $MN3)" \
	"$PB1 learned / $PB1 learned / $PB1 learned"
check_eq "no mac-limit drop on $PB1" "$(sub "$(pstat "$PB1" mac_limit)" "$ml0")" 0

sniff_start b2 "$NSB2" "$TAG"
sniff_start b3 "$NSB3" "$TAG"
pkt "$NSB1" $MB1 $MB2 count 20 tag "$TAG-uc" + $MB1 $MS2 count 5 tag "$TAG-ucs" + \
	$MN1 $MB2 count 5 tag "$TAG-ucn"
pkt "$NSB2" $MB2 $MN2 count 5 tag "$TAG-back"
settle
sniff_stop b2 b3
check_eq "b2 received b1's 20 + 5 + 5 unicast frames" \
	"$(sniffed b2 "$TAG-uc") $(sniffed b2 "$TAG-ucs") $(sniffed b2 "$TAG-ucn")" "20 5 5"
check_eq "b3 saw none of network 200's unicast (not flooded)" \
	"$(sniffed b3 "$TAG-uc") $(sniffed b3 "$TAG-ucs") $(sniffed b3 "$TAG-ucn") $(sniffed b3 "$TAG-back")" \
	"0 0 0 0"
check_eq "network 200 learned 6 MACs, network 100 still 4096" \
	"$(nfield 200 learned) $(nfield 100 learned)" "6 4096"

# the flood is over: its entries go with its ports (later snapshots are small)
run "$KVS" port del dev "$PA1"
run "$KVS" port del dev "$PA2"
check_eq "network 100 counts 0 learned MACs once a1 and a2 are gone" "$(nfield 100 learned)" 0
dmesg_checkpoint "kernel log clean after the flood"

# ---- the cap of a network, set and changed ------------------------------------------

check "kvs net add 300 max-macs 10" "$KVS" net add 300 switch "$SW" name capped max-macs 10
mk_vm "$NSC1" "$SW" 300 - - max-macs 0; PC1=$VM_DEV
mk_vm "$NSC2" "$SW" 300 - - max-macs 0; PC2=$VM_DEV
check_eq "network 300 has max_macs 10" "$(nfield 300 max_macs)" 10
snap
ml1=$(stat_get "$PC1" mac_limit)
ml2=$(stat_get "$PC2" mac_limit)
pkt "$NSC1" random $BC count 6 tag "$TAG-c1" seed 0xc1
pkt "$NSC2" random $BC count 6 tag "$TAG-c2" seed 0xc2
snap
check_eq "network 300 (max-macs 10): c1 learned 6, c2 4" \
	"$(port_get "$PC1" learned) $(port_get "$PC2" learned)" "6 4"
check_eq "the 11th and 12th new MACs are mac-limit drops on $PC2, none on $PC1" \
	"$(sub "$(stat_get "$PC1" mac_limit)" "$ml1") $(sub "$(stat_get "$PC2" mac_limit)" "$ml2")" "0 2"
check_eq "network 300 counts 10 learned MACs" "$(nfield 300 learned)" 10
check "kvs net set 300 max-macs 12" "$KVS" net set 300 switch "$SW" max-macs 12
pkt "$NSC2" random $BC count 6 tag "$TAG-c2" seed 0xc2
snap
check_eq "after net set max-macs 12, c2's last 2 MACs are learned" \
	"$(port_get "$PC2" learned) $(nfield 300 learned)" "6 12"
check_eq "no new mac-limit drop" "$(sub "$(stat_get "$PC2" mac_limit)" "$ml2")" 2
check "kvs net set 300 max-macs 0 (no limit)" "$KVS" net set 300 switch "$SW" max-macs 0
pkt "$NSC1" random $BC count 30 tag "$TAG-c1" seed 0xc1
snap
check_eq "with max-macs 0 network 300 learns past 12: c1 has 30" \
	"$(port_get "$PC1" learned) $(nfield 300 learned) $(nfield 300 max_macs)" "30 36 0"
check_eq "and no drop" "$(sub "$(stat_get "$PC1" mac_limit)" "$ml1")" 0
# a limit below what is learned: done, with the kernel's warning (extack on the ACK)
out=$("$KVS" net set 300 switch "$SW" max-macs 20 2>&1); rc=$?
check_eq "kvs net set 300 max-macs 20 (36 learned) succeeds" "$rc" 0
check_match "... and prints the kernel's warning" \
	'^Warning: more MACs are learned than the new max-macs: they stay until they age out$' "$out"
check_eq "the 36 learned MACs stay" "$(nfield 300 learned)" 36
out=$("$KVS" port set dev "$PC1" max-macs 5 2>&1); rc=$?
check_eq "kvs port set max-macs 5 (30 learned) succeeds" "$rc" 0
check_match "... with the port's warning" '^Warning: more MACs are learned on the port than the new max-macs' "$out"
out=$("$KVS" -b - <<<"port set dev $PC1 max-macs 0
net set 300 switch $SW max-macs 0" 2>&1); rc=$?
check_eq "limits lifted again: no warning, no output" "$rc:$out" "0:"
kvs_refused "kvs net set on a network that does not exist is refused" "" \
	"$KVS" net set 999 switch "$SW" max-macs 5

# ---- a MAC moving between ports (migration), then flapping ----------------------------

mk_vm "$NSF" "$SW" 200 - $MF; PF1=$VM_DEV
PF2=k${PID}f2
defer_link "$PF2"
ipb <<EOF
link add $PF2 type veth peer name eth1 netns $NSF
link set dev $PF2 addrgenmode none up
EOF
# addrgenmode first, in a request of its own: one request brings the device
# up before it applies the mode, and eth1's IPv6 DAD and router solicitations
# (from MF) would then move MF at random moments
ipb -n "$NSF" <<EOF
link set dev eth1 addrgenmode none
link set dev eth1 address $MF up
EOF
must "$KVS" port add dev "$PF2" switch "$SW" net 200
run ip netns exec "$NSF" "$KVS_PKT" send eth0 $MF $BC count 1 tag "$TAG-mig"
check_eq "MF learned on $PF1" "$(fdb_is 200 $MF)" "$PF1 learned"
run ip netns exec "$NSF" "$KVS_PKT" send eth1 $MF $BC count 1 tag "$TAG-mig"
check_eq "one frame from $PF2 moves MF to $PF2" "$(fdb_is 200 $MF)" "$PF2 learned"
sniff_start f2 "$NSF" "$TAG" eth1
sniff_start b2 "$NSB2" "$TAG"
pkt "$NSB1" $MB1 $MF count 3 tag "$TAG-tomf"
settle
sniff_stop f2 b2
check_eq "frames to MF go to $PF2 only (f's eth1 3, b2 0)" \
	"$(sniffed f2 "$TAG-tomf") $(sniffed b2 "$TAG-tomf")" "3 0"
check_eq "network 200 learned MF once (7 MACs)" "$(nfield 200 learned)" 7

monitor_start
t0=${EPOCHREALTIME/./}
run ip netns exec "$NSF" "$KVS_PKT" flap eth0 eth1 $MF $BC count 500 tag "$TAG-flap"
dt=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
diag "1000 frames flapping between $PF1 and $PF2 took $dt ms"
nap 1
run ip netns exec "$NSF" "$KVS_PKT" send eth0 $MF $BC count 1 tag "$TAG-flap"
settle
monitor_stop
check_eq "after the flapping, MF is learned on $PF1 (where its last frame came from)" \
	"$(fdb_is 200 $MF)" "$PF1 learned"
nev=$(count_lines "^fdb [a-z]+ $MF " "$(<"$TMPD/monitor.log")")
diag "kvs monitor printed $nev fdb events for MF during 1000 moves"
# a few events a second per port (the kernel allows 5): at most 50, or 12 a
# second of flapping on a slow (debug) kernel, and never half of the moves
lim=$(( 12 * (dt / 1000 + 1) ))
[ $lim -lt 50 ] && lim=50
[ $lim -gt 500 ] && lim=500
check_le "fdb events for the flapping MAC are rate limited (<= $lim for 1000 moves)" "$nev" $lim
check_eq "network 200 still counts 7 learned MACs" "$(nfield 200 learned)" 7
_diag_out "$(head -n 5 "$TMPD/monitor.log")"

# ---- 802.1D link-local destinations -----------------------------------------------------

# group TYPE NAME: the reserved groups and the EtherType their protocol uses
# (STP BPDUs are LLC frames: an 802.3 length, here 38)
LL_GROUPS="00:0x0026:stp 01:0x8808:pause 02:0x8809:lacp 03:0x888e:eapol 0e:0x88cc:lldp"

# ll_round DESC FWD... : b1 sends 3 frames to each group; those of the groups
# listed in FWD must reach b2 and b3, the others must be counted link_local
ll_round() {
	local desc=$1 g grp type name exp_ll=0 ll0 ll sent2 sent3 fwd args=()
	shift
	fwd=" $* "
	snap
	ll0=$(stat_get "$PB1" link_local)
	for g in $LL_GROUPS; do
		IFS=: read -r grp type name <<<"$g"
		sniff_start "b2$name" "$NSB2" "$TAG-$name" eth0 "$type"
		sniff_start "b3$name" "$NSB3" "$TAG-$name" eth0 "$type"
	done
	for g in $LL_GROUPS; do
		IFS=: read -r grp type name <<<"$g"
		args+=("$MB1" "01:80:c2:00:00:$grp" count 3 tag "$TAG-$name" type "$type" +)
	done
	pkt "$NSB1" "${args[@]}"
	settle
	for g in $LL_GROUPS; do
		IFS=: read -r grp type name <<<"$g"
		sniff_stop "b2$name" "b3$name"
	done
	for g in $LL_GROUPS; do
		IFS=: read -r grp type name <<<"$g"
		sent2=$(sniffed "b2$name" "$TAG-$name")
		sent3=$(sniffed "b3$name" "$TAG-$name")
		if [[ $fwd == *" $grp "* ]]; then
			check_eq "$desc: 01:80:c2:00:00:$grp ($name) is forwarded to b2 and b3" \
				"$sent2 $sent3" "3 3"
		else
			check_eq "$desc: 01:80:c2:00:00:$grp ($name) is not forwarded" \
				"$sent2 $sent3" "0 0"
			exp_ll=$((exp_ll + 3))
		fi
	done
	snap
	ll=$(sub "$(stat_get "$PB1" link_local)" "$ll0")
	check_eq "$desc: $PB1 counted $exp_ll link_local drops" "$ll" "$exp_ll"
}

gfm=$(pfield "$PB1" group_fwd_mask)
check_eq "a port has group_fwd_mask 0 (or none shown) by default" "${gfm/none/0}" 0
ll_round "default"
out=$("$KVS" -s port show dev "$PB1" 2>&1)
check_match "kvs -s port show names the link-local drops" '^[1-9][0-9]*$' \
	"$(text_counter "$out" link-local)" || _diag_out "$out"
check_eq "kvs -j -s port show counts them as drops.link_local" \
	"$(kj -s port show dev "$PB1" | jq -r '.[0].stats64.drops.link_local')" "$(stat_get "$PB1" link_local)"
check "kvs port set group-fwd-mask 0x4008 (802.1X and LLDP)" \
	"$KVS" port set dev "$PB1" group-fwd-mask 0x4008
check_eq "$PB1 shows group_fwd_mask 0x4008" "$(pfield "$PB1" group_fwd_mask)" "$((0x4008))"
ll_round "group-fwd-mask 0x4008" 03 0e
kvs_refused "group-fwd-mask 0x1 (STP) is refused" "" \
	"$KVS" port set dev "$PB1" group-fwd-mask 0x1
kvs_refused "group-fwd-mask 0x6 (PAUSE, LACP) is refused" "" \
	"$KVS" port set dev "$PB1" group-fwd-mask 0x6
check_eq "$PB1 kept group_fwd_mask 0x4008" "$(pfield "$PB1" group_fwd_mask)" "$((0x4008))"
check "kvs port set group-fwd-mask 0" "$KVS" port set dev "$PB1" group-fwd-mask 0

# ---- a port's MAC list and the static entries it did not make -------------------------

check "kvs fdb add ME1 on $PB3" "$KVS" fdb add $ME1 net 200 switch "$SW" dev "$PB3"
check "ME1 joins $PB3's MAC list" "$KVS" port set dev "$PB3" mac $MB3 mac $ME1
check_eq "ME1 is static on $PB3" "$(fdb_is 200 $ME1)" "$PB3 static"
check "ME1 leaves $PB3's MAC list" "$KVS" port set dev "$PB3" mac $MB3
check_eq "the kvs fdb add entry for ME1 survives: still static on $PB3" \
	"$(fdb_is 200 $ME1)" "$PB3 static"
check "kvs fdb del ME1 still works" "$KVS" fdb del $ME1 net 200 switch "$SW"

check "ME2 joins $PB3's MAC list" "$KVS" port set dev "$PB3" mac $MB3 mac $ME2
pkt "$NSB3" $ME2 $BC count 3 tag "$TAG-me2"
check_eq "ME2 (listed) is static on $PB3" "$(fdb_is 200 $ME2)" "$PB3 static"
check "ME2 leaves $PB3's MAC list" "$KVS" port set dev "$PB3" mac $MB3
check_within "ME2 is removed from the fdb" 5 eval '[ "$(fdb_is 200 $ME2)" = none ]'
snap
sp0=$(stat_get "$PB3" spoofed_src)
pkt "$NSB3" $ME2 $BC count 3 tag "$TAG-me2"
snap
check_eq "frames from ME2 on $PB3 are now spoofed_src drops" \
	"$(sub "$(stat_get "$PB3" spoofed_src)" "$sp0")" 3
check_eq "and ME2 is not learned back" "$(fdb_get "$SW" 200 $ME2 dev)" none
check_eq "$PB3's list is [MB3]" "$(port_get "$PB3" macs)" "$MB3"

# ---- bum-limit: a storm of broadcast, multicast and unknown unicast -------------------
# b1 may send 100 such frames a second (a full bucket: 100 at once, then
# 100 a second); known unicast is never limited. 1000 frames in a burst:
# every one is either flooded to b2 and b3 or a storm-limit drop.

check "kvs port set bum-limit 100" "$KVS" port set dev "$PB1" bum-limit 100
check_eq "$PB1 shows bum_limit 100" "$(pfield "$PB1" bum_limit)" 100
check_match "kvs port show (text) shows bum-limit 100" 'bum-limit 100' \
	"$("$KVS" port show dev "$PB1")"
nap 1.1		# a full bucket
snap
rx0=$(stat_get "$PB1" rx_packets); st0=$(stat_get "$PB1" storm_limit)
tx2=$(stat_get "$PB2" tx_packets); tx3=$(stat_get "$PB3" tx_packets)
t0=$(date +%s%N)
pkt "$NSB1" $MB1 $BC count 400 tag "$TAG-storm" + $MB1 01:00:5e:00:00:fb count 300 \
	tag "$TAG-storm" + $MB1 02:00:00:70:09:99 count 300 tag "$TAG-storm" + $MB1 $MB2 count 50 tag "$TAG-known"
ms=$((($(date +%s%N) - t0) / 1000000))
snap
rx=$(sub "$(stat_get "$PB1" rx_packets)" "$rx0")
st=$(sub "$(stat_get "$PB1" storm_limit)" "$st0")
f3=$(sub "$(stat_get "$PB3" tx_packets)" "$tx3")
f2=$(sub "$(stat_get "$PB2" tx_packets)" "$tx2")
check_eq "$PB1 received all 1050 frames" "$rx" 1050
check_eq "flooded + storm-limit drops = 1000 (b3 sees each flooded frame)" "$((f3 + st))" 1000
check_eq "b2 got the same floods, and all 50 known unicast frames" "$f2" "$((f3 + 50))"
check_ge "at least the bucket (100) went out" "$f3" 100
check_ge "at most 100 + 100/s over the ${ms} ms of the burst (+1) went out" \
	"$((100 + 100 * ms / 1000 + 1))" "$f3"
check_ge "most of the storm was dropped as storm-limit" "$st" 500

# Two CPUs flooding at once for 10 s: the bucket's clock is read under its lock, so
# one CPU never brings an older stamp that would wrap into a full second of credit.
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
	nap 1.1		# a full bucket
	snap
	rx0=$(stat_get "$PB1" rx_packets); st0=$(stat_get "$PB1" storm_limit)
	tx2=$(stat_get "$PB2" tx_packets)
	t0=$(date +%s%N)
	pids=()
	for cpu in 0 1; do
		ip netns exec "$NSB1" taskset -c $cpu timeout 10 "$KVS_PKT" send eth0 $MB1 $BC \
			count 10000000 tag "$TAG-cpu$cpu" >/dev/null 2>&1 &
		pids+=($!)
	done
	wait "${pids[@]}"
	ms=$((($(date +%s%N) - t0) / 1000000))
	settle
	snap
	rx=$(sub "$(stat_get "$PB1" rx_packets)" "$rx0")
	st=$(sub "$(stat_get "$PB1" storm_limit)" "$st0")
	f2=$(sub "$(stat_get "$PB2" tx_packets)" "$tx2")
	diag "two CPUs, ${ms} ms: $rx broadcasts from b1, $f2 flooded, $st storm-limit drops"
	check_ge "two CPUs sent a storm (more than 1000 frames)" "$rx" 1000
	check_eq "two CPUs: every frame is flooded or a storm-limit drop" "$(sum "$f2" "$st")" "$rx"
	check_le "two CPUs: at most 100 + 100/s over ${ms} ms (+2) reached b2" "$f2" \
		"$((100 + 100 * ms / 1000 + 2))"
else
	skip "bum-limit with two CPUs flooding" "one CPU (nproc $(nproc)) or no taskset"
fi
check "kvs port set bum-limit 0 lifts the limit" "$KVS" port set dev "$PB1" bum-limit 0
snap
st0=$(stat_get "$PB1" storm_limit); tx3=$(stat_get "$PB3" tx_packets)
pkt "$NSB1" $MB1 $BC count 300 tag "$TAG-storm2"
snap
check_eq "no limit: all 300 broadcasts reach b3, no storm-limit drop" \
	"$(sub "$(stat_get "$PB3" tx_packets)" "$tx3") $(sub "$(stat_get "$PB1" storm_limit)" "$st0")" "300 0"

tests_done
