/**
 * Message bodies read as MedTech reads them: Newtonsoft.Json 13's `JsonTextReader` under `JToken.ReadFrom`, which
 * accepts more than JSON. `JSON.parse` reads every strict-JSON body first; this reader runs only for a body it refused,
 * so a device that sends what MedTech accepted (a trailing comma from a `printf` loop, Python's single quotes, a
 * comment) keeps its measurements here too.
 *
 * What it accepts beyond JSON, each as Newtonsoft reads it:
 * - comments (`/* … *\/`, `// …`) wherever white space may stand, except between a property name and its colon;
 * - .NET white space (U+0085, U+00A0, …) and NUL characters between tokens;
 * - trailing commas (`[1,2,]`, `{"a":1,}`), and empty array slots or property values (`[1,,2]`, `{"a":,}`), which
 *   Newtonsoft reads as `undefined` and this reader as `null`;
 * - strings in single quotes, `\'` and `\/` escapes, raw control characters inside strings; a lone surrogate escape
 *   becomes U+FFFD;
 * - unquoted property names (letters, digits, `_`, `$`);
 * - `NaN`, `Infinity`, `-Infinity` and `undefined`;
 * - numbers `.5`, `-.5`, `1.`, `1.e5`; `0x1F` (hexadecimal) and `012` (octal: a leading zero), as 64-bit integers;
 * - anything after the first value, which is never read.
 *
 * With `keepMemberOrder`, it also keeps the order in which the text writes an object's members, which JavaScript does
 * not keep for integer-like names (`{"b": 1, "1": 2}` lists `"1"` first): such an object is returned as a proxy that
 * lists its members in the text's order (a repeated name where it first stood), for every for…in, `Object.keys`
 * and `JSON.stringify`.
 *
 * Not accepted: JavaScript constructors (`new Date(1)`), which Newtonsoft reads as a value this service has no form
 * for; and, as in Newtonsoft, more than 64 containers nested. (A strict-JSON body, read by `JSON.parse`, may nest
 * deeper; integers of more than 380 characters, which Newtonsoft refuses, are read either way, but not with
 * `keepNumberKinds`.)
 */
import { isDotNetWhiteSpace } from '../dotNetWhiteSpace.js';
import { KindedNumber, MIN_BOXED_INTEGER } from '../expressions/jmesPath/kindedNumbers.js';
import {
  dependsOnLiteral,
  noteNumberLiteral,
  noteNumberLiteralText,
  type NumberLiteralTexts,
} from './exactIntegers.js';

/** The outcome of {@link readJsonAsMedTech}. */
export type MedTechJsonResult =
  | {
      ok: true;
      value: unknown;
      /** The texts of its literal-sensitive numbers, by the number they read as (see exactIntegers). */
      numberTexts: NumberLiteralTexts;
      /** Whether text other than white space and comments follows the value (MedTech never reads it). */
      trailingContent: boolean;
      /** With `keepMemberOrder`: how many objects list their members in the text's order, not JavaScript's. */
      reordered: number;
      /** With `keepNumberKinds`: how many numbers were boxed. */
      boxed: number;
      /**
       * With `elementSpans`, when the value is an array: where each element's text starts and ends (an empty slot,
       * which is read as `null`, is an empty span).
       */
      elementSpans?: [number, number][];
    }
  | {
      ok: false;
      /** What is wrong, as a name such as `UnexpectedCharacter`; never the text itself. */
      problem: string;
      /** Where, as an offset into the text. */
      offset: number;
    };

/** Options of {@link readJsonAsMedTech}. */
export interface MedTechJsonOptions {
  /** Give objects whose members JavaScript would list in another order the text's order (see the module comment). */
  keepMemberOrder?: boolean;
  /**
   * Box the numbers whose JmesPath.Net kind a plain number cannot carry (expressions/jmesPath/kindedNumbers.ts): a
   * float with a whole value (`1.0`, `1e3`, `-0.0`) and an integer of 10^15 or more in magnitude, exactly. A text
   * holding an integer that Newtonsoft's reader refuses (more than 380 characters) is then not read (`IntegerTooLarge`).
   */
  keepNumberKinds?: boolean;
  /** Note where the text of each element of a top-level array stands (see {@link MedTechJsonResult}). */
  elementSpans?: boolean;
}

/**
 * Reads a text as MedTech's body reader does (see the module comment).
 * @param text - the body text (a byte-order mark already removed)
 * @param options - whether to keep the text's member order
 * @returns the value, or the first problem and where it is
 */
