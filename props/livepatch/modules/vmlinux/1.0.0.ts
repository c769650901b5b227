// vmlinux 1.0.0: what the Linux livepatch selftests patch in vmlinux, as a
// module loaded first (livemod's kernel proper is not patched by updates).
// /dev/cmdline and /dev/meminfo stand for /proc/cmdline and /proc/meminfo
// (cmdline_proc_show and meminfo_proc_show, the functions the test patches
// replace), and the export `getpid` for the getpid syscall. The other
// versions in this folder are the Linux test patches, each a version of this
// module (see the header of each).

import { defineModule, type Ctx } from 'livemod/module';

type M = Ctx<Record<string, never>>;

/** A device that reads as one line of text; `pos` is how much of it the reader has had. */
export function line(text: string, pos: number, len: number): { data: Uint8Array; pos: number } {
  const data = new TextEncoder().encode(`${text}\n`).subarray(pos, pos + len);
  return { data, pos: pos + data.length };
}

/** cmdline_proc_show, unpatched. */
export const cmdline = (_m: M, pos: number, len: number) => line('BOOT_IMAGE=/boot/vmlinuz root=/dev/disk0 ro', pos, len);

/** meminfo_proc_show, unpatched. */
export const meminfo = (_m: M, pos: number, len: number) => line('MemTotal: 65536 kB', pos, len);

/** The getpid syscall: the calling thread's id. */
export const getpid = (m: M) => m.k.tid();

export default defineModule({
  name: 'vmlinux',
  version: '1.0.0',
  description: 'the parts of vmlinux the Linux livepatch selftests patch',
  state: { schema: 1, initial: () => ({}) },
  exports: { getpid: { version: 1, fn: getpid } },
  ops: {
    'chrdev:cmdline': { read: cmdline },
    'chrdev:meminfo': { read: meminfo },
  },
});
