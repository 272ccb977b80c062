// Issue 11 item 1: a reload can never take the daemon down. The file is read on a worker
// thread under size, rule-count and error-count limits; a refused file keeps the running
// configuration; the main loop keeps turning while a file is read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkConfigFile, checkConfigText } from '../../src/config/load.js';
import { MAX_CONFIG_BYTES, MAX_RULES } from '../../src/config/limits.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { readConfigOffThread } from '../../src/daemon/config-reader.js';
import type { FdPoller } from '../../src/kernel/fd-poller.js';
import type { PlannedSource } from '../../src/daemon/trigger-plan.js';
import { CapturedLog, FakeClock, FakeKiller, FakeSource, FakeTrigger, memory, proc, simpleKill } from './fakes.js';

const GOOD = '[[domain]]\nname = "a"\npolicy = "simple-lmk"\nminfree = "8MiB"\n';

function unknownKeys(bytes: number): string {
  const lines: string[] = ['[daemon]'];
  for (let i = 0, n = 0; n < bytes; i++) {
    const l = `unknown_key_${i} = ${i}`;
    lines.push(l);
    n += l.length + 1;
  }
  return lines.join('\n');
}

function rules(n: number): string {
  const out = [GOOD];
  for (let i = 0; i < n; i++) out.push(`[[domain.protect]]\nname = "^p${i}$"`);
  return out.join('\n');
}

async function withDaemon(fn: (t: { daemon: Daemon; log: CapturedLog; write(text: string): void }) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'reapd-reload-'));
  const path = join(dir, 'reapd.toml');
  const write = (text: string): void => writeFileSync(path, text);
  write(GOOD);
  const clock = new FakeClock();
  const log = new CapturedLog();
  const initial = checkConfigFile(path).config;
  assert.ok(initial);
  const daemon = new Daemon(initial, {
    logger: log.logger, clock, selfPid: 1, psiAvailable: true, killer: new FakeKiller(clock),
    poller: { stop: () => Promise.resolve() } as unknown as FdPoller,
    openJournal: () => ({ append: () => undefined }),
    makeSource: () => new FakeSource({ version: 1, memory: memory(), processes: [proc(10, 0, 100)] }),
    formatKill: simpleKill,
    reloadConfig: () => readConfigOffThread(path, {}),
    classify: () => 'machine',
  });
  const build = (daemon as unknown as { build: (d: unknown) => unknown }).build.bind(daemon);
  (daemon as unknown as { build: (d: unknown) => unknown }).build = (d) => {
    const domain = build(d) as { deps: { makeTrigger: unknown } };
    domain.deps.makeTrigger = (s: PlannedSource) => new FakeTrigger(s);
    return domain;
  };
  await daemon.start();
  try {
    await fn({ daemon, log, write });
  } finally {
    await daemon.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const minfreeKiB = (d: Daemon): number => (d.currentConfig.domains[0]?.params as { minfreeKiB: number }).minfreeKiB;

test('a 5 MB file is refused by its size, with one line, and the running configuration stays', async () => {
  await withDaemon(async ({ daemon, log, write }) => {
    write(unknownKeys(5_000_000));
    assert.equal(await daemon.reload(), false);
    const invalid = log.events('config-invalid');
    assert.equal(invalid.length, 1, JSON.stringify(invalid.slice(0, 3)));
    assert.match(String(invalid[0]?.msg), /at most 256 KiB/);
    assert.equal(minfreeKiB(daemon), 8 * 1024);
  });
});

test('a file of 20,000 unknown keys under the size limit logs at most 21 lines, and the main loop turns while it is read', async () => {
  await withDaemon(async ({ daemon, log, write }) => {
    const text = unknownKeys(MAX_CONFIG_BYTES - 1000);
    assert.ok(Buffer.byteLength(text) <= MAX_CONFIG_BYTES);
    write(text);
    let turned = false;
    setImmediate(() => (turned = true));
    const reloading = daemon.reload();
    const ok = await reloading;
    assert.equal(ok, false);
    assert.ok(turned, 'the file was read on the main thread: the loop did not turn before the result');
    const invalid = log.events('config-invalid');
    assert.ok(invalid.length <= 21, `${invalid.length} lines logged`);
    assert.match(String(invalid.at(-1)?.msg), /more error/);
    assert.equal(minfreeKiB(daemon), 8 * 1024);
  });
});

test(`more than ${MAX_RULES} rules are refused; a good file after that applies`, async () => {
  await withDaemon(async ({ daemon, log, write }) => {
    write(rules(MAX_RULES + 1));
    assert.equal(await daemon.reload(), false);
    assert.match(String(log.events('config-invalid')[0]?.msg), new RegExp(`at most ${MAX_RULES}`));
    write(GOOD.replace('8MiB', '16MiB'));
    assert.equal(await daemon.reload(), true);
    assert.equal(minfreeKiB(daemon), 16 * 1024);
  });
});

test('reloads asked for during a reload coalesce into one more, which reads the newest file', async () => {
  await withDaemon(async ({ daemon, write }) => {
    write(GOOD.replace('8MiB', '16MiB'));
    const first = daemon.reload();
    write(GOOD.replace('8MiB', '32MiB'));
    const again = [daemon.reload(), daemon.reload(), daemon.reload()];
    assert.equal(await first, true);
    assert.deepEqual(await Promise.all(again), [true, true, true]);
    assert.equal(minfreeKiB(daemon), 32 * 1024);
  });
});

test('check-config: /dev/zero and a directory are refused, not read', () => {
  for (const p of ['/dev/zero', tmpdir()]) {
    const r = checkConfigFile(p);
    assert.equal(r.config, undefined);
    assert.match(String(r.issues[0]?.message), /not a regular file|EISDIR/);
  }
  assert.equal(checkConfigText(rules(3), 'x').issues.length, 0);
});
