// A trace of the demo read back as a Trace Event reader would: it parses,
// every track's timestamps are monotonic and its begin/end pairs balance,
// each update's phases are there with the durations its history record
// gives, syscalls, blocked intervals, gate holds, stop-machine stops and
// nested module frames are there and agree with what the kernel counted;
// tracing changes nothing the machine does; two kernels make two processes.

import { beforeAll, describe, expect, it } from 'vitest';
import type { Sys } from '../exec/abi.js';
import { runProgram, type Executive } from '../exec/executive.js';
import { parseUpdateStep, type UpdateRecord } from '../exec/lifecycle.js';
import { bootWithModules } from '../catalog/boot.js';
import { catalogResolver } from '../catalog/catalog.js';
import { demo } from '../cli/demo.js';
import { compare } from '../compare/compare.js';
import { Updater } from '../updater/updater.js';
import { Workload } from '../user/workload.js';
import { serialize, type TraceEvent, type TraceFile } from './format.js';
import { Tracer } from './tracer.js';

interface ReadSlice {
  readonly name: string;
  readonly cat: string;
  readonly pid: number;
  readonly tid: number;
  readonly ts: number;
  readonly end: number;
  readonly args: Record<string, unknown>;
  readonly parent: ReadSlice | null;
}

/** Read a trace file's text back into slices, per track, as a reader does; and what a reader would reject. */
function read(text: string): { file: TraceFile; slices: ReadSlice[]; problems: string[]; names: Map<string, string> } {
  const file = JSON.parse(text) as TraceFile;
  const slices: ReadSlice[] = [];
  const problems: string[] = [];
  const names = new Map<string, string>();
  const tracks = new Map<string, { last: number; open: ReadSlice[]; xEnd: number }>();
  for (const e of file.traceEvents as TraceEvent[]) {
    if (!['B', 'E', 'X', 'C', 'M', 'i'].includes(e.ph) || typeof e.pid !== 'number' || !Number.isInteger(e.ts) || e.ts < 0) problems.push(`malformed ${JSON.stringify(e)}`);
    if (e.ph === 'M') {
      if (e.name === 'thread_name') names.set(`${e.pid}/${e.tid}`, String(e.args!.name));
      if (e.name === 'process_name') names.set(`${e.pid}`, String(e.args!.name));
      continue;
    }
    if (e.ph === 'C') continue;
    const key = `${e.pid}/${e.tid}`;
    let tr = tracks.get(key);
    if (!tr) tracks.set(key, (tr = { last: 0, open: [], xEnd: 0 }));
    if (e.ts < tr.last) problems.push(`${key}: ts ${e.ts} after ${tr.last}`);
    tr.last = e.ts;
    const base = { pid: e.pid, tid: e.tid!, name: e.name ?? '', cat: e.cat ?? '', ts: e.ts, args: { ...e.args } };
    if (e.ph === 'B') tr.open.push({ ...base, end: -1, parent: tr.open.at(-1) ?? null });
    if (e.ph === 'E') {
      const b = tr.open.pop();
      if (!b) problems.push(`${key}: E at ${e.ts} with nothing open`);
      else slices.push({ ...b, end: e.ts, args: { ...b.args, ...e.args } });
    }
    if (e.ph === 'X') {
      if (tr.open.length > 0 || e.ts < tr.xEnd) problems.push(`${key}: X at ${e.ts} overlaps`);
      tr.xEnd = e.ts + e.dur!;
      slices.push({ ...base, end: e.ts + e.dur!, parent: null });
    }
  }
  for (const [key, tr] of tracks) if (tr.open.length > 0) problems.push(`${key}: ${tr.open.length} slice(s) never end`);
  for (const key of tracks.keys()) if (!names.has(key)) problems.push(`${key}: no thread_name`);
  return { file, slices, problems, names };
}

const within = (r: UpdateRecord) => (s: ReadSlice) => s.ts >= r.startedAt && s.ts <= (r.endedAt ?? Infinity);

