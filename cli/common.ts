// The commands every console has, whichever kernel it runs on: help, time,
// threads and statistics, the kernel log, the file commands (run as
// syscalls from a user thread while the machine runs), the verifying
// workload and disk faults. Each command is one entry (usage, a one-line
// summary, the body), dispatched by name as xv6 dispatches syscalls.

import { IRQ_DISK0, IRQ_TIMER } from '../hw/machine.js';
import { err } from '../exec/errno.js';
import type { Thread } from '../exec/thread.js';
import { STRATEGIES, type Strategy, type UpdateOptions } from '../updater/plan.js';
import { Workload } from '../user/workload.js';
import { keyValues, parseCount, table } from './format.js';
import { type Command, helpFor, type Session } from './session.js';

const enc = (text: string) => new TextEncoder().encode(text);
const dec = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** EINVAL naming the usage unless `args` has between `min` and `max` words. */
export function arity(cmd: { name: string; usage: string }, args: readonly string[], min: number, max = min): void {
  if (args.length < min || args.length > max) {
    throw err('EINVAL', `${cmd.name} takes ${min === max ? min : `${min} to ${max === Infinity ? 'any number of' : max}`} argument${max === 1 ? '' : 's'}, got ${args.length}`, `usage: ${cmd.usage}`);
  }
}

const define = (c: Command<Session>) => c;

/** What history and the live progress lines show of an update's phase. */
export interface PhaseLine {
  readonly phase: string;
  readonly at: number;
  readonly cycles: number;
  readonly wallUs: number;
  readonly detail: string;
}

/** One phase: name, when it ended, its simulated cycles and wall time, and what it did. */
export function phaseLine(e: PhaseLine): string {
  return `${e.phase.padEnd(11)} t=${String(e.at).padEnd(10)} ${String(e.cycles).padStart(9)} cycles ${e.wallUs.toFixed(0).padStart(7)} us  ${e.detail}`;
}

/** Run a started update or revert to its end on the session's machine; throw its abort, or print its summary. */
export function finishUpdate<R extends { readonly error: Error | null }>(s: Session, started: { readonly record: R; readonly thread: Thread }, summary: (r: R) => string): void {
  s.k.runThread(started.thread, Number.MAX_SAFE_INTEGER);
  if (started.record.error) throw started.record.error;
  s.print(summary(started.record));
}

/** The `history` command's output: a head line per update, then its phases. */
export function printHistory<R extends { readonly phases: readonly PhaseLine[] }>(s: Session, records: readonly R[], head: (r: R) => string): void {
  if (records.length === 0) s.print('no updates yet');
  for (const r of records) {
    s.print(head(r));
    for (const e of r.phases) s.print(`  ${phaseLine(e)}`);
  }
}

const help = define({
  name: 'help',
  usage: 'help [COMMAND]',
  summary: 'list the commands, or show how to use one',
  run(s, args) {
    arity(help, args, 0, 1);
    if (args[0] !== undefined) {
      const cmd = s.commands.get(args[0]);
      if (!cmd) throw err('EINVAL', `unknown command '${args[0]}'`, "type 'help' for the list");
      for (const l of helpFor(cmd)) s.print(l);
      return;
    }
    for (const l of table(['command', 'what it does'], [...s.commands.values()].map((c) => [c.usage, c.summary]))) s.print(l);
  },
});

const tick = define({
  name: 'tick',
  usage: 'tick CYCLES',
  summary: 'let the machine run for CYCLES simulated cycles (250000, 250k, 1M)',
  run(s, args) {
    arity(tick, args, 1);
    const n = parseCount(args[0]!, 'CYCLES');
    s.k.run(n);
    s.print(`t=${s.k.now}`);
  },
});

const ps = define({
  name: 'ps',
  usage: 'ps',
  summary: 'list threads with their state, CPU, what they wait on and their stack of active frames',
  run(s, args) {
    arity(ps, args, 0);
    const running = s.k.sched.running();
    const rows = s.k.sched.threads().map((t) => [
      t.tid,
      t.name,
      t.kind,
      t.state,
      running[t.cpu] === t ? `${t.cpu}` : `(${t.cpu})`,
      t.waitChannel ?? '-',
      t.syscall ?? '-',
      t.frames.map((f) => `${f.module}@${f.version}:${f.fn}`).join(' > ') || '-',
    ]);
    for (const l of table(['tid', 'name', 'kind', 'state', 'cpu', 'wait', 'syscall', 'stack (outermost first)'], rows)) s.print(l);
  },
});

