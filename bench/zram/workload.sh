#!/bin/bash
# One run of the zram thrashing benchmark, in the VM guest (bench/zram.bench.ts boots it):
# a re-reader reads a 600 MiB file (on the host, through virtiofs: real page cache in the
# guest) in a loop and times each pass; after BASE_PASSES normal passes an anonymous leak
# starts and grows into zram. KILLER (none | earlyoom | reapd) guards the guest. Prints
# one JSON line: the pass times, when the leaker died and how, how much it had leaked, who
# else died, the largest PSI full avg10 and swap use of the run (sampled every 200 ms), and
# for reapd what stayed resident of it (VmSwap, major faults) and its event -> SIGKILL.
#   workload.sh KILLER FILE EARLYOOM_BIN
# Knobs (environment): LIMIT_S, BASE_PASSES; READER=0 (no re-reader: a calm machine);
# HOLD_MIB (an idle program holding that much anon memory, as issue 20's desktop);
# LEAK_CHUNK_MIB and LEAK_EVERY_MS (the leak's rate), LEAK_MAX_MIB (where it stops growing); REAPD_DAEMON (extra [daemon] lines,
# e.g. "self_cgroup = false").
set -u
killer=$1 file=$2 earlyoom=$3
limit_s=${LIMIT_S:-100}
base_passes=${BASE_PASSES:-3}
reader_on=${READER:-1}
hold_mib=${HOLD_MIB:-0}
leak_chunk_mib=${LEAK_CHUNK_MIB:-16}
leak_every_ms=${LEAK_EVERY_MS:-20}
leak_max_mib=${LEAK_MAX_MIB:-6144}
dir=$(mktemp -d)
# Milliseconds from bash's own clock (bash >= 5): no `date` fork in the loops below.
now_ms() { local t=${EPOCHREALTIME/[.,]/}; echo $(( t / 1000 )); }
set_now() { local t=${EPOCHREALTIME/[.,]/}; now=$(( t / 1000 )); }
run_start=$(now_ms)

sync; echo 3 > /proc/sys/vm/drop_caches
killer_pid=
case $killer in
  earlyoom)
    # Debian's earlyoom at its defaults (-m 10 -s 10; -r 0: no periodic report).
    "$earlyoom" -r 0 >"$dir/killer.log" 2>&1 &
    killer_pid=$! ;;
  reapd)
    # reapd on its embedded default (config/default.toml), journal in the guest.
    printf '[daemon]\njournal = "%s/journal.jsonl"\nlog_format = "json"\n%b\n' "$dir" "${REAPD_DAEMON:-}" > "$dir/daemon.toml"
    sed -n '/^\[\[rules.protect\]\]/,$p' config/default.toml >> "$dir/daemon.toml"
    node dist/src/cli/main.js run --config "$dir/daemon.toml" >"$dir/killer.log" 2>&1 &
    killer_pid=$!
    for _ in $(seq 600); do grep -q '"event":"started"' "$dir/killer.log" && break; sleep 0.1; done ;;
esac

# One sampler for every killer, every 200 ms: PSI "full avg10" of the whole guest, swap in
# use (zram's share of RAM), and for reapd its VmSwap and major faults (field 12 of stat).
# Bash builtins only, and a read with a timeout on a fifo nobody writes as the sleep: a
# sampler that forks (awk, sleep) costs the guest's 2 TCG vCPUs enough to slow the run it
# measures, and would cost the three killers' runs unequally.
mkfifo "$dir/tick"
( exec 3<>"$dir/tick"
  while [ ! -e "$dir/stop" ]; do
    full=0 swap_total=0 swap_free=0 vmswap=0 majflt=0
    while read -r k v _; do [ "$k" = full ] && { full=${v#avg10=}; }; done </proc/pressure/memory
    while read -r k v _; do
      case $k in SwapTotal:) swap_total=$v ;; SwapFree:) swap_free=$v ;; esac
    done </proc/meminfo
    if [ "$killer" = reapd ] && [ -n "$killer_pid" ] && [ -r "/proc/$killer_pid/stat" ]; then
      while read -r k v _; do [ "$k" = VmSwap: ] && vmswap=$v; done <"/proc/$killer_pid/status"
      read -r -a st <"/proc/$killer_pid/stat" && majflt=${st[11]}
    fi
    echo "$full $((swap_total - swap_free)) $vmswap $majflt"
    read -r -t 0.2 -u 3 _
  done ) >"$dir/samples" 2>/dev/null &