describe('a trace of the demo', () => {
  let records: readonly UpdateRecord[];
  let tracer: Tracer;
  let text: string;
  let trace: ReturnType<typeof read>;
  let busyAtBoot: number[];
  let busyAtEnd: number[];

  beforeAll(async () => {
    tracer = new Tracer();
    let k: Executive | null = null;
    const r = await demo({ seed: 1, cpus: 4 }, () => {}, {
      onBoot: (kernel) => {
        k = kernel;
        busyAtBoot = kernel.machine.cpus.map((c) => c.busyCycles);
        tracer.attach(kernel, 'procedural kernel');
      },
    });
    expect(r.ok).toBe(true);
    // The kernel's own records of the updates that ran (a refused one never started, so the trace has nothing of it).
    records = k!.updates.history.filter((r) => r.outcome !== 'refused');
    busyAtEnd = k!.machine.cpus.map((c) => c.busyCycles);
    text = serialize(tracer.finish());
    trace = read(text);
  });

  it('is Trace Event JSON that a reader takes without complaint', () => {
    expect(trace.problems).toEqual([]);
    expect(tracer.unmatched).toBe(0);
    expect(trace.file.displayTimeUnit).toBe('ms');
    expect(trace.file.otherData.timeUnit).toBe('1 us of trace time = 1 simulated cycle');
    expect(trace.names.get('1')).toBe('procedural kernel: seed 1, 4 CPUs');
    expect(new Set(trace.slices.map((s) => s.cat))).toEqual(new Set(['cpu', 'syscall', 'frame', 'blocked', 'gate', 'update', 'update-phase', 'stop-machine']));
  });

  it('has every update with each of its phases, as long as its history record says', () => {
    const updates = trace.slices.filter((s) => s.cat === 'update');
    const phases = trace.slices.filter((s) => s.cat === 'update-phase');
    expect(updates.map((s) => s.args.update)).toEqual(records.map((r) => r.id));
    for (const r of records) {
      const u = updates.find((s) => s.args.update === r.id)!;
      expect([u.ts, u.end, u.args.outcome]).toEqual([r.startedAt, r.endedAt, r.outcome]);
      const mine = phases.filter((s) => s.args.update === r.id);
      const key = (x: [string, number, number]) => `${x[2]} ${x[0]} ${x[1]}`;
      const sorted = (xs: [string, number, number][]) => xs.map(key).sort();
      expect(sorted(mine.map((s) => [s.name, s.end - s.ts, s.end]))).toEqual(sorted(r.phases.map((e) => [e.phase, e.cycles, e.at])));
    }
  });

  it('shows on each CPU the cycles the CPU spent running threads', () => {
    const cpu = trace.slices.filter((s) => s.cat === 'cpu');
    busyAtEnd.forEach((busy, c) => {
      const mine = cpu.filter((s) => trace.names.get(`1/${s.tid}`) === `cpu${c}`);
      expect(mine.reduce((n, s) => n + (s.args.cycles as number), 0)).toBe(busy - busyAtBoot[c]!);
    });
  });

  it('has syscalls outermost on their thread, module frames nested in them, and blocked intervals innermost', () => {
    const syscalls = trace.slices.filter((s) => s.cat === 'syscall');
    expect(syscalls.length).toBeGreaterThan(1000);
    expect(syscalls.every((s) => s.parent === null)).toBe(true);
    const called = new Set(syscalls.map((s) => s.name));
    for (const name of ['open', 'read', 'write', 'close', 'unlink']) expect(called).toContain(name);
    const frames = trace.slices.filter((s) => s.cat === 'frame');
    const misnamed = frames.filter((f) => !/^[a-z]+@\d+\.\d+\.\d+:.+$/.test(f.name) || f.name !== `${f.args.module}@${f.args.version}:${f.args.fn}`);
    expect(misnamed).toEqual([]);
    expect(frames.filter((f) => f.parent !== null && f.parent.cat !== 'syscall' && f.parent.cat !== 'frame')).toEqual([]);
    // simplefs calls blkdev through a stub: frames three deep, versions as they were at the time
    expect(frames.some((f) => f.name.startsWith('blkdev@') && f.parent?.name.startsWith('simplefs@') && f.parent.parent?.cat === 'frame')).toBe(true);
    for (const v of ['simplefs@1.0.0', 'simplefs@1.2.0', 'simplefs@2.1.0', 'blkdev@2.0.0']) expect(frames.some((f) => f.name.startsWith(`${v}:`)), v).toBe(true);
    const blocked = trace.slices.filter((s) => s.cat === 'blocked' || s.cat === 'gate');
    expect(blocked.some((b) => String(b.args.channel).startsWith('disk I/O') && b.parent?.name.startsWith('blkdev@'))).toBe(true);
    const parents = new Set(trace.slices.map((s) => s.parent));
    expect(blocked.every((b) => !parents.has(b) && b.name.endsWith(`: ${b.args.channel}`))).toBe(true);
  });

  it('has the calls the module gate held and the stops of stop-machine, as the records count them', () => {
    const gate = trace.slices.filter((s) => s.cat === 'gate');
    const stopped = trace.slices.filter((s) => s.name === 'machine stopped');
    for (const r of records) {
      if (r.strategy === 'module') expect(gate.filter(within(r)).length, `update ${r.id}`).toBe(r.heldCalls);
      if (r.strategy === 'stop-machine') expect(stopped.filter(within(r)).reduce((n, s) => n + s.end - s.ts, 0), `update ${r.id}`).toBe(r.stoppedCycles);
    }
    expect(gate.length).toBeGreaterThan(0);
    expect(gate.every((g) => String(g.args.channel).startsWith('update gate (') && g.parent?.cat === 'frame')).toBe(true);
    expect(stopped.every((s) => s.end - s.ts === s.args.cycles)).toBe(true);
    const counter = trace.file.traceEvents.filter((e) => e.ph === 'C').map((e) => e.args!.held as number);
    expect(Math.max(...counter)).toBeGreaterThan(1);
    expect(counter.at(-1)).toBe(0);
  });
});

