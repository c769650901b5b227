// test_klp_mod_target 1.0.0 (test_modules/test_klp_mod_target.c): a target
// module with a function to patch, test_klp_mod_target_show, behind the
// device /dev/test_klp_mod_target (Linux: /proc/test_klp_mod_target, later a
// module parameter's get). Its init and exit say so in the log.

import { defineModule, type Ctx } from 'livemod/module';

type M = Ctx<Record<string, never>>;

/** A device that reads as one line of text; `pos` is how much of it the reader has had. */
export function line(text: string, pos: number, len: number): { data: Uint8Array; pos: number } {
  const data = new TextEncoder().encode(`${text}\n`).subarray(pos, pos + len);
  return { data, pos: pos + data.length };
}

/** test_klp_mod_target_show, unpatched. */
const show = (m: M, pos: number, len: number) => line(`${m.name}: original output`, pos, len);

export default defineModule({
  name: 'test_klp_mod_target',
  version: '1.0.0',
  description: 'livepatch test: target module with a device to patch',
  state: { schema: 1, initial: () => ({}) },
  ops: { 'chrdev:test_klp_mod_target': { read: show } },
  init(m) { m.k.printk('test_klp_mod_target_init'); },
  exit(m) { m.k.printk('test_klp_mod_target_exit'); },
});
