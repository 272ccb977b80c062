import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DAEMON_KEYS, DOMAIN_KEYS, KILL_KEYS, MATCHER_KEYS, RULE_LISTS, TOP_LEVEL_KEYS } from '../../src/config/schema.js';
import { policyKeyTable } from '../../src/config/policy-keys.js';
import { REPO_ROOT } from '../helpers/paths.js';

const doc = readFileSync(join(REPO_ROOT, 'docs', 'configuration.md'), 'utf8');

/** The text of the section whose heading starts with `heading`. */
function section(heading: string): string {
  const start = doc.indexOf(`\n## ${heading}`);
  assert.ok(start >= 0, `no section ${heading}`);
  const end = doc.indexOf('\n## ', start + 1);
  return doc.slice(start, end < 0 ? undefined : end);
}

/** The table row that documents `key` (a line starting with | `key`, possibly after other keys). */
function row(key: string, text = doc): string | undefined {
  return text.split('\n').find((l) => new RegExp(`^\\| (\`[a-z_]+\`, )*\`${key}\``).test(l));
}

test('docs/configuration.md documents every key with type, default and example', () => {
  const keys = [
    ...DAEMON_KEYS.map((k) => k.key),
    ...KILL_KEYS.map((k) => k.key),
    ...DOMAIN_KEYS.map((k) => k.key),
    ...policyKeyTable().map((k) => k.key),
    ...MATCHER_KEYS,
    ...RULE_LISTS,
  ];
  for (const key of keys) {
    const line = row(key);
    assert.ok(line, `no table row for ${key}`);
    assert.ok(line.split('|').length >= 5, `row for ${key} lacks columns: ${line}`);
  }
  for (const key of TOP_LEVEL_KEYS) assert.ok(doc.includes(`\`${key}\``), key);
});

test('the documented defaults are the ones the schema uses', () => {
  const keys = [
    ...DAEMON_KEYS.map((k) => ({ k, in: section('`[daemon]`') })),
    ...KILL_KEYS.map((k) => ({ k, in: section('`[kill]`') })),
    ...DOMAIN_KEYS.map((k) => ({ k, in: section('`[[domain]]`') })),
  ];
  for (const { k, in: text } of keys) {
    const line = row(k.key, text) ?? '';
    const plain = k.defaultText.replace(/ \(.*\)$/, '');
    assert.ok(line.replace(/`/g, '').includes(plain.replace(/`/g, '')), `default of ${k.key} (${plain}) not in: ${line}`);
  }
});
