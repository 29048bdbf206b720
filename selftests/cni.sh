#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# cni.sh - the kvs CNI plugin (userspace/cni/kvs) driven exactly as a container
# runtime drives it: CNI_* environment, the network config on stdin, the result
# or error JSON on stdout; chained with the real host-local IPAM plugin
# (containernetworking-plugins, /usr/lib/cni) and talking to kvsd.
#
#   pod a (netns)  pod b (/proc/PID/ns/net)   pod c (netns)     pod d (netns)
#   10.77.10.x     10.77.10.y                 10.77.10.1xx      10.77.10.z
#     eth0            eth0                      eth0              eth0
#      |               |                         |                 |
#    kvsXXXX         kvsXXXX                   kvsXXXX           kvsXXXX
#  +---|---------------|-------------------------|-----------------|----+
#  |   network 10 (spoofcheck)               network 20         net 10  |
#  |                          switch $SW                     (no lock)  |
#  +---------------------------------------------------------------------+
#
# Pods a and b ping each other; c, in the same IP subnet but network 20, can
# ping neither; b sending from another MAC is dropped (spoofed-src). CHECK,
# DEL (twice, and after the netns is gone), the IPAM leases, VERSION and the
# error cases (each error is the spec's JSON on stdout with a non-zero exit).
#
# KVS_CNI: the plugin (default userspace/cni/kvs of this tree); CNI_PLUGIN_DIR:
# where host-local is (default /usr/lib/cni).

# shellcheck disable=SC2016,SC2317 # jq programs in single quotes; functions called through check
set -u
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

CNI=${KVS_CNI:-$SELFTEST_DIR/../userspace/cni/kvs}
CNI_DIR=${CNI_PLUGIN_DIR:-/usr/lib/cni}

kvs_require ping
[ -x "$CNI" ] || skip_all "$CNI missing (make -C userspace cni)"
[ -x "$CNI_DIR/host-local" ] ||
	skip_all "no $CNI_DIR/host-local (apt-get install containernetworking-plugins)"
kvs_load

SW=k${PID}s
NSA=kvs-cni-$PID-a
NSB=kvs-cni-$PID-b
NSC=kvs-cni-$PID-c
NSD=kvs-cni-$PID-d
SOCK=$TMPD/kvsd.sock
IPAMDIR=$TMPD/ipam
MTU=1400

mk_switch "$SW"
mk_net "$SW" 10
mk_net "$SW" 20
mk_ns "$NSA" "$NSB" "$NSC" "$NSD"

# ---- kvsd --------------------------------------------------------------------

command -v kvsd >/dev/null 2>&1 || skip_all "kvsd not found (make -C userspace)"
mkdir -p "$TMPD/kvsd"
: >"$TMPD/kvsd.conf"
echo "# + kvsd --config $TMPD/kvsd.conf --socket $SOCK --state-dir $TMPD/kvsd -f &"
kvsd --config "$TMPD/kvsd.conf" --socket "$SOCK" --state-dir "$TMPD/kvsd" -f \
	>"$TMPD/kvsd.log" 2>&1 &
KVSD_PID=$!
defer_pid $KVSD_PID
if ! check_within "kvsd listens on its socket" 10 test -S "$SOCK"; then
	_diag_out "$(cat "$TMPD/kvsd.log")"
	tests_done
fi

# ---- network configs ------------------------------------------------------------

# conf FILE NAME NET [JQ] : a network config, changed by the jq program JQ
conf() {
	local range='{"subnet": "10.77.10.0/24", "gateway": "10.77.10.1", "rangeEnd": "10.77.10.99"}'
	[ "$3" = 20 ] && range='{"subnet": "10.77.10.0/24", "rangeStart": "10.77.10.100"}'
	jq "${4:-.}" >"$TMPD/$1" <<-EOF
	{
		"cniVersion": "1.0.0",
		"name": "$2",
		"type": "kvs",
		"switch": "$SW",
		"net": $3,
		"socket": "$SOCK",
		"mtu": $MTU,
		"someUnknownKey": {"ignored": true},
		"ipam": {
			"type": "host-local",
			"dataDir": "$IPAMDIR",
			"ranges": [[$range]],
			"routes": [{"dst": "0.0.0.0/0"}]
		}
	}
	EOF
}
conf net10.json kvs-cni-10 10
conf net20.json kvs-cni-20 20 'del(.ipam.routes)'
conf net10-open.json kvs-cni-10 10 '.cniVersion = "0.4.0" | .spoofcheck = false'

