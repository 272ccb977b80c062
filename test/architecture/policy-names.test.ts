// The engine asks, never names (DESIGN.md): outside src/policy/, code asks a policy for its
// facts (trigger, readsOomScore, takesTableLevels, servesLmkdClients, headroom, neededKiB)
// and never compares its name. A new branch on a name is caught here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { POLICY_NAMES } from '../../src/model/decision.js';
import { REPO_ROOT } from '../helpers/paths.js';

const SRC = join(REPO_ROOT, 'src');
const NAMES = POLICY_NAMES.map((n) => n.replace(/-/g, '\\-')).join('|');
/** `=== 'lmkd'`, `'lmkd' !==`, `case 'lmkd':`, `.includes('lmkd')`. */
const COMPARISON = new RegExp(`(?:[!=]==\\s*'(?:${NAMES})')|(?:'(?:${NAMES})'\\s*[!=]==)|(?:case\\s+'(?:${NAMES})'\\s*:)|(?:\\.includes\\(\\s*'(?:${NAMES})'\\s*\\))`);

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sourceFiles(p, out);
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

function comparisons(text: string): string[] {
  return text.split('\n').filter((line) => !line.trim().startsWith('//') && COMPARISON.test(line));
}

test('no code outside src/policy/ compares a policy name', () => {
  const found: string[] = [];
  for (const file of sourceFiles(SRC)) {
    if (file.startsWith(join(SRC, 'policy') + '/')) continue;
    for (const line of comparisons(readFileSync(file, 'utf8'))) found.push(`${relative(REPO_ROOT, file)}: ${line.trim()}`);
  }
  assert.deepEqual(found, []);
});

test('the check can fail: each form of comparison is caught, a name as data is not', () => {
  assert.equal(comparisons("if (d.policy === 'oom-score') x();").length, 1);
  assert.equal(comparisons("if ('lmkd' !== p) x();").length, 1);
  assert.equal(comparisons("    case 'simple-lmk':").length, 1);
  assert.equal(comparisons("if (['lowmemorykiller'].includes('lowmemorykiller')) x();").length, 1);
  assert.equal(comparisons("export const DEFAULT_POLICY: PolicyName = 'oom-score';").length, 0);
});
