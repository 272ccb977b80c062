// Issue 11 item 8: sizes as users write them, never a silent guess. MB/GB are decimal,
// M/G/MiB/GiB binary, in any case; a bare number is an error with what to write instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSizeKiB } from '../../src/model/units.js';
import { checkConfigText } from '../../src/config/load.js';
import { parseMinfree } from '../../src/policy/params.js';

test('binary and decimal units, any case', () => {
  for (const t of ['512M', '512m', '512MiB', '512mib', '512MIB']) assert.equal(parseSizeKiB(t), 512 * 1024, t);
  for (const t of ['512MB', '512mb', '512Mb']) assert.equal(parseSizeKiB(t), Math.round(512e6 / 1024), t);
  assert.equal(parseSizeKiB('1GB'), Math.round(1e9 / 1024));
  assert.equal(parseSizeKiB('1g'), 1024 * 1024);
  assert.equal(parseSizeKiB('16384p'), 16384 * 4);
  assert.equal(parseSizeKiB('0'), 0);
});

test('a bare number is not a size: the error says what to write', () => {
  assert.equal(parseSizeKiB('512'), undefined);
  assert.throws(() => parseMinfree('512'), /"512" has no unit: write "512KiB", "512MiB"/);
  const r = checkConfigText('[[domain]]\npolicy = "simple-lmk"\nminfree = 65536\n', 'x.toml');
  assert.match(String(r.issues.find((i) => i.key === 'domain[1].minfree')?.message), /needs a unit: write "65536KiB"/);
  const s = checkConfigText('[[domain]]\npolicy = "simple-lmk"\nminfree = "512"\n', 'x.toml');
  assert.match(String(s.issues[0]?.message), /has no unit/);
  assert.match(String(checkConfigText('[[domain]]\npolicy = "simple-lmk"\nminfree = "5 parsecs"\n', 'x.toml').issues[0]?.message), /not a size|unknown unit/);
});
