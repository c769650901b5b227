// Escapes from the module boundary: module files loaded by path that get
// past the static check (catalog/boundary.ts) with keys built at run time
// and try every way found from a value module code holds back to the host
// (an API function, a stub, the handle, a snapshot, a record, a kernel
// error, a built-in handed in, a generator, the Error hooks) to reach
// `process`, write a file and read an environment variable. Each must be
// refused with EPERM at load or init, leave the file unwritten and the
// variable unread, and leave the host's built-ins as they were.

import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConsoleSession } from '../cli/console.js';
import { describeError } from '../cli/format.js';

const tmp = mkdtempSync(join(tmpdir(), 'livemod-escape-'));
const SECRET = `sekrit-${process.pid}`;
process.env.LIVEMOD_ESCAPE_SECRET = SECRET;
let n = 0;

/** What an escape runs once it holds a host code-compiling constructor: write a marker file, return the secret. */
const payload = (mark: string): string =>
  `const fs = process.getBuiltinModule('node:fs'); fs.writeFileSync(${JSON.stringify(mark)}, 'escaped'); return process.env.LIVEMOD_ESCAPE_SECRET;`;

/** A module file whose init runs `body` with K = 'constructor' built at run time and P the payload; its marker file. */
function escapeFile(body: string, extra = ''): { file: string; mark: string } {
  const mark = join(tmp, `mark${n}`);
  const file = join(tmp, `e${n++}.ts`);
  writeFileSync(file, [
    "import { defineModule, KernelError, err } from 'livemod/module';",
    "const K = ['constr', 'uctor'].join('');",
    `const P = ${JSON.stringify(payload(mark))};`,
    'const use = (x: unknown): void => { void x; };',
    'use(KernelError); use(err);',
    'export default defineModule({',
    "  name: 'esc', version: '1.0.0', description: 'tries to escape',",
    "  state: { schema: 1, initial: () => ({ list: [1] }) }, records: { r: 1 },",
    `  ${extra}`,
    '  init(m: any) {',
    '    const R = Reflect as any; const O = Object as any;',
    `    const out = (() => { ${body} })();`,
    "    m.k.printk('escaped: ' + String(out));",
    '  },',
    '});',
  ].join('\n'));
  return { file, mark };
}

/** Route name -> init body: each returns what the payload returned, or throws. */
const ROUTES: readonly (readonly [string, string, string])[] = [
  ['an API function (m.k.work)', 'return R.get(m.k.work, K)(P)();', ''],
  ['Function.prototype under an API function', 'return R.get(O.getPrototypeOf(m.k.now), K)(P)();', ''],
  ['the handle m -> Object -> Function', 'return R.get(R.get(O.getPrototypeOf(m), K), K)(P)();', ''],
  ['m.imports -> Object -> Function', 'return R.get(R.get(O.getPrototypeOf(m.imports), K), K)(P)();', ''],
  ['a stub in m.imports', 'return R.get(m.imports.kmsg_append, K)(P)();', 'requires: { kmsg_append: 1 },'],
  ['a state snapshot after commit (Object)', 'm.commit((s: any) => { s.list = [2, 3]; }); return R.get(R.get(m.state(), K), K)(P)();', ''],
  ['a state snapshot after commit (Array)', 'm.commit((s: any) => { s.list = [2, 3]; }); return R.get(R.get(m.state().list, K), K)(P)();', ''],
  ['a record', "m.records('r').put(1, { a: [1] }); return R.get(R.get(m.records('r').get(1), K), K)(P)();", ''],
  ['a kernel error caught', "try { m.k.wait('x'); } catch (e) { return R.get(R.get(e, K), K)(P)(); } return 'no error';", ''],
  ['a kernel error thrown by err()', "try { throw err('EINVAL', 'x'); } catch (e) { return R.get(R.get(e, K), K)(P)(); }", ''],
  ['KernelError from the module API', 'return R.get(KernelError, K)(P)();', ''],
  ['Error handed in', 'return R.get(Error, K)(P)();', ''],
  ['Uint8Array handed in', 'return R.get(Uint8Array, K)(P)();', ''],
  ['TextEncoder handed in', 'return R.get(TextEncoder, K)(P)();', ''],
  ['a buffer of the host (Uint8Array.buffer -> ArrayBuffer)', 'return R.get(R.get(new Uint8Array(1).buffer, K), K)(P)();', ''],
  ['an engine error of the sandbox -> host Error.prototype', 'try { (null as any).x; } catch (e) { return R.get(R.get(O.getPrototypeOf(O.getPrototypeOf(O.getPrototypeOf(e))), K), K)(P)(); }', ''],
  ['a stub of a generator function -> GeneratorFunction', 'return R.get(O.getPrototypeOf(m.imports.blk_submit), K)(P)().next().value;', 'requires: { blk_submit: 1 },'],
  ['a host generator object -> %GeneratorFunction%', "const gen = m.k.sleep(1); const gp = O.getPrototypeOf(O.getPrototypeOf(gen)); return R.get(R.get(gp, K), K)(P)().next().value;", ''],
  ['Function.prototype.bind of a host function', 'return R.get(m.k.now.bind(null), K)(P)();', ''],
];

