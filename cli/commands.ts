// The console's command table (one entry per command, dispatched by name, as
// xv6 dispatches syscalls): usage, a one-line summary, and the body. Bodies
// check their arguments before they act, so a wrong argument changes
// nothing; failures are KernelErrors that name the errno.

import { IRQ_DISK0, IRQ_TIMER } from '../hw/machine.js';
import { catalog, catalogDefs, loadModuleDef } from '../kernel/catalog.js';
import { err } from '../exec/errno.js';
import { describePlan, STRATEGIES, type Strategy, type UpdateOptions } from '../updater/plan.js';
import type { UpdateRecord } from '../updater/updater.js';
import { Workload } from '../user/workload.js';
import type { ConsoleSession } from './console.js';
import { helpFor } from './console.js';
import { keyValues, parseCount, table } from './format.js';

export interface Command {
  readonly name: string;
  readonly usage: string;
  readonly summary: string;
  readonly details?: readonly string[];
  run(s: ConsoleSession, args: string[]): Promise<void> | void;
}

const enc = (text: string) => new TextEncoder().encode(text);
const dec = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

function arity(cmd: { name: string; usage: string }, args: readonly string[], min: number, max = min): void {
  if (args.length < min || args.length > max) {
    throw err('EINVAL', `${cmd.name} takes ${min === max ? min : `${min} to ${max === Infinity ? 'any number of' : max}`} argument${max === 1 ? '' : 's'}, got ${args.length}`, `usage: ${cmd.usage}`);
  }
}

function define(c: Command): Command {
  return c;
}

const help = define({
  name: 'help',
  usage: 'help [COMMAND]',
  summary: 'list the commands, or show how to use one',
  run(s, args) {
    arity(help, args, 0, 1);
    if (args[0] !== undefined) {
      const cmd = COMMANDS.get(args[0]);
      if (!cmd) throw err('EINVAL', `unknown command '${args[0]}'`, "type 'help' for the list");
      for (const l of helpFor(cmd)) s.print(l);
      return;
    }
    for (const l of table(['command', 'what it does'], [...COMMANDS.values()].map((c) => [c.usage, c.summary]))) s.print(l);
  },
});

const insmod = define({
  name: 'insmod',
  usage: 'insmod NAME[@VERSION]|PATH [key=value...]',
  summary: 'load a module from the module histories or from a .ts/.js file',
  details: ['NAME loads the latest version; modinfo NAME lists the versions and parameters.'],
  async run(s, args) {
    arity(insmod, args, 1, Infinity);
    const params = keyValues(args.slice(1), insmod.usage);
    const { def, source } = await loadModuleDef(args[0]!);
    const mod = s.k.loader.insmod(def, params, source);
    s.print(`${mod.name} ${mod.def.version} loaded`);
  },
});

const rmmod = define({
  name: 'rmmod',
  usage: 'rmmod NAME',
  summary: 'unload a module (refused with EBUSY while it is in use)',
  run(s, args) {
    arity(rmmod, args, 1);
    s.k.loader.rmmod(args[0]!);
    s.print(`${args[0]} unloaded`);
  },
});

const lsmod = define({
  name: 'lsmod',
  usage: 'lsmod',
  summary: 'list the loaded modules, who uses them and what pins them',
  run(s, args) {
    arity(lsmod, args, 0);
    const rows = s.k.loader.list().map((m) => [
      m.name,
      m.def.version,
      s.k.loader.holdersOf(m.name).join(',') || '-',
      m.pins,
      [...m.imports].filter(([, slot]) => slot.adaptor).map(([key]) => key).join(',') || '-',
      m.source,
    ]);
    for (const l of table(['module', 'version', 'used by', 'pins', 'via adaptor', 'source'], rows)) s.print(l);
  },
});

const modinfo = define({
  name: 'modinfo',
  usage: 'modinfo NAME',
  summary: 'describe a module: version, parameters, imports, exports, ops tables, state',
  run(s, args) {
    arity(modinfo, args, 1);
    const name = args[0]!;
    const mod = s.k.loader.get(name);
    const versions = catalog().get(name);
    if (!mod) {
      if (!versions) throw err('ENOENT', `no module named '${name}' is loaded or in the histories`, 'lsmod lists loaded modules');
      s.print(`name:        ${name} (not loaded)`);
      s.print(`versions:    ${versions.join(', ')}`);
      return;
    }
    const d = mod.def;
    s.print(`name:        ${d.name}`);
    s.print(`version:     ${d.version}`);
    s.print(`description: ${d.description}`);
    if (d.license) s.print(`license:     ${d.license}`);
    s.print(`source:      ${mod.source}`);
    if (versions) s.print(`versions:    ${versions.join(', ')}`);
    for (const [p, pd] of Object.entries(d.params ?? {})) s.print(`parm:        ${p}=${String(mod.params[p])} (${pd.type}, default ${String(pd.default)}): ${pd.description}`);
    for (const [key, slot] of mod.imports) s.print(`requires:    ${key} from ${slot.target.module}${slot.adaptor ? ' (through its adaptor)' : ''}`);
    for (const [key, slot] of mod.exports) {
      const how = slot.adaptor ? `adaptor for ${s.k.loader.importersOf(slot).join(', ')}` : slot.generator ? 'may block' : 'plain';
      s.print(`exports:     ${key} (${how}, ${slot.calls} calls)`);
    }
    for (const key of Object.keys(d.compat ?? {})) if (!mod.exports.has(key)) s.print(`compat:      ${key} (adaptor, made when a module imports it)`);
    for (const t of mod.opsTables) s.print(`ops:         ${t}`);
    if (d.state) s.print(`state:       schema ${d.state.schema}`);
    for (const [t, v] of Object.entries(d.records ?? {})) {
      const behind = s.updater.lazy.behind(d.name, t);
      s.print(`records:     ${t} (schema ${v}, ${s.k.store.table(d.name, t).size} records${behind ? `, ${behind} not yet migrated` : ''})`);
    }
    s.print(`used by:     ${s.k.loader.holdersOf(mod.name).join(', ') || '-'}`);
    s.print(`pins:        ${mod.pins}`);
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
    s.print(`store:        ${k.store.commits} commits`);
    s.print(`mounts:       ${k.vfs.mountTable().map((m) => `${m.dev} on ${m.path} (${m.fstype})`).join(', ') || '-'}`);
    s.print(`open files:   ${k.vfs.openFiles()}`);
    s.print(`binding:      ${k.symbols.binding}`);
    s.print(`oopses:       ${k.stats.oopses}`);
    s.print(`trace:        ${k.machine.traceHash()} (${k.machine.events.trace.records} records)`);
  },
});

