// The console as a user drives it: scripts, the errors users see, and the
// guarantees the foundation issue asks for (EBUSY, unresolved imports,
// determinism, ps with a thread blocked on disk I/O, bad input).

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConsoleSession } from './console.js';
import { describeError } from './format.js';
import { runScript } from './script.js';

function session(seed = 1, cpus = 4) {
  const lines: string[] = [];
  const errors: string[] = [];
  const s = ConsoleSession.boot({ seed, cpus }, (l) => lines.push(l));
  return { s, lines, errors, run: (text: string) => runScript(s, text, { source: 'test', echo: false, printErr: (l) => errors.push(l) }) };
}

/** What must not change when a command is refused. */
function fingerprint(s: ConsoleSession) {
  return {
    modules: s.k.loader.list().map((m) => `${m.name}@${m.def.version}`),
    slots: s.k.symbols.all().map((x) => x.key).sort(),
    tables: s.k.ops.list().map((t) => `${t.kind}:${t.name}`).sort(),
    trace: s.k.machine.traceHash(),
    now: s.k.now,
    commits: s.k.store.commits,
  };
}

const tmp = mkdtempSync(join(tmpdir(), 'livemod-test-'));
function file(name: string, text: string): string {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
}

const BOOT = ['insmod kmsg', 'insmod blkdev', 'insmod simplefs', 'mount simplefs disk0 /mnt'].join('\n');

describe('console scripts', () => {
  it('mounts simplefs, writes files, reads them back and unmounts', async () => {
    const { lines, errors, run } = session();
    const ok = await run(`${BOOT}
mkdir /mnt/docs
write /mnt/docs/a.txt "first line\\nsecond line"
write /mnt/docs/b.txt ${'x'.repeat(1500)}
cat /mnt/docs/a.txt
cat /mnt/docs/b.txt
ls /mnt/docs
umount /mnt
mount simplefs disk0 /mnt
cat /mnt/docs/a.txt
umount /mnt`);
    expect(errors).toEqual([]);
    expect(ok).toBe(true);
    expect(lines.filter((l) => l === 'first line')).toHaveLength(2); // before and after the remount
    expect(lines).toContain('x'.repeat(1500));
    expect(lines).toContain('-       23  a.txt');
    expect(lines).toContain('-     1501  b.txt');
  });

  it('writes to a character device with write (O_CREAT and O_TRUNC open the existing device) and reads it back with cat', async () => {
    const { lines, errors, run } = session();
    expect(await run('insmod kmsg\nwrite /dev/kmsg hello from the console\ncat /dev/kmsg\n! write /dev/nosuch x')).toBe(true);
    expect(errors).toEqual([]);
    expect(lines).toContain('23 bytes written');
    expect(lines).toContain('hello from the console');
    expect(lines).toContain('  (failed as expected) EPERM: cannot create /dev/nosuch: the root filesystem holds only directories (create files under a mounted filesystem, e.g. /mnt)');
  });

  it('reads a # that starts a word as a comment to the end of the line, and a#b as a word', async () => {
    const { lines, errors, run } = session();
    const ok = await run(`insmod blkdev              # the driver first
insmod simplefs   # then the filesystem
mount simplefs disk0 /mnt #no space needed after the #
write /mnt/a a#b "#quoted" \\#escaped # dropped
cat /mnt/a   # prints the line
! rmmod blkdev  # in use by simplefs: must fail, comment and all
   # a comment line, indented`);
    expect(errors).toEqual([]);
    expect(ok).toBe(true);
    expect(lines).toContain('a#b #quoted #escaped');
    expect(lines.some((l) => l.includes('(failed as expected) EBUSY: module blkdev is in use by simplefs'))).toBe(true);
  });

  it('still fails a ! line whose command, once its comment is dropped, succeeds', async () => {
    const { errors, run } = session();
    expect(await run('insmod blkdev\n! lsmod # lsmod does not fail')).toBe(false);
    expect(errors).toEqual(["test:2: expected 'lsmod # lsmod does not fail' to fail, but it succeeded"]);
  });

  it('lists block devices as b and character devices as c in ls', async () => {
    const { lines, errors, run } = session();
    expect(await run('insmod kmsg\ninsmod blkdev\nls /dev')).toBe(true);
    expect(errors).toEqual([]);
    expect(lines.slice(-2)).toEqual(['b        -  disk0', 'c        -  kmsg']);
  });

  it('refuses rmmod blkdev with EBUSY while simplefs is loaded, and allows it after', async () => {
    const { s, lines, errors, run } = session();
    expect(await run(`insmod blkdev\ninsmod simplefs\n! rmmod blkdev\nrmmod simplefs\nrmmod blkdev`)).toBe(true);
    expect(errors).toEqual([]);
    expect(lines.find((l) => l.includes('EBUSY'))).toMatch(/EBUSY: module blkdev is in use by simplefs/);
    expect(s.k.loader.list()).toEqual([]);
  });

  it('fails a script when a ! line succeeds, and stops at the first failing line', async () => {
    const a = session();
    expect(await a.run('insmod blkdev\n! lsmod\necho not reached')).toBe(false);
    expect(a.errors).toEqual(["test:2: expected 'lsmod' to fail, but it succeeded"]);
    expect(a.lines).not.toContain('not reached');
    const b = session();
    expect(await b.run('insmod blkdev\nrmmod nosuch\necho not reached')).toBe(false);
    expect(b.errors).toEqual(['test:2: ENOENT: module nosuch is not loaded (lsmod lists the loaded modules)']);
  });

  it('refuses insmod with an unresolved import, names the symbol, and leaves lsmod unchanged', async () => {
    const { s, lines, errors, run } = session();
    expect(await run('insmod kmsg\nlsmod')).toBe(true);
    const before = lines.slice(-2);
    const beforeState = fingerprint(s);
    await expect(s.exec('insmod simplefs')).rejects.toThrow(/unresolved symbol blk_submit@2/);
    const wants7 = file(
      'wants7.ts',
      `import { defineModule } from 'livemod/module';
       export default defineModule({ name: 'wants7', version: '1.0.0', description: 'needs a symbol nobody has', requires: { kmsg_append: 1, blk_submit: 7 } });`,
    );
    const e = await s.exec(`insmod ${wants7}`).catch((x: unknown) => x);
    expect(describeError(e)).toBe('ENOENT: module wants7: unresolved symbol blk_submit@7 (load the module that exports blk_submit first)');
    lines.length = 0;
    await s.exec('lsmod');
    expect(lines).toEqual(before);
    expect(fingerprint(s)).toEqual(beforeState);
    expect(errors).toEqual([]);
  });
});

