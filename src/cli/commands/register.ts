import type { Command } from 'commander';
import { register as checkConfig } from './check-config.js';
import { register as ctl } from './ctl.js';
import { register as doctor } from './doctor.js';
import { register as explain } from './explain.js';
import { register as install } from './install.js';
import { register as journal } from './journal.js';
import { register as notify } from './notify.js';
import { register as record } from './record.js';
import { register as run } from './run.js';
import { register as simulate } from './simulate.js';
import { register as snapshot } from './snapshot.js';
import { register as status } from './status.js';

export function registerCommands(program: Command): void {
  for (const register of [run, explain, snapshot, doctor, checkConfig, journal, simulate, record, ctl, install, status, notify]) register(program);
}
