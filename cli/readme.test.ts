// The README's code blocks, run the way a reader would run them, so that a
// block that stops working fails CI (the conventions are in the README's
// last section, "The README is tested"):
// - ```livemod blocks are console scripts, run through the built binary
//   (`livemod run -`) from a directory holding the README's module files;
//   blocks tagged `session=NAME` run in order on one machine; a `#> TEXT`
//   line expects TEXT in the output of the command above it;
// - ```ts blocks that call defineModule are module files named by their
//   first line (`// PATH.ts: ...`): type-checked against the module API, then
//   each loaded by path on a fresh machine (and, for a version that upgrades
//   from another README file, applied to it as an update and reverted);
// - ```sh blocks: `npx livemod SUB --opt` must name what `livemod SUB --help`
//   lists, `npm run SCRIPT` a script in package.json.
// (`npm test` builds dist/ before running the tests.)

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { catalogDefs, loadFromPath } from '../catalog/catalog.js';
import { ConsoleSession } from './console.js';
import { runScript } from './script.js';
import { symbolKey } from '../kernel/symbols.js';
import type { ModuleDef } from '../kernel/module.js';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = resolve(ROOT, 'dist', 'cli', 'main.js');
const README = readFileSync(resolve(ROOT, 'README.md'), 'utf8');

interface Block {
  /** The first word of the fence's info string (`livemod`, `ts`, `sh`, ...). */
  readonly lang: string;
  /** `key=value` words after it. */
  readonly attrs: Readonly<Record<string, string>>;
  readonly body: string;
  /** Line of the opening fence, 1-based. */
  readonly line: number;
}

/** Every fenced block of `text` (fences at the start of a line). */
function fencedBlocks(text: string): Block[] {
  const out: Block[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i]!.trimEnd() !== '```'; i++) body.push(lines[i]!);
    if (i >= lines.length) throw new Error(`README.md:${start + 1}: code block never closed`);
    const attrs: Record<string, string> = {};
    for (const w of open[2]!.trim().split(/\s+/).filter(Boolean)) {
      const eq = w.indexOf('=');
      attrs[eq < 0 ? w : w.slice(0, eq)] = eq < 0 ? '' : w.slice(eq + 1);
    }
    out.push({ lang: open[1]!, attrs, body: body.join('\n'), line: start + 1 });
  }
  return out;
}

const blocks = fencedBlocks(README);
const where = (b: Block) => `README.md:${b.line}`;

// ---------------------------------------------------------------- modules

