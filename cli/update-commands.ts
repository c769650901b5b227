// The update commands, one set for both kernels: `update`, `revert` and
// `history` drive the session's UpdateService (the procedural updater or the
// object twin's hot-swap) and read the shared lifecycle's history. `update
// --nowait` leaves the transition pending in the background (the session
// prints how it ended when it does), and `revert` of a module whose
// transition is pending reverses it; transition-commands.ts has the rest of
// the verbs on a pending transition. Which
// options a command takes is the updater's to say (`flags`, `strategies`);
// flags.ts reads them. Each returns its records as data (api/data.ts);
// `history --json` prints it.

import { reverseTransition } from '../api/control.js';
import { historyReport, updateData, type UpdateData } from '../api/data.js';
import { err } from '../exec/errno.js';
import { UpdateLifecycle, type UpdateOptions, type UpdateStep } from '../exec/lifecycle.js';
import { type FlagSpec, parseFlags } from './flags.js';
import { endLine, parseCount, phaseLine } from './format.js';
import { didYouMean } from './suggest.js';
import { arity, type Command, COMMAND_CYCLE_LIMIT, jsonFlag, type Session } from './session.js';

const define = (c: Command<Session>) => c;

/** The options of update and revert and what each takes: `--strategy S`, `--timeout N`, the rest switches. */
const UPDATE_FLAGS: FlagSpec = {
  strategy: 'string',
  timeout: 'string',
  lazy: 'boolean',
  eager: 'boolean',
  sweep: 'boolean',
  nowait: 'boolean',
  'signal-after': 'string',
  'reverse-after': 'string',
  replace: 'boolean',
  'dry-run': 'boolean',
};

/** Split the options of update and revert (those in `allowed`, as `--opt value` or `--opt=value`) from positional words. */
export function updateFlags(cmd: { name: string; usage: string }, args: readonly string[], allowed: readonly string[], strategies: readonly string[]): { words: string[]; opts: UpdateOptions; dryRun: boolean; nowait: boolean } {
  const spec: FlagSpec = Object.fromEntries(Object.entries(UPDATE_FLAGS).filter(([name]) => allowed.includes(`--${name}`)));
  const { words, values } = parseFlags(cmd, args, spec);
  const strategy = values.get('strategy') as string | undefined;
  if (strategy !== undefined && !strategies.includes(strategy)) throw err('EINVAL', `--strategy needs one of ${strategies.join(', ')}, got '${strategy}'`, didYouMean(strategy, strategies) || undefined);
  const nowait = values.has('nowait');
  const given = values.get('timeout') as string | undefined;
  if (given === 'none' && !nowait) throw err('EINVAL', '--timeout none needs --nowait: the console would wait for ever', `usage: ${cmd.usage}`);
  // With --nowait and no --timeout there is no limit: both versions stay alive until the threads leave the old one.
  const timeout = given === 'none' || (given === undefined && nowait) ? null : given !== undefined ? parseCount(given, '--timeout') : undefined;
  const count = (name: string) => (values.has(name) ? { [name.replace(/-(.)/g, (_, c: string) => c.toUpperCase())]: parseCount(values.get(name) as string, `--${name}`) } : {});
  if (values.has('lazy') && values.has('eager')) throw err('EINVAL', '--lazy and --eager exclude each other');
  const lazy = values.has('lazy') ? true : values.has('eager') ? false : undefined;
  return {
    words,
    opts: {
      ...(strategy ? { strategy } : {}),
      ...(timeout !== undefined ? { timeout } : {}),
      ...count('signal-after'),
      ...count('reverse-after'),
      ...(lazy !== undefined ? { lazy } : {}),
      ...(values.has('sweep') ? { sweep: true } : {}),
      ...(values.has('replace') ? { replace: true } : {}),
    },
    dryRun: values.has('dry-run'),
    nowait,
  };
}

/** Usage of an update command with the options this session's updater takes, in the order it lists them. */
function usageOf(s: Session, head: string, forUpdate: boolean): string {
  const f = s.updater.flags;
  const opts = f.map((flag) => {
    if (!forUpdate && ['--nowait', '--signal-after', '--reverse-after'].includes(flag)) return ''; // revert takes none of these
    if (flag === '--strategy') return `[--strategy ${s.updater.strategies.join('|')}]`;
    if (flag === '--timeout') return f.includes('--nowait') && forUpdate ? '[--nowait] [--timeout CYCLES|none]' : '[--timeout CYCLES]';
    if (flag === '--signal-after') return '[--signal-after CYCLES]';
    if (flag === '--reverse-after') return '[--reverse-after CYCLES]';
    if (flag === '--lazy') return f.includes('--sweep') && forUpdate ? '[--lazy [--sweep]|--eager]' : '[--lazy|--eager]';
    if (flag === '--replace') return forUpdate ? '[--replace]' : '';
    return ''; // --eager and --sweep are shown with --lazy, --nowait with --timeout
  });
  return [head, ...opts.filter((o) => o), ...(forUpdate ? ['[--dry-run]'] : [])].join(' ');
}

/**
 * Start an update and leave its transition pending (`--nowait`). As
 * livepatch tries once when it enables a patch, the machine runs until the
 * updater thread first waits: an update that completes at once prints its
 * usual line (and an abort fails the command, as a waited one does); one
 * that waits prints `started` and its end is printed later, by the session.
 */
