#!/bin/sh
# Stage 2, PID 1 of the guest after switch_root (busybox sh from the overlay):
# runs the command with bash as root in the caller's directory, sends its
# stdout, stderr and exit status back on the virtio serial ports out, err and
# status, and powers off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb LANG=C.UTF-8
CWD=/
. /.reapd-vm/env
cd "$CWD" || cd /
bash -c "$(cat /.reapd-vm/cmd)" </dev/null >/dev/virtio-ports/out 2>/dev/virtio-ports/err
echo "rc=$?" >/dev/virtio-ports/status
sync
echo o >/proc/sysrq-trigger
sleep 10
