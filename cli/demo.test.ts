// The demo is the main job: it must apply every update in the histories
// live, with each strategy and a revert, lose nothing, and say so.

import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validate } from '../api/schemas.js';
import { demo, type DemoReport } from './demo.js';

const BIN = resolve(import.meta.dirname, '..', 'dist', 'cli', 'main.js');

describe('livemod demo', () => {
  const lines: string[] = [];
  let r: DemoReport;

  it('applies every update in the histories live with each strategy and reverts, losing nothing', async () => {
    r = await demo({ seed: 1, cpus: 4 }, (l) => lines.push(l));
    expect(r.ok).toBe(true);
    const committed = r.steps.flatMap((x) => (x.update?.outcome === 'committed' ? [x.update] : []));
    expect(new Set(committed.map((x) => x.strategy))).toEqual(new Set(['per-task', 'module', 'stop-machine']));
    expect(committed.filter((x) => x.kind === 'revert')).toHaveLength(5);
    const reached = new Set(committed.flatMap((x) => x.modules.map((m) => `${m.name}@${m.to}`)));
    for (const v of ['blkdev@1.1.0', 'simplefs@1.1.0', 'simplefs@1.2.0', 'kmsg@2.0.0', 'blkdev@2.0.0', 'simplefs@2.0.0', 'simplefs@2.0.1', 'simplefs@2.1.0', 'simplefs@2.2.0', 'simplefs@2.3.0']) expect(reached).toContain(v);
    // the interface change went through the adaptor, which went away with its last importer
    expect(lines.filter((l) => l === "      simplefs imports blk_submit@1 through blkdev 2.0.0's adaptor")).toHaveLength(2);
    expect(lines.filter((l) => l === '      blk_submit@1 has no importer left: its adaptor is gone, simplefs calls blk_submit@2 directly')).toHaveLength(2);
    expect(lines).toContain("      blk_submit@1 is blkdev 1.1.0's own export again, and simplefs is still bound to the same slot");
    expect(committed.some((x) => x.modules.map((m) => `${m.name}@${m.to}`).join(' ') === 'blkdev@2.0.0 simplefs@2.0.0')).toBe(true);
    // times added through a shadow variable, none left after its revert's downgrade.init freed them
    expect(lines.some((l) => /^ {6}inodes with a shadow before the revert: [1-9]\d* of \d+; inode records at schema 1$/.test(l))).toBe(true);
    expect(lines.some((l) => /^ {6}inodes with a shadow after it: 0 of \d+; inode records at schema 1$/.test(l))).toBe(true);
    // a grouped update with lazy migration, and the change that cannot be applied live
    expect(committed.some((x) => x.modules.length === 2 && x.lazy)).toBe(true);
    expect(r.steps.filter((x) => x.outcome === 'refused').map((x) => x.spec)).toEqual(['simplefs@3.0.0']);
    // Every update that did not stop the machine let the workload go on: syscalls completed while
    // it ran, if it lasted long enough for one to (the revert of kmsg, which no workload thread is
    // in, commits at its first check, 1 000 cycles in; whether a syscall ends in those depends on the seed).
    const running = committed.filter((c) => c.strategy !== 'stop-machine');
    for (const x of running.filter((c) => c.waitCycles >= 2_000)) expect(x.syscallsDuring, `update ${x.id}`).toBeGreaterThan(0);
    expect(running.filter((c) => c.waitCycles >= 2_000).length).toBeGreaterThanOrEqual(running.length - 1);
    expect(lines).toContain('failed or lost operations: 0');
    expect(lines.find((l) => l.startsWith('workload:') && l.includes('verified'))).toMatch(/, 0 failed; verified \d+ files, \d+ bytes, 0 wrong$/);
  });

  it('prints its report from its document, which conforms to livemod.demo/1', () => {
    const doc = JSON.parse(JSON.stringify(r)) as DemoReport;
    expect(doc).toEqual(r); // plain data
    expect(validate('livemod.demo/1', doc)).toEqual([]);
    // The table: one row per update record, then the refusals; every cell is the document's figure.
    const head = lines.findIndex((l) => l.startsWith('#   update'));
    const rows = lines.slice(head + 1, lines.indexOf('', head)).map((l) => l.split(/\s{2,}/));
    const records = doc.steps.flatMap((s) => (s.update ? [s.update] : []));
    const refused = doc.steps.filter((s) => s.outcome === 'refused');
    expect(rows).toHaveLength(records.length + refused.length);
    records.forEach((u, i) => {
      const changes = u.modules.map((m) => `${m.name} ${m.from}->${m.to}`).join(', ');
      expect(rows[i]).toEqual([String(u.id), `${u.kind === 'revert' ? 'revert ' : ''}${changes}`, u.strategy, u.outcome, String(u.waitCycles), String(u.heldCalls), String(u.stoppedCycles), u.pauseWallUs.toFixed(0), String(u.syscallsDuring)]);
    });
    expect(rows.slice(records.length).map((row) => row[1])).toEqual(refused.map((s) => s.spec.replace(/@/g, ' ')));
    // Each step's line, and the totals.
    for (const s of doc.steps.filter((x) => x.update?.outcome === 'committed')) {
      expect(lines).toContain(`[${s.n}/${doc.steps.length}] ${s.what}: ${s.update!.modules.map((m) => `${m.name} ${m.from} -> ${m.to}`).join(', ')} (${s.update!.strategy}) committed after ${s.update!.waitCycles} cycles, paused ${s.update!.pauseWallUs.toFixed(0)} us, ${s.update!.syscallsDuring} syscalls ran meanwhile`);
    }
    const v = doc.workload.verified!;
    expect(lines).toContain(`workload: ${doc.workload.ops} operations, ${doc.workload.failed} failed; verified ${v.files} files, ${v.bytes} bytes, ${v.mismatches.length} wrong`);
    expect(lines).toContain(`failed or lost operations: ${doc.lost}`);
    expect(lines.at(-1)).toBe(`running now: ${Object.entries(doc.running).map(([n, ver]) => `${n} ${ver}`).join(', ')}; trace ${doc.trace}`);
  });

  it('--json prints the document alone, with the same run as the text', () => {
    const p = spawnSync(process.execPath, [BIN, 'demo', '--json'], { encoding: 'utf8' });
    expect(p.status).toBe(0);
    const doc = JSON.parse(p.stdout) as DemoReport;
    expect(validate('livemod.demo/1', doc)).toEqual([]);
    expect(doc.trace).toBe(r.trace);
    expect(doc.steps.map((s) => [s.outcome, s.update?.waitCycles])).toEqual(r.steps.map((s) => [s.outcome, s.update?.waitCycles]));
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
