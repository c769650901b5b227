// Instructions of a measured window under valgrind's callgrind, for the
// instruction benchmarks (insn-kernels.ts, stub-instructions.ts). The child
// script calls `process.cpuUsage()` right before and right after its window
// and prints `syscalls N`; callgrind dumps its counters at each call
// (`--dump-before`), so boot and warm-up fall in another part of its output
// and only the window is counted. Needs valgrind.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Instructions of the window between the child's two markers, and the syscalls it made. */
export function windowInstructions(child: string, args: readonly string[], v8Flags: readonly string[]): { ir: number; syscalls: number } {
  const dir = mkdtempSync(join(tmpdir(), 'livemod-insn-'));
  try {
    const r = spawnSync('valgrind', ['--tool=callgrind', '--dump-before=*CPUUsage*', `--callgrind-out-file=${join(dir, 'cg')}`, process.execPath, ...v8Flags, child, ...args], {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    });
    if (r.error) throw new Error(`valgrind is needed for this benchmark: ${r.error.message}`);
    const sc = /syscalls (\d+)/.exec(r.stdout);
    if (r.status !== 0 || !sc) throw new Error(`unexpected valgrind output:\n${r.stdout.slice(-500)}\n${r.stderr.slice(-500)}`);
    // Part 1 ends at the first marker (boot, warm-up), part 2 at the second (the window).
    const parts = new Map<number, number>();
    for (const f of readdirSync(dir)) {
      const text = readFileSync(join(dir, f), 'utf8');
      const part = /^part: (\d+)$/m.exec(text);
      const total = /^totals: (\d+)$/m.exec(text);
      if (part && total) parts.set(Number(part[1]), Number(total[1]));
    }
    const ir = parts.get(2);
    if (ir === undefined || parts.size !== 3) throw new Error(`expected 3 callgrind parts (before, window, after), found ${parts.size}`);
    return { ir, syscalls: Number(sc[1]) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
