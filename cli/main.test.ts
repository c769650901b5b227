// The built `livemod` binary as a user runs it: exit codes (2 for a wrong
// command line, 1 for a failed run), --version, one-line errors
// with the errno and no stack trace, scripts from a file and from stdin.
// (`npm test` builds dist/ before running the tests.)

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = resolve(import.meta.dirname, '..', 'dist', 'cli', 'main.js');

function livemod(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { input, encoding: 'utf8', env: { ...process.env, LIVEMOD_DEBUG: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at |Error:/);

describe('livemod binary', () => {
  it('runs a script from standard input and exits 0', () => {
    const r = livemod(['--seed', '5', 'run', '-'], 'insmod blkdev\ninsmod simplefs\nmount simplefs disk0 /mnt\nwrite /mnt/x hi\ncat /mnt/x\n! rmmod blkdev\n');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('\nhi\n');
    expect(r.stdout).toContain('(failed as expected) EBUSY: module blkdev is in use by simplefs');
  });

  it('exits 1 with the failing line named when a script line fails', () => {
    const dir = mkdtempSync(join(tmpdir(), 'livemod-bin-'));
    const script = join(dir, 's.lm');
    writeFileSync(script, '# comment\ninsmod blkdev\ncat /mnt/nothing\n');
    const r = livemod(['run', script]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`${script}:3: ENOENT: /mnt/nothing does not exist`);
  });

  it('names the errno for a missing script, an unknown command and a bad option, without a stack', () => {
    const missing = livemod(['run', '/no/such/script']);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe('livemod: ENOENT: cannot read script /no/such/script (check the path)');
    const unknown = livemod(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^livemod: unknown command 'frobnicate'/);
    const seed = livemod(['--cpus', 'many', 'run', '-'], '');
    expect(seed.code).toBe(2);
    expect(seed.stderr).toMatch(/EINVAL: --cpus must be an integer in 1\.\.64/);
    for (const r of [missing, unknown, seed]) noStack(r.stderr);
  });

  it('exits 2 for a wrong command line (nothing ran), 1 for a failed run, 0 for help and --version', () => {
    const pkg = JSON.parse(readFileSync(resolve(import.meta.dirname, '..', 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) expect(livemod([flag])).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
    const usage: [string[], RegExp][] = [
      [['shel'], /unknown command 'shel'\n\(Did you mean shell\?\)/],
      [['run', '--frob', '-'], /unknown option '--frob'/],
      [['run'], /missing required argument 'file'/],
      [['--seed', '-1', 'run', '-'], /EINVAL: --seed must be an integer/],
      [['shell', '--kernel', 'lisp'], /EINVAL: --kernel must be one of modules, objects/],
      [[], /Usage: livemod/],
    ];
    for (const [args, message] of usage) {
      const r = livemod(args, '');
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
      noStack(r.stderr);
    }
    expect(livemod(['run', '-'], 'cat /nothing\n').code).toBe(1);
    expect(livemod(['run', '-'], '! echo fine\n').code).toBe(1);
    expect(livemod(['help', 'run']).code).toBe(0);
  });

  // Regression: `livemod run - <<<'help update' | head -1` printed an EPIPE stack trace.
  it('stops quietly, without a stack trace, when the reader of its output goes away', () => {
    for (const input of ['help update', 'help\n'.repeat(300)]) {
      const r = spawnSync('bash', ['-c', `"$0" "$1" run - | head -1; exit \${PIPESTATUS[0]}`, process.execPath, BIN], { input, encoding: 'utf8', env: { ...process.env, LIVEMOD_DEBUG: '' } });
      expect(r.stdout).toBe(`> ${input.split('\n')[0]}\n`);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    }
  });

  it('prints help for the program and for every console command', () => {
    const top = livemod(['--help']);
    expect(top.code).toBe(0);
    for (const c of ['shell', 'run', '--seed', '--cpus']) expect(top.stdout).toContain(c);
    const r = livemod(['run', '-'], 'help\nhelp insmod\nrmmod --help\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('usage: insmod NAME[@VERSION]|PATH [key=value...]');
    expect(r.stdout).toContain('usage: rmmod NAME');
    for (const c of ['insmod', 'rmmod', 'lsmod', 'modinfo', 'tick', 'ps', 'stat', 'dmesg', 'mount', 'ls', 'cat', 'write', 'mkdir', 'rm', 'workload']) {
      expect(r.stdout).toMatch(new RegExp(`^${c}\\b`, 'm'));
    }
  });
});
