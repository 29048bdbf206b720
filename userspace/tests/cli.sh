#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Offline checks of the kvs CLI: no module needed.
#
#   cli.sh KVS KVS_FAKE
#
# KVS is the real binary: only what never reaches the kernel is run with it
# (help, version, argument errors). KVS_FAKE is the same CLI linked with
# tests/fake_knl.c, an in-memory stand-in for the kernel side that checks
# requests against the ABI: with it the output formats, batch mode, dump
# retries and monitor are checked.

KVS=${1:?usage: cli.sh KVS KVS_FAKE}
FAKE=${2:?usage: cli.sh KVS KVS_FAKE}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
count=0

ok() { count=$((count + 1)); echo "ok $count - $*"; }
not_ok() { count=$((count + 1)); fails=$((fails + 1)); echo "not ok $count - $*"; }

# run BIN ARGS...: sets $rc, $out, $err
run() {
	"$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	out=$(cat "$TMP/out")
	err=$(cat "$TMP/err")
}

# expect_ok DESC BIN ARGS...
expect_ok() {
	local desc=$1
	shift
	run "$@"
	if [ "$rc" = 0 ] && [ -z "$err" ]; then ok "$desc"
	else not_ok "$desc (rc=$rc err=$err)"; fi
}

# expect_fail STATUS DESC "STDERR SUBSTRING" BIN ARGS...: exit STATUS, one
# "Error:" line, nothing on stdout
expect_fail() {
	local status=$1 desc=$2 want=$3
	shift 3
	run "$@"
	if [ "$rc" = "$status" ] && [[ "$err" == *"$want"* ]] &&
	   [ "$(grep -c '^Error: ' "$TMP/err")" = 1 ] && [ -z "$out" ]; then
		ok "$desc"
	else
		not_ok "$desc (rc=$rc, want $status; want '$want' got '$err' out '$out')"
	fi
}

# The exit statuses of ip(8): 255 for a command line kvs refuses itself
# (nothing is sent), 2 when the kernel refuses the request, 1 for any
# other failure (no module, a namespace or file that cannot be opened,
# the socket)
expect_usage() { expect_fail 255 "$@"; }
expect_refused() { expect_fail 2 "$@"; }
expect_err() { expect_fail 1 "$@"; }

# expect_out DESC EXPECTED BIN ARGS...: success and exactly EXPECTED on stdout
expect_out() {
	local desc=$1 want=$2
	shift 2
	run "$@"
	if [ "$rc" = 0 ] && [ "$out" = "$want" ]; then ok "$desc"
	else not_ok "$desc (rc=$rc err=$err)"; diff <(echo "$want") <(echo "$out") | sed 's/^/# /'; fi
}

json_ok() {
	if command -v python3 >/dev/null; then
		python3 -c "import json,sys; $2" <<<"$1" 2>/dev/null
	elif command -v jq >/dev/null; then
		jq -e . >/dev/null <<<"$1"
	else
		echo "# neither python3 nor jq: JSON cannot be checked" >&2
		return 1
	fi
}

# ---- no kernel needed ----

run "$KVS" -V
[[ "$rc" = 0 && "$out" =~ ^kvs\ [0-9a-z.+~-]+$ ]] && ok "-V" || not_ok "-V ($out)"

run "$KVS" help
if [ "$rc" = 0 ] && [ -z "$err" ]; then
	missing=
	for line in "switch add NAME [ ageing SECONDS ] [ batch N ]" \
		"switch set NAME [ ageing SECONDS ] [ batch N ]" \
		"switch del NAME" "switch show [ NAME ]" \
		"net add ID switch SWITCH [ name LABEL ] [ max-macs N ]" \
		"net set ID switch SWITCH [ max-macs N ]" "net del ID switch SWITCH" \
		"net show [ switch SWITCH ]" \
		"port add dev IFNAME switch SWITCH net ID [ mac MAC ]..." \
		"port add dev IFNAME switch SWITCH fabric vxlan local ADDR [ remote ADDR ] [ dstport PORT ]" \
		"port add dev IFNAME switch SWITCH fabric vlan" \
		"[ max-macs N ] [ bum-limit PPS ] [ group-fwd-mask MASK ]" \
		"port del dev IFNAME" "port show [ switch SWITCH ] [ dev IFNAME ]" \
		"fdb add MAC net ID switch SWITCH { dev IFNAME | remote ADDR }" \
		"fdb del MAC net ID switch SWITCH [ remote ADDR ]" \
		"fdb show [ switch SWITCH ] [ net ID ]" \
		"stats show [ switch SWITCH | dev IFNAME ]" "kvs monitor"; do
		[[ "$out" == *"$line"* ]] || missing="$missing|$line"
	done
	[ -z "$missing" ] && ok "help lists the grammar" || not_ok "help misses $missing"
else
	not_ok "help (rc=$rc)"
fi

for obj in switch net port fdb stats monitor; do
	run "$KVS" $obj help
	[ "$rc" = 0 ] && [[ "$out" == Usage:* ]] && [ -z "$err" ] &&
		ok "$obj help" || not_ok "$obj help (rc=$rc)"
done
for args in "-h" "--help"; do
	run "$KVS" $args
	[ "$rc" = 0 ] && [[ "$out" == Usage:* ]] && ok "kvs $args" || not_ok "kvs $args"
done

run "$KVS"
[ "$rc" = 255 ] && [ -z "$out" ] && [[ "$err" == Usage:* ]] && ok "no arguments: usage on stderr, exit 255" || not_ok "no arguments (rc=$rc)"
run "$KVS" switch frob
[ "$rc" = 255 ] && [ -z "$out" ] && [ "$(printf '%s\n' "$err" | wc -l)" = 1 ] && [[ "$err" == *'unknown command "frob"'*'kvs switch help'* ]] && ok "bad command: one error line naming the help" || not_ok "bad command ($err)"
run "$KVS" frob
[ "$rc" = 255 ] && [ -z "$out" ] && [[ "$err" == *'unknown object "frob"'* ]] && ok "bad object" || not_ok "bad object ($err)"

M=02:00:00:00:00:01
while IFS='|' read -r want args; do
	[ -z "$args" ] && continue
	# shellcheck disable=SC2086
	expect_usage "kvs $args" "$want" "$KVS" $args
