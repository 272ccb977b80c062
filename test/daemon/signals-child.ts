// Child for signals.test.ts: serves a daemon that arms nothing, so the event loop runs dry.
// Prints how serving ended as one JSON line.
import { Logger } from '../../src/daemon/logger.js';
import { Signals } from '../../src/daemon/signals.js';

const logger = new Logger({ format: 'json', level: 'info' });
const signals = new Signals(logger);
void signals.serve({ reload: () => Promise.resolve(true) }).then((end) => {
  process.stdout.write(`${JSON.stringify({ end })}\n`);
  signals.dispose();
  process.exitCode = end.fatal !== undefined ? 1 : 0;
});