async function startInBackground(s: Session, step: UpdateStep, opts: UpdateOptions): Promise<UpdateData> {
  const { record: r, thread } = await s.updater.request(step, opts);
  s.k.runUntil(() => r.outcome !== 'running' || thread.state === 'blocked', COMMAND_CYCLE_LIMIT);
  if (r.outcome === 'aborted' && r.error) throw r.error;
  if (r.outcome === 'running') {
    s.background.add(r.id);
    s.print(`${r.kind} ${r.id} started: ${r.modules.map((m) => `${m.name} ${m.from} -> ${m.to}`).join(', ')} (${r.strategy}), transition pending`);
  } else s.print(endLine(r, (x) => s.updater.summary(x)));
  return updateData(r);
}

/** Run a started update or revert to its end on the session's machine; throw its abort, or print its summary and return its record. */
async function runStep(s: Session, step: UpdateStep, opts: UpdateOptions): Promise<UpdateData> {
  const started = await s.updater.request(step, opts);
  try {
    await s.waitThread(started.thread, Number.MAX_SAFE_INTEGER - s.k.now, step.kind);
  } catch (e) {
    if (!s.interrupted) throw e;
    // Ctrl-C: the update aborts and rolls back at its next wait; run the machine until it has.
    s.k.updates.cancel(started.record);
  }
  const r = s.k.updates.runToEnd(started);
  s.print(s.updater.summary(r));
  return updateData(r);
}

const update = define({
  name: 'update',
  usage: 'update SPEC... [--strategy S] [--nowait] [--timeout CYCLES|none] [--signal-after CYCLES] [--reverse-after CYCLES] [--lazy [--sweep]|--eager] [--replace] [--dry-run]',
  summary: 'replace running modules by other versions, live; several SPECs update as one group',
  completeRest: 'module',
  details: [
    'SPEC is NAME@VERSION from the histories (or, on the procedural kernel, a path to a .ts/.js file).',
    'Procedural kernel: per-task by default for code-only updates, module when state changes; --strategy chooses.',
    'Object twin: every instance of the classes a release changes is hot-swapped; a factory updates only from N-1.',
    '--lazy migrates per-instance state on first access (--sweep: and in the background), --eager all at the switch;',
    'without either, as the version says. --dry-run prints the plan and changes nothing.',
    'On timeout or a failed transfer the update rolls back.',
    'Procedural kernel: --replace takes over the modules\' whole update stacks (revert then goes back to the version first loaded);',
    'a SPEC naming a module that is not loaded is kept, and applies each time that module is loaded (lsmod shows it).',
    '--nowait starts the transition and returns; with no --timeout it has no limit. transition shows it,',
    'signal, force, purge and revert act on it; --signal-after C signals the threads still in the old code',
    'once C cycles have passed, --reverse-after C reverses it if it has not completed by then.',
  ],
  async run(s, args) {
    const usage = usageOf(s, `update ${s.specForm.usage}...`, true);
    const { words, opts, dryRun, nowait } = updateFlags({ name: 'update', usage }, args, [...s.updater.flags, '--dry-run'], s.updater.strategies);
    if (words.length === 0) throw err('EINVAL', `update needs at least one ${s.specForm.what}`, `usage: ${usage}`);
    const step: UpdateStep = { kind: 'update', specs: words };
    if (dryRun) {
      for (const l of await s.updater.dryRun(step, opts)) s.print(l);
      return undefined;
    }
    return nowait ? startInBackground(s, step, opts) : runStep(s, step, opts);
  },
});

const revert = define({
  name: 'revert',
  usage: 'revert NAME [--strategy S] [--timeout CYCLES] [--lazy|--eager]',
  summary: "go back to the version a module ran before its last update, through that update's downgrade (not loaded: drop its newest kept update); reverse its pending transition",
  details: ["While NAME's transition is pending, revert reverses it: threads already switched go back, nothing was transferred."],
  complete: ['loaded'],
  async run(s, args) {
    const usage = usageOf(s, 'revert NAME', false);
    const { words, opts } = updateFlags({ name: 'revert', usage }, args, s.updater.flags.filter((f) => !['--sweep', '--replace', '--nowait', '--signal-after', '--reverse-after'].includes(f)), s.updater.strategies);
    arity({ name: 'revert', usage }, words, 1);
    const pending = s.k.updates.running;
    if (pending && s.k.updates.pending && pending.modules.some((m) => m.name === words[0])) {
      s.background.add(pending.id); // the session prints `reversed` when it is
      const r = reverseTransition(s.k, words[0]);
      if (r.outcome === 'running') s.print(`${r.kind} ${r.id}: reversing, transition pending: threads are still in the new code (tick, signal, or force)`);
      return updateData(r);
    }
    return runStep(s, { kind: 'revert', specs: words }, opts);
  },
});

const history = define({
  name: 'history',
  usage: 'history [--json]',
  summary: 'every update and revert: phases with their durations (cycles and wall time), and the outcome',
  details: ['--json prints it as one JSON document (schema livemod.history/3).'],
  run(s, args) {
    const { json, words } = jsonFlag(args);
    arity(history, words, 0);
    const data = historyReport(s.k);
    if (json) {
      s.print(JSON.stringify(data));
      return data;
    }
    const records = s.k.updates.history;
    if (records.length === 0) s.print('no updates yet');
    for (const r of records) {
      s.print(UpdateLifecycle.headline(r));
      for (const e of r.phases) s.print(`  ${phaseLine(e)}`);
    }
    return data;
  },
});

export const UPDATE_COMMANDS: readonly Command[] = [update, revert, history];
