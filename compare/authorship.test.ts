// The authorship counts read real sources: each figure changes when the
// update code it counts changes, and code-only versions count only their
// `upgrade`/`downgrade` lines.

import { describe, expect, it } from 'vitest';
import { classUpdateLines, moduleUpdateLines } from './authorship.js';

describe('lines an update author writes', () => {
  it("counts a module version's upgrade, downgrade and compat sections and the functions they name", () => {
    const codeOnly = moduleUpdateLines('simplefs', '1.1.0')!;
    const stateChange = moduleUpdateLines('simplefs', '1.2.0')!;
    const iface = moduleUpdateLines('blkdev', '2.0.0')!;
    expect(codeOnly).toBe(2); // upgrade: { from }, downgrade: { to }
    expect(stateChange).toBeGreaterThan(codeOnly + 4);
    expect(iface).toBeGreaterThan(codeOnly + 3); // compat adaptors and the view's submit
    expect(moduleUpdateLines('simplefs', '9.9.9')).toBeNull();
  });

  it('counts what a class version adds for its transfer and adaptors', () => {
    const codeOnly = classUpdateLines('BlockDevice', '1.1.0', '1.0.0')!;
    const iface = classUpdateLines('BlockDevice', '2.0.0', '1.1.0')!;
    const state = classUpdateLines('Inode', '1.2.0', '1.1.0')!;
    expect(iface).toBeGreaterThan(codeOnly + 10); // the adaptor class
    expect(state).toBeGreaterThan(classUpdateLines('Inode', '1.1.0', '1.0.0')!); // Inode12's constructor rebuilds the map
    expect(classUpdateLines('Inode', '7.0.0', '2.1.0')).toBeNull();
  });
});
