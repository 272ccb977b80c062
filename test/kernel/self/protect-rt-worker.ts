// Worker for self-protect.test.ts: raises its own thread to real time, as the kill
// worker does, and reports its tid and policy.
import { parentPort } from 'node:worker_threads';
import { setThreadRealtime } from '../../../src/kernel/self/protect.js';
import { gettid } from '../../../src/kernel/sys/process.js';
import { schedGetscheduler } from '../../../src/kernel/sys/sched.js';

const step = setThreadRealtime();
parentPort?.postMessage({ tid: gettid(), step, policy: schedGetscheduler(0) });
// Stay alive (a listening port keeps the thread) until the test terminates us.
parentPort?.on('message', () => undefined);
