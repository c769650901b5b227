// An update's group as the strategies see it (updater/transition.ts): the
// slots of its modules' running versions, where gates go, and the threads
// inside it, read from their shadow stacks: who is busy, where, and the
// words an abort or a straggler is named with.

import type { Thread } from '../exec/thread.js';
import type { Kernel } from '../kernel/kernel.js';
import type { Slot } from '../kernel/symbols.js';
import { hasFrameIn } from './gates.js';

/** The slots of the group's running versions: their exports and ops entries (views' adaptors included). */
export function slotsOf(k: Kernel, names: Iterable<string>): Slot[] {
  const out: Slot[] = [];
  for (const name of names) {
    const mod = k.loader.require(name);
    out.push(...mod.exports.values());
    for (const key of mod.opsTables) {
      const [kind, tname] = key.split(':') as [never, string];
      const table = k.ops.get(kind, tname);
      out.push(...Object.values(table?.slots ?? {}));
      for (const v of table?.views.values() ?? []) out.push(...Object.values(v.adaptors));
    }
  }
  return out;
}

/** Threads (other than `self`) with a frame in one of `modules`. */
export function busyThreads(k: Kernel, modules: ReadonlyMap<string, string | null>, self: Thread): Thread[] {
  return k.sched.threads().filter((t) => t !== self && hasFrameIn(t.frames, modules));
}

/** Where `t` is in `modules`: its innermost frame there, as `simplefs.write` (an ops entry `fs:simplefs.write` by its operation). */
export function whereIn(t: Thread, modules: ReadonlyMap<string, string | null>): string {
  const f = [...t.frames].reverse().find((x) => hasFrameIn([x], modules));
  return f ? `${f.module}.${f.fn.includes(':') ? f.fn.slice(f.fn.lastIndexOf('.') + 1) : f.fn}` : '-';
}

/** Each busy thread with its frames in `modules`, for the abort message. */
export function describeBusy(threads: readonly Thread[], modules: ReadonlyMap<string, string | null>): string {
  return threads
    .map((t) => `thread ${t.tid} (${t.name}) in ${t.frames.filter((f) => hasFrameIn([f], modules)).map((f) => `${f.module}@${f.version}:${f.fn}`).join(' > ')}${t.waitChannel ? `, waiting on ${t.waitChannel}` : ''}`)
    .join('; ');
}