done <<EOF
invalid MAC address "zz:00"|port add dev veth1 switch sw0 net 100 mac zz:00
invalid MAC address "02:00:00:00:00"|fdb add 02:00:00:00:00 net 1 switch sw0 dev veth1
invalid MAC address "02:00:00:00:00:01:02"|fdb add 02:00:00:00:00:01:02 net 1 switch sw0 dev veth1
"net" expects a network id 1..16777215, got "0"|port add dev veth1 switch sw0 net 0
"net" expects a network id 1..16777215, got "16777216"|net add 16777216 switch sw0
"net" expects a network id 1..16777215, got "-1"|net add -1 switch sw0
"net" expects a network id 1..16777215, got "0x10"|net add 0x10 switch sw0
"net" expects a network id 1..16777215, got "ten"|fdb show net ten
unknown argument "foo" for "port add"|port add dev veth1 switch sw0 net 100 foo
unknown argument "bar" for "switch show"|switch show sw0 bar
unknown object "x" for "monitor": give switch, net, port, fdb, drop or all|monitor x
missing "switch SWITCH"|port add dev veth1 net 100
missing "switch SWITCH"|net add 100
missing "switch SWITCH"|fdb add $M net 1 dev veth1
missing "net ID"|port add dev veth1 switch sw0
missing "net ID"|fdb del $M switch sw0
missing "dev IFNAME"|port del
missing "dev IFNAME"|port set learning on
missing "NAME"|switch add
missing "ID"|net del
missing "MAC"|fdb add
missing "dev IFNAME" or "remote ADDR"|fdb add $M net 1 switch sw0
nothing to change: give ageing or batch|switch set sw0
missing "local ADDR"|port add dev eth0 switch sw0 fabric vxlan
missing value after "switch"|port add dev veth1 switch
"switch" given twice|port add dev veth1 switch sw0 switch sw1 net 1
"learning" expects "on" or "off", got "yes"|port set dev veth1 learning yes
"max-macs" expects a number 0..4294967295, got "-3"|port set dev veth1 max-macs -3
"max-macs" expects a number 0..4294967295, got "4294967296"|port set dev veth1 max-macs 4294967296
"bum-limit" expects a number|port set dev veth1 bum-limit fast
"max-macs" expects a number 0..4294967295, got "-1"|net add 1 switch sw0 max-macs -1
"max-macs" expects a number 0..4294967295, got "4294967296"|net set 1 switch sw0 max-macs 4294967296
"max-macs" expects a number 0..4294967295, got "many"|net add 1 switch sw0 max-macs many
missing value after "max-macs"|net set 1 switch sw0 max-macs
"max-macs" given twice|net add 1 switch sw0 max-macs 1 max-macs 2
nothing to change: give max-macs|net set 1 switch sw0
missing "switch SWITCH"|net set 1 max-macs 5
unknown argument "name" for "net set"|net set 1 switch sw0 name red
unknown argument "max-macs" for "net del"|net del 1 switch sw0 max-macs 5
"group-fwd-mask" expects a mask 0..0xffff, got "0x10000"|port set dev veth1 group-fwd-mask 0x10000
"group-fwd-mask" expects a mask 0..0xffff, got "65536"|port add dev veth1 switch sw0 net 1 group-fwd-mask 65536
"group-fwd-mask" expects a mask 0..0xffff, got "0x"|port set dev veth1 group-fwd-mask 0x
"group-fwd-mask" expects a mask 0..0xffff, got "0x40g8"|port set dev veth1 group-fwd-mask 0x40g8
"group-fwd-mask" expects a mask 0..0xffff, got "-8"|port set dev veth1 group-fwd-mask -8
"group-fwd-mask" expects a mask 0..0xffff, got "lldp"|port set dev veth1 group-fwd-mask lldp
"group-fwd-mask" given twice|port set dev veth1 group-fwd-mask 8 group-fwd-mask 8
"group-fwd-mask" cannot be used with a fabric port|port add dev eth0 switch sw0 fabric vlan group-fwd-mask 8
unknown argument "group-fwd-mask" for "port show"|port show group-fwd-mask 8
"ageing" expects a number 0..1000000, got "1000001"|switch add sw0 ageing 1000001
"batch" expects a number 1..64, got "0"|switch add sw0 batch 0
"batch" expects a number 1..64, got "65"|switch add sw0 batch 65
"batch" expects a number 1..64, got "0"|switch set sw0 batch 0
"batch" expects a number 1..64, got "65"|switch set sw0 ageing 10 batch 65
"batch" expects a number 1..64, got "many"|switch set sw0 batch many
"batch" expects a number 1..64, got "-1"|switch add sw0 batch -1
"batch" expects a number 1..64, got "0x10"|switch add sw0 batch 0x10
missing value after "batch"|switch set sw0 batch
"batch" given twice|switch add sw0 batch 1 batch 2
unknown argument "batch" for "switch del"|switch del sw0 batch 1
unknown argument "batch" for "switch show"|switch show sw0 batch 1
"dstport" expects a UDP port 1..65535, got "65536"|port add dev eth0 switch sw0 fabric vxlan local 10.0.0.1 dstport 65536
"local" expects an IPv4 or IPv6 address, got "10.0.0"|port add dev eth0 switch sw0 fabric vxlan local 10.0.0
"remote" expects an IPv4 or IPv6 address|fdb add $M net 1 switch sw0 remote foo
"local" is only valid with "fabric vxlan"|port add dev eth0 switch sw0 fabric vlan local 10.0.0.1
"dstport" is only valid with "fabric vxlan"|port add dev veth1 switch sw0 net 1 dstport 4789
"net" cannot be used with a fabric port|port add dev eth0 switch sw0 net 1 fabric vlan
"peers" is only valid with "fabric vxlan"|port add dev eth0 switch sw0 fabric vlan peers known
"peers" is only valid with "fabric vxlan"|port add dev veth1 switch sw0 net 1 peers known
"peers" expects "any" or "known", got "some"|port add dev eth0 switch sw0 fabric vxlan local 10.0.0.1 peers some
"peers" expects "any" or "known", got "all"|port set dev eth0 peers all
"fabric" expects "vxlan" or "vlan", got "gre"|port add dev eth0 switch sw0 fabric gre
same address family|port add dev eth0 switch sw0 fabric vxlan local 10.0.0.1 remote fe80::1
nothing to change|port set dev veth1
"mac none" cannot be combined|port set dev veth1 mac $M mac none
too many MAC addresses (at most 64)|port set dev veth1 $(for i in $(seq 65); do printf 'mac 02:00:00:00:01:%02x ' $i; done)
"dev" and "remote" exclude each other|fdb add $M net 1 switch sw0 dev veth1 remote 10.0.0.1
"switch" and "dev" exclude each other|stats show switch sw0 dev veth1
device name "abcdefghijklmnopq" is too long|switch add abcdefghijklmnopq
network name "0123456789012345678901234567890123" is too long|net add 1 switch sw0 name 0123456789012345678901234567890123
ambiguous object "s"|s show
unknown option "-x"|-x switch show
option "-n" needs an argument|-n
"-b" takes no command line|-b - switch show
EOF
expect_err "a namespace that does not exist: exit 1" \
	'cannot open network namespace "kvs-no-such-ns"' "$KVS" -n kvs-no-such-ns switch show
