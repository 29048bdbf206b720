#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# podman.sh - kvs's CNI plugin under a real CNI client: podman 4 with its CNI
# backend runs containers (a busybox image imported here, no registry) on two
# kvs networks of one switch, and the containers must reach each other inside
# a network, not across; the ports must come and go with the containers.
#
#   KVS_PODMAN_PLUGIN=kvs (default)  conflists of type "kvs" (userspace/cni/kvs,
#                                    with host-local IPAM), kvsd running
#   KVS_PODMAN_PLUGIN=bridge         the same scenario on Debian's "bridge"
#                                    plugin, one Linux bridge per network: proves
#                                    podman and this harness without kvs
#
#   net 10: a, b   198.51.100.0/24, addresses .2-.127
#   net 20: c, d   198.51.100.0/24, addresses .128-.254 (the same subnet: only
#                  the isolation of the networks keeps c from reaching a)
#   net 10: e      started with --mac-address: podman 4 gives the MAC to the
#                  plugin and to the tuning plugin chained after it (CNI_ARGS
#                  MAC=, with IgnoreUnknown=1; both also declare the "mac"
#                  capability for runtimes that send runtimeConfig.mac); e must
#                  be reachable with it
#
# Podman writes nothing outside $TMPD: in the test VM / (so /etc and /var/lib)
# is read-only and /tmp, /run are tmpfs. CONTAINERS_CONF and
# CONTAINERS_STORAGE_CONF point at files made here (with CONTAINERS_CONF set,
# podman reads no other containers.conf). Each podman step is timed; the times
# are listed at the end.
# shellcheck disable=SC2016,SC2317 # podman --format templates in single quotes; functions called through check
set -u
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

PLUGIN=${KVS_PODMAN_PLUGIN:-kvs}
case $PLUGIN in
kvs | bridge) ;;
*) skip_all "KVS_PODMAN_PLUGIN=$PLUGIN: kvs or bridge" ;;
esac

CNI_BIN=/usr/lib/cni				# Debian's containernetworking-plugins
KVS_CNI=$(cd "$SELFTEST_DIR/.." && pwd)/userspace/cni/kvs	# the plugin under test
KVSD_SOCK=/run/kvs/kvsd.sock
IMAGE=localhost/kvs-busybox
P=$TMPD/podman					# all of podman's state
SUBNET=198.51.100.0/24

kvs_require podman conmon tar
RUNTIME=
for r in crun runc; do
	command -v "$r" >/dev/null 2>&1 && { RUNTIME=$r; break; }
done
[ -n "$RUNTIME" ] || skip_all "no OCI runtime (crun or runc) in PATH"
# podman import checks the image against the signature policy (no env variable moves it)
[ -r /etc/containers/policy.json ] || skip_all "/etc/containers/policy.json missing"
if [ ! -x /bin/busybox ] || ldd /bin/busybox >/dev/null 2>&1; then
	skip_all "/bin/busybox missing or not static (apt-get install busybox-static)"
fi
[ -x "$CNI_BIN/host-local" ] || skip_all "$CNI_BIN/host-local missing (containernetworking-plugins)"
[ -x "$CNI_BIN/tuning" ] || skip_all "$CNI_BIN/tuning missing (containernetworking-plugins)"
if [ "$PLUGIN" = kvs ]; then
	[ -x "$KVS_CNI" ] || skip_all "$KVS_CNI not built"
	command -v kvsd >/dev/null 2>&1 || skip_all "kvsd not found in PATH"
	kvs_load
else
	[ -x "$CNI_BIN/bridge" ] || skip_all "$CNI_BIN/bridge missing (containernetworking-plugins)"
fi

# ---- timing ------------------------------------------------------------------------

TIMES=()
T0=$EPOCHREALTIME
T_START=$T0
_ms() { echo $(((${2/./} - ${1/./}) / 1000)); }	# _ms FROM TO : milliseconds
lap() { # lap STEP : the time since the last lap, as a diagnostic and in the summary
	local now=$EPOCHREALTIME ms
	ms=$(_ms "$T0" "$now")
	T0=$now
	TIMES+=("$(printf '%4d.%d s  %s' $((ms / 1000)) $((ms % 1000 / 100)) "$1")")
	diag "time: ${TIMES[-1]}"
}

# ---- podman, all under $P ----------------------------------------------------------------

mkdir -p "$P"/{graph,run,tmp,static,volumes,net.d,cni,ipam,tuning,rootfs/bin,events}
export CONTAINERS_CONF=$P/containers.conf
export CONTAINERS_STORAGE_CONF=$P/storage.conf
export CONTAINERS_REGISTRIES_CONF=$P/registries.conf	# no registry is ever asked

