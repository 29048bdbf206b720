#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# badinput.sh - every kind of wrong request is refused and changes nothing:
# through the CLI (missing, unknown, out-of-range and wrongly typed
# arguments; objects that do not exist or already exist; fabric ports and
# remote entries that do not fit: no local address, mixed address families,
# a local address the host does not have, a second fabric port, a VLAN
# fabric with networks above 4094 and the other way round, remote entries
# without a fabric, multicast remote MACs, flood-list members that are not
# there), then as raw netlink messages (kvs_nlraw). Each refusal must exit
# with one "Error: ..." line, and with 255 when the CLI refused it itself,
# 2 when the kernel did (kvs(8), EXIT STATUS); the state shown by
# `kvs -j {switch,net,port,fdb} show` must be the same before and after.
#
#  +-------------+     +-------------+
#  | netns v1    |     | netns v2    |
#  +------|------+     +------|------+
#  +------|------+            |
#  |     P1      |           P2 (not attached)
#  | mac M1      |
#  |  switch $SW, networks 100 and 200     U1, U2: uplinks (dummies, not
#  +-------------+                        attached; U1 has 192.0.2.1/24)
#  switch $SWV (made later): network 5000, then a VLAN fabric on U3 (dummy)

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
U1=k${PID}u1		# fabric uplinks: dummies (Ethernet, no peer needed)
U2=k${PID}u2
U3=k${PID}u3
SWV=k${PID}v
LOCAL=192.0.2.1		# configured on U1
NOADDR=198.51.100.77	# configured nowhere

mk_switch "$SW"
mk_net "$SW" 100
mk_net "$SW" 200
mk_vm "$NS1" "$SW" 100 10.0.0.1/24 $M1 mac $M1; P1=$VM_DEV
mk_veth "k${PID}f" "$NS2"
P2=k${PID}f
modprobe dummy 2>/dev/null
for u in "$U1" "$U2" "$U3"; do
	defer_link "$u"
done
ipb <<EOF
link add $U1 type dummy
link add $U2 type dummy
link add $U3 type dummy
link set dev $U1 addrgenmode none up
link set dev $U2 addrgenmode none up
link set dev $U3 addrgenmode none up
addr add $LOCAL/24 dev $U1
EOF

before=$(kvs_state)
check_match "the state shows $SW, its networks and $P1" \
	"\"$SW\".*\"$P1\"" "$(jq -c '[.switches[].ifname, .nets[].net, .ports[].ifname]' <<<"$before")"

# refused by kvs's own parser, before anything is sent: exit 255
u() { kvs_usage_err "kvs $*" "" "$KVS" "$@"; }		# any message
um() { local re=$1; shift; kvs_usage_err "kvs $*" "$re" "$KVS" "$@"; }	# message matching
# refused by the kernel: exit 2
k() { kvs_refused "kvs $*" "" "$KVS" "$@"; }
km() { local re=$1; shift; kvs_refused "kvs $*" "$re" "$KVS" "$@"; }

# ---- CLI: syntax ----------------------------------------------------------------

u bogus
u switch bogus
u switch add
u switch add "$NEW" bogus 1
u switch add "$NEW" ageing
u switch add "$NEW" ageing 1000001
u switch add "$NEW" ageing -1
u switch add "$NEW" ageing abc
u switch add "$NEW" ageing 1.5
u switch add kvsname16charsxx
u switch del
u switch set "$SW" ageing 1000001
u switch set "$SW" ageing -1
u switch set "$SW" ageing
u switch set "$SW" bogus 1
u net add
u net add 300
u net add 300 switch
u net add 0 switch "$SW"
u net add 16777216 switch "$SW"
u net add 4294967296 switch "$SW"
u net add -1 switch "$SW"
u net add abc switch "$SW"
u net add 300abc switch "$SW"
u net add 300 switch "$SW" name label-of-32-bytes-is-one-too-lon
u net add 300 switch "$SW" bogus x
u net del 100
u net del abc switch "$SW"
u net add 300 switch "$SW" max-macs -1
u net add 300 switch "$SW" max-macs abc
u net add 300 switch "$SW" max-macs 4294967296
u net set 100
u net set 100 switch "$SW"
u net set 100 switch "$SW" max-macs
u net set 100 switch "$SW" max-macs -1
u net set 100 switch "$SW" name x
u port add dev "$P2" switch "$SW"
u port add dev "$P2" net 100
u port add switch "$SW" net 100
u port add dev
u port add dev "$P2" switch "$SW" net 0
u port add dev "$P2" switch "$SW" net 16777216
u port add dev "$P2" switch "$SW" net abc
u port add dev "$P2" switch "$SW" net 100 learning maybe
u port add dev "$P2" switch "$SW" net 100 learning
u port add dev "$P2" switch "$SW" net 100 max-macs -1
u port add dev "$P2" switch "$SW" net 100 max-macs abc
u port add dev "$P2" switch "$SW" net 100 max-macs 4294967296
u port add dev "$P2" switch "$SW" net 100 mac 02:00:00:00:00
u port add dev "$P2" switch "$SW" net 100 mac 02:00:00:00:00:0g
u port add dev "$P2" switch "$SW" net 100 mac 02:00:00:00:00:01:02
u port add dev "$P2" switch "$SW" net 100 mac
u port add dev "$P2" switch "$SW" net 100 bogus 1
many=()
for i in $(seq 1 65); do
	many+=(mac "$(printf '02:00:00:61:00:%02x' "$i")")
