import { compile, tokenize } from '@jmespath-community/jmespath';
import { ExpressionSyntaxError } from '../../errors.js';
import type { AstNode } from './jmesPathAst.js';
import { childrenOf } from './jmesPathAst.js';
import { arityOf } from './jmesPathInterpreter.js';
import { JMESPATH_MAX_EXPRESSION_LENGTH } from './jmesPathLimits.js';
import { continueParenthesizedProjections } from './parenthesizedProjections.js';
import { readKindedJsonLiteral } from './kindedNumbers.js';
import { quoteBounded } from '../../quoteBounded.js';

// Legacy literals (`` `heartRate` `` meaning the string "heartRate") appear in Microsoft's MedTech documentation
// (CalculatedContent typeMatchExpression example); every valid JSON literal still means the same thing.
const LIBRARY_OPTIONS = { enable_legacy_literals: true } as const;

/** A token of the library's lexer, with the text it spans. */
interface Token {
  readonly type: string;
  readonly value: unknown;
  readonly start: number;
  readonly text: string;
}

/** Token types after which an operand has ended: another operand may not follow without an operator or comma. */
const OPERAND_END: ReadonlySet<string> = new Set([
  'UnquotedIdentifier',
  'QuotedIdentifier',
  'Literal',
  'Rbracket',
  'Rparen',
  'Rbrace',
  'Current',
  'Flatten',
  'Star',
]);

/** Token types that begin an operand. */
const OPERAND_START: ReadonlySet<string> = new Set([
  'UnquotedIdentifier',
  'QuotedIdentifier',
  'Literal',
  'Current',
  'Lbrace',
  'Not',
  'Expref',
]);

/** AST nodes of community-edition extensions (the token checks normally reject them first). */
const COMMUNITY_NODES: ReadonlySet<string> = new Set([
  'Arithmetic',
  'Unary',
  'Ternary',
  'LetExpression',
  'Binding',
  'Variable',
  'Root',
]);

const ARITHMETIC = new Set(['Plus', 'Minus', 'Multiply', 'Divide', 'Modulo', 'Div']);

const CHARACTERS_OUTSIDE_QUOTES = /[A-Za-z0-9_ \t\n\r()*,.:@[\]{}+%?$!<>=&|/\-\u2212\u00d7\u00f7]/;

const QUOTES: Readonly<Record<string, string>> = {
  '"': 'quoted identifier',
  "'": 'raw string literal',
  '`': 'JSON literal',
};

function syntaxError(source: string, reason: string, position?: number): ExpressionSyntaxError {
  const where = position === undefined ? '' : ` at position ${position}`;
  return new ExpressionSyntaxError(`Invalid JMESPath expression ${quoteBounded(source)}${where}: ${reason}.`, position);
}

/** Index of the quote closing the one at `open` (escapes `\\` and `\<quote>` as the library reads them), or -1. */
function closingQuote(source: string, open: number): number {
  const quote = source[open];
  let index = open + 1;
  while (index < source.length && source[index] !== quote) {
    index += source[index] === '\\' && (source[index + 1] === '\\' || source[index + 1] === quote) ? 2 : 1;
  }
  return index < source.length ? index : -1;
}

function tryTokenize(text: string): boolean {
  try {
    tokenize(text, LIBRARY_OPTIONS);
    return true;
  } catch {
    return false;
  }
}

/** Finds lexical errors with their position (the library's lexer reports none) before the library tokenizes. */
function checkCharacters(source: string): void {
  let index = 0;
  while (index < source.length) {
    const character = String.fromCodePoint(source.codePointAt(index) ?? 0);
    const quoted = QUOTES[character];
    if (quoted !== undefined) {
      const close = closingQuote(source, index);
      if (close < 0) {
        throw syntaxError(source, `unterminated ${quoted}`, index);
      }
      if (character !== "'" && !tryTokenize(source.slice(index, close + 1))) {
        throw syntaxError(source, `invalid ${quoted} (its content must be valid JSON)`, index);
      }
      index = close + 1;
    } else if (CHARACTERS_OUTSIDE_QUOTES.test(character)) {
      index += 1;
    } else {
      throw syntaxError(source, `unexpected character ${JSON.stringify(character)}`, index);
    }
  }
}