expect_err "a batch file that does not exist: exit 1" \
	"cannot open batch file" "$KVS" -b /nonexistent/kvs-batch

printf 'switch add sw0\nnet add 5 switch sw0 name "a b" extra\n' >"$TMP/b"
expect_usage "batch: error names the line" 'line 2: unknown argument "extra"' "$FAKE" -b "$TMP/b"
printf '# comment\n\n   \nnet add 1 switch sw0 name "unterminated\n' >"$TMP/b"
expect_usage "batch: comments skipped, quote error" 'line 4: unterminated quote' "$KVS" -b "$TMP/b"

# ---- against the fake kernel ----

KVS_FAKE_NOFAMILY=1 expect_err "module not loaded" \
	'cannot find the kvs generic netlink family: is the module loaded? (modprobe kvs)' \
	"$FAKE" switch show

cat >"$TMP/setup" <<EOF
switch add sw0
switch add sw1 ageing 60
net add 100 switch sw0 name red
net add 200 switch sw0 max-macs 0
net add 7 switch sw1 max-macs 50
port add dev veth1 switch sw0 net 100 mac 02:00:00:00:00:01 mac 2:0:0:0:0:2 learning off max-macs 5
port add dev veth2 switch sw0 net 200
port add dev veth3 switch sw1 net 7
fdb add 02:00:00:00:00:aa net 200 switch sw0 dev veth2
EOF
batch() { cat "$TMP/setup" - >"$TMP/b"; }

batch <<<"switch show"
expect_out "switch show" "sw0: ifindex 10 ageing 300 batch 1
sw1: ifindex 11 ageing 60 batch 1" "$FAKE" -b "$TMP/b"
KVS_FAKE_OLD=1 expect_out "switch show: no batch from an older module" \
	"sw0: ifindex 10 ageing 300
sw1: ifindex 11 ageing 60" "$FAKE" -b "$TMP/b"

batch <<<"sw sh sw1"
expect_out "abbreviations, switch show NAME" "sw1: ifindex 11 ageing 60 batch 1" "$FAKE" -b "$TMP/b"

printf 'switch add sw2 batch 64\nswitch set sw0 batch 64\nswitch set sw1 ageing 30 batch 1\nswitch add sw3 ageing 0 batch 16\nswitch show\n' | batch
expect_out "switch add/set batch" "sw0: ifindex 10 ageing 300 batch 64
sw1: ifindex 11 ageing 30 batch 1
sw2: ifindex 15 ageing 300 batch 64
sw3: ifindex 16 ageing 0 batch 16" "$FAKE" -b "$TMP/b"

printf 'switch set sw1 batch 8\nswitch set sw1 ageing 45\nswitch show sw1\n' | batch
expect_out "switch set: batch and ageing each keep the other" \
	"sw1: ifindex 11 ageing 45 batch 8" "$FAKE" -b "$TMP/b"

printf 'switch set sw0 batch 2\n' | batch
KVS_FAKE_DEBUG=1 run "$FAKE" -b "$TMP/b"
[ "$rc" = 0 ] && [[ "$err" == *"req cmd 4: 3/4 27/4"* ]] &&
	ok "switch set batch: KVS_ATTR_SWITCH_BATCH as a u32" ||
	not_ok "switch set batch request ($err)"

printf 'switch add sw2 batch 4\n' | batch
KVS_FAKE_OLD=1 expect_refused "switch add batch to an older module: the kernel's refusal" \
	"line 10: Unknown attribute type" "$FAKE" -b "$TMP/b"

printf 'switch add sw2 batch 32\nswitch show sw2\n' | batch
run "$FAKE" -j -b "$TMP/b"
[ "$rc" = 0 ] && json_ok "$out" '
d = json.load(sys.stdin)
assert d == [{"ifname": "sw2", "ifindex": 15, "ageing": 300, "batch": 32}], d' &&
	ok "switch show -j: batch" || not_ok "switch show -j batch ($out)"
batch <<<"switch show sw0"
KVS_FAKE_OLD=1 run "$FAKE" -j -b "$TMP/b"
[ "$rc" = 0 ] && json_ok "$out" '
d = json.load(sys.stdin)
assert d == [{"ifname": "sw0", "ifindex": 10, "ageing": 300}], d' &&
	ok "switch show -j: no batch key from an older module" ||
	not_ok "switch show -j old module ($out)"

batch <<<"net show"
expect_out "net show" "net 100 switch sw0 name red ports 1 max-macs 16384 learned 0
net 200 switch sw0 ports 1 max-macs 0 learned 0
net 7 switch sw1 ports 1 max-macs 50 learned 0" "$FAKE" -b "$TMP/b"

batch <<<"net show switch sw1"
expect_out "net show switch" "net 7 switch sw1 ports 1 max-macs 50 learned 0" "$FAKE" -b "$TMP/b"

printf 'port add dev veth4 switch sw1 net 7\nnet show\n' | batch
expect_out "net show: highway" "net 100 switch sw0 name red ports 1 max-macs 16384 learned 0
net 200 switch sw0 ports 1 max-macs 0 learned 0
net 7 switch sw1 ports 2 max-macs 50 learned 0 highway" "$FAKE" -b "$TMP/b"
KVS_FAKE_OLD=1 expect_out "net show: no highway from an older module" \
	"net 100 switch sw0 name red ports 1 max-macs 16384 learned 0
