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
# Spec 1.1.0 and issue 19: pods e (runtimeConfig.mac) and f (CNI_ARGS MAC=)
# get the runtime's MAC, locked; pod g has the tuning plugin chained after
# kvs with the same runtimeConfig.mac and stays reachable; pod h has no IPAM
# and no CNI_PATH; STATUS; GC removes f (not in cni.dev/valid-attachments)
# and keeps the others. With kvsd stopped: STATUS fails (50), CHECK says try
# again (11), DEL of pod k succeeds and leaves a detach record that kvsd
# collects when it is back. With the module unloaded: STATUS fails, ADD fails
# (11) and leaves nothing behind.
#
# Needing kvsd's side of issue 19 ("tag" kept and listed, detach records
# read): GC's removal and the collection of the detach record.
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
NSE=kvs-cni-$PID-e
NSF=kvs-cni-$PID-f
NSG=kvs-cni-$PID-g
NSK=kvs-cni-$PID-k
SOCK=$TMPD/kvsd.sock
IPAMDIR=$TMPD/ipam
MTU=1400

mk_switch "$SW"
mk_net "$SW" 10
mk_net "$SW" 20
mk_ns "$NSA" "$NSB" "$NSC" "$NSD" "$NSE" "$NSF" "$NSG" "$NSK"

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
# the detach records of a DEL without kvsd: next to its socket
RECORDS=$TMPD/detach

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
# only; VAR=VALUE changes one (or sets CNI_ARGS), VAR= leaves it out (as does
# an empty CID or NETNS); PLUGIN=FILE runs another plugin. Its stdout in
# CNI_OUT, its exit status in CNI_RC.
cni() {
	local conf=$4 kv envs=() v
	local -A ev=([CNI_COMMAND]=$1 [CNI_CONTAINERID]=$2 [CNI_NETNS]=$3 [CNI_IFNAME]=eth0
		     [CNI_PATH]=$CNI_DIR [CNI_ARGS]="" [PLUGIN]=$CNI)
	shift 4
	for kv; do
		ev[${kv%%=*}]=${kv#*=}
	done
	for v in CNI_COMMAND CNI_CONTAINERID CNI_NETNS CNI_IFNAME CNI_PATH CNI_ARGS; do
		[ -n "${ev[$v]}" ] && envs+=("$v=${ev[$v]}")
	done
	echo "# + ${envs[*]} ${ev[PLUGIN]##*/} < $conf"
	CNI_OUT=$(env -i PATH="$PATH" "${envs[@]}" "${ev[PLUGIN]}" <"$TMPD/$conf" 2>"$TMPD/cni.err")
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

# kvsd_module : kvsd's health says the module is loaded
kvsd_module() {
	[ "$("$SELFTEST_DIR/kvs_rpc.py" "$SOCK" '{"op": "health"}' 2>/dev/null |
		jq -r .module 2>/dev/null)" = true ]
}

# kvs_veths : how many veths named as the plugin names host ends there are
kvs_veths() { ip -o link show type veth | grep -c ' kvs[0-9a-f]\{12\}@'; }

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
echo '{"cniVersion": "1.1.0"}' >"$TMPD/version11.json"
cni VERSION "" "" version11.json CNI_IFNAME= CNI_PATH=
check_eq "VERSION of 1.1.0: cniVersion 1.1.0, 1.1.0 supported" \
	"$(jq -c '[.cniVersion, (.supportedVersions | index("1.1.0") != null)]' <<<"$CNI_OUT" 2>&1)" \
	'["1.1.0",true]'

# ---- ADD ---------------------------------------------------------------------------------

# add POD CID NETNS-PATH CONF [VAR=VALUE]... : ADD, its result in RES[POD], the
# host end in HOST[POD]
declare -A RES HOST
add() {
	local pod=$1
	shift
	cni ADD "$@"
	RES[$pod]=$CNI_OUT
	HOST[$pod]=$(jq -r '.interfaces[0].name // "none"' <<<"$CNI_OUT" 2>/dev/null)
	[ -n "${HOST[$pod]}" ] && [ "${HOST[$pod]}" != none ] && defer_link "${HOST[$pod]}"
	check_cni_ok "ADD pod $pod ($3${4:+ $4})"
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

# ---- spec 1.1.0 and the runtime's MAC --------------------------------------------------------

MACE=02:00:00:77:00:0e
MACF=02:00:00:77:00:0f
MACG=02:00:00:77:00:10
conf net10-v11.json kvs-cni-10 10 '.cniVersion = "1.1.0"'
conf net10-mac.json kvs-cni-10 10 ".cniVersion = \"1.1.0\" | .runtimeConfig = {mac: \"$MACE\"}"

# check_locked POD NETNS MAC : eth0 has MAC, the port allows MAC only, and a
# frame from another MAC is dropped (counted as spoofed-src) while MAC passes
check_locked() {
	local pod=$1 ns=$2 mac=$3 spoofed0
	check_eq "pod $pod: eth0 has the runtime's MAC $mac" "$(mac_of "$ns")" "$mac"
	check_eq "pod $pod: the result says so" \
		"$(jq -r '.interfaces[1].mac' <<<"${RES[$pod]}" 2>&1)" "$mac"
	snap
	check_eq "pod $pod: its port is locked to $mac, learning off" \
		"$(port_get "${HOST[$pod]}" macs) $(port_get "${HOST[$pod]}" learning)" "$mac false"
	check "ping pod $pod -> pod a" nsping "$ns" "${IPA%/*}"
	spoofed0=$(stat_get "${HOST[$pod]}" spoofed_src)
	# (run, not ipb: without the pod the checks fail, the test goes on)
	run ip -n "$ns" link set dev eth0 address 02:00:00:77:01:ff
	run ip -n "$ns" neigh flush dev eth0
	run ip -n "$NSA" neigh flush dev eth0
	check "pod $pod from another MAC: no reply" nsping_none "$ns" "${IPA%/*}"
	snap
	check_ge "... its frames are counted as spoofed-src on pod $pod's port" \
		"$(sub "$(stat_get "${HOST[$pod]}" spoofed_src)" "$spoofed0")" 1
	run ip -n "$ns" link set dev eth0 address "$mac"
	run ip -n "$ns" neigh flush dev eth0
	run ip -n "$NSA" neigh flush dev eth0
	check "pod $pod with its own MAC again: ping pod a" nsping "$ns" "${IPA%/*}"
}

add e "cid-$PID-e" "/run/netns/$NSE" net10-mac.json
check_eq "cniVersion 1.1.0: the result is 1.1.0 with an address" \
	"$(jq -c '[.cniVersion, (.ips | length)]' <<<"${RES[e]}" 2>&1)" '["1.1.0",1]'
check_locked e "$NSE" "$MACE"

# CNI_ARGS as the reference plugins read it: an unknown key is an error
# without IgnoreUnknown (host-local, which also reads CNI_ARGS, agrees)
veths0=$(kvs_veths)
leases0=$(leases kvs-cni-10 | wc -w)
cni ADD "cid-$PID-f" "/run/netns/$NSF" net10.json "CNI_ARGS=MAC=$MACF;K8S_POD_NAME=f"
check_cni_err "CNI_ARGS with an unknown key and no IgnoreUnknown: error 4" 4
check_eq "... and nothing is left behind (veth, eth0, lease)" \
	"$(kvs_veths) $(mac_of "$NSF" 2>/dev/null) $(leases kvs-cni-10 | wc -w)" "$veths0 none $leases0"
cni ADD "cid-$PID-f" "/run/netns/$NSF" net10.json "CNI_ARGS=IgnoreUnknown=1;MAC=01:00:5e:00:00:01"
check_cni_err "CNI_ARGS MAC= a multicast address: error 4" 4
add f "cid-$PID-f" "/run/netns/$NSF" net10.json "CNI_ARGS=IgnoreUnknown=1;K8S_POD_NAME=f;MAC=$MACF"
check_locked f "$NSF" "$MACF"

# runtimeConfig.mac wins over CNI_ARGS, as in bridge and tuning
conf net10-both.json kvs-cni-10 10 ".runtimeConfig = {mac: \"$MACG\"}"
cni ADD "cid-$PID-g" "/run/netns/$NSG" net10-both.json "CNI_ARGS=IgnoreUnknown=1;MAC=$MACF"
check_cni_ok "ADD with runtimeConfig.mac and CNI_ARGS MAC="
check_eq "... eth0 has runtimeConfig's MAC" "$(mac_of "$NSG")" "$MACG"
cni DEL "cid-$PID-g" "/run/netns/$NSG" net10-both.json
check_cni_ok "DEL of that pod"

# tuning chained after kvs, both given the runtime's MAC (the "mac" capability):
# tuning finds eth0 with that MAC already, the lock holds and the pod is reachable
if [ -x "$CNI_DIR/tuning" ]; then
	add g "cid-$PID-g" "/run/netns/$NSG" net10-both.json
	IPG=$(jq -r '.ips[0].address' <<<"${RES[g]}" 2>/dev/null)
	jq -n --arg m "$MACG" --arg d "$TMPD/tuning" --argjson r "${RES[g]:-null}" \
		'{cniVersion: "1.0.0", name: "kvs-cni-10", type: "tuning", dataDir: $d,
		  runtimeConfig: {mac: $m}, prevResult: $r}' >"$TMPD/tuning-g.json"
	cni ADD "cid-$PID-g" "/run/netns/$NSG" tuning-g.json PLUGIN="$CNI_DIR/tuning"
	check_cni_ok "tuning ADD after kvs, runtimeConfig.mac $MACG"
	check_eq "after tuning: eth0 has $MACG, the port is locked to it" \
		"$(mac_of "$NSG") $(snap; port_get "${HOST[g]}" macs)" "$MACG $MACG"
	check "after tuning: ping pod a -> pod g" nsping "$NSA" "${IPG%/*}"
	check "after tuning: ping pod g -> pod a" nsping "$NSG" "${IPA%/*}"
	cni DEL "cid-$PID-g" "/run/netns/$NSG" tuning-g.json PLUGIN="$CNI_DIR/tuning"
	check_cni_ok "tuning DEL"
	cni DEL "cid-$PID-g" "/run/netns/$NSG" net10-both.json
	check_cni_ok "kvs DEL after tuning's"
else
	skip "tuning chained after kvs keeps the pod reachable" "no $CNI_DIR/tuning"
fi

# ---- no IPAM: no CNI_PATH needed ------------------------------------------------------------

conf l2.json kvs-cni-l2 10 'del(.ipam) | .cniVersion = "1.1.0"'
cni ADD "cid-$PID-h" "/run/netns/$NSD" l2.json CNI_PATH=
check_cni_ok "ADD without ipam and without CNI_PATH"
check_eq "... two interfaces, no address" \
	"$(jq -c '[(.interfaces | length), (.ips // [] | length)]' <<<"$CNI_OUT" 2>&1)" '[2,0]'
HOST[h]=$(jq -r '.interfaces[0].name // "none"' <<<"$CNI_OUT" 2>/dev/null)
[ "${HOST[h]}" != none ] && defer_link "${HOST[h]}"
with_prev l2.json "${CNI_OUT:-null}" check-h.json
cni CHECK "cid-$PID-h" "/run/netns/$NSD" check-h.json CNI_PATH=
check_cni_ok "CHECK without ipam and without CNI_PATH"
jq '. + {"cni.dev/valid-attachments": []}' "$TMPD/l2.json" >"$TMPD/gc-l2-empty.json"
jq --arg c "cid-$PID-h" '. + {"cni.dev/valid-attachments": [{containerID: $c, ifname: "eth0"}]}' \
	"$TMPD/l2.json" >"$TMPD/gc-l2.json"
cni GC "" "" gc-l2.json CNI_IFNAME= CNI_PATH=
check_cni_ok "GC without ipam and without CNI_PATH"
check_eq "... keeps the listed attachment" "$(link_exists "${HOST[h]}" && echo yes || echo no)" yes
cni DEL "cid-$PID-h" "/run/netns/$NSD" check-h.json CNI_PATH=
check_cni_ok "DEL without ipam and without CNI_PATH"
check_eq "... the host end is gone" "$(link_exists "${HOST[h]}" && echo yes || echo no)" no
veths0=$(kvs_veths)
cni ADD "cid-$PID-h" "/run/netns/$NSD" net10.json CNI_PATH=
check_cni_err "ADD with ipam but no CNI_PATH: error 4" 4
check_eq "... and nothing is left behind" "$(kvs_veths) $(mac_of "$NSD" 2>/dev/null)" "$veths0 none"

# ---- STATUS and GC ---------------------------------------------------------------------------

cni STATUS "" "" net10-v11.json CNI_IFNAME=
check_cni_ok "STATUS with kvsd up and the module loaded"
check_eq "STATUS prints nothing on success" "$CNI_OUT" ""
cni STATUS "" "" net10.json CNI_IFNAME=
check_cni_err "STATUS of a 1.0.0 config: error 1" 1

# GC of network kvs-cni-10 with a, b and e valid: f goes (its veth, its attachment, its
# lease), the others stay, and c (network kvs-cni-20, not in the list) is not touched
IPE=$(jq -r '.ips[0].address' <<<"${RES[e]}" 2>/dev/null)
valid=$(jq -n -c --arg a "cid-$PID-a" --arg b "cid-$PID-b" --arg e "cid-$PID-e" \
	'[{containerID: $a, ifname: "eth0"}, {containerID: $b, ifname: "eth0"},
	  {containerID: $e, ifname: "eth0"}]')
jq --argjson v "$valid" '. + {"cni.dev/valid-attachments": $v}' "$TMPD/net10-v11.json" >"$TMPD/gc.json"
jq 'del(.ipam)' "$TMPD/net10-v11.json" >"$TMPD/gc-none.json"
ports0=$(kvsd_ports)
cni GC "" "" gc-none.json CNI_IFNAME=
check_cni_err "GC without cni.dev/valid-attachments: error 7" 7
check_eq "... and nothing is removed" "$(kvsd_ports)" "$ports0"
cni GC "" "" gc.json CNI_IFNAME=
check_cni_ok "GC with a, b and e valid"
check_eq "GC: kvsd keeps a, b, c and e, not f [needs kvsd's tag]" "$(kvsd_ports)" \
	"$(_sorted "${HOST[a]}" "${HOST[b]}" "${HOST[c]}" "${HOST[e]}")"
check_eq "GC: pod f's host end is deleted [needs kvsd's tag]" \
	"$(link_exists "${HOST[f]}" && echo yes || echo no)" no
# shellcheck disable=SC2046 # the leases are words
check_eq "GC: pod f's lease is released, a's, b's and e's kept [needs kvsd's tag]" \
	"$(_sorted $(leases kvs-cni-10))" "$(_sorted "${IPA%/*}" "${IPB%/*}" "${IPE%/*}")"
check "GC: pod e still pings pod a" nsping "$NSE" "${IPA%/*}"
snap
check_eq "GC: pod c (network kvs-cni-20) is still attached" "$(port_get "${HOST[c]}" net)" 20
cni GC "" "" gc.json CNI_IFNAME=
check_cni_ok "GC again: nothing to do"
# (whatever GC did: pods e and f leave as usual)
cni DEL "cid-$PID-f" "/run/netns/$NSF" net10.json
check_cni_ok "DEL pod f after GC"
cni DEL "cid-$PID-e" "/run/netns/$NSE" net10-mac.json
check_cni_ok "DEL pod e"

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

# ---- kvsd stopped ------------------------------------------------------------------------------

# pod k is attached when kvsd stops
add k "cid-$PID-k" "/run/netns/$NSK" net10-v11.json
with_prev net10-v11.json "${RES[k]:-null}" check-k.json
kill "$KVSD_PID" 2>/dev/null
wait "$KVSD_PID" 2>/dev/null
cni STATUS "" "" net10-v11.json CNI_IFNAME=
check_cni_err "STATUS with kvsd stopped: error 50 (not available)" 50
cni CHECK "cid-$PID-k" "/run/netns/$NSK" check-k.json
check_cni_err "CHECK with kvsd stopped: error 11" 11
cni DEL "cid-$PID-k" "/run/netns/$NSK" check-k.json
check_cni_ok "DEL with kvsd stopped succeeds"
check_eq "... the host end is gone and the lease released" \
	"$(link_exists "${HOST[k]}" && echo yes || echo no) $(leases kvs-cni-10 | wc -w)" "no 0"
check_eq "... a detach record $RECORDS/${HOST[k]}, 0600 in a 0700 directory" \
	"$(stat -c '%F %a' "$RECORDS" "$RECORDS/${HOST[k]}" 2>&1 | tr '\n' ' ')" \
	"directory 700 regular file 600 "
check_eq "... holding the attachment's tag and a newline" \
	"$(od -An -c "$RECORDS/${HOST[k]}" 2>&1 | tr -s ' \n' ' ')" \
	"$(printf '%s\n' "cni:kvs-cni-10:cid-$PID-k:eth0" | od -An -c | tr -s ' \n' ' ')"
cni DEL "cid-$PID-k" "/run/netns/$NSK" check-k.json
check_cni_ok "DEL again with kvsd stopped"

# ADD says try again later and undoes what it did
cni ADD "cid-$PID-e" "/run/netns/$NSA" net10.json
check_cni_err "ADD with kvsd stopped: error 11" 11
check_eq "... and no veth and no lease are left behind" \
	"$(kvs_veths) $(leases kvs-cni-10 | wc -w)" "0 0"

# kvsd is back: its state still has pod k's attachment, the record says to drop it
echo "# + kvsd --config $TMPD/kvsd.conf --socket $SOCK --state-dir $TMPD/kvsd -f &"
kvsd --config "$TMPD/kvsd.conf" --socket "$SOCK" --state-dir "$TMPD/kvsd" -f \
	>>"$TMPD/kvsd.log" 2>&1 &
KVSD_PID=$!
defer_pid $KVSD_PID
if ! check_within "kvsd is back on its socket" 10 test -S "$SOCK"; then
	_diag_out "$(cat "$TMPD/kvsd.log")"
	tests_done
fi
check_within "kvsd collected the detach record [needs kvsd's records]" 10 \
	eval "! test -e '$RECORDS/${HOST[k]}'"
check_eq "... and dropped pod k's attachment [needs kvsd's records]" "$(kvsd_ports)" ""
cni STATUS "" "" net10-v11.json CNI_IFNAME=
check_cni_ok "STATUS with kvsd back"

# ---- the module unloaded (a failed DKMS build) ---------------------------------------------------

must rmmod kvs
check_within "kvsd's health says the module is gone" 10 eval '! kvsd_module'
cni STATUS "" "" net10-v11.json CNI_IFNAME=
check_cni_err "STATUS without the module: error 50" 50
ports0=$(kvsd_ports)
cni ADD "cid-$PID-m" "/run/netns/$NSA" net10.json
check_cni_err "ADD without the module: error 11 (the port is not attached)" 11
check_match "... saying the module is not loaded" 'module is not loaded' "$(jq -r .msg <<<"$CNI_OUT" 2>&1)"
check_eq "... and no veth, no eth0, no attachment and no lease are left behind" \
	"$(kvs_veths) $(mac_of "$NSA" 2>/dev/null) $(kvsd_ports) $(leases kvs-cni-10 | wc -w)" \
	"0 none $ports0 0"
must modprobe kvs

tests_done
