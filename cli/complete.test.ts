// Tab completion as the interactive console offers it: commands, module
// names and their versions, loaded modules, paths read from the machine
// with syscalls, symbols for call, and the fixed words of a command.

import { describe, expect, it } from 'vitest';
import { catalog } from '../catalog/catalog.js';
import { completeLine } from './complete.js';
import { ConsoleSession } from './console.js';
import { ObjectConsoleSession } from './objects.js';

async function session(lines: string[] = []) {
  const s = ConsoleSession.boot({ seed: 1 }, () => {});
  for (const l of lines) await s.exec(l);
  return s;
}

const hits = (s: ConsoleSession | ObjectConsoleSession, line: string) => completeLine(s, line)[0];

describe('completion', () => {
  it('completes the command, with a space after a single one', async () => {
    const s = await session();
    expect(completeLine(s, 'ins')).toEqual([['insmod '], 'ins']);
    expect(hits(s, 'l')).toEqual(['lockdown', 'ls', 'lsmod']);
    expect(hits(s, 'lockdown i')).toEqual(['integrity ']);
    expect(hits(s, '')).toEqual([...s.commands.keys()].sort());
    expect(hits(s, 'help upd')).toEqual(['update ']);
    expect(hits(s, 'frob x')).toEqual([]);
  });

  it('completes module names, loaded or in the histories, and after NAME@ their versions', async () => {
    const s = await session(['insmod kmsg']);
    expect(hits(s, 'insmod simp')).toEqual(['simplefs']); // no space: a version may follow
    expect(hits(s, 'insmod simplefs')).toEqual(catalog().get('simplefs')!.map((v) => `simplefs@${v}`));
    expect(hits(s, 'insmod simplefs@2.')).toEqual(['simplefs@2.0.0', 'simplefs@2.0.1', 'simplefs@2.1.0', 'simplefs@2.2.0', 'simplefs@2.3.0']);
    expect(hits(s, 'insmod blkdev@1.1')).toEqual(['blkdev@1.1.0 ']);
    expect(hits(s, 'update kmsg@1.0.0 blk')).toEqual(['blkdev']);
    expect(hits(s, 'rmmod ')).toEqual(['kmsg ']); // only what is loaded
    expect(hits(s, 'revert s')).toEqual([]);
    expect(hits(s, 'update kmsg@2.0.0 --str')).toEqual([]);
  });

  it('completes paths on the machine through readdir, directories ending in /', async () => {
    const s = await session(['insmod kmsg', 'insmod blkdev', 'insmod simplefs', 'mount simplefs disk0 /mnt', 'mkdir /mnt/docs', 'write /mnt/docs/a.txt a', 'write /mnt/notes b']);
    const syscalls = s.k.stats.syscalls;
    expect(hits(s, 'cat /mnt/')).toEqual(['/mnt/docs/', '/mnt/notes']);
    expect(s.k.stats.syscalls).toBeGreaterThan(syscalls);
    expect(hits(s, 'cat /mnt/d')).toEqual(['/mnt/docs/']);
    expect(hits(s, 'cat /mnt/docs/')).toEqual(['/mnt/docs/a.txt ']);
    expect(hits(s, 'ls /d')).toEqual(['/dev/']);
    expect(hits(s, 'ls ')).toEqual(['/']);
    expect(hits(s, 'cat /nothing/here')).toEqual([]);
    expect(hits(s, 'write /mnt/notes some te')).toEqual([]); // TEXT is not a path
    expect(hits(s, 'mount simplefs d')).toEqual(['disk0 ']);
  });

  it('completes symbols for call, and the fixed words of a command', async () => {
    const s = await session(['insmod kmsg', 'insmod blkdev']);
    expect(hits(s, 'call blk_cap')).toEqual(['blk_capacity', 'blk_capacity@1']);
    expect(hits(s, 'call kmsg_r')).toEqual(['kmsg_read', 'kmsg_read@1']);
    expect(hits(s, 'workload st')).toEqual(['start', 'status', 'stop']);
    expect(hits(s, 'fault disk0 h')).toEqual(['hang ']);
  });

  it('completes the releases on the object twin', () => {
    const s = ObjectConsoleSession.boot({ seed: 1 }, () => {});
    expect(hits(s, 'update simp')).toEqual(['simplefs']);
    expect(hits(s, 'update blkdev@')).toEqual(['blkdev@1.0.0', 'blkdev@1.1.0', 'blkdev@2.0.0']);
  });
});
