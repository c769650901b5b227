// The experiment API's side of signed modules: boot options that require
// signatures and name trusted key files; a refused load rejects with
// EKEYREJECTED and changes nothing; taint comes back as data (the kernel's
// flags, each module's letters, and in stats() under schema livemod.stat/2).

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateKeys, readPrivateKey } from '../catalog/keys.js';
import { signFile } from '../catalog/signing.js';
import { validate } from './schemas.js';
import { boot } from './testbed.js';

const dir = mkdtempSync(join(tmpdir(), 'livemod-api-sign-'));
const keys = generateKeys(join(dir, 'keys'));
const text = (name: string) => `import { defineModule } from 'livemod/module';\nexport default defineModule({ name: '${name}', version: '1.0.0', description: 'x' });\n`;
const signed = join(dir, 'signed.ts');
writeFileSync(signed, signFile(signed, Buffer.from(text('signed')), readPrivateKey(keys.privateFile)));
const unsigned = join(dir, 'unsigned.ts');
writeFileSync(unsigned, text('unsigned'));

describe('boot options for module signatures', () => {
  it('requireSigned with trustedKeys loads a signed file and rejects an unsigned one, changing nothing', async () => {
    const t = await boot({ seed: 1, cpus: 2, modules: ['kmsg'], requireSigned: true, trustedKeys: [keys.publicFile] });
    await t.load(signed);
    await expect(t.load(unsigned)).rejects.toMatchObject({ errno: 'EKEYREJECTED' });
    expect(Object.keys(t.versions())).toEqual(['kmsg', 'signed']);
    expect(t.taint()).toEqual({ letters: 'O', flags: [{ flag: 'out-of-tree', letter: 'O', at: 0, reason: 'signed' }] });
    expect(t.moduleTaints()).toEqual({ kmsg: '', signed: 'O' });
    const stats = t.stats();
    expect(stats.modules!.signatures).toEqual({ required: true, trustedKeys: [keys.id] });
    expect(validate('livemod.stat/2', stats)).toEqual([]);
  });

  it('without them an unsigned file loads and taints E and O; a module file given at boot is checked too', async () => {
    const t = await boot({ seed: 1, cpus: 2, modules: ['kmsg', unsigned] });
    expect(t.taint().letters).toBe('EO');
    expect(t.moduleTaints().unsigned).toBe('EO');
    await expect(boot({ seed: 1, cpus: 2, modules: [unsigned], requireSigned: true })).rejects.toMatchObject({ errno: 'EKEYREJECTED' });
  });

  it('a missing trusted key file rejects the boot with ENOENT', async () => {
    await expect(boot({ seed: 1, trustedKeys: [join(dir, 'none.pub')] })).rejects.toMatchObject({ errno: 'ENOENT' });
  });

  it('the object twin, which loads no module files, reports a clean taint', async () => {
    const t = await boot({ kernel: 'objects', seed: 1, cpus: 2, requireSigned: true });
    expect(t.taint()).toEqual({ letters: '', flags: [] });
    expect(validate('livemod.stat/2', t.stats())).toEqual([]);
  });
});
