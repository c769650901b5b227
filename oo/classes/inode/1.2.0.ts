// Inode 1.2.0: a change of the object's state. Directory entries live in a
// hash map, so a lookup costs the same in any directory; the transfer format
// stays inode-v1 (a sorted list) and the constructor rebuilds the map from it.

import { defineClass, type ObjEnv } from '../../objclass.js';
import { Inode11 } from './1.1.0.js';
import { imports, type InodeData, v1 } from './formats.js';

const HASH_LOOKUP_CYCLES = 20;

/** 1.2.0: directory entries in a hash map; lookup costs the same in any directory. */
export class Inode12 extends Inode11 {
  private map: Map<string, number>;

  constructor(env: ObjEnv, d: InodeData) {
    super(env, d);
    this.map = new Map(d.entries);
    this.entries = [];
  }

  protected override find(name: string): number | undefined {
    this.checkDir();
    this.env.work(HASH_LOOKUP_CYCLES);
    return this.map.get(name);
  }

  protected override addEntry(name: string, ino: number): void {
    this.map.set(name, ino);
  }

  protected override dropEntry(name: string): void {
    this.map.delete(name);
  }

  protected override entryList(): [string, number][] {
    return [...this.map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
}

export default defineClass({ name: 'Inode', version: '1.2.0', description: 'directory entries in a hash map', iface: 1, uses: { BlockDevice: 1 }, exportAs: v1, importFrom: imports(Inode12, 'inode-v1') });
