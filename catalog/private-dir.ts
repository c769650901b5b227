// A directory of this user's alone, for what others must not plant files in
// or read: the compile cache (catalog.ts) and the module signing keys
// (keys.ts). Made with mode 0700 if missing; one that is not a directory, or
// that someone else owns, is refused with EACCES.

import { chmodSync, lstatSync, mkdirSync } from 'node:fs';
import { err } from '../exec/errno.js';

export interface PrivateDirOptions {
  /** What the directory is, for messages (`the module compile cache`). */
  readonly what: string;
  /** What to do when it is refused. */
  readonly hint: string;
  /**
   * An existing directory of ours that others may use: close it (chmod 0700),
   * for a place livemod chose; or refuse it when others can write to it, for
   * a place the user named (livemod does not change the user's own modes).
   */
  readonly open: 'close' | 'refuse-writable';
}

/** `dir`, made (with its parents) if missing, and checked to be ours and private; returns it. */
export function privateDir(dir: string, o: PrivateDirOptions): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  const uid = process.getuid?.();
  if (!st.isDirectory() || (uid !== undefined && st.uid !== uid)) throw err('EACCES', `${o.what} ${dir} is not a directory of this user's`, o.hint);
  if ((st.mode & 0o077) === 0) return dir;
  if (o.open === 'close') chmodSync(dir, 0o700);
  else if ((st.mode & 0o022) !== 0) throw err('EACCES', `${o.what} ${dir} can be written by others, who could replace what is in it`, o.hint);
  return dir;
}
