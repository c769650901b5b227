// What `livemod` exits with, and its version. 0: done; 1: the work failed
// (a script line, lost or wrong data, a failed check); 2: the command line
// was wrong (an unknown command or option, a bad value, a script that cannot
// be read), so nothing ran. commander's own errors (exitOverride) arrive as
// CommanderError; an error of ours is marked as a usage error with `usage`.

import { readFileSync } from 'node:fs';
import { CommanderError } from 'commander';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

const usageErrors = new WeakSet<object>();

/** Mark `e` as a mistake in the command line (exit 2); returns it, to be thrown. */
export function usage<E extends object>(e: E): E {
  usageErrors.add(e);
  return e;
}

/** The exit code for an error that ended the program, and whether it is still to be printed (commander prints its own). */
export function exitFor(e: unknown): { code: number; print: boolean } {
  if (e instanceof CommanderError) return { code: e.exitCode === 0 ? EXIT_OK : EXIT_USAGE, print: false };
  return { code: typeof e === 'object' && e !== null && usageErrors.has(e) ? EXIT_USAGE : EXIT_FAILED, print: true };
}

/** This installation's version: the package.json above this file (dist/cli/ when built, cli/ in the sources). */
export function packageVersion(): string {
  for (const up of ['../../package.json', '../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'livemod' && pkg.version) return pkg.version;
    } catch {
      // not this one
    }
  }
  return 'unknown';
}
