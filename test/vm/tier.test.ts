// The VM tier itself: the guest is the modern host the other VM tests rely on (cgroup2
// only with the memory controller, PSI, zram swap or none, every capability, our tree
// visible read-only under a RAM overlay), and the harness keeps each check's streams and
// status apart. Two boots: with the default zram swap, and without swap.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/paths.js';
import { checkResult, runInVm, vmUnavailable, type VmBoot, type VmCheck } from './harness.js';

const skip = vmUnavailable();
const probeFile = join(REPO_ROOT, `.vm-write-probe-${process.pid}`);

// key=value lines about the guest's layout, parsed by layoutOf().
const LAYOUT = `
echo "fstype=$(stat -f -c %T /sys/fs/cgroup)"
echo "v1mounts=$(awk '$3 == "cgroup"' /proc/mounts | wc -l)"
echo "subtree=$(cat /sys/fs/cgroup/cgroup.subtree_control)"
echo "psi=$(test -r /proc/pressure/memory && echo yes || echo no)"
echo "swaps=$(awk 'NR > 1 { printf "%s ", $1 }' /proc/swaps)"
echo "release=$(uname -r)"
echo "capeff=$(awk '/^CapEff/ { print $2 }' /proc/self/status)"
echo "root=$(awk '$2 == "/" { print $3 }' /proc/mounts | tail -n1)"
`;

const CHECKS: VmCheck[] = [
  { name: 'layout', script: LAYOUT },
  { name: 'streams', script: "printf 'out1\\nout2'; printf 'err1' >&2; exit 7" },
  { name: 'node and the tree', script: 'node -e "console.log(process.version)" && test -f dist/test/vm/harness.js && echo tree-ok' },
  { name: 'overlay write', script: `echo guest > ${probeFile} && cat ${probeFile}` },
  { name: 'adj -1000', script: 'echo -1000 > /proc/self/oom_score_adj && cat /proc/self/oom_score_adj' },
];

// The memory controller acts: a node allocating past memory.max=96M in its own group is
// OOM-killed by the kernel (no swap to go to), and memory.events counts it.
const MEMCG_OOM = `
set -e
g=/sys/fs/cgroup/vm-tier-oom
mkdir $g && echo 96M > $g/memory.max
set +e
bash -c 'echo $$ > '$g'/cgroup.procs; exec node -e "const a = []; for (;;) a.push(Buffer.alloc(8 << 20, 1))"'
echo "rc=$?"
echo "oom_kill=$(awk '$1 == "oom_kill" { print $2 }' $g/memory.events)"
rmdir $g
`;

function layoutOf(boot: VmBoot): Record<string, string> {
  const r = checkResult(boot, 'layout');
  assert.equal(r.rc, 0, r.stderr);
  return Object.fromEntries(r.stdout.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

describe('VM tier, with zram swap', { skip }, () => {
  let boot: VmBoot;
  before(async () => {
    boot = await runInVm(CHECKS);
  });

  test('cgroup2 only, memory delegated, PSI, zram swap, a Debian 6.12 kernel, every capability', () => {
    const l = layoutOf(boot);
    assert.equal(l['fstype'], 'cgroup2fs');
    assert.equal(l['v1mounts'], '0', 'no cgroup v1 hierarchy');
    assert.match(l['subtree'] ?? '', /\bmemory\b/);
    assert.equal(l['psi'], 'yes');
    assert.match(l['swaps'] ?? '', /\/dev\/zram0/);
    assert.match(l['release'] ?? '', /^6\.12\.\d+\+deb\d+-cloud-amd64$/);
    assert.equal((BigInt(`0x${l['capeff'] ?? '0'}`) >> 24n) & 1n, 1n, 'CAP_SYS_RESOURCE');
    assert.equal(l['root'], 'overlay');
  });

  test("each check's stdout, stderr and exit status come back apart", () => {
    assert.deepEqual(checkResult(boot, 'streams'), { name: 'streams', rc: 7, stdout: 'out1\nout2', stderr: 'err1' });
  });

  test('node and this tree (its dist/) run in the guest', () => {
    const r = checkResult(boot, 'node and the tree');
    assert.equal(r.rc, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^${process.version.replace(/\./g, '\\.')}\ntree-ok\n$`));
  });

  test("the guest writes to its overlay, never to the host's files", () => {
    assert.equal(checkResult(boot, 'overlay write').stdout, 'guest\n');
    assert.equal(existsSync(probeFile), false);
  });

  test('root may lower oom_score_adj to -1000 in the guest (CAP_SYS_RESOURCE)', () => {
    assert.equal(checkResult(boot, 'adj -1000').stdout, '-1000\n');
  });
});

describe('VM tier, without swap', { skip }, () => {
  let boot: VmBoot;
  before(async () => {
    boot = await runInVm([{ name: 'layout', script: LAYOUT }, { name: 'memcg oom', script: MEMCG_OOM }], { zram: 0 });
  });

  test('no swap device', () => {
    assert.equal(layoutOf(boot)['swaps'], '');
  });

  test('the kernel OOM-kills a group past memory.max, and memory.events counts it', () => {
    const r = checkResult(boot, 'memcg oom');
    assert.equal(r.rc, 0, r.stderr);
    assert.match(r.stdout, /^rc=137\noom_kill=1\n$/);
  });
});
