import { parseDotNetDouble, parseDotNetInteger } from '../../dotNetNumbers.js';
import { trimEndDotNet } from '../../dotNetWhiteSpace.js';
import { ExpressionSyntaxError } from '../../errors.js';
import type { ComparisonOperator, FilterExpression, FilterOperand, PathStep } from './jsonPathAst.js';
import { RegexSyntaxError, newtonsoftRegex } from './dotNetRegex.js';
import { quoteBounded } from '../../quoteBounded.js';

/** Deepest nesting of filters and parentheses accepted, so a hostile template cannot exhaust the parser's stack. */
export const JSONPATH_MAX_NESTING = 32;

const INT32_MAX = 2147483647;

/**
 * Parses a JSONPath expression the way Newtonsoft.Json's `SelectTokens` reads it.
 *
 * Newtonsoft.Json grammar kept on purpose: a path may start without `$`; `$` followed by anything but `.`/`[` starts
 * a member name (`$values`); member names take every character except `.`, `[`, `]`, `(`, `)` and space (so
 * `iothub-creation-time-utc` needs no quotes); only single-quoted names and strings; only the space is white space;
 * `..` before a numeric or `*` indexer does not scan (`$..[0]` is `$[0]`); `@name` is `@.name`; a chain of `&&`/`||`
 * is grouped the Newtonsoft way: when the operator changes, the rest of the chain becomes the last operand
 * (`a && b || c` is `a && (b || c)`). Its odd but accepted forms are read as it reads them: leading spaces belong to a
 * first member that does not start with `$` (` a` is the member " a") and `$ ` is the member "$"; a dot followed by a
 * space is ignored (`$.a. `); slices and index lists mix as in its state machine (`[1:2:3:4]`, `[1,2:3]`, `[1,*]`);
 * after a comma in a name list any character opens the next name; a comparison followed by another term is forgotten
 * (`@.a == 1 @.b` is `@.b`); numbers are .NET's (`-.5`, `1,000.5`); `/x/` is the string "/x/", which `=~` reads
 * as a .NET regular expression (dotNetRegex: matched without backtracking; a constant pattern is checked here).
 *
 * Deliberate differences: negative single indexes (Newtonsoft throws on every array), a zero slice step, double
 * quotes, a constant `=~` operand that is no `/pattern/flags` and the regular-expression constructs that need
 * backtracking (back references, lookarounds…) are rejected here instead of failing at evaluation or being misread;
 * parentheses may group filter terms; a number in a filter may be followed directly by an operator (`@.a==1&&@.b`).
 * @param source - the expression text from the mapping
 * @returns the path steps (empty for `$`)
 * @throws ExpressionSyntaxError when the text is not a valid expression; its message quotes the expression and the
 *   0-based position
 */
export function parseJsonPath(source: string): PathStep[] {
  return new Parser(source).parseMain();
}

/** A mutable group while `&&`/`||` chains are read. */
interface OpenGroup {
  kind: 'and' | 'or';
  items: FilterExpression[];
}

class Parser {
  private readonly source: string;
  private pos = 0;
  private depth = 0;

  constructor(source: string) {
    this.source = source;
  }

  parseMain(): PathStep[] {
    const src = this.source;
    this.skipSpaces();
    if (this.pos >= src.length) {
      return [];
    }
    // Newtonsoft starts the first member name before the leading spaces: ` a` names the member " a".
    let partStart = 0;
    if (src[this.pos] === '$') {
      const next = src[this.pos + 1];
      if (next === undefined) {
        if (this.pos > 0) {
          // Newtonsoft reads past the end of ` $` (an IndexOutOfRangeException on every evaluation).
          this.fail(
            'a "$" after leading spaces must be followed by a path ("$" alone has no spaces before it)',
            this.pos,
          );
        }
        return [];
      }
      if (next === '.' || next === '[') {
        this.pos++;
        partStart = this.pos;
      } else if (next === ' ' && !this.restIsSpaces(this.pos + 1)) {
        this.fail('unexpected space after "$"', this.pos + 1);
      }
      // Any other character, a trailing space too: Newtonsoft reads `$` as the first character of a member name
      // (`$values`; `$ ` is the member "$").
    }
    const steps: PathStep[] = [];
    this.parsePath(steps, partStart, false);
    if (this.pos < src.length) {
      this.skipSpaces();
      if (this.pos < src.length) {
        this.fail(`unexpected character '${src.charAt(this.pos)}'`, this.pos);
      }
    }
    return steps;
  }