const dmesg = define({
  name: 'dmesg',
  usage: 'dmesg',
  summary: 'print the kernel log (read from /dev/kmsg, or the boot buffer if kmsg is not loaded)',
  run(s, args) {
    arity(dmesg, args, 0);
    if (!s.k.ops.get('chrdev', 'kmsg')) {
      s.print('(kmsg is not loaded: showing the boot buffer; insmod kmsg keeps the full log)');
      for (const l of s.k.log.pending()) s.print(l);
      return;
    }
    const text = s.sys('dmesg', (sys) => sys.readFile('/dev/kmsg'));
    for (const l of dec(text).split('\n')) if (l) s.print(l);
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
        throw err('ENOENT', `nothing is mounted on ${root}`, `insmod blkdev; insmod simplefs; mount simplefs disk0 ${root}`);
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

/** Split `--flag [value]` options from positional words. */
function updateFlags(cmd: Command, args: readonly string[], allowed: readonly string[]): { words: string[]; opts: UpdateOptions; dryRun: boolean } {
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

function summary(r: UpdateRecord): string {
  return `${r.kind} ${r.id} committed: ${r.modules.map((m) => `${m.name} ${m.from} -> ${m.to}`).join(', ')} (${r.strategy}): waited ${r.waitCycles} cycles, paused ${r.pauseWallUs.toFixed(0)} us, ${r.syscallsDuring} syscalls ran meanwhile`;
}

const update = define({
  name: 'update',
  usage: 'update SPEC... [--strategy module|per-task|stop-machine] [--timeout CYCLES] [--lazy [--sweep]|--eager] [--dry-run]',
  summary: 'replace running modules by other versions, live; several SPECs update as one group',
  details: [
    'SPEC is NAME@VERSION from the histories or a path to a .ts/.js file.',
    'Default strategy: per-task for code-only updates, module when state changes.',
    '--lazy migrates per-instance records on first access (--sweep: and in the background), --eager all at the switch;',
    'without either, as the version says. --dry-run prints the plan and changes nothing.',
    'On timeout or a failed transfer the update rolls back.',
  ],
  async run(s, args) {
    const { words, opts, dryRun } = updateFlags(update, args, ['--strategy', '--timeout', '--dry-run', '--eager', '--lazy', '--sweep']);
    if (words.length === 0) throw err('EINVAL', 'update needs at least one NAME@VERSION or file', `usage: ${update.usage}`);
    const versions = [];
    for (const w of words) versions.push(await loadModuleDef(w));
    const withCandidates = { ...opts, candidates: await catalogDefs() };
    if (dryRun) {
      for (const l of describePlan(s.updater.plan(versions, withCandidates))) s.print(l);
      return;
    }
    const { record, thread } = s.updater.start(versions, withCandidates);
    s.k.runThread(thread, Number.MAX_SAFE_INTEGER);
    if (record.error) throw record.error;
    s.print(summary(record));
  },
});

const revert = define({
  name: 'revert',
  usage: 'revert NAME [--strategy module|per-task|stop-machine] [--timeout CYCLES] [--lazy|--eager]',
  summary: "go back to the version a module ran before its last update, through that update's downgrade",
  async run(s, args) {
    const { words, opts } = updateFlags(revert, args, ['--strategy', '--timeout', '--lazy', '--eager']);
    arity(revert, words, 1);
    const { record, thread } = s.updater.start([s.updater.revertTarget(words[0]!)], opts, 'revert');
    s.k.runThread(thread, Number.MAX_SAFE_INTEGER);
    if (record.error) throw record.error;
    s.print(summary(record));
  },
});

const history = define({
  name: 'history',
  usage: 'history',
  summary: 'every update and revert: phases with their durations (cycles and wall time), and the outcome',
  run(s, args) {
    arity(history, args, 0);
    if (s.updater.history.length === 0) {
      s.print('no updates yet');
      return;
    }
    for (const r of s.updater.history) {
      s.print(`${r.kind} ${r.id}: ${r.modules.map((m) => `${m.name} ${m.from} -> ${m.to}`).join(', ')}  strategy ${r.strategy}  ${r.outcome}${r.error ? ` (${r.error.errno})` : ''}`);
      for (const e of r.phases) s.print(`  ${e.phase.padEnd(8)} t=${String(e.at).padEnd(10)} ${String(e.cycles).padStart(9)} cycles ${e.wallUs.toFixed(0).padStart(7)} us  ${e.detail}`);
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

export const COMMANDS: ReadonlyMap<string, Command> = new Map(
  [help, insmod, rmmod, lsmod, modinfo, update, revert, history, tick, ps, stat, dmesg, mount, umount, ls, df, cat, write, mkdir, rm, rmdir, workload, fault, echo].map((c) => [c.name, c]),
);
