// Module signing keys on the host: where they live, making a pair
// (`livemod keygen`), and reading a private key to sign with or a public key
// for a machine to trust. The default place is a directory of this user's
// alone (`LIVEMOD_KEYS`, else `$XDG_CONFIG_HOME/livemod/keys`, else
// `~/.config/livemod/keys`), made with mode 0700; the private key is written
// with mode 0600 and never over an existing one without `force` (a key that
// is replaced cannot sign for the machines that trust the old one).

import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { lstatSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { err } from '../exec/errno.js';
import type { TrustedKey } from '../kernel/modsig.js';
import { privateDir } from './private-dir.js';
import { keyId } from './signing.js';

export const PRIVATE_KEY_FILE = 'signing_key.pem';
export const PUBLIC_KEY_FILE = 'signing_key.pub';

/** The default key directory (not made here). */
export function defaultKeyDir(): string {
  return process.env.LIVEMOD_KEYS || join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'livemod', 'keys');
}

/** The private key `livemod sign` uses unless told otherwise. */
export function defaultPrivateKey(): string {
  return join(defaultKeyDir(), PRIVATE_KEY_FILE);
}

export interface NewKeys {
  readonly id: string;
  readonly privateFile: string;
  readonly publicFile: string;
}

/**
 * Make an ed25519 key pair in `dir` (default: defaultKeyDir()). EEXIST if
 * either file is there, unless `force`; EACCES if the directory is not this
 * user's, or (one the user named) others can write to it.
 */
export function generateKeys(dir: string | undefined, force = false): NewKeys {
  const where = dir === undefined ? defaultKeyDir() : resolve(dir);
  privateDir(where, {
    what: 'the key directory',
    hint: dir === undefined ? 'remove it, or set LIVEMOD_KEYS to a directory of your own' : 'give --out a directory only you can write to (it is made, mode 0700, if missing)',
    open: dir === undefined ? 'close' : 'refuse-writable',
  });
  const privateFile = join(where, PRIVATE_KEY_FILE);
  const publicFile = join(where, PUBLIC_KEY_FILE);
  const existing = [privateFile, publicFile].filter((f) => lstatSync(f, { throwIfNoEntry: false }) !== undefined);
  if (existing.length > 0 && !force) {
    throw err('EEXIST', `${existing.join(' and ')} already exist${existing.length === 1 ? 's' : ''}`, 'modules signed with that key need it: give --out DIR for a new pair elsewhere, or --force to replace it');
  }
  for (const f of existing) unlinkSync(f); // the entry itself: a planted link is removed, never written through
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  // Created exclusively: never through a link someone planted, never readable by others.
  writeFileSync(privateFile, privateKey.export({ format: 'pem', type: 'pkcs8' }), { flag: 'wx', mode: 0o600 });
  writeFileSync(publicFile, publicKey.export({ format: 'pem', type: 'spki' }), { flag: 'wx', mode: 0o644 });
  return { id: keyId(publicKey), privateFile, publicFile };
}

/** The text of key file `file`, or ENOENT/EISDIR saying what to do (`what`: which key, for the message). */
function readKeyFile(file: string, what: string, hint: string): string {
  const st = statSync(file, { throwIfNoEntry: false });
  if (!st) throw err('ENOENT', `no ${what} at ${file}`, hint);
  if (st.isDirectory()) throw err('EISDIR', `${file} is a directory, not a ${what}`, hint);
  return readFileSync(file, 'utf8');
}

/**
 * The private key in `file` (default: defaultPrivateKey()), to sign with.
 * ENOENT if missing, EACCES if others can read it (as ssh refuses such a
 * key), EINVAL if it is not an ed25519 private key in PEM.
 */
export function readPrivateKey(file = defaultPrivateKey()): KeyObject {
  const text = readKeyFile(file, 'private signing key', 'make one with livemod keygen, or give --key FILE');
  if ((statSync(file).mode & 0o077) !== 0) throw err('EACCES', `the private key ${file} can be read by others`, `chmod 600 ${file}, or make a new pair with livemod keygen`);
  let key: KeyObject;
  try {
    key = createPrivateKey(text);
  } catch {
    throw err('EINVAL', `${file} is not a private key in PEM`, 'give the signing_key.pem that livemod keygen wrote');
  }
  if (key.asymmetricKeyType !== 'ed25519') throw err('EINVAL', `${file} is a ${key.asymmetricKeyType ?? 'non-asymmetric'} key; module signing keys are ed25519`, 'make one with livemod keygen');
  return key;
}

/** The public key in `file` as a machine trusts it (its id and PEM). ENOENT if missing, EINVAL if it is not an ed25519 public key in PEM. */
export function readTrustedKey(file: string): TrustedKey {
  const text = readKeyFile(file, 'public key', 'give the signing_key.pub that livemod keygen wrote');
  // createPublicKey would take a private key too (and derive its public half): refuse one, it must not be handed around.
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) throw err('EINVAL', `${file} holds a private key; a machine is given the public one`, 'give the signing_key.pub beside it');
  let key: KeyObject;
  try {
    key = createPublicKey(text);
  } catch {
    throw err('EINVAL', `${file} is not a public key in PEM`, 'give the signing_key.pub that livemod keygen wrote');
  }
  if (key.asymmetricKeyType !== 'ed25519') throw err('EINVAL', `${file} is a ${key.asymmetricKeyType ?? 'non-asymmetric'} key; module signing keys are ed25519`, 'make one with livemod keygen');
  return { id: keyId(key), pem: key.export({ format: 'pem', type: 'spki' }).toString(), file };
}