  /**
   * Reads dot/bracket steps from `partStart` until the end, a space, `]`, `)` or (in a filter) an operator.
   * Mirrors Newtonsoft's loop: characters accumulate into a member name until `.` or an indexer ends it.
   */
  private parsePath(steps: PathStep[], partStart: number, inFilter: boolean): void {
    const src = this.source;
    let start = partStart;
    let scan = false;
    let followingIndexer = false;
    let dotAt = -1;
    let ended = false;
    while (this.pos < src.length && !ended) {
      const c = src.charAt(this.pos);
      switch (c) {
        case '[':
        case '(':
          if (this.pos > start) {
            steps.push(memberStep(src.slice(start, this.pos), scan));
            scan = false;
          }
          steps.push(this.parseIndexer(c, scan));
          scan = false;
          this.pos++; // past the closing bracket
          start = this.pos;
          followingIndexer = true;
          dotAt = -1;
          break;
        case ']':
        case ')':
        case ' ':
          ended = true;
          break;
        case '.':
          if (this.pos > start) {
            steps.push(memberStep(src.slice(start, this.pos), scan));
            scan = false;
          }
          dotAt = this.pos;
          if (src[this.pos + 1] === '.') {
            scan = true;
            this.pos++;
          }
          this.pos++;
          start = this.pos;
          followingIndexer = false;
          break;
        default:
          if (inFilter && isFilterOperatorChar(c)) {
            ended = true;
            break;
          }
          if (followingIndexer) {
            this.fail(`unexpected character '${c}' after an indexer (use '.' or '[')`, this.pos);
          }
          this.pos++;
      }
    }
    if (this.pos > start) {
      // Newtonsoft trims trailing white space (.NET's) of the last member name only (a tab is otherwise part of a name).
      steps.push(memberStep(trimEndDotNet(src.slice(start, this.pos)), scan));
    } else if (dotAt >= 0 && (inFilter || this.pos >= src.length)) {
      // Outside a filter, a dot followed by a space is ignored (`$.a. ` is `$.a`), as in Newtonsoft.
      this.fail(`a member name is missing after '${scan ? '..' : '.'}'`, this.pos);
    }
  }

  private parseIndexer(open: '[' | '(', scan: boolean): PathStep {
    const src = this.source;
    const openAt = this.pos;
    const close = open === '[' ? ']' : ')';
    this.pos++;
    this.skipSpaces();
    this.ensureMore(`the expression ended inside the indexer opened at position ${openAt}`);
    const c = src.charAt(this.pos);
    if (c === "'") {
      return this.parseQuotedNames(close, scan);
    }
    if (c === '"') {
      this.fail("double-quoted names are not supported (Newtonsoft.Json reads only single quotes: ['name'])", this.pos);
    }
    if (c === '?') {
      return this.parseFilterStep(close, scan);
    }
    // Newtonsoft ignores `..` before a numeric, slice or `*` indexer: `$..[0]` means `$[0]`.
    return this.parseArrayIndexer(close, openAt);
  }

  private parseQuotedNames(close: string, scan: boolean): PathStep {
    const src = this.source;
    const names: string[] = [];
    for (;;) {
      // The first name starts with a quote; after a comma, Newtonsoft takes any character for the opening quote
      // (`['a',b']` lists "a" and "").
      this.ensureMore('the expression ended inside a bracketed name list');
      names.push(this.readQuotedString());
      this.skipSpaces();
      this.ensureMore('the expression ended inside a bracketed name list');
      const c = src.charAt(this.pos);
      if (c === close) {
        break;
      }
      if (c !== ',') {
        this.fail(`unexpected character '${c}' in a bracketed name list`, this.pos);
      }
      this.pos++;
      this.skipSpaces();
    }
    const [first] = names;
    if (names.length === 1 && first !== undefined) {
      // A quoted '*' is a member literally named "*", as in Newtonsoft.
      return scan ? { kind: 'scanMember', name: first } : { kind: 'member', name: first };
    }
    return scan ? { kind: 'scanMembers', names } : { kind: 'members', names };
  }

