import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { release } from 'node:os';
import type { Capabilities } from '../../src/kernel/capabilities.js';
import { formatDoctor } from '../../src/cli/commands/doctor.js';
import { REAPD_BIN } from '../helpers/paths.js';
import { firstReason, hasCapSysResource, needPsi, needUnshareUser } from '../helpers/skip.js';

function doctorJson(prefix: string[] = []): Capabilities {
  const argv = [...prefix, process.execPath, REAPD_BIN, 'doctor', '--json'];
  const out = execFileSync(argv[0] as string, argv.slice(1), { encoding: 'utf8', timeout: 20_000 });
  return JSON.parse(out) as Capabilities;
}

test('doctor --json: one plain object that agrees with what the machine shows', () => {
  const c = doctorJson();
  assert.equal(c.kernel.release, release());
  assert.equal(c.kernel.arch, process.arch);
  assert.ok(c.kernel.pageSizeBytes >= 4096 && (c.kernel.pageSizeBytes & (c.kernel.pageSizeBytes - 1)) === 0);
  assert.equal(c.psi.present, existsSync('/proc/pressure/memory'));
  if (c.psi.present) assert.equal(c.psi.triggers, hasCapSysResource() ? 'privileged' : 'unprivileged');
  assert.equal(c.privileges.sysResource, hasCapSysResource());
  assert.equal(c.cgroup.v1Memory !== null, existsSync(`${c.cgroup.v1Memory ?? '/nonexistent'}/memory.usage_in_bytes`));
  if (c.cgroup.v2Root) assert.ok(existsSync(`${c.cgroup.v2Root}/cgroup.subtree_control`), 'the v2 root is a cgroup2 mount');
  assert.equal(c.cgroup.v2Memory, c.cgroup.v2Controllers.includes('memory'));
  assert.equal(c.pidfd.open, true, 'Linux ≥ 5.3');
  assert.match(c.privileges.capEff, /^[0-9a-f]{16}$/);
  assert.ok((c.openFiles?.soft ?? 0) > 0);
});

test('doctor inside a user namespace (all capabilities there): privileged PSI triggers', { skip: firstReason(needPsi(), needUnshareUser()) }, () => {
  const c = doctorJson(['unshare', '-U', '-r']);
  assert.equal(c.privileges.sysResource, true);
  assert.equal(c.psi.triggers, 'privileged', c.psi.detail);
});

test('doctor for a human: each feature, its value and what it means for reapd', () => {
  const r = spawnSync(process.execPath, [REAPD_BIN, 'doctor'], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  const c = doctorJson();
  const line = (feature: string): string => r.stdout.split('\n').find((l) => l.trimStart().startsWith(`${feature} `)) ?? '';
  for (const f of ['PSI', 'PSI triggers', 'cgroup v1 memory', 'cgroup2', 'pidfd_open', 'process_mrelease', 'CAP_SYS_RESOURCE', 'CAP_KILL', 'CAP_SYS_NICE']) {
    assert.ok(line(f), `a line for ${f}`);
  }
  assert.match(line('PSI triggers'), new RegExp(`PSI triggers\\s+${c.psi.triggers}\\s+\\S`));
  if (c.psi.triggers === 'unprivileged') assert.match(line('PSI triggers'), /only 2 s windows, events arrive 0–2 s late; run with CAP_SYS_RESOURCE/);
  assert.match(line('CAP_SYS_RESOURCE'), c.privileges.sysResource ? /\byes\b/ : /\bno\b.*oom_score_adj/);
});

test('doctor for a human: a long kernel release keeps the space before its meaning (Debian 6.12 cloud)', () => {
  const c = doctorJson();
  // the release string Debian 13 / bookworm-security's cloud kernel reports (26 characters)
  const release = '6.12.117+deb12-cloud-amd64';
  const text = formatDoctor({ ...c, kernel: { ...c.kernel, release } });
  const kernel = text.split('\n').find((l) => l.trimStart().startsWith('kernel ')) ?? '';
  assert.match(kernel, new RegExp(`^  kernel\\s+${release.replace(/[.+]/g, '\\$&')}\\s{2}${c.kernel.arch}, `));
  for (const l of text.split('\n').slice(1, -1)) assert.match(l, /^ {2}\S.*\S {2,}\S/, `two spaces between value and meaning: ${l}`);
});