/** The file a module block is saved as: its first line, `// PATH.ts: ...`. */
const FILE_LINE = /^\/\/ ([\w.\-/]+\.ts):/;
const moduleBlocks = blocks.filter((b) => b.lang === 'ts' && /\bdefineModule\s*[<(]/.test(b.body));

/** The directory every block runs in: the README's module files, saved where their first lines say. */
const DIR = mkdtempSync(join(tmpdir(), 'livemod-readme-'));
const files = new Map<string, Block>();
for (const b of moduleBlocks) {
  const m = FILE_LINE.exec(b.body);
  if (!m) continue; // reported by a test below
  const path = join(DIR, m[1]!);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${b.body}\n`);
  files.set(m[1]!, b);
}

describe('README module blocks', () => {
  it('are there, and each names the file it is in its first line', () => {
    expect(moduleBlocks.length).toBeGreaterThanOrEqual(4);
    for (const b of moduleBlocks) expect(FILE_LINE.test(b.body), `${where(b)}: a module block starts with '// PATH.ts: what it is'`).toBe(true);
  });

  it('type-check against the module API', () => {
    const options: ts.CompilerOptions = {
      strict: true,
      noUncheckedIndexedAccess: true,
      noUnusedLocals: true,
      verbatimModuleSyntax: true,
      noEmit: true,
      skipLibCheck: true,
      target: ts.ScriptTarget.ES2022,
      lib: ['lib.es2023.d.ts'],
      types: ['node'],
      typeRoots: [resolve(ROOT, 'node_modules', '@types')],
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      paths: { 'livemod/module': [resolve(ROOT, 'kernel', 'module.ts')] },
    };
    const program = ts.createProgram([...files.keys()].map((f) => join(DIR, f)), options);
    const problems = ts.getPreEmitDiagnostics(program).map((d) => {
      const text = ts.flattenDiagnosticMessageText(d.messageText, ' ');
      if (!d.file || d.start === undefined) return text;
      const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
      const name = d.file.fileName.startsWith(DIR) ? d.file.fileName.slice(DIR.length + 1) : d.file.fileName;
      const block = files.get(name);
      return `${name}:${line + 1}:${character + 1}${block ? ` (README.md:${block.line + 1 + line})` : ''}: ${text}`;
    });
    expect(problems).toEqual([]);
  });

  /** Catalog modules to load first so that every symbol `def` requires is exported (newest versions, natively or by compat). */
  async function providers(def: ModuleDef): Promise<string[]> {
    const catalog = await catalogDefs();
    const out: string[] = [];
    const need = (d: ModuleDef) => {
      for (const [sym, iface] of Object.entries(d.requires ?? {})) {
        const key = symbolKey(sym, iface);
        const found = [...catalog.values()].map((vs) => vs.at(-1)!).find((v) => v.exports?.[sym]?.version === iface || key in (v.compat ?? {}));
        if (!found) throw new Error(`no module in the histories exports ${key}`);
        if (out.includes(found.name)) continue;
        need(found);
        out.push(found.name);
      }
    };
    need(def);
    return out;
  }

  for (const b of moduleBlocks) {
    const file = FILE_LINE.exec(b.body)?.[1];
    if (!file) continue;
    it(`${file} (${where(b)}) loads by path`, async () => {
      const path = join(DIR, file);
      const { def } = await loadFromPath(path);
      const from = def.upgrade?.from.map((v) => join(dirname(path), `${v}.ts`)).find((p) => files.has(p.slice(DIR.length + 1)));
      const base = from ? (await loadFromPath(from)).def : def;
      const script = [
        ...(await providers(base)).map((name) => `insmod ${name}`),
        `insmod ${from ?? path}`,
        ...(from ? [`update ${path}`, ...(def.downgrade ? [`revert ${def.name}`] : [])] : []),
        `rmmod ${def.name}`,
      ];
      const lines: string[] = [];
      const errors: string[] = [];
      const ok = await runScript(ConsoleSession.boot({ seed: 1, cpus: 4 }, (l) => lines.push(l)), script.join('\n'), { source: file, echo: true, printErr: (l) => errors.push(l) });
      expect(errors, lines.join('\n')).toEqual([]);
      expect(ok).toBe(true);
      if (from) expect(lines.join('\n')).toMatch(new RegExp(`update \\d+ committed: ${def.name} `));
    });
  }
});

// ---------------------------------------------------------------- console scripts

interface ScriptRun {
  readonly name: string;
  readonly blocks: readonly Block[];
  readonly script: string;
}

/** Blocks with the same `session` run as one script, in order; every other block alone. */
function scripts(): ScriptRun[] {
  const out: ScriptRun[] = [];
  const sessions = new Map<string, Block[]>();
  for (const b of blocks.filter((x) => x.lang === 'livemod')) {
    const session = b.attrs.session;
    if (session === undefined) {
      out.push({ name: where(b), blocks: [b], script: b.body });
    } else if (sessions.has(session)) {
      sessions.get(session)!.push(b);
    } else {
      const list = [b];
      sessions.set(session, list);
      out.push({ name: `session ${session}`, blocks: list, script: '' });
    }
  }
  return out.map((r) => (r.blocks.length > 1 || r.blocks[0]!.attrs.session !== undefined ? { ...r, script: r.blocks.map((b) => b.body).join('\n') } : r));
}

/** The commands of a script (what the binary echoes) and the `#>` lines expected in each one's output. */
function commandsOf(script: string): { command: string; expect: string[] }[] {
  const out: { command: string; expect: string[] }[] = [];
  for (const raw of script.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#>')) {
      if (out.length === 0) throw new Error(`'${line}' comes before any command`);
      out.at(-1)!.expect.push(line.slice(2).trim());
    } else if (line !== '' && !line.startsWith('#')) {
      out.push({ command: line, expect: [] });
    }
  }
  return out;
}

/** Run `script` as `livemod run -` in the README's directory; each command's output, split at the echoed commands. */
function runBinary(script: string) {
  const r = spawnSync(process.execPath, [BIN, 'run', '-'], { cwd: DIR, input: script, encoding: 'utf8', env: { ...process.env, LIVEMOD_DEBUG: '' } });
  const outputs: { echo: string; lines: string[] }[] = [];
  for (const line of r.stdout.split('\n')) {
    if (line.startsWith('> ')) outputs.push({ echo: line.slice(2), lines: [] });
    else outputs.at(-1)?.lines.push(line);
  }
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, outputs };
}

