// The watchdog's checks, compiled into a module file loaded by path: a
// TypeScript transformer that puts one check at the entry of every function,
// at the start of every loop body (each iteration passes it, so every
// back-edge is covered), and at the start of every catch and finally block
// (so module code that catches the watchdog's error meets another check at
// once and cannot carry on). A check is
//
//   --__livemod_budget.left < 0 && __livemod_trip("fn");
//
// a decrement and a compare on the fast path; `fn` names the function the
// check is in, for the report. The two names are parameters of the sandbox's
// wrapper (catalog/sandbox.ts); the boundary refuses module code that names
// them (catalog/boundary.ts), so it can neither refill nor replace them.
// What a check costs and when the budget is refilled: exec/watchdog.ts.

import type ts from 'typescript';

export const BUDGET_NAME = '__livemod_budget';
export const TRIP_NAME = '__livemod_trip';

/** The transformer, for `transpileModule`'s `before` list. */
export function watchdogTransformer(t: typeof ts): ts.TransformerFactory<ts.SourceFile> {
  return (context) => {
    const f = context.factory;
    const check = (fn: string): ts.Statement =>
      f.createExpressionStatement(
        f.createLogicalAnd(
          f.createLessThan(f.createPrefixDecrement(f.createPropertyAccessExpression(f.createIdentifier(BUDGET_NAME), 'left')), f.createNumericLiteral(0)),
          f.createCallExpression(f.createIdentifier(TRIP_NAME), undefined, [f.createStringLiteral(fn)]),
        ),
      );
    /** `{ check; ...statements }` */
    const guarded = (block: ts.Block, fn: string): ts.Block => f.updateBlock(block, [check(fn), ...block.statements]);
    /** A loop's body as a block that starts with a check. */
    const guardedBody = (body: ts.Statement, fn: string): ts.Statement => (t.isBlock(body) ? guarded(body, fn) : f.createBlock([check(fn), body], true));

    const visit = (fn: string) =>
      function visitor(node: ts.Node): ts.Node {
        if (t.isFunctionLike(node) && 'body' in node && node.body) {
          const name = functionName(t, node) ?? fn;
          const inner = t.visitEachChild(node, visit(name), context) as ts.FunctionLikeDeclaration;
          const body = inner.body!;
          const newBody = t.isBlock(body) ? guarded(body, name) : f.createBlock([check(name), f.createReturnStatement(body)], true);
          return replaceBody(t, f, inner, newBody);
        }
        const out = t.visitEachChild(node, visitor, context);
        if (t.isForStatement(out)) return f.updateForStatement(out, out.initializer, out.condition, out.incrementor, guardedBody(out.statement, fn));
        if (t.isForOfStatement(out)) return f.updateForOfStatement(out, out.awaitModifier, out.initializer, out.expression, guardedBody(out.statement, fn));
        if (t.isForInStatement(out)) return f.updateForInStatement(out, out.initializer, out.expression, guardedBody(out.statement, fn));
        if (t.isWhileStatement(out)) return f.updateWhileStatement(out, out.expression, guardedBody(out.statement, fn));
        if (t.isDoStatement(out)) return f.updateDoStatement(out, guardedBody(out.statement, fn), out.expression);
        if (t.isCatchClause(out)) return f.updateCatchClause(out, out.variableDeclaration, guarded(out.block, fn));
        if (t.isTryStatement(out) && out.finallyBlock) return f.updateTryStatement(out, out.tryBlock, out.catchClause, guarded(out.finallyBlock, fn));
        return out;
      };
    return (file) => t.visitEachChild(file, visit('(top level)'), context);
  };
}

/** The name a function goes by in its file: its own, its method's or property's, or its variable's. */
function functionName(t: typeof ts, node: ts.SignatureDeclaration): string | undefined {
  const named = (n: ts.Node | undefined): string | undefined => (n && (t.isIdentifier(n) || t.isStringLiteral(n) || t.isPrivateIdentifier(n)) ? n.text : undefined);
  if (t.isConstructorDeclaration(node)) return 'constructor';
  const own = named(node.name);
  if (own) return own;
  const p = node.parent;
  if (p && (t.isVariableDeclaration(p) || t.isPropertyAssignment(p) || t.isPropertyDeclaration(p))) return named(p.name);
  return undefined;
}

function replaceBody(t: typeof ts, f: ts.NodeFactory, n: ts.FunctionLikeDeclaration, body: ts.Block): ts.Node {
  if (t.isFunctionDeclaration(n)) return f.updateFunctionDeclaration(n, n.modifiers, n.asteriskToken, n.name, n.typeParameters, n.parameters, n.type, body);
  if (t.isFunctionExpression(n)) return f.updateFunctionExpression(n, n.modifiers, n.asteriskToken, n.name, n.typeParameters, n.parameters, n.type, body);
  if (t.isArrowFunction(n)) return f.updateArrowFunction(n, n.modifiers, n.typeParameters, n.parameters, n.type, n.equalsGreaterThanToken, body);
  if (t.isMethodDeclaration(n)) return f.updateMethodDeclaration(n, n.modifiers, n.asteriskToken, n.name, n.questionToken, n.typeParameters, n.parameters, n.type, body);
  if (t.isConstructorDeclaration(n)) return f.updateConstructorDeclaration(n, n.modifiers, n.parameters, body);
  if (t.isGetAccessorDeclaration(n)) return f.updateGetAccessorDeclaration(n, n.modifiers, n.name, n.parameters, n.type, body);
  if (t.isSetAccessorDeclaration(n)) return f.updateSetAccessorDeclaration(n, n.modifiers, n.name, n.parameters, body);
  return n;
}