/** A short run: a workload, one update under load, then the workload is checked. */
async function shortRun(k: Executive, updater: { request: Updater['request'] }): Promise<void> {
  runProgram(k, 'mount', function* (sys: Sys) {
    yield* sys.mount('simplefs', 'disk0', '/mnt');
  });
  const w = new Workload(k, { threads: 2, files: 4, seed: 7 });
  w.start();
  k.run(100_000);
  k.updates.runToEnd(await updater.request(parseUpdateStep('simplefs@1.1.0')));
  k.run(100_000);
  w.stop();
  expect(w.verify().mismatches).toEqual([]);
}

describe('tracing', () => {
  it('changes nothing the machine does: the same trace hash with and without it', async () => {
    const hashes: string[] = [];
    for (const traced of [false, true]) {
      const k = await bootWithModules(['blkdev@1.0.0', 'simplefs@1.0.0'], { seed: 9, cpus: 2 });
      const tracer = new Tracer();
      if (traced) tracer.attach(k, 'k');
      await shortRun(k, new Updater(k, catalogResolver));
      hashes.push(k.machine.traceHash());
      if (traced) expect(read(serialize(tracer.finish())).problems).toEqual([]);
    }
    expect(hashes[1]).toBe(hashes[0]);
  });

  it('puts the two kernels of a comparison in one trace as two processes whose tracks do not mix', async () => {
    const tracer = new Tracer();
    const c = await compare({ seed: 2, cpus: 2, window: 20_000, gap: 0, indirectionCalls: 1_000, onBoot: (name, k) => tracer.attach(k, name) });
    const t = read(serialize(tracer.finish()));
    expect(t.problems).toEqual([]);
    expect(tracer.unmatched).toBe(0);
    expect([t.names.get('1'), t.names.get('2')]).toEqual(['procedural: seed 2, 2 CPUs', 'objects: seed 2, 2 CPUs']);
    const tids = (pid: number) => new Set(t.slices.filter((s) => s.pid === pid).map((s) => s.tid));
    expect([...tids(1)].some((tid) => tids(2).has(tid))).toBe(false);
    for (const pid of [1, 2]) {
      const cats = new Set(t.slices.filter((s) => s.pid === pid).map((s) => s.cat));
      for (const cat of ['cpu', 'syscall', 'blocked', 'gate', 'update', 'update-phase']) expect(cats, `pid ${pid}`).toContain(cat);
      const committed = c.kernels[pid - 1]!.steps.filter((s) => s.outcome === 'committed').length;
      expect(t.slices.filter((s) => s.pid === pid && s.cat === 'update' && s.args.outcome === 'committed')).toHaveLength(committed);
    }
    // The twin has no stubs, so no module frames; its hot-swap holds callers at mediators.
    expect(t.slices.some((s) => s.pid === 2 && s.cat === 'frame')).toBe(false);
    expect(t.slices.filter((s) => s.pid === 2 && s.cat === 'gate').every((s) => String(s.args.channel).startsWith('hot-swap of '))).toBe(true);
  });
});