net 200 switch sw0 ports 1 max-macs 0 learned 0
net 7 switch sw1 ports 2 max-macs 50 learned 0" "$FAKE" -b "$TMP/b"
run "$FAKE" -j -b "$TMP/b"
[ "$rc" = 0 ] && json_ok "$out" '
d = json.load(sys.stdin)
assert [n["highway"] for n in d] == [False, False, True], d
assert d[2] == {"switch": "sw1", "net": 7, "ports": 2, "max_macs": 50,
  "learned": 0, "highway": True}, d[2]' &&
	ok "net show -j: highway true and false" || not_ok "net show -j highway ($out)"
KVS_FAKE_OLD=1 run "$FAKE" -j -b "$TMP/b"
[ "$rc" = 0 ] && json_ok "$out" '
d = json.load(sys.stdin)
assert len(d) == 3 and not any("highway" in n for n in d), d' &&
	ok "net show -j: no highway key from an older module" ||
	not_ok "net show -j old module ($out)"

printf 'port add dev veth4 switch sw1 net 7\nport add dev veth5 switch sw1 net 7\nnet show switch sw1\n' | batch
expect_out "net show: three ports, no highway" \
	"net 7 switch sw1 ports 3 max-macs 50 learned 0" "$FAKE" -b "$TMP/b"

printf 'net set 100 switch sw0 max-macs 0\nnet set 200 switch sw0 max-macs 4294967295\nnet show switch sw0\n' | batch
expect_out "net set max-macs" "net 100 switch sw0 name red ports 1 max-macs 0 learned 0
net 200 switch sw0 ports 1 max-macs 4294967295 learned 0" "$FAKE" -b "$TMP/b"

printf 'net set 300 switch sw0 max-macs 1\n' | batch
expect_refused "net set of a missing network: the kernel's message" "no such network" "$FAKE" -b "$TMP/b"

batch <<<"port show"
expect_out "port show (the kernel's default max-macs)" "veth1: switch sw0 net 100 learning off max-macs 5 learned 0 macs 02:00:00:00:00:01 02:00:00:00:00:02
veth2: switch sw0 net 200 learning on max-macs 1024 learned 0
veth3: switch sw1 net 7 learning on max-macs 1024 learned 0" "$FAKE" -b "$TMP/b"

printf 'port set dev veth1 mac none learning on max-macs 0\nport show dev veth1\n' | batch
expect_out "port set mac none, max-macs 0" "veth1: switch sw0 net 100 learning on max-macs 0 learned 0" "$FAKE" -b "$TMP/b"

printf 'port set dev veth2 group-fwd-mask 0x4008\nport show dev veth2\nport set dev veth2 group-fwd-mask 16\nport show dev veth2\nport set dev veth2 group-fwd-mask 0\nport show dev veth2\n' | batch
expect_out "port set group-fwd-mask (hex, decimal, 0)" "veth2: switch sw0 net 200 learning on max-macs 1024 group-fwd-mask 0x4008 learned 0
veth2: switch sw0 net 200 learning on max-macs 1024 group-fwd-mask 0x10 learned 0
veth2: switch sw0 net 200 learning on max-macs 1024 learned 0" "$FAKE" -b "$TMP/b"

printf 'port add dev veth4 switch sw1 net 7 group-fwd-mask 0X0008 max-macs 0\nport show dev veth4\n' | batch
expect_out "port add group-fwd-mask" "veth4: switch sw1 net 7 learning on max-macs 0 group-fwd-mask 0x8 learned 0" "$FAKE" -b "$TMP/b"

printf 'port set dev veth2 group-fwd-mask 0x4001\n' | batch
expect_refused "group-fwd-mask with a restricted bit: the kernel's message" "may not forward" "$FAKE" -b "$TMP/b"

batch <<<"fdb show net 200"
expect_out "fdb show net" "02:00:00:00:00:aa net 200 switch sw0 dev veth2 static" "$FAKE" -b "$TMP/b"

batch <<<"stats show dev veth2"
expect_out "stats show dev: laid out as ip -s" "veth2: switch sw0
    RX: bytes packets
         1303    1302
    TX: bytes packets
         1305    1304
    drops: no-route isolation spoofed-src mac-limit storm-limit bad-encap
               1306      1307        1308      1309        1310      1311
           unknown-vni  mtu no-memory malformed link-local backlog unknown-vtep
                  1312 1313      1314      1315       1316    1317         1318" \
	"$FAKE" -b "$TMP/b"

batch <<<"switch show sw0"
expect_out "switch show -s" "sw0: ifindex 10 ageing 300 batch 1
    RX: bytes packets
          703     702
    TX: bytes packets
          705     704
    drops: no-route isolation spoofed-src mac-limit storm-limit bad-encap
                706       707         708       709         710       711
           unknown-vni mtu no-memory malformed link-local backlog unknown-vtep
                   712 713       714       715        716     717          718" \
	"$FAKE" -s -b "$TMP/b"

batch <<<"port show dev veth1"
run "$FAKE" -j -b "$TMP/b"
[ "$rc" = 0 ] && json_ok "$out" '
d = json.load(sys.stdin)
assert d == [{"ifname": "veth1", "ifindex": 12, "switch": "sw0", "type": "vm", "net": 100,
  "macs": ["02:00:00:00:00:01", "02:00:00:00:00:02"], "learning": False,
  "max_macs": 5, "bum_limit": 0, "group_fwd_mask": 0, "learned": 0}], d' &&
	ok "port show -j" || not_ok "port show -j ($out)"

printf 'port set dev veth2 group-fwd-mask 0x4008\nport show dev veth2\n' | batch
run "$FAKE" -j -b "$TMP/b"
[ "$rc" = 0 ] && json_ok "$out" '
d = json.load(sys.stdin)
assert d[0]["group_fwd_mask"] == 0x4008 and d[0]["max_macs"] == 1024, d' &&
	ok "port show -j: group_fwd_mask, default max_macs" || not_ok "port show -j group_fwd_mask ($out)"

batch <<<"port show dev veth1"
run "$FAKE" -j -s -b "$TMP/b"
[ "$rc" = 0 ] && json_ok "$out" '
d = json.load(sys.stdin)
assert d[0]["stats64"]["drops"]["link_local"] == 1216, d' &&
	ok "port show -j -s: link_local drops" || not_ok "port show -j -s ($out)"

