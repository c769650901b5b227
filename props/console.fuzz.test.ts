// A generative fuzz of the console grammar, on both kernels: lines built
// from the console's own command table (each command's name and the words
// of its usage: its keywords, flags, key=value options and placeholders)
// with the arguments mutated into huge, negative and non-numeric numbers,
// unicode (right-to-left, emoji, combining marks, lone surrogates), NUL
// bytes and control characters, 100k-character words, empty and blank
// words, quoting, and stray flags; and whole lines of noise. After a
// machine is set up, each run sends a few such lines, then checks that the
// console still works (stat, tick, ps, echo).
//
// What must hold for every line: no output line looks like a stack trace,
// nothing is an internal error, every failure is one line naming its errno
// (`EINVAL: ...`), and the line returns. The console runs in a worker
// thread (props/console-fuzz-worker.mjs, on the built dist/): a line still
// running after INTERRUPT_MS gets the console's Ctrl-C (a long `tick` under
// load is allowed to run until interrupted, and then fails with ECANCELED),
// and a line that does not return KILL_MS after that is a hang: the worker
// is terminated and the property fails with the line.
//
// Runs: 15 per kernel by default (a few seconds); LIVEMOD_FUZZ_RUNS=1000 for
// a long run, LIVEMOD_PROP_SEED to replay a seed (printed), and
// LIVEMOD_FUZZ_SHOW=1 to see each line and what it gave.

import { fc } from '@fast-check/vitest';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { ConsoleSession } from '../cli/console.js';
import { ObjectConsoleSession } from '../cli/objects.js';
import type { Command } from '../cli/session.js';
import { BROKEN_OUTPUT } from './broken.js';
import { propParams } from './seed.js';

const FUZZ_RUNS = Number(process.env.LIVEMOD_FUZZ_RUNS ?? 15);
/** LIVEMOD_FUZZ_SHOW=1 prints each line and what it gave. */
const SHOW = process.env.LIVEMOD_FUZZ_SHOW === '1';
/** Wall time a line may run before the fuzz presses Ctrl-C. */
const INTERRUPT_MS = 2_000;
/** Wall time after that before a line counts as hung. */
const KILL_MS = 30_000;

type Kernel = 'modules' | 'objects';

/** The console's commands on each kernel: what the lines are built from. */
const TABLES: Record<Kernel, ReadonlyMap<string, Command>> = {
  modules: ConsoleSession.boot({ seed: 1, cpus: 1 }, () => {}).commands,
  objects: ObjectConsoleSession.boot({ seed: 1, cpus: 1 }, () => {}).commands,
};

/** A machine to fuzz: filesystem mounted, a file on it. */
const SETUP: Record<Kernel, readonly string[]> = {
  modules: ['insmod kmsg', 'insmod blkdev', 'insmod simplefs', 'mount simplefs disk0 /mnt', 'write /mnt/f hello'],
  objects: ['mount simplefs disk0 /mnt', 'write /mnt/f hello'],
};

/** After the fuzz lines: the console still answers and time still runs. */
const STILL_USABLE = ['stat', 'tick 1000', 'ps', 'echo alive'];

/** The words of a usage: keywords, flags, key=value keys, and placeholders (upper-case), each once. */
export interface Grammar {
  readonly keywords: string[];
  readonly flags: string[];
  readonly keys: string[];
  readonly placeholders: string[];
}

export function grammarOf(cmd: Command): Grammar {
  const g: Grammar = { keywords: [], flags: [], keys: [], placeholders: [] };
  const add = (list: string[], w: string) => {
    if (!list.includes(w)) list.push(w);
  };
  for (const raw of cmd.usage.split(/[\s|[\]]+/)) {
    const w = raw.replace(/\.\.\.$/, '');
    if (w === '' || w === cmd.name || w.startsWith('@')) continue;
    if (w.startsWith('-')) add(g.flags, w);
    else if (w.includes('=')) add(g.keys, w.slice(0, w.indexOf('=')));
    else if (/^[A-Z]/.test(w)) add(g.placeholders, w);
    else add(g.keywords, w);
  }
  return g;
}

/** Values an argument is mutated into. */
const NUMBERS = ['0', '1', '7', '100k', '1M', '1G', '1e6', '1e15', '1e308', '1e309', String(2 ** 64), '9007199254740993', 'Infinity', '-Infinity', 'NaN', '-1', '-0', '-100k', '0.5', '1e-7', '0x10', '1_000', '_', '1e', 'k', '9'.repeat(400)];
const NAMES = ['blkdev', 'simplefs', 'kmsg', 'counter', 'blkdev@1.0.0', 'simplefs@latest', 'simplefs@^99', 'simplefs@x.y', 'disk0', 'disk9', '/mnt', '/mnt/f', '/mnt/nope/x', '/dev/kmsg', '/', '.', '..', '//', 'blk_submit', 'blk_submit@1', 'none', 'module', 'per-task', 'stop-machine'];
const UNICODE = ['\u202eevil', 'a\nb', 'a\r\nb', 'tab\there', 'שלום', '😀', '👩‍👩‍👧', 'e\u0301\u0301', '\u0000', 'a\u0000b', '/mnt/\u0000', '\u0007', '\u001b[31m', '\r', '\u2028', '\uFEFF', '\uD800', 'ǅ', '𝟙𝟘𝟘'];
const LONG = ['x'.repeat(100_000), `/mnt/${'a'.repeat(5_000)}`, '1'.repeat(100_000), `${'/a'.repeat(20_000)}`];
const FLAGS = ['--json', '--', '-', '--help', '-h', '--bogus', '--nowait', '--strategy', '--timeout', '--dry-run', '--kill', '---'];

