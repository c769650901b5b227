// Which exit code an error that ends `livemod` gives, and the version it reports.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { err } from '../exec/errno.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, exitFor, packageVersion, usage } from './exit.js';

describe('exit codes', () => {
  it('is 2 for commander errors and our usage errors, 0 for help and version, 1 for the rest', () => {
    expect(exitFor(new CommanderError(1, 'commander.unknownCommand', 'x'))).toEqual({ code: EXIT_USAGE, print: false });
    expect(exitFor(new CommanderError(0, 'commander.version', '0.1.0'))).toEqual({ code: EXIT_OK, print: false });
    expect(exitFor(usage(err('ENOENT', 'cannot read script x')))).toEqual({ code: EXIT_USAGE, print: true });
    expect(exitFor(err('EIO', 'lost data'))).toEqual({ code: EXIT_FAILED, print: true });
    expect(exitFor('a string')).toEqual({ code: EXIT_FAILED, print: true });
  });

  it('reports the version in package.json', () => {
    const pkg = JSON.parse(readFileSync(resolve(import.meta.dirname, '..', 'package.json'), 'utf8')) as { version: string };
    expect(packageVersion()).toBe(pkg.version);
  });
});
