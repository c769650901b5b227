// The console on the object twin: the file commands and the workload work as
// on the procedural kernel; update, revert, history and lsobj drive its
// factories; every refused or aborted command leaves the objects, the
// releases and the machine exactly as they were, and the workload then
// verifies every byte.

import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeError } from './format.js';
import { ObjectConsoleSession } from './objects.js';
import { runScript } from './script.js';

function session(seed = 1) {
  const lines: string[] = [];
  const errors: string[] = [];
  const s = ObjectConsoleSession.boot({ seed }, (l) => lines.push(l));
  return { s, lines, errors, run: (text: string) => runScript(s, text, { source: 'test', echo: false, printErr: (l) => errors.push(l) }) };
}

/** What must not change when a command is refused. */
function fingerprint(s: ObjectConsoleSession) {
  return {
    objects: [...s.k.factories.values()].flatMap((f) => [...f.instances].map(([id, i]) => `${id}:${i.cls.name}@${i.cls.version}`)),
    releases: [...s.k.releases],
    trace: s.k.machine.traceHash(),
    now: s.k.now,
  };
}

describe('object twin console', () => {
  it('updates, lazily swaps, reverts and verifies the workload', async () => {
    const { s, lines, errors, run } = session();
    const ok = await run(`mount simplefs disk0 /mnt
workload start threads=3
tick 300k
update simplefs@1.1.0
update simplefs@1.2.0 --lazy
lsobj
revert simplefs
update blkdev@1.1.0
update blkdev@2.0.0
tick 200k
history
workload stop`);
    expect(errors).toEqual([]);
    expect(ok).toBe(true);
    expect(lines.some((l) => /^update 1 committed: simplefs 1\.0\.0 -> 1\.1\.0 \(Inode 1\.1\.0\): waited \d+ cycles/.test(l))).toBe(true);
    expect(lines.some((l) => /^update 2 committed: .* \d+ left to swap on their next call$/.test(l))).toBe(true);
    expect(lines.some((l) => /^Inode\s+1\.2\.0\s+1\s+\d+\s+\d+\s+1\.0\.0 1\.1\.0/.test(l))).toBe(true); // lsobj: lazy swaps pending
    expect(lines.some((l) => /finish-lazy .* instance\(s\) of an earlier lazy update swapped first/.test(l))).toBe(true);
    expect(lines.find((l) => l.startsWith('verified '))).toMatch(/^verified [1-9]\d* files, \d+ bytes: all correct$/);
    expect(lines.find((l) => l.startsWith('workload stopped'))).toMatch(/, 0 failed$/);
    expect(Object.fromEntries(s.k.releases)).toEqual({ blkdev: '2.0.0', simplefs: '1.1.0' });
    expect(s.k.ott.adaptorCount()).toBe(1); // Inode 1.1 calls BlockDevice 2.0 through interface 1
  });

  it('refuses bad input with the errno and what to do, and changes nothing', async () => {
    const { s, run } = session();
    expect(await run('mount simplefs disk0 /mnt\nwrite /mnt/a kept')).toBe(true);
    const before = fingerprint(s);
    const cases: [string, string][] = [
      ['update simplefs@1.2.0', 'EINVAL: Inode runs 1.0.0; a factory updates only from the version just before (N-1), and 1.2.0 follows 1.1.0 (update simplefs@1.1.0 first)'],
      ['update nosuch@1.0.0', "ENOENT: the object kernel has no component 'nosuch' (components: blkdev, simplefs)"],
      ['update simplefs@9.0.0', "ENOENT: simplefs has no release '9.0.0' (releases: 1.0.0, 1.1.0, 1.2.0, 2.0.0, 2.1.0, 3.0.0)"],
      ['update simplefs', "ENOENT: simplefs has no release '' (releases: 1.0.0, 1.1.0, 1.2.0, 2.0.0, 2.1.0, 3.0.0)"],
      ['update', 'EINVAL: update needs at least one NAME@VERSION (usage: update NAME@VERSION... [--lazy|--eager] [--nowait] [--timeout CYCLES|none] [--signal-after CYCLES] [--reverse-after CYCLES] [--dry-run])'],
      ['update simplefs@1.1.0 --lazy --eager', 'EINVAL: --lazy and --eager exclude each other'],
      ['update simplefs@1.1.0 --strategy module', 'EINVAL: update has no option --strategy (usage: update NAME@VERSION... [--lazy|--eager] [--nowait] [--timeout CYCLES|none] [--signal-after CYCLES] [--reverse-after CYCLES] [--dry-run])'],
      ['revert simplefs', 'EINVAL: nothing to revert: simplefs 1.0.0 was not reached by an update (history lists the updates)'],
      ['insmod kmsg', "EINVAL: unknown command 'insmod' (type 'help' for the list of commands)"],
      ['update blkdev@1.1.0 --timeout soon', "EINVAL: --timeout must be a whole number (like 250000, 250k or 1M), got 'soon'"],
    ];
    for (const [line, message] of cases) {
      let caught: unknown = null;
      try {
        await s.exec(line);
      } catch (e) {
        caught = e;
      }
      expect(caught, line).not.toBeNull();
      expect(describeError(caught), line).toBe(message);
      expect(fingerprint(s), line).toEqual(before);
    }
  });

  it('aborts a timed-out update with every object as it was', async () => {
    const { s, lines, run } = session();
    expect(await run('mount simplefs disk0 /mnt\nwrite /mnt/a still here\nfault disk0 hang 1')).toBe(true);
    s.k.spawnUser('reader', (sys) => sys.readFile('/mnt/a'));
    s.k.run(20_000);
    const objects = fingerprint(s).objects;
    expect(await run('! update simplefs@1.1.0 --timeout 100k\nhistory')).toBe(true);
    expect(lines.some((l) => /\(failed as expected\) ETIMEDOUT: update did not quiesce within 100000 cycles: the generation marker waits for thread \d+ \(reader\)/.test(l))).toBe(true);
    expect(fingerprint(s).objects).toEqual(objects);
    expect(s.k.releases.get('simplefs')).toBe('1.0.0');
    s.k.machine.disks[0]!.release();
    expect(await run('cat /mnt/a')).toBe(true);
    expect(lines.at(-1)).toBe('still here');
  });

  it('the binary opens the twin with --kernel objects and names a wrong kind', () => {
    const BIN = resolve(import.meta.dirname, '..', 'dist', 'cli', 'main.js');
    const ok = spawnSync(process.execPath, [BIN, 'run', '--kernel', 'objects', '-'], { input: 'mount simplefs disk0 /mnt\nwrite /mnt/x hi\ncat /mnt/x\nlsobj\n', encoding: 'utf8' });
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('\nhi\n');
    expect(ok.stdout).toMatch(/^Inode\s+1\.0\.0\s+1\s+2\s/m);
    const bad = spawnSync(process.execPath, [BIN, 'run', '--kernel', 'k42', '-'], { input: '', encoding: 'utf8', env: { ...process.env, LIVEMOD_DEBUG: '' } });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/EINVAL: --kernel must be one of modules, objects/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });
});