# cgroup_manager cgroupfs: no systemd in the VM; events to a file: no journald;
# tmp_dir (default /run/libpod) and file locks in it (default: the host-wide SHM lock
# /dev/shm/libpod_lock): nothing shared with another podman on the same host
cat >"$CONTAINERS_CONF" <<EOF
[containers]
# busybox ping falls back to an ICMP datagram socket (no CAP_NET_RAW in a container)
default_sysctls = ["net.ipv4.ping_group_range=0 0"]

[network]
network_backend = "cni"
cni_plugin_dirs = ["$P/cni"]
network_config_dir = "$P/net.d"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$P/events/events.log"
lock_type = "file"
runtime = "$RUNTIME"
tmp_dir = "$P/tmp"
static_dir = "$P/static"
volume_path = "$P/volumes"
EOF
cat >"$CONTAINERS_STORAGE_CONF" <<EOF
[storage]
driver = "vfs"
graphroot = "$P/graph"
runroot = "$P/run"
EOF
echo 'unqualified-search-registries = []' >"$CONTAINERS_REGISTRIES_CONF"

# At exit (lib.sh runs deferred commands in order): the containers (their netns,
# veths: CNI DEL) go first, while /var/lib/cni, the cgroups and kvsd are still there.
defer_cmd "podman rm -a -f -t 0"
defer_cmd "awk -v p='$P/' 'index(\$2, p) == 1 { print \$2 }' /proc/mounts | sort -r | xargs -r umount -l"

