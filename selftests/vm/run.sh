#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a throw-away VM with a stock kernel, the host's / as its read-only root (9p) and the
# freshly built kvs.ko as the module "modprobe kvs" loads; run the selftests (or any
# command) in it as root; then check the guest's kernel log.
#
#   host                                 guest (qemu, TCG unless KVM really works)
#   run.sh  --- / (9p "root", ro) ---->  init (initramfs: busybox, virtio + 9p modules)
#     |     --- $res (9p "kvsres") --->    switch_root -> guest.sh: tmpfs, /lib/modules with
#     |                                    the new kvs.ko, dyndbg=+p, PATH, CMD, rmmod kvs,
#     |                                    dmesg -> $res
#     +-- kernel-log checks on $res/dmesg, one TAP line each
#
# With -y the guest boots systemd as PID 1 instead (selftests/systemd.sh: kvsd.service
# under a real systemd), one VM boot of its own, 6.1 lane only (check.sh):
#
#   init: / (9p, ro) = lower layer of an overlay, a tmpfs the upper: the whole tree is
#     writable and nothing reaches the host; run.sh's $res/overlay is copied onto it:
#       etc/systemd/system/kvs-test.target   Wants=basic.target kvs-test.service; booted
#                                            with systemd.unit=kvs-test.target, never the
#                                            default target (it starts everything the
#                                            host enables: minutes under TCG)
#       etc/systemd/system/kvs-test.service  runs $res/start (guest.sh, as above)
#       etc/systemd/system/kvsd.{service,socket}  the work tree's units (not started)
#       usr/sbin/kvsd                        the work tree's build (a copy: PrivateTmp and
#                                            ProtectHome would hide a tree under /tmp or
#                                            /home from kvsd)
#       etc/fstab (empty), timers.target masked (apt-daily, man-db: minutes of TCG),
#       tmpfiles.d/tmp.conf "d /tmp" (the host's D line would empty the host's /tmp over
#       9p, a tree in /tmp with it), journald Storage=volatile
#     then switch_root to /lib/systemd/systemd. guest.sh leaves the mounts to systemd.
#   guest.sh must make its /lib/modules bind private: systemd makes / shared, and the
#   tree's bind over /lib/modules/KVER would propagate to the original's bind too (a loop
#   of links: modprobe loads kvs without udp_tunnel). The results ($res/output, status,
#   dmesg) and the checks are the same, each TAP line prefixed "systemd boot: ".
#   Measured under TCG, 2 CPUs (2026-12-07, Debian 12, systemd 252; "Startup finished in
#   5.7 s (kernel) + 34.3 s (userspace)"): the test starts 28 to 54 s after boot and
#   systemd.sh takes 30 to 90 s, 78 to 177 s wall in all, idle host to load 6.
#
# Exit status: 0 if the command exited 0 and every check passed, 1 if not, 2 if the VM
# could not be set up.

set -u -o pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tree=$(cd "$here/../.." && pwd)
PATH=$PATH:/usr/sbin:/sbin

