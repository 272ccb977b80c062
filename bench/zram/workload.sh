#!/bin/bash
# One run of the zram thrashing benchmark, in the VM guest (bench/zram.bench.ts boots it):
# a re-reader reads a 600 MiB file (on the host, through virtiofs: real page cache in the
# guest) in a loop and times each pass; after BASE_PASSES normal passes an anonymous leak
# starts and grows into zram. KILLER (none | earlyoom | reapd) guards the guest. Prints
# one JSON line: the pass times, when the leaker died and how, and who else died.
#   workload.sh KILLER FILE EARLYOOM_BIN
set -u
killer=$1 file=$2 earlyoom=$3
limit_s=${LIMIT_S:-100}
base_passes=${BASE_PASSES:-3}
dir=$(mktemp -d)
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

sync; echo 3 > /proc/sys/vm/drop_caches
killer_pid=
case $killer in
  earlyoom)
    # Debian's earlyoom at its defaults (-m 10 -s 10; -r 0: no periodic report).
    "$earlyoom" -r 0 >"$dir/killer.log" 2>&1 &
    killer_pid=$! ;;
  reapd)
    # reapd's desktop configuration (config/desktop.toml), journal in the guest.
    printf '[daemon]\njournal = "%s/journal.jsonl"\nlog_format = "json"\n' "$dir" > "$dir/daemon.toml"
    sed -n '/^\[\[rules.protect\]\]/,$p' config/desktop.toml >> "$dir/daemon.toml"
    node dist/src/cli/main.js run --config "$dir/daemon.toml" >"$dir/killer.log" 2>&1 &
    killer_pid=$!
    for _ in $(seq 600); do grep -q '"event":"started"' "$dir/killer.log" && break; sleep 0.1; done ;;
esac

# The re-reader: one line per pass, "pass <ms>".
( while :; do t0=$(now_ms); cat "$file" > /dev/null; echo "pass $(( $(now_ms) - t0 ))"; done ) >"$dir/passes" 2>/dev/null &
reader=$!
for _ in $(seq 600); do [ "$(grep -c ^pass "$dir/passes")" -ge $((base_passes + 1)) ] && break; sleep 0.2; done

# The leak: 16 MiB chunks, each page one third random-looking bytes and two thirds zeros,
# so zram compresses it about 3:1 (as it does real heaps), until 6 GiB or killed.
node -e '
const block = Buffer.alloc(1 << 20); let x = 12345;
for (let i = 0; i < block.length; i += 4) { x = (x * 1103515245 + 12345) >>> 0; block.writeUInt32LE(x, i); }
const held = []; console.log("leaking");
const step = () => {
  const b = Buffer.alloc(16 << 20);
  for (let p = 0; p < b.length; p += 4096) block.copy(b, p, (p * 7) % (block.length - 1366), (p * 7) % (block.length - 1366) + 1365);
  held.push(b);
  if (held.length < 384) setTimeout(step, 20);
};
step(); setInterval(() => {}, 1000);
' >"$dir/leaker.out" 2>&1 &
leaker=$!
start=$(now_ms)
died_ms=null
while [ $(( $(now_ms) - start )) -lt $((limit_s * 1000)) ]; do
  if ! kill -0 $leaker 2>/dev/null; then died_ms=$(( $(now_ms) - start )); break; fi
  sleep 0.1
done
wait $leaker 2>/dev/null; leaker_rc=$?
[ "$died_ms" = null ] && { kill -9 $leaker 2>/dev/null; wait $leaker 2>/dev/null; }
reader_alive=false; kill -0 $reader 2>/dev/null && reader_alive=true
killer_alive=null; [ -n "$killer_pid" ] && { killer_alive=false; kill -0 "$killer_pid" 2>/dev/null && killer_alive=true; }
kill -9 $reader 2>/dev/null; wait $reader 2>/dev/null
[ -n "$killer_pid" ] && { kill "$killer_pid"; wait "$killer_pid" 2>/dev/null; }
kernel_kills=$(dmesg | grep -c 'Out of memory: Killed process')
dmesg -C

passes=$(awk '/^pass/ { printf "%s%s", s, $2; s="," }' "$dir/passes")
reason=null
[ "$killer" = reapd ] && reason=$(grep -o '"reason":"[a-z-]*"' "$dir/journal.jsonl" 2>/dev/null | head -1 | cut -d'"' -f4 | sed 's/.*/"&"/')
[ -z "$reason" ] && reason=null
# The daemon's log line for the kill carries the same reason.
log_reason=null
[ "$killer" = reapd ] && log_reason=$(grep '"event":"kill"' "$dir/killer.log" | head -1 | grep -o '"reason":"[a-z-]*"' | head -1 | cut -d'"' -f4 | sed 's/.*/"&"/')
[ -z "$log_reason" ] && log_reason=null
killed=null
# The journal writes a kill when SIGKILL goes out and again when it is settled: count victims.
[ "$killer" = reapd ] && killed=$(grep '"killed":true' "$dir/journal.jsonl" 2>/dev/null | grep -o '"pid":[0-9]*' | sort -u | wc -l)
[ "$killer" = earlyoom ] && killed=$(grep -c "sending SIG" "$dir/killer.log")
echo "--- killer log (tail) ---" >&2; tail -n 8 "$dir/killer.log" >&2 2>/dev/null
printf '{"killer":"%s","basePasses":%d,"passesMs":[%s],"leakerDiedMs":%s,"leakerRc":%d,"readerAlive":%s,"killerAlive":%s,"killerKills":%s,"kernelOomKills":%d,"reason":%s,"logReason":%s}\n' \
  "$killer" "$base_passes" "$passes" "$died_ms" "$leaker_rc" "$reader_alive" "$killer_alive" "$killed" "$kernel_kills" "$reason" "$log_reason"
rm -rf "$dir"
