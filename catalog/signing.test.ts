// The signature line: a file signed and split again gives back its exact
// payload and a signature that matches it under the signing key only; one
// changed byte, a line after the signature, or a broken signature line are
// each told apart; re-signing replaces the line instead of stacking lines.

import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyId, SIGNATURE_MARK, signatureMatches, signFile, splitSignature } from './signing.js';

const MODULE = Buffer.from("import { defineModule } from 'livemod/module';\nexport default defineModule({ name: 'x', version: '1.0.0', description: 'x' });\n");
const a = generateKeyPairSync('ed25519');
const b = generateKeyPairSync('ed25519');

describe('module signatures', () => {
  it('round-trip: the payload is the file as it was, and the signature matches it under the signing key', () => {
    const signed = signFile('x.ts', MODULE, a.privateKey);
    expect(signed.subarray(0, MODULE.length).equals(MODULE)).toBe(true);
    const lastLine = signed.subarray(MODULE.length).toString();
    expect(lastLine).toMatch(/^\/\/ ~livemod signature~ ed25519 [0-9a-f]{16} \S{88}\n$/);
    const { payload, signature } = splitSignature('x.ts', signed);
    expect(payload.equals(MODULE)).toBe(true);
    expect(signature!.keyId).toBe(keyId(a.publicKey));
    expect(keyId(a.privateKey)).toBe(keyId(a.publicKey));
    expect(signatureMatches(payload, signature!, a.publicKey)).toBe(true);
    expect(signatureMatches(payload, signature!, b.publicKey)).toBe(false);
  });

  it('a changed byte anywhere in the payload no longer matches', () => {
    const signed = signFile('x.ts', MODULE, a.privateKey);
    for (const at of [0, 17, MODULE.length - 2]) {
      const tampered = Buffer.from(signed);
      tampered[at] = tampered[at]! ^ 0x01;
      const { payload, signature } = splitSignature('x.ts', tampered);
      expect(signatureMatches(payload, signature!, a.publicKey), `byte ${at}`).toBe(false);
    }
  });

  it('a file without the line, or with lines after it, is unsigned', () => {
    expect(splitSignature('x.ts', MODULE).signature).toBeNull();
    const appended = Buffer.concat([signFile('x.ts', MODULE, a.privateKey), Buffer.from('console.log(1);\n')]);
    const split = splitSignature('x.ts', appended);
    expect(split.signature).toBeNull();
    expect(split.payload.equals(appended)).toBe(true);
  });

  it('a signature line that does not parse is EBADMSG, and signing again repairs it', () => {
    const broken = Buffer.concat([MODULE, Buffer.from(`${SIGNATURE_MARK}ed25519 nothex not-a-signature\n`)]);
    expect(() => splitSignature('x.ts', broken)).toThrow(expect.objectContaining({ errno: 'EBADMSG' }));
    const otherAlgorithm = Buffer.concat([MODULE, Buffer.from(`${SIGNATURE_MARK}rsa ${'0'.repeat(16)} ${'A'.repeat(86)}==\n`)]);
    expect(() => splitSignature('x.ts', otherAlgorithm)).toThrow(expect.objectContaining({ errno: 'EBADMSG' }));
    const repaired = splitSignature('x.ts', signFile('x.ts', broken, a.privateKey));
    expect(repaired.payload.equals(MODULE)).toBe(true);
  });

  it('re-signing replaces the line; a file without a final newline gets one before it', () => {
    const once = signFile('x.ts', MODULE, a.privateKey);
    const twice = signFile('x.ts', once, b.privateKey);
    expect(twice.toString().split(SIGNATURE_MARK)).toHaveLength(2);
    expect(splitSignature('x.ts', twice).signature!.keyId).toBe(keyId(b.publicKey));
    const noNewline = MODULE.subarray(0, MODULE.length - 1);
    const { payload, signature } = splitSignature('x.ts', signFile('x.ts', noNewline, a.privateKey));
    expect(payload.equals(MODULE)).toBe(true);
    expect(signatureMatches(payload, signature!, a.publicKey)).toBe(true);
  });
});
