// A control-socket client in its own process, driven over stdin/stdout with JSON lines.
// Ownership is by process (the sender's pid), so ownership tests need clients in other
// processes. Not a test file: test/control/helpers.ts spawns it.
//   stdin:  {"id": 1, "op": "procPrio", "args": [4242, 10001, 900]}
//   stdout: {"id": 1, "ok": true, "result": …} | {"event": "ready" | "kill" | "closed", …}
import { createInterface } from 'node:readline';
import { LmkdClient } from '../../src/control/client.js';

const out = (o: unknown): void => void process.stdout.write(`${JSON.stringify(o)}\n`);
const client = await LmkdClient.connect(process.argv[2]);
client.onKill((e) => out({ event: 'kill', ...e }));
void client.closed.then(() => out({ event: 'closed' }));
const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const { id, op, args } = JSON.parse(line) as { id: number; op: string; args: unknown[] };
  const fn = (client as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[op];
  Promise.resolve()
    .then(() => fn?.apply(client, args))
    .then(
      (result) => out({ id, ok: true, result: result ?? null }),
      (e: unknown) => out({ id, ok: false, error: e instanceof Error ? e.message : String(e) }),
    );
});
rl.on('close', () => void client.close().then(() => process.exit(0)));
out({ event: 'ready', pid: process.pid });
