// The console's results as data, on both kernels: `stat --json` and
// `history --json` print one document that conforms to its schema, the text
// of `stat` is that document's, and `run --json` gives one entry per command
// with its output, its data and how it went, stopping where the text run
// stops.

import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HistoryReport, StatReport } from '../api/data.js';
import { validate } from '../api/schemas.js';
import { ConsoleSession } from './console.js';
import { statLines } from './machine-commands.js';
import { ObjectConsoleSession } from './objects.js';
import { type RunEntry, runScript } from './script.js';

const BIN = resolve(import.meta.dirname, '..', 'dist', 'cli', 'main.js');

const SESSIONS = {
  modules: { boot: (print: (l: string) => void) => ConsoleSession.boot({ seed: 4, cpus: 2 }, print), setup: 'insmod blkdev@1.0.0\ninsmod simplefs@1.0.0\nmount simplefs disk0 /mnt' },
  objects: { boot: (print: (l: string) => void) => ObjectConsoleSession.boot({ seed: 4, cpus: 2 }, print), setup: 'mount simplefs disk0 /mnt' },
};

describe('the console as data', () => {
  for (const [kernel, { boot, setup }] of Object.entries(SESSIONS)) {
    it(`stat and history have JSON forms on the ${kernel} kernel, and stat's text is its document's`, async () => {
      const lines: string[] = [];
      const errors: string[] = [];
      const s = boot((l) => lines.push(l));
      const script = `${setup}\nworkload start threads=2 files=2\ntick 200k\nupdate simplefs@1.1.0\nrevert simplefs\nstat\nstat --json\nhistory --json`;
      expect(await runScript(s, script, { source: 'test', echo: false, printErr: (l) => errors.push(l) })).toBe(true);
      expect(errors).toEqual([]);
      const stat = JSON.parse(lines.at(-2)!) as StatReport;
      const history = JSON.parse(lines.at(-1)!) as HistoryReport;
      expect(validate('livemod.stat/2', stat)).toEqual([]);
      expect(validate('livemod.history/3', history)).toEqual([]);
      expect(stat.kernel).toBe(kernel);
      const text = statLines(stat);
      expect(lines.slice(-2 - text.length, -2)).toEqual(text);
      expect(history.updates.map((u) => [u.kind, u.outcome])).toEqual([['update', 'committed'], ['revert', 'committed']]);
    });
  }

  it('run --json gives each command its output, data and status, and stops at the first line that goes wrong', async () => {
    const printed: string[] = [];
    const entries: RunEntry[] = [];
    const errors: string[] = [];
    const s = ConsoleSession.boot({ seed: 2 }, (l) => printed.push(l));
    const script = `${SESSIONS.modules.setup}\n# a comment\nworkload start threads=1 files=1\n! rmmod blkdev\nupdate blkdev@1.1.0\ntick 10k\nhistory\ncat /mnt/none\necho not reached`;
    const ok = await runScript(s, script, { source: 'test', echo: true, printErr: (l) => errors.push(l), json: (e) => entries.push(e) });
    expect(ok).toBe(false);
    expect(printed).toEqual([]); // every line went into an entry
    expect(errors).toEqual(['test:10: ENOENT: none does not exist']);
    for (const e of entries) expect(validate('livemod.run/1', JSON.parse(JSON.stringify(e)))).toEqual([]);
    expect(entries.map((e) => [e.line, e.command, e.status])).toEqual([
      [1, 'insmod blkdev@1.0.0', 'ok'],
      [2, 'insmod simplefs@1.0.0', 'ok'],
      [3, 'mount simplefs disk0 /mnt', 'ok'],
      [5, 'workload start threads=1 files=1', 'ok'],
      [6, 'rmmod blkdev', 'failed as expected'],
      [7, 'update blkdev@1.1.0', 'ok'],
      [8, 'tick 10k', 'ok'],
      [9, 'history', 'ok'],
      [10, 'cat /mnt/none', 'failed'],
    ]);
    const [, , , workload, rmmod, update, tick, history, cat] = entries;
    expect((workload!.data as { running: boolean }).running).toBe(true);
    expect(rmmod!.error?.errno).toBe('EBUSY');
    expect(rmmod!.mustFail).toBe(true);
    expect(update!.data).toMatchObject({ kind: 'update', outcome: 'committed', modules: [{ name: 'blkdev', from: '1.0.0', to: '1.1.0' }] });
    expect(update!.output.at(-1)).toMatch(/^update 1 committed: blkdev 1\.0\.0 -> 1\.1\.0/);
    expect(update!.output.some((l) => l.includes('[update 1] commit'))).toBe(true); // the live progress lines too
    expect(tick!.output).toEqual([`t=${(tick!.data as { now: number }).now}`]);
    expect(validate('livemod.history/3', history!.data)).toEqual([]);
    expect(history!.output[0]).toMatch(/^update 1: blkdev 1\.0\.0 -> 1\.1\.0/);
    expect(cat!.error).toEqual({ errno: 'ENOENT', message: 'none does not exist', hint: null, text: 'ENOENT: none does not exist' });
    expect('data' in cat!).toBe(false);
  });

  it('livemod run --json prints one JSON line per command and exits 1 on a line that should have failed', () => {
    const r = spawnSync(process.execPath, [BIN, 'run', '--json', '--kernel', 'objects', '-'], { input: 'mount simplefs disk0 /mnt\nwrite /mnt/a hi\n! cat /mnt/a\n', encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe("-:3: expected 'cat /mnt/a' to fail, but it succeeded");
    const entries = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as RunEntry);
    expect(entries.map((e) => e.status)).toEqual(['ok', 'ok', 'succeeded unexpectedly']);
    expect(entries[2]!.output).toEqual(['hi']);
  });
});
