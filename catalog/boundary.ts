// The static half of the boundary for module code loaded by path: before a
// file is compiled, its syntax tree is searched for anything that reaches
// past the module API for host authority, and the file is refused with
// EPERM naming the first such thing and where it is. The runtime half
// (catalog/sandbox.ts) runs what passes in a realm where those names do not
// exist, so what this check cannot see (a name built at run time) still
// finds nothing.
//
// Refused: imports other than the module API and relative files (`node:*`,
// packages), `import()` and `import.meta`; the host's globals (process,
// require, timers, network, the file system through Buffer and friends, the
// host clock and Math.random, which would make a run depend on more than its
// seed); code from strings (eval, Function) and the `constructor` property
// by which a function reaches its Function constructor; async functions,
// await and promises, whose work would run outside any step; and the names
// of the watchdog's checks (catalog/instrument.ts). A name the file declares
// itself (a parameter called `process`) is its own and is allowed.

import type ts from 'typescript';
import { err } from '../exec/errno.js';
import { BUDGET_NAME, TRIP_NAME } from './instrument.js';

/** Host globals a module may not name, and what they are. */
const HOST_GLOBALS: Readonly<Record<string, string>> = {
  ...names('host access', 'process', 'require', 'module', 'exports', '__dirname', '__filename', 'global', 'globalThis', 'Buffer', 'console', 'arguments'),
  ...names('code from strings', 'eval', 'Function'),
  ...names('timers', 'setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval', 'clearImmediate', 'queueMicrotask'),
  ...names('network', 'fetch', 'WebSocket', 'XMLHttpRequest', 'EventSource', 'Request', 'Response', 'Headers'),
  ...names('promises', 'Promise'),
  ...names('the host clock (use m.k.now())', 'Date', 'performance', 'Intl'),
  ...names('host memory and code', 'WebAssembly', 'SharedArrayBuffer', 'Atomics', 'WeakRef', 'FinalizationRegistry'),
};

function names(what: string, ...list: string[]): Record<string, string> {
  return Object.fromEntries(list.map((n) => [n, what]));
}

/** Is `spec` an import the catalog links: the module API or a file beside this one? */
export function allowedImport(spec: string): boolean {
  return spec === 'livemod/module' || spec === 'livemod' || /(^|\/)kernel\/module(\.(js|ts))?$/.test(spec) || spec.startsWith('./') || spec.startsWith('../');
}

/** The relative files `source` imports or re-exports, in order (type-only ones too; the compiled file drops those). */
export function relativeImports(t: typeof ts, source: ts.SourceFile): string[] {
  const out: string[] = [];
  for (const s of source.statements) {
    if ((t.isImportDeclaration(s) || t.isExportDeclaration(s)) && s.moduleSpecifier && t.isStringLiteral(s.moduleSpecifier)) {
      const spec = s.moduleSpecifier.text;
      if (spec.startsWith('./') || spec.startsWith('../')) out.push(spec);
    }
  }
  return out;
}

