// The Linux livepatch selftests (tools/testing/selftests/livepatch/), ported
// as console scripts: each `*.livemod` file under props/livepatch/<linux
// script>/ is one Linux test case, run as `livemod run` runs it (same
// session, same script reader), and what it prints must be exactly the
// `.out` file beside it, as Linux's check_result compares dmesg with the
// lines the test expects.
//
// Before comparing, the transcript is normalized as check_result normalizes
// dmesg (it drops the timestamps): the scripts check what happens and in
// which order, not when. So the log's taint lines go (check_result drops
// them: whether a kernel is tainted is not what these cases test), and
// dmesg's timestamp prefix, a phase line
// keeps its phase and what it says but not its start time, cycles and wall
// time, any other count of cycles reads `N cycles` and of wall time `N us`,
// and `tick` prints `t=T`. A path into the checkout reads as relative to
// it, as the scripts write it, and a table's columns are two spaces apart
// whatever their width. Wall time is the one thing in the output that is not
// a pure function of the seed; simulated time is checked by the benches and
// the other tests, and masking it keeps a script's expected output true
// when an unrelated change makes a step cost a few cycles more.
//
// A script whose feature is not on this branch yet is listed in PENDING
// (script, feature, what it needs) and shows as skipped with that reason,
// never as passing. To turn one on: delete its PENDING line, run this file,
// and if its output differs from the `.out` written to the contract, read
// the diff against the Linux expectations in the script's header; rewrite
// the `.out` from the actual output with LIVEMOD_SELFTESTS_BLESS=1 only once
// the difference is understood. LIVEMOD_SELFTESTS_ALL=1 runs the pending
// scripts too (as failing tests), to see which already pass.

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConsoleSession } from '../../cli/console.js';
import { runScript } from '../../cli/script.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const HERE = resolve(import.meta.dirname);
/** The features the scripts may wait for: the issue 11 branches. */
const FEATURES = ['transitions', 'callbacks', 'shadow'] as const;

interface Pending {
  readonly feature: string;
  readonly needs: string;
}

/** PENDING: `SCRIPT FEATURE what it needs`, one a line; `#` comments. */
function readPending(text: string): Map<string, Pending> {
  const out = new Map<string, Pending>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [script, feature, ...needs] = line.split(/\s+/);
    out.set(script!, { feature: feature!, needs: needs.join(' ') });
  }
  return out;
}

/** Every script, as `<linux script>/<case>` without the extension, in order. */
function scripts(): string[] {
  const out: string[] = [];
  for (const dir of readdirSync(HERE, { withFileTypes: true }).filter((d) => d.isDirectory() && d.name.startsWith('test-')).map((d) => d.name).sort()) {
    for (const f of readdirSync(join(HERE, dir)).filter((n) => n.endsWith('.livemod')).sort()) out.push(`${dir}/${f.slice(0, -'.livemod'.length)}`);
  }
  return out;
}

/** A taint's log line; check_result drops them too (`grep -v '\(tainting\|taints\) kernel'`). */
const TAINT = /^(\[\s*\d+\] )?taint: /;

/** The transcript as check_result would compare it: no taint lines, timestamps, cycle counts or wall time. */
function normalize(lines: readonly string[]): string {
  const out = lines.filter((l) => !TAINT.test(l)).map((l) =>
    l
      .replace(/^\[\s*\d+\] /, '') // dmesg's timestamp
      .replace(/^( {2}(?:\[\w+ \d+\] )?\w+)\s+t=\d+\s+\d+ cycles\s+\d+ us\s+/, '$1  ') // a phase line, as it happens or in history
      .replace(/\b\d+ cycles\b/g, 'N cycles')
      .replace(/ +\d+ us\b/g, ' N us')
      .replace(/^t=\d+$/, 't=T') // tick
      .split(`${ROOT}/`)
      .join('') // where the checkout is (lsmod's source of a module loaded by path)
      .replace(/(\S) {2,}/g, '$1  '), // and the table padding that follows from it
  );
  return `${out.join('\n')}\n`;
}

/** Run one script on a fresh machine (seed 1, 4 CPUs), from the repository root as its paths expect; what it printed and whether every line did what it should. */
async function run(script: string): Promise<{ text: string; ok: boolean }> {
  const lines: string[] = [];
  const session = ConsoleSession.boot({ seed: 1, cpus: 4 }, (l) => lines.push(l));
  const source = relative(ROOT, join(HERE, `${script}.livemod`));
  const ok = await runScript(session, readFileSync(join(HERE, `${script}.livemod`), 'utf8'), { source, echo: true, printErr: (l) => lines.push(`error: ${l}`) });
  return { text: normalize(lines), ok };
}

const pending = readPending(readFileSync(join(HERE, 'PENDING'), 'utf8'));
const all = scripts();
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

describe('the Linux livepatch selftests, ported', () => {
  it('are all there, each with its expected output (normalized as the output is) and a header naming its Linux case; PENDING names only real scripts and features', () => {
    expect(all.length).toBeGreaterThanOrEqual(26);
    for (const s of all) {
      expect(existsSync(join(HERE, `${s}.out`)), `${s}.out is missing`).toBe(true);
      const out = readFileSync(join(HERE, `${s}.out`), 'utf8');
      expect(normalize(out.replace(/\n$/, '').split('\n')), `${s}.out is not in the form the output is compared in`).toBe(out);
      const text = readFileSync(join(HERE, `${s}.livemod`), 'utf8');
      expect(text, `${s}.livemod should open with '# Linux: test-....sh, "case"'`).toMatch(/^# Linux: test-[\w-]+\.sh, "[^"]+"/);
    }
    for (const [s, p] of pending) {
      expect(all, `PENDING names ${s}, which is not a script`).toContain(s);
      expect(FEATURES as readonly string[], `PENDING: ${s} waits for '${p.feature}', not a feature branch`).toContain(p.feature);
      expect(p.needs, `PENDING: say what ${s} needs`).not.toBe('');
    }
  });

  it("are listed in the README's table with their status", () => {
    for (const s of all) {
      const p = pending.get(s);
      const status = p ? `pending: ${p.feature}` : 'passing';
      const row = README.split('\n').find((l) => l.startsWith('|') && l.includes(`(props/livepatch/${s}.livemod)`));
      expect(row, `README: no row for props/livepatch/${s}.livemod`).toBeDefined();
      expect(row, `README: the row of ${s} should say '${status}'`).toContain(`| ${status} |`);
    }
  });

  for (const s of all) {
    const p = pending.get(s);
    const test = p && !process.env.LIVEMOD_SELFTESTS_ALL ? it.skip : it;
    test(`${s}${p ? ` (pending: waits for ${p.feature}: ${p.needs})` : ''}`, async () => {
      const { text, ok } = await run(s);
      if (process.env.LIVEMOD_SELFTESTS_BLESS) writeFileSync(join(HERE, `${s}.out`), text);
      expect(text, `props/livepatch/${s}: output differs from ${s}.out`).toBe(readFileSync(join(HERE, `${s}.out`), 'utf8'));
      expect(ok, 'a line failed that should not have (or a ! line succeeded)').toBe(true);
    });
  }
});
