#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# badinput.sh - every kind of wrong request is refused and changes nothing:
# through the CLI (missing, unknown, out-of-range and wrongly typed
# arguments; objects that do not exist or already exist; the fabric forms
# that are not supported yet), then as raw netlink messages (kvs_nlraw).
# Each refusal must exit 1 with one "Error: ..." line; the state shown by
# `kvs -j {switch,net,port,fdb} show` must be the same before and after.
#
#  +-------------+     +-------------+
#  | netns v1    |     | netns v2    |
#  +------|------+     +------|------+
#  +------|------+            |
#  |     P1      |           P2 (not attached)
#  | mac M1      |
#  |  switch $SW, networks 100 and 200
#  +-------------+

# shellcheck disable=SC2016,SC2317 # jq programs in single quotes; functions called through check

set -u
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

kvs_require nlraw
kvs_load

SW=k${PID}s
NEW=k${PID}x		# a name that must never come to exist
NS1=kvs-bad-$PID-1
NS2=kvs-bad-$PID-2
M1=02:00:00:60:00:01
MN=02:00:00:60:00:99
UNSUP='not supported'

mk_switch "$SW"
mk_net "$SW" 100
mk_net "$SW" 200
mk_vm "$NS1" "$SW" 100 10.0.0.1/24 $M1 mac $M1; P1=$VM_DEV
mk_veth "k${PID}f" "$NS2"
P2=k${PID}f

before=$(kvs_state)
check_match "the state shows $SW, its networks and $P1" \
	"\"$SW\".*\"$P1\"" "$(jq -c '[.switches[].name, .nets[].id, .ports[].dev]' <<<"$before")"

k() { kvs_err "kvs $*" "" "$KVS" "$@"; }		# any message
km() { local re=$1; shift; kvs_err "kvs $*" "$re" "$KVS" "$@"; }	# message matching

# ---- CLI: syntax ----------------------------------------------------------------

k bogus
k switch bogus
k switch add
k switch add "$NEW" bogus 1
k switch add "$NEW" ageing
k switch add "$NEW" ageing 1000001
k switch add "$NEW" ageing -1
k switch add "$NEW" ageing abc
k switch add "$NEW" ageing 1.5
k switch add kvsname16charsxx
k switch del
k switch set "$SW" ageing 1000001
k switch set "$SW" ageing -1
k switch set "$SW" ageing
k switch set "$SW" bogus 1
k net add
k net add 300
k net add 300 switch
k net add 0 switch "$SW"
k net add 16777216 switch "$SW"
k net add 4294967296 switch "$SW"
k net add -1 switch "$SW"
k net add abc switch "$SW"
k net add 300abc switch "$SW"
k net add 300 switch "$SW" name label-of-32-bytes-is-one-too-lon
k net add 300 switch "$SW" bogus x
k net del 100
k net del abc switch "$SW"
k net add 300 switch "$SW" max-macs -1
k net add 300 switch "$SW" max-macs abc
k net add 300 switch "$SW" max-macs 4294967296
k net set 100
k net set 100 switch "$SW"
k net set 100 switch "$SW" max-macs
k net set 100 switch "$SW" max-macs -1
k net set 100 switch "$SW" name x
k port add dev "$P2" switch "$SW"
k port add dev "$P2" net 100
k port add switch "$SW" net 100
k port add dev
k port add dev "$P2" switch "$SW" net 0
k port add dev "$P2" switch "$SW" net 16777216
k port add dev "$P2" switch "$SW" net abc
k port add dev "$P2" switch "$SW" net 100 learning maybe
k port add dev "$P2" switch "$SW" net 100 learning
k port add dev "$P2" switch "$SW" net 100 max-macs -1
k port add dev "$P2" switch "$SW" net 100 max-macs abc
k port add dev "$P2" switch "$SW" net 100 max-macs 4294967296
k port add dev "$P2" switch "$SW" net 100 mac 02:00:00:00:00
k port add dev "$P2" switch "$SW" net 100 mac 02:00:00:00:00:0g
k port add dev "$P2" switch "$SW" net 100 mac 02:00:00:00:00:01:02
k port add dev "$P2" switch "$SW" net 100 mac
k port add dev "$P2" switch "$SW" net 100 bogus 1
many=()
for i in $(seq 1 65); do
	many+=(mac "$(printf '02:00:00:61:00:%02x' "$i")")
done
kvs_err "kvs port add ... with 65 MACs (more than 64)" "" \
	"$KVS" port add dev "$P2" switch "$SW" net 100 "${many[@]}"
