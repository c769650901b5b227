// The boundary for module code loaded by path, driven from the console with
// hostile module files: each reach for host authority is refused at load
// with EPERM naming what it used and where, nothing runs and nothing is
// tainted, and the machine goes on. Then the runtime half alone (the
// sandbox, with no static check in front of it): host globals are absent
// and code from strings does not compile.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateModuleFile } from '../catalog/sandbox.js';
import { ConsoleSession } from './console.js';
import { describeError } from './format.js';
import { runScript } from './script.js';

const tmp = mkdtempSync(join(tmpdir(), 'livemod-boundary-'));
let n = 0;

/** A module file with `top` before its definition and `init` as its init's body. */
function hostile(top: string, init = ''): string {
  const p = join(tmp, `m${n++}.ts`);
  writeFileSync(p, `import { defineModule } from 'livemod/module';\n${top}\nexport default defineModule({ name: 'esc', version: '1.0.0', description: 'x', init(m) { ${init} } });\n`);
  return p;
}

const CASES: readonly (readonly [string, string, string, RegExp])[] = [
  ['a node:* import', "import { writeFileSync } from 'node:fs';", '', /:2:\d+ uses an import of 'node:fs'/],
  ['a package import', "import cp from 'child_process';", '', /uses an import of 'child_process'/],
  ['a re-export of a host module', "export * from 'node:os';", '', /uses an import of 'node:os'/],
  ['import()', '', "import('node:fs');", /uses import\(\)/],
  ['process.exit in init', '', 'process.exit(0);', /:3:\d+ uses process \(host access\)/],
  ['require', '', "require('node:child_process').execSync('id');", /uses require \(host access\)/],
  ['globalThis', '', '(globalThis as any).x = 1;', /uses globalThis \(host access\)/],
  ['a timer', '', 'setTimeout(() => { throw new Error("later"); }, 0);', /uses setTimeout \(timers\)/],
  ['the network', '', "fetch('http://example.com');", /uses fetch \(network\)/],
  ['eval', '', "eval('1');", /uses eval \(code from strings\)/],
  ['the Function constructor', '', "new Function('return 1')();", /uses Function \(code from strings\)/],
  ['a function’s constructor', '', "(() => 0).constructor('return process')();", /uses \.constructor \(the way from a function to its Function constructor\)/],
  ['a constructor by key', '', "(m.k.now as any)['constructor']('return 1')();", /uses 'constructor'/],
  ['an async function', 'async function later() { return 1; }', '', /uses an async function \(promises run outside any step\)/],
  ['a promise', '', 'Promise.resolve().then(() => {});', /uses Promise \(promises\)/],
  ['the host clock', '', 'm.k.printk(String(Date.now()));', /uses Date \(the host clock/],
  ['Math.random', '', 'm.k.printk(String(Math.random()));', /uses Math\.random \(the run must depend on its seed only\)/],
  ['the watchdog’s budget', '', '(__livemod_budget as any).left = 1e15;', /uses __livemod_budget \(a name reserved for the watchdog\)/],
];

describe('the boundary refuses a module that reaches past the module API', () => {
  it.each(CASES)('%s: EPERM naming it, nothing loaded or tainted, and the machine goes on', async (_what, top, init, message) => {
    const errors: string[] = [];
    const s = ConsoleSession.boot({ seed: 5, cpus: 2 }, () => {});
    const file = hostile(top, init);
    const e = describeError(await s.exec(`insmod ${file}`).then(() => null, (x: unknown) => x));
    expect(e).toMatch(/^EPERM: /);
    expect(e).toMatch(message);
    expect(e).toContain(file);
    expect(s.k.loader.list()).toEqual([]);
    expect(s.k.taint.letters()).toBe('');
    expect(await runScript(s, 'insmod blkdev\ninsmod simplefs\nmount simplefs disk0 /mnt\nwrite /mnt/f ok\ncat /mnt/f', { source: 'test', echo: false, printErr: (l) => errors.push(l) })).toBe(true);
    expect(errors).toEqual([]);
  });

  it('lets a file use its own names that shadow host globals, and taints the kernel out-of-tree once loaded', async () => {
    const s = ConsoleSession.boot({ seed: 5, cpus: 2 }, () => {});
    const file = hostile('function process(x: number): number { return x + 1; }', "const require = (n: number) => n; m.k.printk(String(process(require(1))) + new TextDecoder().decode(new TextEncoder().encode('!')));");
    await s.exec(`insmod ${file}`);
    expect(s.k.loader.get('esc')?.def.version).toBe('1.0.0');
    expect(s.k.taint.letters()).toBe('EO'); // an unsigned file from outside the catalog;
  });

  it('refuses a name built at run time at the runtime half: no host Function behind a function literal', async () => {
    const s = ConsoleSession.boot({ seed: 5, cpus: 2 }, () => {});
    const file = hostile("const key = ['constr', 'uctor'].join('');\nconst F = (Reflect.get(() => 0, key) as (s: string) => () => unknown);\nF('return 1')();");
    expect(describeError(await s.exec(`insmod ${file}`).then(() => null, (x: unknown) => x))).toMatch(/^EPERM: .* tried to compile code from a string: Code generation from strings disallowed for this context/);
    expect(s.k.loader.list()).toEqual([]);
  });
});

describe('the sandbox (the runtime half alone)', () => {
  const run = (code: string) => evaluateModuleFile(code, 'test.cjs', () => ({}), { file: 'test.cjs' });

  it('has no host globals: process, require, timers, network, Date, promises, Math.random', () => {
    const names = ['process', 'require', 'setTimeout', 'setImmediate', 'queueMicrotask', 'fetch', 'Buffer', 'Date', 'Intl', 'Promise', 'WebAssembly', 'console', 'globalThis'];
    const out = run(`exports.types = [${names.map((x) => `typeof ${x === 'require' ? 'require("x").readFileSync' : x}`).join(', ')}]; exports.random = typeof Math.random;`);
    expect(out.types).toEqual(names.map(() => 'undefined'));
    expect(out.random).toBe('undefined');
  });

  it('compiles no code from strings, by any path to its Function constructor', () => {
    expect(() => run("exports.x = (function () {}).constructor('return 1')();")).toThrow(/Code generation from strings disallowed/);
    expect(() => run("exports.x = Object.getPrototypeOf(function* () {}).constructor('yield 1');")).toThrow(/Code generation from strings disallowed/);
  });

  it('hands module code the host’s Uint8Array and Error, which the kernel checks by identity', () => {
    const out = run('exports.buf = new Uint8Array(2); exports.e = new Error("x"); try { null.x } catch (e) { exports.t = e }');
    expect(out.buf).toBeInstanceOf(Uint8Array);
    expect(out.e).toBeInstanceOf(Error);
    expect(out.t).toBeInstanceOf(Error); // an engine error of the context, joined to the host's Error.prototype
  });
});
