// Entry point of the scan helper thread (scan-helper.ts). It sleeps in Atomics.wait —
// no timer, no wakeup — until the main thread publishes a job, reads items from the top
// of the job down while the main thread lists the domain and reads from the bottom up,
// says it is done, and sleeps again. It never opens or closes an fd: it only reads
// through fds the main thread keeps open until the job is done.
import { parentPort, workerData } from 'node:worker_threads';
import { C_DONE_GEN, C_GEN, C_COUNT, C_STOP, drainFromTop, type ScanHelperMemory } from './scan-helper-memory.js';

const port = parentPort;
if (!port) throw new Error('scan helper started outside a worker thread');
const memory = workerData as ScanHelperMemory;
const buf = Buffer.alloc(4096);
const { control } = memory;

port.postMessage('ready');
let seen = 0;
for (;;) {
  Atomics.wait(control, C_GEN, seen);
  seen = Atomics.load(control, C_GEN);
  if (Atomics.load(control, C_STOP) !== 0) break;
  drainFromTop(memory, Atomics.load(control, C_COUNT), buf);
  Atomics.store(control, C_DONE_GEN, seen);
  Atomics.notify(control, C_DONE_GEN);
}
port.close();
