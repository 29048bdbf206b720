#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Offline checks of the bash completion of kvs (userspace/completion/kvs):
# no module, no bash-completion package, no terminal needed.
#
#   completion.sh [SCRIPT]
#
# The script is sourced here with stub "kvs" and "ip" commands first in
# PATH; they print canned text and log their arguments. Each case sets
# COMP_WORDS, COMP_CWORD, COMP_LINE and COMP_POINT as bash would for a
# line typed up to its end, calls _kvs, and compares the sorted COMPREPLY.

SCRIPT=${1:-$(dirname "$0")/../completion/kvs}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
count=0

ok() { count=$((count + 1)); echo "ok $count - $*"; }
not_ok() { count=$((count + 1)); fails=$((fails + 1)); echo "not ok $count - $*"; }

# ---- stubs ----

mkdir "$TMP/bin" "$TMP/files"
cat >"$TMP/bin/kvs" <<'EOF'
#!/bin/sh
echo "$*" >>"$STUB_LOG.kvs"
if [ -n "$KVS_STUB_FAIL" ]; then
	echo "Error: Generic Netlink family kvs not found" >&2
	exit 1
fi
ns=
if [ "$1" = -n ]; then
	ns=$2
	shift 2
fi
case "$ns $*" in
" switch show")
	printf '%s\n' "sw0: ifindex 5 ageing 300 batch 1" \
		"    rx 10 tx 20 drops 0" \
		"sw1: ifindex 6 ageing 60 batch 4" \
		"lab: ifindex 7 ageing 300 batch 1" ;;
"ns1 switch show")
	echo "blue: ifindex 3 ageing 300 batch 1" ;;
" port show")
	printf '%s\n' "tap0: switch sw0 net 10 learning on learned 2" \
		"tap1: switch sw0 net 20 learning off learned 0" \
		"vx0: switch sw1 fabric vxlan local 10.0.0.1 dstport 4789" ;;
*)
	echo "Error: unexpected stub call" >&2
	exit 1 ;;
esac
EOF
cat >"$TMP/bin/ip" <<'EOF'
#!/bin/sh
echo "$*" >>"$STUB_LOG.ip"
case "$*" in
"netns list")
	printf '%s\n' "ns1 (id: 0)" "ns2" ;;
"-n ns1 -o link show")
	printf '%s\n' \
	"1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN" \
	"4: veth9@if5: <BROADCAST,MULTICAST,UP> mtu 1500 qdisc noqueue state UP" \
	"6: blue: <BROADCAST,MULTICAST,UP> mtu 1500 qdisc noqueue state UNKNOWN" ;;
*)
	echo "ip: stub: unexpected $*" >&2
	exit 1 ;;
esac
EOF
chmod +x "$TMP/bin/kvs" "$TMP/bin/ip"
touch "$TMP/files/setup.batch" "$TMP/files/teardown.batch" "$TMP/files/x.conf"

export STUB_LOG=$TMP/log
PATH=$TMP/bin:$PATH
COMP_WORDBREAKS=$' \t\n"\'><=;|&(:'

# shellcheck source=/dev/null
if ! source "$SCRIPT" 2>"$TMP/err" || [ -s "$TMP/err" ] ||
   ! declare -F _kvs >/dev/null; then
	not_ok "source $SCRIPT: $(cat "$TMP/err")"
	echo "1..$count"
	exit 1
fi
ok "sourced without bash-completion"
if [[ $(complete -p kvs 2>/dev/null) == "complete -F _kvs kvs" ]]; then
	ok "registered for kvs"
else
	not_ok "registered for kvs"
fi

