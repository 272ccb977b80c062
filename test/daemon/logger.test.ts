import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Logger } from '../../src/daemon/logger.js';

function capture(format: 'json' | 'human', level: 'debug' | 'info' | 'warn' = 'info'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = new Logger({ format, level, out: { write: (l) => void lines.push(l) }, wallMs: () => Date.UTC(2025, 0, 2, 3, 4, 5, 678) });
  return { logger, lines };
}

test('JSON lines carry time, level, event, domain, msg, then the fields', () => {
  const { logger, lines } = capture('json');
  logger.forDomain('apps').info('kill', 'killing x', { pid: 42, big: 10n });
  assert.equal(lines.length, 1);
  const line = lines[0] ?? '';
  assert.ok(line.endsWith('\n'));
  const rec = JSON.parse(line) as Record<string, unknown>;
  assert.deepEqual(Object.keys(rec).slice(0, 5), ['time', 'level', 'event', 'domain', 'msg']);
  assert.deepEqual(rec, { time: '2025-01-02T03:04:05.678Z', level: 'info', event: 'kill', domain: 'apps', msg: 'killing x', pid: 42, big: 10 });
});

test('a field named like a core key never replaces it', () => {
  const { logger, lines } = capture('json', 'debug');
  logger.debug('trigger', 'psi critical', { level: 'critical', time: 5, msg: 'x', event: 'y' });
  const rec = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
  assert.equal(rec.level, 'debug');
  assert.equal(rec.event, 'trigger');
  assert.equal(rec.msg, 'psi critical');
  assert.deepEqual([rec.field_level, rec.field_time, rec.field_msg, rec.field_event], ['critical', 5, 'x', 'y']);
});

test('human lines: time of day, level, [domain], message', () => {
  const { logger, lines } = capture('human');
  logger.forDomain('machine').warn('x', 'hello', { ignored: true });
  logger.info('y', 'no domain');
  assert.deepEqual(lines, ['03:04:05.678 warn  [machine] hello\n', '03:04:05.678 info  no domain\n']);
});

test('the level filters, and configure() switches format and level', () => {
  const { logger, lines } = capture('human', 'warn');
  logger.info('a', 'dropped');
  logger.error('b', 'kept');
  logger.configure('json', 'debug');
  logger.debug('c', 'now json');
  assert.equal(lines.length, 2);
  assert.match(lines[0] ?? '', /error kept/);
  assert.equal((JSON.parse(lines[1] ?? '{}') as { event: string }).event, 'c');
});
