#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernels kvs is tested on, each named, never "whatever make picks": Debian 12's own
# Linux 6.1 LTS (bookworm, the first target), Linux 6.12 LTS and 6.12 PREEMPT_RT
# (bookworm-backports / bookworm-security), generic amd64 and rt-amd64 flavours.
#
#   kernels.sh install   (as root, unless all is there) the newest bookworm 6.1 image and
#                        headers (linux-image-6.1.0-NN-amd64: what bookworm's own
#                        linux-image-amd64 depends on, even where the metapackages come
#                        from backports); then add bookworm-backports to apt's sources if
#                        no source has it, and install the image and headers of each
#                        6.12 flavour: the linux-image-6.12-FLAVOUR metapackages where apt
#                        has them (Debian 12 carries linux-6.12 in bookworm-security),
#                        else the versioned packages bookworm-backports'
#                        linux-image-FLAVOUR points at. Does nothing that is already done.
#   kernels.sh base      the 6.1 kernel release (newest 6.1.0-NN-amd64 with
#                        /boot/vmlinuz-KVER and headers), or exit 1
#   kernels.sh list      the 6.12 kernel releases, one a line (newest of each flavour
#                        with /boot/vmlinuz-KVER and headers), e.g. 6.12.117+deb12-amd64
#                        and 6.12.117+deb12-rt-amd64
#   kernels.sh check [--debug]
#                        the lanes: "make check-quick KERNELRELEASE=KVER" for the 6.1
#                        kernel and for each listed one, one after the other; with
#                        --debug also "make check-debug", in the background: its kernel
#                        builds at nice 19 during the first lane, then the debug lane
#                        runs beside the other stock lanes (its output follows theirs); a
#                        table of the lanes with the kernel each ran, counts and wall
#                        times, then the sum "N passed, M failed" ("make check" is "check
#                        --debug"). A missing 6.1 or 6.12 kernel is a failed lane, never
#                        a silent substitute.
#
# Environment: KVS_KERNEL_SERIES (default 6.12), KVS_KERNEL_FLAVOURS (default
# "amd64 rt-amd64"), KVS_KERNELS (for check: the releases to run instead of the 6.1 one
# and the listed ones), KVS_SYSTEMD_TEST (1: every lane runs the systemd boot, 0: none;
# default the first), KVS_ROOT (a directory to read /boot and /lib/modules under instead
# of /, for kernels_test.sh).

set -u -o pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tree=$(cd "$here/../.." && pwd)
series=${KVS_KERNEL_SERIES:-6.12}
flavours=${KVS_KERNEL_FLAVOURS:-amd64 rt-amd64}
export DEBIAN_FRONTEND=noninteractive
PATH=$PATH:/usr/sbin:/sbin

say() { echo "kvs-kernels: $*" >&2; }
die() { say "$*"; exit 1; }

# The Debian mirror the main suite comes from (deb822 .sources or one-line .list files).
mirror() {
	local f u

	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		u=$(awk '/^URIs:/ { uri = $2 } /^Suites:/ && / bookworm( |$)/ { print uri; exit }' "$f")
		[ -n "$u" ] && { echo "$u"; return; }
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		u=$(awk '$1 == "deb" && $0 ~ / bookworm / { for (i = 2; i <= NF; i++) if ($i ~ /:\/\//) { print $i; exit } }' "$f")
		[ -n "$u" ] && { echo "$u"; return; }
	done
	echo http://deb.debian.org/debian
}

known() { # PACKAGE: apt has a candidate for it
	apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: //p' | grep -qv '(none)'
}

installed() { # PACKAGE
	dpkg-query -W -f='${db:Status-Status}\n' "$1" 2>/dev/null | grep -qx installed
}

# bookworm-backports' versioned package for KIND (image, headers) and FLAVOUR
backport() {
	apt-cache show "linux-$1-$2/bookworm-backports" 2>/dev/null |
		sed -n "s/^Depends:.*\(linux-$1-$series\.[^ ,]*\).*/\1/p" | head -n 1
}