function tokensOf(source: string): Token[] {
  let raw;
  try {
    raw = tokenize(source, LIBRARY_OPTIONS);
  } catch (error) {
    throw syntaxError(source, error instanceof Error ? error.message : 'it cannot be tokenized');
  }
  return raw.map((token, index) => {
    const end = raw[index + 1]?.start ?? source.length;
    const type: string = token.type;
    return { type, value: token.value, start: token.start, text: source.slice(token.start, end).trimEnd() };
  });
}

const ARITHMETIC_HINT =
  "; MedTech's JMESPath has no arithmetic operators, use add(), subtract(), multiply() or divide()";

/**
 * Rejects what the community edition tokenizes but JmesPath.Net (MedTech) does not parse: arithmetic, `$`, variables,
 * ternaries, `=`; and what the community parser accepts too leniently: operands without a separating comma or
 * operator (`f(a b)`, `[a b]`), a trailing comma (`f(a,)`), malformed numbers, a slice step of 0.
 */
function checkTokens(source: string, tokens: readonly Token[]): void {
  let colonsInBracket = 0;
  tokens.forEach((token, index) => {
    const previous = tokens[index - 1];
    const next = tokens[index + 1];
    const fail = (reason: string): never => {
      throw syntaxError(source, reason, token.start);
    };
    switch (token.type) {
      case 'Root':
        fail(
          "'$' (the root reference) is not supported by MedTech's JMESPath; its paths start at the envelope's " +
            "members, without '$.' (Body.deviceId, matchedToken.heartRate); a JSONPath expression needs the JsonPath " +
            'language',
        );
        break;
      case 'Variable':
        fail(`variables ('${token.text}') are not supported by MedTech's JMESPath`);
        break;
      case 'Question':
        fail("the conditional operator '?' is not supported by MedTech's JMESPath");
        break;
      case 'Assign':
        fail("'=' is not an operator (compare with '==')");
        break;
      case 'Minus':
        fail(`unexpected '-'${ARITHMETIC_HINT}; quote member names that contain '-', e.g. "iothub-creation-time-utc"`);
        break;
      case 'Lbracket':
        colonsInBracket = 0;
        break;
      case 'Colon':
        colonsInBracket += 1;
        break;
      case 'Number':
        if (!/^-?\d+$/.test(token.text)) {
          fail(`invalid number '${token.text}'`);
        }
        if (token.value === 0 && previous?.type === 'Colon' && colonsInBracket === 2) {
          fail('a slice step cannot be 0');
        }
        break;
      case 'Comma':
        if (next !== undefined && ['Rparen', 'Rbracket', 'Rbrace'].includes(next.type)) {
          fail(`unexpected ',' before '${next.text}'`);
        }
        break;
      default:
        break;
    }
    if (ARITHMETIC.has(token.type)) {
      fail(`unexpected '${token.text}'${ARITHMETIC_HINT}`);
    }
    if (previous !== undefined && OPERAND_END.has(previous.type)) {
      // After an operand, `*` can only be the community edition's multiplication.
      if (token.type === 'Star') {
        fail(`unexpected '*'${ARITHMETIC_HINT}`);
      }
      if (OPERAND_START.has(token.type)) {
        fail(`missing ',' or operator before '${token.text}'`);
      }
    }
  });
}

function mentionsEnd(error: unknown): boolean {
  return error instanceof Error && /\bEOF\b/.test(error.message);
}

function parsesUpToToken(source: string, tokens: readonly Token[], last: number): boolean {
  const end = tokens[last + 1]?.start ?? source.length;
  try {
    compile(source.slice(0, end), LIBRARY_OPTIONS);
    return true;
  } catch (error) {
    // A prefix that only lacks its continuation is not where the error is.
    return mentionsEnd(error);
  }
}

