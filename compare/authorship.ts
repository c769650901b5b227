// How many lines an update's author writes to make a new version updatable
// live, read from the sources with the TypeScript compiler API (so the
// figure follows the code, never a number typed in):
// - a module version: its `upgrade`, `downgrade` and `compat` sections, plus
//   the functions of the same file they name (adaptors, transfer functions);
// - an object class version (`oo/classes/<class>/<version>.ts`): its own
//   constructor (the import side of the transfer) and `export` method, plus
//   what its entry (the file's default export) names for `exportAs`,
//   `importFrom` and `adaptors` (adaptor classes, format helpers, in its own
//   file or imported from its class's folder) that the previous version's
//   entry did not already name.
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

/** A declaration and the file it is in (so its lines are read from that file). */
interface Decl {
  readonly node: ts.Node;
  readonly sf: ts.SourceFile;
  /** `file#name`: the same declaration reached from two version files is one. */
  readonly key: string;
}

/** The folder of class `cls`'s version files. */
const classDir = (cls: string) => `oo/classes/${cls.toLowerCase()}`;

/**
 * The declarations a class version file `rel` can name: its own top-level
 * ones, and those it imports from files of its own class's folder (an
 * earlier version, the class's shared formats). Other imports are not the
 * version's update code.
 */
function classDeclarations(rel: string, sf: ts.SourceFile): Map<string, Decl> {
  const out = new Map<string, Decl>();
  for (const [name, node] of declarations(sf)) out.set(name, { node, sf, key: `${rel}#${name}` });
  const dir = rel.slice(0, rel.lastIndexOf('/'));
  for (const s of sf.statements) {
    if (!ts.isImportDeclaration(s) || !ts.isStringLiteral(s.moduleSpecifier)) continue;
    const spec = s.moduleSpecifier.text;
    const bindings = s.importClause?.namedBindings;
    if (!spec.startsWith('./') || spec.includes('/', 2) || !bindings || !ts.isNamedImports(bindings)) continue;
    const from = `${dir}/${spec.slice(2).replace(/\.js$/, '.ts')}`;
    const fsf = source(from);
    if (!fsf) continue;
    const theirs = declarations(fsf);
    for (const el of bindings.elements) {
      const name = (el.propertyName ?? el.name).text;
      const node = theirs.get(name);
      if (node) out.set(el.name.text, { node, sf: fsf, key: `${from}#${name}` });
    }
  }
  return out;
}

/** The entry of a class version file: the object literal it default-exports (`export default defineClass({...})`). */
function classEntry(sf: ts.SourceFile): ts.ObjectLiteralExpression | undefined {
  for (const s of sf.statements) {
    if (!ts.isExportAssignment(s)) continue;
    const e = ts.isCallExpression(s.expression) ? s.expression.arguments[0] : s.expression;
    if (e && ts.isObjectLiteralExpression(e)) return e;
  }
  return undefined;
}

/** Lines written for class `cls` version `version` (and not for `previous`) to be updatable; null when the source is not at hand. */
export function classUpdateLines(cls: string, version: string, previous: string): number | null {
  const read = (v: string) => {
    const rel = `${classDir(cls)}/${v}.ts`;
    const sf = source(rel);
    const entry = sf ? classEntry(sf) : undefined;
    return sf && entry ? { sf, entry, decls: classDeclarations(rel, sf) } : null;
  };
  const now = read(version);
  if (!now) return null;
  // The parts of an entry that say how to transfer and adapt: those properties, or a spread that provides them.
  const parts = (e: ts.ObjectLiteralExpression): ts.Node[] =>
    e.properties.filter((p) => ts.isSpreadAssignment(p) || (ts.isPropertyAssignment(p) && ['exportAs', 'importFrom', 'adaptors'].includes(p.name.getText())));
  /** The declarations an entry's parts name, by key. */
  const namedBy = (v: { entry: ts.ObjectLiteralExpression; decls: Map<string, Decl> } | null) => {
    const out = new Map<string, Decl>();
    if (!v) return out;
    const local = new Map([...v.decls].map(([n, d]) => [n, d.node]));
    for (const p of parts(v.entry)) for (const n of named(p, local)) out.set(v.decls.get(n)!.key, v.decls.get(n)!);
    return out;
  };
  const before = namedBy(read(previous));
  let total = 0;
  const fresh = [...namedBy(now)].filter(([key]) => !before.has(key)).map(([, d]) => d);
  // A class version named by its entry for the first time: its own constructor and export are the transfer.
  for (const { node: d, sf } of fresh) {
    if (ts.isClassDeclaration(d) && !d.name?.text.endsWith('Adaptor')) {
      for (const m of d.members) if (ts.isConstructorDeclaration(m) || (ts.isMethodDeclaration(m) && m.name.getText() === 'export')) total += lines(m, sf);
    } else {
      total += lines(d, sf);
    }
  }
  for (const p of parts(now.entry)) total += lines(p, now.sf);
  return total;
}