describe('module hooks that would run past their call', () => {
  it('refuses an async init or exit, and a promise from init, at load by path (the boundary), before anything runs', async () => {
    const { s, run } = session();
    const asyncInit = file('asyncinit.ts', "import { defineModule } from 'livemod/module';\nexport default defineModule({ name: 'ai', version: '1.0.0', description: 'x', async init() { throw new Error('boom later'); } } as never);\n");
    const asyncExit = file('asyncexit.ts', "import { defineModule } from 'livemod/module';\nexport default defineModule({ name: 'ae', version: '1.0.0', description: 'x', async exit() {} } as never);\n");
    const hidden = file('hidden.ts', "import { defineModule } from 'livemod/module';\nexport default defineModule({ name: 'hp', version: '1.0.0', description: 'x', init() { return Promise.reject(new Error('later')) as never; } } as never);\n");
    for (const [path, message] of [
      [asyncInit, /^EPERM: .*asyncinit\.ts:2:\d+ uses an async function \(promises run outside any step\)/],
      [asyncExit, /^EPERM: .*asyncexit\.ts:2:\d+ uses an async function \(promises run outside any step\)/],
      [hidden, /^EPERM: .*hidden\.ts:2:\d+ uses Promise \(promises\)/],
    ] as const) {
      expect(describeError(await s.exec(`insmod ${path}`).catch((e: unknown) => e))).toMatch(message);
    }
    // The hidden promise's rejection is handled: give it a turn of the event loop, and the machine goes on.
    await new Promise((r) => setTimeout(r, 10));
    expect(s.k.loader.list().map((m) => m.name)).toEqual([]);
    expect(await run('insmod blkdev\nlsmod')).toBe(true);
  });
});

describe('disk faults', () => {
  it('fault clear releases a hung request, so the workload stops and verifies, and unmount works again', async () => {
    const { lines, run } = session();
    expect(await run(`${BOOT}\nworkload start threads=2 files=2\ntick 50k\nfault disk0 hang 2\ntick 200k`)).toBe(true);
    expect(await run('fault disk0 clear\nworkload stop\numount /mnt')).toBe(true);
    expect(lines).toContain('disk0: sector errors cleared, 2 stalled request(s) released, 0 pending hang(s) cancelled');
    expect(lines.some((l) => /^verified \d+ files, \d+ bytes: all correct$/.test(l))).toBe(true);
  });
});

