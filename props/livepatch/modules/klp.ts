// What the Linux test patches' callbacks do, for the versions in this folder
// that stand for them: print, through the kernel log, the line the Linux
// callback prints (`test_klp_callbacks_demo: pre_patch_callback: vmlinux`),
// so that dmesg shows the callbacks in the order they ran. Not a module:
// module files here import it for their callbacks.
//
// Linux's callback also names the target module's state (LIVE, COMING,
// GOING); livemod's callback context has no such state, and the script's
// order of lines says it instead (an update applied at insmod is COMING,
// one reverted at rmmod GOING).

import { err } from 'livemod/module';

/** What a callback is given: issue 11's callback context (at least printk, and the version it starts from). */
export interface CallbackCtx {
  printk(text: string): void;
  /** The version running before the update or revert. */
  readonly from?: string;
}

export type Callback = (ctx: CallbackCtx) => void;

export interface Callbacks {
  readonly prePatch: Callback;
  readonly postPatch: Callback;
  readonly preUnpatch: Callback;
  readonly postUnpatch: Callback;
}

/**
 * The callbacks of test_klp_callbacks_demo (and demo2) for one klp_object:
 * each prints `PATCH: CALLBACK: OBJECT`. With `prePatchRet` (the module
 * parameter pre_patch_ret=-19), the pre-patch callback fails with ENODEV
 * after printing, which refuses the update.
 */
export function demoCallbacks(patch: string, object: string, prePatchRet = 0): Callbacks {
  const say = (callback: string) => (ctx: CallbackCtx) => ctx.printk(`${patch}: ${callback}: ${object}`);
  return {
    prePatch(ctx) {
      say('pre_patch_callback')(ctx);
      if (prePatchRet === -19) throw err('ENODEV', `pre_patch_ret=${prePatchRet}`);
    },
    postPatch: say('post_patch_callback'),
    preUnpatch: say('pre_unpatch_callback'),
    postUnpatch: say('post_unpatch_callback'),
  };
}

/**
 * The callbacks of test_klp_state, state2 and state3 (their vmlinux object):
 * the demo's lines, and the system state (console_loglevel) they change.
 * A version 1 patch always allocates and fixes it; a version 2 patch takes
 * over the change when the version it updates from already made it
 * (`takesOverFrom`: Linux's klp_get_prev_state).
 */
export function loglevelCallbacks(patch: string, takesOverFrom: readonly string[] = []): Callbacks {
  const demo = demoCallbacks(patch, 'vmlinux');
  const had = (ctx: CallbackCtx) => ctx.from !== undefined && takesOverFrom.includes(ctx.from);
  return {
    prePatch(ctx) {
      demo.prePatch(ctx);
      ctx.printk(had(ctx) ? `${patch}: allocate_loglevel_state: space to store console_loglevel already allocated` : `${patch}: allocate_loglevel_state: allocating space to store console_loglevel`);
    },
    postPatch(ctx) {
      demo.postPatch(ctx);
      ctx.printk(had(ctx) ? `${patch}: fix_console_loglevel: taking over the console_loglevel change` : `${patch}: fix_console_loglevel: fixing console_loglevel`);
    },
    preUnpatch(ctx) {
      demo.preUnpatch(ctx);
      ctx.printk(`${patch}: restore_console_loglevel: restoring console_loglevel`);
    },
    postUnpatch(ctx) {
      demo.postUnpatch(ctx);
      ctx.printk(`${patch}: free_loglevel_state: freeing space for the stored console_loglevel`);
    },
  };
}