/** EPERM naming the first thing in `source` that reaches past the module API; nothing when there is none. */
export function checkBoundary(t: typeof ts, source: ts.SourceFile, file: string): void {
  const declared = declaredNames(t, source);
  const refuse = (node: ts.Node, what: string): never => {
    const pos = source.getLineAndCharacterOfPosition(node.getStart(source));
    throw err('EPERM', `${file}:${pos.line + 1}:${pos.character + 1} uses ${what}: module code gets only the module API`, 'reach the machine through m (m.k, m.imports, m.state); see "The boundary" in the README');
  };
  const visit = (node: ts.Node): void => {
    if (t.isImportDeclaration(node) || t.isExportDeclaration(node)) {
      const spec = node.moduleSpecifier;
      if (spec && t.isStringLiteral(spec) && !allowedImport(spec.text)) refuse(spec, `an import of '${spec.text}'`);
    } else if (t.isImportEqualsDeclaration(node)) {
      refuse(node, 'import = require()');
    } else if (t.isCallExpression(node) && node.expression.kind === t.SyntaxKind.ImportKeyword) {
      refuse(node, 'import()');
    } else if (t.isMetaProperty(node) && node.keywordToken === t.SyntaxKind.ImportKeyword) {
      refuse(node, 'import.meta');
    } else if (t.isAwaitExpression(node) || (t.isForOfStatement(node) && node.awaitModifier)) {
      refuse(node, 'await (promises run outside any step)');
    } else if (t.isFunctionLike(node) && t.canHaveModifiers(node) && t.getModifiers(node)?.some((m) => m.kind === t.SyntaxKind.AsyncKeyword)) {
      refuse(node, 'an async function (promises run outside any step)');
    } else if (t.isPropertyAccessExpression(node) && t.isIdentifier(node.name)) {
      const p = node.name.text;
      if (p === 'constructor' || p === '__proto__') refuse(node.name, `.${p} (the way from a function to its Function constructor)`);
      if (p === 'random' && t.isIdentifier(node.expression) && node.expression.text === 'Math') refuse(node, 'Math.random (the run must depend on its seed only)');
    } else if (t.isStringLiteral(node) || t.isNoSubstitutionTemplateLiteral(node)) {
      if (node.text === 'constructor' || node.text === '__proto__') refuse(node, `'${node.text}' (the way from a function to its Function constructor)`);
    } else if (t.isIdentifier(node) && isReference(t, node)) {
      const name = node.text;
      if (name.startsWith('__livemod') || name === BUDGET_NAME || name === TRIP_NAME) refuse(node, `${name} (a name reserved for the watchdog)`);
      const what = HOST_GLOBALS[name];
      if (what && !declared.has(name)) refuse(node, `${name} (${what})`);
    }
    if (t.isTypeNode(node)) return; // types are erased: `NodeJS.Timeout` reaches nothing
    t.forEachChild(node, visit);
  };
  visit(source);
}

/** Is this identifier a name looked up in scope (not a property, a key, a label or a type)? */
function isReference(t: typeof ts, id: ts.Identifier): boolean {
  const p = id.parent;
  if (!p) return true;
  if (t.isPropertyAccessExpression(p) && p.name === id) return false;
  if (t.isQualifiedName(p)) return false; // a type's or namespace's path
  if ((t.isPropertyAssignment(p) || t.isMethodDeclaration(p) || t.isPropertyDeclaration(p) || t.isPropertySignature(p) || t.isMethodSignature(p) || t.isGetAccessorDeclaration(p) || t.isSetAccessorDeclaration(p) || t.isEnumMember(p)) && p.name === id) return false;
  if ((t.isLabeledStatement(p) || t.isBreakOrContinueStatement(p)) && p.label === id) return false;
  if ((t.isImportSpecifier(p) || t.isExportSpecifier(p) || t.isBindingElement(p)) && p.propertyName === id) return false;
  if (t.isExportSpecifier(p) && p.parent.parent.moduleSpecifier) return false; // `export { x } from './y.js'`
  return true;
}

/** Every name `source` binds anywhere (variables, functions, classes, parameters, imports): a file's own `process` is not the host's. */
function declaredNames(t: typeof ts, source: ts.SourceFile): Set<string> {
  const out = new Set<string>();
  const bind = (n: ts.BindingName | undefined): void => {
    if (!n) return;
    if (t.isIdentifier(n)) out.add(n.text);
    else for (const e of n.elements) if (!t.isOmittedExpression(e)) bind(e.name);
  };
  const visit = (node: ts.Node): void => {
    if (t.isVariableDeclaration(node) || t.isParameter(node) || t.isBindingElement(node)) bind(node.name);
    else if ((t.isFunctionDeclaration(node) || t.isClassDeclaration(node) || t.isFunctionExpression(node) || t.isClassExpression(node)) && node.name) out.add(node.name.text);
    else if (t.isImportClause(node) && node.name) out.add(node.name.text);
    else if (t.isImportSpecifier(node) || t.isNamespaceImport(node)) out.add(node.name.text);
    t.forEachChild(node, visit);
  };
  visit(source);
  // The watchdog's names and code from strings are never the file's own.
  for (const n of ['eval', 'Function', 'arguments', 'globalThis']) out.delete(n);
  return out;
}
