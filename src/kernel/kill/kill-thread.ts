// Entry point of the kill thread. It has its own koffi binding (src/kernel/sys binds
// lazily, once per thread) and its own event loop, so a kill request is served even
// while the main thread is busy (GC, a slow client, a long scan): the request is a
// message, the batch runs synchronously here, and the answer is a message.
import { parentPort, workerData } from 'node:worker_threads';
import { errorCode } from '../sys/errors.js';
import { schedGetscheduler, schedSetscheduler, SCHED_FIFO, SCHED_RESET_ON_FORK } from '../sys/sched.js';
import { KillCore } from './kill-thread-core.js';
import { warmUpReap } from './reap.js';
import { realKillSys } from './kill-sys.js';
import { threadNowMs } from '../clock.js';
import type { CoreConfig, FromCore, ToCore } from './types.js';

const port = parentPort;
if (!port) throw new Error('kill worker started outside a worker thread');
const config = workerData as CoreConfig;
const sys = realKillSys();
const emit = (m: FromCore): void => port.postMessage(m);
const notes: string[] = [];

// Bind every libc function the kill path uses now, not during the first kill, and warm
// up the signal -> process_mrelease path (reap.ts).
function warmUp(): void {
  warmUpReap(sys, threadNowMs);
  sys.readProc(sys.selfPid, 'stat');
  schedGetscheduler(0);
  if (config.threadRtPriority !== null) {
    try {
      // Only this thread (tid 0 = caller); children never inherit it.
      schedSetscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, config.threadRtPriority);
      notes.push(`kill thread at SCHED_FIFO ${config.threadRtPriority}`);
    } catch (e) {
      notes.push(`kill thread RT priority failed: ${errorCode(e) ?? String(e)}`);
    }
  }
}

let nextQid = 1;
const questions = new Map<number, (pids: number[]) => void>();
const askProtect = config.askProtect
  ? (pids: number[]): Promise<number[]> =>
      new Promise((resolve) => {
        const qid = nextQid++;
        questions.set(qid, resolve);
        emit({ t: 'protect-query', qid, pids });
      })
  : undefined;

warmUp();
const core = new KillCore(sys, config, { now: threadNowMs, emit, ...(askProtect ? { askProtect } : {}) });

port.on('message', (m: ToCore) => {
  switch (m.t) {
    case 'kill':
      try {
        const { outcomes, timing } = core.kill(m.victims, m.dryRun, m.group);
        emit({ t: 'killed', id: m.id, outcomes, timing });
      } catch (e) {
        emit({ t: 'failed', id: m.id, message: e instanceof Error ? e.message : String(e) });
      }
      break;
    case 'release':
      core.release(m.keys);
      break;
    case 'protect-answer':
      questions.get(m.qid)?.(m.protectedPids);
      questions.delete(m.qid);
      break;
    case 'close':
      core.closeAll();
      port.close();
      break;
  }
});
emit({ t: 'ready', notes });
