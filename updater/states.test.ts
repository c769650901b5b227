// System-state versions (klp_state): an update that would lose a state the
// running stack has, or lower its version, is refused with EINVAL naming
// the state and changes nothing; the same or a higher version goes; a new
// version's callbacks take over the previous version's data (prevState),
// and a revert finds the data of the version it goes back to as it was.

import { describe, expect, it } from 'vitest';
import { bootKernel } from '../kernel/kernel.js';
import type { CallbackContext, ModuleDef } from '../kernel/module.js';
import { cbVersion, type Log } from './testmodules.js';
import { Updater } from './updater.js';

const v = (def: ModuleDef) => ({ def, source: 'test' });

function machine() {
  const log: Log = [];
  const k = bootKernel({ seed: 4 });
  k.loader.insmod(cbVersion(log, '1.0.0'), {}, 'test');
  return { k, u: new Updater(k), log };
}

/** 1.1.0 changes the console state (version 1) and keeps what it changed in the state's data. */
const v11 = (log: Log) =>
  cbVersion(log, '1.1.0', {
    from: ['1.0.0'],
    to: ['1.0.0'],
    states: [{ id: 'console', version: 1 }],
    callbacks: {
      prePatch: (c: CallbackContext) => {
        c.state('console')!.data = { saved: 7 };
      },
    },
  });

describe('an update must keep every system state of the running stack', () => {
  it('a version without the state is refused with EINVAL naming it, and nothing changes', () => {
    const { k, u, log } = machine();
    u.run([v(v11(log))]);
    const def = k.loader.require('cb').def;
    const image = k.store.image('cb');
    expect(() => u.run([v(cbVersion(log, '1.2.0', { from: ['1.1.0'] }))])).toThrow("cb 1.2.0 does not declare system state 'console', which cb 1.1.0 changed (version 1)");
    expect(k.updates.history.at(-1)!.error?.errno).toBe('EINVAL');
    expect(k.loader.require('cb').def).toBe(def);
    expect(k.store.image('cb')).toBe(image);
  });

  it('a lower version of the state is refused, naming it; the same or a higher one goes', () => {
    const { k, u, log } = machine();
    u.run([v(cbVersion(log, '1.1.0', { from: ['1.0.0'], states: [{ id: 'console', version: 2 }] }))]);
    expect(() => u.run([v(cbVersion(log, '1.2.0', { from: ['1.1.0'], states: [{ id: 'console', version: 1 }] }))])).toThrow("cb 1.2.0 has system state 'console' at version 1, lower than version 2 of cb 1.1.0");
    u.run([v(cbVersion(log, '1.2.0', { from: ['1.1.0'], states: [{ id: 'console', version: 2 }, { id: 'other', version: 1 }] }))]);
    u.run([v(cbVersion(log, '1.3.0', { from: ['1.2.0'], states: [{ id: 'console', version: 3 }, { id: 'other', version: 1 }] }))]);
    expect(k.loader.require('cb').def.version).toBe('1.3.0');
  });

  it('a state below the running version counts too, and a revert is never checked', () => {
    const { k, u, log } = machine();
    u.run([v(v11(log))]);
    expect(() => u.plan([v(cbVersion(log, '1.2.0', { from: ['1.1.0'] }))])).toThrow(/does not declare system state 'console'/);
    u.revert('cb');
    expect(k.loader.require('cb').def.version).toBe('1.0.0');
  });

  it("the next version's prePatch takes over the previous version's data; a revert finds it as it was", () => {
    const { k, u, log } = machine();
    u.run([v(v11(log))]);
    const seen: unknown[] = [];
    const v12 = cbVersion(log, '1.2.0', {
      from: ['1.1.0'],
      to: ['1.1.0'],
      states: [{ id: 'console', version: 2 }],
      callbacks: {
        prePatch: (c) => {
          const prev = c.prevState('console')!;
          seen.push({ prev: prev.version, data: prev.data, own: c.state('console')!.version });
          c.state('console')!.data = { ...(prev.data as object), by: '1.2.0' };
        },
        postUnpatch: (c) => {
          seen.push({ back: c.prevState('console')!.data });
        },
      },
    });
    u.run([v(v12)]);
    expect(k.systemStates.of(v12).get('console')!.data).toEqual({ saved: 7, by: '1.2.0' });
    u.revert('cb');
    expect(seen).toEqual([{ prev: 1, data: { saved: 7 }, own: 2 }, { back: { saved: 7 } }]);
  });

  it('insmod refuses a malformed states list', () => {
    const k = bootKernel({ seed: 4 });
    const log: Log = [];
    expect(() => k.loader.insmod({ ...cbVersion(log, '1.0.0'), states: [{ id: 'a', version: 0 }] })).toThrow(/each of states needs \{ id: non-empty string, version: integer >= 1 \}/);
    expect(() => k.loader.insmod({ ...cbVersion(log, '1.0.0'), states: [{ id: 'a', version: 1 }, { id: 'a', version: 2 }] })).toThrow(/state a is declared twice/);
  });
});