batch <<<"port show dev veth1"
run "$FAKE" -s -b "$TMP/b"
[ "$rc" = 0 ] && [[ "$out" == *" malformed link-local backlog unknown-vtep"$'\n'*" 1215       1216    1217         1218" ]] &&
	ok "port show -s: link-local drops" || not_ok "port show -s ($out)"

batch <<<"switch show"
run "$FAKE" -j -s -b "$TMP/b"
[ "$rc" = 0 ] && json_ok "$out" '
d = json.load(sys.stdin)
assert [s["ifname"] for s in d] == ["sw0", "sw1"]
assert d[0]["ifindex"] == 10 and d[0]["ageing"] == 300 and d[0]["batch"] == 1
s = d[0]["stats64"]
assert s["rx"] == {"packets": 702, "bytes": 703} and s["tx"]["bytes"] == 705
assert set(s["drops"]) == {"no_route", "isolation", "spoofed_src", "mac_limit",
  "storm_limit", "bad_encap", "unknown_vni", "mtu", "no_memory", "malformed",
  "link_local", "backlog", "unknown_vtep"}' &&
	ok "switch show -j -s" || not_ok "switch show -j -s ($out)"

printf 'net show\nfdb show\nstats show\nstats show switch sw1\n' | batch
run "$FAKE" -j -b "$TMP/b"
[ "$rc" = 0 ] && [ "$(wc -l <<<"$out")" = 4 ] && json_ok "$out" '
n, f, s, t = [json.loads(l) for l in sys.stdin]
assert n[0] == {"switch": "sw0", "net": 100, "label": "red", "ports": 1,
  "max_macs": 16384, "learned": 0, "highway": False}, n
assert "label" not in n[1] and n[1]["max_macs"] == 0 and n[2]["max_macs"] == 50
assert f[0]["mac"] == "02:00:00:00:00:01" and f[0]["state"] == "static"
assert f[0]["ifname"] == "veth1" and f[0]["net"] == 100 and f[0]["switch"] == "sw0"
assert isinstance(f[0]["age"], float)
assert [p["ifname"] for p in s] == ["veth1", "veth2", "veth3"]
assert s[0]["ifindex"] == 12 and s[0]["switch"] == "sw0"
assert s[0]["stats64"]["rx"]["packets"] == 1202
assert s[0]["stats64"]["drops"]["link_local"] == 1216
assert t == [dict(ifname="sw1", stats64=dict(rx=dict(bytes=703, packets=702),
  tx=dict(bytes=705, packets=704), drops=t[0]["stats64"]["drops"]))], t' &&
	ok "net/fdb/stats show -j" || not_ok "net/fdb/stats show -j ($out)"

run "$FAKE" -j -p switch show
[ "$rc" = 0 ] && json_ok "$out" 'assert json.load(sys.stdin) == []' &&
	ok "empty show -j -p" || not_ok "empty show -j -p ($out)"

printf 'switch add sw0\nswitch add sw0\n' >"$TMP/b"
expect_refused "kernel error text (extack)" "line 2: File exists" "$FAKE" -b "$TMP/b"
printf 'switch add sw0\nnet add 1 switch sw0\nport add dev veth1 switch sw0 net 2\n' >"$TMP/b"
expect_refused "kernel extack message" "line 3: no such network" "$FAKE" -b "$TMP/b"
printf 'switch add sw0\nport add dev eth0 switch sw0 fabric vxlan local 10.0.0.1 remote 10.0.0.2 dstport 4790\n' >"$TMP/b"
expect_refused "fabric request reaches the kernel" "fabric ports are not supported yet" "$FAKE" -b "$TMP/b"
printf 'switch add sw0\nport add dev eth0 switch sw0 fabric vxlan local fe80::1\n' >"$TMP/b"
expect_refused "fabric vxlan over IPv6" "fabric ports are not supported yet" "$FAKE" -b "$TMP/b"
printf 'switch add sw0\nfdb add 02:00:00:00:00:01 net 1 switch sw0 remote 10.1.1.1\n' >"$TMP/b"
expect_refused "fdb remote reaches the kernel" "fabric ports are not supported yet" "$FAKE" -b "$TMP/b"

cp "$TMP/setup" "$TMP/b"
echo "switch show" >>"$TMP/b"
KVS_FAKE_INTR=3 expect_out "interrupted dump is retried" "sw0: ifindex 10 ageing 300 batch 1
sw1: ifindex 11 ageing 60 batch 1" "$FAKE" -b "$TMP/b"
KVS_FAKE_INTR=50 expect_err "endlessly interrupted dump fails" "interrupted" "$FAKE" -b "$TMP/b"
printf 'switch add sw0\nfdb show\n' >"$TMP/b2"
KVS_FAKE_INTR=50 expect_err "endlessly interrupted fdb dump -j: an error, not half a document" \
	"interrupted by concurrent changes 10 times" "$FAKE" -j -b "$TMP/b2"

# fdb dumps carry only ifindex values: names come from if_indextoname()
cat "$TMP/setup" - >"$TMP/b" <<EOF
fdb add 02:00:00:00:00:bb net 7 switch sw1 dev veth3
fdb show
EOF
fdb_all="02:00:00:00:00:01 net 100 switch sw0 dev veth1 static
02:00:00:00:00:02 net 100 switch sw0 dev veth1 static
02:00:00:00:00:aa net 200 switch sw0 dev veth2 static
02:00:00:00:00:bb net 7 switch sw1 dev veth3 static"
expect_out "fdb show: names from ifindex" "$fdb_all" "$FAKE" -b "$TMP/b"
KVS_FAKE_INTR=2 expect_out "interrupted fdb dump: retried, each entry once" "$fdb_all" "$FAKE" -b "$TMP/b"
run "$FAKE" -j -b "$TMP/b"
plain=$out
KVS_FAKE_INTR=2 run "$FAKE" -j -b "$TMP/b"
intr=$out
run "$FAKE" -j -p -b "$TMP/b"
[ "$rc" = 0 ] && [ "$plain" = "$intr" ] && [ "$(wc -l <<<"$plain")" = 1 ] &&
	json_ok "$plain" '