export function readJsonAsMedTech(text: string, options: MedTechJsonOptions = {}): MedTechJsonResult {
  const reader = new Reader(text, options.keepMemberOrder === true, options.keepNumberKinds === true);
  if (options.elementSpans === true) {
    reader.spans = [];
  }
  try {
    const value = reader.readDocument();
    return {
      ok: true,
      value,
      numberTexts: reader.numberTexts,
      trailingContent: reader.hasTrailingContent(),
      reordered: reader.reordered,
      boxed: reader.boxed,
      ...(reader.spans !== undefined && Array.isArray(value) ? { elementSpans: reader.spans } : {}),
    };
  } catch (error) {
    if (error instanceof ReadError) {
      return { ok: false, problem: error.problem, offset: error.offset };
    }
    throw error;
  }
}

class ReadError extends Error {
  constructor(
    readonly problem: string,
    readonly offset: number,
  ) {
    super(problem);
  }
}

const CH_NUL = 0;
const CH_TAB = 9;
const CH_LF = 10;
const CH_CR = 13;
const CH_SPACE = 32;
const CH_QUOTE = 34;
const CH_DOLLAR = 36;
const CH_APOSTROPHE = 39;
const CH_RPAREN = 41;
const CH_STAR = 42;
const CH_COMMA = 44;
const CH_MINUS = 45;
const CH_DOT = 46;
const CH_SLASH = 47;
const CH_0 = 48;
const CH_9 = 57;
const CH_COLON = 58;
const CH_I = 73;
const CH_N = 78;
const CH_LBRACKET = 91;
const CH_BACKSLASH = 92;
const CH_RBRACKET = 93;
const CH_UNDERSCORE = 95;
const CH_e = 101;
const CH_E = 69;
const CH_f = 102;
const CH_n = 110;
const CH_t = 116;
const CH_u = 117;
const CH_LBRACE = 123;
const CH_RBRACE = 125;
const REPLACEMENT = '\uFFFD';

/** Most containers open at once, as Newtonsoft's `JsonReader.MaxDepth` (64 by default in 13.x) allows. */
const MAX_DEPTH = 64;
const INT64_RANGE = 1n << 64n;

/**
 * The longest integer text (sign included) Newtonsoft's reader reads (`MaximumJavascriptIntegerCharacterLength`); a
 * longer one fails it. Read here either way, but not with the numbers' kinds (`keepNumberKinds`).
 */
const MAX_INTEGER_TEXT = 380;

/** An open array or object, and for an object the name whose value comes next. */
interface Frame {
  readonly container: unknown[] | Record<string, unknown>;
  readonly isObject: boolean;
  name: string;
  /** With `keepMemberOrder`, an object's member names as the text writes them (repeats included). */
  readonly names: string[] | undefined;
}

/** Newtonsoft's reader states that matter here: where a value, a property or a separator is expected. */
const enum Expect {
  /** A value: at the start, after a property name, or first in an array. */
  Value,
  /** A value, a closing `]`, or (an empty slot) another comma: after a comma in an array. */
  ArrayValue,
  /** A property name or `}`: at an object's start or after a comma in it. */
  Property,
  /** A comma or the container's closer: after a value. */
  PostValue,
}

class Reader {
  pos = 0;
  readonly numberTexts = new Map<number, string[]>();
  /** Objects given the text's member order. */
  reordered = 0;
  private readonly n: number;

  /** With `keepNumberKinds`: how many numbers were boxed. */
  boxed = 0;
  /** With `elementSpans`: the spans of a top-level array's elements, and where the open one starts. */
  spans: [number, number][] | undefined;
  private spanStart = 0;

  constructor(
    private readonly text: string,
    private readonly keepMemberOrder: boolean,
    private readonly keepNumberKinds: boolean,
  ) {
    this.n = text.length;
  }

