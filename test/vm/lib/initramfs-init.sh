#!/bin/busybox sh
# Stage 1, PID 1 in the initramfs (busybox-static only: under TCG every exec of
# a dynamically linked host binary costs ~0.1 s). Builds the guest "modern
# host" and switch_roots into lib/guest-init.sh:
#  - root = the host's / (virtiofs tag hostroot, read-only) under a tmpfs overlay;
#  - /proc /sys /dev /dev/pts /dev/shm /run as systemd mounts them;
#  - cgroup2 alone at /sys/fs/cgroup (cgroup_no_v1=all), mounted as systemd
#    does (nsdelegate,memory_recursiveprot), +cpu +io +memory +pids delegated;
#  - zram swap of ZRAM bytes unless ZRAM=0, as zram-generator sets it up.
/bin/busybox mkdir -p /proc /sys /dev /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
ZRAM=0
. /vmrun/env
exec 3>/dev/console
say() { echo "reapd-vm stage 1: $*" >&3; }
die() {
	say "$*"
	for p in /sys/class/virtio-ports/*; do
		[ "$(cat "$p/name" 2>/dev/null)" = status ] && echo "vmfail: $*" >"/dev/${p##*/}"
	done
	echo o >/proc/sysrq-trigger
	sleep 5
}

while read -r ko; do
	[ -n "$ko" ] && { insmod "/modules/$ko" || say "insmod $ko failed"; }
done </modules.list

mkdir -p /lower /rw /newroot
mount -t virtiofs -o ro hostroot /lower || die "mounting virtiofs hostroot failed"
mount -t tmpfs -o mode=0755 rw /rw && mkdir -p /rw/upper /rw/work || die "tmpfs failed"
mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work overlay /newroot || die "overlay failed"
R=/newroot
mkdir -p $R/.reapd-vm && cp /vmrun/* /bin/busybox $R/.reapd-vm/ || die "copying the run files failed"

mount -t proc -o nosuid,nodev,noexec proc $R/proc
mount -t sysfs -o nosuid,nodev,noexec sysfs $R/sys
mount --move /dev $R/dev
umount /proc /sys
mkdir -p $R/dev/pts $R/dev/shm $R/dev/virtio-ports
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts $R/dev/pts
mount -t tmpfs -o nosuid,nodev shm $R/dev/shm
mount -t tmpfs -o nosuid,nodev,mode=755 run $R/run
ln -sfn /proc/self/fd $R/dev/fd
ln -sfn /proc/self/fd/0 $R/dev/stdin
ln -sfn /proc/self/fd/1 $R/dev/stdout
ln -sfn /proc/self/fd/2 $R/dev/stderr
# what udev would do for the named virtio serial ports (out, err, status)
for p in $R/sys/class/virtio-ports/*; do
	[ -r "$p/name" ] && ln -sfn "/dev/${p##*/}" "$R/dev/virtio-ports/$(cat "$p/name")"
done

CG=$R/sys/fs/cgroup
mount -t cgroup2 -o nosuid,nodev,noexec,nsdelegate,memory_recursiveprot cgroup2 $CG || say "cgroup2 mount failed"
for c in cpu io memory pids; do echo "+$c" >$CG/cgroup.subtree_control || say "cannot enable +$c"; done

# the guest kernel's modules (unpacked on the host), so modprobe works inside
if [ -n "${MODDIR:-}" ] && [ -d "$R$MODDIR" ]; then
	mkdir -p $R/usr/lib/modules && ln -sfn "$MODDIR" "$R/usr/lib/modules/$(uname -r)"
fi
hostname reapd-vm
ip link set lo up 2>/dev/null

if [ "$ZRAM" != 0 ]; then
	Z=$R/sys/block/zram0
	[ -e $Z ] || die "no zram device (module missing?)"
	# busybox swapon has no -p: the priority is the kernel's default (-2)
	echo "$ZRAM" >$Z/disksize && mkswap $R/dev/zram0 >/dev/null && swapon $R/dev/zram0 || die "zram swap setup failed"
fi
exec switch_root $R /.reapd-vm/busybox sh /.reapd-vm/guest-init.sh
die "switch_root failed"