CNI_OUT=
CNI_RC=
# cni CMD CID NETNS CONF [VAR=VALUE]... : run the plugin as a runtime does, with
# CNI_IFNAME=eth0 and CNI_PATH=$CNI_DIR, in an environment of these and PATH
# only; VAR=VALUE changes one, VAR= leaves it out (as does an empty CID or
# NETNS). Its stdout in CNI_OUT, its exit status in CNI_RC.
cni() {
	local conf=$4 kv envs=() v
	local -A ev=([CNI_COMMAND]=$1 [CNI_CONTAINERID]=$2 [CNI_NETNS]=$3 [CNI_IFNAME]=eth0
		     [CNI_PATH]=$CNI_DIR)
	shift 4
	for kv; do
		ev[${kv%%=*}]=${kv#*=}
	done
	for v in CNI_COMMAND CNI_CONTAINERID CNI_NETNS CNI_IFNAME CNI_PATH; do
		[ -n "${ev[$v]}" ] && envs+=("$v=${ev[$v]}")
	done
	echo "# + ${envs[*]} kvs < $conf"
	CNI_OUT=$(env -i PATH="$PATH" "${envs[@]}" "$CNI" <"$TMPD/$conf" 2>"$TMPD/cni.err")
	CNI_RC=$?
	_diag_out "$(cat "$TMPD/cni.err")"
}

# check_cni_ok DESC : the last run exited 0
check_cni_ok() {
	if [ "$CNI_RC" = 0 ]; then
		pass "$1"
		return 0
	fi
	fail "$1" "exit status $CNI_RC"
	_diag_out "$CNI_OUT"
	return 1
}

# check_cni_err DESC CODE : the last run exited non-zero and printed the CNI
# error JSON (cniVersion, msg, details) with CODE
check_cni_err() {
	if [ "$CNI_RC" != 0 ] && jq -e --argjson code "$2" '.code == $code and
	    (.cniVersion | type == "string") and (.msg | type == "string" and length > 0) and
	    (.details | type == "string")' <<<"$CNI_OUT" >/dev/null 2>&1; then
		pass "$1"
		return 0
	fi
	fail "$1" "exit status $CNI_RC, expected non-zero with error code $2"
	_diag_out "$CNI_OUT"
	return 1
}

# with_prev CONF RESULT NEWCONF : CONF with RESULT as its prevResult
with_prev() {
	jq --argjson r "$2" '. + {prevResult: $r}' "$TMPD/$1" >"$TMPD/$3"
}

# kvsd_ports : the devices kvsd's "list" has, sorted, on one line
kvsd_ports() {
	"$SELFTEST_DIR/kvs_rpc.py" "$SOCK" '{"op": "list"}' 2>&1 |
		jq -r '[.ports[].dev] | sort | join(" ")' 2>&1
}

# leases NAME : the addresses host-local holds for network NAME
leases() {
	local f out=()
	for f in "$IPAMDIR/$1"/*; do
		[[ ${f##*/} =~ ^[0-9.]+$ ]] && out+=("${f##*/}")
	done
	echo "${out[*]}"
}

# ---- VERSION ------------------------------------------------------------------------

echo '{"cniVersion": "1.0.0"}' >"$TMPD/version.json"
cni VERSION "" "" version.json CNI_IFNAME= CNI_PATH=
check_cni_ok "VERSION succeeds"
check_eq "VERSION: cniVersion 1.0.0, supports 0.3.1, 0.4.0 and 1.0.0" \
	"$(jq -c '[.cniVersion, (.supportedVersions | index("0.3.1") != null),
		   (.supportedVersions | index("0.4.0") != null),
		   (.supportedVersions | index("1.0.0") != null)]' <<<"$CNI_OUT" 2>&1)" \
	'["1.0.0",true,true,true]'

# ---- ADD ---------------------------------------------------------------------------------

# add POD CID NETNS-PATH CONF : ADD, its result in RES[POD], the host end in HOST[POD]
declare -A RES HOST
add() {
	cni ADD "$2" "$3" "$4"
	RES[$1]=$CNI_OUT
	HOST[$1]=$(jq -r '.interfaces[0].name // "none"' <<<"$CNI_OUT" 2>/dev/null)
	[ -n "${HOST[$1]}" ] && [ "${HOST[$1]}" != none ] && defer_link "${HOST[$1]}"
	check_cni_ok "ADD pod $1 ($4)"
}

