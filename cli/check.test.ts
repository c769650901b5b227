// `livemod check` as a user runs it (the built binary, worker threads and
// all): the text report with Hayden's comparison, the JSON report, a replay
// of one point, and bad arguments refused with the errno and no stack trace.

import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = resolve(import.meta.dirname, '..', 'dist', 'cli', 'main.js');
const SMALL = ['--threads', '2', '--files', '3', '--ops', '5', '--boot', 'kmsg@1.0.0,blkdev@2.0.0,simplefs@1.0.0'];

function livemod(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, LIVEMOD_DEBUG: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('livemod check', () => {
  it('prints points, classes and a row per strategy, over two worker threads', () => {
    const r = livemod(['--seed', '2', '--cpus', '2', 'check', 'simplefs@1.1.0', ...SMALL, '--workers', '2']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^check simplefs@1\.1\.0: booted kmsg@1\.0\.0 blkdev@2\.0\.0 simplefs@1\.0\.0; seed 2, 2 CPUs; 2 threads x 5 operations$/m);
    expect(r.stdout).toMatch(/^ {2}\d+ update points, \d+ classes \(\d+% fewer runs than points\); \d+ point\(s\) run per strategy/m);
    for (const s of ['module', 'per-task', 'stop-machine', 'unsafe \\(control\\)']) expect(r.stdout).toMatch(new RegExp(`^  ${s} +0 / \\d+ `, 'm'));
  });

  it('gives the same report as JSON, in one worker or two, and replays a point alone', () => {
    const one = livemod(['--cpus', '2', 'check', 'simplefs@1.1.0', ...SMALL, '--strategy', 'module', '--json', '--workers', '1']);
    const two = livemod(['--cpus', '2', 'check', 'simplefs@1.1.0', ...SMALL, '--strategy', 'module', '--json', '--workers', '2']);
    expect(one.code).toBe(0);
    const a = JSON.parse(one.stdout);
    const b = JSON.parse(two.stdout);
    expect(a.schema).toBe('livemod.check/1');
    delete a.wallMs;
    delete b.wallMs;
    expect(b).toEqual(a);
    expect(a.strategies[0].runs).toBe(a.classes);
    const replay = livemod(['--cpus', '2', 'check', 'simplefs@1.1.0', ...SMALL, '--strategy', 'module', '--json', '--point', '40']);
    const p = JSON.parse(replay.stdout);
    expect(p.pointsRun).toBe(1);
    expect(p.strategies[0].committed).toBe(1);
  });

  it('refuses bad arguments with the errno and no stack trace (exit 2 for a wrong command line)', () => {
    for (const [args, message, code] of [
      [['check'], /EINVAL: check needs an update \(NAME@VERSION\.\.\.\) or --histories/, 2],
      [['check', 'simplefs@1.1.0', '--strategy', 'fast'], /EINVAL: --strategy must be one of module, per-task, stop-machine, unsafe or all, got 'fast'/, 2],
      [['check', 'simplefs@1.1.0', '--histories'], /EINVAL: name updates or give --histories, not both/, 2],
      [['check', 'nosuch@1.0.0'], /ENOENT/, 1],
    ] as const) {
      const r = livemod([...args]);
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
