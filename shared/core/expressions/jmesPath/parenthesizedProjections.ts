import type { AstNode } from './jmesPathAst.js';

/** Node types whose value is a projection that a following `.x`, `[…]`, `[?…]` or `.*` applies to element by element. */
const PROJECTIONS: ReadonlySet<string> = new Set(['Projection', 'ValueProjection', 'FilterProjection']);

/**
 * Whether a node may yield a projection that stays one through parentheses: a projection, a sub-expression, index
 * expression or pipe that ends in one (the library nests `a.b[*]` as `a.(b[*])`), or `||` / `&&` with such an
 * operand (JmesPath.Net returns the operand it picks as it is, projection and all).
 */
function yieldsProjection(node: AstNode): boolean {
  if (PROJECTIONS.has(node.type) || node.type === 'ChosenProjection') {
    return true;
  }
  if (node.type === 'Subexpression' || node.type === 'IndexExpression' || node.type === 'Pipe') {
    return yieldsProjection(node.right);
  }
  if (node.type === 'OrExpression' || node.type === 'AndExpression') {
    return yieldsProjection(node.left) || yieldsProjection(node.right);
  }
  return false;
}

/**
 * `left` followed by a postfix step (`attach` builds the step on its operand), applied as JmesPath.Net applies it:
 * when `left` yields a projection, the step joins that projection's right-hand side (the innermost one when
 * projections nest), so that it applies to each element; otherwise the step takes `left` as it is. When `left` is
 * `x || y` or `x && y` with a projection among its operands, which operand the step follows is known only at run
 * time: the step is joined to each, and a `ChosenProjection` picks one as the operator would.
 */
function follow(left: AstNode, attach: (operand: AstNode) => AstNode): AstNode {
  if (left.type === 'Projection' || left.type === 'ValueProjection' || left.type === 'FilterProjection') {
    return { ...left, right: follow(left.right, attach) };
  }
  if ((left.type === 'OrExpression' || left.type === 'AndExpression') && yieldsProjection(left)) {
    return {
      type: 'ChosenProjection',
      operator: left.type,
      left: left.left,
      right: left.right,
      whenLeft: follow(left.left, attach),
      whenRight: follow(left.right, attach),
    };
  }
  if (left.type === 'ChosenProjection') {
    return { ...left, whenLeft: follow(left.whenLeft, attach), whenRight: follow(left.whenRight, attach) };
  }
  if (
    (left.type === 'Subexpression' || left.type === 'IndexExpression' || left.type === 'Pipe') &&
    yieldsProjection(left.right)
  ) {
    return { ...left, right: follow(left.right, attach) };
  }
  return attach(left);
}

/**
 * The AST with each postfix step that follows a parenthesized projection moved into that projection, as
 * JmesPath.Net 1.0.205 (MedTech's) evaluates it. Its parentheses only group: a projection's value stays a
 * projection, so `(a[*]).b` is `a[*].b` and `(a[*].b)[0]` takes `[0]` of each element (where standard JMESPath
 * takes the first element of the projected list). The library gives such a step a left operand that ends in a
 * projection only when parentheses close after it (otherwise the projection takes in the steps that follow), so
 * nothing else changes. A projection `||` or `&&` picks at run time (`(a || b[*]).c`) becomes a `ChosenProjection`.
 * @param node - a node of the library's AST
 * @returns the node, rebuilt only where a step follows a projection
 */
export function continueParenthesizedProjections(node: AstNode): AstNode {
  const visit = continueParenthesizedProjections;
  switch (node.type) {
    case 'Subexpression':
    case 'IndexExpression':
    case 'Projection':
    case 'ValueProjection': {
      const type = node.type;
      const right = visit(node.right);
      return follow(visit(node.left), (operand) => ({ type, left: operand, right }));
    }
    case 'FilterProjection': {
      const condition = visit(node.condition);
      const right = visit(node.right);
      return follow(visit(node.left), (operand) => ({ type: 'FilterProjection', left: operand, right, condition }));
    }
    case 'Comparator':
      return { ...node, left: visit(node.left), right: visit(node.right) };
    case 'AndExpression':
    case 'OrExpression':
    case 'Pipe':
      return { ...node, left: visit(node.left), right: visit(node.right) };
    case 'ExpressionReference':
    case 'Flatten':
    case 'NotExpression':
      return { ...node, child: visit(node.child) };
    case 'Function':
    case 'MultiSelectList':
      return { ...node, children: node.children.map(visit) };
    case 'MultiSelectHash':
      return { ...node, children: node.children.map((pair) => ({ ...pair, value: visit(pair.value) })) };
    case 'Field':
    case 'Literal':
    case 'Index':
    case 'Slice':
    case 'Identity':
    case 'Current':
    case 'Root':
    case 'Variable':
      return node;
    case 'Arithmetic':
    case 'Unary':
    case 'Ternary':
    case 'LetExpression':
    case 'Binding':
      // Community-edition nodes: rejected before this runs.
      return node;
    case 'ChosenProjection':
      // Made here, from nodes already visited.
      return node;
  }
}
