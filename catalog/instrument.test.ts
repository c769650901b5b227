// The watchdog's checks as compiled into a file (catalog/instrument.ts): a
// loop is stopped at the very check that spends the budget, the same one on
// every run; code that catches the error or recurses without a loop is
// stopped too; after a trip every check throws until a touch, with one
// report; checksRun counts each check (what bench/boundary-instructions.ts
// multiplies by a check's instructions).

import ts from 'typescript';
import { afterEach, describe, expect, it } from 'vitest';
import { checksRun, isSoftLockup, setWatchdogBudget, takeLockups, touchWatchdog, WATCHDOG_BUDGET } from '../exec/watchdog.js';
import { watchdogTransformer } from './instrument.js';
import { evaluateModuleFile } from './sandbox.js';

/** `source` compiled with the checks and run in the sandbox; its exports. */
function load(source: string): Record<string, (...args: unknown[]) => unknown> & { n?: number } {
  const code = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
    transformers: { before: [watchdogTransformer(ts)] },
  }).outputText;
  return evaluateModuleFile(code, 'checked.js', () => undefined, { file: 'checked.js' }) as never;
}

/** What `f()` threw (undefined if it returned). */
function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

const SPIN = 'export let n = 0; export function spin() { n = 0; for (;;) n++; } export function strict() { return (function (this: unknown) { return this; })(); }';

afterEach(() => {
  setWatchdogBudget(WATCHDOG_BUDGET);
  touchWatchdog(null);
  takeLockups();
});

describe('the compiled-in checks', () => {
  it('stop a loop at the check that spends the budget, on every run, and count every check', () => {
    setWatchdogBudget(1_000);
    const m = load(SPIN);
    for (let run = 0; run < 3; run++) {
      touchWatchdog(null);
      const before = checksRun();
      expect(isSoftLockup(thrown(() => m.spin!()))).toBe(true);
      // spin's entry, then one check an iteration: the 1,001st check (budget -1) trips before n++.
      expect(m.n).toBe(1_000 - 1);
      expect(checksRun() - before).toBe(1_000 + 1);
      expect(takeLockups().map((r) => r.fn)).toEqual(['spin']);
    }
  });

  it('throw at every later check until a touch, with one report; the file stays strict', () => {
    setWatchdogBudget(100);
    const m = load(SPIN);
    touchWatchdog(null);
    expect(() => m.spin!()).toThrow(/soft lockup/);
    expect(() => m.strict!()).toThrow(/soft lockup/);
    expect(takeLockups()).toHaveLength(1);
    touchWatchdog(null);
    expect(m.strict!()).toBeUndefined(); // runs again, in strict mode (`this` is undefined)
    expect(takeLockups()).toEqual([]);
  });

  it('stop code that catches the error and loops on, and recursion without a loop', () => {
    setWatchdogBudget(10_000);
    const m = load(
      [
        'export function swallow() { while (true) { try { for (;;) {} } catch { /* carry on */ } } }',
        'export function retry(): void { for (;;) { try { retry(); } catch { continue; } finally { /* again */ } } }',
        'export function tree(d: number): number { return d === 0 ? 1 : tree(d - 1) + tree(d - 1); }', // 2^40 calls
      ].join('\n'),
    );
    for (const [name, args] of [['swallow', []], ['retry', []], ['tree', [40]]] as const) {
      touchWatchdog(null);
      const e = thrown(() => m[name]!(...args));
      expect(isSoftLockup(e) ? e.report.fn : e).toBe(name);
      expect(takeLockups()).toHaveLength(1);
    }
  });
});
