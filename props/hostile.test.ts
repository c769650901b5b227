// The hostile and buggy module corpus (props/hostile/*.ts): every file is a
// module that loops, throws, reaches for host authority or hands the kernel
// something it must refuse, and opens with a header naming its case, the
// console lines that set it up and trigger it, and the one-line error
// expected. Each case runs in a fresh console (`livemod shell`, a child
// process the test kills if it outlives its bound, so a regression that
// hangs or exits the process fails instead of holding CI) on a machine with
// simplefs mounted and the verifying workload running. The test checks:
// exactly one error line, with the errno and the text expected, no stack
// trace and no internal error anywhere; the machine as before the line
// (modules and versions, the module's state, a file, the mounts, the
// oopses); and still usable afterwards (a tick, a file written and read,
// the workload verified). A case whose bug is known and not fixed here is
// marked `Known-failure:` and runs as `it.fails`, never as passing.
// (`npm test` builds dist/ before running the tests.)

import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BROKEN_OUTPUT } from './broken.js';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'dist', 'cli', 'main.js');
const CORPUS = join(import.meta.dirname, 'hostile');
const BASE = join(CORPUS, 'base', '1.0.0.ts');
/** Where a case that escaped the boundary would leave a mark (the files that try to write one name it). */
const ESCAPE_MARK = '/tmp/livemod-hostile-was-here';
/** Wall time a case may take before its console is killed: far above what one takes (about a second). */
const KILL_MS = 60_000;
/** The marker between the parts of a run's output (`echo` prints it). */
const MARK = '@@';

/** A corpus file's header. */
export interface HostileCase {
  readonly file: string;
  readonly what: string;
  /** Console lines run first; each must succeed. */
  readonly setup: readonly string[];
  /** The line that must fail (or, with `expect` ok, succeed). */
  readonly run: string;
  /** `ERRNO: text` the one error line holds, or `ok`. */
  readonly expect: string;
  /** Interrupt the run line (SIGINT, as Ctrl-C) once it has started: for a line that runs until stopped. */
  readonly interrupt: boolean;
  /** The run line unloads the module (its rows and modinfo are gone afterwards, and only they). */
  readonly unloads: boolean;
  /** Lines the kernel log must hold afterwards. */
  readonly log: readonly string[];
  /** A known bug, reported and not fixed here: the case runs as it.fails. */
  readonly knownFailure: string | null;
}

/** Read the header of a corpus file: `// Case:`, `// Setup:` (any), `// Run:`, `// Expect:`, `// Interrupt: yes`, `// Unloads: yes`, `// Log:` (any), `// Known-failure:`. */
export function readCase(file: string): HostileCase {
  const header = readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('// '));
  const all = (key: string) => header.filter((l) => l.startsWith(`// ${key}: `)).map((l) => l.slice(`// ${key}: `.length).replaceAll('FILE', file).replaceAll('BASE', BASE));
  const one = (key: string) => {
    const v = all(key);
    if (v.length !== 1) throw new Error(`${file}: needs exactly one '// ${key}:' line in its header, has ${v.length}`);
    return v[0]!;
  };
  const expectation = one('Expect');
  if (expectation !== 'ok' && !/^E[A-Z]+: \S/.test(expectation)) throw new Error(`${file}: '// Expect:' must be 'ok' or 'ERRNO: text', got '${expectation}'`);
  return {
    file,
    what: one('Case'),
    setup: all('Setup'),
    run: one('Run'),
    expect: expectation,
    interrupt: all('Interrupt').includes('yes'),
    unloads: all('Unloads').includes('yes'),
    log: all('Log'),
    knownFailure: all('Known-failure')[0] ?? null,
  };
}

const FILES = readdirSync(CORPUS).filter((f) => f.endsWith('.ts')).sort();

/** The commands whose output shows the machine's observable state; `hostile` is the module under test, shown when the setup loaded it. */
function snapshotCommands(c: HostileCase): string[] {
  return ['lsmod', ...(c.setup.length && !c.unloads ? ['modinfo hostile'] : []), 'ls /mnt/keep', 'cat /mnt/keep/before', 'stat'];
}

/** The console lines of a case: a machine with a file and the workload, the setup, a snapshot, the line, a snapshot, then use. */
function script(c: HostileCase): { before: string; after: string } {
  const mark = (label: string) => `echo ${MARK} ${label}`;
  const before = [
    'insmod kmsg', 'insmod blkdev', 'insmod simplefs', 'mount simplefs disk0 /mnt', 'mkdir /mnt/keep', 'write /mnt/keep/before kept',
    'workload start threads=1 files=2', ...c.setup,
    mark('before'), ...snapshotCommands(c), mark('run'), c.run,
  ];
  const after = [mark('after'), ...snapshotCommands(c), mark('usable'), 'tick 10k', 'write /mnt/keep/after usable', 'cat /mnt/keep/after', 'workload stop', mark('log'), 'dmesg', mark('end')];
  return { before: `${before.join('\n')}\n`, after: `${after.join('\n')}\n` };
}

interface Run {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number | null;
  readonly killed: boolean;
}

