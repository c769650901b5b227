// What modinfo shows of a module's state: small snapshots whole, large ones
// cut short with their length, so one line stays readable; and what insmod,
// lsmod, modinfo and revert show of the updates kept for a module.

import { describe, expect, it } from 'vitest';
import { historyReport } from '../api/data.js';
import { validate } from '../api/schemas.js';
import { ConsoleSession } from './console.js';
import { stateText } from './module-commands.js';
import { runScript } from './script.js';

describe('modinfo state text', () => {
  it('shows a small state whole and cuts a large one, giving its length', () => {
    expect(stateText({ a: 1, b: [1, 2] })).toBe('{"a":1,"b":[1,2]}');
    const big = { xs: Array.from({ length: 200 }, (_, i) => i) };
    const t = stateText(big);
    expect(t.length).toBeLessThan(300);
    expect(t).toMatch(new RegExp(`\\.\\.\\. \\(${JSON.stringify(big).length} characters\\)$`));
  });
});

describe('insmod, lsmod, modinfo and revert with updates kept for a module not loaded', () => {
  const session = async (script: string) => {
    const lines: string[] = [];
    const errors: string[] = [];
    const s = ConsoleSession.boot({ seed: 1 }, (l) => lines.push(l));
    const ok = await runScript(s, script, { source: 't', echo: false, printErr: (l) => errors.push(l) });
    return { s, lines, errors, ok };
  };

  it('a bare insmod NAME loads the version the kept update takes over from, and prints the committed line', async () => {
    const { s, lines, ok, errors } = await session('insmod kmsg@1.0.0\ninsmod blkdev@1.0.0\nupdate simplefs@1.1.0\nmodinfo simplefs\ninsmod simplefs\nlsmod');
    expect(errors).toEqual([]);
    expect(ok).toBe(true);
    expect(lines).toContain('kept:        update 1: simplefs 1.1.0, applied when simplefs is loaded');
    expect(lines).toContain('simplefs 1.1.0 loaded');
    expect(lines).toContain('update 2 committed: simplefs 1.0.0 -> 1.1.0 (update 1, kept for simplefs, applied while it loads)');
    expect(lines.find((l) => /^simplefs\s+1\.1\.0\s+-/.test(l))).toMatch(/catalog:simplefs@1\.1\.0\s+1\.0\.0 > 1\.1\.0\s+update 1: 1\.1\.0\s+-$/);
    expect(s.k.loader.require('simplefs').updateStack.map((x) => x.def.version)).toEqual(['1.0.0']);
  });

  it('a load the kept update cannot take over from is refused with EINVAL and what to load; revert drops the kept update', async () => {
    const { s, lines, ok, errors } = await session('insmod kmsg@1.0.0\ninsmod blkdev@1.0.0\nupdate simplefs@1.1.0\n! insmod simplefs@1.2.0\nrevert simplefs\ninsmod simplefs@1.2.0');
    expect(errors).toEqual([]);
    expect(ok).toBe(true);
    expect(lines).toContain(
      '  (failed as expected) EINVAL: update 1 is kept for simplefs and takes it to 1.1.0 from 1.0.0 only, not from 1.2.0: refusing to load simplefs 1.2.0 (insmod simplefs@1.0.0, or revert simplefs to drop update 1)',
    );
    expect(lines).toContain('revert 3: dropped the update kept for simplefs (1.1.0); nothing was loaded to undo');
    expect(s.k.loader.require('simplefs').def.version).toBe('1.2.0');
    expect(s.k.updates.history.map((r) => `${r.kind} ${r.strategy} ${r.outcome}`)).toEqual(['update deferred committed', 'update at-load refused', 'revert deferred committed']);
  });
});

describe('history --json with kept updates', () => {
  it('conforms to livemod.history/3: a kept update (from -), a load it refused, one it applied (at-load), a revert dropping it (to -)', async () => {
    const lines: string[] = [];
    const s = ConsoleSession.boot({ seed: 1 }, (l) => lines.push(l));
    expect(await runScript(s, 'insmod kmsg@1.0.0\ninsmod blkdev@1.0.0\nupdate simplefs@1.1.0\n! insmod simplefs@1.2.0\ninsmod simplefs\nrmmod simplefs\nrevert simplefs', { source: 't', echo: false, printErr: () => {} })).toBe(true);
    const doc = historyReport(s.k);
    expect(validate('livemod.history/3', doc)).toEqual([]);
    expect(doc.updates.map((u) => `${u.kind} ${u.strategy} ${u.outcome} ${u.modules.map((m) => `${m.from}->${m.to}`).join(',')}`)).toEqual([
      'update deferred committed -->1.1.0',
      'update at-load refused 1.2.0->1.1.0',
      'update at-load committed 1.0.0->1.1.0',
      'revert deferred committed 1.1.0->-',
    ]);
  });
});