# comp LINE: complete LINE with the cursor at its end; $got is the sorted
# COMPREPLY joined by blanks, $err what was printed on stderr
comp() {
	local line=$1 f
	local -a fields

	COMP_LINE=$line
	COMP_POINT=${#line}
	COMP_WORDS=()
	# as bash splits: at blanks, then runs of : and = are words of their own
	read -ra fields <<<"$line"
	[[ -z $line || $line == *[[:space:]] ]] && fields+=("")
	for f in "${fields[@]}"; do
		[[ -z $f ]] && COMP_WORDS+=("")
		while [[ $f =~ ^([^=:]+|[=:]+)(.*)$ ]]; do
			COMP_WORDS+=("${BASH_REMATCH[1]}")
			f=${BASH_REMATCH[2]}
		done
	done
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	PATH=${STUB_PATH:-$PATH} _kvs kvs "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}" \
		2>"$TMP/err" >"$TMP/out"
	err=$(cat "$TMP/err" "$TMP/out")
	got=$(printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort | tr '\n' ' ')
	got=${got% }
	got=${got# }
}

# check DESC "EXPECTED" LINE: EXPECTED in any order, blank-separated
check() {
	local desc=$1 want note=
	local -a words

	read -ra words <<<"${2//$'\n'/ }"
	want=$(printf '%s\n' "${words[@]}" | LC_ALL=C sort | tr '\n' ' ')
	want=${want% }
	want=${want# }
	comp "$3"
	if [[ $got == "$want" && -z $err ]]; then
		ok "$desc"
	else
		[[ -n $err ]] && note=", printed \"$err\""
		not_ok "$desc: \"$3\" gave \"$got\", want \"$want\"$note"
	fi
}

# The host's own /sys/class/net and /run/netns are never read: the script
# is pointed at directories made here, with several names in each, so that
# what the host happens to have (containers' namespaces, say) changes nothing.
mkdir "$TMP/sysnet" "$TMP/netns"
touch "$TMP/sysnet/lo" "$TMP/sysnet/eth0" "$TMP/sysnet/tap-vm1" \
	"$TMP/netns/pod1" "$TMP/netns/pod2" "$TMP/netns/pod3"
export KVS_COMP_SYSNET=$TMP/sysnet KVS_COMP_NETNS=$TMP/netns
sysnet="lo eth0 tap-vm1"

# ---- options ----
check "single-dash options" "-j -json -p -pretty -s -stats -statistics -n \
-netns -b -batch -force -t -timestamp -V -Version -h -help" "kvs -"
check "double-dash options" "--json --pretty --stats --statistics --netns \
--batch --force --timestamp --version --help" "kvs --"
check "option prefix" "-s -stats -statistics" "kvs -j -s"
check "-netns NETNS from ip netns list" "ns1 ns2" "kvs -netns "
check "-n NETNS prefix" "ns1" "kvs -j -n ns1"
check "--netns=NETNS" "ns1 ns2" "kvs --netns="
cd "$TMP/files" || exit 1
check "-b FILE: file names" "setup.batch" "kvs -b s"
check "-batch FILE: all files" "setup.batch teardown.batch x.conf" "kvs -batch "
check "--batch=FILE" "setup.batch" "kvs --batch=se"
cd - >/dev/null || exit 1
check "nothing after -b FILE" "" "kvs -b setup.batch "
check "nothing after -V" "" "kvs -V "

# ---- objects and commands ----
check "objects" "switch net port fdb stats monitor help" "kvs "
check "objects after options" "stats switch" "kvs -j -n ns1 s"
check "switch commands" "add del set show help" "kvs switch "
check "alias network" "add del set show help" "kvs network "
check "fdb commands" "add del show help" "kvs fdb "
check "stats commands" "show help" "kvs stats "
check "unknown object" "" "kvs bogus "
check "nothing after kvs help" "" "kvs help "
check "nothing after OBJECT help" "" "kvs port help "
check "nothing after OBJECT COMMAND help" "" "kvs port add help "

# ---- keywords ----
check "port show keywords and help" "switch dev help" "kvs port show "
check "port add keywords" "dev switch net mac learning max-macs bum-limit \
group-fwd-mask fabric local remote dstport peers help" "kvs port add "
check "port add: used keywords left out, mac repeats" "mac learning \
max-macs bum-limit group-fwd-mask" \
	"kvs port add dev eth0 switch sw0 net 10 mac 02:00:00:00:00:01 "
check "port set: mac stays after two" "mac learning max-macs bum-limit \
group-fwd-mask peers" "kvs port set dev tap0 mac 02:00:00:00:00:01 mac none "
check "port add fabric vlan" "learning" \
	"kvs port add dev eth0 switch sw0 fabric vlan "
check "port add fabric vxlan" "local remote dstport learning peers" \
	"kvs port add dev eth0 switch sw0 fabric vxlan "
check "peers values" "any known" "kvs port set dev eth0 peers "
check "net add after the ID" "switch name max-macs" "kvs net add 10 "
check "net set: no name" "max-macs" "kvs net set 10 switch sw0 "
check "switch add after NAME" "ageing batch" "kvs switch add br0 "
check "switch add: ageing used" "batch" "kvs switch add br0 ageing 30 "
check "fdb add: dev or remote" "net switch origin" \
	"kvs fdb add 02:00:00:00:00:01 remote 10.0.0.2 "
check "fdb add after the MAC" "net switch dev remote origin" \
	"kvs fdb add 02:00:00:00:00:01 "
check "fdb add: origin excludes dev" "net switch remote" \
	"kvs fdb add 02:00:00:00:00:01 origin evpn "
check "origin values" "evpn" "kvs fdb del 02:00:00:00:00:01 origin "
check "stats show: switch or dev" "" "kvs stats show switch sw0 "
check "abbreviated object and command" "dev help" "kvs po del "
check "alias ls" "switch dev help" "kvs port ls "

# ---- values ----
check "nothing for the ID of net add" "" "kvs net add "
check "nothing for a partial ID" "" "kvs net add 1"
check "nothing for a MAC" "" "kvs fdb add 02:00:"
check "nothing for a MAC after mac" "" "kvs port set dev tap0 mac 02:"
check "nothing for N" "" "kvs port set dev tap0 max-macs "
check "nothing for ADDR" "" "kvs port add dev eth0 switch sw0 fabric vxlan local "
check "switch names after switch" "sw0 sw1" "kvs net add 10 switch s"
check "switch names for switch del" "sw0 sw1 lab" "kvs switch del "
check "switch names for switch show" "lab" "kvs switch show l"
check "nothing after switch del NAME" "" "kvs switch del sw0 "
check "ports for port set dev" "tap0 tap1 vx0" "kvs port set dev "
check "ports for stats show dev" "tap0 tap1" "kvs stats show dev t"
check "netdevs for port add dev" "$sysnet" "kvs port add dev "
check "learning on off" "on off" "kvs port set dev tap0 learning "
check "fabric vxlan vlan" "vxlan vlan" "kvs port add dev eth0 switch sw0 fabric "
check "mac none in port set" "none" "kvs port set dev tap0 mac "
check "no none in port add" "" "kvs port add dev eth0 switch sw0 net 10 mac "
check "monitor objects" "all switch net port fdb drop help" "kvs monitor "
check "monitor objects not yet given" "switch net fdb drop" "kvs monitor port "

# ---- -n NETNS honoured ----
rm -f "$STUB_LOG".*
check "-n: switch names of the namespace" "blue" "kvs -n ns1 switch del "
if grep -qx -- "-n ns1 switch show" "$STUB_LOG.kvs"; then
	ok "-n: kvs run as kvs -n ns1 switch show"
else
	not_ok "-n: kvs run as: $(cat "$STUB_LOG.kvs" 2>/dev/null)"
fi
check "-netns: devices of the namespace" "lo veth9 blue" \
	"kvs -netns ns1 port add dev "
if grep -qx -- "-n ns1 -o link show" "$STUB_LOG.ip"; then
	ok "-netns: ip run as ip -n ns1 -o link show"
else
	not_ok "-netns: ip run as: $(cat "$STUB_LOG.ip" 2>/dev/null)"
fi
check "--netns=NETNS honoured" "blue" "kvs --netns=ns1 net show switch "

# ---- failures stay silent ----
export KVS_STUB_FAIL=1
check "kvs fails: no switch names, no error" "" "kvs switch del "
unset KVS_STUB_FAIL
check "unknown namespace: no devices, no error" "" "kvs -n nope port add dev "
STUB_PATH=/nonexistent check "kvs and ip missing: nothing, no error" "" \
	"kvs -n ns1 port set dev "
STUB_PATH=/nonexistent check "ip missing: -n names from /run/netns only" \
	"pod1 pod2 pod3" "kvs -n "

echo "1..$count"
[ "$fails" = 0 ]