describe('determinism', () => {
  const script = `${BOOT}\nworkload start threads=3 files=4\ntick 300k\nps\nworkload stop\nstat`;

  it('gives the same trace hash and the same output for the same seed, and another trace for another seed', async () => {
    const a = session(11);
    const b = session(11);
    const c = session(12);
    for (const x of [a, b, c]) expect(await x.run(script)).toBe(true);
    expect(a.s.k.machine.traceHash()).toBe(b.s.k.machine.traceHash());
    expect(a.lines).toEqual(b.lines);
    expect(c.s.k.machine.traceHash()).not.toBe(a.s.k.machine.traceHash());
    expect(c.lines).not.toEqual(a.lines);
  });
});

describe('stat', () => {
  // Regression: `stat` showed cpu0 at 104% right after a mount (the last step's cost was counted
  // before it had elapsed) and above 100% under load (a CPU started a step before the last had ended).
  it('never shows a CPU above 100%, right after a command or under load', async () => {
    for (const [seed, cpus] of [[1, 4], [29, 5], [7, 2]] as const) {
      const { lines, run } = session(seed, cpus);
      expect(await run(`insmod kmsg@1.0.0\ninsmod blkdev@1.0.0\ninsmod simplefs@1.2.0\nmount simplefs disk0 /mnt\nstat\nworkload start threads=6\ntick 200k\nstat\nupdate kmsg@2.0.0 --strategy stop-machine\nstat\ntick 123k\nstat`)).toBe(true);
      const uses = lines.filter((l) => l.startsWith('cpus:')).flatMap((l) => [...l.matchAll(/cpu\d+ ([\d.]+)%/g)].map((m) => Number(m[1])));
      expect(uses).toHaveLength(4 * cpus);
      expect(Math.max(...uses), `seed ${seed}, ${cpus} cpus: ${uses.join(' ')}`).toBeLessThanOrEqual(100);
      expect(Math.max(...uses)).toBeGreaterThan(0);
    }
  });
});

describe('ps', () => {
  it('shows a thread blocked on disk I/O with its stack of active frames', async () => {
    const { lines, run } = session(3);
    expect(await run(`${BOOT}\nworkload start threads=4\ntick 123457\nps`)).toBe(true);
    const header = lines.findIndex((l) => l.startsWith('tid'));
    const rows = lines.slice(header + 1);
    const blocked = rows.find((l) => / blocked /.test(l) && l.includes('disk I/O'));
    expect(blocked, rows.join('\n')).toBeDefined();
    // syscall entry > filesystem operation > block driver, each with its version
    expect(blocked).toMatch(/kernel@1\.0\.0:sys_\w+ > simplefs@\d+\.\d+\.\d+:fs:simplefs\.\w+ > blkdev@\d+\.\d+\.\d+:blk_submit/);
  });
});