add a "cid-$PID-a" "/run/netns/$NSA" net10.json
# pod b's netns is given as /proc/PID/ns/net of a process in it
ip netns exec "$NSB" sleep 600 &
SLEEP_B=$!
defer_pid $SLEEP_B
# in_ns PID NETNS : process PID has entered NETNS
in_ns() { [ "$(stat -L -c %i "/proc/$1/ns/net")" = "$(stat -L -c %i "/run/netns/$2")" ]; }
wait_until 10 in_ns $SLEEP_B "$NSB" || diag "the sleep in $NSB did not start"
add b "cid-$PID-b" "/proc/$SLEEP_B/ns/net" net10.json
add c "cid-$PID-c" "/run/netns/$NSC" net20.json

R=${RES[a]}
check_eq "result: cniVersion 1.0.0, 2 interfaces, the host end first (no sandbox), eth0 in the netns" \
	"$(jq -c '[.cniVersion, (.interfaces | length), (.interfaces[0] | has("sandbox")),
		   .interfaces[1].name, .interfaces[1].sandbox]' <<<"$R" 2>&1)" \
	"[\"1.0.0\",2,false,\"eth0\",\"/run/netns/$NSA\"]"
check_match "result: the host end is kvs + 12 hex digits" '^kvs[0-9a-f]{12}$' "${HOST[a]}"
check_eq "result: both MACs are MACs" \
	"$(jq -r '[.interfaces[].mac | test("^([0-9a-f]{2}:){5}[0-9a-f]{2}$")] | all' <<<"$R" 2>&1)" true
check_eq "result: one IPv4 address of the range on interface 1, gateway, no \"version\" (1.0.0)" \
	"$(jq -c '[(.ips | length), (.ips[0].address | test("^10\\.77\\.10\\.([2-9]|[1-9][0-9])/24$")),
		   .ips[0].gateway, .ips[0].interface, (.ips[0] | has("version"))]' <<<"$R" 2>&1)" \
	'[1,true,"10.77.10.1",1,false]'
check_eq "result: the default route of the IPAM config" \
	"$(jq -c '.routes' <<<"$R" 2>&1)" '[{"dst":"0.0.0.0/0"}]'
check_eq "result of pod c: an address of network 20's range, no route" \
	"$(jq -c '[(.ips[0].address | test("^10\\.77\\.10\\.1[0-9][0-9]/24$")), (.routes // [] | length)]' \
	   <<<"${RES[c]}" 2>&1)" '[true,0]'
check_eq "result of pod b: the sandbox is the /proc path given" \
	"$(jq -r '.interfaces[1].sandbox' <<<"${RES[b]}" 2>&1)" "/proc/$SLEEP_B/ns/net"

IPA=$(jq -r '.ips[0].address' <<<"${RES[a]}" 2>/dev/null)
IPB=$(jq -r '.ips[0].address' <<<"${RES[b]}" 2>/dev/null)
IPC=$(jq -r '.ips[0].address' <<<"${RES[c]}" 2>/dev/null)
MACA=$(jq -r '.interfaces[1].mac' <<<"${RES[a]}" 2>/dev/null)
MACB=$(jq -r '.interfaces[1].mac' <<<"${RES[b]}" 2>/dev/null)

txt=$(ip -n "$NSA" -o addr show dev eth0 2>&1)
check_match "pod a: eth0 has $IPA" "inet ${IPA//./\\.} " "$txt"
check_eq "pod a: eth0 has the MAC of the result" "$(mac_of "$NSA")" "$MACA"
txt=$(ip -n "$NSA" -o link show dev eth0 2>&1)
check_match "pod a: eth0 is up with MTU $MTU" "mtu $MTU .*state UP|,UP.*mtu $MTU" "$txt"
txt=$(ip -n "$NSA" route show default 2>&1)
check_match "pod a: default route via the gateway" '^default via 10\.77\.10\.1 dev eth0' "$txt"
txt=$(ip -o link show dev "${HOST[a]}" 2>&1)
check_match "the host end ${HOST[a]} is up with MTU $MTU" "mtu $MTU .*state UP|,UP.*mtu $MTU" "$txt"

snap
check_eq "kvs port show: pod a's host end in network 10 of $SW, learning off" \
	"$(port_get "${HOST[a]}" switch) $(port_get "${HOST[a]}" net) $(port_get "${HOST[a]}" learning)" \
	"$SW 10 false"
check_eq "kvs port show: pod a's host end is locked to eth0's MAC" "$(port_get "${HOST[a]}" macs)" "$MACA"
check_eq "kvs port show: pod b's host end in network 10, locked to its MAC" \
	"$(port_get "${HOST[b]}" net) $(port_get "${HOST[b]}" macs)" "10 $MACB"