usage() {
	cat <<EOF
usage: ${0##*/} [OPTIONS] [-- COMMAND [ARG]...]

Boot a VM and run the kvs selftests in it (selftests/run_tests.sh), or COMMAND instead.
COMMAND runs as root from the top of the work tree, with userspace/kvs first in PATH.

  -k KVER     kernel release to boot (default: the one kvs.ko was built for, else the
              running kernel, else the newest with /boot/vmlinuz-KVER)
  -K FILE     kvs.ko for "modprobe kvs" (default: $tree/kvs.ko, if it exists)
  -B TREE     boot TREE/arch/x86/boot/bzImage, a kernel built in TREE with virtio and 9p
              built in and no installed modules (debug-kernel.sh); KVER is its release
  -S N        multiply the selftests' per-test timeout by N (slow debug kernels)
  -t TEST     run only TEST (repeatable; passed to run_tests.sh)
  -o DIR      keep the results in DIR (default: a temporary directory, removed)
  -a ACCEL    tcg, kvm or auto (default: auto = kvm if a probe boot works, else tcg)
  -m MB       guest memory (default 2048)
  -c N        guest CPUs (default 2)
  -i          exact clock: TCG with -icount shift=0,align=off,sleep=off and 1 CPU; the
              guest's clock advances 1 ns per guest instruction, so times measured in
              the guest are instruction counts, the same on every run (make bench)
  -T SECONDS  kill the VM after SECONDS (default 2700 for the suite, 900 for a command)
  -q          do not echo the console (it is kept in DIR/console.log)
  -s          print only the failed checks and a summary line
  -y          boot systemd as PID 1 (an overlay over the host's /; see above) and run
              selftests/systemd.sh (or -t TEST, or COMMAND) as a systemd service
  -h          this help

Environment: KVS_CACHE (cache directory, default /var/cache/kvs), KVS_VM_APPEND (more
kernel command line), KVS_SYSTEMD_UNITS (-y: a directory whose kvsd.service and
kvsd.socket are installed instead of the work tree's, e.g. an older version); the
selftests' knobs FDB_SCALE, EVPN_SCALE, CHURN_SECS, TENANT_FLOOD, NLFUZZ_*, KVS_TESTS_SKIP,
FRAMEFUZZ_*, FABRICFUZZ_*, FT_* are passed on to the guest.
EOF
}

kver=
ko=
ktree=
tscale=
outdir=
accel=${KVS_VM_ACCEL:-auto}
mem=2048
cpus=2
vm_timeout=
quiet=
brief=
systemd=
icount=
tests=()
while getopts "k:K:B:S:t:o:a:m:c:T:iqsyh" opt; do
	case $opt in
	k) kver=$OPTARG ;;
	K) ko=$OPTARG ;;
	B) ktree=$OPTARG ;;
	S) tscale=$OPTARG ;;
	t) tests+=("$OPTARG") ;;
	o) outdir=$OPTARG ;;
	a) accel=$OPTARG ;;
	m) mem=$OPTARG ;;
	c) cpus=$OPTARG ;;
	T) vm_timeout=$OPTARG ;;
	i) icount=1 ;;
	q) quiet=1 ;;
	s) brief=1 ;;
	y) systemd=1 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
cmd=("$@")

say() { echo "# kvs-vm: $*"; }
die() { echo "kvs-vm: $*" >&2; exit 2; }

[ ${#cmd[@]} -gt 0 ] && [ ${#tests[@]} -gt 0 ] && die "-t and a COMMAND do not mix"
[ -n "$systemd" ] && [ -n "$ktree" ] && die "-y boots a stock kernel (-k), not a -B tree"
case $accel in tcg|kvm|auto) ;; *) die "-a takes tcg, kvm or auto" ;; esac
# icount is TCG's; the 6.1 guest hangs bringing up a second CPU under it
[ -z "$icount" ] || { accel=tcg; cpus=1; }
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found (apt-get install qemu-system-x86)"
command -v cpio >/dev/null || die "cpio not found (apt-get install cpio)"

if [ -z "$ko" ] && [ -f "$tree/kvs.ko" ]; then
	ko=$tree/kvs.ko
fi
[ -z "$ko" ] || [ -f "$ko" ] || die "$ko: no such file"

# -B: a kernel build tree; its release is the KVER.
if [ -n "$ktree" ]; then
	kver=$(cat "$ktree/include/config/kernel.release" 2>/dev/null) ||
		die "$ktree: not a kernel build tree (no include/config/kernel.release)"
fi
# The kernel: -k, else what kvs.ko was built for, else the running one, else the newest.
if [ -z "$kver" ] && [ -n "$ko" ]; then
	kver=$(modinfo -F vermagic "$ko" 2>/dev/null | cut -d' ' -f1)
