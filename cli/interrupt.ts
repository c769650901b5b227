// Work the user can stop. A console command that may run the machine for
// long (`tick`, an `update` waited to its end, `workload stop`, a file
// command: Session.syscalls, whose thread a Ctrl-C kills) runs it in
// slices of a few milliseconds of wall time and yields to Node's event loop
// between them, so a Ctrl-C (readline's on a terminal, SIGINT otherwise) is
// seen while it runs; the command then stops between two events of the
// machine and fails with ECANCELED. Between two events the machine is
// consistent (every step is atomic), so it can go on with the next command.
//
// The slices decide only where a run pauses, never what happens in it: the
// same events run in the same order, so a run in slices ends exactly as one
// run to the same time would (the wall clock never reaches the machine).

import { err, type KernelError } from '../exec/errno.js';
import type { EventQueue } from '../hw/events.js';

/** Wall time a slice may take before the console looks at its input again. */
export const SLICE_MS = 20;

/** Events between two looks at the wall clock. */
const EVENTS_PER_LOOK = 256;

/** The error of a command the user interrupted. */
export function interrupted(what: string, now?: number): KernelError {
  return err('ECANCELED', `${what} interrupted (Ctrl-C)${now === undefined ? '' : ` at t=${now}`}`, 'the machine stopped between two events, consistent; go on with the next command');
}

/**
 * Run the machine's events up to time `until`, or until `done()` holds
 * (checked before each event, as Executive.runUntil does), in slices;
 * throws ECANCELED naming `what` when `signal` is aborted between two. The
 * clock reads `until` at the end unless `done()` stopped it earlier.
 */
export async function runInSlices(events: EventQueue, until: number, what: string, signal?: AbortSignal, done?: () => boolean, sliceMs = SLICE_MS): Promise<void> {
  for (;;) {
    if (signal?.aborted) throw interrupted(what, events.now);
    const deadline = performance.now() + sliceMs;
    let seen = 0;
    let sliceOver = false;
    events.runUntil(until, () => {
      if (done?.()) return true;
      if (++seen % EVENTS_PER_LOOK === 0 && performance.now() > deadline) sliceOver = true;
      return sliceOver;
    });
    if (!sliceOver) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** What a Ctrl-C did (see CtrlC.press). */
export type CtrlCAction = 'interrupted' | 'cleared' | 'hint' | 'exit';

/** The hint the first Ctrl-C at an empty prompt prints, as Node's REPL does. */
export const EXIT_HINT = '(To exit, press Ctrl-C again or Ctrl-D or type exit)';

/**
 * Ctrl-C in the interactive console, as in Node's REPL: it interrupts the
 * running command; with none running it clears a typed line; at an empty
 * prompt the first press prints EXIT_HINT and a second press in a row
 * leaves. Anything else in between (a line entered) starts over.
 */
export class CtrlC {
  private armed = false;

  constructor(private readonly session: { interrupt(): boolean }) {}

  /** A Ctrl-C with `typed` on the input line. */
  press(typed: string): CtrlCAction {
    if (this.session.interrupt()) {
      this.armed = false;
      return 'interrupted';
    }
    if (typed !== '') {
      this.armed = false;
      return 'cleared';
    }
    if (this.armed) return 'exit';
    this.armed = true;
    return 'hint';
  }

  /** A line was entered. */
  reset(): void {
    this.armed = false;
  }
}