# The bookworm 6.1 packages (image, headers) to install: the versioned ones the newest
# linux-image-amd64 of the 6.1 series points at, whichever suite the metapackage's
# candidate comes from.
base_packages() {
	local kind v

	for kind in image headers; do
		v=$(apt-cache show "linux-$kind-amd64" 2>/dev/null |
			sed -n "s/^Depends:.*\(linux-$kind-6\.1\.0-[0-9]*-amd64\).*/\1/p" |
			sort -V | tail -n 1)
		[ -n "$v" ] || return 1
		echo "$v"
	done
}

install_base() {
	local pkgs

	base >/dev/null 2>&1 && return 0
	[ "$(id -u)" = 0 ] || die "installing the Debian 12 (6.1) kernel and headers needs root"
	pkgs=$(base_packages) || { apt-get update -q >&2; pkgs=$(base_packages); } ||
		die "apt has no bookworm 6.1 kernel (linux-image-6.1.0-NN-amd64)"
	# shellcheck disable=SC2086
	say "installing" $pkgs
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $pkgs >&2 || die "apt-get install failed"
}

install() {
	local f pkgs=() missing=() p

	command -v dpkg-query >/dev/null || die "not a Debian system"
	install_base
	for f in $flavours; do
		pkgs+=("linux-image-$series-$f" "linux-headers-$series-$f")
	done
	for p in "${pkgs[@]}"; do
		installed "$p" || missing+=("$p")
	done
	if [ ${#missing[@]} -eq 0 ]; then
		say "already installed: ${pkgs[*]}"
		return 0
	fi
	[ "$(id -u)" = 0 ] || die "installing ${missing[*]} needs root"
	if ! grep -rqsE '(^|[[:space:]])bookworm-backports([[:space:]]|$)' \
		/etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; then
		f=/etc/apt/sources.list.d/kvs-bookworm-backports.sources
		say "adding bookworm-backports ($(mirror)) as $f"
		cat >"$f" <<EOF
Types: deb
URIs: $(mirror)
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
	fi
	apt-get update -q >&2 || die "apt-get update failed"
	pkgs=()
	for p in "${missing[@]}"; do
		if known "$p"; then
			pkgs+=("$p")
			continue
		fi
		# no metapackage: the versioned package of the backports' one
		f=${p#linux-*-"$series"-}
		case $p in
		linux-image-*)   p=$(backport image "$f") ;;
		linux-headers-*) p=$(backport headers "$f") ;;
		esac
		[ -n "$p" ] || die "neither linux-*-$series-$f nor a bookworm-backports $series kernel is available"
		pkgs+=("$p")
	done
	say "installing ${pkgs[*]}"
	apt-get install -y -q --no-install-recommends "${pkgs[@]}" >&2 || die "apt-get install failed"
}

# usable KVER: its image and headers are installed
usable() {
	[ -e "${KVS_ROOT:-}/boot/vmlinuz-$1" ] && [ -e "${KVS_ROOT:-}/lib/modules/$1/build/Makefile" ]
}

base() {
	local k

	k=$(find "${KVS_ROOT:-}/lib/modules" -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null |
		grep -E '^6\.1\.0-[0-9]+-amd64$' | sort -V |
		while read -r k; do usable "$k" && echo "$k"; done | tail -n 1)
	[ -n "$k" ] || { say "no Debian 12 6.1 kernel (6.1.0-NN-amd64) with headers installed (kernels.sh install)"; return 1; }
	echo "$k"
}

list() {
	local f k rc=0

	for f in $flavours; do
		k=$(find "${KVS_ROOT:-}/lib/modules" -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null |
			grep -E "^${series//./\\.}\.[0-9]+(\+[^-]*)?-$f\$" | sort -V |
			while read -r k; do usable "$k" && echo "$k"; done | tail -n 1)
		if [ -n "$k" ]; then
			echo "$k"
		else
			say "no $series $f kernel with headers installed (kernels.sh install)"
			rc=1
		fi
	done
	return $rc
}

# lane NAME COMMAND...: one lane, its output shown with its summary line turned into a
# comment; adds its counts to the sum and a line to the table
lane() {
	local name=$1 out start=$SECONDS

	shift
	echo "# === lane $name: $*"
	out=$(mktemp) || exit 1
	"$@" 2>&1 | tee "$out" | summary_as "$name"
	[ "${PIPESTATUS[0]}" -eq 0 ] || rc=1
	lane_count "$name" "$out" $((SECONDS - start))
	rm -f "$out"
}

# summary_as NAME: stdin to stdout, a lane's summary line "N passed, M failed" turned into
# the comment "# NAME: N passed, M failed" (the sum of all lanes is the only such line)
summary_as() {
	sed -u -E 's/^([0-9]+ passed, [0-9]+ failed)$/# '"$1"': \1/'
}

# lane_count NAME OUTPUT SECONDS: a finished lane's counts (from the summary line in the
# file OUTPUT) into the sum, and its line into the table
lane_count() {
	local p f

	read -r p f < <(sed -n -E 's/^([0-9]+) passed, ([0-9]+) failed$/\1 \2/p' "$2" | tail -n 1)
	if [ -z "${p:-}" ]; then
		p=0 f=1
		echo "not ok - lane $1 printed no summary"
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	table+=("# lane $1: $p passed, $f failed, $3 s")
}

# debug_chain DIR: in the background, the debug kernel's build (nice 19: it takes what the
# first lane's VM leaves of the two cores), then its lane at normal priority beside the
# stock lanes still running; the output, exit status and wall time land in DIR
debug_chain() {
	local d=$1 t

	nice -n 19 "$here/debug-kernel.sh" >"$d/build.log" 2>&1
	t=$SECONDS
	make -C "$tree" --no-print-directory check-debug >"$d/lane.log" 2>&1
	echo "$? $((SECONDS - t))" >"$d/status"
}

check() {
	local kernels='' k rc=0 passed=0 failed=0 table=() debug='' bg='' bgpid='' start=$SECONDS
	local dver drc dsecs out

	[ "${1:-}" = --debug ] && debug=1
	# how the lanes are chosen, tested offline first (counted like a lane's results)
	out=$("$here/kernels_test.sh")
	printf '%s\n' "$out"
	passed=$((passed + $(grep -c '^ok ' <<<"$out")))
	failed=$((failed + $(grep -c '^not ok ' <<<"$out")))
	if [ -n "${KVS_KERNELS:-}" ]; then
		kernels=$KVS_KERNELS
	else
		# Named kernels only: Debian 12's 6.1 first, then 6.12 and 6.12-rt. One that is
		# missing is a failed lane, not a lane quietly run on some other kernel.
		if k=$(base); then
			kernels=$k
		else
			echo "not ok - lane 6.1: no Debian 12 6.1 kernel with headers (make kernels)"
			failed=$((failed + 1))
			table+=("# lane 6.1: not run, no 6.1.0-NN-amd64 kernel with headers")
		fi
		k=$(list) || {
			echo "not ok - lanes $series: a $series kernel is missing (make kernels)"
			failed=$((failed + 1))
			table+=("# lane $series: not run for every flavour of: $flavours")
		}
		kernels="$kernels $k"
	fi
	read -ra k <<<"${kernels//$'\n'/ }"
	kernels="${k[*]}"
	[ -n "$kernels" ] || die "no kernel to check"
	echo "# lanes: $kernels${debug:+ debug}"
	if [ -n "$debug" ]; then
		# A lane's VM leaves part of the two cores idle (its tests wait on timers, peers
		# and sessions much of the time). So the debug kernel builds (or is found in the
		# cache) at the lowest priority while the first lane runs, and the debug lane,
		# the longest, runs beside the other stock lanes instead of after them: 68
		# minutes in all instead of about 75 (2026-12-08, 1.6 cores busy on average).
		# check-debug.sh asks debug-kernel.sh again and finds the build. Each lane builds
		# its kvs.ko apart (check-debug.sh in a copy of the sources); the tools are built
		# by the first lane, and later builds of them find nothing to do.
		bg=$(mktemp -d) || exit 1
		debug_chain "$bg" &
		bgpid=$!
		echo "# the debug kernel builds in the background (nice 19), then its lane runs beside the stock lanes: $bg"
	fi
	# What runs where (run_tests.sh prints a TAP skip for the rest; the CI has 70 minutes
	# on 2 cores without KVM). The first lane (the default kernel, 6.1) runs everything
	# but the interop peers (OVS, a bridge, vxlan devices: one lane, stock 6.12); the
	# userspace daemon and CNI plugin (kvsd.sh, cni.sh, podman.sh: the same binaries
	# on any kernel) and the fdb dump scale test (dumps.sh) run there only. The two 6.12
	# kernels share the rest of the suite, so that every test runs on a 6.12 kernel once:
	# PREEMPT_RT takes what forwards frames under locks that sleep there (the datapath,
	# the storm, lifecycle and churn); the stock 6.12 kernel takes the control plane, the
	# fuzzers of input, the encapsulation trust tests and the interop peers.
	# fabrictrust.sh tests both underlays on the 6.1 lane and IPv4 on 6.12. kvsd's systemd
	# units (systemd-analyze, then one VM boot with systemd as PID 1: check.sh) are tested
	# on the first lane only (KVS_SYSTEMD_TEST).
	local once="dumps.sh kvsd.sh cni.sh podman.sh evpn.sh"
	local rt_only="forwarding.sh lifecycle.sh churn.sh framefuzz.sh tenant.sh fastpath.sh fabric.sh"
	local stock_only="isolation.sh security.sh ageing.sh fdbscale.sh badinput.sh permission.sh
		nlfuzz.sh accounting.sh hosttools.sh fabrictrust.sh fabricfuzz.sh interop.sh"
	local skip= fams= sysd= first=1
	for k in $kernels; do
		if [ -n "$first" ]; then
			skip=interop.sh fams= sysd=1
		elif [ "${k%-rt-*}" != "$k" ]; then
			skip="$once $stock_only" fams=4 sysd=0
		else
			skip="$once $rt_only" fams=4 sysd=0
		fi
		first=
		KVS_TESTS_SKIP="${KVS_TESTS_SKIP-$(echo $skip)}" FT_FAMILIES="${FT_FAMILIES-$fams}" \
			KVS_SYSTEMD_TEST="${KVS_SYSTEMD_TEST-$sysd}" \
			lane "$k" make -C "$tree" --no-print-directory check-quick \
			KERNELRELEASE="$k" KERNELDIR="/lib/modules/$k/build"
	done
	if [ -n "$debug" ]; then
		echo "# waiting for the debug lane"
		wait "$bgpid"
		sed 's/^/# /' "$bg/build.log"
		dver=$(cat "$(tail -n 1 "$bg/build.log")/include/config/kernel.release" 2>/dev/null)
		read -r drc dsecs <"$bg/status" 2>/dev/null || drc=1 dsecs=0
		echo "# === lane debug ${dver:-kernel}: make -C $tree check-debug (ran beside the stock lanes)"
		summary_as "debug ${dver:-kernel}" <"$bg/lane.log"
		[ "$drc" = 0 ] || rc=1
		lane_count "debug ${dver:-kernel}" "$bg/lane.log" "$dsecs"
		rm -rf "$bg"
	fi
	printf '%s\n' "${table[@]}"
	echo "# all lanes: $((SECONDS - start)) s"
	echo "$passed passed, $failed failed"
	[ "$rc" -eq 0 ] && [ "$failed" -eq 0 ]
}

case ${1:-} in
install) install ;;
base)    base ;;
list)    list ;;
check)   shift; check "$@" ;;
*)       sed -n '4,/^$/s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
esac