  /** The top-level value; the text after it is left unread. */
  readDocument(): unknown {
    const stack: Frame[] = [];
    let expect = Expect.Value;
    for (;;) {
      const c = this.skipSpaceAndComments(true);
      let done: unknown;
      if (expect === Expect.PostValue) {
        const top = stack[stack.length - 1] as Frame;
        if (c === CH_COMMA) {
          this.pos++;
          expect = top.isObject ? Expect.Property : Expect.ArrayValue;
          continue;
        }
        if (!(c === CH_RBRACE ? top.isObject : c === CH_RBRACKET && !top.isObject)) {
          // `)` closes only a constructor, which nothing here opens.
          const closer = c === CH_RBRACE || c === CH_RBRACKET || c === CH_RPAREN;
          throw this.error(closer ? 'MismatchedCloser' : c < 0 ? 'UnexpectedEnd' : 'UnexpectedCharacterAfterValue');
        }
        this.pos++;
        this.noteElementEnd(stack);
        done = this.closeInnermost(stack);
      } else if (expect === Expect.Property) {
        if (c === CH_RBRACE) {
          this.pos++;
          done = this.closeInnermost(stack);
        } else if (c < 0) {
          throw this.error('UnexpectedEnd');
        } else {
          (stack[stack.length - 1] as Frame).name = this.readPropertyName(c);
          expect = Expect.Value;
          continue;
        }
      } else if (c < 0) {
        throw this.error(stack.length === 0 ? 'NoContent' : 'UnexpectedEnd');
      } else if (c === CH_LBRACE || c === CH_LBRACKET) {
        if (stack.length >= MAX_DEPTH) {
          // Newtonsoft's default MaxDepth: the 65th nested container fails (and bounds this reader's work).
          throw this.error('TooDeep');
        }
        this.noteElementStart(stack);
        this.pos++;
        const isObject = c === CH_LBRACE;
        const names = isObject && this.keepMemberOrder ? [] : undefined;
        stack.push({ container: isObject ? {} : [], isObject, name: '', names });
        expect = isObject ? Expect.Property : Expect.ArrayValue;
        continue;
      } else if (c === CH_RBRACKET || c === CH_RPAREN) {
        // Newtonsoft reads a closer where a value may stand: only `]` right after `[` or a comma closes anything.
        if (c === CH_RPAREN || expect !== Expect.ArrayValue) {
          throw this.error('MismatchedCloser');
        }
        this.pos++;
        this.noteElementEnd(stack);
        done = this.closeInnermost(stack);
      } else {
        this.noteElementStart(stack);
        // A comma here is an empty slot, Newtonsoft's `undefined`; it is not consumed (it still separates).
        const scalar = c === CH_COMMA ? null : this.readScalar(c);
        if (this.spans !== undefined && stack.length === 1 && stack[0]?.isObject === false) {
          this.spans.push([this.spanStart, this.pos]);
        }
        done = this.place(stack, scalar);
      }
      if (done !== MORE) {
        return done;
      }
      expect = Expect.PostValue;
    }
  }

  /** With `elementSpans`: a value starts here; when it is an element of the top-level array, its span does. */
  private noteElementStart(stack: readonly Frame[]): void {
    if (this.spans !== undefined && stack.length === 1 && stack[0]?.isObject === false) {
      this.spanStart = this.pos;
    }
  }

  /** With `elementSpans`: a container closed just before here; when it was a top-level array's element, note it. */
  private noteElementEnd(stack: readonly Frame[]): void {
    if (this.spans !== undefined && stack.length === 2 && stack[0]?.isObject === false) {
      this.spans.push([this.spanStart, this.pos]);
    }
  }

  /** Closes the innermost container and places it; see {@link Reader.place}. */
  private closeInnermost(stack: Frame[]): unknown {
    const closed = stack.pop() as Frame;
    const names = closed.names;
    if (names !== undefined && names.length > 1) {
      return this.place(stack, this.inTextOrder(closed.container as Record<string, unknown>, names));
    }
    return this.place(stack, closed.container);
  }

  /** The object, or a proxy listing its members in the text's order when JavaScript lists them otherwise. */
  private inTextOrder(object: Record<string, unknown>, names: readonly string[]): Record<string, unknown> {
    // A repeated name keeps the place where it first stood, as an assignment to an existing member does.
    const order = [...new Set(names)];
    const keys = Object.keys(object);
    if (keys.every((key, i) => key === order[i])) {
      return object;
    }
    this.reordered++;
    return new Proxy(object, { ownKeys: () => order.slice() });
  }

  /**
   * Places a complete value in the innermost container.
   * @returns {@link MORE}, or the value itself when it completes the document
   */
  private place(stack: Frame[], value: unknown): unknown {
    const top = stack[stack.length - 1];
    if (top === undefined) {
      return value;
    }
    if (top.isObject) {
      setMember(top.container as Record<string, unknown>, top.name, value);
      top.names?.push(top.name);
    } else {
      (top.container as unknown[]).push(value);
    }
    return MORE;
  }