k port set dev "$P1" learning maybe
k port set dev "$P1" max-macs -1
k port set dev "$P1" mac 02:00:00
k port set dev "$P1" bogus 1
k port set dev "$P1" group-fwd-mask
k port set dev "$P1" group-fwd-mask 0x10000
k port set dev "$P1" group-fwd-mask abc
k port set
k port del
k port show dev
k fdb add $MN net 100 switch "$SW"
k fdb add $MN net 100 switch "$SW" dev
k fdb add 02:00:00:00:00 net 100 switch "$SW" dev "$P1"
k fdb add $MN net 0 switch "$SW" dev "$P1"
k fdb add $MN net abc switch "$SW" dev "$P1"
k fdb add $MN switch "$SW" dev "$P1"
k fdb add $MN net 100 dev "$P1"
k fdb add $MN net 100 switch "$SW" dev "$P1" bogus
k fdb add $MN net 100 switch "$SW" remote not-an-address
k fdb del $MN net 100
k fdb show net abc
k stats show bogus x
k -n "kvs-bad-$PID-nosuch" switch show

# ---- CLI: objects that do not exist, exist already, or do not fit --------------

k switch add "$SW"
k switch add "$P2"
k switch del "$NEW"
k switch set "$NEW" ageing 10
k net add 100 switch "$SW"
k net add 300 switch "$NEW"
k net del 300 switch "$SW"
k net del 100 switch "$NEW"
k net set 300 switch "$SW" max-macs 10
k net set 100 switch "$NEW" max-macs 10
k port add dev "$P2" switch "$SW" net 300
k port add dev "$P2" switch "$NEW" net 100
k port add dev "k${PID}nosuch" switch "$SW" net 100
k port add dev "$P1" switch "$SW" net 100
k port set dev "$P2" learning off
k port set dev "k${PID}nosuch" learning off
k port del dev "$P2"
k port del dev "k${PID}nosuch"
k port show dev "k${PID}nosuch"
k fdb add $MN net 100 switch "$SW" dev "$P2"
k fdb add $MN net 200 switch "$SW" dev "$P1"
k fdb add $MN net 300 switch "$SW" dev "$P1"
k fdb add $MN net 100 switch "$NEW" dev "$P1"
k fdb del $MN net 100 switch "$SW"
k stats show dev "$P2"
k stats show switch "$NEW"

# ---- CLI: fabric forms, not supported yet ----------------------------------------

km "$UNSUP" port add dev "$P2" switch "$SW" fabric vxlan local 192.0.2.1
km "$UNSUP" port add dev "$P2" switch "$SW" fabric vxlan local 192.0.2.1 remote 192.0.2.2 dstport 4789
km "$UNSUP" port add dev "$P2" switch "$SW" fabric vlan
km "$UNSUP" fdb add $MN net 100 switch "$SW" remote 192.0.2.2
km "$UNSUP" port set dev "$P1" bum-limit 100

# ---- link-local groups that are never forwarded ------------------------------------

GFM='cannot forward STP, PAUSE or LACP'
km "$GFM" port set dev "$P1" group-fwd-mask 1
km "$GFM" port set dev "$P1" group-fwd-mask 0x2
km "$GFM" port set dev "$P1" group-fwd-mask 0x4004
km "$GFM" port add dev "$P2" switch "$SW" net 100 group-fwd-mask 0xffff

after=$(kvs_state)
check_eq "CLI refusals left the state unchanged" "$after" "$before"
check_fail "no switch $NEW was made" link_exists "$NEW"
check_eq "$P2 is still unattached" "$(master_of "$P2")" none

# ---- raw netlink ------------------------------------------------------------------

echo "# + $KVS_NLRAW -s $SW -n 100 -p $P1 -d $P2"
out=$("$KVS_NLRAW" -s "$SW" -n 100 -p "$P1" -d "$P2" 2>&1)
rc=$?
_diag_out "$out"
check_eq "kvs_nlraw: every malformed request refused as expected" "$rc" 0
check_ge "kvs_nlraw ran its tests" "$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' <<<"$out")" 60
check_eq "kvs_nlraw: no failed check" "$(grep -c '^not ok' <<<"$out")" 0
after=$(kvs_state)
check_eq "raw requests left the state unchanged" "$after" "$before"
check_eq "M1 is still a static entry of $P1" "$(fdb_field "$SW" 100 $M1 dev) $(fdb_field "$SW" 100 $M1 state)" "$P1 static"

# ---- at most KVS_NETS_MAX (4096) networks per switch -----------------------------------

SWN=k${PID}n
mk_switch "$SWN"
awk -v sw="$SWN" 'BEGIN { for (i = 1; i <= 4096; i++) printf "net add %d switch %s\n", i, sw }' \
	>"$TMPD/nets"
must "$KVS" -b "$TMPD/nets"
km "too many networks" net add 4097 switch "$SWN"
check_eq "$SWN has 4096 networks" "$(kj net show switch "$SWN" | jq length)" 4096
must "$KVS" switch del "$SWN"

tests_done
