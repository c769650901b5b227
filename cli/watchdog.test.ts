// The soft-lockup watchdog, driven from the console with hostile module
// files: a loop that never yields at a file's top level, in init, in exit,
// in a chrdev read, in a generator that only declares work, in an update's
// state transfer and in its check. Each is stopped with a one-line error,
// the report names the thread, module, version and function, the kernel is
// tainted L, and the machine goes on (a syscall works, the verifying
// workload completes).

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setMemoryLimit, setWatchdogBudget } from '../exec/watchdog.js';
import { ConsoleSession } from './console.js';
import { describeError } from './format.js';
import { runScript } from './script.js';

const tmp = mkdtempSync(join(tmpdir(), 'livemod-watchdog-'));

/** A module file `hang` VERSION whose `parts` (object members) are spliced into its definition. */
function hostile(file: string, version: string, parts: string, top = ''): string {
  const p = join(tmp, file);
  writeFileSync(
    p,
    `import { defineModule, type KGen } from 'livemod/module';
${top}
export default defineModule<{ n: number }>({
  name: 'hang', version: '${version}', description: 'a module that hangs somewhere',
  state: { schema: 1, initial: () => ({ n: 0 }) },
  ${parts}
});
`,
  );
  return p;
}

function session() {
  const lines: string[] = [];
  const errors: string[] = [];
  const s = ConsoleSession.boot({ seed: 3, cpus: 2 }, (l) => lines.push(l));
  const run = (text: string) => runScript(s, text, { source: 'test', echo: false, printErr: (l) => errors.push(l) });
  const fail = async (line: string) => describeError(await s.exec(line).then(() => null, (e: unknown) => e));
  const logged: string[] = [];
  const printk = s.k.printk.bind(s.k);
  s.k.printk = (text) => {
    logged.push(text);
    printk(text);
  };
  const dmesg = () => logged.join('\n');
  return { s, lines, errors, run, fail, dmesg };
}

type Session = ReturnType<typeof session>;

/** The machine goes on: a file syscall works and a short verifying workload completes with every byte right. */
async function stillRuns({ run, lines, errors }: Session): Promise<void> {
  expect(await run('insmod kmsg\ninsmod blkdev\ninsmod simplefs\nmount simplefs disk0 /mnt\nwrite /mnt/a after\ncat /mnt/a')).toBe(true);
  expect(lines).toContain('after');
  expect(await run('workload start threads=2 files=2\ntick 100k\nworkload stop')).toBe(true);
  expect(lines.some((l) => /^verified \d+ files, \d+ bytes: all correct$/.test(l))).toBe(true);
  expect(errors).toEqual([]);
}

let before = 0;
beforeAll(() => {
  before = setWatchdogBudget(200_000); // a hang is stopped in a few milliseconds
});
afterAll(() => {
  setWatchdogBudget(before);
});

describe('the watchdog stops module code that allocates without yielding, before the host runs out of memory', () => {
  it('in init: insmod fails with EIO naming the heap it took, nothing is loaded, and the garbage is freed', async () => {
    const x = session();
    // Without the guard this loop would keep 10M checks' worth of arrays (gigabytes) and V8 would end the process.
    const file = hostile('hog.ts', '1.0.0', 'init(m) { const keep: number[][] = []; for (;;) keep.push(new Array(100_000).fill(1)); },');
    const budget = setWatchdogBudget(10_000_000); // the real budget: memory runs out first
    const limit = setMemoryLimit(process.memoryUsage().heapUsed + 300 * 2 ** 20);
    try {
      expect(await x.fail(`insmod ${file}`)).toMatch(/^EIO: init of hang was stopped: out of memory: the console in hang 1\.0\.0 init\(\) took the heap to \d+ MB without yielding, past the limit of \d+ MB/);
    } finally {
      setMemoryLimit(limit);
      setWatchdogBudget(budget);
    }
    expect(x.s.k.loader.get('hang')).toBeUndefined();
    expect(x.dmesg()).toMatch(/watchdog: BUG: out of memory - the console in hang 1\.0\.0 init\(\) took the heap/);
    await stillRuns(x);
  });
});

