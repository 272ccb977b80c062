import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkConfigFile, checkConfigText, EMBEDDED_DEFAULT_PATH, loadConfig } from '../../src/config/load.js';
import { ConfigError, type ConfigIssue } from '../../src/config/errors.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { POLICIES } from '../../src/policy/registry.js';
import { REPO_ROOT } from '../helpers/paths.js';

/** 1-based line of the first line of `text` containing `needle`. */
function lineOf(text: string, needle: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  assert.ok(i >= 0, `fixture has no line with ${needle}`);
  return i + 1;
}

function issueFor(issues: readonly ConfigIssue[], key: string): ConfigIssue {
  const found = issues.find((i) => i.key === key);
  assert.ok(found, `no issue for ${key}; got ${JSON.stringify(issues)}`);
  return found;
}

test('the embedded default is shipped with the package and found from dist/', () => {
  assert.ok(existsSync(EMBEDDED_DEFAULT_PATH), EMBEDDED_DEFAULT_PATH);
  assert.equal(EMBEDDED_DEFAULT_PATH, join(REPO_ROOT, 'config', 'default.toml'));
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { files: string[] };
  assert.ok(pkg.files.includes('config'), 'package.json "files" must ship config/');
});

test('the embedded default is valid: one machine domain with lmkd\'s PSI strategy in desktop settings', () => {
  const config = loadConfig(undefined);
  assert.equal(config.file, '(embedded default)');
  assert.equal(config.domains.length, 1);
  const d = config.domains[0];
  assert.ok(d);
  assert.equal(d.memcg, null);
  assert.equal(d.policy, 'lmkd');
  const lmkdDefaults = POLICIES.lmkd.defaultParams() as { psi: object };
  assert.deepEqual(d.params, {
    ...lmkdDefaults,
    mode: 'psi',
    pick: 'heaviest',
    psi: { ...lmkdDefaults.psi, thrashingLimitPct: 30, thrashingLimitCriticalPct: 60, thrashingLimitDecayPct: 50, swapFreeLowPct: 10, perceptibleAdj: -1, lowmemMinOomScore: 0, availableLowPct: 5 },
  });
  assert.equal(d.dryRun, false);
  assert.ok(d.rules.protect.length > 0, 'the default protects core system processes');
});

test('config/earlyoom.toml is the embedded default with earlyoom\'s rule: oom-score at 10 % / 10 %, the same daemon and rules', () => {
  const config = loadConfig(join(REPO_ROOT, 'config', 'earlyoom.toml'));
  const d = config.domains[0];
  assert.equal(config.domains.length, 1);
  assert.equal(d?.policy, 'oom-score');
  assert.deepEqual(d?.params, { ...(POLICIES['oom-score'].defaultParams() as object), memAvailablePercent: 10, swapFreePercent: 10 });
  const embedded = loadConfig(undefined);
  assert.deepEqual(config.daemon, embedded.daemon);
  assert.deepEqual(d?.rules, embedded.domains[0]?.rules);
});

test('earlyoom\'s behaviour is also one flag away: --policy oom-score drops the default\'s lmkd keys', () => {
  const config = loadConfig(undefined, { policy: 'oom-score' });
  const d = config.domains[0];
  assert.equal(d?.policy, 'oom-score');
  assert.deepEqual(d?.params, { ...(POLICIES['oom-score'].defaultParams() as object), memAvailablePercent: 10, swapFreePercent: 10 });
});

test('an empty file means every default, and one machine domain', () => {
  const r = checkConfigText('', 'empty.toml');
  assert.deepEqual(r.issues, []);
  assert.equal(r.config?.domains.length, 1);
  assert.equal(r.config?.domains[0]?.name, 'machine');
  assert.equal(r.config?.daemon.logFormat, 'human');
});

