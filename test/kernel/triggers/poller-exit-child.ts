// A process that exits (process.exit, or by throwing) while the FdPoller's poll(2) is
// blocked on a libuv pool thread. libuv joins its pool at exit, so without the poller's
// exit hook this would hang forever (kernel-interfaces §0.1).
//   node poller-exit-child.js exit|throw
import { FdPoller } from '../../../src/kernel/fd-poller.js';
import { eventfd, EFD_NONBLOCK, POLLIN } from '../../../src/kernel/sys/io.js';

const poller = new FdPoller();
poller.watch(eventfd(0, EFD_NONBLOCK), POLLIN, () => undefined);
setTimeout(() => {
  process.stdout.write(`polling ${poller.active}\n`);
  if (process.argv[2] === 'throw') throw new Error('uncaught on purpose');
  process.exit(0);
}, 50);
