// The watchdog's checks as compiled into a file: each file counts its checks
// in a variable of its own and draws the budget in grants, so the checks run
// between two touches are the budget plus at most one grant left over; a
// spent budget trips once (one report) and every later check throws until a
// touch; the file's "use strict" stays in force.

import ts from 'typescript';
import { afterEach, describe, expect, it } from 'vitest';
import { isSoftLockup, setWatchdogBudget, takeLockups, touchWatchdog, WATCHDOG_BUDGET, WATCHDOG_GRANT } from '../exec/watchdog.js';
import { watchdogTransformer } from './instrument.js';
import { evaluateModuleFile } from './sandbox.js';

/** `source` compiled with the checks and run in the sandbox; its exports. */
function load(source: string): Record<string, unknown> {
  const code = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
    transformers: { before: [watchdogTransformer(ts)] },
  }).outputText;
  return evaluateModuleFile(code, 'counted.js', () => undefined, { file: 'counted.js' });
}

/** Iterations of a loop that never ends before its check trips. */
const SPIN = 'export let n = 0; export function spin() { n = 0; for (;;) n++; } export function strict() { return (function (this: unknown) { return this; })(); }';

afterEach(() => {
  setWatchdogBudget(WATCHDOG_BUDGET);
  touchWatchdog(null);
  takeLockups();
});

describe('a file’s own count of checks', () => {
  it('stops a loop after the budget, plus less than one grant left over from before the touch', () => {
    setWatchdogBudget(5 * WATCHDOG_GRANT + 7);
    const m = load(SPIN);
    const spin = m.spin as () => void;
    for (let round = 0; round < 3; round++) {
      touchWatchdog(null);
      let caught: unknown;
      try {
        spin();
      } catch (e) {
        caught = e;
      }
      expect(isSoftLockup(caught)).toBe(true);
      const n = m.n as number; // checks in the loop (the entry check of spin is one more)
      expect(n + 1).toBeGreaterThanOrEqual(5 * WATCHDOG_GRANT + 7);
      expect(n + 1).toBeLessThan(5 * WATCHDOG_GRANT + 7 + WATCHDOG_GRANT);
      expect(takeLockups().map((r) => r.fn)).toEqual(['spin']); // one report per trip, naming the function
    }
  });

  it('throws at every later check until a touch, without another report', () => {
    setWatchdogBudget(100);
    const m = load(SPIN);
    touchWatchdog(null);
    expect(() => (m.spin as () => void)()).toThrow(/soft lockup/);
    expect(() => (m.strict as () => unknown)()).toThrow(/soft lockup/);
    expect(takeLockups()).toHaveLength(1);
    touchWatchdog(null);
    expect((m.strict as () => unknown)()).toBeUndefined(); // runs again, and in strict mode (`this` is undefined)
    expect(takeLockups()).toEqual([]);
  });
});
