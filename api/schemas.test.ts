// The schema checker must be able to fail: a report that lacks a field, has
// one too many, or holds the wrong type, version or value anywhere is named
// with its path. Each schema requires its own name in the `schema` field.

import { describe, expect, it } from 'vitest';
import { SCHEMAS, validate, type SchemaName } from './schemas.js';

const update = {
  id: 1, kind: 'update', modules: [{ name: 'simplefs', from: '1.0.0', to: '1.1.0' }], strategy: 'module', lazy: false, timeout: 5_000_000,
  outcome: 'committed', error: null, startedAt: 0, endedAt: 9000, waitCycles: 8000, heldCalls: 2, heldCycles: 300, stoppedCycles: 0,
  pauseWallUs: 12.5, syscallsDuring: 4, migrated: 0, pending: 0, signalAfter: null, reverseAfter: null, signalled: 0, forcedThreads: [], phases: [{ phase: 'plan', at: 0, cycles: 0, wallUs: 3.2, detail: '' }],
};
const history = { schema: 'livemod.history/3', updates: [update] };

describe('the schema checker', () => {
  it('accepts a conforming document', () => {
    expect(validate('livemod.history/3', history)).toEqual([]);
    expect(validate('livemod.history/3', { ...history, updates: [{ ...update, outcome: 'aborted', error: { errno: 'ETIMEDOUT', message: 'm', hint: null, text: 'ETIMEDOUT: m' } }] })).toEqual([]);
  });

  it('names every violation with its path', () => {
    const { phases: _, ...noPhases } = update;
    expect(validate('livemod.history/3', { ...history, updates: [noPhases] })).toEqual(['$.updates[0]: lacks phases']);
    expect(validate('livemod.history/3', { ...history, extra: 1 })).toEqual(['$: has no property extra in its schema']);
    expect(validate('livemod.history/3', { ...history, schema: 'livemod.history/1' })).toEqual(['$.schema: must be "livemod.history/3", got "livemod.history/1"']);
    expect(validate('livemod.history/3', { ...history, updates: [{ ...update, waitCycles: 1.5 }] })).toEqual(['$.updates[0].waitCycles: must be integer, got 1.5']);
    expect(validate('livemod.history/3', { ...history, updates: [{ ...update, outcome: 'done' }] })).toEqual(['$.updates[0].outcome: must be one of "running", "committed", "aborted", "refused", "reversed", "forced", got "done"']);
    expect(validate('livemod.history/3', { ...history, updates: [{ ...update, error: 'EBUSY' }] })).toHaveLength(1);
    expect(validate('livemod.history/3', { ...history, updates: [{ ...update, modules: [{ name: 'x', from: 1, to: '2' }] }] })).toEqual(['$.updates[0].modules[0].from: must be string, got 1']);
    expect(validate('livemod.history/3', { ...history, updates: [{ ...update, pauseWallUs: Number.NaN }] })).toEqual(['$.updates[0].pauseWallUs: must be number, got NaN']);
    expect(validate('livemod.history/3', [])).toEqual(['$: must be object, got array']);
  });

  it('gives every report its own name as a constant', () => {
    for (const [name, schema] of Object.entries(SCHEMAS)) {
      expect(schema.title).toBe(name);
      expect(validate(name as SchemaName, { schema: 'livemod.other/1' }).some((l) => l.startsWith('$.schema: must be'))).toBe(true);
    }
  });
});
