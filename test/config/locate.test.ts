import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyLocator } from '../../src/config/locate.js';

const text = [
  '# comment', //                         1
  'top = 1', //                           2
  '[daemon]', //                          3
  'log_level = "debug"', //               4
  '[[domain]]', //                        5
  'name = "a"', //                        6
  'levels = [', //                        7
  '  { minfree = "6MiB", adj = 0 },', //  8
  ']', //                                 9
  'note = """', //                       10
  'fake = 1', //                         11
  '"""', //                              12
  '[[domain]]', //                       13
  '"quoted key" = 2', //                 14
  'a.b = 3', //                          15
  '[[domain.protect]]', //               16
  'name = "x"', //                       17
  '[daemon.sub]', //                     18
].join('\n');

test('keys are located through headers, arrays of tables, quoted and dotted keys', () => {
  const loc = new KeyLocator(text);
  assert.equal(loc.lineOf(['top']), 2);
  assert.equal(loc.lineOf(['daemon', 'log_level']), 4);
  assert.equal(loc.lineOf(['domain', 0, 'name']), 6);
  assert.equal(loc.lineOf(['domain', 0, 'levels']), 7);
  assert.equal(loc.lineOf(['domain', 0, 'levels', 0, 'adj']), 7, 'inside an inline array: the key that holds it');
  assert.equal(loc.lineOf(['domain', 1, 'quoted key']), 14);
  assert.equal(loc.lineOf(['domain', 1, 'a', 'b']), 15);
  assert.equal(loc.lineOf(['domain', 1, 'protect', 0, 'name']), 17);
  assert.equal(loc.lineOf(['domain', 1]), 13);
  assert.equal(loc.lineOf(['domain', 1, 'missing']), 13, 'an unknown key falls back to its table');
  assert.equal(loc.lineOf(['daemon', 'sub']), 18);
});

test('text inside multi-line strings and arrays is not taken for keys', () => {
  const loc = new KeyLocator(text);
  assert.equal(loc.lineOf(['domain', 0, 'fake']), 5, 'fake = 1 sits inside a """ string');
  assert.equal(loc.lineOf(['domain', 0, 'note']), 10);
});

test('the locator never throws on garbage', () => {
  for (const t of ['[[', '= =', '[a.b', '"""', 'x = [[[', '\u0000\n[]]\n']) {
    const loc = new KeyLocator(t);
    assert.doesNotThrow(() => loc.lineOf(['a', 0, 'b']));
  }
});