const stat = define({
  name: 'stat',
  usage: 'stat',
  summary: 'machine statistics: time, CPUs, syscalls, disk, store, trace hash',
  run(s, args) {
    arity(stat, args, 0);
    const k = s.k;
    const now = k.now;
    s.print(`time:         ${now} cycles`);
    s.print(`cpus:         ${k.machine.cpus.map((c) => `cpu${c.id} ${now ? ((100 * c.busyCycles) / now).toFixed(1) : '0.0'}%`).join('  ')}`);
    s.print(`threads:      ${k.sched.threads().length} live; ${k.sched.counters.steps} steps, ${k.sched.counters.switches} switches, ${k.sched.counters.preemptions} preemptions`);
    s.print(`syscalls:     ${k.stats.syscalls} (${k.stats.syscallErrors} returned an error)`);
    const d = k.machine.disks[0]!;
    s.print(`disk0:        ${d.completed} requests done, ${d.errors} errors, ${d.queued} in flight`);
    s.print(`interrupts:   timer ${k.machine.irq.count(IRQ_TIMER)}, disk0 ${k.machine.irq.count(IRQ_DISK0)}, lost ${k.machine.irq.spurious}`);
    for (const l of s.kernelStat()) s.print(l);
    s.print(`mounts:       ${k.vfs.mountTable().map((m) => `${m.dev} on ${m.path} (${m.fstype})`).join(', ') || '-'}`);
    s.print(`open files:   ${k.vfs.openFiles()}`);
    s.print(`oopses:       ${k.stats.oopses}`);
    s.print(`trace:        ${k.machine.traceHash()} (${k.machine.events.trace.records} records)`);
  },
});

const dmesg = define({
  name: 'dmesg',
  usage: 'dmesg',
  summary: 'print the kernel log',
  run(s, args) {
    arity(dmesg, args, 0);
    for (const l of s.kernelLog()) s.print(l);
  },
});

const mount = define({
  name: 'mount',
  usage: 'mount FSTYPE DEVICE PATH',
  summary: 'mount a filesystem (e.g. mount simplefs disk0 /mnt)',
  run(s, args) {
    arity(mount, args, 3);
    const [fstype, dev, path] = args as [string, string, string];
    s.sys('mount', (sys) => sys.mount(fstype, dev, path));
  },
});

const umount = define({
  name: 'umount',
  usage: 'umount PATH',
  summary: 'unmount the filesystem mounted on PATH',
  run(s, args) {
    arity(umount, args, 1);
    s.sys('umount', (sys) => sys.umount(args[0]!));
  },
});

const ls = define({
  name: 'ls',
  usage: 'ls [PATH]',
  summary: 'list a directory (type, size, name)',
  run(s, args) {
    arity(ls, args, 0, 1);
    const path = args[0] ?? '/';
    const rows = s.sys('ls', function* (sys) {
      const names = yield* sys.readdir(path);
      const out: [string, string, string][] = [];
      for (const n of names) {
        const st = yield* sys.stat(`${path.replace(/\/$/, '')}/${n}`);
        out.push([st.type === 'dir' ? 'd' : st.type === 'file' ? '-' : 'c', st.type === 'file' ? String(st.size) : '-', st.type === 'dir' ? `${n}/` : n]);
      }
      return out;
    });
    for (const r of rows) s.print(`${r[0]} ${r[1].padStart(8)}  ${r[2]}`);
  },
});

const cat = define({
  name: 'cat',
  usage: 'cat PATH',
  summary: 'print a file',
  run(s, args) {
    arity(cat, args, 1);
    const text = dec(s.sys('cat', (sys) => sys.readFile(args[0]!)));
    for (const l of text.replace(/\n$/, '').split('\n')) s.print(l);
  },
});

const write = define({
  name: 'write',
  usage: 'write PATH TEXT...',
  summary: 'create or truncate PATH and write TEXT (words joined by spaces, then a newline)',
  run(s, args) {
    arity(write, args, 2, Infinity);
    const data = enc(`${args.slice(1).join(' ')}\n`);
    s.sys('write', (sys) => sys.writeFile(args[0]!, data));
    s.print(`${data.length} bytes written`);
  },
});

const df = define({
  name: 'df',
  usage: 'df [PATH]',
  summary: 'space and files of the filesystem holding PATH (default /mnt), through statfs',
  run(s, args) {
    arity(df, args, 0, 1);
    const path = args[0] ?? '/mnt';
    const st = s.sys('df', (sys) => sys.statfs(path));
    for (const l of table(['path', 'block size', 'blocks', 'used', 'free', 'files'], [[path, st.blockSize, st.blocks, st.blocks - st.free, st.free, st.files]])) s.print(l);
  },
});

const mkdir = define({
  name: 'mkdir',
  usage: 'mkdir PATH',
  summary: 'make a directory',
  run(s, args) {
    arity(mkdir, args, 1);
    s.sys('mkdir', (sys) => sys.mkdir(args[0]!));
  },
});

const rm = define({
  name: 'rm',
  usage: 'rm PATH',
  summary: 'remove a file',
  run(s, args) {
    arity(rm, args, 1);
    s.sys('rm', (sys) => sys.unlink(args[0]!));
  },
});

const rmdir = define({
  name: 'rmdir',
  usage: 'rmdir PATH',
  summary: 'remove an empty directory',
  run(s, args) {
    arity(rmdir, args, 1);
    s.sys('rmdir', (sys) => sys.rmdir(args[0]!));
  },
});

