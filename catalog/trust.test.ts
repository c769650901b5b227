// What a machine lets in, as Linux's module loader decides it: an unsigned
// file loads and taints E and O unless signatures are required, then it is
// EKEYREJECTED before any of it is compiled; a file signed by a trusted key
// loads (O only); one changed byte after signing, or a signature by a key the
// machine does not trust under enforcement, is EKEYREJECTED and changes
// nothing; the catalog's own modules count as signed by the build. The taint
// shows in stat, lsmod, dmesg and oops lines, for insmod and for updates.

import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConsoleSession } from '../cli/console.js';
import { describeError } from '../cli/format.js';
import { runScript } from '../cli/script.js';
import type { TrustedKey } from '../kernel/modsig.js';
import { keyId, signFile } from './signing.js';

const dir = mkdtempSync(join(tmpdir(), 'livemod-trust-'));
const trusted = generateKeyPairSync('ed25519');
const stranger = generateKeyPairSync('ed25519');
const asTrusted = (k: KeyObject): TrustedKey => ({ id: keyId(k), pem: k.export({ format: 'pem', type: 'spki' }).toString(), file: 'test.pub' });

const moduleText = (name: string, version = '1.0.0', n = 1) => `import { defineModule } from 'livemod/module';
export default defineModule({ name: '${name}', version: '${version}', description: 'a test module',
  exports: { ${name}_n: { version: 1, fn: () => ${n} } },
  ops: { 'chrdev:${name}': { read: () => { throw new Error('a bug in ${name}'); } } },
  upgrade: { from: ['1.0.0'] }, downgrade: { to: ['1.0.0'] } });
`;

/** Write `text` to `name` in the test directory, signed with `key` unless it is null. */
function file(name: string, text: string, key: KeyObject | null = trusted.privateKey): string {
  const p = join(dir, name);
  mkdirSync(resolve(p, '..'), { recursive: true });
  writeFileSync(p, key ? signFile(p, Buffer.from(text), key) : text);
  return p;
}

function session(required: boolean, keys: readonly KeyObject[] = [trusted.publicKey]) {
  const lines: string[] = [];
  const errors: string[] = [];
  const s = ConsoleSession.boot({ seed: 1, cpus: 2 }, (l) => lines.push(l), { moduleSig: { required, trustedKeys: keys.map(asTrusted) } });
  const fail = async (line: string) => describeError(await s.exec(line).then(() => 'succeeded', (e: unknown) => e));
  return { s, lines, errors, fail, run: (text: string) => runScript(s, text, { source: 'test', echo: false, printErr: (l) => errors.push(l) }) };
}

/** What a refused load must leave as it was. */
const fingerprint = (s: ConsoleSession) => ({
  modules: s.k.loader.list().map((m) => `${m.name}@${m.def.version}`),
  taint: s.k.taint.letters(),
  log: s.k.log.pending().length,
  trace: s.k.machine.traceHash(),
});

