/**
 * A typed view of the AST that `@jmespath-community/jmespath` builds (its node types are not exported one by one).
 * The community edition parses more than MedTech's JmesPath.Net does (arithmetic, `$`, `let`, ternaries); those nodes
 * are listed so that validation can reject them exhaustively.
 */

/** Comparison operators of a {@link AstNode} `Comparator`. */
export type ComparatorName = 'EQ' | 'NE' | 'GT' | 'GTE' | 'LT' | 'LTE';

/** One `name: expression` pair of a multi-select hash. */
export interface KeyValuePair {
  readonly type: 'KeyValuePair';
  readonly name: string;
  readonly value: AstNode;
}

/** A node of a parsed JMESPath expression. */
export type AstNode =
  | { readonly type: 'Field'; readonly name: string }
  | { readonly type: 'Literal'; readonly value: unknown }
  | { readonly type: 'Index'; readonly value: number }
  | {
      readonly type: 'Slice';
      readonly start: number | null;
      readonly stop: number | null;
      readonly step: number | null;
    }
  | { readonly type: 'Function'; readonly name: string; readonly children: readonly AstNode[] }
  | {
      readonly type: 'FilterProjection';
      readonly left: AstNode;
      readonly right: AstNode;
      readonly condition: AstNode;
    }
  | { readonly type: 'Comparator'; readonly name: ComparatorName; readonly left: AstNode; readonly right: AstNode }
  | { readonly type: 'MultiSelectList'; readonly children: readonly AstNode[] }
  | { readonly type: 'MultiSelectHash'; readonly children: readonly KeyValuePair[] }
  | {
      readonly type:
        | 'AndExpression'
        | 'OrExpression'
        | 'IndexExpression'
        | 'Pipe'
        | 'Projection'
        | 'ValueProjection'
        | 'Subexpression';
      readonly left: AstNode;
      readonly right: AstNode;
    }
  | { readonly type: 'ExpressionReference' | 'Flatten' | 'NotExpression'; readonly child: AstNode }
  // Made by continueParenthesizedProjections, never by the library: `(x || y)` or `(x && y)` followed by steps, where
  // x or y is a projection that the steps continue (JmesPath.Net's `||` and `&&` return an operand's projection as
  // it is). The operator picks `left` or `right` at run time; `whenLeft` and `whenRight` are that operand followed by
  // the steps.
  | {
      readonly type: 'ChosenProjection';
      readonly operator: 'OrExpression' | 'AndExpression';
      readonly left: AstNode;
      readonly right: AstNode;
      readonly whenLeft: AstNode;
      readonly whenRight: AstNode;
    }
  | { readonly type: 'Identity' | 'Current' | 'Root' }
  // Community-edition extensions that JmesPath.Net (MedTech) does not parse: rejected at compile time.
  | { readonly type: 'Arithmetic'; readonly operator: string; readonly left: AstNode; readonly right: AstNode }
  | { readonly type: 'Unary'; readonly operator: string; readonly operand: AstNode }
  | { readonly type: 'Ternary'; readonly condition: AstNode; readonly trueExpr: AstNode; readonly falseExpr: AstNode }
  | { readonly type: 'LetExpression'; readonly bindings: readonly AstNode[]; readonly expression: AstNode }
  | { readonly type: 'Binding'; readonly variable: string; readonly reference: AstNode }
  | { readonly type: 'Variable'; readonly name: string };

/**
 * The direct children of a node, in the order they appear in the expression text.
 * @param node - the node
 */
export function childrenOf(node: AstNode): readonly AstNode[] {
  switch (node.type) {
    case 'Function':
    case 'MultiSelectList':
      return node.children;
    case 'MultiSelectHash':
      return node.children.map((pair) => pair.value);
    case 'FilterProjection':
      return [node.left, node.condition, node.right];
    case 'Comparator':
    case 'AndExpression':
    case 'OrExpression':
    case 'IndexExpression':
    case 'Pipe':
    case 'Projection':
    case 'ValueProjection':
    case 'Subexpression':
    case 'Arithmetic':
      return [node.left, node.right];
    case 'ExpressionReference':
    case 'Flatten':
    case 'NotExpression':
      return [node.child];
    case 'Unary':
      return [node.operand];
    case 'Ternary':
      return [node.condition, node.trueExpr, node.falseExpr];
    case 'ChosenProjection':
      return [node.left, node.right, node.whenLeft, node.whenRight];
    case 'LetExpression':
      return [...node.bindings, node.expression];
    case 'Binding':
      return [node.reference];
    case 'Field':
    case 'Literal':
    case 'Index':
    case 'Slice':
    case 'Identity':
    case 'Current':
    case 'Root':
    case 'Variable':
      return [];
  }
}