fi
if [ -z "$kver" ]; then
	r=$(uname -r)
	if [ -e "/boot/vmlinuz-$r" ] && [ -d "/lib/modules/$r/kernel" ]; then
		kver=$r
	else
		for k in $(find /lib/modules -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | sort -rV); do
			if [ -e "/boot/vmlinuz-$k" ] && [ -d "/lib/modules/$k/kernel" ]; then
				kver=$k
				break
			fi
		done
	fi
fi
[ -n "$kver" ] || die "no kernel with /boot/vmlinuz-KVER and /lib/modules/KVER (apt-get install linux-image-amd64)"
kernel=/boot/vmlinuz-$kver
[ -z "$ktree" ] || kernel=$ktree/arch/x86/boot/bzImage
[ -r "$kernel" ] || die "$kernel: not found or not readable"
[ -n "$ktree" ] || [ -d "/lib/modules/$kver/kernel" ] || die "/lib/modules/$kver: no modules"
if [ -n "$ko" ]; then
	v=$(modinfo -F vermagic "$ko" 2>/dev/null | cut -d' ' -f1)
	if [ "$v" != "$kver" ]; then
		say "warning: $ko is built for '${v:-?}', not $kver: not using it"
		ko=
	fi
fi

# Cache for the initramfs and the KVM probe result.
cache=${KVS_CACHE:-/var/cache/kvs}
if ! mkdir -p "$cache" 2>/dev/null || [ ! -w "$cache" ]; then
	cache=${XDG_CACHE_HOME:-$HOME/.cache}/kvs
	mkdir -p "$cache" || die "no writable cache directory (set KVS_CACHE)"
fi

# Results: the guest's writable share.
if [ -n "$outdir" ]; then
	mkdir -p "$outdir" || die "cannot create $outdir"
	res=$(cd "$outdir" && pwd)
	rm -rf "${res:?}"/{env,start,guest.sh,modtree.sh,kvs.ko,modules,modroot,nomodules,overlay} \
		"$res"/{output,status,rmmod,dyndbg,dmesg,dmesg.live,kmemleak,kmemleak.loaded,uptime,console.log,console.boot1.log,checks.tap}
else
	res=$(mktemp -d /tmp/kvs-vm.XXXXXX) || die "mktemp failed"
	trap 'rm -rf "$res"' EXIT
fi
chmod 0755 "$res"

