// The module catalog: finds module definitions by name in the module
// histories (`modules/<name>/<version>.ts`, built to `.js`), or loads a
// user's module file given by path. The histories are compiled with the
// project and imported. A file given by path is untrusted: it is checked
// against the boundary (boundary.ts: EPERM for anything past the module
// API), transpiled with the TypeScript compiler API with the watchdog's
// checks compiled in (instrument.ts), and run in the sandbox (sandbox.ts),
// where an import of the module API (`livemod/module`, or any path ending
// in `kernel/module`) gets this installation's, so a module written
// anywhere links against it.
// Versions are picked as npm picks them (the `semver` package): `NAME@1.1`
// is the newest 1.1.x, `NAME@^2`, `NAME@latest`, `NAME@1.0.0` exactly.
// A file loaded by path may be given a check (`FileCheck`: the signature
// check of catalog/trust.ts), run on the bytes read before any of them is
// compiled; what it returns is what is compiled.

import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import semver from 'semver';
import { threadId } from 'node:worker_threads';
import { err, isKernelError } from '../exec/errno.js';
import { isSoftLockup, type LockupLabel, touchWatchdog } from '../exec/watchdog.js';
import { validateModuleDef } from '../kernel/moddef.js';
import * as moduleApi from '../kernel/module.js';
import { checkBoundary, relativeImports } from './boundary.js';
import { watchdogTransformer } from './instrument.js';
import { evaluateModuleFile } from './sandbox.js';
import type { ModuleVersion } from '../kernel/loader.js';
import type { ModuleDef } from '../kernel/module.js';
import { privateDir } from './private-dir.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const MODULES_DIR = resolve(HERE, '..', 'modules');

let candidates: Promise<Map<string, ModuleDef[]>> | null = null;

/** The catalog as an updater finds versions in it (updater/updater.ts's VersionResolver): by spec, and every version of each module. */
export const catalogResolver = {
  load: (spec: string): Promise<ModuleVersion> => loadModuleDef(spec),
  candidates: (): Promise<Map<string, ModuleDef[]>> => (candidates ??= catalogDefs()),
};

/** Every module in the histories and its versions, oldest first. */
export function catalog(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (!existsSync(MODULES_DIR)) return out;
  for (const name of readdirSync(MODULES_DIR).sort()) {
    const dir = join(MODULES_DIR, name);
    if (!statSync(dir).isDirectory()) continue;
    const versions = new Set<string>();
    for (const f of readdirSync(dir)) {
      const m = /^(\d+\.\d+\.\d+)\.(ts|js)$/.exec(f);
      if (m && !f.endsWith('.d.ts')) versions.add(m[1]!);
    }
    if (versions.size > 0) out.set(name, semver.sort([...versions]));
  }
  return out;
}

/** Does `spec` name a file rather than a catalog entry? */
export function isPathSpec(spec: string): boolean {
  return spec.includes('/') || /\.(ts|js|mjs)$/.test(spec);
}

/**
 * A check of each module file read from a path, before any of it is compiled
 * or runs (catalog/trust.ts checks signatures here): given the file's bytes,
 * the bytes to compile, or it throws a KernelError.
 */
export type FileCheck = (file: string, bytes: Buffer) => Buffer;

/** `name` (the newest), `name@RANGE` (npm's: `1.1`, `^2`, `latest`, `1.0.0`), or a path to a `.ts`/`.js` file (each file it reads passed through `check`). */
export async function loadModuleDef(spec: string, check?: FileCheck): Promise<ModuleVersion> {
  return isPathSpec(spec) ? loadFromPath(spec, check) : loadFromCatalog(spec);
}

/** The catalog's directories: the modules it loads, and, when built, the sources it was built from (the package ships both). */
const TREE_DIRS = [MODULES_DIR, ...(dirname(HERE).endsWith(`${sep}dist`) ? [resolve(HERE, '..', '..', 'modules')] : [])];

/**
 * Is `file` one of this installation's own modules (a path under its
 * modules/)? Those are in-tree. The path is judged as written, not through
 * the links it passes: a link inside modules/ is the installation's own,
 * and a link elsewhere that leads into modules/ counts as out of tree (the
 * safe side), so no one can swap a link between this check and the read.
 */
export function inTree(file: string): boolean {
  const abs = resolve(file);
  return TREE_DIRS.some((d) => abs.startsWith(d + sep) || (existsSync(d) && abs.startsWith(realpathSync(d) + sep)));
}

/**
 * The version of `name` that `wanted` picks among `versions` (oldest first),
 * as npm picks: the newest that satisfies the range; no range or `latest` is
 * the newest. EINVAL if `wanted` is not a version or range, ENOENT (listing
 * the versions) if none matches.
 */
export function pickVersion(name: string, versions: readonly string[], wanted: string | undefined): string {
  const known = `versions of ${name}: ${versions.join(', ')}`;
  if (wanted === undefined || wanted === 'latest') return versions[versions.length - 1]!;
  if (semver.validRange(wanted) === null) throw err('EINVAL', `'${wanted}' is not a version or range (like 1.2.0, 1.2, ^2 or latest)`, known);
  const version = semver.maxSatisfying([...versions], wanted);
  if (version === null) throw err('ENOENT', `${name} has no version ${semver.valid(wanted) ? wanted : `matching ${wanted}`}`, known);
  return version;
}

