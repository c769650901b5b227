// Module signatures: how a signature travels with a module file, and how a
// file's bytes are signed and checked (ed25519, node:crypto). As Linux
// appends a signature to a .ko behind a magic marker, livemod appends one
// line to the module file itself:
//
//   ...the module, byte for byte (the payload)...
//   // ~livemod signature~ ed25519 KEYID SIGNATURE
//
// The line is a comment, so a signed file is still a module file anyone can
// read and load; it travels with the file (no second file to lose or pair
// wrongly, unlike a detached FILE.sig); and re-signing replaces it. The
// signature covers the payload exactly: every byte before the line, which is
// also exactly what the catalog compiles (the line itself is never
// compiled). KEYID names the public key (the first 16 hex digits of the
// SHA-256 of its DER encoding), so a machine can tell a key it does not
// trust from a signature that does not match.

import { createHash, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { err } from '../exec/errno.js';

export const SIGNATURE_MARK = '// ~livemod signature~ ';
const ALGORITHM = 'ed25519';
const TRAILER = /^\/\/ ~livemod signature~ (\S+) ([0-9a-f]{16}) ([A-Za-z0-9+/]{86}==)\r?\n?$/;

/** A parsed signature line. */
export interface Signature {
  readonly keyId: string;
  readonly signature: Buffer;
}

/** A module file split into what was signed and the signature, if it has one. */
export interface SignedFile {
  readonly payload: Buffer;
  readonly signature: Signature | null;
}

/** The id of a public (or private) ed25519 key: 16 hex digits of the SHA-256 of the public key's DER. */
export function keyId(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256').update(pub.export({ format: 'der', type: 'spki' })).digest('hex').slice(0, 16);
}

/**
 * Split `bytes` (the file `file`) at its signature line: the last line, when
 * it starts with the mark. EBADMSG when that line does not parse (as Linux
 * refuses a signature it cannot parse, enforced or not).
 */
export function splitSignature(file: string, bytes: Buffer): SignedFile {
  const at = bytes.lastIndexOf(SIGNATURE_MARK);
  if (at < 0 || (at > 0 && bytes[at - 1] !== 0x0a)) return { payload: bytes, signature: null };
  const line = bytes.subarray(at).toString('latin1');
  if (/\n./s.test(line)) return { payload: bytes, signature: null }; // not the last line: the file goes on after it
  const m = TRAILER.exec(line);
  if (!m || m[1] !== ALGORITHM) {
    throw err('EBADMSG', `${file} has a signature line that does not parse (expected '${SIGNATURE_MARK}${ALGORITHM} KEYID SIGNATURE')`, `sign it again: livemod sign ${file}`);
  }
  return { payload: bytes.subarray(0, at), signature: { keyId: m[2]!, signature: Buffer.from(m[3]!, 'base64') } };
}

/** Does `sig` sign `payload` under `publicKey`? */
export function signatureMatches(payload: Buffer, sig: Signature, publicKey: KeyObject): boolean {
  return verify(null, payload, publicKey, sig.signature);
}

/**
 * The file `bytes` signed with `privateKey`: its payload (an old signature
 * line dropped, a missing final newline added), then the signature line.
 */
export function signFile(file: string, bytes: Buffer, privateKey: KeyObject): Buffer {
  let payload: Buffer;
  try {
    payload = splitSignature(file, bytes).payload;
  } catch {
    payload = bytes.subarray(0, bytes.lastIndexOf(SIGNATURE_MARK)); // a broken signature line: replace it
  }
  if (payload.length > 0 && payload[payload.length - 1] !== 0x0a) payload = Buffer.concat([payload, Buffer.from('\n')]);
  const signature = sign(null, payload, privateKey).toString('base64');
  return Buffer.concat([payload, Buffer.from(`${SIGNATURE_MARK}${ALGORITHM} ${keyId(privateKey)} ${signature}\n`)]);
}