  /**
   * Skips white space, NUL characters and comments.
   * @returns the next character's code, or -1 at the end of the text
   */
  skipSpaceAndComments(comments: boolean): number {
    const text = this.text;
    while (this.pos < this.n) {
      const c = text.charCodeAt(this.pos);
      if (c === CH_SPACE || c === CH_LF || c === CH_CR || c === CH_TAB || c === CH_NUL || isDotNetWhiteSpace(c)) {
        this.pos++;
      } else if (c === CH_SLASH && comments) {
        this.skipComment();
      } else {
        return c;
      }
    }
    return -1;
  }

  /** Skips the comment at a `/`; anything else there is an error. */
  private skipComment(): void {
    const text = this.text;
    const next = this.pos + 1 < this.n ? text.charCodeAt(this.pos + 1) : -1;
    if (next === CH_STAR) {
      const end = text.indexOf('*/', this.pos + 2);
      if (end < 0) {
        this.pos = this.n;
        throw this.error('UnterminatedComment');
      }
      this.pos = end + 2;
    } else if (next === CH_SLASH) {
      let i = this.pos + 2;
      while (i < this.n) {
        const c = text.charCodeAt(i);
        if (c === CH_LF || c === CH_CR) {
          break;
        }
        i++;
      }
      this.pos = i;
    } else {
      this.pos++;
      throw this.error(next < 0 ? 'UnexpectedEnd' : 'InvalidComment');
    }
  }

  /** Whether anything but white space and comments follows the value (read after {@link readDocument}). */
  hasTrailingContent(): boolean {
    try {
      return this.skipSpaceAndComments(true) >= 0;
    } catch {
      return true;
    }
  }

  /** A property name at `c` (quoted either way, or unquoted), with the colon after it. */
  private readPropertyName(c: number): string {
    let name: string;
    if (c === CH_QUOTE || c === CH_APOSTROPHE) {
      name = this.readString(c);
    } else if (isIdentifierChar(this.text, this.pos)) {
      const start = this.pos;
      while (this.pos < this.n && isIdentifierChar(this.text, this.pos)) {
        this.pos++;
      }
      if (this.pos >= this.n) {
        throw this.error('UnexpectedEnd');
      }
      const end = this.text.charCodeAt(this.pos);
      if (end !== CH_COLON && end !== CH_NUL && !isDotNetWhiteSpace(end)) {
        throw this.error('InvalidPropertyNameCharacter');
      }
      name = this.text.slice(start, this.pos);
    } else {
      throw this.error('InvalidPropertyNameCharacter');
    }
    // Only white space between the name and its colon: no comment.
    if (this.skipSpaceAndComments(false) !== CH_COLON) {
      throw this.error(this.pos >= this.n ? 'UnexpectedEnd' : 'ColonExpected');
    }
    this.pos++;
    return name;
  }

  /** A string, number or literal value at `c`. */
  private readScalar(c: number): unknown {
    switch (c) {
      case CH_QUOTE:
      case CH_APOSTROPHE:
        return this.readString(c);
      case CH_t:
        return this.readLiteral('true', true, 'InvalidLiteral');
      case CH_f:
        return this.readLiteral('false', false, 'InvalidLiteral');
      case CH_n:
        if (this.text.startsWith('new', this.pos)) {
          throw this.error('UnsupportedConstructor');
        }
        return this.readLiteral('null', null, 'InvalidLiteral');
      case CH_u:
        return this.readLiteral('undefined', null, 'InvalidLiteral');
      case CH_N:
        return this.readLiteral('NaN', Number.NaN, 'InvalidLiteral');
      case CH_I:
        return this.readLiteral('Infinity', Number.POSITIVE_INFINITY, 'InvalidLiteral');
      case CH_MINUS:
        if (this.text.charCodeAt(this.pos + 1) === CH_I) {
          return this.readLiteral('-Infinity', Number.NEGATIVE_INFINITY, 'InvalidLiteral');
        }
        return this.readNumber();
      default:
        if ((c >= CH_0 && c <= CH_9) || c === CH_DOT) {
          return this.readNumber();
        }
        throw this.error('UnexpectedCharacter');
    }
  }

  /** A literal word, which must be followed by a separator (or the end). */
  private readLiteral(word: string, value: unknown, problem: string): unknown {
    if (!this.text.startsWith(word, this.pos)) {
      throw this.error(this.pos + word.length > this.n ? 'UnexpectedEnd' : problem);
    }
    this.pos += word.length;
    if (this.pos < this.n && !this.isSeparator(this.text.charCodeAt(this.pos))) {
      throw this.error(problem);
    }
    return value;
  }

