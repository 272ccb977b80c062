// How the killer talks to its kill core: a worker thread (the default) or the core
// running on the calling thread (useWorker: false, for tests and comparisons).
import { Worker } from 'node:worker_threads';
import { KillCore } from './kill-thread-core.js';
import { warmUpReap } from './reap.js';
import { realKillSys, type KillSys } from './kill-sys.js';
import { threadNowMs } from '../clock.js';
import type { CoreConfig, FromCore, ToCore } from './types.js';

export interface Channel {
  send(message: ToCore): void;
  /** Keep the process alive while a request is outstanding (worker only). */
  hold(busy: boolean): void;
  close(): Promise<void>;
}

export interface ChannelEvents {
  message(m: FromCore): void;
  /** The kill thread died; every outstanding request fails. */
  failed(message: string): void;
}

export function workerChannel(config: CoreConfig, events: ChannelEvents): Channel {
  const worker = new Worker(new URL('./kill-thread.js', import.meta.url), { workerData: config });
  let alive = true;
  worker.on('message', (m: FromCore) => events.message(m));
  worker.on('error', (e) => {
    alive = false;
    events.failed(`kill worker failed: ${e.message}`);
  });
  worker.on('exit', (code) => {
    if (alive) events.failed(`kill worker exited (code ${code})`);
    alive = false;
  });
  // Stays referenced until the killer sees 'ready' and has nothing outstanding.
  return {
    send: (m) => {
      if (!alive) throw new Error('kill worker is not running');
      worker.postMessage(m);
    },
    hold: (busy) => (busy ? worker.ref() : worker.unref()),
    close: async () => {
      if (!alive) return;
      alive = false;
      worker.postMessage({ t: 'close' } satisfies ToCore);
      await worker.terminate();
    },
  };
}

export function inlineChannel(
  config: CoreConfig,
  events: ChannelEvents,
  custom?: KillSys,
  protect?: (pid: number) => boolean,
): Channel {
  const sys = custom ?? realKillSys();
  if (!custom) warmUpReap(sys, threadNowMs);
  const askProtect = protect ? (pids: number[]) => Promise.resolve(pids.filter((p) => protect(p))) : undefined;
  const core = new KillCore(sys, config, {
    now: threadNowMs,
    emit: (m) => events.message(m),
    ...(askProtect ? { askProtect } : {}),
  });
  queueMicrotask(() => events.message({ t: 'ready', notes: [] }));
  return {
    send: (m) => {
      if (m.t === 'kill') {
        let reply: FromCore;
        try {
          const { outcomes, timing } = core.kill(m.victims, m.dryRun, m.group);
          reply = { t: 'killed', id: m.id, outcomes, timing };
        } catch (e) {
          reply = { t: 'failed', id: m.id, message: e instanceof Error ? e.message : String(e) };
        }
        events.message(reply);
      } else if (m.t === 'release') core.release(m.keys);
      else if (m.t === 'close') core.closeAll();
    },
    hold: () => undefined,
    close: () => {
      core.closeAll();
      return Promise.resolve();
    },
  };
}