# podman runs containers in cgroups: the VM has no cgroup file system mounted
if [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" != cgroup2fs ] &&
   [ ! -d /sys/fs/cgroup/memory ]; then
	must mount -t cgroup2 cgroup2 /sys/fs/cgroup
	defer_cmd "umount /sys/fs/cgroup"
fi

# libcni caches each attachment's result in /var/lib/cni (podman has no setting for it).
# A read-only /var/lib (the test VM) gets a tmpfs over it, holding links to what it had.
if ! mkdir -p /var/lib/cni 2>/dev/null; then
	mkdir -p "$TMPD/varlib"
	must mount --bind /var/lib "$TMPD/varlib"
	must mount -t tmpfs -o mode=0755 tmpfs /var/lib
	defer_cmd "umount -l /var/lib; umount -l '$TMPD/varlib'"
	for e in "$TMPD"/varlib/*; do
		ln -s "$e" /var/lib/
	done
	mkdir /var/lib/cni
fi

# the plugin directory podman is given: the plugins this test uses, and nothing else
ln -s "$CNI_BIN/host-local" "$P/cni/host-local"
ln -s "$CNI_BIN/tuning" "$P/cni/tuning"
if [ "$PLUGIN" = kvs ]; then
	ln -s "$KVS_CNI" "$P/cni/kvs"
else
	ln -s "$CNI_BIN/bridge" "$P/cni/bridge"
fi

# ---- the image: busybox and its applets, no registry -----------------------------------

cp /bin/busybox "$P/rootfs/bin/busybox"
for a in sh ping ip ifconfig sleep cat ls ps arp; do
	ln -s busybox "$P/rootfs/bin/$a"
done
tar -C "$P/rootfs" -cf "$P/rootfs.tar" .
# (the first podman command: it also sets up the storage. No `podman info` to check
# the configuration: under TCG it takes 20-60 s)
check "podman import: $IMAGE" podman import -q "$P/rootfs.tar" "$IMAGE"
lap "podman import"
check "the image is in $P/graph (storage.conf: vfs)" test -d "$P/graph/vfs-images"

# ---- the networks ------------------------------------------------------------------------

declare -A NETNAME=([10]=kvs${PID}n10 [20]=kvs${PID}n20)
declare -A RANGE=([10]="198.51.100.2 198.51.100.127" [20]="198.51.100.128 198.51.100.254")

ipam() { # ipam NET : the host-local IPAM object of NET, its leases under $P/ipam
	local first last
	read -r first last <<<"${RANGE[$1]}"
	printf '{"type": "host-local", "dataDir": "%s", "ranges": [[{"subnet": "%s", "rangeStart": "%s", "rangeEnd": "%s"}]]}' \
		"$P/ipam" "$SUBNET" "$first" "$last"
}

# conflist NET PLUGIN-OBJECT : $P/net.d/NAME.conflist: the plugin, then tuning,
# both taking the runtime's MAC (capability "mac")
conflist() {
	cat >"$P/net.d/${NETNAME[$1]}.conflist" <<-EOF
	{
	  "cniVersion": "1.0.0",
	  "name": "${NETNAME[$1]}",
	  "plugins": [ ${2%\}}, "capabilities": {"mac": true}},
	    {"type": "tuning", "dataDir": "$P/tuning", "capabilities": {"mac": true}} ]
	}
	EOF
}

if [ "$PLUGIN" = kvs ]; then
	SW=k${PID}s
	mk_switch "$SW"
	mk_net "$SW" 10
	mk_net "$SW" 20
	# kvsd owns nothing of this test (the CLI made the switch and networks): its
	# config has no object, it only serves the plugin's attach and detach
	mkdir -p /run/kvs "$P/kvsd"
	echo "# podman.sh: the switch and networks are the CLI's" >"$P/kvsd.conf"
	kvsd --config "$P/kvsd.conf" --socket "$KVSD_SOCK" --state-dir "$P/kvsd" -f \
		>"$P/kvsd.log" 2>&1 &
	KVSD_PID=$!
	defer_cmd "kill $KVSD_PID; wait $KVSD_PID"
	if ! check_within "kvsd listens on $KVSD_SOCK" 20 test -S "$KVSD_SOCK"; then
		_diag_out "$(<"$P/kvsd.log")"
		tests_done
	fi
	for n in 10 20; do
		conflist $n "{\"type\": \"kvs\", \"switch\": \"$SW\", \"net\": $n, \"ipam\": $(ipam $n)}"
	done
	DRIVER=kvs
else
	declare -A BR=([10]=k${PID}b10 [20]=k${PID}b20)
	for n in 10 20; do
		defer_link "${BR[$n]}"
		conflist $n "{\"type\": \"bridge\", \"bridge\": \"${BR[$n]}\", \"isGateway\": false, \"ipMasq\": false, \"ipam\": $(ipam $n)}"
	done
	DRIVER=bridge
fi

# host_ends NET : the host ends of NET's container links, sorted, on one line
host_ends() {
	if [ "$PLUGIN" = kvs ]; then
		snap
		snap_list P 1 2="$SW" 4="$1"
	else
		link_exists "${BR[$1]}" && ip_masters "${BR[$1]}"
	fi
}

check_eq "podman network ls: both networks, driver $DRIVER" \
	"$(podman network ls --format '{{.Name}} {{.Driver}}' 2>&1 | grep "^kvs$PID" | sort | tr '\n' ' ')" \
	"${NETNAME[10]} $DRIVER ${NETNAME[20]} $DRIVER "
lap "networks"

# ---- the containers ------------------------------------------------------------------------

declare -A CNET=([a]=10 [b]=10 [c]=20 [d]=20) IP MAC
C=(a b c d)
cname() { echo "kvs$PID-$1"; }

netns_count() { # the network namespaces in /run/netns
	local f=(/run/netns/*)
	[ -e "${f[0]}" ] && echo ${#f[@]} || echo 0
}
netns_before=$(netns_count)
for c in "${C[@]}"; do
	if ! check "podman run $c on net ${CNET[$c]}" podman run -d --name "$(cname "$c")" \
		--network "${NETNAME[${CNET[$c]}]}" "$IMAGE" sleep 1000; then
		tests_done
	fi
	lap "podman run $c"
done

# one inspect for all: name, address, MAC
out=$(podman inspect --format '{{.Name}}{{range .NetworkSettings.Networks}} {{.IPAddress}} {{.MacAddress}}{{end}}' \
	"$(cname a)" "$(cname b)" "$(cname c)" "$(cname d)" 2>&1)
_diag_out "$out"
while read -r name ip mac _; do
	c=${name##*-}
	IP[$c]=$ip
	MAC[$c]=$mac
done <<<"$out"
for c in "${C[@]}"; do
	read -r lo hi <<<"${RANGE[${CNET[$c]}]}"
	lo=${lo##*.} hi=${hi##*.} host=${IP[$c]:-none}
	host=${host##*.}
	if [[ ${IP[$c]:-} == 198.51.100.* && $host -ge $lo && $host -le $hi && ${MAC[$c]:-} =~ ^[0-9a-f:]{17}$ ]]; then
		pass "$c: an address of net ${CNET[$c]}'s range (${IP[$c]}) and a MAC"
	else
		fail "$c: an address of net ${CNET[$c]}'s range and a MAC" "got: ${IP[$c]:-none} ${MAC[$c]:-none}"
	fi
done
lap "podman inspect"

leases() { # leases NET : how many addresses host-local has handed out on NET
	find "$P/ipam/${NETNAME[$1]}" -name '198.51.100.*' 2>/dev/null | wc -l
}
declare -A ENDS
for n in 10 20; do
	ENDS[$n]=$(host_ends $n)
	check_eq "net $n: two host ends attached (${ENDS[$n]})" "$(wc -w <<<"${ENDS[$n]}")" 2
	check_eq "net $n: two addresses leased (host-local)" "$(leases $n)" 2
done
check_eq "one new network namespace per container" \
	"$(($(netns_count) - netns_before))" 4

# ---- traffic ---------------------------------------------------------------------------------

cping() { # cping FROM TO : FROM pings TO's address
	podman exec "$(cname "$1")" ping -c 2 -W 3 "${IP[$2]:-none}"
}
cping_none() { # cping_none FROM TO : FROM's ping of TO ran and got no reply
	local out
	out=$(podman exec "$(cname "$1")" ping -c 1 -W 2 "${IP[$2]:-none}" 2>&1)
	echo "$out"
	[[ $out == *" 0 packets received"* ]]
}
check "a pings b (net 10)" cping a b
lap "podman exec ping a b"
check "d pings c (net 20)" cping d c
lap "podman exec ping d c"
check "c gets no reply from a (net 20 -> net 10, same subnet)" cping_none c a
lap "podman exec ping c a (fails)"

if [ "$PLUGIN" = kvs ]; then
	# the switch learned each container's MAC on one of its net's host ends
	snap
	for c in "${C[@]}"; do
		dev=$(fdb_get "$SW" "${CNET[$c]}" "${MAC[$c]:-none}" dev)
		check_match "fdb: $c's MAC on a host end of net ${CNET[$c]} ($dev)" \
			"^($(tr ' ' '|' <<<"${ENDS[${CNET[$c]}]}"))\$" "$dev"
	done
fi

# ---- a MAC chosen by the runtime, tuning chained ------------------------------------------------

MACE=02:00:00:77:00:0e
CNET[e]=10
if check "podman run e on net 10 with --mac-address $MACE" podman run -d --name "$(cname e)" \
	--network "${NETNAME[10]}" --mac-address "$MACE" "$IMAGE" sleep 1000; then
	lap "podman run e"
	out=$(podman inspect --format '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{.MacAddress}}{{end}}' \
		"$(cname e)" 2>&1)
	read -r ip mac _ <<<"$out"
	IP[e]=$ip
	MAC[e]=$mac
	check_eq "e: podman reports the MAC asked for" "${MAC[e]:-none}" "$MACE"
	check_eq "e: eth0 in the container has it" \
		"$(podman exec "$(cname e)" cat /sys/class/net/eth0/address 2>&1)" "$MACE"
	if [ "$PLUGIN" = kvs ]; then
		snap
		ENDS[e]=$(snap_list P 1 2="$SW" 4=10 8="$MACE")
		check_match "e: one host end of net 10 is locked to $MACE (${ENDS[e]})" '^kvs[0-9a-f]{12}$' \
			"${ENDS[e]}"
	fi
	check "a pings e (net 10, the runtime's MAC, tuning after the plugin)" cping a e
	check "e pings b" cping e b
	lap "podman exec ping a e, e b"
fi

# ---- removal -----------------------------------------------------------------------------------

check "podman rm -f (all five)" podman rm -f -t 0 "$(cname a)" "$(cname b)" "$(cname c)" "$(cname d)" \
	"$(cname e)"
lap "podman rm -f"

for n in 10 20; do
	check_eq "net $n: no host end attached" "$(host_ends $n)" ""
	gone=
	[ $n = 10 ] && ENDS[10]+=" ${ENDS[e]:-}"
	for dev in ${ENDS[$n]}; do
		link_exists "$dev" && gone+=" $dev"
	done
	check_eq "net $n: the host ends are deleted" "${gone# }" ""
	# host-local keeps a file per lease: DEL must have released them (IPAM DEL)
	check_eq "net $n: the addresses are released (host-local)" "$(leases $n)" 0
done
check_eq "the containers' network namespaces are gone" \
	"$(($(netns_count) - netns_before))" 0
if [ "$PLUGIN" = kvs ]; then
	snap	# (host_ends ran in $(...): its snapshot is gone)
	check_eq "kvs port show: no port left on $SW" "$(snap_count P 2="$SW")" 0
fi

# ---- timings -----------------------------------------------------------------------------------

lap "checks after removal"
diag "timings:"
for t in "${TIMES[@]}"; do
	diag "  $t"
done
ms=$(_ms "$T_START" "$EPOCHREALTIME")
diag "  total $((ms / 1000)).$((ms % 1000 / 100)) s"
tests_done
