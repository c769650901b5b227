// Small module versions for the tests of callbacks, system states, deferred
// targets and replace (test code only; the shipped histories have none of
// these). `cb` exports one plain function saying which version runs and
// one that sleeps, so a test can hold a thread inside it; every callback,
// init and exit appends a line to the log the test passes in.

import type { CallbackContext, Callbacks, ModuleDef, SystemStateDecl } from '../kernel/module.js';
import type { KGen } from '../exec/thread.js';

export type Log = string[];

/** Callbacks that log `VERSION which from->to life`, with `extra` run inside the named ones. */
export function loggingCallbacks(log: Log, extra: Partial<Record<keyof Callbacks, (c: CallbackContext) => void>> = {}): Callbacks {
  const one = (which: keyof Callbacks) => (c: CallbackContext) => {
    log.push(`${c.module} ${c.version} ${which} ${c.from}->${c.to} ${c.life}`);
    extra[which]?.(c);
  };
  return { prePatch: one('prePatch'), postPatch: one('postPatch'), preUnpatch: one('preUnpatch'), postUnpatch: one('postUnpatch') };
}

export interface VersionOptions {
  readonly name?: string;
  readonly from?: readonly string[];
  readonly to?: readonly string[];
  readonly callbacks?: Callbacks;
  readonly states?: readonly SystemStateDecl[];
}

/** A version of `cb` (or `opts.name`): `which()` returns `NAME VERSION`; `nap()` sleeps for a long time inside it. */
export function cbVersion(log: Log, version: string, opts: VersionOptions = {}): ModuleDef {
  const name = opts.name ?? 'cb';
  const label = `${name} ${version}`;
  return {
    name,
    version,
    description: `test module ${label}`,
    exports: {
      [`${name}_which`]: { version: 1, fn: () => label },
      [`${name}_nap`]: {
        version: 1,
        fn: function* (m: { k: { sleep(c: number): KGen<void> } }): KGen<string> {
          yield* m.k.sleep(50_000_000);
          return label;
        },
      },
    },
    init: () => {
      log.push(`${label} init`);
    },
    exit: () => {
      log.push(`${label} exit`);
    },
    ...(opts.from ? { upgrade: { from: opts.from } } : {}),
    ...(opts.to ? { downgrade: { to: opts.to } } : {}),
    ...(opts.callbacks ? { callbacks: opts.callbacks } : {}),
    ...(opts.states ? { states: opts.states } : {}),
  };
}