/**
 * Where the library's parser failed (its errors carry no position): the first token whose prefix fails for a reason
 * other than running out of input, found by bisection; the end of the expression when it just stops too early.
 */
function parseErrorPosition(source: string, tokens: readonly Token[], error: unknown): number {
  if (mentionsEnd(error) || tokens.length === 0) {
    return source.length;
  }
  let low = 0;
  let high = tokens.length - 1;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if (parsesUpToToken(source, tokens, middle)) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return tokens[low]?.start ?? source.length;
}

/**
 * The expression with each raw string re-escaped so that the library reads it as JmesPath.Net 1.0.205 does. There,
 * a raw string's only escape is `\'` (its text with each `\'` replaced by `'`): `'a\\b'` is `a\\b`, two
 * backslashes, where the library reads `\\` as one. Quoted identifiers and JSON literals are left alone.
 */
function withDotNetRawStrings(source: string): string {
  let result = '';
  let index = 0;
  while (index < source.length) {
    const character = source[index] as string;
    if (QUOTES[character] === undefined) {
      result += character;
      index += 1;
      continue;
    }
    const close = closingQuote(source, index);
    const body = source.slice(index + 1, close);
    if (character === "'") {
      const value = body.replaceAll("\\'", "'");
      result += `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
    } else {
      result += source.slice(index, close + 1);
    }
    index = close + 1;
  }
  return result;
}

/** Token types that end the operand of a `!` when they stand at the `!`'s own bracket depth. */
const NOT_OPERAND_END: ReadonlySet<string> = new Set([
  'Pipe',
  'Or',
  'And',
  'EQ',
  'NE',
  'LT',
  'LTE',
  'GT',
  'GTE',
  'Comma',
  'Colon',
  'Rparen',
  'Rbracket',
  'Rbrace',
]);

const OPENING_BRACKETS: ReadonlySet<string> = new Set(['Lparen', 'Lbracket', 'Filter', 'Lbrace']);
const CLOSING_BRACKETS: ReadonlySet<string> = new Set(['Rparen', 'Rbracket', 'Rbrace']);

/**
 * The expression with the operand of each `!` in parentheses, as far as JmesPath.Net 1.0.205 reads it. Its grammar
 * ranks `!` below `.`, `[…]`, `[?…]`, `[]` and `*`, so `!a.b` is `!(a.b)` and `!a[?x]` is `!(a[?x])`; the library
 * ranks `!` above `.` and the projections (`(!a).b`, `(!a)[?x]`). Both rank it above comparisons, `&&`, `||` and `|`,
 * so the operand ends at the first of those (or a comma, colon or closing bracket) at the `!`'s own depth.
 */
function withDotNetNotOperands(source: string, tokens: readonly Token[]): string {
  const insertions: { position: number; text: string }[] = [];
  // Bracket depth of each `!` whose operand is still open.
  const open: number[] = [];
  let depth = 0;
  const closeOperands = (position: number): void => {
    while (open.length > 0 && open[open.length - 1] === depth) {
      open.pop();
      insertions.push({ position, text: ')' });
    }
  };
  for (const token of tokens) {
    if (NOT_OPERAND_END.has(token.type)) {
      closeOperands(token.start);
    }
    if (OPENING_BRACKETS.has(token.type)) {
      depth += 1;
    } else if (CLOSING_BRACKETS.has(token.type)) {
      depth -= 1;
    } else if (token.type === 'Not') {
      open.push(depth);
      insertions.push({ position: token.start + 1, text: '(' });
    }
  }
  closeOperands(source.length);
  // Stable sort: the `)`s closing at one position stay together; no `(` shares a position with them.
  insertions.sort((a, b) => a.position - b.position);
  let result = '';
  let copied = 0;
  for (const { position, text } of insertions) {
    result += source.slice(copied, position) + text;
    copied = position;
  }
  return result + source.slice(copied);
}

/** The text the library parses: raw strings are re-escaped when one holds a `\\` (the one escape read differently). */
function libraryText(source: string): string {
  return /'[^']*\\\\/.test(source) ? withDotNetRawStrings(source) : source;
}

/** The library's AST of an expression, its JSON literals read with JmesPath.Net's number kinds. */
function libraryParse(source: string): AstNode {
  const text = libraryText(source);
  const kinded: unknown[] = [];
  const ast: unknown = compile(markKindedLiterals(text, kinded), LIBRARY_OPTIONS);
  if (kinded.length > 0) {
    restoreKindedLiterals(ast, kinded);
  }
  return ast as AstNode;
}

/** Starts the string that stands in, while the library parses, for a JSON literal with numbers to box. */
const KINDED_MARK = '\\u0000kinded:';

/**
 * The text with each JSON literal that has numbers to box (integers, and whole floats such as `1.0` or `1e3`; see
 * kindedNumbers.ts) replaced by a marker string literal, the literal's kinded value pushed onto `kinded`.
 */
function markKindedLiterals(text: string, kinded: unknown[]): string {
  if (!text.includes('`') || text.includes('u0000kinded')) {
    return text;
  }
  let tokens;
  try {
    tokens = tokenize(text, LIBRARY_OPTIONS);
  } catch {
    return text;
  }
  let marked = '';
  let copied = 0;
  for (const token of tokens) {
    if ((token.type as string) !== 'Literal' || text[token.start] !== '`') {
      continue;
    }
    const close = closingQuote(text, token.start);
    const value = readKindedJsonLiteral(text.slice(token.start + 1, close).replaceAll('\\`', '`'));
    if (value !== undefined) {
      marked += `${text.slice(copied, token.start)}\`"${KINDED_MARK}${kinded.length}"\``;
      copied = close + 1;
      kinded.push(value);
    }
  }
  return marked + text.slice(copied);
}

/** Puts the kinded values back into the Literal nodes that hold {@link markKindedLiterals}' markers. */
function restoreKindedLiterals(ast: unknown, kinded: readonly unknown[]): void {
  const mark = JSON.parse(`"${KINDED_MARK}"`) as string;
  const pending: unknown[] = [ast];
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    if (typeof node !== 'object' || node === null) {
      continue;
    }
    const record = node as Record<string, unknown>;
    if (record['type'] === 'Literal') {
      const value = record['value'];
      if (typeof value === 'string' && value.startsWith(mark)) {
        record['value'] = kinded[Number(value.slice(mark.length))];
      }
      continue;
    }
    pending.push(...Object.values(record));
  }
}

