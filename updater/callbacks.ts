// The callbacks of an update (Linux livepatch's object callbacks, in the
// order Documentation/livepatch/callbacks.rst gives), mapped onto livemod:
// the version an update goes to is the patch for its module, a group update
// is a patch with several objects, and a revert is the unpatch.
//
//   update   prePatch of each new version (in the group's order) before the
//            transition starts; one that throws refuses the update with its
//            errno, and the new versions whose prePatch ran get postUnpatch
//            -> transition -> postPatch of each once it has completed;
//            aborted (or reversed): postUnpatch of each, no preUnpatch
//   revert   preUnpatch of each version going away before the transition
//            -> postUnpatch of each once it has completed;
//            aborted: the versions stay, and get postPatch again
//   coming   (a kept update applied while its module loads, deferred.ts)
//            prePatch, postPatch, before the module's init; during its
//            update's transition, postPatch waits for the update's end
//   going    (rmmod) after the module's exit: preUnpatch, postUnpatch of
//            each version in its update stack, oldest update first
//
// Only prePatch may refuse. A throw from the others is an oops (logged and
// counted) and the step goes on, as those callbacks return void in Linux.

import { err, isKernelError, KernelError, thrownMessage } from '../exec/errno.js';
import type { UpdateKind } from '../exec/lifecycle.js';
import { isSoftLockup } from '../exec/watchdog.js';
import type { Kernel } from '../kernel/kernel.js';
import type { CallbackContext, CallbackName, ModuleDef, ModuleLife } from '../kernel/module.js';
import type { Plan } from './plan.js';

/** One module's step a callback belongs to. */
export interface CallbackStep {
  /** The version whose callbacks run (the patch). */
  readonly def: ModuleDef;
  readonly from: string;
  readonly to: string;
  /** The version below `def` in the module's stack (whose states `prevState` reads), if any. */
  readonly below: ModuleDef | undefined;
  readonly life: ModuleLife;
}

function context(k: Kernel, s: CallbackStep): CallbackContext {
  const name = s.def.name;
  return Object.freeze({
    module: name,
    version: s.def.version,
    from: s.from,
    to: s.to,
    life: s.life,
    printk: (text: string) => k.printk(`${name}: ${text}`),
    state: (id: string) => k.systemStates.of(s.def).get(id),
    prevState: (id: string) => (s.below ? k.systemStates.of(s.below).get(id) : undefined),
  });
}

/**
 * Run one callback of `s.def`, if it declares it. prePatch throws the
 * refusal (the callback's own errno and message); the others never throw.
 */
export function runCallback(k: Kernel, which: CallbackName, s: CallbackStep): void {
  const fn = s.def.callbacks?.[which];
  if (!fn) return;
  const who = `${s.def.name} ${s.def.version} ${which}`;
  try {
    const r: unknown = fn(context(k, s));
    if (r !== undefined) throw new Error('returned a value; a callback must be a plain function that returns nothing');
  } catch (e) {
    if (which !== 'prePatch') {
      k.oops(who, e);
      return;
    }
    if (isKernelError(e)) throw new KernelError(e.errno, `${who}: ${e.message}`, e.hint ?? 'the update was refused; nothing changed');
    // Stopped by the watchdog: not a refusal the callback chose, but the update is cancelled all the same (README: Containment).
    if (isSoftLockup(e)) throw err('ECANCELED', `${who} was stopped: ${e.message}`, 'the update was refused; nothing changed. A callback must return without looping forever');
    throw err('EINVAL', `${who} failed: ${thrownMessage(e)}`, 'the update was refused; nothing changed. A callback refuses with err(ERRNO, message)');
  }
}

/** The steps of a plan: each module's patch (update) or the patch being taken away (revert). */
function stepsOf(p: Plan, kind: UpdateKind): CallbackStep[] {
  return p.modules.map((m) =>
    kind === 'update'
      ? { def: m.newDef, from: m.from, to: m.to, below: m.oldDef, life: 'live' as const }
      : { def: m.oldDef, from: m.from, to: m.to, below: m.newDef, life: 'live' as const },
  );
}

/** The callbacks of one running update or revert, from before its transition to its end. */
export class UpdateCallbacks {
  private readonly steps: CallbackStep[];
  /** The steps whose prePatch (or preUnpatch) has run. */
  private readonly started: CallbackStep[] = [];

  constructor(
    private readonly k: Kernel,
    p: Plan,
    private readonly kind: UpdateKind,
  ) {
    this.steps = stepsOf(p, kind);
  }

  /** Before the transition: prePatch of each (throws the first refusal, after postUnpatch of those that ran), or preUnpatch of each. */
  begin(): void {
    for (const s of this.steps) {
      if (this.kind === 'update') {
        try {
          runCallback(this.k, 'prePatch', s);
        } catch (e) {
          this.aborted();
          throw e;
        }
      } else {
        runCallback(this.k, 'preUnpatch', s);
      }
      this.started.push(s);
    }
  }

  /** The transition completed: postPatch (update) or postUnpatch (revert) of each. */
  completed(): void {
    for (const s of this.started) runCallback(this.k, this.kind === 'update' ? 'postPatch' : 'postUnpatch', s);
  }

  /** The transition was aborted or reversed: the update's new versions get postUnpatch; a revert's versions stay, and get postPatch. */
  aborted(): void {
    for (const s of this.started) runCallback(this.k, this.kind === 'update' ? 'postUnpatch' : 'postPatch', s);
  }
}