  /**
   * Reads an index, an index list, a slice or `*` as Newtonsoft's state machine does, its odd forms included: a slice
   * part after a third colon replaces the step (`[1:2:3:4]` steps by 4), an index list ends a slice (`[1,2:3]` is
   * `[1,3]`), and `*` after anything ends the indexer as a wildcard (`[1,*]`).
   */
  private parseArrayIndexer(close: string, openAt: number): PathStep {
    const src = this.source;
    let partAt = this.pos;
    let partEnd = -1;
    let indexes: number[] | null = null;
    let colons = 0;
    let start: number | null = null;
    let end: number | null = null;
    let step: number | null = null;
    let stepAt = -1;
    while (this.pos < src.length) {
      const c = src.charAt(this.pos);
      if (c === ' ') {
        partEnd = this.pos;
        this.skipSpaces();
        continue;
      }
      if (c === close || c === ',' || c === ':') {
        const text = src.slice(partAt, partEnd >= 0 ? partEnd : this.pos);
        if (c === ':' || (c === close && indexes === null && colons > 0)) {
          // A slice part: start, end, then the step (a part after a third colon replaces it); an empty one is left out.
          if (text !== '') {
            const value = this.toInt32(text, partAt);
            if (colons === 0) {
              start = value;
            } else if (colons === 1) {
              end = value;
            } else {
              step = value;
              stepAt = partAt;
            }
          }
          if (c === ':') {
            colons++;
          }
        } else if (text === '') {
          this.fail('an array index was expected', this.pos);
        } else if (c === ',' || indexes !== null) {
          indexes ??= [];
          indexes.push(this.nonNegative(this.toInt32(text, partAt), partAt));
        } else {
          return { kind: 'index', index: this.nonNegative(this.toInt32(text, partAt), partAt) };
        }
        if (c === close) {
          if (indexes !== null) {
            return { kind: 'indexes', indexes };
          }
          if (step === 0) {
            this.fail('a slice step cannot be zero', stepAt);
          }
          return { kind: 'slice', start, end, step };
        }
        this.pos++;
        this.skipSpaces();
        partAt = this.pos;
        partEnd = -1;
        continue;
      }
      if (c === '*') {
        this.pos++;
        this.skipSpaces();
        this.expectChar(close, `'${close}' was expected after '*'`);
        return { kind: 'arrayWildcard' };
      }
      if (c !== '-' && !isDigit(src.charCodeAt(this.pos))) {
        this.fail(`unexpected character '${c}' in an indexer`, this.pos);
      }
      if (partEnd >= 0) {
        this.fail(`unexpected character '${c}' after a space in an indexer`, this.pos);
      }
      this.pos++;
    }
    return this.fail(`the expression ended inside the indexer opened at position ${openAt}`, src.length);
  }

  /** Converts index text (digits and `-` only) as .NET's `Convert.ToInt32` does: `-?digits` within 32 bits. */
  private toInt32(text: string, at: number): number {
    const digitsAt = text.startsWith('-') ? 1 : 0;
    if (digitsAt === text.length) {
      this.fail("digits were expected after '-'", at + digitsAt);
    }
    for (let i = digitsAt; i < text.length; i++) {
      if (!isDigit(text.charCodeAt(i))) {
        this.fail(`unexpected character '${text.charAt(i)}' in an index`, at + i);
      }
    }
    const value = Number(text);
    if (value > INT32_MAX || value < -INT32_MAX - 1) {
      this.fail('the index is outside the 32-bit integer range', at);
    }
    return value + 0; // -0 is 0
  }

  private nonNegative(index: number, at: number): number {
    if (index < 0) {
      this.fail(
        'negative array indexes are not supported (Newtonsoft.Json fails on them); use a slice such as [-1:]',
        at,
      );
    }
    return index;
  }

  private parseFilterStep(close: string, scan: boolean): PathStep {
    const src = this.source;
    this.pos++; // past '?'
    if (src[this.pos] !== '(') {
      this.fail("'(' was expected after '?'", this.pos);
    }
    this.enter();
    this.pos++;
    const filter = this.parseLogical();
    this.pos++; // past ')'
    this.depth--;
    this.skipSpaces();
    this.expectChar(close, `'${close}' was expected after the filter`);
    return scan ? { kind: 'scanFilter', filter } : { kind: 'filter', filter };
  }