  /** Newtonsoft's separators after a literal: closers, comma, white space, NUL, or the start of a comment. */
  private isSeparator(c: number): boolean {
    if (c === CH_RBRACE || c === CH_RBRACKET || c === CH_COMMA || c === CH_NUL || isDotNetWhiteSpace(c)) {
      return true;
    }
    if (c === CH_SLASH) {
      const next = this.text.charCodeAt(this.pos + 1);
      return next === CH_STAR || next === CH_SLASH;
    }
    return false;
  }

  /**
   * A number: the run of characters Newtonsoft takes for one (digits, `.`, signs, `e`, hexadecimal digits, `x`),
   * read as a 64-bit integer in base 16 (`0x…`) or 8 (another leading zero), as an integer, or as a double.
   */
  private readNumber(): number | KindedNumber {
    const text = this.text;
    const start = this.pos;
    let i = start;
    while (i < this.n && isNumberChar(text.charCodeAt(i))) {
      i++;
    }
    if (i < this.n) {
      const end = text.charCodeAt(i);
      if (
        end !== CH_COMMA &&
        end !== CH_RBRACE &&
        end !== CH_RBRACKET &&
        end !== CH_RPAREN &&
        end !== CH_SLASH &&
        end !== CH_NUL &&
        !isDotNetWhiteSpace(end)
      ) {
        this.pos = i;
        throw this.error('UnexpectedCharacterInNumber');
      }
    }
    const literal = text.slice(start, i);
    this.pos = i;
    const second = literal.charCodeAt(1);
    if (
      literal.charCodeAt(0) === CH_0 &&
      literal.length > 1 &&
      second !== CH_DOT &&
      second !== CH_e &&
      second !== CH_E
    ) {
      return this.readNonDecimal(literal, start);
    }
    if (/^-?\d+$/.test(literal)) {
      // Newtonsoft reads `-0` as the integer 0.
      const value = Number(literal) + 0;
      noteNumberLiteral(this.numberTexts, literal, value, true);
      if (!this.keepNumberKinds || Math.abs(value) < MIN_BOXED_INTEGER) {
        return value;
      }
      if (literal.length > MAX_INTEGER_TEXT) {
        // Newtonsoft refuses it, so no kinds are to be had; converting it would cost time quadratic in its digits.
        throw this.error('IntegerTooLarge');
      }
      return this.box(BigInt(literal));
    }
    // .NET's double.Parse with NumberStyles.Float: a sign, digits with an optional point, an optional exponent. Not
    // `\d+\.?\d*`: two adjacent digit runs backtrack over every split of a long digit run that fails to match (a
    // 400 KB body of one such literal took minutes).
    if (!/^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/.test(literal)) {
      this.pos = start;
      throw this.error('InvalidNumber');
    }
    const value = Number(literal);
    noteNumberLiteral(this.numberTexts, literal, value, false);
    return this.keepNumberKinds && (Number.isInteger(value) || Object.is(value, -0)) ? this.box(value) : value;
  }

  /** A number of a kind a plain one cannot carry: an exact integer, or a double with a whole value. */
  private box(value: bigint | number): KindedNumber {
    this.boxed++;
    return typeof value === 'bigint' ? KindedNumber.integer(value) : KindedNumber.float(value);
  }

  /** `0x…` or `0…`: .NET's Convert.ToInt64 in base 16 or 8 (a value of 64 bits, read as signed). */
  private readNonDecimal(literal: string, start: number): number | KindedNumber {
    const hex = literal.charCodeAt(1) === 120 || literal.charCodeAt(1) === 88;
    const digits = hex ? literal.slice(2) : literal;
    const valid = hex ? /^[0-9a-fA-F]+$/.test(digits) : /^[0-7]+$/.test(digits);
    const big = valid ? BigInt(hex ? `0x${digits}` : `0o${digits}`) : INT64_RANGE;
    if (big >= INT64_RANGE) {
      this.pos = start;
      throw this.error('InvalidNumber');
    }
    const signed = BigInt.asIntN(64, big);
    const value = Number(signed);
    if (dependsOnLiteral(value)) {
      noteNumberLiteralText(this.numberTexts, value, signed.toString());
    }
    return this.keepNumberKinds && Math.abs(value) >= MIN_BOXED_INTEGER ? this.box(signed) : value;
  }