sampler=$!

# The idle program: HOLD_MIB of anon memory touched once, then never again (swap's first pick).
holder=
if [ "$hold_mib" -gt 0 ]; then
  node -e "const b = Buffer.alloc($hold_mib << 20, 1); setInterval(() => b[0], 60000);" >/dev/null 2>&1 &
  holder=$!
fi

# The re-reader: one line per pass, "pass <ms>".
: >"$dir/passes"
reader=
if [ "$reader_on" = 1 ]; then
  ( while :; do t0=$(now_ms); cat "$file" > /dev/null; echo "pass $(( $(now_ms) - t0 ))"; done ) >"$dir/passes" 2>/dev/null &
  reader=$!
  for _ in $(seq 600); do [ "$(grep -c ^pass "$dir/passes")" -ge $((base_passes + 1)) ] && break; sleep 0.2; done
else
  sleep 2
fi

# The leak: LEAK_CHUNK_MIB chunks every LEAK_EVERY_MS, each page one third random-looking bytes and two thirds zeros,
# so zram compresses it about 3:1 (as it does real heaps), until 6 GiB or killed.
CHUNK_MIB=$leak_chunk_mib EVERY_MS=$leak_every_ms MAX_MIB=$leak_max_mib node -e '
const block = Buffer.alloc(1 << 20); let x = 12345;
for (let i = 0; i < block.length; i += 4) { x = (x * 1103515245 + 12345) >>> 0; block.writeUInt32LE(x, i); }
const held = [];
const step = () => {
  const b = Buffer.alloc(Number(process.env.CHUNK_MIB) << 20);
  for (let p = 0; p < b.length; p += 4096) block.copy(b, p, (p * 7) % (block.length - 1366), (p * 7) % (block.length - 1366) + 1365);
  held.push(b);
  process.stdout.write(`${held.length * Number(process.env.CHUNK_MIB)}\n`);
  if (held.length * Number(process.env.CHUNK_MIB) < Number(process.env.MAX_MIB)) setTimeout(step, Number(process.env.EVERY_MS));
};
step(); setInterval(() => {}, 1000);
' >"$dir/leaker.out" 2>&1 &
leaker=$!
start=$(now_ms)
died_ms=null
exec 4<>"$dir/tick"
set_now
while [ $(( now - start )) -lt $((limit_s * 1000)) ]; do
  if ! kill -0 $leaker 2>/dev/null; then set_now; died_ms=$(( now - start )); break; fi
  read -r -t 0.1 -u 4 _; set_now