check_eq "kvs port show: pod c's host end in network 20" "$(port_get "${HOST[c]}" net)" 20
if command -v python3 >/dev/null 2>&1; then
	check_eq "kvsd lists the three host ends" "$(kvsd_ports)" \
		"$(_sorted "${HOST[a]}" "${HOST[b]}" "${HOST[c]}")"
else
	skip "kvsd lists the three host ends" "no python3"
fi

# ---- traffic -------------------------------------------------------------------------------

check "ping pod a -> pod b (network 10)" nsping "$NSA" "${IPB%/*}"
check "ping pod b -> pod a (network 10)" nsping "$NSB" "${IPA%/*}"
check "ping pod c (network 20) -> pod a fails" nsping_none "$NSC" "${IPA%/*}"
check "ping pod c (network 20) -> pod b fails" nsping_none "$NSC" "${IPB%/*}"
check "ping pod a -> pod c (network 20) fails" nsping_none "$NSA" "${IPC%/*}"

# pod b sends from another MAC: dropped at its port
SPOOF=02:00:00:77:00:0b
snap
spoofed0=$(stat_get "${HOST[b]}" spoofed_src)
ipb -n "$NSB" <<<"link set dev eth0 address $SPOOF
neigh flush dev eth0"
run ip -n "$NSA" neigh flush dev eth0
check "ping pod b -> pod a from a spoofed MAC fails" nsping_none "$NSB" "${IPA%/*}"
snap
check_ge "the spoofed frames are counted as spoofed-src on pod b's port" \
	"$(sub "$(stat_get "${HOST[b]}" spoofed_src)" "$spoofed0")" 1
ipb -n "$NSB" <<<"link set dev eth0 address $MACB
neigh flush dev eth0"
check "ping pod b -> pod a with its own MAC again" nsping "$NSB" "${IPA%/*}"

# ---- an interface that exists already ------------------------------------------------------

cni ADD "cid-$PID-a2" "/run/netns/$NSA" net10.json
check_cni_err "ADD into a netns that has eth0 already fails" 100
check_eq "... and takes no address" "$(leases kvs-cni-10 | wc -w)" 2

# ---- spoofcheck off, config version 0.4.0 ---------------------------------------------------

add d "cid-$PID-d" "/run/netns/$NSD" net10-open.json
check_eq "0.4.0 result: cniVersion 0.4.0, ips with \"version\": \"4\"" \
	"$(jq -c '[.cniVersion, .ips[0].version, .ips[0].interface]' <<<"${RES[d]}" 2>&1)" \
	'["0.4.0","4",1]'
snap
check_eq "spoofcheck off: no MAC lock, learning on" \
	"$(port_get "${HOST[d]}" macs)|$(port_get "${HOST[d]}" learning)" "|true"
run ip -n "$NSD" link set dev eth0 address 02:00:00:77:00:0d
check "spoofcheck off: pod d pings pod a from any MAC" nsping "$NSD" "${IPA%/*}"
run ip -n "$NSA" neigh flush dev eth0
cni DEL "cid-$PID-d" "/run/netns/$NSD" net10-open.json
check_cni_ok "DEL pod d"

# ---- CHECK -----------------------------------------------------------------------------------

with_prev net10.json "${RES[a]}" check-a.json
cni CHECK "cid-$PID-a" "/run/netns/$NSA" check-a.json
check_cni_ok "CHECK pod a passes"
check_eq "CHECK prints nothing on success" "$CNI_OUT" ""
with_prev net10.json "${RES[b]}" check-b.json
cni CHECK "cid-$PID-b" "/proc/$SLEEP_B/ns/net" check-b.json
check_cni_ok "CHECK pod b passes"
cni CHECK "cid-$PID-a" "/run/netns/$NSA" net10.json
check_cni_err "CHECK without prevResult fails (invalid config)" 7
run ip -n "$NSA" addr del "$IPA" dev eth0
cni CHECK "cid-$PID-a" "/run/netns/$NSA" check-a.json
check_cni_err "CHECK fails once pod a's address is removed" 104
run ip -n "$NSA" addr add "$IPA" dev eth0
run ip -n "$NSA" route add default via 10.77.10.1 dev eth0
cni CHECK "cid-$PID-a" "/run/netns/$NSA" check-a.json
check_cni_ok "CHECK passes again with the address and route back"

# ---- DEL -------------------------------------------------------------------------------------

cni DEL "cid-$PID-a" "/run/netns/$NSA" check-a.json
check_cni_ok "DEL pod a"
check_eq "DEL pod a: the host end is gone" "$(link_exists "${HOST[a]}" && echo yes || echo no)" no
check_eq "DEL pod a: eth0 is gone from its netns" \
	"$(ip -n "$NSA" link show dev eth0 >/dev/null 2>&1 && echo yes || echo no)" no
