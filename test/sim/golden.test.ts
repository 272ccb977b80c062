// Golden files for the scenario library: text and JSON output, byte for byte.
// Regenerate after a deliberate change with REAPD_UPDATE_GOLDEN=1 (then review the diff).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, REPO_ROOT } from '../helpers/paths.js';
import { loadScenario } from '../../src/sim/scenario/load.js';
import { simulateScenario } from '../../src/sim/simulate.js';
import { textReport } from '../../src/sim/report/text.js';
import { jsonReport } from '../../src/sim/report/json.js';

const LIBRARY = join(REPO_ROOT, 'scenarios');
const GOLDEN = join(FIXTURES, 'sim');
const UPDATE = process.env.REAPD_UPDATE_GOLDEN === '1';

const files = readdirSync(LIBRARY).filter((f) => f.endsWith('.toml')).sort();

test('the scenario library holds the scenarios the simulator promises', () => {
  for (const name of ['android-app-cache', 'desktop-leak', 'container-host', 'frozen-background', 'desktop-zram']) {
    assert.ok(files.includes(`${name}.toml`), `scenarios/${name}.toml`);
  }
});

for (const file of files) {
  const name = file.replace(/\.toml$/, '');
  test(`golden: scenarios/${file}`, async () => {
    const result = await simulateScenario(loadScenario(join(LIBRARY, file)));
    const outputs: Array<[string, string]> = [
      [`${name}.txt`, textReport(result)],
      [`${name}.json`, jsonReport(result)],
    ];
    for (const [golden, actual] of outputs) {
      const path = join(GOLDEN, golden);
      if (UPDATE) {
        mkdirSync(GOLDEN, { recursive: true });
        writeFileSync(path, actual);
        continue;
      }
      assert.ok(existsSync(path), `${path} is missing: run the tests with REAPD_UPDATE_GOLDEN=1 and review it`);
      assert.equal(actual, readFileSync(path, 'utf8'), `${golden} differs (REAPD_UPDATE_GOLDEN=1 regenerates it)`);
    }
  });
}
