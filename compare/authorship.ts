// How many lines an update's author writes to make a new version updatable
// live, read from the sources with the TypeScript compiler API (so the
// figure follows the code, never a number typed in):
// - a module version: its `upgrade`, `downgrade` and `compat` sections, plus
//   the functions of the same file they name (adaptors, transfer functions);
// - an object class version: its own constructor (the import side of the
//   transfer) and `export` method, plus what its entry in the class history
//   names for `exportAs`, `importFrom` and `adaptors` (adaptor classes,
//   format helpers) that the previous version's entry did not already name.
// Lines are counted without blank lines and comments.

import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const HERE = fileURLToPath(new URL('.', import.meta.url));

/** The .ts source at `rel` from the repository root, found from source or from dist/. */
function source(rel: string): ts.SourceFile | null {
  for (const root of [resolve(HERE, '..'), resolve(HERE, '..', '..')]) {
    const p = resolve(root, rel);
    if (existsSync(p)) return ts.createSourceFile(p, readFileSync(p, 'utf8'), ts.ScriptTarget.Latest, true);
  }
  return null;
}

function lines(node: ts.Node, sf: ts.SourceFile): number {
  return node
    .getText(sf)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('//') && !l.startsWith('/*') && !l.startsWith('*')).length;
}

/** Top-level declarations of the file by name (functions, classes, consts). */
function declarations(sf: ts.SourceFile): Map<string, ts.Node> {
  const out = new Map<string, ts.Node>();
  for (const s of sf.statements) {
    if ((ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s)) && s.name) out.set(s.name.text, s);
    if (ts.isVariableStatement(s)) for (const d of s.declarationList.declarations) if (ts.isIdentifier(d.name)) out.set(d.name.text, s);
  }
  return out;
}

/** Same-file declarations that `node` names directly (what they call in turn is the version's code, not its update code). */
function named(node: ts.Node, decls: Map<string, ts.Node>, seen = new Set<string>()): Set<string> {
  const visit = (n: ts.Node): void => {
    if (ts.isIdentifier(n) && decls.has(n.text)) seen.add(n.text);
    ts.forEachChild(n, visit);
  };
  visit(node);
  return seen;
}

function property(obj: ts.ObjectLiteralExpression, name: string): ts.PropertyAssignment | undefined {
  return obj.properties.find((p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && p.name.getText() === name);
}

/** Lines written for module `name` version `version` to be updatable; null when its source is not at hand. */
export function moduleUpdateLines(name: string, version: string): number | null {
  const sf = source(`modules/${name}/${version}.ts`);
  if (!sf) return null;
  let def: ts.ObjectLiteralExpression | undefined;
  for (const s of sf.statements) {
    if (ts.isExportAssignment(s) && ts.isCallExpression(s.expression)) {
      const arg = s.expression.arguments[0];
      if (arg && ts.isObjectLiteralExpression(arg)) def = arg;
    }
  }
  if (!def) return null;
  const decls = declarations(sf);
  let total = 0;
  const names = new Set<string>();
  for (const key of ['upgrade', 'downgrade', 'compat']) {
    const p = property(def, key);
    if (!p) continue;
    total += lines(p, sf);
    named(p, decls, names);
  }
  for (const n of names) total += lines(decls.get(n)!, sf);
  return total;
}

const CLASS_FILES: Readonly<Record<string, string>> = { BlockDevice: 'oo/classes/blockdevice.ts', FileSystem: 'oo/classes/filesystem.ts', Inode: 'oo/classes/inode.ts' };

/** The entries of a class history array (`export const INODE = [ {...}, ... ]`), by version. */
function historyEntries(sf: ts.SourceFile): Map<string, ts.ObjectLiteralExpression> {
  const out = new Map<string, ts.ObjectLiteralExpression>();
  const visit = (n: ts.Node): void => {
    if (ts.isObjectLiteralExpression(n)) {
      const v = property(n, 'version');
      if (v && ts.isStringLiteral(v.initializer) && property(n, 'iface')) out.set(v.initializer.text, n);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/** Lines written for class `cls` version `version` (and not for `previous`) to be updatable; null when the source is not at hand. */
export function classUpdateLines(cls: string, version: string, previous: string): number | null {
  const file = CLASS_FILES[cls];
  const sf = file ? source(file) : null;
  if (!sf) return null;
  const decls = declarations(sf);
  const entries = historyEntries(sf);
  const entry = entries.get(version);
  if (!entry) return null;
  // The parts of an entry that say how to transfer and adapt: those properties, or a spread that provides them.
  const parts = (e: ts.ObjectLiteralExpression | undefined): ts.Node[] =>
    e ? e.properties.filter((p) => ts.isSpreadAssignment(p) || (ts.isPropertyAssignment(p) && ['exportAs', 'importFrom', 'adaptors'].includes(p.name.getText()))) : [];
  const namedBy = (e: ts.ObjectLiteralExpression | undefined) => {
    const out = new Set<string>();
    for (const p of parts(e)) named(p, decls, out);
    return out;
  };
  const before = namedBy(entries.get(previous));
  let total = 0;
  const fresh = [...namedBy(entry)].filter((n) => !before.has(n));
  // A class version named by its entry for the first time: its own constructor and export are the transfer.
  for (const n of fresh) {
    const d = decls.get(n)!;
    if (ts.isClassDeclaration(d) && !n.endsWith('Adaptor')) {
      for (const m of d.members) if (ts.isConstructorDeclaration(m) || (ts.isMethodDeclaration(m) && m.name.getText() === 'export')) total += lines(m, sf);
    } else {
      total += lines(d, sf);
    }
  }
  for (const p of parts(entry)) total += lines(p, sf);
  return total;
}
