// reapd(8) and reapd.toml(5) are generated from docs/cli.md and docs/configuration.md:
// the committed pages must equal a fresh rendering (so they cannot drift), render with
// man(1) without a groff warning, and carry every command and every configuration key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PACKAGE_ROOT, manPages, renderManPageFile } from '../../src/manpage/pages.js';
import { escapeRoff, inlineToRoff, markdownToRoff } from '../../src/manpage/markdown-to-roff.js';

const have = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

test('the committed man pages equal a fresh rendering of docs/ (run `npm run man` after editing docs)', () => {
  for (const f of manPages()) {
    const committed = readFileSync(join(PACKAGE_ROOT, 'man', f.file), 'utf8');
    assert.equal(committed, renderManPageFile(f), `man/${f.file} is stale: docs changed; run \`npm run man\` and commit man/`);
  }
});

test('man -l renders both pages and groff -ww finds nothing to warn about', (t) => {
  if (!have('man') || !have('groff')) {
    t.skip('man or groff not installed (Debian: man-db, groff-base)');
    return;
  }
  for (const f of manPages()) {
    const path = join(PACKAGE_ROOT, 'man', f.file);
    const lint = spawnSync('groff', ['-man', '-ww', '-z', path], { encoding: 'utf8' });
    assert.equal(lint.status, 0);
    assert.equal(lint.stderr, '', `groff warnings for ${f.file}`);
    const shown = spawnSync('man', ['-l', path], { encoding: 'utf8', env: { ...process.env, MANWIDTH: '80', MANPAGER: 'cat', PAGER: 'cat' } });
    assert.equal(shown.status, 0, shown.stderr);
    assert.match(shown.stdout, new RegExp(`^${f.page.name.toUpperCase().replace('.', '\\.')}\\(${f.page.section}\\)`, 'm'));
  }
});

test('reapd(8) names every command of docs/cli.md and reapd.toml(5) every configuration key', () => {
  const [cli, conf] = manPages();
  assert.ok(cli && conf);
  const cliMd = readFileSync(join(PACKAGE_ROOT, 'docs/cli.md'), 'utf8');
  const commands = [...cliMd.matchAll(/^## `reapd ([a-z-]+)`/gm)].map((m) => m[1] ?? '');
  assert.ok(commands.length >= 9, `found ${commands.length} commands`);
  const page8 = renderManPageFile(cli);
  for (const c of commands) assert.ok(page8.includes(`.SH "REAPD ${escapeRoff(c.toUpperCase())}"`), `reapd ${c} missing`);
  const confMd = readFileSync(join(PACKAGE_ROOT, 'docs/configuration.md'), 'utf8');
  const keys = [...confMd.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1] ?? '');
  assert.ok(keys.length >= 20, `found ${keys.length} keys`);
  const page5 = renderManPageFile(conf);
  for (const k of keys) assert.ok(page5.includes(`\\fB${escapeRoff(k)}\\fR`), `key ${k} missing`);
});

test('the converter escapes what roff would misread', () => {
  assert.equal(escapeRoff('a\\b-c'), 'a\\eb\\-c');
  assert.equal(escapeRoff('10 % — ok'), '10 % \\[u2014] ok');
  assert.equal(inlineToRoff('use `--dry-run` and **never** [this](x.md)'), 'use \\fB\\-\\-dry\\-run\\fR and \\fBnever\\fR this');
  assert.equal(inlineToRoff('[`run`](#reapd-run)'), '\\fBrun\\fR');
  // A text line that starts with a dot would be a roff request.
  assert.match(markdownToRoff('# T\n\n.hidden text'), /^\\&\.hidden text$/m);
  // A table becomes tagged paragraphs; an escaped pipe stays in its cell.
  const roff = markdownToRoff('# T\n\n| key | type | meaning |\n|---|---|---|\n| `a` | `"x" \\| "y"` | what a does |');
  assert.match(roff, /^\.TP\n\\fBa\\fR\ntype: \\fB"x" \| "y"\\fR\n\.br\nwhat a does$/m);
  // Code blocks are kept line by line, unfilled.
  assert.match(markdownToRoff('# T\n\n```\nreapd run\n  --x\n```'), /\.nf\nreapd run\n {2}\\-\\-x\n\.fi/);
});