function parseTokens(source: string, tokens: readonly Token[]): AstNode {
  let ast: AstNode;
  try {
    ast = libraryParse(source);
  } catch (error) {
    if (error instanceof RangeError) {
      throw syntaxError(source, 'the expression is nested too deeply');
    }
    const position = parseErrorPosition(source, tokens, error);
    const token = tokens.find((candidate) => candidate.start === position);
    const reason = token === undefined ? 'unexpected end of expression' : `unexpected '${token.text}'`;
    throw syntaxError(source, reason, position);
  }
  if (tokens.some((token) => token.type === 'Not')) {
    // Valid as written, so valid with the `!` operands in parentheses: parse again for JmesPath.Net's grouping.
    try {
      ast = libraryParse(withDotNetNotOperands(source, tokens));
    } catch (error) {
      // The parentheses add depth: an expression just within the library's recursion may no longer be.
      if (error instanceof RangeError) {
        throw syntaxError(source, 'the expression is nested too deeply');
      }
      throw error;
    }
  }
  return ast;
}

function describeArity(min: number, max: number): string {
  const plural = (count: number): string => `${count} argument${count === 1 ? '' : 's'}`;
  if (max === Infinity) {
    return `at least ${plural(min)}`;
  }
  return min === max ? plural(min) : `${min} to ${plural(max)}`;
}

