// Faults you can recover from, on both kernels, through the console: a
// stalled disk request released (`fault DISK release`), everything cleared
// (`fault DISK clear`), a request the driver times out with EIO, and `kill
// TID` of a thread stuck in a hung request; after each, `workload stop`
// verifies every byte with nothing lost, and unmount, unload and update of
// the block driver work again.

import { describe, expect, it } from 'vitest';
import { ConsoleSession } from './console.js';
import { ObjectConsoleSession } from './objects.js';
import { runScript } from './script.js';

type Kind = 'modules' | 'objects';
type AnySession = ConsoleSession | ObjectConsoleSession;

function session(kind: Kind, seed = 1) {
  const lines: string[] = [];
  const errors: string[] = [];
  const print = (l: string) => lines.push(l);
  const s: AnySession = kind === 'modules' ? ConsoleSession.boot({ seed, cpus: 4 }, print) : ObjectConsoleSession.boot({ seed, cpus: 4 }, print);
  return { s, lines, errors, run: (text: string) => runScript(s, text, { source: 'test', echo: false, printErr: (l) => errors.push(l) }) };
}

/** Mount simplefs on disk0; on the procedural kernel load the modules first, blkdev with `blkdev` parameters. */
const boot = (kind: Kind, blkdev = '') => (kind === 'modules' ? [`insmod blkdev@1.0.0 ${blkdev}`, 'insmod simplefs@1.0.0'] : []).concat('mount simplefs disk0 /mnt').join('\n');

/** The live threads asleep in disk I/O. */
const inDiskIo = (s: AnySession) => s.k.sched.threads().filter((t) => /disk I\/O/.test(t.waitChannel ?? ''));

/** The one thread held by the stalled request: asleep in the same disk I/O before and after 20k cycles more (a served request takes a few thousand). */
function hungThread(s: AnySession) {
  const before = new Map(inDiskIo(s).map((t) => [t.tid, t.waitChannel]));
  s.k.run(20_000);
  const still = inDiskIo(s).filter((t) => before.get(t.tid) === t.waitChannel);
  expect(still).toHaveLength(1);
  return still[0]!;
}

const stoppedLine = (lines: string[]) => lines.find((l) => l.startsWith('workload stopped: '));

describe.each<Kind>(['modules', 'objects'])('faults you can recover from (%s kernel)', (kind) => {
  it('fault release lets stalled requests complete, oldest first, N at a time; the workload then verifies every byte with nothing failed', async () => {
    const { s, lines, run } = session(kind);
    expect(await run(`${boot(kind)}\nworkload start threads=2 files=2\ntick 50k\nfault disk0 hang 2\ntick 200k`)).toBe(true);
    expect(s.k.machine.disks[0]!.stalled).toBe(2);
    expect(inDiskIo(s)).toHaveLength(2);
    expect(await run('fault disk0 release 1')).toBe(true);
    expect(lines.at(-1)).toBe('disk0: 1 stalled request(s) released, 1 still stalled');
    expect(await run('fault disk0 release\nworkload stop')).toBe(true);
    expect(lines).toContain('disk0: 1 stalled request(s) released, 0 still stalled');
    expect(stoppedLine(lines)).toMatch(/^workload stopped: \d+ operations, 0 failed$/);
    expect(lines.some((l) => /^verified \d+ files, \d+ bytes: all correct$/.test(l))).toBe(true);
  });

  it('fault clear clears sector errors, cancels hangs not yet met and releases stalled requests', async () => {
    const { s, lines, run } = session(kind);
    expect(await run(`${boot(kind)}\nwrite /mnt/a before\nfault disk0 error 3\nfault disk0 hang 2`)).toBe(true);
    const writer = s.k.spawnUser('writer', (sys) => sys.writeFile('/mnt/b', new TextEncoder().encode('stalled')));
    s.k.run(50_000);
    expect(writer.state).toBe('blocked');
    expect(await run('fault disk0 clear')).toBe(true);
    expect(lines.at(-1)).toBe('disk0: sector errors cleared, 1 stalled request(s) released, 1 pending hang(s) cancelled');
    s.k.run(50_000);
    expect(writer.state).toBe('exited');
    expect(writer.error).toBeUndefined();
    expect(s.k.machine.disks[0]!.hangsPending).toBe(0);
    expect(await run('cat /mnt/b\numount /mnt')).toBe(true);
    expect(lines).toContain('stalled');
  });

  it('a hung request under the running workload times out with EIO; workload stop accounts for it and verifies every byte, nothing lost', async () => {
    const { s, lines, errors, run } = session(kind);
    // The twin's timeout is the default (30M cycles); the procedural kernel's is set shorter, and checked.
    const timeout = kind === 'modules' ? 300_000 : 30_000_000;
    expect(await run(`${boot(kind, `timeout=${timeout}`)}\nworkload start threads=3 files=3\ntick 50k\nfault disk0 hang 1\ntick 30k`)).toBe(true);
    expect(s.k.machine.disks[0]!.stalled).toBe(1);
    const hung = hungThread(s);
    const hungAt = s.k.now;
    expect(await run('workload stop')).toBe(true);
    expect(errors).toEqual([]);
    expect(s.k.now - hungAt).toBeGreaterThan(timeout - 30_000); // it waited for the timeout
    expect(stoppedLine(lines)).toMatch(/^workload stopped: \d+ operations, 1 failed; 1 of them with EIO \(the disk failed them\)$/);
    expect(lines.some((l) => /^  failed: \S+ \/mnt\/w\d\/f\d.*: EIO: .*timed out after \d+ cycles/.test(l))).toBe(true);
    expect(lines.some((l) => /^verified \d+ files, \d+ bytes: all correct$/.test(l))).toBe(true);
    expect(hung.state).toBe('exited');
    expect(s.k.machine.disks[0]!.stalled).toBe(0); // aborted on the disk: nothing left to write late
    expect(await run('dmesg\numount /mnt')).toBe(true);
    expect(lines.some((l) => new RegExp(`request \\d+ \\(\\w+ [^)]*\\) timed out after ${timeout} cycles; failed with EIO`).test(l))).toBe(true);
  }, 60_000);

  it('kill TID: ESRCH for no such thread; a thread stuck in a hung request is killed, its request given up, and the workload, umount and an update of the block driver work again', async () => {
    const { s, lines, errors, run } = session(kind);
    expect(await run(`${boot(kind, 'timeout=1000000000')}\n! kill 999\n! kill me`)).toBe(true);
    expect(lines).toContain('  (failed as expected) ESRCH: no thread 999 (ps lists the live threads)');
    expect(lines.some((l) => /\(failed as expected\) EINVAL: TID must be a thread id, got 'me'/.test(l))).toBe(true);
    expect(await run('workload start threads=3 files=3\ntick 50k\nfault disk0 hang 1\ntick 30k')).toBe(true);
    const hung = hungThread(s);
    if (kind === 'modules') expect(hung.frames.map((f) => f.module)).toContain('blkdev');
    expect(await run(`kill ${hung.tid}`)).toBe(true);
    expect(lines.at(-1)).toBe(`killed ${hung.tid} (${hung.name})`);
    expect(hung.state).toBe('exited');
    expect(s.k.machine.disks[0]!.stalled).toBe(0);
    expect(await run('workload stop')).toBe(true);
    expect(errors).toEqual([]);
    expect(stoppedLine(lines)).toMatch(/^workload stopped: \d+ operations, 0 failed; 1 cut short by kill$/);
    expect(lines.some((l) => /^verified \d+ files, \d+ bytes: all correct$/.test(l))).toBe(true);
    expect(s.k.vfs.openFiles()).toBe(0);
    expect(await run(`update blkdev@1.1.0\n${kind === 'modules' ? 'umount /mnt\nrmmod simplefs\nrmmod blkdev' : 'umount /mnt'}`)).toBe(true);
    expect(errors).toEqual([]);
  }, 60_000);

  it('kill refuses a kernel thread with EPERM; killing the thread a transition waits for lets it complete', async () => {
    const { s, lines, run } = session(kind);
    expect(await run(`${boot(kind, 'timeout=1000000000')}\nworkload start threads=2 files=2\ntick 50k\nfault disk0 hang 1\ntick 30k\nupdate blkdev@1.1.0 --nowait\ntick 10k`)).toBe(true);
    const updater = s.k.sched.threads().find((t) => t.kind === 'kernel');
    expect(updater).toBeDefined();
    expect(await run(`! kill ${updater!.tid}`)).toBe(true);
    expect(lines.at(-1)).toMatch(new RegExp(`^  \\(failed as expected\\) EPERM: thread ${updater!.tid} \\(${updater!.name}\\) is a kernel thread and is not killed`));
    const hung = hungThread(s);
    expect(await run(`kill ${hung.tid}\ntick 100k\nhistory`)).toBe(true);
    expect(lines.some((l) => /^update 1 committed: blkdev 1\.0\.0 -> 1\.1\.0/.test(l))).toBe(true);
    expect(await run('workload stop')).toBe(true);
  }, 60_000);
});

