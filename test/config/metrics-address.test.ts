// [daemon] metrics: off by default, loopback for a port alone, an address as written,
// a clear error for anything else; --metrics sets it like the key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkConfigText } from '../../src/config/load.js';

const metricsOf = (text: string, flags = {}): unknown => checkConfigText(text, 't.toml', flags).config?.daemon.metrics;

test('metrics is off by default; a port alone listens on loopback', () => {
  assert.equal(metricsOf(''), null);
  assert.equal(metricsOf('[daemon]\nmetrics = ""'), null);
  assert.deepEqual(metricsOf('[daemon]\nmetrics = "9412"'), { host: '127.0.0.1', port: 9412 });
  assert.deepEqual(metricsOf('[daemon]\nmetrics = 9412'), { host: '127.0.0.1', port: 9412 });
  assert.deepEqual(metricsOf('[daemon]\nmetrics = "0.0.0.0:9412"'), { host: '0.0.0.0', port: 9412 });
  assert.deepEqual(metricsOf('[daemon]\nmetrics = "[::1]:9412"'), { host: '::1', port: 9412 });
  assert.deepEqual(metricsOf('', { metrics: '127.0.0.1:9500' }), { host: '127.0.0.1', port: 9500 });
});

test('a bad metrics address is an error naming the key', () => {
  for (const bad of ['"http://x:1"', '"127.0.0.1:99999"', '"host:"', 'true']) {
    const r = checkConfigText(`[daemon]\nmetrics = ${bad}`, 't.toml');
    assert.equal(r.config, undefined, bad);
    assert.match(r.issues.map((i) => `${i.key} ${i.message}`).join('\n'), /daemon\.metrics/, bad);
  }
});
