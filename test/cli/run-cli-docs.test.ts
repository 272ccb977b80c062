// docs/cli.md stays complete: every command the CLI registers has its section, every exit
// code of src/cli/exit-codes.ts its row, every `run` option its line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { registerCommands } from '../../src/cli/commands/register.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { REPO_ROOT } from '../helpers/paths.js';

const doc = readFileSync(join(REPO_ROOT, 'docs', 'cli.md'), 'utf8');
const program = new Command();
registerCommands(program);

test('docs/cli.md has a section for every command', () => {
  const names = program.commands.map((c) => c.name());
  assert.ok(names.includes('run') && names.includes('check-config'));
  for (const name of names) assert.ok(doc.includes(`## \`reapd ${name}\``), `no section for reapd ${name}`);
});

test('docs/cli.md documents every exit code', () => {
  for (const [name, code] of Object.entries(EXIT)) {
    assert.ok(doc.split('\n').some((l) => l.startsWith(`| ${code} | \`${name}\` |`)), `exit code ${code} ${name}`);
  }
});

test('docs/cli.md lists every option of reapd run', () => {
  const run = program.commands.find((c) => c.name() === 'run');
  assert.ok(run);
  for (const o of run.options) assert.ok(o.long !== undefined && new RegExp(`[\`, ]${o.long}[ \`]`).test(doc), `run ${o.long ?? o.flags}`);
});
