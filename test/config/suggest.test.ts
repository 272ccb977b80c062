import { test } from 'node:test';
import assert from 'node:assert/strict';
import { editDistance, suggestKey } from '../../src/config/suggest.js';

test('edit distance', () => {
  assert.equal(editDistance('log_format', 'log_fromat'), 2);
  assert.equal(editDistance('', 'abc'), 3);
  assert.equal(editDistance('same', 'same'), 0);
});

test('suggestions only for plausible typos; dashes count as underscores', () => {
  const known = ['log_format', 'log_level', 'journal', 'dry_run'];
  assert.equal(suggestKey('log-format', known), 'log_format');
  assert.equal(suggestKey('jurnal', known), 'journal');
  assert.equal(suggestKey('completely_else', known), undefined);
});