d = json.load(sys.stdin)
assert [e["mac"] for e in d] == ["02:00:00:00:00:01", "02:00:00:00:00:02",
  "02:00:00:00:00:aa", "02:00:00:00:00:bb"], d
assert d[3] == {"mac": "02:00:00:00:00:bb", "net": 7, "switch": "sw1",
  "ifname": "veth3", "state": "static", "age": 12.303}, d[3]' &&
	json_ok "$(printf '%s\n%s' "$plain" "$out")" '
a, b = json.loads(sys.stdin.readline()), json.loads(sys.stdin.read())
assert a == b' &&
	ok "fdb show -j: streamed, retried once each, same as -j -p" ||
	not_ok "fdb show -j ($plain | $intr | $out)"
sed -i 's/^fdb show$/fdb show switch sw1/' "$TMP/b"
expect_out "fdb show switch: filter on the name of the ifindex" \
	"02:00:00:00:00:bb net 7 switch sw1 dev veth3 static" "$FAKE" -b "$TMP/b"

{
	echo "switch add sw0"
	echo "net add 100 switch sw0"
	echo "port add dev veth1 switch sw0 net 100"
	for i in $(seq 0 9999); do
		printf 'fdb add 02:00:00:%02x:%02x:%02x net 100 switch sw0 dev veth1\n' \
			$((i >> 16)) $(((i >> 8) & 255)) $((i & 255))
	done
	echo "fdb show"
} >"$TMP/big"
start=$(date +%s)
run "$FAKE" -b "$TMP/big"
secs=$(($(date +%s) - start))
[ "$rc" = 0 ] && [ "$(wc -l <<<"$out")" = 10000 ] && [ "$secs" -lt 10 ] &&
	ok "batch of 10000 fdb add, then a 10000-entry show (${secs}s)" ||
	not_ok "big batch (rc=$rc lines=$(wc -l <<<"$out") ${secs}s)"
run "$FAKE" -j -b "$TMP/big"
[ "$rc" = 0 ] && json_ok "$out" 'assert len(json.load(sys.stdin)) == 10000' &&
	ok "10000-entry fdb show -j" || not_ok "10000-entry fdb show -j"
KVS_FAKE_IFNAMES=1 run "$FAKE" -b "$TMP/big"
[ "$rc" = 0 ] && [ "$(wc -l <<<"$out")" = 10000 ] &&
	[[ "$err" =~ ^if_indextoname\ calls:\ ([0-9]+)$ ]] &&
	[ "${BASH_REMATCH[1]}" -le 2 ] &&
	ok "10000-entry fdb show: names looked up once (${BASH_REMATCH[1]} calls)" ||
	not_ok "10000-entry fdb show looks up names per entry ($err)"

run "$FAKE" monitor
want="switch added sw0 ageing 300 batch 1
net added 100 switch sw0 name red max-macs 16384
port attached veth1 switch sw0 net 100
fdb learned 02:00:00:00:00:01 net 100 switch sw0 dev veth1
drop spoofed-src dev veth1 switch sw0 net 100 mac 02:00:00:00:00:01
drop mac-limit dev if99 switch sw0 net 100 mac 02:00:00:00:00:01
fdb deleted 02:00:00:00:00:01 net 100 switch sw0"
[[ "$out" == "$want"* ]] && ok "monitor lines (names of ifindex-only events)" || not_ok "monitor lines ($out)"
want="switch deleted sw0
switch changed sw1 ageing 60 batch 64
net added 200 switch sw1 max-macs 16384 highway
net deleted 200 switch sw1"
[[ "$out" == *"$want" ]] && ok "monitor lines: batch, highway" || not_ok "monitor lines: batch, highway ($out)"
run "$FAKE" -j monitor
json_ok "$out" '
e = [json.loads(l) for l in sys.stdin]
assert [x["event"] for x in e][:8] == ["switch_added", "net_added", "port_attached",
  "fdb_learned", "drop", "drop", "events_lost", "fdb_deleted"], e
assert e[6] == {"event": "events_lost"}, e[6]
assert e[1] == {"event": "net_added", "switch": "sw0", "net": 100, "label": "red",
  "max_macs": 16384}, e[1]
assert e[3]["ifname"] == "veth1" and e[3]["switch"] == "sw0", e[3]
assert e[4] == {"event": "drop", "reason": "spoofed_src", "ifname": "veth1",
  "switch": "sw0", "net": 100, "mac": "02:00:00:00:00:01"}, e[4]
assert e[5]["reason"] == "mac_limit" and e[5]["ifname"] == "if99"' && ok "monitor -j" || not_ok "monitor -j ($out)"
json_ok "$out" '
e = [json.loads(l) for l in sys.stdin]
assert e[0] == {"event": "switch_added", "ifname": "sw0", "ifindex": 5,
  "ageing": 300, "batch": 1}, e[0]
assert "highway" not in e[1], e[1]
assert e[-3:] == [
  {"event": "switch_changed", "ifname": "sw1", "ifindex": 6, "ageing": 60, "batch": 64},
  {"event": "net_added", "switch": "sw1", "net": 200, "max_macs": 16384, "highway": True},
  {"event": "net_deleted", "switch": "sw1", "net": 200, "highway": False}], e[-3:]' &&
	ok "monitor -j: batch, highway" || not_ok "monitor -j: batch, highway ($out)"

KVS_FAKE_NOCAP=1 expect_err "monitor refused by an older module: one clear line" \
	"monitor: joining the kvs events group was refused (this kvs module wants CAP_NET_ADMIN)" "$FAKE" monitor
KVS_FAKE_NOCAP=1 expect_err "monitor -j refused by an older module" \
	"wants CAP_NET_ADMIN" "$FAKE" -j monitor

# ---- options as iproute2 takes them ----

printf 'switch add sw0\nswitch show\n' >"$TMP/b"
for o in -j -json --json -js -jso; do
	run "$FAKE" $o -b "$TMP/b"
	[ "$rc" = 0 ] && [ "$out" = '[{"ifname":"sw0","ifindex":10,"ageing":300,"batch":1}]' ] &&
		ok "option $o is -json" || not_ok "option $o ($rc $out $err)"