describe('the watchdog stops module code that never yields', () => {
  it('at a file’s top level: insmod is refused and nothing was loaded', async () => {
    const x = session();
    const file = hostile('top.ts', '1.0.0', '', 'for (;;) {}');
    expect(await x.fail(`insmod ${file}`)).toMatch(/^EIO: .*top\.ts was stopped while it loaded: soft lockup: the console stuck in .*top\.ts at its top level for 200000 checks without yielding/);
    expect(x.s.k.taint.letters()).toBe('L');
    expect(x.s.k.loader.list()).toEqual([]);
    await stillRuns(x);
  });

  it('in init: insmod is undone, and the report names module, version and function', async () => {
    const x = session();
    const file = hostile('init.ts', '1.0.0', 'init(m) { m.commit((s) => { s.n = 1; }); for (;;) {} },');
    expect(await x.fail(`insmod ${file}`)).toMatch(/^EIO: init of hang was stopped: soft lockup: the console stuck in hang 1\.0\.0 init\(\)/);
    expect(x.s.k.loader.get('hang')).toBeUndefined();
    expect(x.s.k.store.has('hang')).toBe(false);
    expect(x.dmesg()).toMatch(/watchdog: BUG: soft lockup - the console stuck in hang 1\.0\.0 init\(\) for 200000 checks/);
    expect(x.dmesg()).toMatch(/taint: soft-lockup \(L\): hang 1\.0\.0 init/);
    expect(x.s.k.taint.has('out-of-tree')).toBe(false); // it never loaded
    await stillRuns(x);
  });

  it('in exit: rmmod is refused, and the module stays with the state it had', async () => {
    const x = session();
    const file = hostile('exit.ts', '1.0.0', 'exit(m) { m.commit((s) => { s.n = 99; }); while (true) { try { for (;;) {} } catch { /* swallowed? */ } } },');
    expect(await x.run(`insmod ${file}`)).toBe(true);
    const state = x.s.k.store.state('hang');
    expect(await x.fail('rmmod hang')).toMatch(/^EIO: exit of hang was stopped: soft lockup: .* hang 1\.0\.0 exit\(\).*\(hang stays loaded, with its state as before rmmod\)/);
    expect(x.s.k.loader.get('hang')?.def.version).toBe('1.0.0');
    expect(x.s.k.store.state('hang')).toBe(state); // the same snapshot: exit's commit is gone
    expect(x.s.k.taint.letters()).toBe('EOL'); // unsigned and out of tree (a file), then the lockup;
    await stillRuns(x);
  });

  it('in a chrdev read: the syscall fails with EIO, and the report names the thread', async () => {
    const x = session();
    const file = hostile('read.ts', '1.0.0', "ops: { 'chrdev:hang': { read(m: unknown, pos: number, len: number) { for (;;) {} } } },");
    expect(await x.run(`insmod ${file}`)).toBe(true);
    expect(await x.fail('cat /dev/hang')).toMatch(/^EIO: read failed inside the kernel: soft lockup: thread \d+ \(sh:cat\) stuck in hang 1\.0\.0 read\(\)/);
    expect(x.dmesg()).toMatch(/watchdog: BUG: soft lockup - thread \d+ \(sh:cat\) stuck in hang 1\.0\.0 read\(\)/);
    expect(x.s.k.taint.has('soft-lockup')).toBe(true);
    await stillRuns(x);
  });

  it('in a generator that only declares work (m.k.work) and never yields', async () => {
    const x = session();
    const file = hostile('work.ts', '1.0.0', "ops: { 'chrdev:hang': { *write(m: any, data: Uint8Array): KGen<number> { for (;;) m.k.work(1); } } },");
    expect(await x.run(`insmod ${file}`)).toBe(true);
    expect(await x.fail('write /dev/hang x')).toMatch(/^EIO: write failed inside the kernel: soft lockup: thread \d+ \(sh:write\) stuck in hang 1\.0\.0 write\(\)/);
    expect(x.dmesg()).toMatch(/stack: .*hang 1\.0\.0 chrdev:hang\.write/); // the generator's frame on the shadow stack
    expect(x.s.k.taint.has('soft-lockup')).toBe(true);
    await stillRuns(x);
  });

  it('in an interrupt handler: the interrupt is dropped with an oops, and the machine goes on', async () => {
    const x = session();
    const file = hostile('irq.ts', '1.0.0', "ops: { 'irq:disk0': { handler() { for (;;) {} } } },\n  init(m) { m.k.disk('disk0')!.submit('read', 0, 1, new Uint8Array(512)); },");
    expect(await x.run(`insmod ${file}\ntick 100k`)).toBe(true);
    expect(x.dmesg()).toMatch(/watchdog: BUG: soft lockup - irq disk0 stuck in hang 1\.0\.0 handler\(\)/);
    expect(x.dmesg()).toMatch(/oops in irq disk0: soft lockup/);
    expect(x.s.k.taint.letters()).toBe('EOL');;
    expect(await x.run('rmmod hang')).toBe(true);
    await stillRuns(x);
  });

  for (const [what, transfer, strategy, who] of [
    ['upgrade.state', 'state: (old: { n: number }) => { for (;;) {} }', 'module', 'thread \\d+ \\(.*\\)'],
    ['upgrade.check', 'state: (old: { n: number }) => ({ n: old.n }), check: () => { while (1) {} }', 'module', 'thread \\d+ \\(.*\\)'],
    ['upgrade.state', 'state: (old: { n: number }) => { for (;;) {} }', 'stop-machine', 'update \\d+'],
  ] as const) {
    it(`in ${what} (${strategy}): the update aborts and rolls back`, async () => {
      const x = session();
      const v1 = hostile('u1.ts', '1.0.0', '');
      const v2 = hostile('u2.ts', '1.1.0', `upgrade: { from: ['1.0.0'], ${transfer} },`);
      expect(await x.run(`insmod ${v1}`)).toBe(true);
      const state = x.s.k.store.state('hang');
      expect(await x.fail(`update ${v2} --strategy ${strategy}`)).toMatch(new RegExp(`^ECANCELED: .*hang 1\\.0\\.0 -> 1\\.1\\.0: (state transfer|check) threw: soft lockup: ${who} stuck in hang 1\\.1\\.0 (state|check)\\(\\)`));
      expect(x.s.k.loader.get('hang')?.def.version).toBe('1.0.0');
      expect(x.s.k.store.state('hang')).toBe(state);
      expect(x.s.k.taint.has('soft-lockup')).toBe(true);
      await stillRuns(x);
    });
  }
});