done
kvs_usage_err "kvs port add ... with 65 MACs (more than 64)" "" \
	"$KVS" port add dev "$P2" switch "$SW" net 100 "${many[@]}"
u port set dev "$P1" learning maybe
u port set dev "$P1" max-macs -1
u port set dev "$P1" mac 02:00:00
u port set dev "$P1" bogus 1
u port set dev "$P1" group-fwd-mask
u port set dev "$P1" group-fwd-mask 0x10000
u port set dev "$P1" group-fwd-mask abc
u port set
u port del
u port show dev
u fdb add $MN net 100 switch "$SW"
u fdb add $MN net 100 switch "$SW" dev
u fdb add 02:00:00:00:00 net 100 switch "$SW" dev "$P1"
u fdb add $MN net 0 switch "$SW" dev "$P1"
u fdb add $MN net abc switch "$SW" dev "$P1"
u fdb add $MN switch "$SW" dev "$P1"
u fdb add $MN net 100 dev "$P1"
u fdb add $MN net 100 switch "$SW" dev "$P1" bogus
u fdb add $MN net 100 switch "$SW" remote not-an-address
u fdb del $MN net 100
u fdb show net abc
u stats show bogus x
# not a usage error, nor the kernel's: exit 1
kvs_err "kvs -n (no such namespace)" "" "$KVS" -n "kvs-bad-$PID-nosuch" switch show

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

# ---- CLI: fabric ports that do not fit, on a switch without one ---------------------

um 'local' port add dev "$U1" switch "$SW" fabric vxlan
um 'local' port add dev "$U1" switch "$SW" fabric vxlan remote 192.0.2.2 dstport 4789
um 'family' port add dev "$U1" switch "$SW" fabric vxlan local $LOCAL remote 2001:db8::2
um 'family' port add dev "$U1" switch "$SW" fabric vxlan local 2001:db8::1 remote 192.0.2.2
um 'dstport' port add dev "$U1" switch "$SW" fabric vxlan local $LOCAL dstport 0
um 'dstport' port add dev "$U1" switch "$SW" fabric vxlan local $LOCAL dstport 70000
um 'dstport' port add dev "$U1" switch "$SW" fabric vxlan local $LOCAL dstport -1
um 'dstport' port add dev "$U1" switch "$SW" fabric vxlan local $LOCAL dstport
um 'local' port add dev "$U1" switch "$SW" fabric vxlan local
um 'local' port add dev "$U1" switch "$SW" fabric vxlan local 192.0.2.300
um 'fabric' port add dev "$U1" switch "$SW" fabric bogus
um 'fabric' port add dev "$U1" switch "$SW" fabric
um 'vxlan' port add dev "$U1" switch "$SW" fabric vlan local $LOCAL
um 'vxlan' port add dev "$U1" switch "$SW" fabric vlan dstport 4789
um 'vxlan' port add dev "$U1" switch "$SW" net 100 local $LOCAL
um 'fabric' port add dev "$U1" switch "$SW" fabric vxlan local $LOCAL mac $MN
um 'fabric' port add dev "$U1" switch "$SW" fabric vxlan local $LOCAL max-macs 10
u port add dev "$U1" switch "$SW" fabric vxlan local $LOCAL net 100
# refused by the kernel
km 'local address' port add dev "$U1" switch "$SW" fabric vxlan local $NOADDR
km 'local address' port add dev "$U1" switch "$SW" fabric vxlan local 2001:db8::77
km 'fabric' fdb add $MN net 100 switch "$SW" remote 192.0.2.2
km 'fabric' fdb add 00:00:00:00:00:00 net 100 switch "$SW" remote 192.0.2.2

