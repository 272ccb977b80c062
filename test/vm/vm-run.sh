#!/usr/bin/env bash
# test/vm/vm-run.sh — reapd's VM test tier: boot a stock Debian kernel as a
# "modern host" (cgroup2 only with +memory, PSI, optional zram swap, root with
# every capability), run one bash command in it, hand back its stdout, stderr
# and exit status, power off.
#
#   test/vm/vm-run.sh 'node dist/src/cli/main.js doctor'   # run in $PWD, in the guest
#   test/vm/vm-run.sh --prepare                             # fetch + build only
#   test/vm/vm-run.sh --check                               # why it cannot run here (rc 0 = it can)
#
# Exit status: the command's own; 125 = the VM tier itself failed (missing
# tool, kernel not obtainable, boot failure, timeout: the reason is on stderr,
# with the guest console when a boot went wrong).
#
# The guest sees this host's root filesystem read-only (virtiofs) under a RAM
# overlay, so node, the checkout, its dist/ and node_modules are at their host
# paths; its writes vanish at power-off. Runs one VM at a time on this host:
# it holds flock(2) on /tmp/reapd-vm.lock from boot to power-off (the lock the
# shared tools/vm/vm-run.sh users take). Do not wrap it in `flock` yourself
# unless you set REAPD_VM_LOCK_HELD=1 (it would wait on its own lock).
#
# Environment:
#   REAPD_VM_ZRAM     zram swap size in the guest, 0 = no swap      (default 1G)
#   REAPD_VM_MEM      guest RAM                                      (default 1536M)
#   REAPD_VM_CPUS     vCPUs                                          (default 2)
#   REAPD_VM_KPKG     Debian kernel package (meta or exact)   (default linux-image-6.12-cloud-amd64)
#   REAPD_VM_TIMEOUT  seconds before the VM is killed                (default 900)
#   REAPD_VM_LOCK_WAIT seconds to wait for /tmp/reapd-vm.lock        (default 1800)
#   REAPD_VM_CACHE    kernel/initramfs cache                         (default /var/cache/reapd/vm)
#   REAPD_VM_APPEND   extra kernel command line
#   REAPD_VM_VERBOSE=1 print the guest console and timings on stderr
set -euo pipefail

TIER=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$TIER/lib/prepare.sh"

ZRAM=${REAPD_VM_ZRAM:-1G}
MEM=${REAPD_VM_MEM:-1536M}
CPUS=${REAPD_VM_CPUS:-2}
TIMEOUT=${REAPD_VM_TIMEOUT:-900}
LOCK_WAIT=${REAPD_VM_LOCK_WAIT:-1800}
VERBOSE=${REAPD_VM_VERBOSE:-0}
LOCK=/tmp/reapd-vm.lock

