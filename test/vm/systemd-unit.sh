# VM check: contrib/systemd/reapd.service under a real systemd. The guest's PID 1 is the
# VM tier's own init, so systemd 252 (the host's, visible through the overlay) boots as
# PID 1 of a new pid and mount namespace, as under systemd-nspawn, and manages the
# guest's cgroup2 tree. `reapd install` puts the unit in place; a domain on a cgroup2
# group with memory.max guards a hog at adj 900. Prints key=value lines for
# test/vm/systemd-unit.test.ts; no timing is asserted (TCG), the ms figures are reported.
set -u
# Run the package from where an installed one lives, not from the checkout's path: the
# unit's PrivateTmp= and ProtectHome= hide /tmp and /home from the service, and a CI
# clone may sit in either.
mkdir -p /opt/reapd && mount --bind "$PWD" /opt/reapd || { echo "bind=failed"; exit 11; }
R=/opt/reapd
say() { echo "$1=$2"; }
node $R/dist/src/cli/main.js install >/dev/null || { say install failed; exit 10; }
CG=/sys/fs/cgroup/reapd-vm-unit
mkdir -p $CG && echo 256M > $CG/memory.max
cat > /etc/reapd/reapd.toml <<T
[daemon]
journal = "/var/lib/reapd/journal.jsonl"
[[domain]]
name = "unit"
memcg = "$CG"
policy = "simple-lmk"
minfree = "48MiB"
T
printf '[Unit]\nDescription=reapd VM test\nRequires=reapd.service\nAfter=reapd.service\n' > /etc/systemd/system/reapd-vm-test.target
# The guest runs ~20x slower than a real host (TCG) and has no journald: give the start
# room (a native start takes well under a second) and keep reapd's own output.
mkdir -p /etc/systemd/system/reapd.service.d
printf '[Service]\nTimeoutStartSec=600\nStandardOutput=file:/tmp/reapd.out\nStandardError=file:/tmp/reapd.out\n' > /etc/systemd/system/reapd.service.d/vm.conf
t0=$(date +%s%N)
unshare --pid --fork --mount --mount-proc env container=reapd-vm /lib/systemd/systemd --system --unit=reapd-vm-test.target >/tmp/systemd.log 2>&1 &
SDOUT=$!
sleep 1
SD=$(pgrep -P $SDOUT | head -1); [ -n "$SD" ] || SD=$(pgrep -f 'systemd --system --unit=reapd-vm-test' | tail -1)
ns() { nsenter -t "$SD" -p -m "$@"; }
prop() { ns systemctl show -p "$1" --value reapd; }
for i in $(seq 1 240); do [ "$(prop ActiveState 2>/dev/null)" = active ] && break; sleep 0.25; done
say active "$(prop ActiveState)"
if [ "$(prop ActiveState)" != active ]; then
  ns systemctl status reapd --no-pager >&2
  tail -40 /tmp/reapd.out >&2
fi
say ready_ms $(( ($(date +%s%N) - t0) / 1000000 ))
say status_text "$(prop StatusText)"
MP=$(prop MainPID)
say oom_score_adj "$(ns cat /proc/$MP/oom_score_adj)"
say seccomp "$(ns awk '/^Seccomp:/{print $2}' /proc/$MP/status)"
say cap_eff "$(ns awk '/^CapEff:/{print $2}' /proc/$MP/status)"
say cgroup "$(ns cat /proc/$MP/cgroup)"
say memory_min_effective "$(grep -c 'memory-min: partial' /tmp/reapd.out)"
# A hog at adj 900 grows past the group's limit: reapd must kill it (and reap it) while
# under its SystemCallFilter, and stay up.
ns sh -c "echo \$\$ > $CG/cgroup.procs; echo 900 > /proc/self/oom_score_adj; exec python3 -c '
import time
b=[]
for i in range(100):
    b.append(bytearray(4<<20)); time.sleep(0.1)
time.sleep(30)'" &
HOG=$!
for i in $(seq 1 240); do grep -q '"pid"' /var/lib/reapd/journal.jsonl 2>/dev/null && grep -q exitMs /var/lib/reapd/journal.jsonl && break; sleep 0.25; done
wait $HOG; say hog_exit $?
say kernel_oom_kill "$(awk '/^oom_kill /{print $2}' $CG/memory.events)"
say journal "$(tail -1 /var/lib/reapd/journal.jsonl 2>/dev/null)"
say main_pid_after_kill "$(prop MainPID)"
say main_pid_before "$MP"
say nrestarts "$(prop NRestarts)"
ns systemctl reload reapd; say reload_rc $?
for i in $(seq 1 40); do [ "$(prop StatusText)" = "configuration reloaded" ] && break; sleep 0.25; done
say status_after_reload "$(prop StatusText)"
t1=$(date +%s%N); ns systemctl stop reapd; say stop_rc $?
say stop_ms $(( ($(date +%s%N) - t1) / 1000000 ))
say result "$(prop Result)"
say exec_main_status "$(prop ExecMainStatus)"
say active_after_stop "$(prop ActiveState)"
rmdir $CG 2>/dev/null
tail -20 /tmp/reapd.out >&2