/** Run a case in a fresh `livemod shell`, killed after KILL_MS; with `interrupt`, SIGINT once the run line has started. */
function runCase(c: HostileCase): Promise<Run> {
  const { before, after } = script(c);
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, '--seed', '5', '--cpus', '2', 'shell'], { env: { ...process.env, LIVEMOD_DEBUG: '' } });
    let stdout = '';
    let stderr = '';
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, KILL_MS);
    const rest = () => {
      child.stdin.write(after);
      child.stdin.end();
    };
    child.stdout.on('data', (d: Buffer) => {
      const had = stdout.includes(`${MARK} run\n`);
      stdout += d.toString('utf8');
      if (c.interrupt && !had && stdout.includes(`${MARK} run\n`)) {
        setTimeout(() => {
          child.kill('SIGINT');
          rest();
        }, 300);
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ stdout, stderr, code, killed });
    });
    child.stdin.write(before);
    if (!c.interrupt) rest();
  });
}

/** The output between `@@ label` and the next marker. */
function part(stdout: string, label: string): string[] {
  const lines = stdout.split('\n');
  const from = lines.indexOf(`${MARK} ${label}`);
  if (from < 0) return [];
  const to = lines.findIndex((l, i) => i > from && l.startsWith(`${MARK} `));
  return lines.slice(from + 1, to < 0 ? undefined : to);
}

/**
 * A snapshot's lines without what changes while the machine merely runs
 * (the workload is running): lsmod's pins and taint columns, modinfo's pins
 * and taint, and of stat only the mounts, binding, signatures and oopses.
 */
function observable(lines: readonly string[]): string[] {
  let drop: number[] = [];
  const out: string[] = [];
  for (const l of lines) {
    const cols = l.split(/ {2,}/);
    if (cols[0] === 'module' && cols.includes('pins')) drop = [cols.indexOf('pins'), cols.indexOf('taint')];
    if (/^(time|cpus|threads|syscalls|disk0|interrupts|store|open files|taint|trace|pins):/.test(l)) continue;
    out.push(drop.length && cols.length > 3 ? cols.filter((_, i) => !drop.includes(i)).join('  ') : l);
  }
  return out;
}


afterAll(() => rmSync(ESCAPE_MARK, { force: true }));

describe('the hostile corpus: every file says what it is and what it must get', () => {
  it('has cases, and each file opens with its header (Case, Run, Expect)', () => {
    expect(FILES.length).toBeGreaterThan(30);
    for (const f of FILES) {
      const c = readCase(join(CORPUS, f));
      expect(readFileSync(c.file, 'utf8').startsWith('// Case: '), `${f} opens with its case`).toBe(true);
      expect(c.what.length, f).toBeGreaterThan(10);
    }
  });
});

describe.concurrent('the hostile corpus: one error line, no stack, no hang, the machine as before and usable', () => {
  rmSync(ESCAPE_MARK, { force: true });
  for (const f of FILES) {
    const c = readCase(join(CORPUS, f));
    const test = c.knownFailure ? it.fails : it;
    test(`${f}: ${c.what} -> ${c.expect}${c.knownFailure ? ` (known failure: ${c.knownFailure})` : ''}`, async () => {
      const r = await runCase(c);
      expect(r.killed, `${f}: the console was still running after ${KILL_MS} ms`).toBe(false);
      expect(r.code, `${f}: the console exited with ${r.code}\n${r.stderr}`).toBe(0);
      expect(r.stdout).not.toMatch(BROKEN_OUTPUT);
      expect(r.stderr).not.toMatch(BROKEN_OUTPUT);
      const errors = r.stderr.split('\n').filter((l) => l !== '');
      if (c.expect === 'ok') expect(errors).toEqual([]);
      else {
        expect(errors, `${f}: exactly one error line`).toHaveLength(1);
        const [errno, ...text] = c.expect.split(': ');
        expect(errors[0]).toMatch(new RegExp(`^error: ${errno}: `));
        expect(errors[0]).toContain(text.join(': '));
      }
      expect(r.stdout, `${f}: the console ran every line`).toContain(`${MARK} end`);
      // The machine as it was: the same modules and versions, the module's state, the file, the mounts.
      const before = observable(part(r.stdout, 'before'));
      const after = observable(part(r.stdout, 'after'));
      const oopses = (lines: string[]) => Number(lines.find((l) => l.startsWith('oopses:'))?.split(/\s+/)[1]);
      const oopsed = /failed inside the kernel/.test(errors[0] ?? '') ? 1 : 0; // an oops in a syscall is counted, as Linux counts it
      expect(oopses(after)).toBe(oopses(before) + oopsed);
      const gone = (l: string) => c.unloads && l.startsWith('hostile ');
      expect(after.filter((l) => !l.startsWith('oopses:'))).toEqual(before.filter((l) => !l.startsWith('oopses:') && !gone(l)));
      if (c.unloads) expect(before.some(gone)).toBe(true);
      expect(before).toContain('kept');
      // And usable: time runs, a file is written and read back, the workload verifies every byte.
      const usable = part(r.stdout, 'usable');
      expect(usable).toContain('usable');
      expect(usable.some((l) => /^verified \d+ files, \d+ bytes: all correct$/.test(l))).toBe(true);
      const log = part(r.stdout, 'log').join('\n');
      for (const l of c.log) expect(log).toContain(l);
      expect(existsSync(ESCAPE_MARK), `${f}: module code wrote a host file`).toBe(false);
    });
  }
});