describe('bad input gets one line with the errno and leaves the machine unchanged', () => {
  const cases: [string, (dir: string) => string, RegExp][] = [
    ['an unknown command', () => 'frobnicate now', /^EINVAL: unknown command 'frobnicate'/],
    ['an unknown module', () => 'insmod nosuchmod', /^ENOENT: no module named 'nosuchmod' \(known modules: blkdev, kmsg, simplefs/],
    ['a version that does not exist', () => 'insmod blkdev@9.9.9', /^ENOENT: blkdev has no version 9\.9\.9 \(versions of blkdev: 1\.0\.0/],
    ['a malformed version', () => 'insmod blkdev@banana', /^EINVAL: 'banana' is not a version or range/],
    ['a .ts module that does not parse', () => `insmod ${file('broken.ts', 'export default defineModule({ name: "x", ')}`, /^ENOEXEC: .*broken\.ts:1:\d+ does not parse/],
    ['a .js module that does not parse', () => `insmod ${file('broken.js', 'export default {{{')}`, /^ENOEXEC: .*broken\.js:1:\d+ does not parse: Property assignment expected/],
    ['a file that does not define a module', () => `insmod ${file('notmod.ts', 'export default 42;')}`, /^ENOEXEC: .*notmod\.ts does not define a module/],
    ['a module with a bad field', () => `insmod ${file('badver.ts', 'export default { name: "badver", version: "one", description: "" };')}`, /^EINVAL: module badver .*version 'one' is not MAJOR\.MINOR\.PATCH/],
    ['an ops table with a misspelled operation', () => `insmod ${file('typo.js', "export default { name: 'typo', version: '1.0.0', description: 'x', ops: { 'chrdev:typo': { reed: () => null, write: () => 0 } } };")}`, /^EINVAL: module typo \(.*typo\.js\): ops table chrdev:typo has no operation 'reed' \(the operations of a chrdev table: read, write\)$/],
    ['a compat view with an unknown operation', () => `insmod ${file('typo2.js', "export default { name: 'typo2', version: '1.0.0', description: 'x', ops: { 'blkdev:d9': { submit: () => 0, capacity: () => 1 } }, opsVersions: { 'blkdev:d9': 2 }, compat: { 'blkdev:d9@1': { sumbit: () => 0 } } };")}`, /^EINVAL: module typo2 \(.*\): compat blkdev:d9@1 has no operation 'sumbit' \(the operations of a blkdev table: submit, capacity\)$/],
    ['a path that does not exist', () => 'insmod /no/such/module.ts', /^ENOENT: no such file: \/no\/such\/module\.ts/],
    ['an unknown parameter', () => 'insmod blkdev depth=3', /^EINVAL: module blkdev has no parameter 'depth' \(its parameters: queue_depth, timeout\)/],
    ['a bad parameter value', () => 'insmod blkdev queue_depth=many', /^EINVAL: parameter queue_depth of blkdev must be an integer/],
    ['a wrong argument count', () => 'rmmod', /^EINVAL: rmmod takes 1 argument, got 0 \(usage: rmmod NAME\)/],
    ['a bad cycle count', () => 'tick soon', /^EINVAL: CYCLES must be a whole number/],
  ];
  for (const [what, line, expected] of cases) {
    it(what, async () => {
      const { s, run } = session();
      expect(await run('insmod kmsg')).toBe(true);
      const before = fingerprint(s);
      const e = await s.exec(line(tmp)).catch((x: unknown) => x);
      const text = describeError(e);
      expect(text).toMatch(expected);
      expect(text).not.toContain('\n');
      expect(text).not.toMatch(/internal error|at .*\.ts:\d+/);
      expect(fingerprint(s)).toEqual(before);
    });
  }

  it('a module whose initial state cannot be built is not loaded', async () => {
    const { s, run } = session();
    expect(await run('insmod kmsg')).toBe(true);
    const before = fingerprint(s);
    const p = file('badstate.ts', `export default { name: 'badstate', version: '1.0.0', description: 'x', state: { schema: 1, initial: () => { throw new RangeError('no memory for the table'); } } };`);
    const e = await s.exec(`insmod ${p}`).catch((x: unknown) => x);
    expect(describeError(e)).toBe('EINVAL: module badstate failed to load: no memory for the table (the module was not loaded; fix it)');
    expect(fingerprint(s)).toEqual(before);
  });

  it('a module whose init fails is not loaded and leaves nothing behind', async () => {
    const { s, run } = session();
    expect(await run('insmod kmsg')).toBe(true);
    const before = fingerprint(s);
    const p = file(
      'initfails.ts',
      `export default { name: 'initfails', version: '1.0.0', description: 'init throws',
         state: { schema: 1, initial: () => ({ n: 0 }) }, records: { things: 1 },
         exports: { thing_get: { version: 1, fn: (m) => m.state().n } },
         ops: { 'chrdev:thing': { read: () => ({ data: new Uint8Array(0), pos: 0 }) } },
         init() { throw new Error('no hardware found'); } };`,
    );
    const e = await s.exec(`insmod ${p}`).catch((x: unknown) => x);
    expect(describeError(e)).toBe('EINVAL: init of initfails failed: no hardware found (the module was not loaded; fix its init)');
    expect(fingerprint(s)).toEqual(before);
    expect(s.k.store.has('initfails')).toBe(false);
  });
});

describe('a module with a bug', () => {
  it('makes the syscall fail with EIO and an oops in the log, and the machine goes on', async () => {
    const { s, lines, errors, run } = session();
    const p = file(
      'buggy.ts',
      `import { defineModule } from 'livemod/module';
       function read(_m: unknown, _pos: number, _len: number) { const t = undefined as unknown as { rows: number[] }; return { data: new Uint8Array(t.rows.length), pos: 0 }; }
       export default defineModule({ name: 'buggy', version: '1.0.0', description: 'a chrdev with a bug', ops: { 'chrdev:buggy': { read, write: () => 0 } } });`,
    );
    expect(await run(`insmod kmsg\ninsmod ${p}`)).toBe(true);
    const e = await s.exec('cat /dev/buggy').catch((x: unknown) => x);
    expect(describeError(e)).toBe("EIO: read failed inside the kernel: Cannot read properties of undefined (reading 'rows') (a loaded module has a bug; dmesg shows the oops)");
    expect(s.k.stats.oopses).toBe(1);
    expect(await run('dmesg\nrmmod buggy\nlsmod')).toBe(true);
    expect(lines.some((l) => /oops in syscall read of thread \d+ \(sh:cat\): Cannot read properties of undefined/.test(l))).toBe(true);
    expect(errors).toEqual([]);
  });
});

describe('a module whose op returns what its contract does not allow', () => {
  it('is an oops too: EIO, a failed syscall, the oops in dmesg, not a raw JavaScript error', async () => {
    const { s, lines, run } = session();
    const p = file(
      'numread.js',
      `export default { name: 'numread', version: '1.0.0', description: 'a chrdev whose read returns a number', ops: { 'chrdev:numread': { read: () => 42, write: () => 0 } } };`,
    );
    expect(await run(`insmod kmsg\ninsmod ${p}`)).toBe(true);
    const failed = s.k.stats.syscallErrors;
    const e = await s.exec('cat /dev/numread').catch((x: unknown) => x);
    expect(describeError(e)).toBe('EIO: read failed inside the kernel: chrdev:numread.read of numread returned 42, not { data: Uint8Array, pos: number } (a loaded module has a bug; dmesg shows the oops)');
    expect(s.k.stats.oopses).toBe(1);
    expect(s.k.stats.syscallErrors).toBe(failed + 1);
    expect(await run('dmesg')).toBe(true);
    expect(lines.some((l) => /oops in syscall read of thread \d+ \(sh:cat\): chrdev:numread\.read of numread returned 42/.test(l))).toBe(true);
  });
});

describe('modules loaded from a path', () => {
  it('loads a user module written in TypeScript that imports a catalog module through the linker', async () => {
    const { lines, errors, run } = session();
    const p = file(
      'hello.ts',
      `import { defineModule, type Ctx } from 'livemod/module';
       interface S { readonly greeted: number }
       function greet(m: Ctx<S>, who: string): string {
         m.commit((s) => { s.greeted++; });
         m.imports.kmsg_append!('hello ' + who);
         return 'hello ' + who + ' #' + m.state().greeted;
       }
       export default defineModule<S>({
         name: 'hello', version: '0.1.0', description: 'says hello',
         requires: { kmsg_append: 1 },
         params: { who: { type: 'string', default: 'world', description: 'whom to greet' } },
         state: { schema: 1, initial: () => ({ greeted: 0 }) },
         exports: { hello_greet: { version: 1, fn: greet } },
         init(m) { m.k.printk(greet(m as Ctx<S>, String(m.params.who))); },
       });`,
    );
    expect(await run(`insmod kmsg\ninsmod ${p} who=livemod\nlsmod\nmodinfo hello\ndmesg`)).toBe(true);
    expect(errors).toEqual([]);
    expect(lines).toContain('hello 0.1.0 loaded');
    expect(lines.some((l) => /^kmsg\s+\d+\.\d+\.\d+\s+hello\s/.test(l))).toBe(true);
    expect(lines.some((l) => l.includes('hello: hello livemod #1'))).toBe(true);
    expect(lines.some((l) => l === 'requires:    kmsg_append@1 from kmsg')).toBe(true);
    expect(lines).toContain('state:       schema 1: {"greeted":1}'); // the snapshot's values, after init greeted once
    expect(await run('! rmmod kmsg\nrmmod hello\nrmmod kmsg')).toBe(true);
  });
});

describe('updates from the console', () => {
  it('updates a module from files (a version built on its predecessor), reverts it, and lists both in history', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'livemod-upd-'));
    writeFileSync(
      join(dir, '1.0.0.ts'),
      `import { defineModule, type Ctx } from 'livemod/module';
       interface S { readonly hits: number }
       export function hit(m: Ctx<S>): number { m.commit((s) => { s.hits++; }); return m.state().hits; }
       export default defineModule<S>({ name: 'counter', version: '1.0.0', description: 'counts',
         state: { schema: 1, initial: () => ({ hits: 0 }) }, exports: { counter_hit: { version: 1, fn: hit } },
         init(m) { hit(m as Ctx<S>); hit(m as Ctx<S>); } });`,
    );
    writeFileSync(
      join(dir, '1.1.0.ts'),
      `import { defineModule } from 'livemod/module';
       import v1 from './1.0.0.js';
       export default defineModule({ ...v1, version: '1.1.0', state: { schema: 2, initial: () => ({ hits: 0, misses: 0 }) },
         upgrade: { from: ['1.0.0'], state: (old: { hits: number }) => ({ hits: old.hits, misses: 0 }) },
         downgrade: { to: ['1.0.0'], state: (cur: { hits: number }) => ({ hits: cur.hits }) } });`,
    );
    const { s, lines, errors, run } = session();
    expect(await run(`insmod ${dir}/1.0.0.ts\nupdate ${dir}/1.1.0.ts`)).toBe(true);
    expect(s.k.store.state('counter')).toEqual({ hits: 2, misses: 0 });
    expect(await run('revert counter\nlsmod\nhistory')).toBe(true);
    expect(errors).toEqual([]);
    expect(s.k.store.state('counter')).toEqual({ hits: 2 });
    // no update stack left, nothing kept; unsigned and out of tree: it was loaded from a file
    expect(lines.find((l) => /^counter\s+1\.0\.0\s+-/.test(l))).toMatch(new RegExp(`^counter\\s+1\\.0\\.0\\s+-\\s+0\\s+-\\s+${dir}/1\\.0\\.0\\.ts\\s+-\\s+-\\s+\\(EO\\)$`));
    expect(lines).toContain('update 1: counter 1.0.0 -> 1.1.0  strategy module  committed');
    expect(lines).toContain('revert 2: counter 1.1.0 -> 1.0.0  strategy module  committed');
  });

  it('refuses a revert whose running version declares no downgrade.init, naming that version and the file to insmod, changing nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'livemod-ctr-'));
    writeFileSync(
      join(dir, '1.1.0.ts'),
      `import { defineModule } from 'livemod/module';
       export default defineModule({ name: 'ctr', version: '1.1.0', description: 'counts', state: { schema: 1, initial: () => ({ n: 0 }) },
         init(m) { m.k.printk('ctr ready'); } });`,
    );
    writeFileSync(
      join(dir, '2.0.0.ts'),
      `import { defineModule } from 'livemod/module';
       import v1 from './1.1.0.js';
       export default defineModule({ ...v1, version: '2.0.0', init(m) { m.k.printk('ctr ready, with a journal'); },
         upgrade: { from: ['1.1.0'], init(m) { m.k.printk('ctr journal set up'); } },
         downgrade: { to: ['1.1.0'] } });`,
    );
    const { s, run } = session();
    expect(await run(`insmod ${dir}/1.1.0.ts\nupdate ${dir}/2.0.0.ts`)).toBe(true);
    const before = fingerprint(s);
    const history = s.k.updates.history.length;
    const e = await s.exec('revert ctr').catch((x: unknown) => x);
    expect(describeError(e)).toBe(
      'EINVAL: ctr 1.1.0 does not do what init of ctr 2.0.0 did, and a revert does not re-run init: 2.0.0 declares no downgrade.init to undo that work on the running ctr, so it cannot be reverted live' +
        ` (rmmod ctr and insmod ${dir}/1.1.0.ts (on a fresh disk if init set up the disk), or give 2.0.0 a downgrade.init)`,
    );
    expect(fingerprint(s)).toEqual(before);
    // The refusal joins the history with its reason; nothing ran.
    expect(s.k.updates.history).toHaveLength(history + 1);
    expect(s.k.updates.history.at(-1)).toMatchObject({ kind: 'revert', outcome: 'refused', error: { errno: 'EINVAL' } });
  });

  it('refuses an update from a file that does not define a module, and bad update arguments, changing nothing', async () => {
    const { s, run } = session();
    expect(await run('insmod blkdev@1.0.0')).toBe(true);
    const before = fingerprint(s);
    const bad: [string, RegExp][] = [
      [`update ${file('nomod.ts', 'export const x = 1;')}`, /^ENOEXEC: .*nomod\.ts does not define a module/],
      ['update', /^EINVAL: update needs at least one NAME@VERSION or file/],
      ['update blkdev@1.1.0 --strategy fastest', /^EINVAL: --strategy needs one of module, per-task, stop-machine, got 'fastest'/],
      ['update blkdev@1.1.0 --timeout never', /^EINVAL: --timeout must be a whole number/],
      ['update blkdev@1.1.0 --frobnicate', /^EINVAL: update has no option --frobnicate/],
      ['update blkdev@1.1.0 --lazy --eager', /^EINVAL: --lazy and --eager exclude each other/],
      ['update blkdev@1.1.0 --sweep', /^EINVAL: --sweep goes with lazy migration \(this update migrates no records\)/],
      ['revert simplefs', /^ENOENT: module simplefs is not loaded/],
      ['revert blkdev', /^EINVAL: nothing to revert: blkdev 1\.0\.0 was not reached by an update/],
    ];
    for (const [line, expected] of bad) {
      const e = await s.exec(line).catch((x: unknown) => x);
      expect(describeError(e), line).toMatch(expected);
    }
    expect(fingerprint(s)).toEqual(before);
    // What reached the plan is in the history as refused, with its reason; nothing ran.
    expect(s.k.updates.history.map((r) => `${r.outcome} ${r.modules.map((m) => `${m.name}@${m.to}`).join(' ')}: ${r.error?.errno}`)).toEqual([
      'refused blkdev@1.1.0: EINVAL',
    ]);
  });