const value: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...NUMBERS), weight: 4 },
  { arbitrary: fc.constantFrom(...NAMES), weight: 4 },
  { arbitrary: fc.constantFrom(...UNICODE), weight: 2 },
  { arbitrary: fc.constantFrom(...LONG), weight: 1 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 12 }), weight: 2 },
  { arbitrary: fc.integer().map(String), weight: 1 },
  { arbitrary: fc.double().map(String), weight: 1 },
  { arbitrary: fc.constant(''), weight: 1 },
);

/** A word as it is typed: bare, in double quotes (with escapes) or in single quotes. */
const typed = (w: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.tuple(w, fc.constantFrom('bare', 'bare', 'double', 'single')).map(([x, q]) => (q === 'double' ? `"${x.replace(/["\\]/g, '\\$&')}"` : q === 'single' ? `'${x.replace(/'/g, '')}'` : x));

/** One argument of a command: a keyword, a flag (maybe with a value), a key=value option or a placeholder's value, from its usage; or a stray flag. */
function argument(g: Grammar): fc.Arbitrary<string> {
  const choices: fc.Arbitrary<string>[] = [typed(value), fc.constantFrom(...FLAGS)];
  if (g.keywords.length) choices.push(fc.constantFrom(...g.keywords));
  if (g.flags.length) choices.push(fc.constantFrom(...g.flags), fc.tuple(fc.constantFrom(...g.flags), typed(value)).map(([f, v]) => `${f} ${v}`));
  if (g.keys.length) choices.push(fc.tuple(fc.constantFrom(...g.keys), typed(value)).map(([k, v]) => `${k}=${v}`));
  return fc.oneof(...choices);
}

/**
 * Arguments in the shape of one form of the usage (`fault DISK hang [N] |
 * fault DISK clear` has three): each word in order, an optional `[...]`
 * one kept or not, one of `a|b` chosen, and a placeholder (`PATH`) or a
 * `key=value`'s value mutated. So the arguments pass the arity check and
 * reach what the command does with them.
 */
export function shaped(cmd: Command): fc.Arbitrary<string[]> {
  const forms = cmd.usage.split(' | ').map((f) => f.split(/\s+/).filter((w) => w !== cmd.name && w !== ''));
  const word = (raw: string): fc.Arbitrary<string[]> => {
    const optional = raw.startsWith('[');
    const w = raw.replace(/\[@[A-Z]+\]/, '').replace(/[[\]]|\.\.\.$/g, '');
    const one = fc.constantFrom(...w.split('|').filter((x) => x !== '')).chain((alt): fc.Arbitrary<string[]> => {
      if (alt.includes('=')) return typed(value).map((v) => [`${alt.slice(0, alt.indexOf('='))}=${v}`]);
      if (/^[A-Z]/.test(alt)) return typed(value).map((v) => [v]);
      return fc.constant([alt]);
    });
    return optional ? fc.oneof(fc.constant<string[]>([]), one) : one;
  };
  return fc.constantFrom(...forms).chain((form) => (form.length ? fc.tuple(...form.map(word)).map((parts) => parts.flat()) : fc.constant<string[]>([])));
}

/** A console line on `kernel`: a command of its table with arguments in its usage's shape or any words of it, or noise. */
function line(kernel: Kernel): fc.Arbitrary<string> {
  const commands = [...TABLES[kernel].values()];
  const command = fc.constantFrom(...commands).chain((cmd) => {
    const args = fc.oneof({ arbitrary: shaped(cmd), weight: 3 }, { arbitrary: fc.array(argument(grammarOf(cmd)), { maxLength: 4 }), weight: 1 });
    return fc.tuple(args, fc.constantFrom(' ', '  ', '\t')).map(([a, sep]) => [cmd.name, ...a].join(sep));
  });
  const noise = fc.oneof(fc.constantFrom('', '   ', '\t', '#', '"', "'", '\\', '!', 'x'.repeat(100_000), '\u0000'), fc.string({ unit: 'binary', maxLength: 40 }));
  return fc.oneof({ arbitrary: command, weight: 9 }, { arbitrary: noise, weight: 1 });
}

/** What a line gave: its output, and its error as data if it failed. */
interface LineResult {
  readonly lines: readonly string[];
  readonly error: { readonly errno: string; readonly text: string } | null;
}

/** A console in a worker, killed when a line hangs. */
class FuzzConsole {
  private worker: Worker | null = null;
  /** What the worker wrote to its stdout and stderr (a stack printed there would be a failure too). */
  host = '';

  private start(): Worker {
    const w = new Worker(new URL('./console-fuzz-worker.mjs', import.meta.url), { stdout: true, stderr: true });
    w.stdout.on('data', (d: Buffer) => (this.host += d.toString()));
    w.stderr.on('data', (d: Buffer) => (this.host += d.toString()));
    return w;
  }

  private ask<T>(msg: object, ms: number, what: string): Promise<T> {
    const w = (this.worker ??= this.start());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        void w.terminate();
        this.worker = null;
        reject(new Error(`hang: ${what} did not return within ${ms} ms`));
      }, ms);
      const onMessage = (m: T) => {
        cleanup();
        resolve(m);
      };
      const onError = (e: Error) => {
        cleanup();
        this.worker = null;
        reject(new Error(`the console died on ${what}: ${e.message}`));
      };
      const onExit = (code: number) => {
        cleanup();
        this.worker = null;
        reject(new Error(`the console exited (${code}) on ${what}`));
      };
      const cleanup = () => {
        clearTimeout(timer);
        w.off('message', onMessage).off('error', onError).off('exit', onExit);
      };
      w.on('message', onMessage).on('error', onError).on('exit', onExit);
      w.postMessage(msg);
    });
  }

  boot(kernel: Kernel, seed: number): Promise<unknown> {
    return this.ask({ boot: kernel, seed }, 60_000, `booting ${kernel}`);
  }

  run(text: string): Promise<LineResult> {
    return this.ask({ line: text, interruptMs: INTERRUPT_MS }, INTERRUPT_MS + KILL_MS, JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}...` : text));
  }

  async stop(): Promise<void> {
    await this.worker?.terminate();
    this.worker = null;
  }
}


/** Every failure is one line that starts with its errno. */
function checkResult(text: string, r: LineResult): void {
  const where = `line ${JSON.stringify(text.slice(0, 200))}`;
  for (const l of r.lines) expect(l, where).not.toMatch(BROKEN_OUTPUT);
  if (r.error) {
    expect(r.error.errno, `${where}: ${r.error.text}`).toMatch(/^E[A-Z]+$/);
    expect(r.error.text, where).toMatch(/^E[A-Z]+: \S/);
    expect(r.error.text.split('\n'), `${where}: one line`).toHaveLength(1);
    expect(r.error.text, where).not.toMatch(BROKEN_OUTPUT);
  }
}

const fuzz = new FuzzConsole();
afterAll(() => fuzz.stop());

describe('the console grammar, fuzzed', () => {
  it('reads the grammar from the command table: every command has a usage that names it', () => {
    for (const table of Object.values(TABLES)) {
      for (const c of table.values()) expect(c.usage.split(' ')[0]).toBe(c.name);
      expect(grammarOf(table.get('update')!).flags).toContain('--strategy');
      expect(grammarOf(table.get('workload')!).keys).toContain('threads');
    }
  });

  for (const kernel of ['modules', 'objects'] as const) {
    it(`on the ${kernel} kernel: no stack trace, no internal error, every failure names its errno, no hang, and the console goes on`, async () => {
      const params = propParams(`console fuzz (${kernel})`, FUZZ_RUNS);
      let lines = 0;
      let failed = 0;
      await fc.assert(
        fc.asyncProperty(fc.nat(), fc.array(line(kernel), { minLength: 1, maxLength: 6 }), async (seed, fuzzLines) => {
          await fuzz.boot(kernel, seed);
          for (const l of SETUP[kernel]) expect((await fuzz.run(l)).error, l).toBeNull();
          for (const l of fuzzLines) {
            const r = await fuzz.run(l);
            if (SHOW) console.log(JSON.stringify(l.length > 120 ? `${l.slice(0, 120)}...` : l), '->', r.error?.text ?? `${r.lines.length} lines`);
            checkResult(l, r);
            lines++;
            if (r.error) failed++;
          }
          for (const l of STILL_USABLE) {
            const r = await fuzz.run(l);
            expect(r.error, `after ${JSON.stringify(fuzzLines.map((x) => x.slice(0, 80)))}: ${l}`).toBeNull();
          }
          expect(fuzz.host).not.toMatch(BROKEN_OUTPUT);
        }),
        params,
      );
      console.log(`[props] console fuzz (${kernel}): ${lines} lines, ${failed} failed with an errno`);
      expect(lines).toBeGreaterThanOrEqual(params.numRuns); // every run sent at least one line
      expect(failed).toBeGreaterThan(0); // the lines reached the commands' argument checks
    }, 600_000);
  }
});