snap
check_eq "DEL pod a: kvs port show has no port ${HOST[a]}" "$(port_get "${HOST[a]}" net)" none
cni DEL "cid-$PID-a" "/run/netns/$NSA" check-a.json
check_cni_ok "DEL pod a a second time succeeds"
cni DEL "cid-$PID-a" "" net10.json
check_cni_ok "DEL pod a without CNI_NETNS nor prevResult succeeds"

# pod b: its netns goes away first (the process and the name), then DEL
kill "$SLEEP_B" 2>/dev/null
wait "$SLEEP_B" 2>/dev/null
run ip netns del "$NSB"
check_within "pod b's host end disappears with its netns" 20 eval "! link_exists ${HOST[b]}"
cni DEL "cid-$PID-b" "/proc/$SLEEP_B/ns/net" check-b.json
check_cni_ok "DEL pod b after its netns is gone succeeds"
cni DEL "cid-$PID-c" "/run/netns/$NSC" net20.json
check_cni_ok "DEL pod c"

check_eq "host-local released every lease of network 10" "$(leases kvs-cni-10)" ""
check_eq "host-local released every lease of network 20" "$(leases kvs-cni-20)" ""
snap
check_eq "no kvs port left on $SW" "$(snap_count P 2="$SW")" 0
if command -v python3 >/dev/null 2>&1; then
	check_eq "kvsd has no attachment left" "$(kvsd_ports)" ""
else
	skip "kvsd has no attachment left" "no python3"
fi

# ---- errors ----------------------------------------------------------------------------------

cni ADD "cid-$PID-e" "/run/netns/$NSA" net10.json CNI_COMMAND=
check_cni_err "no CNI_COMMAND: error 4" 4
cni ADD "cid-$PID-e" "/run/netns/$NSA" net10.json CNI_IFNAME=
check_cni_err "no CNI_IFNAME: error 4" 4
cni ADD "cid-$PID-e" "" net10.json
check_cni_err "ADD without CNI_NETNS: error 4" 4
cni ADD "-bad/id" "/run/netns/$NSA" net10.json
check_cni_err "an invalid CNI_CONTAINERID: error 4" 4
cni ADD "cid-$PID-e" "/run/netns/kvs-cni-$PID-none" net10.json
check_cni_err "a netns that does not exist: error 3" 3
printf '{"cniVersion": "1.0.0", "name": ' >"$TMPD/bad.json"
cni ADD "cid-$PID-e" "/run/netns/$NSA" bad.json
check_cni_err "a config that is not JSON: error 6" 6
conf noswitch.json kvs-cni-10 10 'del(.switch)'
cni ADD "cid-$PID-e" "/run/netns/$NSA" noswitch.json
check_cni_err "a config without \"switch\": error 7" 7
conf badnet.json kvs-cni-10 10 '.net = 16777216'
cni ADD "cid-$PID-e" "/run/netns/$NSA" badnet.json
check_cni_err "a config with net 16777216: error 7" 7
conf v2.json kvs-cni-10 10 '.cniVersion = "2.0.0"'
cni ADD "cid-$PID-e" "/run/netns/$NSA" v2.json
check_cni_err "cniVersion 2.0.0: error 1" 1
conf nokvsd.json kvs-cni-10 10 ".socket = \"$TMPD/none.sock\""
cni ADD "cid-$PID-e" "/run/netns/$NSA" nokvsd.json
check_cni_err "kvsd not running: error 11 (try again later)" 11
conf noipam.json kvs-cni-10 10 '.ipam.type = "kvs-no-such-ipam"'
cni ADD "cid-$PID-e" "/run/netns/$NSA" noipam.json
check_cni_err "an IPAM plugin that does not exist: error 103" 103
snap
check_eq "the failed ADDs left no veth, no kvs port and no lease" \
	"$(ip -o link show type veth | grep -c ' kvs[0-9a-f]\{12\}@') $(snap_count P 2="$SW") $(leases kvs-cni-10 | wc -w)" \
	"0 0 0"

# kvsd stops: ADD says try again later and undoes nothing it has not done
kill "$KVSD_PID" 2>/dev/null
wait "$KVSD_PID" 2>/dev/null
cni ADD "cid-$PID-e" "/run/netns/$NSA" net10.json
check_cni_err "ADD with kvsd stopped: error 11" 11
check_eq "... and no veth and no lease are left behind" \
	"$(ip -o link show type veth | grep -c ' kvs[0-9a-f]\{12\}@') $(leases kvs-cni-10 | wc -w)" "0 0"

tests_done
