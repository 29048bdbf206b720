#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# security.sh - per-port source checks: configured MACs (anti-spoofing),
# multicast and zero sources, static MACs claimed from another port,
# max-macs, learning off, and the policy-drop events of `kvs monitor`.
#
#  +-----------+ +-----------+ +-----------+ +-----------+ +-----------+ +-----------+
#  | sa        | | sb        | | sc        | | sd        | | se        | | sf        |
#  | 10.0.0.1  | | 10.0.0.2  | | 10.0.0.3  | | 10.0.0.4  | | 10.0.0.5  | | (none)    |
#  | MA        | | MB        | | MC        | | MD        | | ME        | | MF        |
#  +----|------+ +----|------+ +----|------+ +----|------+ +----|------+ +----|------+
#  +----|-------------|-------------|-------------|-------------|-------------|------+
#  |   Pa            Pb            Pc            Pd            Pe           (Pf)     |
#  |  mac MA        (any)         (any)        max-macs 2    learning off  refused,  |
#  |                                                                       then net  |
#  |                      switch $SW, network 100 (and 200 for Pf)          200      |
#  +---------------------------------------------------------------------------------+
#
# sc is the witness: it sees every flooded frame of network 100, so a frame
# that should have been dropped shows up there.

# shellcheck disable=SC2016,SC2317 # jq programs in single quotes; functions called through check

set -u
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

kvs_require pkt
kvs_load

SW=k${PID}s
NSA=kvs-sec-$PID-a
NSB=kvs-sec-$PID-b
NSC=kvs-sec-$PID-c
NSD=kvs-sec-$PID-d
NSE=kvs-sec-$PID-e
NSF=kvs-sec-$PID-f
MA=02:00:00:30:00:0a
MA2=02:00:00:30:00:2a
MB=02:00:00:30:00:0b
MC=02:00:00:30:00:0c
MD=02:00:00:30:00:0d
ME=02:00:00:30:00:0e
MF=02:00:00:30:00:0f
MX=02:00:00:30:00:99	# a forged source
S1=02:00:00:30:01:01
S2=02:00:00:30:01:02
S3=02:00:00:30:01:03
BC=ff:ff:ff:ff:ff:ff
TAG=s$PID

mk_switch "$SW"
mk_net "$SW" 100
mk_vm "$NSA" "$SW" 100 10.0.0.1/24 $MA mac $MA; PA=$VM_DEV
mk_vm "$NSB" "$SW" 100 10.0.0.2/24 $MB; PB=$VM_DEV
mk_vm "$NSC" "$SW" 100 10.0.0.3/24 $MC
mk_vm "$NSD" "$SW" 100 10.0.0.4/24 $MD max-macs 2; PD=$VM_DEV
mk_vm "$NSE" "$SW" 100 10.0.0.5/24 $ME learning off; PE=$VM_DEV

snap
check_eq "$PA has the MAC list [MA]" "$(port_get "$PA" macs)" "$MA"
check_eq "MA is a static fdb entry on $PA" \
	"$(fdb_get "$SW" 100 $MA dev) $(fdb_get "$SW" 100 $MA state)" "$PA static"
check_eq "$PD has max_macs 2" "$(port_get "$PD" max_macs)" 2
check_eq "$PE has learning off" "$(port_get "$PE" learning)" false
check "ping sa -> sb (sa sends from its configured MAC)" nsping "$NSA" 10.0.0.2 3

monitor_start

# ---- sources that are never allowed -------------------------------------------

sniff_start a "$NSA" "$TAG"
sniff_start c "$NSC" "$TAG"
snap
spa0=$(stat_get "$PA" spoofed_src)
spb0=$(stat_get "$PB" spoofed_src)
rxa0=$(stat_get "$PA" rx_packets)
send_frames "$NSA" $MX $BC 3 "$TAG-forged"
send_frames "$NSB" 01:00:5e:00:00:01 $BC 2 "$TAG-mcsrc" + \
	$BC $BC 2 "$TAG-bcsrc" + \
	00:00:00:00:00:00 $BC 2 "$TAG-zerosrc" + \
	$MA $BC 3 "$TAG-stolen" + \
	$MB $MA 3 "$TAG-toma"
settle
sniff_stop a c
snap
check_sniff "forged source from sa ($PA has mac MA) is dropped" c "$TAG-forged" 0
check_eq "$PA counted 3 spoofed_src drops" "$(sub "$(stat_get "$PA" spoofed_src)" "$spa0")" 3
check_ge "$PA still counts the dropped frames as rx" "$(sub "$(stat_get "$PA" rx_packets)" "$rxa0")" 3
check_eq "the forged source was not learned" "$(fdb_get "$SW" 100 $MX dev)" none
check_sniff "multicast source is dropped" c "$TAG-mcsrc" 0
check_sniff "broadcast source is dropped" c "$TAG-bcsrc" 0
check_sniff "all-zero source is dropped" c "$TAG-zerosrc" 0
check_sniff "sb sending from sa's static MAC is dropped" c "$TAG-stolen" 0
check_sniff "sb sending from sa's static MAC does not reach sa" a "$TAG-stolen" 0
check_eq "$PB counted 9 spoofed_src drops (2 mc + 2 bc + 2 zero + 3 stolen)" \
	"$(sub "$(stat_get "$PB" spoofed_src)" "$spb0")" 9
check_eq "MA still static on $PA" \
	"$(fdb_get "$SW" 100 $MA dev) $(fdb_get "$SW" 100 $MA state)" "$PA static"
check_sniff "frames to MA still reach sa" a "$TAG-toma" 3
check_sniff "frames to MA are not flooded to sc" c "$TAG-toma" 0
check "ping sc -> sa still works" nsping "$NSC" 10.0.0.1 2

