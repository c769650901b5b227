// Signing keys on the host: made private (directory 0700, private key 0600),
// never written over or through without asking, and read back with errors
// that say what to do (a missing key, a key others can read, a file that is
// not an ed25519 key, a private key given where a public one belongs).

import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { generateKeys, PRIVATE_KEY_FILE, PUBLIC_KEY_FILE, readPrivateKey, readTrustedKey } from './keys.js';
import { keyId } from './signing.js';

const saved = process.env.LIVEMOD_KEYS;
afterEach(() => {
  if (saved === undefined) delete process.env.LIVEMOD_KEYS;
  else process.env.LIVEMOD_KEYS = saved;
});
const fresh = () => mkdtempSync(join(tmpdir(), 'livemod-keys-'));

describe('livemod keygen', () => {
  it('makes the default directory 0700, the private key 0600, and the public key readable; the two belong together', () => {
    process.env.LIVEMOD_KEYS = join(fresh(), 'keys');
    const keys = generateKeys(undefined);
    expect(lstatSync(process.env.LIVEMOD_KEYS).mode & 0o777).toBe(0o700);
    expect(lstatSync(keys.privateFile).mode & 0o777).toBe(0o600);
    expect(lstatSync(keys.publicFile).mode & 0o777).toBe(0o644);
    expect(keyId(readPrivateKey())).toBe(keys.id); // the default private key is the one just made
    expect(readTrustedKey(keys.publicFile).id).toBe(keys.id);
  });

  it('refuses to replace a pair without force, and with force makes a new one', () => {
    const dir = join(fresh(), 'k');
    const first = generateKeys(dir);
    expect(() => generateKeys(dir)).toThrow(expect.objectContaining({ errno: 'EEXIST' }));
    expect(readTrustedKey(join(dir, PUBLIC_KEY_FILE)).id).toBe(first.id);
    const second = generateKeys(dir, true);
    expect(second.id).not.toBe(first.id);
  });

  it('never writes through a link planted where a key goes', () => {
    const dir = join(fresh(), 'k');
    mkdirSync(dir, { mode: 0o700 });
    const victim = join(fresh(), 'victim');
    writeFileSync(victim, 'precious');
    symlinkSync(victim, join(dir, PRIVATE_KEY_FILE));
    expect(() => generateKeys(dir)).toThrow(expect.objectContaining({ errno: 'EEXIST' }));
    generateKeys(dir, true);
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(lstatSync(join(dir, PRIVATE_KEY_FILE)).isSymbolicLink()).toBe(false);
  });

  it('refuses a directory the user named that others can write to, and leaves its mode alone', () => {
    const dir = fresh();
    chmodSync(dir, 0o777);
    expect(() => generateKeys(dir)).toThrow(expect.objectContaining({ errno: 'EACCES' }));
    expect(lstatSync(dir).mode & 0o777).toBe(0o777);
  });
});

describe('reading keys', () => {
  it('a missing private key is ENOENT that says to run keygen', () => {
    expect(() => readPrivateKey(join(fresh(), 'none.pem'))).toThrow(expect.objectContaining({ errno: 'ENOENT', hint: expect.stringContaining('livemod keygen') }));
  });

  it('a private key others can read is refused, as ssh refuses one', () => {
    const keys = generateKeys(join(fresh(), 'k'));
    chmodSync(keys.privateFile, 0o644);
    expect(() => readPrivateKey(keys.privateFile)).toThrow(expect.objectContaining({ errno: 'EACCES', hint: expect.stringContaining('chmod 600') }));
  });

  it('a file that is not an ed25519 key in PEM is EINVAL', () => {
    const dir = fresh();
    const junk = join(dir, 'junk.pem');
    writeFileSync(junk, 'not a key', { mode: 0o600 });
    expect(() => readPrivateKey(junk)).toThrow(expect.objectContaining({ errno: 'EINVAL' }));
    expect(() => readTrustedKey(junk)).toThrow(expect.objectContaining({ errno: 'EINVAL' }));
    const rsa = join(dir, 'rsa.pub');
    writeFileSync(rsa, generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'pem', type: 'spki' }));
    expect(() => readTrustedKey(rsa)).toThrow(expect.objectContaining({ errno: 'EINVAL', message: expect.stringContaining('rsa') }));
  });

  it('a private key given as a trusted key is refused: machines get the public one', () => {
    const keys = generateKeys(join(fresh(), 'k'));
    expect(() => readTrustedKey(keys.privateFile)).toThrow(expect.objectContaining({ errno: 'EINVAL', message: expect.stringContaining('private key') }));
    expect(() => readTrustedKey(join(fresh(), 'missing.pub'))).toThrow(expect.objectContaining({ errno: 'ENOENT' }));
  });
});

