// The console commands for faults, and for recovering from them: `fault`
// injects disk faults (an I/O error on a sector, requests that stall) and
// takes them back (`release` lets stalled requests complete, `clear` ends
// every fault of the disk); `kill TID` ends a user thread wherever it waits,
// a hung disk request included, releasing what it pinned (exec/signal.ts).
// A request that stalls past the block driver's timeout fails by itself
// (exec/iotimeout.ts).

import { killTask } from '../api/control.js';
import { err } from '../exec/errno.js';
import { parseCount } from './format.js';
import { arity, type Command, type Session } from './session.js';

const define = (c: Command<Session>) => c;

const fault = define({
  name: 'fault',
  usage: 'fault DISK error SECTOR | fault DISK hang [N] | fault DISK release [N] | fault DISK clear',
  summary: 'inject disk faults (an I/O error on a sector, requests that stall) and end them (release stalled requests, clear everything)',
  details: [
    'error SECTOR: every request touching SECTOR fails with EIO.',
    'hang [N]: the next N requests (default 1) stall: the disk does not answer them. The block driver fails a stalled request with EIO once its timeout passes (blkdev parameter timeout, default 30000000 cycles).',
    'release [N]: the N oldest stalled requests (default all) complete now, normally, as if the disk had answered late; one whose request already timed out is ignored by the driver.',
    'clear: sector errors cleared, hangs not yet met cancelled, every stalled request released.',
  ],
  complete: [(s) => s.k.machine.disks.map((d) => d.name), ['error', 'hang', 'release', 'clear']],
  run(s, args) {
    arity(fault, args, 2, 3);
    const disk = s.k.machine.disks.find((d) => d.name === args[0]);
    if (!disk) throw err('ENODEV', `no disk '${args[0]}'`, `disks: ${s.k.machine.disks.map((d) => d.name).join(', ')}`);
    const what = args[1];
    if (what === 'error') {
      arity(fault, args, 3);
      const sector = parseCount(args[2]!, 'SECTOR');
      if (sector >= disk.sectors) throw err('EINVAL', `sector ${sector} is outside 0..${disk.sectors - 1}`);
      disk.injectError(sector);
      s.print(`${disk.name}: sector ${sector} now fails with EIO`);
    } else if (what === 'hang') {
      const n = args[2] === undefined ? 1 : parseCount(args[2], 'N');
      if (n < 1) throw err('EINVAL', 'hang needs N of 1 or more', `e.g. fault ${disk.name} hang 1`);
      disk.injectHang(n);
      s.print(`${disk.name}: the next ${n} request(s) will stall until released (or until the driver times them out)`);
    } else if (what === 'release') {
      const n = args[2] === undefined ? Infinity : parseCount(args[2], 'N');
      const released = disk.release(n);
      s.print(`${disk.name}: ${released} stalled request(s) released, ${disk.stalled} still stalled`);
      return { released, stalled: disk.stalled };
    } else if (what === 'clear') {
      arity(fault, args, 2);
      disk.clearErrors();
      const pending = disk.cancelHangs();
      const released = disk.release(); // the stalled requests complete, so the threads waiting on them go on
      s.print(`${disk.name}: sector errors cleared, ${released} stalled request(s) released, ${pending} pending hang(s) cancelled`);
      return { released, cancelled: pending };
    } else {
      throw err('EINVAL', `unknown fault '${what}'`, `usage: ${fault.usage}`);
    }
    return undefined;
  },
});

const kill = define({
  name: 'kill',
  usage: 'kill TID',
  summary: 'end user thread TID wherever it waits (a hung disk request too), releasing what it pinned',
  details: [
    'Its syscall is abandoned and its program ends (SIGKILL): a disk request it waited on is given up by the driver, its frames leave the modules, its open files close, a pending transition stops waiting for it.',
    'A workload thread killed is counted by the workload: the file its operation touched is indeterminate, not lost (workload stop says so).',
    'ESRCH: no such thread (ps lists them). EPERM: a kernel thread (an update or a lazy sweep), which revert, purge or waiting ends.',
  ],
  run(s, args) {
    arity(kill, args, 1);
    if (!/^\d+$/.test(args[0]!)) throw err('EINVAL', `TID must be a thread id, got '${args[0]}'`, 'ps lists the threads');
    const r = killTask(s.k, Number(args[0]));
    s.print(r.exited ? `killed ${r.tid} (${r.name})` : `thread ${r.tid} (${r.name}) is marked killed and exits at its next step`);
    return r;
  },
});

export const FAULT_COMMANDS: readonly Command[] = [fault, kill];
