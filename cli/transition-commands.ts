// The console's verbs on a transition left pending in the background
// (`update --nowait`): `transition` shows it and where each thread stands,
// `signal` wakes the interruptible sleepers still in the old code, `force`
// completes it now (unsafe), `purge` ends one that has no limit (Erlang's
// soft_purge, or purge with --kill). `revert NAME` reverses it
// (update-commands.ts). They act through api/control.ts, as the API does;
// the end of the transition is printed by the session when it comes.

import { forceTransition, purgeTransition, signalTransition } from '../api/control.js';
import { transitionData, updateData } from '../api/data.js';
import { parseFlags } from './flags.js';
import { threadsLine } from './format.js';
import { arity, type Command, type Session } from './session.js';

const define = (c: Command<Session>) => c;

/** What `force` and `purge` print when the transition is still pending after them (its end comes later). */
function stillPending(s: Session, id: number): void {
  if (s.k.updates.running?.id === id) s.print(`update ${id}: transition still pending (tick to let it end)`);
}

const transition = define({
  name: 'transition',
  usage: 'transition',
  summary: 'the transition pending in the background, if any, and where each thread stands in it (old, new, held)',
  details: [
    'per-task: old until the thread has no frame of the version being left, then new;',
    'module and the object twin: old while the thread is inside the old code, held while a gate holds it.',
    'A thread still in the code being left shows where (in MODULE.FUNCTION).',
  ],
  run(s, args) {
    arity(transition, args, 0);
    const d = transitionData(s.k);
    if (!d) {
      s.print('no transition pending');
      return null;
    }
    s.print(`${d.kind} ${d.id}: ${d.direction} ${d.modules.map((m) => `${m.name} ${m.from} -> ${m.to}`).join(', ')} (${d.strategy}), ${d.elapsed} cycles`);
    const tidWidth = Math.max(0, ...d.threads.map((t) => `tid ${t.tid}`.length));
    const nameWidth = Math.max(0, ...d.threads.map((t) => t.name.length));
    for (const t of d.threads) s.print(`  ${`tid ${t.tid}`.padEnd(tidWidth)} ${t.name.padEnd(nameWidth)}  ${t.state.padEnd(5)} ${t.where ? `in ${t.where}` : ''}`.trimEnd());
    return d;
  },
});

const signal = define({
  name: 'signal',
  usage: 'signal',
  summary: 'send a fake signal to the threads still in the old code of the pending transition',
  details: [
    'A thread asleep interruptibly there (and before its syscall changed anything) is woken, unwinds, switches',
    'at the syscall boundary and restarts the syscall unseen. Uninterruptible waits (disk I/O) are not woken.',
  ],
  run(s, args) {
    arity(signal, args, 0);
    const report = signalTransition(s.k);
    const stuck = report.uninterruptible.length;
    s.print(`signalled ${threadsLine(report.woken)}${stuck ? `; ${stuck} in an uninterruptible wait (${report.uninterruptible.map((t) => `tid ${t}`).join(', ')})` : ''}`);
    return report;
  },
});

const force = define({
  name: 'force',
  usage: 'force',
  summary: 'complete the pending transition now, whoever is still in the old code (unsafe: taints the kernel)',
  details: ['The old version stays resident: rmmod of its module is refused from then on.'],
  run(s, args) {
    arity(force, args, 0);
    const id = s.k.updates.pendingFor('force').record.id;
    s.background.add(id); // the session prints `forced` when it is
    const r = forceTransition(s.k);
    stillPending(s, id);
    return updateData(r);
  },
});

const purge = define({
  name: 'purge',
  usage: 'purge NAME [--kill]',
  summary: "end NAME's pending transition: refused while threads run the old code, unless --kill kills them",
  details: ["Erlang's code:soft_purge (EBUSY naming the threads still in the old code) and, with --kill, code:purge."],
  complete: ['loaded'],
  run(s, args) {
    const { words, values } = parseFlags(purge, args, { kill: 'boolean' });
    arity(purge, words, 1);
    const id = s.k.updates.pendingFor('purge', words[0]).record.id;
    const wasBackground = s.background.has(id);
    s.background.add(id);
    try {
      const { record, killed } = purgeTransition(s.k, words[0]!, values.has('kill'), undefined, (tids) => {
        if (tids.length > 0) s.print(`killed ${threadsLine(tids)}`);
      });
      stillPending(s, id);
      return { update: updateData(record), killed };
    } catch (e) {
      if (!wasBackground) s.background.delete(id);
      throw e;
    }
  },
});

export const TRANSITION_COMMANDS: readonly Command[] = [transition, signal, force, purge];
