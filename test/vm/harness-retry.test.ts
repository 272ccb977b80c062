// The VM harness boots once more only when the guest's kernel crashed (its console shows an
// Oops), never for a check's own failure: a pure test of that rule, no VM needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { guestKernelCrashed } from './harness.js';

test('a guest kernel oops on the console is a crash to retry; a failing check or a missing tool is not', () => {
  const oops = 'vm-run: the VM failed (qemu exit 0)\n---- guest console ----\nBooting from ROM..[    1.357620] Oops: int3: 0000 [#1] PREEMPT SMP NOPTI\n';
  assert.equal(guestKernelCrashed(oops), true);
  assert.equal(guestKernelCrashed('vm-run: the VM failed (qemu exit 0)\n---- guest console ----\n[ 3.1] reboot: Power down\n'), false);
  assert.equal(guestKernelCrashed('vm-run: qemu-system-x86_64 not found'), false);
});
