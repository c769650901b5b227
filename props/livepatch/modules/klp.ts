// What the Linux test patches' callbacks do, for the versions in this folder
// that stand for them: print, through the kernel log, the line the Linux
// callback prints (`test_klp_callbacks_demo: pre_patch_callback: vmlinux`),
// so that dmesg shows the callbacks in the order they ran. Not a module:
// module files here import it for their callbacks.
//
// A target module's callbacks also name where the module is, as Linux's
// name its module state (LIVE, COMING, GOING), from the callback context's
// `life`.

import { err } from 'livemod/module';

/** What a callback is given: the part of issue 11's callback context these callbacks read. */
export interface CallbackCtx {
  printk(text: string): void;
  /** Where the target module is: being loaded, running, or being unloaded. */
  readonly life?: 'coming' | 'live' | 'going';
  /** The state as the version below in the update stack has it (Linux's klp_get_prev_state). */
  prevState?(id: string): unknown;
}

/** How Linux's test modules print a module's state. */
const MODULE_STATE = {
  live: '[MODULE_STATE_LIVE] Normal state',
  coming: '[MODULE_STATE_COMING] Full formed, running module_init',
  going: '[MODULE_STATE_GOING] Going away',
} as const;

export type Callback = (ctx: CallbackCtx) => void;

export interface Callbacks {
  readonly prePatch: Callback;
  readonly postPatch: Callback;
  readonly preUnpatch: Callback;
  readonly postUnpatch: Callback;
}

/**
 * The callbacks of test_klp_callbacks_demo (and demo2) for one klp_object:
 * each prints `PATCH: CALLBACK: vmlinux`, or for a module
 * `PATCH: CALLBACK: MODULE -> STATE`. With `prePatchRet` (the module
 * parameter pre_patch_ret=-19), the pre-patch callback fails with ENODEV
 * after printing, which refuses the update.
 */
export function demoCallbacks(patch: string, object: string, prePatchRet = 0): Callbacks {
  const say = (callback: string) => (ctx: CallbackCtx) =>
    ctx.printk(`${patch}: ${callback}: ${object}${object === 'vmlinux' ? '' : ` -> ${MODULE_STATE[ctx.life ?? 'live']}`}`);
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
 * test_klp_state (state version 1) always allocates and fixes it;
 * state2 and state3 (`takesOver`) take the change over when the version
 * below them in the stack has the state already.
 */
export function loglevelCallbacks(patch: string, takesOver = false): Callbacks {
  const demo = demoCallbacks(patch, 'vmlinux');
  const had = (ctx: CallbackCtx) => takesOver && ctx.prevState?.('console_loglevel') !== undefined;
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