describe("the twin's BlockDevice", () => {
  it('drops a completion that comes after its request timed out, also across hot-swaps 1.0.0 -> 1.1.0 -> 2.0.0 (the transfer format carries it)', async () => {
    const lines: string[] = [];
    // A slow disk (every request 1M cycles), so a request released shortly before its deadline completes well after it.
    const s = ObjectConsoleSession.boot({ seed: 1, cpus: 2, diskLatency: { base: 1_000_000, jitter: 0, perSector: 0 } }, (l) => lines.push(l));
    const run = (text: string) => runScript(s, text, { source: 'test', echo: false, printErr: (l) => lines.push(l) });
    expect(await run('mount simplefs disk0 /mnt\nfault disk0 hang 1')).toBe(true);
    const writer = s.k.spawnUser('writer', (sys) => sys.writeFile('/mnt/a', new TextEncoder().encode('late')));
    s.k.runUntil(() => writer.state === 'blocked', 100_000);
    const disk = s.k.machine.disks[0]!;
    expect(disk.stalled).toBe(1);
    s.k.run(30_000_000 - 500_000);
    expect(writer.state).toBe('blocked');
    expect(disk.release()).toBe(1); // its completion comes 1M cycles later: after the deadline
    s.k.run(600_000);
    expect(writer.state).toBe('exited');
    expect((writer.error as { errno?: string }).errno).toBe('EIO');
    const device = () => [...s.k.factories.get('BlockDevice')!.instances.values()][0]!;
    const abandoned = () => [...(device().obj as { abandoned: Set<number> }).abandoned];
    expect(abandoned()).toHaveLength(1);
    expect(await run('update blkdev@1.1.0\nupdate blkdev@2.0.0')).toBe(true);
    expect(device().cls.version).toBe('2.0.0');
    expect(abandoned()).toHaveLength(1); // carried by blk-v1 through both swaps, the completion still to come
    expect(await run('tick 2M\ndmesg')).toBe(true);
    expect(abandoned()).toEqual([]);
    expect(lines.some((l) => /late completion of abandoned request \d+ \(ok\) ignored/.test(l))).toBe(true);
    expect(disk.queued).toBe(0);
    expect(await run('write /mnt/b after\ncat /mnt/b')).toBe(true); // the device still counts its requests right
    expect(lines.at(-1)).toBe('after');
  }, 60_000);
});
