// Is a parsed JSON value a KillRecord? Readers skip lines that are not (a line torn by
// a crash, a hand edit): a journal is evidence, and one bad line must not hide the rest.
import type { KillRecord } from '../model/kill-record.js';

type Check = (v: unknown) => boolean;

const isInt: Check = (v) => Number.isInteger(v);
const isNum: Check = (v) => typeof v === 'number' && Number.isFinite(v);
const isStr: Check = (v) => typeof v === 'string';
const isBool: Check = (v) => typeof v === 'boolean';
const numOrNull: Check = (v) => v === null || isNum(v);
const isTime: Check = (v) => typeof v === 'string' && !Number.isNaN(Date.parse(v));

const REQUIRED: Record<string, Check> = {
  time: isTime,
  pid: isInt,
  name: isStr,
  uid: isInt,
  oomScoreAdj: isInt,
  sizeKiB: isNum,
  anonKiB: isNum,
  policy: isStr,
  reason: isStr,
  reaped: isBool,
  reapMs: numOrNull,
  exitMs: numOrNull,
  dryRun: isBool,
};

const OPTIONAL: Record<string, Check> = {
  why: isStr,
  domain: isStr,
  error: isStr,
  killed: isBool,
  notes: (v) => Array.isArray(v) && v.every(isStr),
  stage: (v) => v === 'signalled' || v === 'final',
  killId: isStr,
  levelAdj: isInt,
  taskName: isStr,
  scope: isStr,
  scopeKiB: isNum,
  scopeWhy: isStr,
};

export function isKillRecord(value: unknown): value is KillRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const o = value as Record<string, unknown>;
  for (const [key, check] of Object.entries(REQUIRED)) if (!check(o[key])) return false;
  for (const [key, check] of Object.entries(OPTIONAL)) if (o[key] !== undefined && !check(o[key])) return false;
  return true;
}