export async function loadFromCatalog(spec: string): Promise<ModuleVersion> {
  const at = spec.indexOf('@');
  const name = at < 0 ? spec : spec.slice(0, at);
  const all = catalog();
  const versions = all.get(name);
  if (!versions) {
    throw err('ENOENT', `no module named '${name}'`, `known modules: ${[...all.keys()].join(', ') || 'none'}; or give a path to a .ts/.js file`);
  }
  const version = pickVersion(name, versions, at < 0 ? undefined : spec.slice(at + 1));
  const base = join(MODULES_DIR, name, version);
  const file = existsSync(`${base}.js`) ? `${base}.js` : `${base}.ts`;
  const mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
  return { def: validateModuleDef(mod.default, `${name}@${version}`), source: `catalog:${name}@${version}` };
}

/** Every version of every module in the histories, oldest first (what an update could move to). */
export async function catalogDefs(): Promise<Map<string, ModuleDef[]>> {
  const out = new Map<string, ModuleDef[]>();
  for (const [name, versions] of catalog()) {
    const defs: ModuleDef[] = [];
    for (const v of versions) defs.push((await loadFromCatalog(`${name}@${v}`)).def);
    out.set(name, defs);
  }
  return out;
}

/** How a file is loaded by path; `watchdog: false` (no checks compiled in) exists only to measure what the checks cost (bench/boundary.ts). */
export interface PathOptions {
  readonly watchdog?: boolean;
}

export async function loadFromPath(path: string, check?: FileCheck, options: PathOptions = {}): Promise<ModuleVersion> {
  const file = resolve(path);
  if (!existsSync(file)) throw err('ENOENT', `no such file: ${path}`, 'check the path');
  if (!statSync(file).isFile()) throw err('EINVAL', `${path} is not a file`);
  if (!/\.(ts|js|mjs)$/.test(file)) throw err('ENOEXEC', `${path} is not a .ts or .js file`);
  const compiled = new Map<string, CompiledFile>();
  await compileFile(file, new Set(), compiled, options.watchdog ?? true, check);
  const label: LockupLabel = { file };
  let exports: Record<string, unknown>;
  touchWatchdog(null); // a file's top level gets a budget of its own
  try {
    exports = evaluateFile(file, compiled, new Map(), label);
  } catch (e) {
    if (isKernelError(e)) throw e;
    if (isSoftLockup(e)) throw err('EIO', `${path} was stopped while it loaded: ${e.message}`, 'the module was not loaded; a module file must not loop at its top level');
    if (e instanceof Error && e.name === 'EvalError') throw err('EPERM', `${path} tried to compile code from a string: ${e.message}`, 'module code gets only the module API');
    throw err('ENOEXEC', `${path} failed to load: ${e instanceof Error ? e.message : String(e)}`, 'fix the file and try again');
  }
  const def = validateModuleDef(exports.default, path);
  label.module = def.name;
  label.version = def.version;
  return { def, source: file };
}

/** A module file checked and compiled: its code (CommonJS, with the watchdog's checks) and the files its relative imports name. */
interface CompiledFile {
  readonly code: string;
  /** Where its copy is in the compile cache (named in stack traces). */
  readonly copy: string;
  /** Import spec -> the file it names. */
  readonly deps: ReadonlyMap<string, string>;
}

/**
 * Check `file` against the boundary (EPERM), compile it with the watchdog's
 * checks and, first, every file it imports by a relative path (a module
 * split over several files, or a version built on its predecessor). The
 * copies are written to the compile cache, named by content.
 */
async function compileFile(file: string, visiting: Set<string>, out: Map<string, CompiledFile>, checks: boolean, check: FileCheck | undefined): Promise<void> {
  if (visiting.has(file)) throw err('ENOEXEC', `${file} is part of an import cycle`, 'module files loaded by path cannot import each other in a cycle');
  if (out.has(file)) return;
  visiting.add(file);
  const ts = (await import('typescript')).default;
  const bytes = readFileSync(file); // read once: what is checked is what is compiled
  const text = (check ? check(file, bytes) : bytes).toString('utf8'); // .js too: one parser, one kind of diagnostic
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, /\.(ts|mts)$/.test(file) ? ts.ScriptKind.TS : ts.ScriptKind.JS);
  checkBoundary(ts, source, file);
  const code = transpile(ts, text, file, checks);
  const deps = new Map<string, string>();
  // The module API is this installation's (linked in evaluateFile), never compiled from the path named.
  for (const spec of relativeImports(ts, source).filter((x) => !isModuleApi(x))) {
    const dep = resolveRelative(file, spec);
    if (!dep) throw err('ENOENT', `${file} imports ${spec}, which does not exist`, 'check the path (a .js import may name a .ts file)');
    await compileFile(dep, visiting, out, checks, check);
    deps.set(spec, dep);
  }
  visiting.delete(file);
  out.set(file, { code, copy: writeCopy(file, code), deps });
}

