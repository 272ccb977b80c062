// Runs one PsiTrigger in a child process, so a test can run it under `unshare -U -r`
// (privileged: the opener's credentials hold CAP_SYS_RESOURCE, kernel-interfaces §1.2).
//   node psi-child.js PATH KIND STALL_US WINDOW_US
// Prints JSON lines: {"type":"armed",...}, then {"type":"event","wallMs":...} for the first
// event (or {"type":"ended"} / {"type":"error"}), then stops and exits. Gives up after 10 s.
import { FdPoller } from '../../../src/kernel/fd-poller.js';
import { PsiTrigger } from '../../../src/kernel/triggers/psi-trigger.js';
import type { PsiKind } from '../../../src/kernel/triggers/psi-arm.js';

const [path, kind, stall, window] = process.argv.slice(2);
const say = (o: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(o)}\n`);
};

async function main(): Promise<void> {
  const poller = new FdPoller();
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const trigger = new PsiTrigger({
    poller,
    path: path ?? '/proc/pressure/memory',
    kind: (kind ?? 'some') as PsiKind,
    stallUs: Number(stall),
    windowUs: Number(window),
    onEnded: () => {
      say({ type: 'ended' });
      done();
    },
  });
  trigger.start((e) => {
    say({ type: 'event', wallMs: Date.now(), detail: e.detail });
    done();
  });
  say({ type: 'armed', spec: trigger.spec, fallback: trigger.fallback ?? null });
  const timer = setTimeout(() => {
    say({ type: 'timeout' });
    done();
  }, 10_000);
  await finished;
  clearTimeout(timer);
  await trigger.stop();
  await poller.stop();
}

main().catch((e: unknown) => {
  say({ type: 'error', message: String(e) });
  process.exitCode = 1;
});