  /**
   * Reads terms joined by `&&`/`||` up to (not past) the closing `)`, grouping them as Newtonsoft.Json does: a run of
   * one operator forms a group; when the operator changes, a new group holding the rest of the chain becomes the last
   * item of the current one.
   */
  private parseLogical(): FilterExpression {
    const src = this.source;
    let root: OpenGroup | null = null;
    let parent: OpenGroup | null = null;
    for (;;) {
      const term = this.parseTerm();
      const c = src.charAt(this.pos);
      if (c === ')') {
        if (parent === null || root === null) {
          return term;
        }
        parent.items.push(term);
        return root;
      }
      if (c !== '&' && c !== '|') {
        // Newtonsoft reads on and forgets a comparison followed by another term: `@.a == 1 @.b` is `@.b`.
        continue;
      }
      const kind = c === '&' ? 'and' : 'or';
      if (src.charAt(this.pos + 1) !== c) {
        this.fail(`unexpected character '${c}' in a filter ('&&', '||' or ')' was expected)`, this.pos);
      }
      this.pos += 2;
      if (parent === null || parent.kind !== kind) {
        const group: OpenGroup = { kind, items: [] };
        parent?.items.push(group);
        parent = group;
        root ??= group;
      }
      parent.items.push(term);
    }
  }

  /** One test (`left op right` or an existence test), or a parenthesized group (an extension to Newtonsoft). */
  private parseTerm(): FilterExpression {
    const src = this.source;
    this.skipSpaces();
    if (src[this.pos] === '(') {
      this.enter();
      this.pos++;
      const inner = this.parseLogical();
      this.pos++; // past ')'
      this.depth--;
      this.skipSpaces();
      this.ensureMore('the expression ended inside a filter');
      return inner;
    }
    const left = this.parseOperand();
    const c = src.charAt(this.pos);
    if (c === ')' || c === '&' || c === '|') {
      return { kind: 'exists', operand: left };
    }
    const operator = this.parseOperator();
    this.skipSpaces();
    const rightAt = this.pos;
    const right = this.parseOperand();
    if (operator === '=~' && right.kind === 'literal' && typeof right.value === 'string') {
      // A constant pattern is compiled now, so that a bad one fails the mapping, not every message.
      const problem = regexProblem(right.value);
      if (problem !== undefined) {
        this.fail(`invalid regular expression: ${problem.message}`, rightAt + problem.offset);
      }
    }
    return { kind: 'compare', operator, left, right };
  }

  private parseOperand(): FilterOperand {
    const src = this.source;
    this.skipSpaces();
    this.ensureMore('the expression ended inside a filter');
    const c = src.charAt(this.pos);
    let operand: FilterOperand;
    if (c === '@' || c === '$') {
      this.pos++;
      const steps: PathStep[] = c === '$' ? [{ kind: 'root' }] : [];
      this.parsePath(steps, this.pos, true);
      operand = { kind: 'path', steps };
    } else {
      operand = this.parseLiteral();
    }
    this.skipSpaces();
    this.ensureMore('the expression ended inside a filter');
    return operand;
  }

  private parseLiteral(): FilterOperand {
    const src = this.source;
    const at = this.pos;
    const c = src.charAt(at);
    if (c === "'") {
      return { kind: 'literal', value: this.readQuotedString(), valueKind: 'string' };
    }
    if (c === '-' || isDigit(src.charCodeAt(at))) {
      return this.readDotNetNumber() ?? this.readNumber();
    }
    if (src.startsWith('true', at)) {
      this.pos += 4;
      return { kind: 'literal', value: true, valueKind: 'boolean' };
    }
    if (src.startsWith('false', at)) {
      this.pos += 5;
      return { kind: 'literal', value: false, valueKind: 'boolean' };
    }
    if (src.startsWith('null', at)) {
      this.pos += 4;
      return { kind: 'literal', value: null, valueKind: 'null' };
    }
    if (c === '/') {
      // A regular expression is a string to Newtonsoft: `@.a == /x/` compares with "/x/"; `=~` reads it as a pattern.
      return { kind: 'literal', value: this.readRegexText(), valueKind: 'string' };
    }
    if (c === '"') {
      return this.fail(
        "double-quoted strings are not supported (Newtonsoft.Json reads only single quotes: 'text')",
        at,
      );
    }
    return this.fail(`unexpected character '${c}' in a filter (a path, a quoted string or a number was expected)`, at);
  }

