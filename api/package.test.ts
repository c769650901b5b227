// The package as a user gets it: `npm pack` of this project, installed into
// a fresh project without the network (its dependencies, commander, immer,
// typescript, vega and vega-lite, are linked from this project's
// node_modules as `file:` dependencies, so `npm install --offline` finds
// everything locally). There
// the README's module example and update example are type-checked with
// strict tsc against `livemod/module`, and loaded and updated through the
// API; the README's experiment script is type-checked and run; the `livemod`
// binary answers. `npm test` builds dist/ before the tests run.

import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { validate } from './schemas.js';

const ROOT = resolve(import.meta.dirname, '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The first ```ts block after the line `heading` of the README. */
function example(heading: string): string {
  const at = README.split('\n').indexOf(heading);
  if (at < 0) throw new Error(`README has no heading '${heading}'`);
  const block = /```ts\n([\s\S]*?)```/.exec(README.split('\n').slice(at).join('\n'));
  if (!block) throw new Error(`no ts example under '${heading}'`);
  return block[1]!;
}

/** Run a program; its stdout, or a failure that shows what it printed. */
function sh(cmd: string, args: readonly string[], opts: SpawnSyncOptions): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' }, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  return String(r.stdout);
}

interface Packed {
  readonly filename: string;
  readonly size: number;
  readonly files: readonly { readonly path: string }[];
}

describe('the package', () => {
  const dir = mkdtempSync(join(tmpdir(), 'livemod-pack-'));
  const project = join(dir, 'project');
  let packed: Packed;

  beforeAll(() => {
    if (!existsSync(join(ROOT, 'dist', 'api', 'index.js'))) throw new Error('dist/ is not built: run npm test (or npm run build) first');
    // dist/ is fresh (npm test built it), so the prepare script need not build it again.
    packed = (JSON.parse(sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT })) as Packed[])[0]!;
  });

  it('holds the built code with its declarations and the README, and no tests', () => {
    const paths = packed.files.map((f) => f.path);
    for (const p of ['package.json', 'README.md', 'dist/api/index.js', 'dist/api/index.d.ts', 'dist/kernel/module.js', 'dist/kernel/module.d.ts', 'dist/cli/main.js', 'dist/modules/simplefs/1.2.0.js']) expect(paths).toContain(p);
    // The sources whose update lines `livemod compare` counts.
    expect(paths).toContain('modules/simplefs/1.2.0.ts');
    expect(paths).toContain('oo/classes/inode/1.2.0.ts');
    expect(paths.filter((p) => /\.test\.|^dist\/(props|bench)\//.test(p))).toEqual([]);
    expect(packed.size).toBeLessThan(500_000); // about 406 kB with issue 11 and 12 in; a stray data file or test output would blow it
  });

  it("has a lock file in step with package.json (npm install --package-lock-only changes nothing)", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const root = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')).packages[''];
    const fields = ['name', 'version', 'license', 'bin', 'dependencies', 'devDependencies', 'engines'] as const;
    expect(Object.fromEntries(fields.map((f) => [f, root[f]]))).toEqual(Object.fromEntries(fields.map((f) => [f, pkg[f]])));
    expect(pkg.private).toBeUndefined();
  });

  it('installs without the network; a module written against livemod/module type-checks strictly, loads and updates; the README experiment runs', () => {
    mkdirSync(join(project, 'peeker'), { recursive: true });
    const linked = Object.fromEntries(['commander', 'immer', 'typescript', 'vega', 'vega-lite'].map((d) => [d, `file:${realpathSync(join(ROOT, 'node_modules', d))}`]));
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'experiments', private: true, type: 'module', dependencies: linked }));
    sh('npm', ['install', join(dir, packed.filename), '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: project });

    writeFileSync(join(project, 'peeker', '1.0.0.ts'), example('## Writing a module'));
    writeFileSync(join(project, 'peeker', '1.1.0.ts'), example('### Writing an update'));
    writeFileSync(join(project, 'experiment.ts'), example('## Experiments in code'));
    writeFileSync(
      join(project, 'load.ts'),
      `import { boot } from 'livemod';
const api = await import('livemod/module');
const t = await boot({ modules: ['blkdev@1.0.0', './peeker/1.0.0.ts'] });
const up = await t.update('./peeker/1.1.0.ts');
const after = t.versions();
const back = await t.update('revert peeker');
console.log(JSON.stringify({ moduleApi: typeof api.defineModule, up: up.outcome, after, back: back.outcome, now: t.versions() }));
`,
    );
    const tsconfig = { compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', outDir: 'out', types: [], skipLibCheck: false }, include: ['*.ts', 'peeker/*.ts'] };
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(tsconfig));
    sh(process.execPath, [join(project, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], { cwd: project });

    const load = JSON.parse(sh(process.execPath, ['out/load.js'], { cwd: project }));
    expect(load).toEqual({ moduleApi: 'function', up: 'committed', after: { blkdev: '1.0.0', peeker: '1.1.0' }, back: 'committed', now: { blkdev: '1.0.0', peeker: '1.0.0' } });

    const results = JSON.parse(sh(process.execPath, ['out/experiment.js'], { cwd: project })) as { kernel: string; updates: string[]; lost: number; trace: string; historyConforms: boolean }[];
    expect(results.map((r) => r.kernel)).toEqual(['modules', 'objects']);
    for (const r of results) {
      expect(r.updates).toHaveLength(3);
      for (const u of r.updates) expect(u).toMatch(/^committed after \d+ cycles/);
      expect(r.lost).toBe(0);
      expect(r.trace).toMatch(/^[0-9a-f]{16}$/);
      expect(r.historyConforms).toBe(true);
    }

    const run = sh(join(project, 'node_modules', '.bin', 'livemod'), ['run', '--json', '-'], { cwd: project, input: 'insmod blkdev\nstat --json\n' });
    const entries = run.trim().split('\n').map((l) => JSON.parse(l));
    expect(entries.map((e) => [e.command, e.status])).toEqual([['insmod blkdev', 'ok'], ['stat --json', 'ok']]);
    for (const e of entries) expect(validate('livemod.run/1', e)).toEqual([]);
  });
});