describe('loading without enforcement', () => {
  it('an unsigned file loads and taints E and O, shown in stat, lsmod and dmesg', async () => {
    const { s, lines, errors, run } = session(false);
    const p = file('plain.ts', moduleText('plain'), null);
    expect(await run(`insmod kmsg\ninsmod ${p}\nlsmod\nstat\ndmesg\nmodinfo plain`)).toBe(true);
    expect(errors).toEqual([]);
    expect(s.k.taint.letters()).toBe('EO');
    expect(lines).toContain('taint:        EO (unsigned: plain; out-of-tree: plain)');
    expect(lines.find((l) => /^plain\s{2,}/.test(l))).toMatch(/\s\(EO\)$/);
    expect(lines.find((l) => /^kmsg\s{2,}/.test(l))).toMatch(/\s-$/); // in-tree: nothing
    expect(lines.some((l) => l.endsWith('taint: unsigned (E): plain'))).toBe(true);
    expect(lines.some((l) => l.endsWith('taint: out-of-tree (O): plain'))).toBe(true);
    expect(lines).toContain('taint:       EO (unsigned, out-of-tree)'); // modinfo
    expect(lines).toContain('signature:   none');
  });

  it('a file signed by a trusted key loads and taints O only', async () => {
    const { s, lines, run } = session(false);
    expect(await run(`insmod kmsg\ninsmod ${file('good.ts', moduleText('good'))}\nlsmod\nmodinfo good\nmodinfo kmsg`)).toBe(true);
    expect(s.k.taint.letters()).toBe('O');
    expect(lines.filter((l) => l.startsWith('signature:'))).toEqual([`signature:   key ${keyId(trusted.publicKey)}`, 'signature:   in-tree (signed by the build)']);
    expect(lines.find((l) => /^good\s{2,}/.test(l))).toMatch(/\s\(O\)$/);
  });

  it('a file signed by a key the machine does not trust loads, tainted E, as Linux loads a module whose key is missing', async () => {
    const { s, lines, run } = session(false);
    expect(await run(`insmod ${file('strange.ts', moduleText('strange'), stranger.privateKey)}\nmodinfo strange`)).toBe(true);
    expect(s.k.taint.letters()).toBe('EO');
    expect(lines).toContain(`signature:   key ${keyId(stranger.publicKey)} (not trusted)`);
  });

  it('a trusted signature that no longer matches is refused all the same, and changes nothing', async () => {
    const { s, fail } = session(false);
    const p = file('tampered.ts', moduleText('tampered'));
    writeFileSync(p, readFileSync(p, 'utf8').replace("fn: () => 1", "fn: () => 2"));
    const before = fingerprint(s);
    expect(await fail(`insmod ${p}`)).toMatch(/^EKEYREJECTED: .*tampered\.ts does not match its signature by key [0-9a-f]{16}: it was changed after it was signed \(if the change is yours, sign it again: livemod sign /);
    expect(fingerprint(s)).toEqual(before);
  });

  it('the catalog modules, by name or by their path, are in-tree: no taint', async () => {
    const { s, lines, run } = session(false);
    expect(await run(`insmod kmsg@1.0.0\nrmmod kmsg\ninsmod ${resolve(import.meta.dirname, '..', 'modules', 'kmsg', '2.0.0.ts')}\nlsmod`)).toBe(true);
    expect(s.k.taint.letters()).toBe('');
    expect(lines.find((l) => /^kmsg\s{2,}/.test(l))).toMatch(/\s-$/);
  });
});

describe('loading with signatures required', () => {
  it('a link outside modules/ that leads into it is not in-tree: refused unsigned', async () => {
    const { fail } = session(true);
    const link = join(dir, 'kmsg-link.ts');
    symlinkSync(resolve(import.meta.dirname, '..', 'modules', 'kmsg', '2.0.0.ts'), link);
    expect(await fail(`insmod ${link}`)).toMatch(/^EKEYREJECTED: .*kmsg-link\.ts is not signed/);
  });

  it('refuses an unsigned file with EKEYREJECTED before compiling it, saying what to do, and changes nothing', async () => {
    const { s, fail } = session(true);
    const before = fingerprint(s);
    expect(await fail(`insmod ${file('unsigned.ts', moduleText('unsigned'), null)}`)).toMatch(
      /^EKEYREJECTED: .*unsigned\.ts is not signed, and this machine requires signed modules \(sign it with a trusted key: livemod sign .* --key PRIVATE_KEY_FILE; trusted keys: [0-9a-f]{16}; boot with --trusted-key PUBLIC_KEY_FILE/,
    );
    // Checked before it is compiled: a file that does not even parse is refused for its signature, not its syntax.
    expect(await fail(`insmod ${file('garbage.ts', 'this is not ( a module', null)}`)).toMatch(/^EKEYREJECTED: .*garbage\.ts is not signed/);
    expect(fingerprint(s)).toEqual(before);
  });

  it('refuses a file signed by a key it does not trust, naming the key', async () => {
    const { fail } = session(true);
    expect(await fail(`insmod ${file('wrongkey.ts', moduleText('wrongkey'), stranger.privateKey)}`)).toBe(
      `EKEYREJECTED: ${join(dir, 'wrongkey.ts')} is signed by key ${keyId(stranger.publicKey)}, which this machine does not trust (sign it with a trusted key, or trust this one; trusted keys: ${keyId(trusted.publicKey)}; boot with --trusted-key PUBLIC_KEY_FILE to trust another)`,
    );
  });

  it('loads a file signed by a trusted key, and the catalog modules', async () => {
    const { s, errors, run } = session(true);
    expect(await run(`insmod kmsg\ninsmod ${file('signed.ts', moduleText('signed'))}`)).toBe(true);
    expect(errors).toEqual([]);
    expect(s.k.loader.list().map((m) => m.name)).toEqual(['kmsg', 'signed']);
    expect(s.k.taint.letters()).toBe('O');
  });

  it('checks every file of a module split over several: an unsigned one it imports is refused', async () => {
    const { fail } = session(true);
    file('split/helper.ts', 'export const n = (): number => 7;\n', null);
    const main = file('split/main.ts', "import { defineModule } from 'livemod/module';\nimport { n } from './helper.js';\nexport default defineModule({ name: 'split', version: '1.0.0', description: 'x', exports: { split_n: { version: 1, fn: n } } });\n");
    expect(await fail(`insmod ${main}`)).toMatch(/^EKEYREJECTED: .*split\/helper\.ts is not signed/);
  });

  it('lockdown integrity turns enforcement on at run time, and cannot be lifted', async () => {
    const { s, lines, fail, run } = session(false);
    expect(await run(`lockdown\nlockdown integrity`)).toBe(true);
    expect(lines[0]).toMatch(/^lockdown: none/);
    expect(lines[1]).toMatch(/^lockdown: integrity/);
    expect(await fail(`insmod ${file('late.ts', moduleText('late'), null)}`)).toMatch(/^EKEYREJECTED: /);
    expect(await fail('lockdown none')).toBe('EPERM: lockdown cannot be lifted on a running machine (boot a new machine without --require-signed)');
    expect(s.k.moduleSig.required).toBe(true);
  });
});

describe('updates', () => {
  it('update PATH and update --dry-run refuse an unsigned version under enforcement', async () => {
    const { s, fail, run } = session(true);
    expect(await run(`insmod ${file('upd/1.0.0.ts', moduleText('upd'))}`)).toBe(true);
    const v2 = file('upd/1.1.0.ts', moduleText('upd', '1.1.0', 2), null);
    expect(await fail(`update ${v2} --dry-run`)).toMatch(/^EKEYREJECTED: .*1\.1\.0\.ts is not signed/);
    expect(await fail(`update ${v2}`)).toMatch(/^EKEYREJECTED: .*1\.1\.0\.ts is not signed/);
    expect(s.k.loader.require('upd').def.version).toBe('1.0.0');
    expect(s.k.updates.history).toHaveLength(0);
  });

  it('an unsigned version applied without enforcement taints the kernel and, once committed, the module', async () => {
    const { s, lines, errors, run } = session(false);
    expect(await run(`insmod ${file('up2/1.0.0.ts', moduleText('up2'))}\nupdate ${file('up2/1.1.0.ts', moduleText('up2', '1.1.0', 2), null)} --dry-run`)).toBe(true);
    expect(s.k.taint.letters()).toBe('O'); // a dry run loads nothing into the machine
    expect(await run(`update ${join(dir, 'up2/1.1.0.ts')}\nlsmod`)).toBe(true);
    expect(errors).toEqual([]);
    expect(s.k.loader.require('up2').def.version).toBe('1.1.0');
    expect(s.k.taint.entries().map((e) => `${e.flag}: ${e.reason}`)).toEqual(['unsigned: up2', 'out-of-tree: up2', 'livepatched: update 1: up2 1.0.0 -> 1.1.0']);
    expect(lines.find((l) => /^up2\s{2,}/.test(l))).toMatch(/\s\(EO\)$/);
  });
});

describe('oops lines', () => {
  it('carry the taint letters, as Linux\'s Tainted: header', async () => {
    const { s, run } = session(false);
    expect(await run(`insmod ${file('buggy.ts', moduleText('buggy'), null)}\n! cat /dev/buggy`)).toBe(true);
    expect(s.k.log.pending().some((l) => /oops in syscall read of thread \d+ \(sh:cat\): a bug in buggy \[Tainted: EO\]$/.test(l))).toBe(true);
  });
});