  /**
   * Reads a number as Newtonsoft does: the text up to the next space or `)`, a float when it holds `.`, `e` or `E`
   * (.NET's `Double.TryParse` with group separators: `-.5`, `1,000.5`), else a 64-bit integer. Null, with nothing
   * read, when .NET would not parse that text.
   */
  private readDotNetNumber(): FilterOperand | null {
    const src = this.source;
    let end = this.pos;
    while (end < src.length && src[end] !== ' ' && src[end] !== ')') {
      end++;
    }
    if (end >= src.length) {
      return null;
    }
    const text = src.slice(this.pos, end);
    if (/[.eE]/.test(text)) {
      const value = parseDotNetDouble(text, true);
      if (value === undefined) {
        return null;
      }
      this.pos = end;
      return { kind: 'literal', value, valueKind: 'float' };
    }
    const integer = parseDotNetInteger(text, true);
    if (integer === undefined) {
      return null;
    }
    this.pos = end;
    return integerLiteral(integer);
  }

  /**
   * Reads `-?digits(.digits*)?([eE][+-]?digits)?` (an extension for a number that Newtonsoft rejects because an
   * operator follows it directly, `1&&`); it is a float for Newtonsoft when it has `.`, `e` or `E`.
   */
  private readNumber(): FilterOperand {
    const src = this.source;
    const begin = this.pos;
    let isFloat = false;
    if (src[this.pos] === '-') {
      this.pos++;
    }
    const digitsAt = this.pos;
    this.skipDigits();
    if (this.pos === digitsAt) {
      this.fail('a number was expected', begin);
    }
    if (src[this.pos] === '.') {
      isFloat = true;
      this.pos++;
      this.skipDigits();
    }
    if (src[this.pos] === 'e' || src[this.pos] === 'E') {
      isFloat = true;
      this.pos++;
      if (src[this.pos] === '+' || src[this.pos] === '-') {
        this.pos++;
      }
      const expAt = this.pos;
      this.skipDigits();
      if (this.pos === expAt) {
        this.fail('digits were expected in the exponent', this.pos);
      }
    }
    // Only an operator may follow directly (the extension); Newtonsoft rejects `1@.b` and `1'x'` too.
    if (this.pos < src.length && !isFilterOperatorChar(src.charAt(this.pos))) {
      this.fail('invalid number', begin);
    }
    const text = src.slice(begin, this.pos);
    if (isFloat) {
      return { kind: 'literal', value: Number(text), valueKind: 'float' };
    }
    // An integer is a 64-bit one to Newtonsoft: beyond that range no path holding it loads, as `readDotNetNumber` has it.
    const integer = parseDotNetInteger(text, true);
    if (integer === undefined) {
      return this.fail('invalid number', begin);
    }
    return integerLiteral(integer);
  }

  private parseOperator(): ComparisonOperator {
    const src = this.source;
    const at = this.pos;
    const candidates: readonly [string, ComparisonOperator][] = [
      ['===', '==='],
      ['==', '=='],
      ['=~', '=~'],
      ['!==', '!=='],
      ['!=', '!='],
      ['<>', '!='],
      ['<=', '<='],
      ['<', '<'],
      ['>=', '>='],
      ['>', '>'],
    ];
    for (const [text, operator] of candidates) {
      if (src.startsWith(text, at)) {
        this.pos += text.length;
        return operator;
      }
    }
    return this.fail(
      `unexpected character '${src.charAt(at)}' in a filter (a comparison operator, '&&', '||' or ')' was expected)`,
      at,
    );
  }

  /** Reads `/pattern/flags` as text: `\\` keeps the next character, letters after the closing `/` are flags. */
  private readRegexText(): string {
    const src = this.source;
    const openAt = this.pos;
    this.pos++;
    while (this.pos < src.length) {
      const c = src.charAt(this.pos);
      if (c === '\\' && this.pos + 1 < src.length) {
        this.pos += 2;
      } else if (c === '/') {
        this.pos++;
        while (this.pos < src.length && LETTER.test(src.charAt(this.pos))) {
          this.pos++;
        }
        return src.slice(openAt, this.pos);
      } else {
        this.pos++;
      }
    }
    return this.fail('the regular expression is not closed', openAt);
  }

  /** Reads a single-quoted string with Newtonsoft's escapes (\b \t \n \f \r \\ \" \' \/). */
  private readQuotedString(): string {
    const src = this.source;
    const openAt = this.pos;
    this.pos++;
    let text = '';
    let chunkStart = this.pos;
    while (this.pos < src.length) {
      const c = src.charAt(this.pos);
      if (c === "'") {
        text += src.slice(chunkStart, this.pos);
        this.pos++;
        return text;
      }
      if (c === '\\' && this.pos + 1 < src.length) {
        text += src.slice(chunkStart, this.pos);
        const escaped = src.charAt(this.pos + 1);
        text += this.unescape(escaped, this.pos);
        this.pos += 2;
        chunkStart = this.pos;
        continue;
      }
      this.pos++;
    }
    return this.fail('the quoted text is not closed', openAt);
  }

