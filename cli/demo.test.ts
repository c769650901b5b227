// The demo is the main job: it must apply every update in the histories
// live, with each strategy and a revert, lose nothing, and say so.

import { describe, expect, it } from 'vitest';
import { demo } from './demo.js';

describe('livemod demo', () => {
  it('applies every update in the histories live with each strategy and reverts, losing nothing', async () => {
    const lines: string[] = [];
    const r = await demo({ seed: 1, cpus: 4 }, (l) => lines.push(l));
    expect(r.ok).toBe(true);
    const committed = r.records.filter((x) => x.outcome === 'committed');
    expect(new Set(committed.map((x) => x.strategy))).toEqual(new Set(['per-task', 'module', 'stop-machine']));
    expect(committed.filter((x) => x.kind === 'revert')).toHaveLength(4);
    const reached = new Set(committed.flatMap((x) => x.modules.map((m) => `${m.name}@${m.to}`)));
    for (const v of ['blkdev@1.1.0', 'simplefs@1.1.0', 'simplefs@1.2.0', 'kmsg@2.0.0', 'blkdev@2.0.0', 'simplefs@2.0.0', 'simplefs@2.1.0', 'simplefs@2.2.0', 'simplefs@2.3.0']) expect(reached).toContain(v);
    // the interface change went through the adaptor, which went away with its last importer
    expect(lines.filter((l) => l === "      simplefs imports blk_submit@1 through blkdev 2.0.0's adaptor")).toHaveLength(2);
    expect(lines.filter((l) => l === '      blk_submit@1 has no importer left: its adaptor is gone, simplefs calls blk_submit@2 directly')).toHaveLength(2);
    expect(lines).toContain("      blk_submit@1 is blkdev 1.1.0's own export again, and simplefs is still bound to the same slot");
    expect(committed.some((x) => x.modules.map((m) => `${m.name}@${m.to}`).join(' ') === 'blkdev@2.0.0 simplefs@2.0.0')).toBe(true);
    // a grouped update with lazy migration, and the change that cannot be applied live
    expect(committed.some((x) => x.modules.length === 2 && x.lazy)).toBe(true);
    expect(r.refused).toEqual(['simplefs@3.0.0']);
    // Every update that did not stop the machine let the workload go on: syscalls completed while
    // it ran, if it lasted long enough for one to (the revert of kmsg, which no workload thread is
    // in, commits at its first check, 1 000 cycles in; whether a syscall ends in those depends on the seed).
    const running = committed.filter((c) => c.strategy !== 'stop-machine');
    for (const x of running.filter((c) => c.waitCycles >= 2_000)) expect(x.syscallsDuring, `update ${x.id}`).toBeGreaterThan(0);
    expect(running.filter((c) => c.waitCycles >= 2_000).length).toBeGreaterThanOrEqual(running.length - 1);
    expect(lines).toContain('failed or lost operations: 0');
    expect(lines.find((l) => l.startsWith('workload:') && l.includes('verified'))).toMatch(/, 0 failed; verified \d+ files, \d+ bytes, 0 wrong$/);
  });

  it('prints the same report for the same seed', async () => {
    const strip = (ls: string[]) => ls.map((l) => l.replace(/paused \d+ us/, 'paused - us')); // wall time varies
    const a: string[] = [];
    const b: string[] = [];
    await demo({ seed: 4 }, (l) => a.push(l));
    await demo({ seed: 4 }, (l) => b.push(l));
    expect(a.at(-1)).toBe(b.at(-1)); // same modules, same trace hash
    expect(a.filter((l) => l.startsWith('workload:'))).toEqual(b.filter((l) => l.startsWith('workload:')));
    expect(strip(a).filter((l) => l.startsWith('['))).toEqual(strip(b).filter((l) => l.startsWith('[')));
  });
});