done
for o in -s -stats -statistics -stat --stats; do
	run "$FAKE" $o -b "$TMP/b"
	[ "$rc" = 0 ] && [[ "$out" == *"RX: bytes packets"* ]] &&
		ok "option $o is -stats" || not_ok "option $o ($rc $out $err)"
done
for o in "-p -j" "-pretty -json" "-j --pretty"; do
	# shellcheck disable=SC2086
	run "$FAKE" $o -b "$TMP/b"
	[ "$rc" = 0 ] && [ "$(wc -l <<<"$out")" -gt 3 ] && json_ok "$out" 'json.load(sys.stdin)' &&
		ok "options $o: indented JSON" || not_ok "options $o ($out)"
done
for o in -netns -n --netns -net; do
	expect_err "option $o takes the next word as the namespace" \
		'cannot open network namespace "nosuchns"' "$KVS" $o nosuchns switch show
done
expect_usage "a namespace path too long for the buffer" "is too long" \
	"$KVS" -n "/$(printf 'x%.0s' $(seq 5000))" switch show
expect_usage "option -netns without a value" 'option "-netns" needs an argument' "$KVS" -netns
expect_usage "unknown option" 'unknown option "-frob"' "$KVS" -frob switch show
expect_usage "unknown option --x" 'unknown option "--x"' "$KVS" --x switch show
for o in -V -Version -version --version -Ver; do
	run "$KVS" $o
	[ "$rc" = 0 ] && [[ "$out" =~ ^kvs\  ]] && ok "option $o" || not_ok "option $o ($out $err)"
done
run "$KVS" -help
[ "$rc" = 0 ] && [[ "$out" == Usage:* ]] && [[ "$out" == *"-t[imestamp]"* ]] &&
	[[ "$out" == *"-h[elp]"* ]] &&
	ok "-help: usage names every option" || not_ok "-help ($out)"

# ---- help, abbreviations, ambiguity ----

run "$KVS" port add help
[ "$rc" = 0 ] && [[ "$out" == "Usage: kvs port add dev IFNAME"* ]] &&
	! grep -q "port del" <<<"$out" && ok "kvs port add help: that command only" ||
	not_ok "kvs port add help ($out)"
run "$KVS" net show help
[ "$rc" = 0 ] && [ "$(head -n1 <<<"$out")" = "Usage: kvs net show [ switch SWITCH ]" ] &&
	ok "kvs net show help" || not_ok "kvs net show help ($out)"
expect_usage "ambiguous object names the candidates" 'ambiguous object "s": switch, stats?' "$KVS" s show
expect_usage "ambiguous command names the candidates" 'ambiguous command "s" for "port": set, show?' \
	"$KVS" port s dev x
printf 'switch add sw0\nnet add 1 switch sw0\nsw sh\nn ls\n' >"$TMP/b"
expect_out "unambiguous abbreviations" "sw0: ifindex 10 ageing 300 batch 1
net 1 switch sw0 ports 0 max-macs 16384 learned 0" "$FAKE" -b "$TMP/b"

# ---- batch: stdin, -force, comments and quoting ----

run "$FAKE" -b - <<<$'switch add sw0 # a comment\n# a whole comment line\n\nswitch show "sw0"'
[ "$rc" = 0 ] && [ "$out" = "sw0: ifindex 10 ageing 300 batch 1" ] &&
	ok "-b -: commands from stdin, comments and quotes" || not_ok "-b - ($rc $out $err)"
printf 'switch add sw0\nswitch add sw0\nnet add 5 switch sw0\nport frob\nnet show\n' >"$TMP/b"
run "$FAKE" -b "$TMP/b"
[ "$rc" = 2 ] && [ -z "$out" ] && [ "$(grep -c '^Error: ' <<<"$err")" = 1 ] &&
	[[ "$err" == *"line 2: File exists"* ]] &&
	ok "batch stops at the first failing line, with its status (2)" ||
	not_ok "batch without -force ($rc $out $err)"
run "$FAKE" -force -b "$TMP/b"
[ "$rc" = 2 ] && [ "$out" = "net 5 switch sw0 ports 0 max-macs 16384 learned 0" ] &&
	[ "$(grep -c '^Error: ' <<<"$err")" = 2 ] && [[ "$err" == *"line 2: "* ]] &&
	[[ "$err" == *'line 4: unknown command "frob"'* ]] &&
	ok "-force: every failing line reported, the others run, the first failure's status (2)" ||
	not_ok "-force ($rc $out $err)"
printf 'switch add sw0\nport frob\nswitch add sw0\nswitch show\n' >"$TMP/b"
run "$FAKE" -b "$TMP/b"
[ "$rc" = 255 ] && [ -z "$out" ] && [ "$(grep -c '^Error: ' <<<"$err")" = 1 ] &&
	[[ "$err" == *'line 2: unknown command "frob"'* ]] &&
	ok "batch: a usage error on its first failing line, exit 255" ||
	not_ok "batch usage error ($rc $out $err)"
run "$FAKE" -force -b "$TMP/b"
[ "$rc" = 255 ] && [ "$(grep -c '^Error: ' <<<"$err")" = 2 ] &&
	[[ "$err" == *"line 3: File exists"* ]] && [ -n "$out" ] &&
	ok "-force: a usage error, then a refusal: exit 255, the first failure's" ||
	not_ok "-force usage then refusal ($rc $out $err)"
printf 'switch add sw0\nswitch show\n' >"$TMP/b"
KVS_FAKE_INTR=50 run "$FAKE" -force -b "$TMP/b"
[ "$rc" = 1 ] && [[ "$err" == *"line 2: the dump was interrupted"* ]] &&
	ok "batch: another failure (endless dump interruptions), exit 1" ||
	not_ok "batch other failure ($rc $out $err)"
run "$FAKE" -f -b - <<<$'switch add sw0\nswitch show'
[ "$rc" = 0 ] && [ -n "$out" ] && ok "-f -b -: exit 0 when nothing failed" || not_ok "-f ($rc $err)"
run "$FAKE" -b - <<<"switch show 'sw0"
[ "$rc" = 255 ] && [[ "$err" == *"line 1: unterminated quote"* ]] &&
	ok "batch: unterminated quote" || not_ok "batch quote ($err)"