/** The functions that take an expression reference (`&expr`), and which argument (0-based) it is. */
const EXPREF_ARGUMENTS: Readonly<Record<string, number>> = { sort_by: 1, max_by: 1, min_by: 1, map: 0 };

/**
 * Checks every function call against MedTech's functions (as JmesPath.Net does when it parses) and rejects AST
 * nodes of community-edition extensions the token checks did not already catch.
 */
function checkNodes(source: string, ast: AstNode, tokens: readonly Token[]): void {
  // Function calls are `identifier (` in the text; the AST lists them in the same order (pre-order, left to right).
  const calls = tokens.filter(
    (token, index) => token.type === 'UnquotedIdentifier' && tokens[index + 1]?.type === 'Lparen',
  );
  let callIndex = 0;
  // `&expr` tokens, in the same order as the AST lists ExpressionReference nodes.
  const exprefs = tokens.filter((token) => token.type === 'Expref');
  let exprefIndex = 0;
  const visit = (node: AstNode, parent: AstNode | undefined): void => {
    if (node.type === 'ExpressionReference') {
      const position = exprefs[exprefIndex]?.start;
      exprefIndex += 1;
      if (parent?.type !== 'Function') {
        // JmesPath.Net accepts `&expr` only as a function argument (sort_by(a, &b)); anywhere else it is no value.
        throw syntaxError(source, 'an expression reference (&) may only be a function argument', position);
      }
      const index = parent.children.indexOf(node);
      if (EXPREF_ARGUMENTS[parent.name] !== index) {
        // Any other function rejects it when called (JmesPath.Net checks argument types), so no message could pass.
        throw syntaxError(
          source,
          `${parent.name}() does not take an expression reference (&) as argument ${index + 1}`,
          position,
        );
      }
    }
    if (node.type === 'Function') {
      const position = calls[callIndex]?.start;
      callIndex += 1;
      const arity = arityOf(node.name);
      if (arity === undefined) {
        throw syntaxError(source, `unknown function ${node.name}()`, position);
      }
      const count = node.children.length;
      if (count < arity.min || count > arity.max) {
        const supplied = `${count} ${count === 1 ? 'was' : 'were'} supplied`;
        throw syntaxError(
          source,
          `${node.name}() takes ${describeArity(arity.min, arity.max)} but ${supplied}`,
          position,
        );
      }
    }
    if (COMMUNITY_NODES.has(node.type)) {
      throw syntaxError(source, `${node.type} expressions are not supported by MedTech's JMESPath`);
    }
    for (const child of childrenOf(node)) {
      visit(child, node);
    }
  };
  visit(ast, undefined);
}

/**
 * Parses a JMESPath expression as MedTech's JmesPath.Net accepts it: standard JMESPath syntax, the specification's
 * built-in functions and MedTech's custom functions with the right number of arguments, at most
 * {@link JMESPATH_MAX_EXPRESSION_LENGTH} characters.
 * @param source - the expression text from the mapping
 * @returns the validated AST
 * @throws ExpressionSyntaxError quoting the expression, with the 0-based position when it is known
 */
export function parseJmesPath(source: string): AstNode {
  if (source.length > JMESPATH_MAX_EXPRESSION_LENGTH) {
    throw new ExpressionSyntaxError(
      `Invalid JMESPath expression '${source.slice(0, 40)}…': it is ${source.length} characters long, ` +
        `the limit is ${JMESPATH_MAX_EXPRESSION_LENGTH}.`,
      JMESPATH_MAX_EXPRESSION_LENGTH,
    );
  }
  if (source.trim() === '') {
    throw syntaxError(source, 'the expression is empty', 0);
  }
  checkCharacters(source);
  const tokens = tokensOf(source);
  checkTokens(source, tokens);
  const ast = parseTokens(source, tokens);
  checkNodes(source, ast, tokens);
  return continueParenthesizedProjections(ast);
}
