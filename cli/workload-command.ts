// The `workload` console command: start, stop (verifying every byte) and
// watch the verifying workload (user/workload.ts) on the session's kernel.
// Each returns the workload as data (api/data.ts).

import { workloadReport } from '../api/data.js';
import { err } from '../exec/errno.js';
import { Workload } from '../user/workload.js';
import { keyValues, parseCount } from './format.js';
import { arity, type Command, type Session } from './session.js';

const define = (c: Command<Session>) => c;

const workload = define({
  name: 'workload',
  usage: 'workload start [threads=N] [files=M] [seed=S] [size=BYTES] [think=CYCLES] [root=PATH] | stop | status',
  summary: 'the verifying workload: user threads writing and checking files; stop verifies every byte',
  complete: [['start', 'stop', 'status']],
  details: [
    'start needs a filesystem mounted on root (default /mnt).',
    'stop exits non-zero in a script if any operation failed or any byte was lost. An operation that failed with EIO (a bad sector, a disk request that timed out) or was cut short by kill is accounted for instead: its file is indeterminate, read back but not compared.',
  ],
  async run(s, args) {
    const sub = args[0];
    if (sub === 'start') {
      if (s.workload?.running) throw err('EBUSY', 'the workload is already running', 'workload stop first');
      const kv = keyValues(args.slice(1), workload.usage);
      const known = ['threads', 'files', 'seed', 'size', 'think', 'root'];
      for (const key of Object.keys(kv)) if (!known.includes(key)) throw err('EINVAL', `unknown workload option '${key}'`, `options: ${known.join(', ')}`);
      const num = (key: string, dflt: number) => (kv[key] === undefined ? dflt : parseCount(kv[key]!, key));
      const root = kv.root ?? '/mnt';
      if (!s.k.vfs.mountTable().some((m) => m.path === root)) {
        throw err('ENOENT', `nothing is mounted on ${root}`, s.mountHint(root));
      }
      const w = new Workload(s.k, {
        threads: num('threads', 4),
        files: num('files', 8),
        seed: num('seed', s.k.machine.config.seed),
        maxSize: num('size', 4096),
        think: num('think', 4000),
        root,
      });
      w.start();
      s.workload = w;
      s.print(`workload started: ${w.config.threads} threads, ${w.config.files} files each, seed ${w.config.seed}`);
      return workloadReport(w);
    } else if (sub === 'stop') {
      arity(workload, args, 1);
      const w = s.workload;
      if (!w || (!w.running && w.verified)) throw err('ESRCH', 'the workload is not running', 'workload start first');
      // Interruptible (Ctrl-C): the workers finish their operations, then the verifier reads every file.
      w.requestStop();
      await s.waitUntil(() => !w.running, 100_000_000, 'workload stop');
      w.finish(0, 100_000_000); // names the threads that did not stop
      const v = w.startVerify();
      await s.waitThread(v.thread, 500_000_000, 'workload stop (verifying)');
      const report = v.report();
      const faulted = [w.eio ? `${w.eio} of them with EIO (the disk failed them)` : '', w.killed ? `${w.killed} cut short by kill` : ''].filter(Boolean);
      s.print(`workload stopped: ${w.ops} operations, ${w.failed} failed${faulted.length ? `; ${faulted.join('; ')}` : ''}`);
      s.print(`verified ${report.files} files, ${report.bytes} bytes: ${report.mismatches.length === 0 ? 'all correct' : `${report.mismatches.length} wrong`}`);
      if (report.indeterminate.length > 0) s.print(`indeterminate: ${report.indeterminate.length} file(s) an operation that failed with EIO or was killed left unspecified (POSIX), read back but not compared: ${report.indeterminate.join(' ')}`);
      for (const f of w.failures) s.print(`  failed: ${f}`);
      for (const m of report.mismatches) s.print(`  wrong: ${m}`);
      if (w.lost > 0 || report.mismatches.length > 0) {
        throw err('EIO', `the workload lost data: ${w.lost} failed operations${w.eio ? ` (besides ${w.eio} with EIO)` : ''}, ${report.mismatches.length} wrong files`);
      }
      return workloadReport(w, report);
    } else if (sub === 'status') {
      arity(workload, args, 1);
      const w = s.workload;
      if (!w) {
        s.print('workload: not started');
        return null;
      }
      s.print(`workload: ${w.running ? 'running' : 'stopped'}, ${w.ops} operations, ${w.failed} failed${w.eio ? ` (${w.eio} with EIO)` : ''}${w.killed ? `, ${w.killed} killed` : ''}, since t=${w.startedAt}`);
      for (const f of w.failures) s.print(`  failed: ${f}`);
      return workloadReport(w);
    } else {
      throw err('EINVAL', `workload needs start, stop or status${sub ? `, got '${sub}'` : ''}`, `usage: ${workload.usage}`);
    }
  },
});

export const WORKLOAD_COMMANDS: readonly Command[] = [workload];
