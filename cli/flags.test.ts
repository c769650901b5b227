// Console options through util.parseArgs: both spellings of a value, `--`,
// and one EINVAL line for each mistake, an unknown option naming the closest
// known one; and the update command reading its options this way.

import { describe, expect, it } from 'vitest';
import { describeError } from './format.js';
import { parseFlags } from './flags.js';
import { ConsoleSession } from './console.js';
import { runScript } from './script.js';
import { updateFlags } from './update-commands.js';

const cmd = { name: 'update', usage: 'update SPEC... [--strategy S] [--lazy]' };
const spec = { strategy: 'string', timeout: 'string', lazy: 'boolean', 'dry-run': 'boolean' } as const;
const fails = (args: string[]) => {
  try {
    parseFlags(cmd, args, spec);
  } catch (e) {
    return describeError(e);
  }
  return 'succeeded';
};

describe('parseFlags', () => {
  it('takes --opt value and --opt=value, switches, and words in any order', () => {
    const { words, values } = parseFlags(cmd, ['a@1', '--strategy', 'module', 'b@2', '--timeout=50k', '--lazy'], spec);
    expect(words).toEqual(['a@1', 'b@2']);
    expect(Object.fromEntries(values)).toEqual({ strategy: 'module', timeout: '50k', lazy: true });
  });

  it('reads everything after -- as words', () => {
    expect(parseFlags(cmd, ['--', '--lazy', './-x.ts'], spec).words).toEqual(['--lazy', './-x.ts']);
  });

  it('names the closest known option for an unknown one, and the usage', () => {
    expect(fails(['x', '--stratgy', 'module'])).toBe('EINVAL: update has no option --stratgy (did you mean --strategy? usage: update SPEC... [--strategy S] [--lazy])');
    expect(fails(['--dryrun'])).toBe('EINVAL: update has no option --dryrun (did you mean --dry-run? usage: update SPEC... [--strategy S] [--lazy])');
    expect(fails(['--frobnicate'])).toBe('EINVAL: update has no option --frobnicate (usage: update SPEC... [--strategy S] [--lazy])');
    expect(fails(['-s', 'module'])).toMatch(/^EINVAL: update has no option -s \(/);
  });

  it('refuses a value option without its value and a switch with one', () => {
    expect(fails(['x', '--strategy'])).toMatch(/^EINVAL: --strategy needs a value \(usage: /);
    expect(fails(['x', '--strategy', '--lazy'])).toMatch(/^EINVAL: --strategy needs a value/);
    expect(fails(['x', '--lazy=yes'])).toMatch(/^EINVAL: --lazy takes no value, got 'yes'/);
  });
});

describe('update options', () => {
  const strategies = ['module', 'per-task', 'stop-machine'];
  const all = ['--strategy', '--timeout', '--lazy', '--eager', '--sweep', '--dry-run'];
  it('turns them into update options', () => {
    expect(updateFlags(cmd, ['x@1', '--strategy=per-task', '--timeout', '1M', '--lazy', '--sweep', '--dry-run'], all, strategies)).toEqual({
      words: ['x@1'],
      opts: { strategy: 'per-task', timeout: 1_000_000, lazy: true, sweep: true },
      dryRun: true,
      nowait: false,
    });
    expect(updateFlags(cmd, ['x@1', '--eager'], all, strategies).opts).toEqual({ lazy: false });
  });

  it('reads --nowait (no timeout then means no limit), --timeout none and the policy options', () => {
    const bg = [...all, '--nowait', '--signal-after', '--reverse-after'];
    expect(updateFlags(cmd, ['x@1', '--nowait'], bg, strategies)).toMatchObject({ nowait: true, opts: { timeout: null } });
    expect(updateFlags(cmd, ['x@1', '--nowait', '--timeout', '20k'], bg, strategies).opts).toEqual({ timeout: 20_000 });
    expect(updateFlags(cmd, ['x@1', '--nowait', '--timeout=none', '--signal-after', '2k', '--reverse-after=9k'], bg, strategies).opts).toEqual({ timeout: null, signalAfter: 2000, reverseAfter: 9000 });
    expect(updateFlags(cmd, ['x@1', '--signal-after', '2k'], bg, strategies)).toMatchObject({ nowait: false, opts: { signalAfter: 2000 } });
    expect(() => updateFlags(cmd, ['x@1', '--timeout', 'none'], bg, strategies)).toThrow(/--timeout none needs --nowait/);
    expect(() => updateFlags(cmd, ['x@1', '--nowait', '--signal-after', 'soon'], bg, strategies)).toThrow(/EINVAL|--signal-after must be a whole number/);
    expect(() => updateFlags(cmd, ['x@1', '--nowait'], all, strategies)).toThrow(/has no option --nowait/);
  });

  it('suggests a strategy for a misspelled one, and refuses options the updater does not take', () => {
    expect(() => updateFlags(cmd, ['x', '--strategy=pertask'], all, strategies)).toThrow(expect.objectContaining({ message: "--strategy needs one of module, per-task, stop-machine, got 'pertask'", hint: 'did you mean per-task?' }));
    expect(() => updateFlags(cmd, ['x', '--sweep'], ['--lazy', '--eager'], strategies)).toThrow(/update has no option --sweep/);
  });

  it('runs an update from the console with --strategy=VALUE', async () => {
    const lines: string[] = [];
    const errors: string[] = [];
    const s = ConsoleSession.boot({ seed: 1 }, (l) => lines.push(l));
    expect(await runScript(s, 'insmod blkdev@1.0.0\nupdate blkdev@1.1.0 --strategy=stop-machine --timeout=2M\n! update blkdev@2.0.0 --stratgy module', { source: 't', echo: false, printErr: (l) => errors.push(l) })).toBe(true);
    expect(errors).toEqual([]);
    expect(s.k.updates.history.map((r) => `${r.strategy} ${r.outcome}`)).toEqual(['stop-machine committed']);
    expect(lines).toContain('  (failed as expected) EINVAL: update has no option --stratgy (did you mean --strategy? usage: update SPEC... [--strategy module|per-task|stop-machine] [--nowait] [--timeout CYCLES|none] [--signal-after CYCLES] [--reverse-after CYCLES] [--lazy [--sweep]|--eager] [--replace] [--dry-run])');
  });
});