done
exec 4<&-
# Alive at the limit: end it first (waiting on a leak that stopped growing would never return).
[ "$died_ms" = null ] && kill -9 $leaker 2>/dev/null
wait $leaker 2>/dev/null; leaker_rc=$?
reader_alive=null; [ -n "$reader" ] && { reader_alive=false; kill -0 $reader 2>/dev/null && reader_alive=true; }
killer_alive=null; [ -n "$killer_pid" ] && { killer_alive=false; kill -0 "$killer_pid" 2>/dev/null && killer_alive=true; }
[ -n "$reader" ] && { kill -9 $reader 2>/dev/null; wait $reader 2>/dev/null; }
[ -n "$holder" ] && { kill -9 $holder 2>/dev/null; wait $holder 2>/dev/null; }
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
# What woke the decision that killed first (psi, psi-poll: lmkd's polls after an event, threshold).
kill_trigger=null
[ "$killer" = reapd ] && kill_trigger=$(grep '"event":"decision"' "$dir/killer.log" | grep '"victims":\[{' | head -1 | grep -o '"trigger":{"source":"[a-z-]*"' | cut -d'"' -f6 | sed 's/.*/"&"/')
[ -z "$kill_trigger" ] && kill_trigger=null
killed=null
# The journal writes a kill when SIGKILL goes out and again when it is settled: count victims.
[ "$killer" = reapd ] && killed=$(grep '"killed":true' "$dir/journal.jsonl" 2>/dev/null | grep -o '"pid":[0-9]*' | sort -u | wc -l)
[ "$killer" = earlyoom ] && killed=$(grep -c "sending SIG" "$dir/killer.log")
# Whether reapd's journal names the leaker as killed (a slow guest can end the watch loop
# at its limit in the same moment the kill lands, so leakerDiedMs alone can say null).
leaker_killed=null
[ "$killer" = reapd ] && { leaker_killed=false; grep '"killed":true' "$dir/journal.jsonl" 2>/dev/null | grep -q "\"pid\":$leaker," && leaker_killed=true; }
# The sampler's summary: the largest PSI full avg10 and swap use of the run; for reapd its
# largest VmSwap, how many samples, and its major faults over the run. reapd's event ->
# SIGKILL for each kill comes from its own log.
touch "$dir/stop"; wait $sampler 2>/dev/null
swap_samples=$(wc -l <"$dir/samples")
psi_max=$(awk 'BEGIN { m = 0 } { if ($1 + 0 > m) m = $1 + 0 } END { print m }' "$dir/samples")
swap_used_max=$(awk 'BEGIN { m = 0 } { if ($2 > m) m = $2 } END { print m }' "$dir/samples")
leaked=$(tail -n 1 "$dir/leaker.out" 2>/dev/null | grep -o '^[0-9]*$'); leaked=${leaked:-0}
swap_max=null majflt=null event_ms=
if [ "$killer" = reapd ]; then
  swap_max=$(awk 'BEGIN { m = 0 } { if ($3 > m) m = $3 } END { print m }' "$dir/samples")
  majflt=$(awk '$4 > 0 { if (!n++) a = $4; b = $4 } END { print (n ? b - a : 0) }' "$dir/samples")
  event_ms=$(grep '"event":"kill"' "$dir/killer.log" | grep -o '"eventToSignalMs":[0-9.]*' | cut -d: -f2 | paste -sd, -)
fi
echo "--- killer log: decisions with victims, kills, warnings; then the tail ---" >&2
grep -E '"event":"(kill|warning|watchdog[a-z-]*|self-swapped)"|"victims":\[\{' "$dir/killer.log" 2>/dev/null | cut -c1-700 >&2
tail -n 5 "$dir/killer.log" >&2 2>/dev/null
printf '{"killer":"%s","basePasses":%d,"passesMs":[%s],"leakerDiedMs":%s,"leakerRc":%d,"readerAlive":%s,"killerAlive":%s,"killerKills":%s,"kernelOomKills":%d,"reason":%s,"logReason":%s,"swapMaxKiB":%s,"swapSamples":%d,"majorFaults":%s,"eventToSignalMs":[%s],"leakerKilledByReapd":%s,"leakedMiB":%d,"psiFullAvg10Max":%s,"swapUsedMaxKiB":%d,"killTrigger":%s,"runMs":%d}\n' \
  "$killer" "$base_passes" "$passes" "$died_ms" "$leaker_rc" "$reader_alive" "$killer_alive" "$killed" "$kernel_kills" "$reason" "$log_reason" "$swap_max" "$swap_samples" "$majflt" "$event_ms" "$leaker_killed" "$leaked" "$psi_max" "$swap_used_max" "$kill_trigger" $(( $(now_ms) - run_start ))
rm -rf "$dir"