test('every semantic error is named with its key and line, not only the first', () => {
  const text = [
    '[daemon]',
    'log_fromat = "json"',
    'journal = "relative/path"',
    '',
    '[[domain]]',
    'policy = "simple-lmk"',
    'minfree = "lots"',
    'levels = "6MiB:0"',
    'min_adj = 2000',
    '',
    '[[domain]]',
    'name = "b"',
    'memcg = "/sys/fs/cgroup/memory/b"',
    'policy = "lmkd"',
    'levels = "8MiB:0,6MiB:100"',
    'trigger = "sometimes"',
  ].join('\n');
  const r = checkConfigText(text, 'bad.toml');
  assert.equal(r.config, undefined);
  const expect: Array<[string, string]> = [
    ['daemon.log_fromat', 'log_fromat'],
    ['daemon.journal', 'journal ='],
    ['domain[1].minfree', 'minfree ='],
    ['domain[1].levels', 'levels = "6MiB:0"'],
    ['domain[1].min_adj', 'min_adj'],
    ['domain[2].levels', 'levels = "8MiB'],
    ['domain[2].trigger', 'trigger ='],
  ];
  for (const [key, needle] of expect) assert.equal(issueFor(r.issues, key).line, lineOf(text, needle), key);
  assert.equal(r.issues.length, expect.length, JSON.stringify(r.issues, null, 1));
  assert.match(issueFor(r.issues, 'daemon.log_fromat').message, /did you mean "log_format"/);
  assert.match(issueFor(r.issues, 'domain[1].levels').message, /lowmemorykiller and lmkd/);
});

test('unknown keys are errors at every level, with a hint when one is close', () => {
  const text = 'polcy = 1\n[[domain]]\npolicy = "oom-score"\nmem_avail = 5\n[rules]\nprotetc = []\n';
  const r = checkConfigText(text, 'x.toml');
  assert.match(issueFor(r.issues, 'polcy').message, /unknown key "polcy"/);
  assert.match(issueFor(r.issues, 'domain[1].mem_avail').message, /did you mean "mem_available"/);
  assert.match(issueFor(r.issues, 'rules.protetc').message, /did you mean "protect"/);
});

test('several syntax errors are all reported with line and column', () => {
  const text = 'a = = 1\n[daemon]\nlog_level = "info"\nb = "unterminated\n';
  const r = checkConfigText(text, 's.toml');
  assert.equal(r.config, undefined);
  const syntax = r.issues.filter((i) => i.message.startsWith('TOML syntax'));
  assert.deepEqual(syntax.map((i) => i.line), [1, 4]);
  assert.ok(syntax.every((i) => typeof i.column === 'number'));
});

test('flags override the file; a bad flag names the flag', () => {
  const text = '[[domain]]\npolicy = "oom-score"\nmem_available = 5\n';
  const ok = checkConfigText(text, 'f.toml', { policy: 'simple-lmk', minfree: '32MiB', minAdj: '900', dryRun: true, logFormat: 'json' });
  assert.deepEqual(ok.issues, []);
  const d = ok.config?.domains[0];
  assert.equal(d?.policy, 'simple-lmk');
  assert.equal((d?.params as { minfreeKiB: number }).minfreeKiB, 32 * 1024);
  assert.equal(d?.minAdj, 900);
  assert.equal(d?.dryRun, true);
  assert.equal(ok.config?.daemon.logFormat, 'json');
  const bad = checkConfigText(text, 'f.toml', { minfree: 'xx', logFormat: 'xml' });
  assert.equal(bad.config, undefined);
  assert.deepEqual(bad.issues.map((i) => i.flag).sort(), ['--log-format', '--minfree']);
});

test('--memcg turns the first domain into one cgroup domain named after its path', () => {
  const text = '[[domain]]\nname = "m"\npolicy = "simple-lmk"\nminfree = "16MiB"\n[[domain]]\nname = "other"\nmemcg = "/x"\n';
  const r = checkConfigText(text, 'm.toml', { memcg: '/sys/fs/cgroup/memory/apps' });
  assert.deepEqual(r.issues, []);
  assert.equal(r.config?.domains.length, 1);
  assert.equal(r.config?.domains[0]?.memcg, '/sys/fs/cgroup/memory/apps');
  assert.equal(r.config?.domains[0]?.name, '/sys/fs/cgroup/memory/apps');
  assert.equal((r.config?.domains[0]?.params as { minfreeKiB: number }).minfreeKiB, 16 * 1024);
});

