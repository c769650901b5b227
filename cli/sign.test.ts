// Signing from the command line, with the built binary as a user runs it:
// keygen, sign, then a machine booted with --require-signed --trusted-key
// that loads the signed file and refuses the others; and the commands'
// mistakes as one line naming the errno and what to do, exit 2, no stack.
// (`npm test` builds dist/ before running the tests.)

import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = resolve(import.meta.dirname, '..', 'dist', 'cli', 'main.js');

function livemod(cwd: string, args: string[], input?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, input, encoding: 'utf8', env: { ...process.env, LIVEMOD_DEBUG: '', LIVEMOD_KEYS: join(cwd, 'keys') } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at |Error:/);
const MODULE = (name: string) => `import { defineModule } from 'livemod/module';\nexport default defineModule({ name: '${name}', version: '1.0.0', description: 'x' });\n`;

function workdir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'livemod-sign-'));
  writeFileSync(join(dir, 'mine.ts'), MODULE('mine'));
  writeFileSync(join(dir, 'theirs.ts'), MODULE('theirs'));
  return dir;
}

describe('livemod keygen and sign', () => {
  it('make a key, sign a file, and a machine that requires signatures loads it and refuses an unsigned one', () => {
    const dir = workdir();
    const gen = livemod(dir, ['keygen']);
    expect(gen.stderr).toBe('');
    expect(gen.code).toBe(0);
    const id = /^key ([0-9a-f]{16}) \(ed25519\)$/m.exec(gen.stdout)![1]!;
    expect(gen.stdout).toContain(`--trusted-key ${join(dir, 'keys', 'signing_key.pub')}`);
    expect(lstatSync(join(dir, 'keys', 'signing_key.pem')).mode & 0o777).toBe(0o600);

    const signed = livemod(dir, ['sign', 'mine.ts']);
    expect(signed.stdout).toBe(`signed mine.ts with key ${id} (ed25519)\n`);
    expect(readFileSync(join(dir, 'mine.ts'), 'utf8')).toMatch(new RegExp(`^${MODULE('mine').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}// ~livemod signature~ ed25519 ${id} \\S+\\n$`));

    const id2 = /^key ([0-9a-f]{16})/m.exec(livemod(dir, ['keygen', '--out', 'second']).stdout)![1]!;
    const run = livemod(dir, ['run', '-', '--require-signed', '--trusted-key', 'second/signing_key.pub', '--trusted-key', 'keys/signing_key.pub'], 'insmod ./mine.ts\n! insmod ./theirs.ts\nstat\nlockdown\n');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('mine 1.0.0 loaded');
    expect(run.stdout).toContain(`(failed as expected) EKEYREJECTED: ${join(dir, 'theirs.ts')} is not signed, and this machine requires signed modules`);
    expect(run.stdout).toContain('taint:        O (out-of-tree: mine)');
    expect(run.stdout).toContain(`signatures:   required; trusted keys: ${id2}, ${id}`); // --trusted-key is repeatable
    expect(run.stdout).toContain(`lockdown: integrity (module files must be signed by a trusted key; trusted keys: ${id2}, ${id})`);
  });

  it('name the errno and what to do for a missing file, a missing key and a bad trusted key, exit 2, no stack', () => {
    const dir = workdir();
    const noKey = livemod(dir, ['sign', 'mine.ts']);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toBe(`livemod: ENOENT: no private signing key at ${join(dir, 'keys', 'signing_key.pem')} (make one with livemod keygen, or give --key FILE)\n`);
    expect(readFileSync(join(dir, 'mine.ts'), 'utf8')).toBe(MODULE('mine')); // nothing was written
    expect(livemod(dir, ['keygen']).code).toBe(0);
    const again = livemod(dir, ['keygen']); // replacing a key is asked for with --force (catalog/keys.test.ts)
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^livemod: EEXIST: .*signing_key\.pem and .*signing_key\.pub already exist \(.*--force to replace it\)\n$/);
    const missing = livemod(dir, ['sign', 'nosuch.ts']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('livemod: ENOENT: no such file: nosuch.ts (check the path)\n');
    mkdirSync(join(dir, 'adir.ts'));
    expect(livemod(dir, ['sign', 'adir.ts']).stderr).toBe('livemod: EISDIR: adir.ts is a directory (give the module file to sign)\n');
    const badKey = livemod(dir, ['run', '-', '--trusted-key', 'keys/nope.pub'], 'lsmod\n');
    expect(badKey.code).toBe(2);
    expect(badKey.stderr).toBe(`livemod: ENOENT: no public key at keys/nope.pub (give the signing_key.pub that livemod keygen wrote)\n`);
    const privateAsTrusted = livemod(dir, ['shell', '--trusted-key', 'keys/signing_key.pem'], '');
    expect(privateAsTrusted.code).toBe(2);
    expect(privateAsTrusted.stderr).toMatch(/^livemod: EINVAL: keys\/signing_key\.pem holds a private key/);
    writeFileSync(join(dir, 'afile'), '');
    const notDir = livemod(dir, ['keygen', '--out', 'afile/keys']);
    expect(notDir.code).toBe(1);
    expect(notDir.stderr).toMatch(/^livemod: ENOTDIR: cannot write the key pair: .*\(check the path and its permissions\)\n$/);
    for (const r of [noKey, again, missing, badKey, privateAsTrusted, notDir]) noStack(r.stderr);
  });

  it('check takes the machine options: an unsigned update file is refused before any run, and a signed one is checked', () => {
    const dir = workdir();
    livemod(dir, ['keygen', '--out', 'keys']);
    const version = (v: string, upgrade: string) => `import { defineModule } from 'livemod/module';\nexport default defineModule({ name: 'mine', version: '${v}', description: 'x'${upgrade} });\n`;
    writeFileSync(join(dir, 'mine.ts'), version('1.0.0', ''));
    writeFileSync(join(dir, 'next.ts'), version('1.0.1', ", upgrade: { from: ['1.0.0'] }"));
    expect(livemod(dir, ['sign', 'mine.ts', '--key', 'keys/signing_key.pem']).code).toBe(0);
    const check = ['--cpus', '2', 'check', './next.ts', '--boot', 'kmsg@1.0.0,blkdev@2.0.0,simplefs@1.0.0,./mine.ts', '--threads', '2', '--files', '2', '--ops', '3', '--strategy', 'module', '--workers', '1', '--require-signed', '--trusted-key', 'keys/signing_key.pub'];
    const unsigned = livemod(dir, check);
    expect(unsigned.stdout).toBe('');
    expect(unsigned.stderr).toMatch(/^livemod: EKEYREJECTED: \S*\/next\.ts is not signed, and this machine requires signed modules \(sign it with a trusted key/);
    expect(unsigned.code).not.toBe(0);
    noStack(unsigned.stderr);
    expect(livemod(dir, ['sign', 'next.ts', '--key', 'keys/signing_key.pem']).code).toBe(0);
    const signed = livemod(dir, [...check, '--json']);
    expect(signed.stderr).toBe('');
    expect(signed.code).toBe(0);
    const report = JSON.parse(signed.stdout);
    expect(report.strategies[0].committed).toBe(report.strategies[0].runs);
    expect(report.strategies[0].runs).toBeGreaterThan(0);
    // Unsigned boot modules are refused the same way, and without the policy the same files load (tainted).
    writeFileSync(join(dir, 'mine.ts'), version('1.0.0', ''));
    expect(livemod(dir, check).stderr).toMatch(/^livemod: EKEYREJECTED: \S*\/mine\.ts is not signed/);
    expect(livemod(dir, check.slice(0, -3)).code).toBe(0);
  }, 120_000);

  it('sweep takes the machine options: an unsigned step file is refused before any run, a signed one reaches the plan', () => {
    const dir = workdir();
    livemod(dir, ['keygen', '--out', 'keys']);
    writeFileSync(join(dir, 'next.ts'), `import { defineModule } from 'livemod/module';\nexport default defineModule({ name: 'simplefs', version: '9.0.0', description: 'x' });\n`);
    const sweep = ['sweep', '--seeds', '1', '--kernels', 'modules', '--steps', './next.ts', '--warmup', '1000', '--gap', '1000', '--workers', '1', '--json', 'rows.json', '--require-signed', '--trusted-key', 'keys/signing_key.pub'];
    const unsigned = livemod(dir, sweep);
    expect(unsigned.stderr).toMatch(/^livemod: EKEYREJECTED: \S*\/next\.ts is not signed, and this machine requires signed modules/);
    expect(unsigned.stdout).toBe('');
    noStack(unsigned.stderr);
    expect(livemod(dir, ['sign', 'next.ts', '--key', 'keys/signing_key.pem']).code).toBe(0);
    const signed = livemod(dir, sweep);
    expect(signed.stderr).toBe('');
    const rows = JSON.parse(readFileSync(join(dir, 'rows.json'), 'utf8')).rows as { update: string; outcome: string; errno: string | null }[];
    expect(rows.map((r) => [r.update, r.outcome, r.errno])).toEqual([['./next.ts', 'refused', 'EINVAL']]); // the plan's refusal: 9.0.0 declares no upgrade
  }, 120_000);

  it('demo takes the machine options: the catalog modules count as signed', () => {
    const dir = workdir();
    livemod(dir, ['keygen']);
    const r = livemod(dir, ['demo', '--json', '--require-signed', '--trusted-key', 'keys/signing_key.pub']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).ok).toBe(true);
  }, 120_000);
});