# ---- link-local groups that are never forwarded ------------------------------------

GFM='cannot forward STP, PAUSE or LACP'
km "$GFM" port set dev "$P1" group-fwd-mask 1
km "$GFM" port set dev "$P1" group-fwd-mask 0x2
km "$GFM" port set dev "$P1" group-fwd-mask 0x4004
km "$GFM" port add dev "$P2" switch "$SW" net 100 group-fwd-mask 0xffff

after=$(kvs_state)
check_eq "CLI refusals left the state unchanged" "$after" "$before"
check_fail "no switch $NEW was made" link_exists "$NEW"
check_eq "$P2 and $U1 are still unattached" "$(master_of "$P2") $(master_of "$U1")" "none none"

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

# ---- fabric ports and remote entries that do not fit ---------------------------------

must "$KVS" port add dev "$U1" switch "$SW" fabric vxlan local $LOCAL remote 192.0.2.2
must "$KVS" fdb add 00:00:00:00:00:00 net 100 switch "$SW" remote 192.0.2.3
mk_switch "$SWV"
mk_net "$SWV" 5000
before=$(kvs_state)
check_match "the state shows the fabric port $U1 and the flood-list member" \
	"\"$U1\".*\"192\\.0\\.2\\.3\"" "$(jq -c '[.ports[].ifname, .fdb[].remote]' <<<"$before")"

km 'already has a fabric port' port add dev "$U2" switch "$SW" fabric vxlan local $LOCAL dstport 4790
km 'already has a fabric port' port add dev "$U2" switch "$SW" fabric vlan
k port add dev "$U1" switch "$SW" fabric vxlan local $LOCAL dstport 4791
k port add dev "$U1" switch "$SW" net 100
km 'unicast' fdb add 01:00:5e:00:00:01 net 100 switch "$SW" remote 192.0.2.2
km 'unicast' fdb add ff:ff:ff:ff:ff:ff net 100 switch "$SW" remote 192.0.2.2
km 'family' fdb add $MN net 100 switch "$SW" remote 2001:db8::2
km 'family' fdb add 00:00:00:00:00:00 net 100 switch "$SW" remote 2001:db8::2
k fdb add $MN net 300 switch "$SW" remote 192.0.2.2
u fdb add $MN net 100 switch "$SW" remote 192.0.2.2 dev "$P1"
km 'flood list' \
	fdb del 00:00:00:00:00:00 net 100 switch "$SW" remote 192.0.2.9
km 'flood list' \
	fdb del 00:00:00:00:00:00 net 200 switch "$SW" remote 192.0.2.3
k fdb del $MN net 100 switch "$SW" remote 192.0.2.2
# The socket takes the datagrams of its own uplink only: another switch may use the same
# address and port on another uplink, but not a port that a socket of the host holds on
# every device (a Linux vxlan device's)
check "another switch, another uplink, the same local address and port" \
	"$KVS" port add dev "$U2" switch "$SWV" fabric vxlan local $LOCAL
must "$KVS" port del dev "$U2"
defer_link k${PID}vx
must ip link add k${PID}vx type vxlan id 42 local $LOCAL dstport 4791
must ip link set k${PID}vx up
km 'already in use' port add dev "$U2" switch "$SWV" fabric vxlan local $LOCAL dstport 4791
run ip link del k${PID}vx
check_eq "fabric refusals left the state unchanged" "$(kvs_state)" "$before"
check_eq "$U2 is still unattached" "$(master_of "$U2")" none
must "$KVS" port del dev "$U1"

# a VLAN fabric carries VIDs 1..4094: networks above that and the fabric exclude each other
before=$(kvs_state)
km '4094' port add dev "$U3" switch "$SWV" fabric vlan
check_eq "a VLAN fabric refused while network 5000 exists: nothing changed" "$(kvs_state)" "$before"
check_eq "$U3 is still unattached" "$(master_of "$U3")" none
must "$KVS" net del 5000 switch "$SWV"
must "$KVS" net add 4094 switch "$SWV"
must "$KVS" port add dev "$U3" switch "$SWV" fabric vlan
before=$(kvs_state)
km '4094' net add 5000 switch "$SWV"
km '4094' net add 4095 switch "$SWV"
km 'already has a fabric port' port add dev "$U2" switch "$SWV" fabric vlan
check_eq "networks above 4094 refused on a VLAN fabric switch: nothing changed" "$(kvs_state)" "$before"
must "$KVS" switch del "$SWV"
check_eq "$U3 is free again once $SWV is gone" "$(master_of "$U3")" none

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