it('revert after rmmod and insmod of the version an update had reached is refused with EINVAL, changing nothing', async () => {
    const { s, run } = session();
    expect(await run('insmod kmsg@1.0.0\nupdate kmsg@2.0.0\nrmmod kmsg\ninsmod kmsg@2.0.0')).toBe(true);
    const before = s.k.updates.history.length;
    let caught: unknown = null;
    try {
      await s.exec('revert kmsg');
    } catch (e) {
      caught = e;
    }
    expect(describeError(caught)).toBe('EINVAL: nothing to revert: kmsg 2.0.0 was not reached by an update (history lists the updates)');
    expect(s.k.loader.require('kmsg').def.version).toBe('2.0.0');
    expect(s.k.updates.history).toHaveLength(before);
  });

  it('shows in modinfo how many records a lazy update has left to migrate', async () => {
    const { lines, errors, run } = session();
    expect(await run('insmod blkdev@2.0.0\ninsmod simplefs@2.0.0\nmount simplefs disk0 /mnt\nmkdir /mnt/a\nwrite /mnt/a/x hi\nupdate simplefs@2.1.0 --lazy\nmodinfo simplefs')).toBe(true);
    expect(lines).toContain('records:     inodes (schema 2, 3 records, 3 not yet migrated)');
    lines.length = 0;
    expect(await run('cat /mnt/a/x\nmodinfo simplefs')).toBe(true);
    expect(lines).toContain('records:     inodes (schema 2, 3 records)');
    expect(errors).toEqual([]);
  });

  it('takes versions as npm users write them in insmod and update (1.1, ^2, latest)', async () => {
    const { s, errors, run } = session();
    expect(await run('insmod blkdev@1\ninsmod simplefs@1.1\nupdate simplefs@~1.2.0\nupdate blkdev@^2 simplefs@2.0.0\nupdate simplefs@2.1\ninsmod kmsg@latest\n! insmod kmsg@^7')).toBe(true);
    expect(errors).toEqual([]);
    expect(s.k.loader.list().map((m) => `${m.name}@${m.def.version}`)).toEqual(['blkdev@2.0.0', 'simplefs@2.1.0', 'kmsg@2.0.0']);
    expect(s.k.updates.history.map((r) => r.outcome)).toEqual(['committed', 'committed', 'committed']);
  });

  it('prints the plan for --dry-run and changes nothing', async () => {
    const { s, lines, run } = session();
    expect(await run('insmod blkdev@1.0.0\ninsmod simplefs@1.0.0')).toBe(true);
    const before = fingerprint(s);
    expect(await run('update simplefs@1.2.0 --dry-run')).toBe(true);
    expect(lines).toContain('plan: simplefs 1.0.0 -> 1.2.0 (upgrade)');
    expect(lines).toContain('  simplefs: state schema 1 -> 2, transferred');
    expect(fingerprint(s)).toEqual(before);
  });
});
