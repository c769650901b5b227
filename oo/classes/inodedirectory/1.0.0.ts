// InodeDirectory 1.0.0: inode number -> Inode object, for one volume (the
// FileSystem object names it by id). One version: it is never updated.

import { defineClass } from '../../objclass.js';
import type { ObjId } from '../../ott.js';

/** Inode number -> Inode object, for one volume. One version: it is never updated. */
export class InodeDirectory {
  private readonly map: Map<number, ObjId>;

  constructor(entries: readonly (readonly [number, ObjId])[]) {
    this.map = new Map(entries);
  }

  get(ino: number): ObjId | undefined {
    return this.map.get(ino);
  }

  set(ino: number, id: ObjId): void {
    this.map.set(ino, id);
  }

  delete(ino: number): void {
    this.map.delete(ino);
  }

  size(): number {
    return this.map.size;
  }

  export(): [number, ObjId][] {
    return [...this.map];
  }
}

export default defineClass({
  name: 'InodeDirectory',
  version: '1.0.0',
  description: 'inode number -> inode object, per volume',
  iface: 1,
  exportAs: { 'dir-v1': (o: InodeDirectory) => o.export() },
  importFrom: { 'dir-v1': (d: unknown) => new InodeDirectory(d as [number, ObjId][]), new: () => new InodeDirectory([]) },
});
