// Issue 11 item 2: a domain never vanishes silently. Every value either yields a domain or
// an error naming its key; a configuration without a domain is an error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkConfigText } from '../../src/config/load.js';
import { validateConfig } from '../../src/config/validate.js';
import { DOMAIN_KEYS } from '../../src/config/schema.js';
import { POLICY_KEY_NAMES } from '../../src/config/policy-keys.js';
import { POLICY_NAMES } from '../../src/model/decision.js';

for (const [value, shown] of [['1e21', '1e+21'], ['1e-7', '1e-7']] as const) {
  test(`reclaim_timeout = ${value} is an error with its key and line, for every policy`, () => {
    for (const policy of POLICY_NAMES) {
      const text = `[[domain]]\npolicy = "${policy}"\nreclaim_timeout = ${value}\n`;
      const r = checkConfigText(text, 'x.toml');
      assert.equal(r.config, undefined, `${policy}: a config came back (${JSON.stringify(r.config?.domains.map((d) => d.reclaimTimeoutMs))})`);
      const issue = r.issues.find((i) => i.key === 'domain[1].reclaim_timeout');
      assert.ok(issue, `${policy}: no reclaim_timeout issue in ${JSON.stringify(r.issues)}`);
      assert.equal(issue.line, 3);
      assert.match(issue.message, new RegExp(shown.replace('+', '\\+')));
    }
  });
}

test('a duration above one hour is refused (timers overflow; no timeout is that long)', () => {
  const r = checkConfigText('[[domain]]\nreclaim_timeout = "2h"\n', 'x.toml');
  assert.equal(r.issues[0]?.key, 'domain[1].reclaim_timeout');
});

test('every value of every domain key yields the domain or an error (property)', () => {
  const value = fc.oneof(
    fc.double(), fc.integer(), fc.constantFrom(1e21, 1e-7, -1, 0, 2 ** 53, Infinity, NaN),
    fc.string(), fc.constantFrom('1e21ms', '0.0000001ms', '64MiB', '1s', '', 'heaviest', '6MiB:0,64MiB:900'),
    fc.boolean(),
  );
  const keys = [...DOMAIN_KEYS.map((k) => k.key).filter((k) => k !== 'policy' && k !== 'memcg' && k !== 'psi_group'), ...POLICY_KEY_NAMES];
  fc.assert(fc.property(fc.constantFrom(...POLICY_NAMES), fc.constantFrom(...keys), value, (policy, key, v) => {
    const r = validateConfig({ domain: [{ policy, [key]: v }] }, '', 'x.toml');
    const domains = r.config?.domains.length ?? 0;
    return domains === 1 || (r.config === undefined && r.issues.length > 0);
  }), { numRuns: 3000 });
});
