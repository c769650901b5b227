// The file commands of the console: each runs as syscalls from a short-lived
// user thread (Session.sys) while the rest of the machine, the workload
// included, keeps running, so they see exactly what a program would.

import type { Attr } from '../exec/abi.js';
import { arity, type Command, type Session } from './session.js';
import { table } from './format.js';

const enc = (text: string) => new TextEncoder().encode(text);
const dec = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

const define = (c: Command<Session>) => c;

/** The first column of `ls`, as in `ls -l`. */
const TYPE_LETTER: Readonly<Record<Attr['type'], string>> = { file: '-', dir: 'd', chr: 'c', blk: 'b' };

const mount = define({
  name: 'mount',
  usage: 'mount FSTYPE DEVICE PATH',
  summary: 'mount a filesystem (e.g. mount simplefs disk0 /mnt)',
  complete: [[], (s) => s.k.machine.disks.map((d) => d.name), 'path'],
  async run(s, args) {
    arity(mount, args, 3);
    const [fstype, dev, path] = args as [string, string, string];
    await s.syscalls('mount', (sys) => sys.mount(fstype, dev, path));
  },
});

const umount = define({
  name: 'umount',
  usage: 'umount PATH',
  summary: 'unmount the filesystem mounted on PATH',
  complete: ['path'],
  async run(s, args) {
    arity(umount, args, 1);
    await s.syscalls('umount', (sys) => sys.umount(args[0]!));
  },
});

const ls = define({
  name: 'ls',
  usage: 'ls [PATH]',
  summary: 'list a directory (type, size, name)',
  complete: ['path'],
  async run(s, args) {
    arity(ls, args, 0, 1);
    const path = args[0] ?? '/';
    const rows = await s.syscalls('ls', function* (sys) {
      const names = yield* sys.readdir(path);
      const out: [string, string, string][] = [];
      for (const n of names) {
        const st = yield* sys.stat(`${path.replace(/\/$/, '')}/${n}`);
        out.push([TYPE_LETTER[st.type], st.type === 'file' ? String(st.size) : '-', st.type === 'dir' ? `${n}/` : n]);
      }
      return out;
    });
    for (const r of rows) s.print(`${r[0]} ${r[1].padStart(8)}  ${r[2]}`);
  },
});

const df = define({
  name: 'df',
  usage: 'df [PATH]',
  summary: 'space and files of the filesystem holding PATH (default /mnt), through statfs',
  complete: ['path'],
  async run(s, args) {
    arity(df, args, 0, 1);
    const path = args[0] ?? '/mnt';
    const st = await s.syscalls('df', (sys) => sys.statfs(path));
    for (const l of table(['path', 'block size', 'blocks', 'used', 'free', 'files'], [[path, st.blockSize, st.blocks, st.blocks - st.free, st.free, st.files]])) s.print(l);
    const mounted = s.k.vfs.mountTable().some((m) => path === m.path || path.startsWith(`${m.path}/`));
    if (!mounted) s.print(path === '/' ? '(the root namespace: in memory, without blocks)' : `(the root namespace, in memory, without blocks: nothing is mounted on ${path}; to mount one: ${s.mountHint(path)})`);
  },
});

const cat = define({
  name: 'cat',
  usage: 'cat PATH',
  summary: 'print a file',
  complete: ['path'],
  async run(s, args) {
    arity(cat, args, 1);
    const text = dec(await s.syscalls('cat', (sys) => sys.readFile(args[0]!)));
    for (const l of text.replace(/\n$/, '').split('\n')) s.print(l);
  },
});

const write = define({
  name: 'write',
  usage: 'write PATH TEXT...',
  summary: 'create or truncate PATH and write TEXT (words joined by spaces, then a newline)',
  complete: ['path'],
  async run(s, args) {
    arity(write, args, 2, Infinity);
    const data = enc(`${args.slice(1).join(' ')}\n`);
    await s.syscalls('write', (sys) => sys.writeFile(args[0]!, data));
    s.print(`${data.length} bytes written`);
  },
});

const mkdir = define({
  name: 'mkdir',
  usage: 'mkdir PATH',
  summary: 'make a directory',
  complete: ['path'],
  async run(s, args) {
    arity(mkdir, args, 1);
    await s.syscalls('mkdir', (sys) => sys.mkdir(args[0]!));
  },
});

const rm = define({
  name: 'rm',
  usage: 'rm PATH',
  summary: 'remove a file',
  complete: ['path'],
  async run(s, args) {
    arity(rm, args, 1);
    await s.syscalls('rm', (sys) => sys.unlink(args[0]!));
  },
});

const rmdir = define({
  name: 'rmdir',
  usage: 'rmdir PATH',
  summary: 'remove an empty directory',
  complete: ['path'],
  async run(s, args) {
    arity(rmdir, args, 1);
    await s.syscalls('rmdir', (sys) => sys.rmdir(args[0]!));
  },
});

export const FILE_COMMANDS: readonly Command[] = [mount, umount, ls, df, cat, write, mkdir, rm, rmdir];