  private unescape(c: string, at: number): string {
    switch (c) {
      case 'b':
        return '\b';
      case 't':
        return '\t';
      case 'n':
        return '\n';
      case 'f':
        return '\f';
      case 'r':
        return '\r';
      case '\\':
      case '"':
      case "'":
      case '/':
        return c;
      default:
        return this.fail(`unknown escape sequence '\\${c}'`, at);
    }
  }

  private enter(): void {
    this.depth++;
    if (this.depth > JSONPATH_MAX_NESTING) {
      this.fail(`filters and parentheses are nested deeper than ${JSONPATH_MAX_NESTING} levels`, this.pos);
    }
  }

  private skipSpaces(): void {
    while (this.source[this.pos] === ' ') {
      this.pos++;
    }
  }

  private skipDigits(): void {
    while (isDigit(this.source.charCodeAt(this.pos))) {
      this.pos++;
    }
  }

  private restIsSpaces(from: number): boolean {
    for (let i = from; i < this.source.length; i++) {
      if (this.source[i] !== ' ') {
        return false;
      }
    }
    return true;
  }

  private ensureMore(reason: string): void {
    if (this.pos >= this.source.length) {
      this.fail(reason, this.source.length);
    }
  }

  private expectChar(expected: string, reason: string): void {
    if (this.source[this.pos] !== expected) {
      this.fail(reason, Math.min(this.pos, this.source.length));
    }
  }

  private fail(reason: string, position: number): never {
    const hint = FUNCTION_CALL.test(this.source) ? FUNCTION_CALL_HINT : '';
    throw new ExpressionSyntaxError(
      `Invalid JSONPath expression ${quoteBounded(this.source)} at position ${position}: ${reason}${hint}.`,
      position,
    );
  }
}

/** An expression that opens with a name and a parenthesis, as a function call does (`divide(…)`). */
const FUNCTION_CALL = /^\s*[A-Za-z_][A-Za-z0-9_]*\s*\(/;

/**
 * Added to the syntax error of an expression written as a function call: a frequent slip is a JMESPath function (the
 * only kind of expression that has them) in a template whose language is JSONPath, the default.
 */
const FUNCTION_CALL_HINT =
  '; it reads as a function call, and functions (add(), divide(), fromUnixTimestamp()…) are JMESPath: give the ' +
  'expression the JmesPath language ("language": "JmesPath", or the template\'s "defaultExpressionLanguage") and ' +
  "write its paths without '$.' (matchedToken.heartRate)";

/** 2^53: from here a double may not hold an integer exactly. */
const EXACT_DOUBLE_LIMIT = 2n ** 53n;

/** An integer constant; beyond 2^53 it keeps its exact value too. */
function integerLiteral(integer: bigint): FilterOperand {
  const value = Number(integer);
  if (integer >= EXACT_DOUBLE_LIMIT || integer <= -EXACT_DOUBLE_LIMIT) {
    return { kind: 'literal', value, valueKind: 'integer', integer };
  }
  return { kind: 'literal', value, valueKind: 'integer' };
}

function memberStep(name: string, scan: boolean): PathStep {
  if (name === '*') {
    return scan ? { kind: 'scanAll' } : { kind: 'memberWildcard' };
  }
  return scan ? { kind: 'scanMember', name } : { kind: 'member', name };
}

/** A letter as .NET's `char.IsLetter` sees one UTF-16 unit (a lone surrogate is none). */
const LETTER = /^\p{L}$/u;

function isFilterOperatorChar(c: string): boolean {
  return c === '=' || c === '<' || c === '!' || c === '>' || c === '|' || c === '&';
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** Why a constant `=~` operand would fail ({@link newtonsoftRegex}), and where in it; undefined when it compiles. */
function regexProblem(text: string): { message: string; offset: number } | undefined {
  try {
    newtonsoftRegex(text);
    return undefined;
  } catch (error) {
    if (error instanceof RegexSyntaxError) {
      return { message: error.message, offset: error.offset };
    }
    throw error;
  }
}