/** Host-side effects that a refused escape must not leave behind. */
const HOOKS = ['prepareStackTrace', 'captureStackTrace', 'stackTraceLimit'] as const;

async function insmod(s: ConsoleSession, file: string): Promise<string> {
  return describeError(await s.exec(`insmod ${file}`).then(() => new Error('loaded'), (x: unknown) => x));
}

/** A machine with kmsg loaded, and a function that reads its log. */
async function machine(): Promise<{ s: ConsoleSession; dmesg: () => Promise<string> }> {
  const out: string[] = [];
  const s = ConsoleSession.boot({ seed: 7, cpus: 2 }, (l) => out.push(l));
  await s.exec('insmod kmsg');
  await s.exec('insmod blkdev');
  return { s, dmesg: async () => { out.length = 0; await s.exec('dmesg'); return out.join('\n'); } };
}

describe('escapes through host objects are refused', () => {
  afterAll(() => { delete process.env.LIVEMOD_ESCAPE_SECRET; });

  it.each(ROUTES)('%s: EPERM, no file written, no secret read', async (_what, body, extra) => {
    const { s, dmesg } = await machine();
    const { file, mark } = escapeFile(body, extra);
    const e = await insmod(s, file);
    expect(existsSync(mark)).toBe(false);
    expect(await dmesg()).not.toContain(SECRET);
    expect(e).toMatch(/^EPERM: /);
    expect(e).toMatch(/code from a string/);
    expect(s.k.loader.get('esc')).toBeUndefined();
  });
});

describe('the host’s Error hooks and built-ins are out of reach', () => {
  const hostile: readonly (readonly [string, string])[] = [
    ['Error.prepareStackTrace on the Error handed in', "Error.prepareStackTrace = (_e: unknown, cs: any[]) => cs.map((c) => String(c.getThis())).join(); return 'set';"],
    ['Error.prepareStackTrace through a kernel error', "try { m.k.wait('x'); } catch (e) { R.get(e, K).prepareStackTrace = () => 'hijacked'; } return 'set';"],
    ['Error.captureStackTrace replaced', "R.set(Error, 'captureStackTrace', () => {}); return 'set';"],
    ['the sandbox’s own Error.prepareStackTrace', "try { (null as any).x; } catch (e) { const E = O.getPrototypeOf(O.getPrototypeOf(e)); R.get(E, K).prepareStackTrace = () => { m.k.printk('later'); return 'x'; }; } return 'set';"],
  ];
  it.each(hostile)('%s: EPERM, and the hook is as it was', async (_what, body) => {
    const before = HOOKS.map((h) => (Error as unknown as Record<string, unknown>)[h]);
    const { s, dmesg } = await machine();
    const { file } = escapeFile(body);
    const e = await insmod(s, file);
    const after = HOOKS.map((h) => (Error as unknown as Record<string, unknown>)[h]);
    expect(after).toEqual(before);
    expect(new Error('fresh').stack).toMatch(/^Error: fresh\n/);
    expect(e).toMatch(/^EPERM: /);
    expect(await dmesg()).not.toContain('later');
  });
});

describe('host code after a module file has loaded', () => {
  it('still compiles with Function by name, and a function’s constructor keeps its name and prototype', async () => {
    const { s } = await machine();
    await s.exec(`insmod ${escapeFile('return 1;').file}`);
    expect(s.k.loader.get('esc')?.def.version).toBe('1.0.0');
    const f = function () {};
    expect(new Function('a', 'return a + 1')(1)).toBe(2); // vega compiles its expressions so
    expect(f.constructor.name).toBe('Function');
    expect(f).toBeInstanceOf(f.constructor);
    expect(() => (f.constructor as FunctionConstructor)('return 1')).toThrow(/code from a string: the host's Function constructor/);
    const saved = Error.prepareStackTrace; // host code may still set the hooks
    const mine = (e: Error): string => `mine: ${e.message}`;
    Error.prepareStackTrace = mine;
    expect(new Error('x').stack).toBe('mine: x');
    Error.prepareStackTrace = saved;
    expect(Error.prepareStackTrace).toBe(saved);
  });
});