# --- initramfs: busybox, /init and the virtio/9p modules that are not built in ---------
build_initramfs() {
	local bb=/bin/busybox m kind path name key out tmp list=modules.list
	local paths=() ypaths=()

	[ -x "$bb" ] || die "$bb not found (apt-get install busybox-static)"
	ldd "$bb" >/dev/null 2>&1 && die "$bb is not static (apt-get install busybox-static)"
	# -B: virtio and 9p are built in, there is nothing to load
	[ -n "$ktree" ] ||
	for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci \
		 netfs fscache 9pnet 9pnet_virtio 9p; do
		while read -r kind path _; do
			[ "$kind" = insmod ] || continue
			case " ${paths[*]} " in *" $path "*) continue ;; esac
			paths+=("$path")
		done < <(modprobe -S "$kver" --show-depends "$m" 2>/dev/null)
	done
	[ ${#paths[@]} -gt 0 ] || [ -n "$ktree" ] || [ "$(modinfo -k "$kver" -n 9p 2>/dev/null)" = "(builtin)" ] ||
		die "no 9p module found for $kver"
	# overlayfs for -y, loaded by init only for a systemd boot (none if built in)
	[ -n "$ktree" ] ||
	while read -r kind path _; do
		[ "$kind" = insmod ] || continue
		case " ${paths[*]} ${ypaths[*]} " in *" $path "*) continue ;; esac
		ypaths+=("$path")
	done < <(modprobe -S "$kver" --show-depends overlay 2>/dev/null)

	key=$({ cat "$here/init"; echo "$kver"; printf '%s\n' "${paths[@]}"; echo overlay
		printf '%s\n' "${ypaths[@]}"; md5sum <"$bb"; } |
		sha256sum | cut -c1-12)
	out=$cache/initramfs-$kver-$key.cpio.gz
	initrd=$out
	[ -s "$out" ] && return 0

	say "building the initramfs for $kver"
	tmp=$(mktemp -d) || die "mktemp failed"
	mkdir -p "$tmp/bin" "$tmp/modules" "$tmp/dev" "$tmp/proc" "$tmp/sys" "$tmp/newroot"
	cp "$bb" "$tmp/bin/busybox"
	cp "$here/init" "$tmp/init"
	chmod 0755 "$tmp/init"
	: >"$tmp/modules.list"
	: >"$tmp/modules.systemd.list"
	for path in "${paths[@]}" - "${ypaths[@]}"; do
		[ "$path" = - ] && { list=modules.systemd.list; continue; }
		name=${path##*/}
		case $name in
		*.ko.xz)  name=${name%.xz};  xz -dc "$path" >"$tmp/modules/$name" ;;
		*.ko.zst) name=${name%.zst}; zstd -qdc "$path" >"$tmp/modules/$name" ;;
		*.ko.gz)  name=${name%.gz};  gzip -dc "$path" >"$tmp/modules/$name" ;;
		*)        cp "$path" "$tmp/modules/$name" ;;
		esac || die "cannot copy $path"
		echo "$name" >>"$tmp/$list"
	done
	(cd "$tmp" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$out.$$" ||
		die "cannot write $out"
	rm -rf "$tmp"
	mv "$out.$$" "$out"
	# other versions of init (other work trees) may still use theirs: drop only old ones
	find "$cache" -maxdepth 1 -name "initramfs-$kver-*.cpio.gz" ! -newer "$out" -mtime +1 -delete
}
build_initramfs

# --- the module tree the guest's modprobe uses -----------------------------------------
if [ -n "$ko" ]; then
	# shellcheck source-path=SCRIPTDIR source=modtree.sh
	. "$here/modtree.sh"
	m=$res/modroot/lib/modules/$kver
	cp "$ko" "$res/kvs.ko"
	# -B: no /lib/modules/KVER; the tree holds just kvs.ko and the build's builtin lists
	msrc=/lib/modules/$kver mdir=/lib/modules/$kver
	if [ -n "$ktree" ]; then
		msrc=$ktree mdir=$res/nomodules
		mkdir -p "$mdir"
	fi
	kvs_modtree "$mdir" "$m" "$res/kvs.ko" || die "cannot build the module tree"
	rm -rf "$res/nomodules"
	for f in modules.order modules.builtin modules.builtin.modinfo; do
		[ -f "$msrc/$f" ] && cp "$msrc/$f" "$m/"
	done
	depmod -b "$res/modroot" "$kver" || die "depmod failed"
	mkdir -p "$res/modules"
	cp "$m"/modules.* "$res/modules/"
	rm -rf "$res/modroot"
	say "modprobe kvs will load $ko ($(modinfo -F version "$ko" 2>/dev/null || echo no version))"
else
	say "no kvs.ko: modprobe kvs uses whatever /lib/modules/$kver has"
fi