describe('README console blocks', () => {
  const runs = scripts();

  it('are there: the tutorial session and self-contained blocks', () => {
    expect(runs.some((r) => r.name === 'session tutorial')).toBe(true);
    expect(runs.length).toBeGreaterThanOrEqual(4);
  });

  for (const run of runs) {
    it(`${run.name} (${run.blocks.map(where).join(', ')}) runs, and prints what its #> lines say`, () => {
      const commands = commandsOf(run.script);
      const r = runBinary(run.script);
      expect(r.stderr, r.stdout).toBe('');
      expect(r.code).toBe(0);
      expect(r.outputs.map((o) => o.echo)).toEqual(commands.map((c) => c.command));
      commands.forEach((c, i) => {
        for (const text of c.expect) {
          expect(r.outputs[i]!.lines.some((l) => l.includes(text)), `'${c.command}' should print a line containing '${text}'; it printed:\n${r.outputs[i]!.lines.join('\n')}`).toBe(true);
        }
      });
      if (run.name === 'session tutorial') {
        // Followed literally, the tutorial ends with the module reverted and the workload verified.
        const last = r.outputs.at(-1)!;
        expect(last.echo).toBe('workload stop');
        expect(last.lines.join('\n')).toMatch(/workload stopped: \d+ operations, 0 failed\nverified \d+ files, \d+ bytes: all correct/);
        expect(r.stdout).toMatch(/revert \d+ committed: counter 1\.1\.0 -> 1\.0\.0/);
      }
    });
  }
});

// ---------------------------------------------------------------- sh blocks

describe('README sh blocks', () => {
  const help = new Map<string, string>();
  /** `livemod [SUB] --help`, cached. */
  const helpOf = (sub: string): string => {
    if (!help.has(sub)) {
      const r = spawnSync(process.execPath, [BIN, ...(sub ? [sub] : []), '--help'], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`livemod ${sub} --help failed: ${r.stderr}`);
      help.set(sub, r.stdout);
    }
    return help.get(sub)!;
  };
  const scriptsOf = Object.keys((JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts);

  const shBlocks = blocks.filter((b) => b.lang === 'sh');
  it('name livemod subcommands and options that exist, and npm scripts that exist', () => {
    expect(shBlocks.length).toBeGreaterThan(0);
    const problems: string[] = [];
    for (const b of shBlocks) {
      for (const line of b.body.split('\n')) {
        for (const cmd of line.replace(/(^|\s)#.*$/, '').split('&&')) {
          const words = cmd.trim().split(/\s+/).filter(Boolean);
          while (words.length && /^[A-Z_][A-Z0-9_]*=/.test(words[0]!)) words.shift(); // VAR=value prefixes
          if (words[0] === 'npm' && words[1] === 'run' && !scriptsOf.includes(words[2] ?? '')) problems.push(`${where(b)}: no npm script '${words[2]}'`);
          if (words[0] !== 'npx' || words[1] !== 'livemod') continue;
          const args = words.slice(2);
          let sub = '';
          for (let i = 0; i < args.length; i++) {
            if (args[i] === '--seed' || args[i] === '--cpus') i++;
            else if (!args[i]!.startsWith('-')) {
              sub = args[i]!;
              break;
            }
          }
          const global = helpOf('');
          if (sub && !new RegExp(`^\\s+${sub}\\b`, 'm').test(global)) {
            problems.push(`${where(b)}: livemod has no subcommand '${sub}'`);
            continue;
          }
          for (const a of args.filter((x) => x.startsWith('--'))) {
            const opt = a.split('=')[0]!;
            if (!global.includes(opt) && !(sub && helpOf(sub).includes(opt))) problems.push(`${where(b)}: livemod ${sub} has no option ${opt}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });
});
