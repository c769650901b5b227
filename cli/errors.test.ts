// Errors that blame the right party: a bug inside livemod is reported as an
// internal error, never as the user's EINVAL; bad input is refused from
// validation with the errno and what to do; a module file whose definition
// cannot even be read is ENOEXEC; and the errnos of df, write, rm and
// `livemod run DIR` match what Linux says.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorData } from '../api/data.js';
import { ConsoleSession } from './console.js';
import { describeError } from './format.js';
import { readScript } from './script.js';
import { runScript } from './script.js';

function session() {
  const lines: string[] = [];
  const errors: string[] = [];
  const s = ConsoleSession.boot({ seed: 1, cpus: 2 }, (l) => lines.push(l));
  return { s, lines, errors, run: (text: string) => runScript(s, text, { source: 'test', echo: false, printErr: (l) => errors.push(l) }) };
}

const tmp = mkdtempSync(join(tmpdir(), 'livemod-errors-'));

describe('internal errors are not the user\'s EINVAL', () => {
  it('a workload stop held up by a hung disk request is ETIMEDOUT naming the thread and what to do, and a later stop succeeds', async () => {
    const { s, lines, errors, run } = session();
    // A request timeout longer than the stop waits, so the hung request holds the thread for all of it.
    expect(await run('insmod blkdev@1.0.0 timeout=1000000000\ninsmod simplefs@1.0.0\nmount simplefs disk0 /mnt\nworkload start\ntick 20k\nfault disk0 hang 1\ntick 50k')).toBe(true);
    expect(await run('workload stop')).toBe(false);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^test:1: ETIMEDOUT: workload threads did not stop within 100000000 cycles: \d+ \(disk I\/O .*\) \(ps shows what they wait on .*fault disk0 clear releases it.*\)$/);
    expect(await run('fault disk0 clear\nworkload stop')).toBe(true);
    expect(lines.at(-1)).toMatch(/: all correct$/);
    expect(s.k.stats.oopses).toBe(0);
  });

  it('reports a TypeError or RangeError from inside livemod as an internal error, a KernelError as its errno', () => {
    expect(describeError(new TypeError("Cannot read properties of undefined (reading 'x')"))).toMatch(/^internal error: Cannot read properties.*please report it/);
    expect(errorData(new RangeError('Invalid array length')).errno).toBe('internal');
  });

  it('refuses workload start threads=0 from validation: EINVAL, the range, what to type; the machine goes on', async () => {
    const { s, errors, run } = session();
    expect(await run('insmod kmsg\ninsmod blkdev\ninsmod simplefs\nmount simplefs disk0 /mnt')).toBe(true);
    for (const bad of ['threads=0', 'threads=65', 'files=0', 'size=0', 'size=1M']) {
      errors.length = 0;
      expect(await run(`workload start ${bad}`)).toBe(false);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/^test:1: EINVAL: workload (threads|files|size) must be \d+\.\.\d+, got \d+ \(e\.g\. workload start \w+=\d+\)$/);
    }
    expect(s.workload ?? null).toBeNull();
    expect(await run('workload start threads=2\ntick 100k\nworkload stop')).toBe(true);
  });
});

describe('a module file whose definition cannot be read', () => {
  it('is ENOEXEC when a getter of its default export throws, and nothing is loaded', async () => {
    const { s, errors, run } = session();
    const file = join(tmp, 'getter.js');
    writeFileSync(file, "export default { get name() { throw new Error('boom'); }, version: '1.0.0', description: 'x' };\n");
    const nested = join(tmp, 'nested.js');
    writeFileSync(nested, "export default { name: 'nested', version: '1.0.0', description: 'x', get ops() { throw new TypeError('no ops today'); } };\n");
    expect(await run(`insmod ${file}`)).toBe(false);
    expect(errors[0]).toMatch(/ENOEXEC: .*getter\.js: reading its definition failed: boom/);
    expect(await run(`insmod ${nested}`)).toBe(false);
    expect(errors[1]).toMatch(/ENOEXEC: .*nested\.js: reading its definition failed: no ops today/);
    expect(s.k.loader.list()).toEqual([]);
  });
});

describe('errnos as Linux has them', () => {
  it('df with nothing mounted shows the root namespace and says how to mount, not ENOSYS', async () => {
    const { lines, errors, run } = session();
    expect(await run('df')).toBe(true);
    expect(errors).toEqual([]);
    expect(lines.join('\n')).toMatch(/\/mnt\s+512\s+0\s+0\s+0/);
    expect(lines.join('\n')).toMatch(/nothing is mounted on \/mnt; to mount one: .*mount simplefs disk0 \/mnt\)/);
  });

  it('write / x and write to a directory are EISDIR; rm of a directory, /mnt/.. or / is EISDIR; rmdir / is EBUSY; mkdir / stays EEXIST', async () => {
    const { errors, run } = session();
    expect(await run('insmod kmsg\ninsmod blkdev\ninsmod simplefs\nmount simplefs disk0 /mnt\nmkdir /mnt/d')).toBe(true);
    const cases: [string, string][] = [
      ['write / x', 'EISDIR'],
      ['write /mnt x', 'EISDIR'],
      ['write /mnt/d x', 'EISDIR'],
      ['write /mnt/d/.. x', 'EISDIR'],
      ['rm /mnt/..', 'EISDIR'],
      ['rm /', 'EISDIR'],
      ['rm /mnt/d', 'EISDIR'],
      ['rmdir /', 'EBUSY'],
      ['mkdir /', 'EEXIST'],
    ];
    for (const [line, errno] of cases) {
      errors.length = 0;
      expect(await run(line), line).toBe(false);
      expect(errors[0], line).toMatch(new RegExp(`^test:1: ${errno}: `));
    }
  });

  it('livemod run DIR: EISDIR for a directory, ENOENT for a missing file', () => {
    expect(() => readScript(tmp)).toThrow(expect.objectContaining({ errno: 'EISDIR' }));
    expect(() => readScript(join(tmp, 'missing.txt'))).toThrow(expect.objectContaining({ errno: 'ENOENT' }));
    writeFileSync(join(tmp, 'ok.txt'), 'lsmod\n');
    expect(readScript(join(tmp, 'ok.txt'))).toBe('lsmod\n');
  });
});
