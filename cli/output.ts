// Files the CLI writes besides its report (`compare --svg`, `--trace`): the
// directory is checked before the run, so that a bad path does not cost the
// user the whole run, and a failed write names the errno.

import { existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { err } from '../exec/errno.js';

/** ENOENT unless `path`'s directory exists. */
export function checkOutputPath(path: string): void {
  const dir = dirname(resolve(path));
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw err('ENOENT', `cannot write ${path}: no directory ${dir}`, 'create the directory or give another path');
}

/** Write `text` to `path`; ENOENT naming the host's error code when it fails. */
export function writeOutput(path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (e) {
    throw err('ENOENT', `cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, 'check that the directory exists and is writable');
  }
}
