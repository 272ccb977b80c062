// The real Clock: the one place the daemon reads time (DESIGN.md example 10).
import { performance } from 'node:perf_hooks';
import type { Clock } from '../engine/ports.js';

export const systemClock: Clock = {
  nowMs: () => performance.now(),
  wallMs: () => Date.now(),
};