run "$FAKE" -b - <<<$'switch add a\\ b\nswitch add "c \\"d\\""\nswitch show'
[ "$rc" = 0 ] && [ "$(cut -d: -f1 <<<"$out" | tr '\n' '|')" = 'a b|c "d"|' ] &&
	ok "batch: a backslash escapes a blank, and a quote within double quotes" ||
	not_ok "batch backslash ($rc $out $err)"

# ---- warnings: an extack message on a successful ACK ----

KVS_FAKE_WARN="the limit is below what is learned" run "$FAKE" switch add sw0
[ "$rc" = 0 ] && [ -z "$out" ] && [ "$err" = "Warning: the limit is below what is learned" ] &&
	ok "a kernel warning on success: printed as Warning:, exit 0" || not_ok "warning ($rc $out $err)"
KVS_FAKE_WARN="careful" run "$FAKE" -b - <<<$'switch add sw0\nswitch show'
[ "$rc" = 0 ] && [ "$err" = "Warning: line 1: careful" ] && [ -n "$out" ] &&
	ok "a warning in a batch names its line, the batch goes on" || not_ok "batch warning ($rc $out $err)"

# ---- monitor: objects and timestamps ----

run "$FAKE" monitor fdb
[ "$(grep -vc '^fdb ' <<<"$out")" = 0 ] && [ "$(grep -c '^fdb ' <<<"$out")" = 2 ] &&
	ok "monitor fdb: only fdb events" || not_ok "monitor fdb ($out)"
run "$FAKE" monitor drop switch
[ "$(cut -d' ' -f1 <<<"$out" | sort -u | tr '\n' ' ')" = "drop switch " ] &&
	ok "monitor drop switch: those two objects" || not_ok "monitor drop switch ($out)"
run "$FAKE" monitor all
[ "$(wc -l <<<"$out")" = 13 ] && ok "monitor all: every event" || not_ok "monitor all ($out)"
run "$FAKE" -t monitor port
[[ "$(head -n1 <<<"$out")" =~ ^\[20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\.[0-9]{6}Z\]\ port\ attached\ veth1 ]] &&
	ok "-t monitor: a timestamp before each event" || not_ok "-t monitor ($out)"
run "$FAKE" -t -j monitor net
json_ok "$out" '
e = [json.loads(l) for l in sys.stdin]
import re
assert all(re.fullmatch(r"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", x["timestamp"]) for x in e), e
assert [x["event"] for x in e] == ["net_added", "events_lost", "net_deleted", "net_added", "net_deleted"], e' &&
	ok "-t -j monitor net: timestamp key, events_lost too" || not_ok "-t -j monitor net ($out)"
run "$FAKE" monitor frob
[ "$rc" = 255 ] && [[ "$err" == *'unknown object "frob" for "monitor"'* ]] &&
	ok "monitor frob: refused" || not_ok "monitor frob ($err)"

# ---- exit statuses, as ip(8) ----

# 255: kvs's own parser refuses the command line, and sends nothing (the
# fake prints every request it gets with KVS_FAKE_DEBUG)
for args in "frob" "switch frob" "switch add" "port add dev veth1 switch sw0 net 0" \
	"-frob switch show" "fdb add 02:00:00:00:00:01 net 1 switch sw0"; do
	# shellcheck disable=SC2086
	KVS_FAKE_DEBUG=1 run "$FAKE" $args
	[ "$rc" = 255 ] && [ -z "$out" ] && [ "$(wc -l <<<"$err")" = 1 ] &&
		[[ "$err" == Error:* ]] &&
		ok "usage error, nothing sent: kvs $args, exit 255" ||
		not_ok "usage error: kvs $args (rc=$rc err=$err)"
done
# 2: the kernel's error answer, to a change or to a get or dump
expect_refused "a change refused by the kernel (ENODEV): exit 2" "no such kvs switch" \
	"$FAKE" port add dev veth1 switch nosuch net 1
expect_refused "a get refused by the kernel: exit 2" "no such kvs switch" \
	"$FAKE" switch show nosuch
expect_refused "a dump that fails once started: exit 2" "no such kvs switch" \
	"$FAKE" net show switch nosuch
expect_refused "-j: a refusal is still exit 2" "no such kvs switch" \
	"$FAKE" -j port add dev veth1 switch nosuch net 1
expect_refused "a streamed dump (fdb show) refused: exit 2" "no such kvs switch" \
	"$FAKE" fdb show switch nosuch
expect_refused "a streamed dump refused, -j: exit 2" "no such kvs switch" \
	"$FAKE" -j fdb show switch nosuch
# 1: the rest, including errno values the kernel could have sent too
KVS_FAKE_NOFAMILY=1 expect_err "no module (the controller's ENOENT): exit 1" \
	"is the module loaded?" "$FAKE" net add 1 switch sw0
KVS_FAKE_OOM=1 expect_err "the socket fails while listening (ENOMEM): exit 1" \
	"Cannot allocate memory" "$FAKE" monitor
KVS_FAKE_NOCAP=1 expect_err "joining the events group refused (setsockopt, not an answer): exit 1" \
	"wants CAP_NET_ADMIN" "$FAKE" monitor
KVS_FAKE_INTR=50 expect_err "a dump interrupted on every try: exit 1" \
	"interrupted by concurrent changes" "$FAKE" switch show
# stdout on /dev/full: writing fails (ENOSPC), an I/O error, unless a
# command failed first: then its status stands
printf 'switch add sw0\nswitch show\n' >"$TMP/b"
"$FAKE" -b "$TMP/b" >/dev/full 2>"$TMP/err"
rc=$?
[ "$rc" = 1 ] && grep -q '^Error: writing output' "$TMP/err" &&
	ok "output that cannot be written: exit 1" ||
	not_ok "output to /dev/full (rc=$rc $(cat "$TMP/err"))"
printf 'switch add sw0\nswitch show\nswitch add sw0\n' >"$TMP/b"
"$FAKE" -b "$TMP/b" >/dev/full 2>"$TMP/err"
rc=$?
[ "$rc" = 2 ] && ! grep -q 'writing output' "$TMP/err" &&
	ok "a refusal, and output that cannot be written: exit 2, the refusal's" ||
	not_ok "refusal and /dev/full (rc=$rc $(cat "$TMP/err"))"

echo "1..$count"
[ "$fails" = 0 ] && echo "# all $count passed" || echo "# $fails of $count failed"
[ "$fails" = 0 ]
