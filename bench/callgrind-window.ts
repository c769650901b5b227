// Instructions of the parts of a run under valgrind's callgrind, for the
// instruction benchmarks (insn-kernels.ts, stub-instructions.ts). The child
// script calls `process.cpuUsage()` where one part ends and the next begins
// (right before and right after its measured window, say) and prints what
// it counted (`syscalls N`); callgrind dumps its counters at each call
// (`--dump-before`), so boot and warm-up fall in a part of their own and
// each part is counted apart. Needs valgrind.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What callgrind counted in each part of a run, in order (part 1 ends at the first marker), and what the child printed. */
interface CallgrindParts {
  readonly parts: readonly number[];
  readonly stdout: string;
}

/** Run `child` under callgrind and count the instructions of each part between its `markers` calls of `process.cpuUsage()`. */
function callgrindParts(child: string, args: readonly string[], v8Flags: readonly string[], markers: number): CallgrindParts {
  const dir = mkdtempSync(join(tmpdir(), 'livemod-insn-'));
  try {
    const r = spawnSync('valgrind', ['--tool=callgrind', '--dump-before=*CPUUsage*', `--callgrind-out-file=${join(dir, 'cg')}`, process.execPath, ...v8Flags, child, ...args], {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    });
    if (r.error) throw new Error(`valgrind is needed for this benchmark: ${r.error.message}`);
    if (r.status !== 0) throw new Error(`unexpected valgrind output:\n${r.stdout.slice(-500)}\n${r.stderr.slice(-500)}`);
    const parts = new Map<number, number>();
    for (const f of readdirSync(dir)) {
      const text = readFileSync(join(dir, f), 'utf8');
      const part = /^part: (\d+)$/m.exec(text);
      const total = /^totals: (\d+)$/m.exec(text);
      if (part && total) parts.set(Number(part[1]), Number(total[1]));
    }
    // One part ends at each marker, and the last runs to the exit.
    if (parts.size !== markers + 1) throw new Error(`expected ${markers + 1} callgrind parts, found ${parts.size}`);
    return { parts: [...parts].sort((a, b) => a[0] - b[0]).map(([, ir]) => ir), stdout: r.stdout };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A child's number printed as `name N`, or an error naming what is missing. */
function printed(stdout: string, name: string): number {
  const m = new RegExp(`${name} (\\d+)`).exec(stdout);
  if (!m) throw new Error(`the run printed no '${name} N':\n${stdout.slice(-500)}`);
  return Number(m[1]);
}

/** What a run of steady-window.ts counted: the window per syscall, and the collection and the recovery's excess over as many syscalls of the window. */
export interface SteadyCount {
  readonly perSyscall: number;
  readonly syscalls: number;
  readonly collection: number;
  readonly recovery: number;
}

/** Run a child that counts its parts with steady-window.ts under callgrind; refuse a run whose window held a full collection of V8's own. */
export function steadyCount(child: string, args: readonly string[], v8Flags: readonly string[]): SteadyCount {
  const r = callgrindParts(child, args, v8Flags, 4);
  const [, collection, recovery, window] = r.parts as [number, number, number, number];
  const majors = printed(r.stdout, 'majors');
  if (majors !== 0) throw new Error(`${args.join(' ')}: ${majors} full collections of V8's own in the window; it must hold none (a shorter settling or window keeps it clear of the next one)`);
  const syscalls = printed(r.stdout, 'syscalls');
  const perSyscall = window / syscalls;
  return { perSyscall, syscalls, collection, recovery: recovery - printed(r.stdout, 'recovery') * perSyscall };
}
