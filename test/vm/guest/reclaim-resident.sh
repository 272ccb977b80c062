#!/bin/bash
# reapd's own memory against proactive reclaim (issue 20), in the VM guest: start reapd on its
# embedded default (a dry run, no journal), then ask the kernel to reclaim 2 GiB from the
# root cgroup (memory.reclaim: anonymous pages go to zram) and read reapd's VmSwap. With its
# own cgroup (memory.swap.max = 0, memory.min) nothing of it may go; without one
# (SELF_CGROUP=false) its idle heap does, and reapd says so (a self-swapped warning).
# Prints one JSON line. Deterministic where a thrashing workload is not: the swap-out does
# not depend on how long the thrash lasts before a kill.
set -u
self_cgroup=${SELF_CGROUP:-true}
dir=$(mktemp -d)
printf '[daemon]\njournal = ""\nlog_format = "json"\ndry_run = true\nself_cgroup = %s\n' "$self_cgroup" > "$dir/daemon.toml"
sed -n '/^\[\[rules.protect\]\]/,$p' config/default.toml >> "$dir/daemon.toml"
node dist/src/cli/main.js run --config "$dir/daemon.toml" >"$dir/log" 2>&1 &
pid=$!
for _ in $(seq 900); do grep -q '"event":"self-memory"' "$dir/log" && break; sleep 0.1; done
group=$(cut -d: -f3 "/proc/$pid/cgroup")
for _ in 1 2 3; do echo 2G > /sys/fs/cgroup/memory.reclaim 2>/dev/null; done
swap=$(awk '/^VmSwap:/ { print $2 }' "/proc/$pid/status")
# reapd reads its own VmSwap at most once a second: give it three to say so.
warned=false
for _ in $(seq 30); do grep -q '"event":"self-swapped"' "$dir/log" && { warned=true; break; }; sleep 0.1; done
kill "$pid"; wait "$pid"; rc=$?
echo "--- reapd log (tail) ---" >&2; tail -n 6 "$dir/log" >&2
printf '{"selfCgroup":%s,"group":"%s","vmSwapKiB":%s,"warned":%s,"exit":%d}\n' "$self_cgroup" "$group" "${swap:-null}" "$warned" "$rc"
rm -rf "$dir"