# sa's interface itself takes another MAC
snap
spa0=$(stat_get "$PA" spoofed_src)
ipb -n "$NSA" <<EOF
link set dev eth0 address $MX
neigh flush dev eth0
EOF
check "ping from sa with a MAC outside its list fails" nsping_none "$NSA" 10.0.0.3
snap
check_ge "and counts spoofed_src drops on $PA" "$(sub "$(stat_get "$PA" spoofed_src)" "$spa0")" 1
run ip -n "$NSA" link set eth0 address $MA
check "ping from sa works again with MA" nsping "$NSA" 10.0.0.3 2

# ---- max-macs ----------------------------------------------------------------

sniff_start c "$NSC" "$TAG"
snap
ml0=$(stat_get "$PD" mac_limit)
send_frames "$NSD" $S1 $BC 1 "$TAG-s1" + \
	$S2 $BC 1 "$TAG-s2" + \
	$S3 $BC 1 "$TAG-s3" + \
	$S1 $BC 1 "$TAG-s1again" + \
	$S3 $BC 2 "$TAG-s3again"
settle
sniff_stop c
snap
check_sniff "max-macs 2: 1st source passes" c "$TAG-s1" 1
check_sniff "max-macs 2: 2nd source passes" c "$TAG-s2" 1
check_sniff "max-macs 2: 3rd source is dropped" c "$TAG-s3" 0
check_sniff "max-macs 2: a known source still passes" c "$TAG-s1again" 1
check_sniff "max-macs 2: the 3rd source stays dropped" c "$TAG-s3again" 0
check_eq "$PD counted 3 mac_limit drops" "$(sub "$(stat_get "$PD" mac_limit)" "$ml0")" 3
check_eq "S1 and S2 learned on $PD, S3 not" \
	"$(fdb_get "$SW" 100 $S1 dev) $(fdb_get "$SW" 100 $S2 dev) $(fdb_get "$SW" 100 $S3 dev)" \
	"$PD $PD none"
check_eq "$PD counts 2 learned MACs" "$(port_get "$PD" learned)" 2
run "$KVS" port set dev "$PD" max-macs 3
snap
check_eq "$PD has max_macs 3 after port set" "$(port_get "$PD" max_macs)" 3
sniff_start c "$NSC" "$TAG"
send_frames "$NSD" $S3 $BC 1 "$TAG-s3raised"
settle
check_sniff "the 3rd source passes once max-macs is 3" c "$TAG-s3raised" 1
check_eq "S3 learned on $PD" "$(fdb_field "$SW" 100 $S3 dev)" "$PD"

# ---- learning off --------------------------------------------------------------

check "ping se -> sc with learning off on $PE" nsping "$NSE" 10.0.0.3 2
snap
check_eq "ME was not learned" "$(fdb_get "$SW" 100 $ME dev)" none
check_eq "$PE counts 0 learned MACs" "$(port_get "$PE" learned)" 0
run "$KVS" port set dev "$PE" learning on
check "ping se -> sc with learning back on" nsping "$NSE" 10.0.0.3 1
check_eq "ME learned on $PE after learning on" "$(fdb_field "$SW" 100 $ME dev)" "$PE"

# ---- a static MAC belongs to one port per network -------------------------------

mk_veth "k${PID}f" "$NSF" $MF
PF=k${PID}f
kvs_refused "port add with MA, static on $PA in the same network, is refused" "" \
	"$KVS" port add dev "$PF" switch "$SW" net 100 mac $MA
check_fail "$PF was not attached" port_listed "$PF"
mk_net "$SW" 200
check "port add with MA in another network is allowed" \
	"$KVS" port add dev "$PF" switch "$SW" net 200 mac $MA
snap
check_eq "MA is static in network 200 on $PF and still on $PA in 100" \
	"$(fdb_get "$SW" 200 $MA dev) $(fdb_get "$SW" 100 $MA dev)" "$PF $PA"

# ---- changing the MAC list -------------------------------------------------------

run "$KVS" port set dev "$PA" mac $MA mac $MA2
snap
IFS=, read -r -a macs <<<"$(port_get "$PA" macs)"
check_eq "$PA has the MAC list [MA, MA2]" "$(_sorted "${macs[@]}")" "$(_sorted $MA $MA2)"
check_eq "MA2 is a static fdb entry on $PA" "$(fdb_get "$SW" 100 $MA2 state)" static
run "$KVS" port set dev "$PA" mac none
snap
check_eq "$PA has an empty MAC list after mac none" "[$(port_get "$PA" macs)]" "[]"
check_eq "MA and MA2 are no longer static entries" \
	"$(fdb_get "$SW" 100 $MA state) $(fdb_get "$SW" 100 $MA2 state)" "none none"
sniff_start c "$NSC" "$TAG"
send_frames "$NSA" $MX $BC 1 "$TAG-free"
settle
check_sniff "without a MAC list, sa may send from any unicast MAC" c "$TAG-free" 1
check_eq "that source is learned on $PA" "$(fdb_field "$SW" 100 $MX dev)" "$PA"

# ---- events ----------------------------------------------------------------------

monitor_stop
check "kvs monitor reported a spoofed-src drop on $PA" \
	monitor_has "^drop spoofed-src dev $PA "
check "kvs monitor reported a mac-limit drop on $PD" \
	monitor_has "^drop mac-limit dev $PD "
check "kvs monitor reported S1 learned on $PD" \
	monitor_has "^fdb learned $S1 net 100 switch $SW dev $PD\$"
_diag_out "$(head -n 20 "$TMPD/monitor.log")"

tests_done
