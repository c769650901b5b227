// Model-based property test of kept (deferred) updates, replace and the
// callbacks around them: random sequences of update (to the next version),
// update --replace, insmod, rmmod and revert of one module whose versions
// form a chain, against a small model of what is loaded, its update stack
// and the updates kept for it. After every step the kernel must agree with
// the model, and the callbacks must balance: every version patched in is
// unpatched exactly once when it goes (by revert or rmmod), except the
// versions a replace took over, whose callbacks livepatch never runs. The
// property prints its seed; replay with LIVEMOD_PROP_SEED.

import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { bootKernel } from '../kernel/kernel.js';
import type { ModuleDef } from '../kernel/module.js';
import { cbVersion, type Log, loggingCallbacks } from '../updater/testmodules.js';
import { Updater } from '../updater/updater.js';
import { checkCoverage, propParams } from './seed.js';

const CHAIN = ['1.0.0', '1.1.0', '1.2.0', '1.3.0'];
const REPLACING = '9.0.0';
type Op = 'update' | 'replace' | 'insmod' | 'rmmod' | 'revert';

interface Model {
  loaded: { version: string; stack: string[] } | null;
  kept: string[];
  /** Per version: prePatch runs not matched by a postUnpatch because a replace took the version over. */
  replaced: Map<string, number>;
}

const nextOf = (v: string) => (CHAIN.includes(v) ? CHAIN[CHAIN.indexOf(v) + 1] : undefined);

function versions(log: Log): Map<string, ModuleDef> {
  const out = new Map<string, ModuleDef>();
  CHAIN.forEach((v, i) => out.set(v, cbVersion(log, v, i === 0 ? {} : { from: [CHAIN[i - 1]!], to: [CHAIN[i - 1]!], callbacks: loggingCallbacks(log) })));
  out.set(REPLACING, cbVersion(log, REPLACING, { from: CHAIN, to: ['1.0.0'], callbacks: loggingCallbacks(log) }));
  return out;
}

/** The versions patched in and not yet unpatched, by the model: those above the first loaded. */
function active(m: Model): string[] {
  return m.loaded && m.loaded.stack.length ? [...m.loaded.stack.slice(1), m.loaded.version] : [];
}

const runs = { steps: 0, applied: 0, goings: 0, replaces: 0, drops: 0 };

describe('kept updates, replace and callbacks against a model', () => {
  const ops = fc.array(fc.constantFrom<Op>('update', 'update', 'replace', 'insmod', 'insmod', 'rmmod', 'revert'), { minLength: 1, maxLength: 30 });
  test.prop({ ops }, propParams('kept updates model', 60))('the kernel agrees with the model after every step, and the callbacks balance', ({ ops }) => {
    const log: Log = [];
    const k = bootKernel({ seed: 11 });
    const u = new Updater(k);
    const defs = versions(log);
    const m: Model = { loaded: null, kept: [], replaced: new Map() };
    const v = (version: string) => ({ def: defs.get(version)!, source: 'test' });
    for (const op of ops) {
      runs.steps++;
      if (op === 'insmod') {
        if (m.loaded) continue;
        k.loader.insmod(defs.get('1.0.0')!, {}, 'test');
        if (m.kept.length) runs.applied++;
        m.loaded = { version: m.kept.at(-1) ?? '1.0.0', stack: m.kept.length ? ['1.0.0', ...m.kept.slice(0, -1)] : [] };
      } else if (op === 'rmmod') {
        if (!m.loaded) continue;
        k.loader.rmmod('cb');
        if (m.loaded.stack.length) runs.goings++;
        m.loaded = null;
      } else if (op === 'update') {
        const from = m.loaded ? m.loaded.version : (m.kept.at(-1) ?? '1.0.0');
        const to = nextOf(from);
        if (!to) continue;
        u.run([v(to)]);
        if (m.loaded) {
          m.loaded.stack.push(m.loaded.version);
          m.loaded.version = to;
        } else m.kept.push(to);
      } else if (op === 'replace') {
        if (m.loaded?.version === REPLACING || (!m.loaded && m.kept.at(-1) === REPLACING)) continue;
        u.run([v(REPLACING)], { replace: true });
        runs.replaces++;
        if (m.loaded) {
          for (const x of active(m)) m.replaced.set(x, (m.replaced.get(x) ?? 0) + 1);
          m.loaded.stack = m.loaded.stack.length ? [m.loaded.stack[0]!] : [m.loaded.version];
          m.loaded.version = REPLACING;
          if (m.kept.length) m.kept = [REPLACING];
        } else m.kept = [REPLACING];
      } else {
        if (m.loaded) {
          if (m.loaded.stack.length === 0) {
            expect(() => u.revert('cb')).toThrow(/nothing to revert/);
            continue;
          }
          u.revert('cb');
          if (m.kept.at(-1) === m.loaded.version) m.kept.pop();
          m.loaded.version = m.loaded.stack.pop()!;
        } else {
          if (m.kept.length === 0) {
            expect(() => u.revert('cb')).toThrow(/module cb is not loaded/);
            continue;
          }
          u.revert('cb');
          runs.drops++;
          m.kept.pop();
        }
      }
      const mod = k.loader.get('cb');
      expect(mod ? { version: mod.def.version, stack: mod.updateStack.map((x) => x.def.version) } : null).toEqual(m.loaded);
      expect(k.kept.of('cb').map((x) => x.version.def.version)).toEqual(m.kept);
      const count = (version: string, which: string) => log.filter((l) => l.startsWith(`cb ${version} ${which} `)).length;
      for (const version of [...CHAIN.slice(1), REPLACING]) {
        expect(count(version, 'prePatch'), `${version} prePatch/postPatch`).toBe(count(version, 'postPatch'));
        expect(count(version, 'preUnpatch'), `${version} preUnpatch/postUnpatch`).toBe(count(version, 'postUnpatch'));
        const open = count(version, 'prePatch') - count(version, 'postUnpatch') - (m.replaced.get(version) ?? 0);
        expect(open, `${version} patched in and not unpatched`).toBe(active(m).filter((x) => x === version).length);
      }
    }
    expect(k.stats.oopses).toBe(0);
  });

  test('the property exercised loads that applied kept updates, unloads with a stack, replaces and dropped kept updates', () => {
    console.log(`[props] kept updates: ${runs.steps} steps; ${runs.applied} loads applied kept updates, ${runs.goings} unloads with a stack, ${runs.replaces} replaces, ${runs.drops} kept updates dropped`);
    checkCoverage('kept updates model', Number(process.env.LIVEMOD_PROP_RUNS ?? 60), 60, [
      { what: 'loads that applied kept updates', count: runs.applied, moreThan: 15 },
      { what: 'unloads of a module with an update stack', count: runs.goings, moreThan: 5 },
      { what: 'replaces', count: runs.replaces, moreThan: 20 },
      { what: 'kept updates dropped by revert', count: runs.drops, moreThan: 5 },
    ]);
  });
});