# --- what the guest runs ---------------------------------------------------------------
# -y: the systemd boot's test unless told otherwise; it should take about 3 minutes
if [ -n "$systemd" ]; then
	[ ${#cmd[@]} -gt 0 ] || [ ${#tests[@]} -gt 0 ] || tests=(systemd.sh)
	: "${vm_timeout:=600}"
fi
if [ ${#cmd[@]} -eq 0 ]; then
	cmd=("$tree/selftests/run_tests.sh")
	for t in "${tests[@]}"; do
		cmd+=(-t "$t")
	done
	# the whole suite: about 25 minutes on the 6.1 lane of a quiet 2-core machine
	: "${vm_timeout:=2700}"
else
	: "${vm_timeout:=900}"
fi
{
	printf 'KVS_TREE=%q\n' "$tree"
	printf 'KVS_CMD=('
	printf '%q ' "${cmd[@]}"
	printf ')\n'
	[ -z "$tscale" ] || printf 'export KVS_TIMEOUT_SCALE=%q\n' "$tscale"
	[ -z "$systemd" ] || printf 'export KVS_SYSTEMD=1\n'
	# the selftests' own knobs (amounts of work, seeds) reach the guest as they are set here
	for v in $(compgen -e | grep -E '^(FDB_SCALE|CHURN_SECS|TENANT_FLOOD|NLFUZZ_[A-Z]+|FRAMEFUZZ_[A-Z]+|FABRICFUZZ_[A-Z]+|FT_[A-Z_]+|EVPN_SCALE|KVS_TESTS_SKIP)$'); do
		printf 'export %s=%q\n' "$v" "${!v}"
	done
} >"$res/env"
cp "$here/guest.sh" "$here/modtree.sh" "$res/"
cat >"$res/start" <<'EOF'
/bin/bash /run/kvs-vm/guest.sh
echo "kvs-vm: guest.sh finished ($?), powering off"
sync
/bin/busybox poweroff -f 2>/dev/null || echo o >/proc/sysrq-trigger
sleep 30
EOF

# -y: what init copies onto the overlay before it starts systemd (see the top)
systemd_overlay() {
	local o=$res/overlay u=${KVS_SYSTEMD_UNITS:-$tree/userspace/kvsd} f

	mkdir -p "$o/etc/systemd/system" "$o/etc/systemd/journald.conf.d" "$o/etc/tmpfiles.d" \
		"$o/usr/sbin" || return
	cat >"$o/etc/systemd/system/kvs-test.target" <<-EOF || return
	# kvs test VM (selftests/vm/run.sh -y): basic.target and the test, nothing else
	[Unit]
	Description=kvs test VM
	Wants=basic.target kvs-test.service
	After=basic.target
	# a boot that never gets here powers off instead of waiting for run.sh's timeout
	JobTimeoutSec=200
	JobTimeoutAction=poweroff-force
	EOF
	cat >"$o/etc/systemd/system/kvs-test.service" <<-EOF || return
	# kvs test VM (selftests/vm/run.sh -y): guest.sh, then poweroff -f (run.sh's start)
	[Unit]
	Description=kvs test VM: the command of run.sh
	After=basic.target
	[Service]
	Type=exec
	ExecStart=/bin/sh /run/kvs-vm/start
	StandardInput=null
	StandardOutput=tty
	StandardError=inherit
	TTYPath=/dev/console
	EOF
	for f in kvsd.service kvsd.socket; do
		cp "$u/$f" "$o/etc/systemd/system/$f" || return
	done
	# the build, not a symlink into the tree (kvsd's PrivateTmp and ProtectHome would hide
	# a tree under /tmp or /home)
	if [ -x "$tree/userspace/kvsd/kvsd" ]; then
		cp "$tree/userspace/kvsd/kvsd" "$o/usr/sbin/kvsd" || return
	else
		say "warning: $tree/userspace/kvsd/kvsd not built (make tools): no /usr/sbin/kvsd"
	fi
	: >"$o/etc/fstab"
	ln -s /dev/null "$o/etc/systemd/system/timers.target"
	echo 'd /tmp 1777 root root -' >"$o/etc/tmpfiles.d/tmp.conf"
	printf '[Journal]\nStorage=volatile\n' >"$o/etc/systemd/journald.conf.d/kvs-test.conf"
}
if [ -n "$systemd" ]; then
	[ -x /lib/systemd/systemd ] || die "-y: /lib/systemd/systemd not found (apt-get install systemd)"
	systemd_overlay || die "-y: cannot write $res/overlay"
fi

# --- QEMU ------------------------------------------------------------------------------
qemu_cmd() { # ACCEL APPEND
	# shellcheck disable=SC2054 # the commas are QEMU's
	qemu=(qemu-system-x86_64 -name kvs-vm -nodefaults -no-user-config -display none
		-serial stdio -no-reboot -accel "$1" -m "$mem" -smp "$cpus"
		-kernel "$kernel" -initrd "$initrd" -append "$2"
		-fsdev "local,id=root,path=/,security_model=none,readonly=on,multidevs=remap"
		-device virtio-9p-pci,fsdev=root,mount_tag=root
		-fsdev "local,id=res,path=$res,security_model=none,multidevs=remap"
		-device virtio-9p-pci,fsdev=res,mount_tag=kvsres)
	[ -z "$icount" ] || qemu+=(-icount shift=0,align=off,sleep=off)
}

# The log buffer keeps every kvs debug line of the whole suite (the leak checks pair them:
# a stock kernel's default buffer lost the first test's lines once the fabric tests came),
# and every lockdep or KASAN report.
base_append="console=ttyS0 quiet panic=-1 rcupdate.rcu_cpu_stall_timeout=60 log_buf_len=8M"
# A -B kernel is the debug kernel (KASAN, lockdep): under TCG, ACPI's PCI IRQ routing (_PRT)
# runs past ACPICA's 30 s loop limit, so IRQs are routed without it; the soft-lockup
# detector gets its longest threshold (2 x 60 s).
[ -z "$ktree" ] || base_append+=" acpi=noirq watchdog_thresh=60"

# KVM only when a probe boot reaches the initramfs: on some hosts /dev/kvm opens but
# guests hang. The answer is cached per host kernel, QEMU and guest kernel.
probe_kvm() {
	local key f out

	[ -r /dev/kvm ] && [ -w /dev/kvm ] || return 1
	key=$({ uname -r; qemu-system-x86_64 --version | head -1; echo "$kver"; } | sha256sum | cut -c1-12)
	f=$cache/kvm-probe-$key
	if [ ! -f "$f" ]; then
		qemu_cmd kvm "$base_append kvsprobe"
		out=$(timeout -k 5 20 "${qemu[@]}" </dev/null 2>&1)
		if grep -q kvs-probe-ok <<<"$out"; then echo yes; else echo no; fi >"$f"
	fi
	[ "$(cat "$f")" = yes ]
}
if [ "$accel" = auto ]; then
	if probe_kvm; then accel=kvm; else accel=tcg; fi
fi

# -y: init makes the overlay and starts systemd (never a word with a dot: modprobe would
# pass "kvs.X" to kvs as a module parameter)
[ -z "$systemd" ] || base_append+=" kvssystemd systemd.unit=kvs-test.target"
qemu_cmd "$accel" "$base_append ${KVS_VM_APPEND:-}"
start=$(date +%s)
# A guest that dies before guest.sh starts has not run a line of ours, nor loaded kvs: under
# TCG a kernel's boot-time code patching (int3 text_poke on one vCPU while another runs the
# old code) can crash it. Such a boot is tried once more, and said so.
for try in 1 2; do
	say "booting $kver ($accel${icount:+ icount}, $cpus CPUs, $mem MB, timeout ${vm_timeout}s): ${cmd[*]}"
	if [ -n "$quiet" ]; then
		timeout -k 10 "$vm_timeout" "${qemu[@]}" </dev/null 2>&1 | sed -u 's/\r$//' >"$res/console.log"
	else
		timeout -k 10 "$vm_timeout" "${qemu[@]}" </dev/null 2>&1 | sed -u 's/\r$//' |
			tee "$res/console.log"
	fi
	qrc=${PIPESTATUS[0]}
	# (a boot that hung is not worth another timeout)
	if [ -f "$res/uptime" ] || [ "$try" = 2 ] || [ $(($(date +%s) - start)) -gt 300 ]; then
		break
	fi
	mv "$res/console.log" "$res/console.boot$try.log"
	say "the guest died before the command started (console: $res/console.boot$try.log;" \
	    "$(grep -m1 -E 'Oops|panic|BUG' "$res/console.boot$try.log" || echo 'no Oops line')):" \
	    "booting again"
done
wall=$(($(date +%s) - start))

# --- results ---------------------------------------------------------------------------
failed=0
checks=0
: >"$res/checks.tap"
report() { # RESULT(0 = ok) DESCRIPTION [DIAGNOSTIC LINES...]
	local r=$1 d=$2 line

	shift 2
	checks=$((checks + 1))
	[ -z "$systemd" ] || d="systemd boot: $d"
	if [ "$r" -eq 0 ]; then line="ok - $d"; else line="not ok - $d"; failed=$((failed + 1)); fi
	echo "$line" >>"$res/checks.tap"
	[ "$r" -eq 0 ] && [ -n "$brief" ] && return
	echo "$line"
	for line in "$@"; do
		echo "#   $line"
	done
}

status=
[ -f "$res/status" ] && status=$(cat "$res/status")
if [ -n "$status" ] && [ -f "$res/dmesg" ]; then
	say "guest ran the command after $(cat "$res/uptime" 2>/dev/null)s of uptime;" \
	    "$wall s wall in all; exit status $status"
	report 0 "vm: guest booted, ran the command and powered off"
else
	why="exit $qrc"
	[ "$qrc" -eq 124 ] || [ "$qrc" -eq 137 ] && why="killed after ${vm_timeout}s"
	mapfile -t tail < <(tail -n 15 "$res/console.log")
	report 1 "vm: guest booted, ran the command and powered off ($why)" "last console lines:" \
		"${tail[@]}"
fi

# The final log, or the one copied while the guest ran if it never got to the end.
dmesg=$res/dmesg
[ -f "$dmesg" ] || dmesg=$res/dmesg.live
logs=()
[ -s "$dmesg" ] && logs+=("$dmesg")

# pattern check: DESCRIPTION EXTENDED-REGEX
log_check() {
	local hits=()

	mapfile -t hits < <(cat "${logs[@]}" | grep -E -- "$2" | head -n 5)
	report ${#hits[@]} "kernel log: $1" "${hits[@]}"
}
if [ ${#logs[@]} -eq 0 ]; then
	report 1 "kernel log checks (the guest left no kernel log)"
	exit 1
fi
log_check 'no "BUG:"' 'BUG:'
log_check 'no "WARNING:"' 'WARNING:'
log_check 'no Oops' 'Oops'
log_check 'no RCU stall' 'RCU stall|rcu_sched self-detected stall|rcu_preempt self-detected stall|detected stalls on CPUs|rcu: INFO'
log_check 'no sleeping in atomic context' 'sleeping function called from invalid context'
log_check 'no general protection fault' 'general protection fault'
log_check 'no KASAN report' 'KASAN'
log_check 'no "kernel BUG"' 'kernel BUG'
log_check 'no lockdep or RCU-lockdep report' 'possible (circular|recursive) locking|inconsistent lock state|suspicious RCU usage|WARNING: (lock held|bad unlock balance|held lock freed)|possible irq lock inversion|turning off the locking correctness validator|DEBUG_LOCKS_WARN_ON|ODEBUG:'
log_check 'no lockup or hung task' 'soft lockup|hard LOCKUP|blocked for more than [0-9]+ seconds'
log_check 'no UBSAN report' 'UBSAN:'
log_check 'no refcount or list corruption, no stuck netdev' 'refcount_t:|list_(add|del) corruption|unregister_netdevice: waiting for'

# kmemleak (debug kernels; guest.sh scans before and after rmmod kvs): a leak whose record
# names kvs (a kvs symbol or comm) or has a frame in module space that no longer resolves
# (kvs is the only module of a -B kernel) fails. On a -B kernel every other leak fails too:
# that kernel leaks nothing by itself, and what kvs leaks need not name it (an skb it
# forgets to free was allocated by veth or a socket, in the sender's context).
if [ -f "$res/kmemleak" ] || [ -f "$res/kmemleak.loaded" ]; then
	mods=1
	[ -z "$ktree" ] || mods=0
	leaks=$(cat "$res/kmemleak.loaded" "$res/kmemleak" 2>/dev/null | awk -v mods="$mods" '
		function flush() {
			if (obj != "") { n[obj]++; if (kvs || (unres && !mods)) k[obj] = 1
				if (!(obj in first) || (obj in k && first[obj] !~ / <- /))
					first[obj] = head (why != "" ? " <- " why : "") }
			obj = ""; kvs = 0; unres = 0; why = ""
		}
		/^unreferenced object/ { flush(); obj = $3; head = $0; next }
		/comm "|\[<[0-9a-f]+>\]/ && /kvs/ { if (!kvs) why = $0; kvs = 1 }
		/\] 0xffffffff[a-f][0-9a-f]{7}$/ { if (!kvs && !unres) why = $0; unres = 1 }
		END { flush(); for (o in n) print ((o in k) ? "kvs" : "other") "\t" first[o] }')
	mapfile -t bad < <(grep -P '^kvs\t' <<<"$leaks" | cut -f2 | head -n 10)
	mapfile -t other < <(grep -P '^other\t' <<<"$leaks" | cut -f2 | head -n 10)
	if [ -n "$ktree" ]; then
		report $((${#bad[@]} + ${#other[@]})) \
			"kmemleak: no leak (${#bad[@]} naming kvs, ${#other[@]} others)" \
			"${bad[@]}" "${other[@]/#/not naming kvs: }"
	else
		report ${#bad[@]} "kmemleak: no leak involving kvs (${#other[@]} other leaks)" \
			"${bad[@]}" "${other[@]/#/not kvs: }"
	fi
	log_check 'kmemleak stayed enabled' 'kmemleak: (Kernel memory leak detector disabled|Cannot allocate|Memory pool empty)'
fi

# leak check: every "created"/"attached" debug line has its "destroyed"/"detached" one,
# per name. DESCRIPTION OBJECT UP DOWN
pair_check() {
	local up down bad

	up=$(grep -cE "kvs: $2 .* $3\$" "$dmesg")
	down=$(grep -cE "kvs: $2 .* $4\$" "$dmesg")
	mapfile -t bad < <(grep -oE "kvs: $2 .* ($3|$4)\$" "$dmesg" | awk -v up="$3" '
		{ name = $3; n[name] += ($4 == up) ? 1 : -1 }
		END { for (name in n) if (n[name]) printf "%s: %+d\n", name, n[name] }' | head -n 5)
	[ "$up" -eq "$down" ] || [ ${#bad[@]} -gt 0 ] || bad=("$up $3, $down $4")
	report ${#bad[@]} "leak check: $1 ($up $3, $down $4)" "${bad[@]}"
}
pair_check "every switch created is destroyed" switch created destroyed
pair_check "every port attached is detached" port attached detached

if [ -f "$res/rmmod" ]; then
	report "$(cat "$res/rmmod")" "rmmod kvs at the end"
	# Without dynamic debug the leak checks above see nothing: make that a failure.
	if grep -q ' =p ' "$res/dyndbg" 2>/dev/null; then
		report 0 "kvs debug lines enabled (dyndbg=+p), so the leak checks count"
	else
		report 1 "kvs debug lines enabled (dyndbg=+p), so the leak checks count" \
			"no enabled [kvs] site in dynamic_debug/control"
	fi
fi

[ -n "$brief" ] && say "$((checks - failed)) of $checks checks of the VM and its kernel log passed"
if [ -n "$outdir" ]; then
	say "results in $res"
fi
if [ "$failed" -gt 0 ] || [ "${status:-1}" != 0 ]; then
	exit 1
fi
exit 0