/** Run a compiled file and those it imports (each once) in the sandbox; its exports. */
function evaluateFile(file: string, compiled: ReadonlyMap<string, CompiledFile>, done: Map<string, Record<string, unknown>>, label: LockupLabel): Record<string, unknown> {
  const had = done.get(file);
  if (had) return had;
  const c = compiled.get(file)!;
  const link = (spec: string): unknown => {
    if (isModuleApi(spec)) return moduleApi;
    const dep = c.deps.get(spec);
    if (dep) return evaluateFile(dep, compiled, done, { file: dep });
    throw err('EPERM', `${file} requires '${spec}', which is not the module API or a file beside it`);
  };
  const exports = evaluateModuleFile(c.code, c.copy, link, label);
  done.set(file, exports);
  return exports;
}

/** Write the compiled copy of `file` to the compile cache; its path. */
function writeCopy(file: string, code: string): string {
  const out = join(compileCache(), `${createHash('sha256').update(file).update(code).digest('hex').slice(0, 16)}.cjs`);
  // Worker threads (livemod check, livemod sweep) may compile the same file at once:
  // write aside and rename, so that no thread reads a copy another is still writing.
  // The aside file is created exclusively (it never follows a planted link), and the
  // rename replaces whatever entry has the output's name instead of writing through it.
  // What runs is the code in memory: a copy changed on disk changes nothing.
  const aside = `${out}.${process.pid}.${threadId}.tmp`;
  try {
    writeFileSync(aside, code, { flag: 'wx', mode: 0o600 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    unlinkSync(aside); // left over (or planted): unlink removes the entry, never what a link points at
    writeFileSync(aside, code, { flag: 'wx', mode: 0o600 });
  }
  renameSync(aside, out);
  pruneCache(dirname(out));
  return out;
}

/** How many compiled copies the cache keeps: they only name a module's code in stack traces (what runs is in memory). */
export const CACHE_FILES = 256;

/**
 * Keep the newest `keep` entries of the compile cache and unlink the rest,
 * oldest first (by their own mtime: lstat, so a link is judged, and removed,
 * as itself, never through). Another process may prune at the same time: an
 * entry already gone is no error.
 */
export function pruneCache(dir: string, keep: number = CACHE_FILES): number {
  const entries: { path: string; mtime: number }[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    try {
      entries.push({ path, mtime: lstatSync(path).mtimeMs });
    } catch {
      // gone meanwhile
    }
  }
  if (entries.length <= keep) return 0;
  entries.sort((a, b) => b.mtime - a.mtime || (a.path < b.path ? -1 : 1));
  let removed = 0;
  for (const { path } of entries.slice(keep)) {
    try {
      unlinkSync(path);
      removed++;
    } catch {
      // gone meanwhile
    }
  }
  return removed;
}

/**
 * Where compiled module files go: a directory of this user's alone
 * (`LIVEMOD_CACHE`, else `$XDG_CACHE_HOME/livemod/modules`, else
 * `~/.cache/livemod/modules`), made with mode 0700. A shared, world-writable
 * place such as /tmp would let another user plant a file or a link where
 * insmod writes and then imports. A directory someone else owns is refused.
 */
export function compileCache(): string {
  const base = process.env.LIVEMOD_CACHE || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'livemod', 'modules');
  return privateDir(base, { what: 'the module compile cache', hint: 'remove it, or set LIVEMOD_CACHE to a directory of your own', open: 'close' });
}

/** `./x.js` next to `from`: the file itself, or the `.ts` it was compiled from. */
function resolveRelative(from: string, spec: string): string | null {
  const base = resolve(dirname(from), spec);
  for (const candidate of [base, base.replace(/\.js$/, '.ts'), `${base}.ts`, `${base}.js`]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return null;
}

/** TypeScript (or JavaScript) to CommonJS with the watchdog's checks; ENOEXEC with file:line:col when it does not parse. */
function transpile(ts: typeof import('typescript'), text: string, file: string, checks: boolean): string {
  const out = ts.transpileModule(text, {
    fileName: file,
    reportDiagnostics: true,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
    transformers: { before: checks ? [watchdogTransformer(ts)] : [] },
  });
  const diag = out.diagnostics?.find((d) => d.category === ts.DiagnosticCategory.Error);
  if (diag) {
    const pos = diag.file && diag.start !== undefined ? diag.file.getLineAndCharacterOfPosition(diag.start) : null;
    const where = pos ? `${file}:${pos.line + 1}:${pos.character + 1}` : file;
    throw err('ENOEXEC', `${where} does not parse: ${ts.flattenDiagnosticMessageText(diag.messageText, ' ')}`, 'fix the file and try again');
  }
  return out.outputText;
}

/** Does an import name the module API (`livemod/module`, or a path ending in `kernel/module`)? */
function isModuleApi(spec: string): boolean {
  return spec === 'livemod/module' || spec === 'livemod' || /(^|\/)kernel\/module(\.(js|ts))?$/.test(spec);
}