test('several domains, each with its own policy, parameters and rules', () => {
  const text = [
    '[[rules.protect]]', 'name = "^sshd$"',
    '[[domain]]', 'name = "apps"', 'memcg = "/sys/fs/cgroup/memory/apps"', 'policy = "simple-lmk"', 'minfree = "64MiB"',
    'reclaim_timeout = "300ms"', '[[domain.prefer]]', 'cmdline = "--type=renderer"',
    '[[domain]]', 'name = "machine"', 'policy = "lowmemorykiller"', 'levels = [{ minfree = "6MiB", adj = 0 }, { minfree = "64MiB", adj = 900 }]',
  ].join('\n');
  const r = checkConfigText(text, 'd.toml');
  assert.deepEqual(r.issues, []);
  const [apps, machine] = r.config?.domains ?? [];
  assert.equal(apps?.reclaimTimeoutMs, 300);
  assert.equal((apps?.params as { reclaimTimeoutMs: number }).reclaimTimeoutMs, 300, "simple-lmk's own RECLAIM_EXPIRES follows reclaim_timeout");
  assert.deepEqual(apps?.rules.protect, [{ name: '^sshd$' }]);
  assert.deepEqual(apps?.rules.prefer, [{ cmdline: '--type=renderer' }]);
  assert.deepEqual(machine?.rules.prefer, []);
  assert.deepEqual((machine?.params as { levels: unknown }).levels, [{ minfreeKiB: 6 * 1024, adj: 0 }, { minfreeKiB: 64 * 1024, adj: 900 }]);
});

test('domain-set rules: unique names, one domain per cgroup, [[domain]] not [domain]', () => {
  const dup = checkConfigText('[[domain]]\nname = "a"\n[[domain]]\nname = "a"\nmemcg = "/x"\n[[domain]]\nname = "c"\nmemcg = "/x"\n', 'dup.toml');
  assert.match(issueFor(dup.issues, 'domain[2].name').message, /unique/);
  assert.match(issueFor(dup.issues, 'domain[3].memcg').message, /already covers/);
  const table = checkConfigText('[domain]\npolicy = "lmkd"\n', 't.toml');
  assert.match(issueFor(table.issues, 'domain').message, /\[\[domain\]\]/);
});

test('rules: bad regular expressions and empty matchers are errors', () => {
  const text = '[[rules.protect]]\nname = "("\n[[rules.avoid]]\n[[rules.prefer]]\nuid = -1\ncolour = "red"\n';
  const r = checkConfigText(text, 'r.toml');
  assert.match(issueFor(r.issues, 'rules.protect[1].name').message, /regular expression/);
  assert.match(issueFor(r.issues, 'rules.avoid[1]').message, /empty matcher/);
  assert.match(issueFor(r.issues, 'rules.prefer[1].uid').message, /from 0/);
  assert.match(issueFor(r.issues, 'rules.prefer[1].colour').message, /unknown key/);
});

test('trigger settings are checked against each other and the policy', () => {
  const text = '[[domain]]\npolicy = "simple-lmk"\ntrigger = "poll"\npsi_stall = "2s"\npsi_window = "1s"\npsi_group = "/sys/fs/cgroup/unified/x"\n';
  const r = checkConfigText(text, 't.toml');
  assert.match(issueFor(r.issues, 'domain[1].trigger').message, /simple-lmk/);
  assert.match(issueFor(r.issues, 'domain[1].psi_stall').message, /psi_window/);
  assert.match(issueFor(r.issues, 'domain[1].psi_group').message, /memcg domain/);
});

test('an lmkd domain opens the lmkd socket by default; socket = "" keeps it closed', () => {
  const on = checkConfigText('[[domain]]\npolicy = "lmkd"\n', 'l.toml');
  assert.equal(on.config?.daemon.socket, '/run/reapd/lmkd.sock');
  const off = checkConfigText('[daemon]\nsocket = ""\n[[domain]]\npolicy = "lmkd"\n', 'l.toml');
  assert.equal(off.config?.daemon.socket, null);
});

test('loadConfig throws one ConfigError carrying every issue and exit code 3', () => {
  const r = checkConfigFile('/nonexistent/reapd.toml');
  assert.equal(r.config, undefined);
  assert.match(r.issues[0]?.message ?? '', /ENOENT/);
  assert.throws(() => loadConfig(undefined, { minfree: 'x', policy: 'simple-lmk', minAdj: 'high' }), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.equal(e.exitCode, EXIT.CONFIG);
    assert.equal(e.issues.length, 2);
    assert.match(e.message, /--minfree/);
    assert.match(e.message, /--min-adj/);
    return true;
  });
});