  /** A string in either quote (the other one is a plain character inside), its escapes decoded. */
  private readString(quote: number): string {
    const text = this.text;
    let i = this.pos + 1;
    let out = '';
    let copied = i;
    for (;;) {
      if (i >= this.n) {
        this.pos = this.n;
        throw this.error('UnterminatedString');
      }
      const c = text.charCodeAt(i);
      if (c === quote) {
        this.pos = i + 1;
        return out + text.slice(copied, i);
      }
      if (c !== CH_BACKSLASH) {
        i++;
        continue;
      }
      out += text.slice(copied, i);
      if (i + 1 >= this.n) {
        this.pos = this.n;
        throw this.error('UnterminatedString');
      }
      const e = text.charCodeAt(i + 1);
      i += 2;
      switch (e) {
        case 98:
          out += '\b';
          break;
        case CH_t:
          out += '\t';
          break;
        case CH_n:
          out += '\n';
          break;
        case CH_f:
          out += '\f';
          break;
        case 114:
          out += '\r';
          break;
        case CH_BACKSLASH:
        case CH_QUOTE:
        case CH_APOSTROPHE:
        case CH_SLASH:
          out += String.fromCharCode(e);
          break;
        case CH_u: {
          const decoded = this.readUnicodeEscapes(i);
          out += decoded.text;
          i = decoded.end;
          break;
        }
        default:
          this.pos = i - 1;
          throw this.error('InvalidEscape');
      }
      copied = i;
    }
  }

  /**
   * The `\uXXXX` escape whose hex digits start at `at`, with the escapes a high surrogate pulls in after it: a pair
   * is kept, a lone surrogate becomes U+FFFD (as Newtonsoft's reader does).
   */
  private readUnicodeEscapes(at: number): { text: string; end: number } {
    let unit = this.readHex4(at);
    let i = at + 4;
    if (unit >= 0xdc00 && unit <= 0xdfff) {
      return { text: REPLACEMENT, end: i };
    }
    let out = '';
    while (unit >= 0xd800 && unit <= 0xdbff) {
      if (i + 2 >= this.n || this.text.charCodeAt(i) !== CH_BACKSLASH || this.text.charCodeAt(i + 1) !== CH_u) {
        return { text: out + REPLACEMENT, end: i };
      }
      const next = this.readHex4(i + 2);
      i += 6;
      if (next >= 0xdc00 && next <= 0xdfff) {
        return { text: out + String.fromCharCode(unit, next), end: i };
      }
      out += REPLACEMENT;
      unit = next;
    }
    return { text: out + String.fromCharCode(unit), end: i };
  }

  private readHex4(at: number): number {
    if (at + 4 > this.n) {
      this.pos = this.n;
      throw this.error('UnexpectedEnd');
    }
    const hex = this.text.slice(at, at + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
      this.pos = at;
      throw this.error('InvalidUnicodeEscape');
    }
    return Number.parseInt(hex, 16);
  }

  private error(problem: string): ReadError {
    return new ReadError(problem, Math.min(this.pos, this.n));
  }
}

/** Sets an object member as `JSON.parse` does: `__proto__` too is an own data property; a repeated name is replaced. */
function setMember(object: Record<string, unknown>, name: string, value: unknown): void {
  if (name === '__proto__') {
    Object.defineProperty(object, name, { value, writable: true, enumerable: true, configurable: true });
  } else {
    object[name] = value;
  }
}

/** .NET's `char.IsLetterOrDigit`, `_` or `$`: a character of an unquoted property name. */
function isIdentifierChar(text: string, at: number): boolean {
  const c = text.charCodeAt(at);
  if (c < 128) {
    return (
      (c >= CH_0 && c <= CH_9) ||
      (c >= 65 && c <= 90) ||
      (c >= 97 && c <= 122) ||
      c === CH_UNDERSCORE ||
      c === CH_DOLLAR
    );
  }
  return LETTER_OR_DIGIT.test(text[at] as string);
}

const LETTER_OR_DIGIT = /^[\p{L}\p{Nd}]$/u;

/** {@link Reader.place}'s "the document goes on". */
const MORE: unique symbol = Symbol('more');

/** The characters Newtonsoft reads into a number before it parses one. */
function isNumberChar(c: number): boolean {
  return (
    (c >= CH_0 && c <= CH_9) ||
    c === CH_MINUS ||
    c === 43 ||
    c === CH_DOT ||
    (c >= 97 && c <= 102) ||
    (c >= 65 && c <= 70) ||
    c === 120 ||
    c === 88
  );
}
