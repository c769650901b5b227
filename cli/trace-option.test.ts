// `--trace FILE` as a user gives it to the built binary: a script's run is
// written as a trace of the kernel it ran on, and a path whose directory is
// missing is refused before anything runs. (`npm test` builds dist/ first.)

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TraceFile } from '../trace/format.js';

const BIN = resolve(import.meta.dirname, '..', 'dist', 'cli', 'main.js');
const livemod = (args: string[], input?: string) => spawnSync(process.execPath, [BIN, ...args], { input, encoding: 'utf8', env: { ...process.env, LIVEMOD_DEBUG: '' } });

const WORK = 'mount simplefs disk0 /mnt\nwrite /mnt/x hi\nupdate simplefs@1.1.0\ncat /mnt/x\n';
const SCRIPTS = { modules: `insmod blkdev@1.0.0\ninsmod simplefs@1.0.0\n${WORK}`, objects: WORK };

describe('--trace', () => {
  it('writes the run of a script as a trace of the kernel it ran on', () => {
    const dir = mkdtempSync(join(tmpdir(), 'livemod-trace-'));
    for (const kernel of ['modules', 'objects'] as const) {
      const file = join(dir, `${kernel}.json`);
      const r = livemod(['--cpus', '2', 'run', '-q', '--kernel', kernel, '--trace', file, '-'], SCRIPTS[kernel]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(`trace written to ${file}`);
      const trace = JSON.parse(readFileSync(file, 'utf8')) as TraceFile;
      const names = trace.traceEvents.filter((e) => e.name === 'process_name').map((e) => e.args!.name);
      expect(names).toEqual([kernel === 'modules' ? 'procedural kernel (modules, stubs): seed 1, 2 CPUs' : 'object twin (K42 objects, object table): seed 1, 2 CPUs']);
      const slices = (cat: string) => trace.traceEvents.filter((e) => e.cat === cat).map((e) => e.name);
      expect(slices('syscall')).toContain('write');
      expect(slices('update')).toEqual([expect.stringMatching(/^update 1: simplefs 1\.0\.0 -> 1\.1\.0 .* committed$/)]);
      expect(slices('update-phase')).toContain('commit');
    }
  });

  it('refuses a path in a missing directory before the run, naming the errno', () => {
    const r = livemod(['demo', '--trace', '/no/such/dir/t.json']);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe('livemod: ENOENT: cannot write /no/such/dir/t.json: no directory /no/such/dir (create the directory or give another path)');
    expect(r.stdout).toBe('');
  });
});
