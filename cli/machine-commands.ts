// The console commands about the machine itself: help, time, threads,
// statistics, the kernel log and echo (for scripts; disk faults are in
// fault-commands.ts). Each
// command is one entry (usage, a one-line summary, the body), dispatched by
// name as xv6 dispatches syscalls.

import type { StatReport, TaintReport } from '../api/data.js';
import { err } from '../exec/errno.js';
import { parseCount, table, wrapTable } from './format.js';
import { arity, type Command, helpFor, jsonFlag, type Session, unknownCommand } from './session.js';

const define = (c: Command<Session>) => c;

const help = define({
  name: 'help',
  usage: 'help [COMMAND]',
  summary: 'list the commands, or show how to use one',
  complete: ['command'],
  run(s, args) {
    arity(help, args, 0, 1);
    if (args[0] !== undefined) {
      const cmd = s.commands.get(args[0]);
      if (!cmd) throw unknownCommand(args[0], s.commands.keys());
      for (const l of helpFor(cmd, s.width)) s.print(l);
      return;
    }
    for (const l of wrapTable(['command', 'what it does'], [...s.commands.values()].map((c) => [c.usage, c.summary] as const), s.width)) s.print(l);
  },
});

const tick = define({
  name: 'tick',
  usage: 'tick CYCLES',
  summary: 'let the machine run for CYCLES simulated cycles (250000, 250k, 1M, 1e15); Ctrl-C interrupts it',
  details: ['An idle machine skips to its next event at once (the timer does not tick while idle), so any size returns promptly; under load it runs until done or interrupted.'],
  async run(s, args) {
    arity(tick, args, 1);
    const n = parseCount(args[0]!, 'CYCLES');
    const room = Number.MAX_SAFE_INTEGER - s.k.now;
    if (n > room) throw err('EINVAL', `tick ${args[0]} would take the clock past ${Number.MAX_SAFE_INTEGER} cycles`, `at most ${room} from now`);
    await s.advance(n);
    s.print(`t=${s.k.now}`);
    return { now: s.k.now };
  },
});

const ps = define({
  name: 'ps',
  usage: 'ps',
  summary: 'list threads with their state, CPU, what they wait on, where they stand in a pending transition and their stack of active frames',
  details: ['patch: - (no transition), old, new, held (at a module gate) or forced (moved by force while in the old code).'],
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
      s.k.updates.patchState(t) ?? '-',
      t.frames.map((f) => `${f.module}@${f.version}:${f.fn}`).join(' > ') || '-',
    ]);
    for (const l of table(['tid', 'name', 'kind', 'state', 'cpu', 'wait', 'syscall', 'patch', 'stack (outermost first)'], rows)) s.print(l);
  },
});

/** A kernel's taint in one line: `EO (unsigned: foo; out-of-tree: foo)`, or `not tainted`. */
export function taintText(t: TaintReport): string {
  return t.letters ? `${t.letters} (${t.flags.map((f) => `${f.flag}: ${f.reason}`).join('; ')})` : 'not tainted';
}

/** The lines of `stat`, from its report. */
export function statLines(d: StatReport): string[] {
  const out = [
    `time:         ${d.time} cycles`,
    `cpus:         ${d.cpus.map((c) => `cpu${c.id} ${d.time ? ((100 * c.busyCycles) / d.time).toFixed(1) : '0.0'}%`).join('  ')}`,
    `threads:      ${d.threads.live} live; ${d.threads.steps} steps, ${d.threads.switches} switches, ${d.threads.preemptions} preemptions`,
    `syscalls:     ${d.syscalls.total} (${d.syscalls.errors} returned an error)`,
    ...d.disks.map((x) => `${`${x.name}:`.padEnd(14)}${x.completed} requests done, ${x.errors} errors, ${x.inFlight} in flight`),
    `interrupts:   timer ${d.interrupts.timer}, disk0 ${d.interrupts.disk0}, lost ${d.interrupts.lost}`,
  ];
  if (d.modules) {
    const sig = d.modules.signatures;
    out.push(`store:        ${d.modules.storeCommits} commits`, `binding:      ${d.modules.binding}`, `signatures:   ${sig.required ? 'required' : 'not required'}; trusted keys: ${sig.trustedKeys.join(', ') || 'none'}`);
  }
  if (d.objects) {
    const o = d.objects;
    out.push(
      `objects:      ${Object.entries(o.instances).map(([c, n]) => `${c} ${n}`).join(', ')}`,
      `object table: ${o.tableCalls} calls, ${o.tableMisses} misses, ${o.adaptors} adaptor(s)`,
      `generation:   ${o.generation} (${o.generationAdvances} advances)`,
    );
  }
  out.push(
    `mounts:       ${d.mounts.map((m) => `${m.dev} on ${m.path} (${m.fstype})`).join(', ') || '-'}`,
    `open files:   ${d.openFiles}`,
    `oopses:       ${d.oopses}`,
    `taint:        ${taintText(d.taint)}`,
    `trace:        ${d.trace.hash} (${d.trace.records} records)`,
  );
  return out;
}

const stat = define({
  name: 'stat',
  usage: 'stat [--json]',
  summary: 'machine statistics: time, CPUs, syscalls, disk, store, trace hash',
  details: ['--json prints them as one JSON document (schema livemod.stat/2).', 'taint: what the kernel no longer vouches for, as Linux\'s taint flags: E unsigned module, O out-of-tree module, K live-patched, F forced transition, L soft lockup; each with the first reason.'],
  run(s, args) {
    const { json, words } = jsonFlag(args);
    arity(stat, words, 0);
    const d = s.stats();
    if (json) s.print(JSON.stringify(d));
    else for (const l of statLines(d)) s.print(l);
    return d;
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

const echo = define({
  name: 'echo',
  usage: 'echo TEXT...',
  summary: 'print TEXT (for scripts)',
  run(s, args) {
    s.print(args.join(' '));
  },
});

/** `help` comes first in every console's table. */
export const HELP: Command = help;
export const MACHINE_COMMANDS: readonly Command[] = [tick, ps, stat, dmesg];
export const SCRIPT_COMMANDS: readonly Command[] = [echo];