const workload = define({
  name: 'workload',
  usage: 'workload start [threads=N] [files=M] [seed=S] [size=BYTES] [think=CYCLES] [root=PATH] | stop | status',
  summary: 'the verifying workload: user threads writing and checking files; stop verifies every byte',
  details: ['start needs a filesystem mounted on root (default /mnt).', 'stop exits non-zero in a script if any operation failed or any byte was lost.'],
  run(s, args) {
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
    } else if (sub === 'stop') {
      arity(workload, args, 1);
      const w = s.workload;
      if (!w || !w.running) throw err('ESRCH', 'the workload is not running', 'workload start first');
      w.stop();
      const report = w.verify();
      s.print(`workload stopped: ${w.ops} operations, ${w.failed} failed`);
      s.print(`verified ${report.files} files, ${report.bytes} bytes: ${report.mismatches.length === 0 ? 'all correct' : `${report.mismatches.length} wrong`}`);
      for (const f of w.failures) s.print(`  failed: ${f}`);
      for (const m of report.mismatches) s.print(`  wrong: ${m}`);
      if (w.failed > 0 || report.mismatches.length > 0) {
        throw err('EIO', `the workload lost data: ${w.failed} failed operations, ${report.mismatches.length} wrong files`);
      }
    } else if (sub === 'status') {
      arity(workload, args, 1);
      const w = s.workload;
      if (!w) {
        s.print('workload: not started');
        return;
      }
      s.print(`workload: ${w.running ? 'running' : 'stopped'}, ${w.ops} operations, ${w.failed} failed, since t=${w.startedAt}`);
      for (const f of w.failures) s.print(`  failed: ${f}`);
    } else {
      throw err('EINVAL', `workload needs start, stop or status${sub ? `, got '${sub}'` : ''}`, `usage: ${workload.usage}`);
    }
  },
});

const fault = define({
  name: 'fault',
  usage: 'fault DISK error SECTOR | fault DISK hang [N] | fault DISK clear',
  summary: 'inject disk faults: an I/O error on a sector, or requests that never complete',
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
      disk.injectHang(n);
      s.print(`${disk.name}: the next ${n} request(s) will never complete`);
    } else if (what === 'clear') {
      arity(fault, args, 2);
      disk.clearErrors();
      s.print(`${disk.name}: sector errors cleared`);
    } else {
      throw err('EINVAL', `unknown fault '${what}'`, `usage: ${fault.usage}`);
    }
  },
});

const echo = define({
  name: 'echo',
  usage: 'echo TEXT...',
  summary: 'print TEXT (for scripts)',
  run(s, args) {
    s.print(args.join(' '));
  },
});

/** Split the options of update and revert (`--strategy S`, `--timeout N`, `--lazy`, `--eager`, `--sweep`, `--dry-run`; those in `allowed`) from positional words. */
export function updateFlags(cmd: { name: string; usage: string }, args: readonly string[], allowed: readonly string[]): { words: string[]; opts: UpdateOptions; dryRun: boolean } {
  const words: string[] = [];
  let strategy: Strategy | undefined;
  let timeout: number | undefined;
  let lazy: boolean | undefined;
  let sweep = false;
  let dryRun = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('--')) {
      words.push(a);
      continue;
    }
    if (!allowed.includes(a)) throw err('EINVAL', `${cmd.name} has no option ${a}`, `usage: ${cmd.usage}`);
    if (a === '--strategy') {
      const v = args[++i];
      if (!v || !(STRATEGIES as readonly string[]).includes(v)) throw err('EINVAL', `--strategy needs one of ${STRATEGIES.join(', ')}${v ? `, got '${v}'` : ''}`);
      strategy = v as Strategy;
    } else if (a === '--timeout') {
      const v = args[++i];
      if (!v) throw err('EINVAL', '--timeout needs a number of cycles');
      timeout = parseCount(v, '--timeout');
    } else if (a === '--dry-run') {
      dryRun = true;
    } else if (a === '--eager' || a === '--lazy') {
      if (lazy !== undefined && lazy !== (a === '--lazy')) throw err('EINVAL', '--lazy and --eager exclude each other');
      lazy = a === '--lazy';
    } else if (a === '--sweep') {
      sweep = true;
    }
  }
  return {
    words,
    opts: { ...(strategy ? { strategy } : {}), ...(timeout !== undefined ? { timeout } : {}), ...(lazy !== undefined ? { lazy } : {}), ...(sweep ? { sweep } : {}) },
    dryRun,
  };
}

/** A console's command table: help, its own commands, then the common ones. */
export function commandTable<S extends Session>(own: readonly Command<S>[]): ReadonlyMap<string, Command<S>> {
  return new Map([help, ...own, tick, ps, stat, dmesg, mount, umount, ls, df, cat, write, mkdir, rm, rmdir, workload, fault, echo].map((c) => [c.name, c as Command<S>]));
}