case ${1:-} in
--check) missing_reason && exit 0; exit 125 ;;
--prepare) prepare && echo "kernel $KVER: $KERNEL, initramfs $BASE_INITRD" && exit 0; exit 125 ;;
'') vm_fail "usage: vm-run.sh 'COMMAND' | --prepare | --check" ;;
esac
[ $# -eq 1 ] || vm_fail "give the command as one string (it runs under bash -c in the guest)"
prepare || exit 125

# The share is a non-recursive bind of / (no host /proc, /sys, /dev or other
# mounts go through): the working directory must live on /'s filesystem.
[ "$(stat -c %d "$PWD")" = "$(stat -c %d /)" ] ||
	vm_fail "$PWD is not on the root filesystem: the guest would not see it"

RUN=$(mktemp -d /tmp/reapd-vm-run.XXXXXX)
VFS_PID='' QEMU_PID=''
finish() {
	local rc=$?
	[ -n "$QEMU_PID" ] && kill "$QEMU_PID" 2>/dev/null && wait "$QEMU_PID" 2>/dev/null
	[ -n "$VFS_PID" ] && kill "$VFS_PID" 2>/dev/null && wait "$VFS_PID" 2>/dev/null
	# share/ is only a mount point inside virtiofsd's private namespace: rmdir,
	# never rm -r, so a leftover bind of / can never be walked
	rmdir "$RUN/share" 2>/dev/null || true
	[ -d "$RUN/share" ] || rm -rf "$RUN"
	exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT TERM

# ---- the per-run archive: command, environment, stage 2 ----------------------
mkdir -p "$RUN/vmrun" "$RUN/share"
printf '%s\n' "$1" >"$RUN/vmrun/cmd"
printf 'ZRAM=%q CWD=%q MODDIR=%q\n' "$ZRAM" "$PWD" "$KROOT/lib/modules/$KVER" >"$RUN/vmrun/env"
cp "$TIER/lib/guest-init.sh" "$RUN/vmrun/"
# a second archive after the cached one; both compressed (the kernel refuses
# an uncompressed cpio after a gzip'd one: "invalid magic")
(cd "$RUN" && find vmrun | cpio -o -H newc --quiet | gzip -1) >"$RUN/run.cpio.gz"
cat "$BASE_INITRD" "$RUN/run.cpio.gz" >"$RUN/initrd"

# ---- one VM at a time on this host -------------------------------------------
if [ "${REAPD_VM_LOCK_HELD:-0}" != 1 ]; then
	exec 8>"$LOCK"
	flock -w "$LOCK_WAIT" 8 || vm_fail "waited ${LOCK_WAIT}s for $LOCK (another VM is running)"
fi

# ---- virtiofsd serving / read-only -------------------------------------------
# MALLOC_ARENA_MAX=1: a new glibc malloc arena calls sched_getaffinity, which
# Debian 12's virtiofsd seccomp list lacks: virtiofsd dies of SIGSYS mid-run
# and the guest hangs on its root (found by the shared tools/vm/ work).
unshare -m --propagation private bash -c '
	mount --bind / "$1" && mount -o remount,bind,ro "$1" || exit 1
	MALLOC_ARENA_MAX=1 exec /usr/lib/qemu/virtiofsd --socket-path="$2" -o source="$1" \
		-o cache=always -o sandbox=chroot -o no_posix_lock -o no_flock --thread-pool-size=8 -o log_level=err
' virtiofsd "$RUN/share" "$RUN/vfs.sock" 2>"$RUN/virtiofsd.log" &
VFS_PID=$!
for _ in $(seq 300); do [ -S "$RUN/vfs.sock" ] && break; kill -0 "$VFS_PID" 2>/dev/null || break; sleep 0.01; done
[ -S "$RUN/vfs.sock" ] || { cat "$RUN/virtiofsd.log" >&2; vm_fail "virtiofsd did not start"; }

# ---- qemu ----------------------------------------------------------------------
# TCG unless /dev/kvm is hardware-backed: our machines' kvm-pvm cannot run a
# stock kernel (its instruction emulator stops at BMI2 / cmpxchg16b).
if [ -w /dev/kvm ] && { [ -d /sys/module/kvm_intel ] || [ -d /sys/module/kvm_amd ]; }; then
	ACCEL=(-accel kvm -cpu host)
else
	ACCEL=(-accel tcg,thread=multi -cpu max)
fi
APPEND="console=ttyS0 quiet loglevel=4 panic=-1 rdinit=/init cgroup_no_v1=all psi=1"
APPEND+=" i8042.noaux i8042.nomux i8042.nopnp i8042.dumbkbd tsc=reliable no_timer_check"
APPEND+=" random.trust_cpu=on ${REAPD_VM_APPEND:-}"
: >"$RUN/out"; : >"$RUN/err"; : >"$RUN/status"
port() { echo "-chardev file,id=$1,path=$RUN/$1 -device virtserialport,bus=ser.0,nr=$2,chardev=$1,name=$1"; }
T_BOOT=$(date +%s.%N)
# shellcheck disable=SC2046
timeout -s KILL "$TIMEOUT" qemu-system-x86_64 -machine q35 "${ACCEL[@]}" -smp "$CPUS" -m "$MEM" \
	-object memory-backend-memfd,id=mem,size="$MEM",share=on -numa node,memdev=mem \
	-kernel "$KERNEL" -initrd "$RUN/initrd" -append "$APPEND" \
	-nodefaults -no-user-config -nographic -display none -vga none -monitor none -no-reboot -nic none \
	-serial "file:$RUN/console.log" \
	-chardev socket,id=vfs,path="$RUN/vfs.sock" -device vhost-user-fs-pci,chardev=vfs,tag=hostroot,queue-size=1024 \
	-device virtio-serial-pci,id=ser $(port out 1) $(port err 2) $(port status 3) -device virtio-rng-pci \
	</dev/null >"$RUN/qemu.log" 2>&1 &
QEMU_PID=$!
QRC=0 WHO=''
wait -n -p WHO "$QEMU_PID" "$VFS_PID" || QRC=$?
if [ "$WHO" = "$VFS_PID" ]; then
	# virtiofsd may see the hang-up at power-off before qemu exits: only an
	# exit before the command finished is a failure
	VFS_PID=''
	grep -q '^rc=' "$RUN/status" || { echo "virtiofsd exited while the guest ran" >>"$RUN/qemu.log"; kill "$QEMU_PID"; }
	QRC=0
	wait "$QEMU_PID" || QRC=$?
fi
QEMU_PID=''
T_END=$(date +%s.%N)
[ "${REAPD_VM_LOCK_HELD:-0}" = 1 ] || flock -u 8

cat "$RUN/out"
cat "$RUN/err" >&2
RC=$(sed -n 's/^rc=\([0-9]*\)$/\1/p' "$RUN/status" | tail -n1)
if [ -z "$RC" ] || [ "$VERBOSE" = 1 ]; then
	{
		[ -z "$RC" ] && echo "vm-run: the VM failed (qemu exit $QRC$([ "$QRC" = 137 ] && echo ", killed after ${TIMEOUT}s"))"
		echo "---- guest console ----"; cat "$RUN/console.log"
		echo "---- qemu ----"; cat "$RUN/qemu.log"
		echo "---- status port ----"; cat "$RUN/status"
		grep -v 'Unexpected poll revents' "$RUN/virtiofsd.log" | sed 's/^/virtiofsd: /' || true
		echo "vm-run: kernel $KVER, qemu ran $(awk "BEGIN{printf \"%.1f\", $T_END - $T_BOOT}") s"
	} >&2
fi
exit "${RC:-125}"
