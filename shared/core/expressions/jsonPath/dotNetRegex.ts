/**
 * The regular expressions of JSONPath's `=~` filter operator (Newtonsoft.Json hands them to .NET's `Regex.IsMatch`),
 * matched without backtracking: the pattern is compiled to an automaton and the input is read once, keeping every
 * state the automaton can be in, so a match costs at most (input length + 1) × (pattern size) steps whatever the
 * pattern. A hostile pattern such as `(a+)+$` cannot run away, and the steps are charged to the caller's work bound.
 *
 * The .NET syntax is read as .NET reads it, for everything an automaton can do: literals and escapes (`\t`, `\x41`,
 * `\u0041`, `\cA`, octal `\0` and `\101`, escaped punctuation; a word character of any script after `\` is an error;
 * `\10` and up are octal only where the pattern has no group of that number, as .NET numbers groups), `.`, classes
 * (`[a-z]`, `[^…]`, `\d`, `\w`, `\s`, `\p{Lu}`, the named blocks `\p{IsGreek}`, and their negations, Unicode as in
 * .NET, subtraction `[a-z-[aeiou]]`),
 * anchors (`^`, `$` — which also matches before a final line feed —, `\A`, `\z`, `\Z`, `\b`, `\B`, whose word
 * characters include U+200C and U+200D as in .NET), groups (capturing, `(?:…)`, named or numbered), alternation,
 * quantifiers (`*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`, lazy or not: the same for a yes/no match), inline options
 * (`(?i-m)`, `(?+s)`, `(?I)`, `(?i:…)`), comments `(?#…)`. The options `i`, `m`, `s` and `x` are those of .NET
 * (case-insensitive, `^`/`$` at line breaks, `.` matches a line feed, pattern white space and `#` comments skipped;
 * Newtonsoft's flag letters set only the first three, so `x` comes inline); `n` (explicit capture, Newtonsoft's `x`
 * flag) changes only which groups `\10`… refer to. What needs backtracking — back references, lookarounds, atomic and
 * conditional groups, balancing groups — and `\G` are refused with a syntax error, and so are groups or classes
 * nested more than {@link MAX_REGEX_GROUP_DEPTH} deep. (.NET's internal `\p{_xmlC}` and the like are refused too.)
 */

/** Options of a pattern, as Newtonsoft.Json maps its flag letters (`i`, `m`, `s`, and `x` for explicit capture). */
export interface RegexOptions {
  readonly ignoreCase: boolean;
  readonly multiline: boolean;
  readonly singleline: boolean;
  /**
   * .NET's `IgnorePatternWhitespace`, only ever set inline (`(?x)`): white space in the pattern is skipped outside
   * classes, and `#` starts a comment to the end of the line.
   */
  readonly ignorePatternWhitespace?: boolean;
  /**
   * .NET's `ExplicitCapture` (Newtonsoft's `x` flag, or `n` inline): groups without a name do not capture. For a
   * yes/no match this changes only which numbers `\10`… refer to (a group, or an octal escape when there is none).
   */
  readonly explicitCapture?: boolean;
}

/** A pattern .NET would refuse, or one this engine does not run; `offset` is where in the pattern. */
export class RegexSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/** A compiled pattern. */
export interface CompiledRegex {
  /**
   * Whether the pattern matches somewhere in the input (.NET's `Regex.IsMatch`).
   * @param input - the text
   * @param spend - called with the steps taken at each input position; it may throw to stop the match
   */
  isMatch(input: string, spend: (steps: number) => void): boolean;
  /**
   * Size of the automaton: the most steps one input position can take (a state counts 1, a large character class
   * more: see {@link classWeight}).
   */
  readonly size: number;
}

/** Largest automaton a pattern may compile to (`a{1000}{1000}` would be a million states). */
export const MAX_REGEX_STATES = 10_000;

/** Deepest nesting of groups a pattern may have: the parser and the compiler recurse once per level. */
export const MAX_REGEX_GROUP_DEPTH = 100;

/** Newtonsoft's flag letters after the closing `/`: `i`, `m`, `s` and `x` (explicit capture); others are ignored. */
export function regexOptionsOf(flags: string): RegexOptions {
  return {
    ignoreCase: flags.includes('i'),
    multiline: flags.includes('m'),
    singleline: flags.includes('s'),
    explicitCapture: flags.includes('x'),
  };
}

/**
 * Compiles a .NET pattern (see the module comment).
 * @param pattern - the pattern text, without delimiters
 * @param options - its options
 * @throws RegexSyntaxError when .NET would refuse the pattern or it needs what an automaton cannot do
 */
export function compileDotNetRegex(pattern: string, options: RegexOptions): CompiledRegex {
  const node = new PatternParser(pattern, options).parseAll();
  const program = new ProgramBuilder();
  const start = program.emit(node, program.add({ op: 'match' }));
  return new Automaton(program.states, start);
}

type CharTest = (c: number) => boolean;

type Assertion = 'bol' | 'eol' | 'start' | 'end' | 'endOrFinalLf' | 'word' | 'notWord';

type Node =
  | { readonly t: 'empty' }
  | { readonly t: 'char'; readonly test: CharTest; readonly weight?: number }
  | { readonly t: 'seq'; readonly items: readonly Node[] }
  | { readonly t: 'alt'; readonly items: readonly Node[] }
  | { readonly t: 'repeat'; readonly node: Node; readonly min: number; readonly max: number }
  | { readonly t: 'assert'; readonly kind: Assertion };

const EMPTY: Node = { t: 'empty' };

/** The zero-width escapes: `\A` start, `\z` end, `\Z` end or before a final line feed, `\b` and `\B`. */
const ANCHOR_ESCAPES: Readonly<Record<string, Assertion>> = {
  A: 'start',
  z: 'end',
  Z: 'endOrFinalLf',
  b: 'word',
  B: 'notWord',
};
const LF = 10;
/** The white space the `x` option skips (.NET's RegexParser: tab, line feed, form feed, carriage return, space). */
const PATTERN_WHITE_SPACE = new Set(['\t', '\n', '\f', '\r', ' ']);

/** Unicode general categories `\p{…}` may name (as .NET and JavaScript both name them). */
const CATEGORIES = new Set(
  'L Lu Ll Lt Lm Lo M Mn Mc Me N Nd Nl No P Pc Pd Ps Pe Pi Pf Po S Sm Sc Sk So Z Zs Zl Zp C Cc Cf Cs Co Cn'.split(' '),
);
const categoryTests = new Map<string, CharTest>();

/** A test for one UTF-16 unit's general category (a surrogate half is `Cs`, as .NET sees it). */
function categoryTest(name: string): CharTest {
  let test = categoryTests.get(name);
  if (test === undefined) {
    // A fixed class of one character, from a name checked against the list above: no backtracking, no injection.
    const re = new RegExp(`^\\p{${name}}$`, 'u');
    test = (c) => re.test(String.fromCharCode(c));
    categoryTests.set(name, test);
  }
  return test;
}

/**
 * .NET's named blocks, `\p{IsGreek}`: each name (after `Is`) with the first and last UTF-16 unit of its block, as
 * .NET's block table gives them (the blocks of Unicode 4.0, some under two names, and Perl's surrogate blocks).
 */
const NAMED_BLOCKS: ReadonlyMap<string, readonly [number, number]> = new Map(
  Array.from(
    (
      'AlphabeticPresentationForms FB00-FB4F Arabic 0600-06FF ArabicPresentationForms-A FB50-FDFF ' +
      'ArabicPresentationForms-B FE70-FEFF Armenian 0530-058F Arrows 2190-21FF BasicLatin 0000-007F ' +
      'Bengali 0980-09FF BlockElements 2580-259F Bopomofo 3100-312F BopomofoExtended 31A0-31BF ' +
      'BoxDrawing 2500-257F BraillePatterns 2800-28FF Buhid 1740-175F CJKCompatibility 3300-33FF ' +
      'CJKCompatibilityForms FE30-FE4F CJKCompatibilityIdeographs F900-FAFF CJKRadicalsSupplement 2E80-2EFF ' +
      'CJKSymbolsandPunctuation 3000-303F CJKUnifiedIdeographs 4E00-9FFF ' +
      'CJKUnifiedIdeographsExtensionA 3400-4DBF Cherokee 13A0-13FF CombiningDiacriticalMarks 0300-036F ' +
      'CombiningDiacriticalMarksforSymbols 20D0-20FF CombiningHalfMarks FE20-FE2F ' +
      'CombiningMarksforSymbols 20D0-20FF ControlPictures 2400-243F CurrencySymbols 20A0-20CF ' +
      'Cyrillic 0400-04FF CyrillicSupplement 0500-052F Devanagari 0900-097F Dingbats 2700-27BF ' +
      'EnclosedAlphanumerics 2460-24FF EnclosedCJKLettersandMonths 3200-32FF Ethiopic 1200-137F ' +
      'GeneralPunctuation 2000-206F GeometricShapes 25A0-25FF Georgian 10A0-10FF Greek 0370-03FF ' +
      'GreekExtended 1F00-1FFF GreekandCoptic 0370-03FF Gujarati 0A80-0AFF Gurmukhi 0A00-0A7F ' +
      'HalfwidthandFullwidthForms FF00-FFEF HangulCompatibilityJamo 3130-318F HangulJamo 1100-11FF ' +
      'HangulSyllables AC00-D7AF Hanunoo 1720-173F Hebrew 0590-05FF HighPrivateUseSurrogates DB80-DBFF ' +
      'HighSurrogates D800-DB7F Hiragana 3040-309F IPAExtensions 0250-02AF ' +
      'IdeographicDescriptionCharacters 2FF0-2FFF Kanbun 3190-319F KangxiRadicals 2F00-2FDF ' +
      'Kannada 0C80-0CFF Katakana 30A0-30FF KatakanaPhoneticExtensions 31F0-31FF Khmer 1780-17FF ' +
      'KhmerSymbols 19E0-19FF Lao 0E80-0EFF Latin-1Supplement 0080-00FF LatinExtended-A 0100-017F ' +
      'LatinExtended-B 0180-024F LatinExtendedAdditional 1E00-1EFF LetterlikeSymbols 2100-214F ' +
      'Limbu 1900-194F LowSurrogates DC00-DFFF Malayalam 0D00-0D7F MathematicalOperators 2200-22FF ' +
      'MiscellaneousMathematicalSymbols-A 27C0-27EF MiscellaneousMathematicalSymbols-B 2980-29FF ' +
      'MiscellaneousSymbols 2600-26FF MiscellaneousSymbolsandArrows 2B00-2BFF ' +
      'MiscellaneousTechnical 2300-23FF Mongolian 1800-18AF Myanmar 1000-109F NumberForms 2150-218F ' +
      'Ogham 1680-169F OpticalCharacterRecognition 2440-245F Oriya 0B00-0B7F PhoneticExtensions 1D00-1D7F ' +
      'PrivateUse E000-F8FF PrivateUseArea E000-F8FF Runic 16A0-16FF Sinhala 0D80-0DFF ' +
      'SmallFormVariants FE50-FE6F SpacingModifierLetters 02B0-02FF Specials FFF0-FFFF ' +
      'SuperscriptsandSubscripts 2070-209F SupplementalArrows-A 27F0-27FF SupplementalArrows-B 2900-297F ' +
      'SupplementalMathematicalOperators 2A00-2AFF Syriac 0700-074F Tagalog 1700-171F Tagbanwa 1760-177F ' +
      'TaiLe 1950-197F Tamil 0B80-0BFF Telugu 0C00-0C7F Thaana 0780-07BF Thai 0E00-0E7F Tibetan 0F00-0FFF ' +
      'UnifiedCanadianAboriginalSyllabics 1400-167F VariationSelectors FE00-FE0F YiRadicals A490-A4CF ' +
      'YiSyllables A000-A48F YijingHexagramSymbols 4DC0-4DFF'
    ).matchAll(/(\S+) ([0-9A-F]{4})-([0-9A-F]{4})/g),
    (m) => [`Is${m[1] as string}`, [Number.parseInt(m[2] as string, 16), Number.parseInt(m[3] as string, 16)]] as const,
  ),
);

/** The categories `\p{…}` reads as any cased letter when the case is ignored. */
const CASED_LETTERS = new Set(['Lu', 'Ll', 'Lt']);
const isLu = categoryTest('Lu');
const isLl = categoryTest('Ll');
const isLt = categoryTest('Lt');
/** A letter of upper, lower or title case. */
const isCasedLetter: CharTest = (c) => isLu(c) || isLl(c) || isLt(c);
const isNd = categoryTest('Nd');
const isL = categoryTest('L');
const isMn = categoryTest('Mn');
const isPc = categoryTest('Pc');
const isZ = categoryTest('Z');

/** .NET's `\d`: a decimal digit of any script. */
const isDigit: CharTest = (c) => (c < 128 ? c >= 48 && c <= 57 : isNd(c));
/** .NET's `\w`: letters, non-spacing marks, decimal digits, connector punctuation. */
const isWord: CharTest = (c) =>
  c < 128
    ? (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95
    : isL(c) || isMn(c) || isNd(c) || isPc(c);
/**
 * .NET's word character where it looks for a word boundary (`\b`) or reads a name or an escape: `\w` and the zero
 * width non-joiner and joiner (U+200C, U+200D), as Unicode's regular expressions report (UTS #18) asks.
 */
const isBoundaryWord: CharTest = (c) => isWord(c) || c === 0x200c || c === 0x200d;
/** .NET's `\s`: `\f\n\r\t\v`, U+0085 and the Unicode separators. */
const isSpace: CharTest = (c) => (c >= 9 && c <= 13) || c === 32 || c === 0x85 || (c >= 128 && isZ(c));

function not(test: CharTest): CharTest {
  return (c) => !test(c);
}

function lower(c: number): number {
  return String.fromCharCode(c).toLowerCase().charCodeAt(0);
}

function upper(c: number): number {
  // A character whose upper case is two (`ß` is `SS`) has no other case of one character: .NET compares it as it is.
  const text = String.fromCharCode(c).toUpperCase();
  return text.length === 1 ? text.charCodeAt(0) : c;
}

/** A class test made case-insensitive: the character, or its other case, is in the class. */
function caseless(test: CharTest): CharTest {
  return (c) => test(c) || test(lower(c)) || test(upper(c));
}

/**
 * A back reference (`\1`, `\k<name>`, `\<2>`…), or `\10`… which is one only if the pattern has that group: .NET
 * numbers the groups of the whole pattern before it reads one, so each is checked at the end.
 */
interface GroupReference {
  readonly at: number;
  readonly number?: number;
  readonly name?: string;
  /** The error when the pattern has no such group; none when the text is then an octal escape (`\10`). */
  readonly otherwise?: string;
}

const BACK_REFERENCE = 'back references (which need backtracking) are not supported here';
const MAX_INT32 = 2_147_483_647;

class PatternParser {
  private pos = 0;
  /** Groups open at the position. */
  private depth = 0;
  /** Groups without a name that capture (none under explicit capture), numbered from 1 in order. */
  private unnamedGroups = 0;
  /** Numbers written as group names (`(?<3>…)`). */
  private readonly numberedGroups = new Set<number>();
  /** Group names, in the order first written: numbered after the groups without a name, in free numbers. */
  private readonly namedGroups = new Set<string>();
  /** `(?<03>…)`: a number written with a leading zero names a group only if another group has that number. */
  private readonly renumberedGroups: { readonly number: number; readonly at: number }[] = [];
  private readonly references: GroupReference[] = [];

  constructor(
    private readonly src: string,
    private options: RegexOptions,
  ) {}

  parseAll(): Node {
    const node = this.parseAlternation();
    if (this.pos < this.src.length) {
      // Only an unmatched `)` stops the alternation before the end.
      throw new RegexSyntaxError("Too many )'s", this.pos);
    }
    this.checkGroupNumbers();
    return node;
  }

  /** The group numbers as .NET assigns them (see GroupReference), and the checks that needed them. */
  private checkGroupNumbers(): void {
    const numbers = new Set<number>([0, ...this.numberedGroups]);
    const has = (n: number): boolean => (n >= 1 && n <= this.unnamedGroups) || numbers.has(n);
    let next = this.unnamedGroups + 1;
    for (const _ of this.namedGroups) {
      while (has(next)) {
        next++;
      }
      numbers.add(next++);
    }
    for (const { number, at } of this.renumberedGroups) {
      if (!has(number)) {
        throw new RegexSyntaxError('Unrecognized grouping construct', at);
      }
    }
    for (const { at, number, name, otherwise } of this.references) {
      if (number !== undefined ? has(number) : this.namedGroups.has(name as string)) {
        throw new RegexSyntaxError(BACK_REFERENCE, at);
      }
      if (otherwise !== undefined) {
        throw new RegexSyntaxError(otherwise, at);
      }
    }
  }

  /** Decimal digits at the position (moving past them), as a group number. */
  private readGroupNumber(at: number): number {
    const digits = /^[0-9]*/.exec(this.src.slice(this.pos)) as RegExpExecArray;
    const value = Number(digits[0]);
    if (value > MAX_INT32) {
      throw new RegexSyntaxError('Capture group numbers must be less than or equal to Int32.MaxValue', at);
    }
    this.pos += digits[0].length;
    return value;
  }

  private parseAlternation(): Node {
    const items = [this.parseSequence()];
    while (this.src[this.pos] === '|') {
      this.pos++;
      items.push(this.parseSequence());
    }
    return items.length === 1 ? (items[0] as Node) : { t: 'alt', items };
  }

  /**
   * Skips what .NET skips between the parts of a pattern (its ScanBlank): `(?#…)` comments, and with the `x` option
   * white space (tab, line feed, form feed, carriage return, space) and `#` comments to the end of the line.
   */
  private skipBlank(): void {
    const src = this.src;
    for (;;) {
      if (this.options.ignorePatternWhitespace === true) {
        while (this.pos < src.length && PATTERN_WHITE_SPACE.has(src[this.pos] as string)) {
          this.pos++;
        }
        if (src[this.pos] === '#') {
          const end = src.indexOf('\n', this.pos);
          this.pos = end < 0 ? src.length : end;
          continue;
        }
      }
      if (src.startsWith('(?#', this.pos)) {
        const end = src.indexOf(')', this.pos);
        if (end < 0) {
          throw new RegexSyntaxError('Unterminated (?#...) comment', this.pos);
        }
        this.pos = end + 1;
        continue;
      }
      return;
    }
  }

  private parseSequence(): Node {
    const items: Node[] = [];
    for (;;) {
      this.skipBlank();
      if (this.pos >= this.src.length) {
        break;
      }
      const c = this.src[this.pos];
      if (c === '|' || c === ')') {
        break;
      }
      const atom = this.parseAtom();
      if (atom === undefined) {
        continue;
      }
      items.push(this.parseQuantifiers(atom));
    }
    return items.length === 0 ? EMPTY : items.length === 1 ? (items[0] as Node) : { t: 'seq', items };
  }

  /** A quantifier after an atom, if any; a second one directly after it is .NET's "Nested quantifier" error. */
  private parseQuantifiers(atom: Node): Node {
    this.skipBlank();
    const bounds = this.readQuantifier();
    if (bounds === undefined) {
      return atom;
    }
    this.skipBlank();
    if (this.src[this.pos] === '?') {
      // Lazy: the same yes/no answer.
      this.pos++;
    }
    if (this.readQuantifier() !== undefined) {
      throw new RegexSyntaxError('Nested quantifier', this.pos - 1);
    }
    if (atom.t === 'assert' || atom.t === 'empty') {
      // .NET allows quantified anchors (`^*`); repeating a zero-width test changes nothing but "may be skipped".
      return bounds.min === 0 ? EMPTY : atom;
    }
    return { t: 'repeat', node: atom, min: bounds.min, max: bounds.max };
  }

  /** `*`, `+`, `?` or `{n}`, `{n,}`, `{n,m}` at the position (moving past it); `{` in any other form is a literal. */
  private readQuantifier(): { min: number; max: number } | undefined {
    const c = this.src[this.pos];
    if (c === '*' || c === '+' || c === '?') {
      this.pos++;
      return { min: c === '+' ? 1 : 0, max: c === '?' ? 1 : Infinity };
    }
    if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.pos));
      if (m === null) {
        return undefined;
      }
      const min = Number(m[1]);
      const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
      if (max < min) {
        throw new RegexSyntaxError('Illegal {x,y} with x > y', this.pos);
      }
      if (min > MAX_REGEX_STATES || (max !== Infinity && max > MAX_REGEX_STATES)) {
        throw new RegexSyntaxError(`a repeat count above ${MAX_REGEX_STATES} is not supported`, this.pos);
      }
      this.pos += m[0].length;
      return { min, max };
    }
    return undefined;
  }

  /** One atom; undefined for what matches nothing by itself (a comment, an option setting). */
  private parseAtom(): Node | undefined {
    const at = this.pos;
    const c = this.src[this.pos++] as string;
    switch (c) {
      case '*':
      case '+':
      case '?':
        throw new RegexSyntaxError(`Quantifier ${c} following nothing`, at);
      case '{':
        if (/^\{\d+(,\d*)?\}/.test(this.src.slice(at))) {
          throw new RegexSyntaxError('Quantifier {x,y} following nothing', at);
        }
        return this.literal(123);
      case '.':
        return { t: 'char', test: this.options.singleline ? () => true : (ch) => ch !== LF };
      case '^':
        return { t: 'assert', kind: this.options.multiline ? 'bol' : 'start' };
      case '$':
        return { t: 'assert', kind: this.options.multiline ? 'eol' : 'endOrFinalLf' };
      case '[':
        return this.parseClass(at);
      case '(':
        return this.parseGroup(at);
      case '\\':
        return this.parseEscape(at);
      default:
        return this.literal(c.charCodeAt(0));
    }
  }

  private literal(code: number): Node {
    if (this.options.ignoreCase) {
      const folded = lower(code);
      return { t: 'char', test: (c) => c === code || lower(c) === folded };
    }
    return { t: 'char', test: (c) => c === code };
  }

  private parseGroup(at: number): Node | undefined {
    const src = this.src;
    if (src[this.pos] !== '?') {
      if (this.options.explicitCapture !== true) {
        this.unnamedGroups++;
      }
      return this.finishGroup(at, this.options);
    }
    this.pos++;
    const next = src[this.pos];
    if (next === ':') {
      this.pos++;
      return this.finishGroup(at, this.options);
    }
    if ((next === '<' || next === "'") && !/^[=!]/.test(src[this.pos + 1] ?? '')) {
      return this.parseNamedGroup(at, next === '<' ? '>' : "'");
    }
    if (next === ')') {
      // `(?)` is a group whose `?` quantifies nothing, as .NET reads it.
      throw new RegexSyntaxError('Quantifier ? following nothing', this.pos - 1);
    }
    const m = /^([-+imnsxIMNSX]*)([:)])/.exec(src.slice(this.pos));
    if (m !== null) {
      const options = this.withInlineOptions(m[1] ?? '');
      this.pos += m[0].length;
      if (m[2] === ')') {
        // `(?i)`: from here to the end of the enclosing group.
        this.options = options;
        return undefined;
      }
      return this.finishGroup(at, options);
    }
    const what =
      next === '=' || next === '!'
        ? 'lookahead'
        : next === '<' && (src[this.pos + 1] === '=' || src[this.pos + 1] === '!')
          ? 'lookbehind'
          : next === '>'
            ? 'atomic groups'
            : next === '('
              ? 'conditional groups'
              : undefined;
    throw new RegexSyntaxError(
      what === undefined
        ? 'Unrecognized grouping construct'
        : `${what} (which needs backtracking) is not supported here`,
      at,
    );
  }

  /**
   * A named group after `(?<` or `(?'`: its name is a number (not 0) or word characters of any script, then `close`.
   * `(?<a-b>…)`, a balancing group, needs backtracking.
   */
  private parseNamedGroup(at: number, close: string): Node {
    const src = this.src;
    const start = ++this.pos;
    if (/[0-9]/.test(src[start] ?? '')) {
      const number = this.readGroupNumber(at);
      if (number === 0) {
        throw new RegexSyntaxError('Capture number cannot be zero', at);
      }
      if (src[start] === '0') {
        this.renumberedGroups.push({ number, at });
      } else {
        this.numberedGroups.add(number);
      }
    } else {
      while (this.pos < src.length && isBoundaryWord(src.charCodeAt(this.pos))) {
        this.pos++;
      }
      if (this.pos > start) {
        this.namedGroups.add(src.slice(start, this.pos));
      }
    }
    if (this.pos > start && src[this.pos] === '-') {
      throw new RegexSyntaxError('balancing groups are not supported here', at);
    }
    if (this.pos === start || src[this.pos] !== close) {
      throw new RegexSyntaxError('Invalid group name: Group names must begin with a word character', at);
    }
    this.pos++;
    return this.finishGroup(at, this.options);
  }

  /**
   * The options after an inline option setting such as `i-m`, `+s` or `I` (.NET reads the letters in either case; `-`
   * turns the letters after it off, `+` on again).
   */
  private withInlineOptions(setting: string): RegexOptions {
    let { ignoreCase, multiline, singleline, ignorePatternWhitespace, explicitCapture } = this.options;
    let on = true;
    for (const c of setting.toLowerCase()) {
      if (c === '-' || c === '+') {
        on = c === '+';
      } else if (c === 'i') {
        ignoreCase = on;
      } else if (c === 'm') {
        multiline = on;
      } else if (c === 's') {
        singleline = on;
      } else if (c === 'x') {
        ignorePatternWhitespace = on;
      } else if (c === 'n') {
        explicitCapture = on;
      }
    }
    return { ignoreCase, multiline, singleline, ignorePatternWhitespace, explicitCapture };
  }

  /** The rest of a group, up to its `)`, with the options it starts with (restored after it). */
  private finishGroup(at: number, options: RegexOptions): Node {
    if (this.depth >= MAX_REGEX_GROUP_DEPTH) {
      throw new RegexSyntaxError(`groups are nested more than ${MAX_REGEX_GROUP_DEPTH} levels deep`, at);
    }
    const outer = this.options;
    this.options = options;
    this.depth++;
    const inner = this.parseAlternation();
    this.depth--;
    this.options = outer;
    if (this.src[this.pos] !== ')') {
      throw new RegexSyntaxError("Not enough )'s", at);
    }
    this.pos++;
    return inner;
  }

  private parseEscape(at: number): Node {
    const src = this.src;
    if (this.pos >= src.length) {
      throw new RegexSyntaxError('Illegal \\ at end of pattern', at);
    }
    const c = src[this.pos] as string;
    const anchor = ANCHOR_ESCAPES[c];
    if (anchor !== undefined) {
      this.pos++;
      return { t: 'assert', kind: anchor };
    }
    if (c === 'G') {
      throw new RegexSyntaxError('\\G is not supported here', at);
    }
    if ((c === 'k' || c === '<' || c === "'") && this.readNamedReference(at)) {
      return EMPTY;
    }
    if (c >= '1' && c <= '9') {
      const start = this.pos;
      const number = this.readGroupNumber(at);
      if (number > 9 && c <= '7') {
        // `\10`…: a group if the pattern has one, otherwise up to three octal digits.
        this.references.push({ at, number });
        this.pos = start;
        return this.literal(this.readCharEscape(at));
      }
      this.references.push({
        at,
        number,
        otherwise: number > 9 ? `Unrecognized escape sequence \\${c}` : `Reference to undefined group number ${number}`,
      });
      return EMPTY;
    }
    // A class escape is not made case-insensitive: .NET adds `\d`, `\w`, `\s` without the option, and `\p{…}`
    // reads it in its own way (see readClassEscape).
    const test = this.readClassEscape();
    if (test !== undefined) {
      return { t: 'char', test };
    }
    return this.literal(this.readCharEscape(at));
  }

  /**
   * `\k<name>`, `\<name>` or `\'name'` (or a number for the name) at the position, after the backslash: a back
   * reference, recorded to be checked at the end (see GroupReference). False when `\<` or `\'` starts none; it is
   * then the character itself, as in .NET.
   */
  private readNamedReference(at: number): boolean {
    const src = this.src;
    const named = src[this.pos] === 'k';
    const open = this.pos + (named ? 1 : 0);
    if (named && !((src[open] === '<' || src[open] === "'") && open + 1 < src.length)) {
      throw new RegexSyntaxError('Malformed \\k<...> named back reference', at);
    }
    if (open + 1 >= src.length) {
      return false;
    }
    const close = src[open] === '<' ? '>' : "'";
    const start = open + 1;
    const back = this.pos;
    this.pos = start;
    let reference: GroupReference | undefined;
    if (/[0-9]/.test(src[start] as string)) {
      const number = this.readGroupNumber(at);
      reference = { at, number, otherwise: `Reference to undefined group number ${number}` };
    } else {
      while (this.pos < src.length && isBoundaryWord(src.charCodeAt(this.pos))) {
        this.pos++;
      }
      const name = src.slice(start, this.pos);
      reference = name === '' ? undefined : { at, name, otherwise: `Reference to undefined group name ${name}` };
    }
    if (reference !== undefined && src[this.pos] === close) {
      this.pos++;
      this.references.push(reference);
      return true;
    }
    if (named) {
      throw new RegexSyntaxError('Unrecognized escape sequence \\k', at);
    }
    this.pos = back;
    return false;
  }

  /** `\d \D \w \W \s \S \p{…} \P{…}` at the position (after the backslash), or undefined for another escape. */
  private readClassEscape(): CharTest | undefined {
    const c = this.src.charAt(this.pos);
    let test: CharTest | undefined;
    switch (c) {
      case 'd':
        test = isDigit;
        break;
      case 'D':
        test = not(isDigit);
        break;
      case 'w':
        test = isWord;
        break;
      case 'W':
        test = not(isWord);
        break;
      case 's':
        test = isSpace;
        break;
      case 'S':
        test = not(isSpace);
        break;
      case 'p':
      case 'P': {
        const m = /^\{([^}]*)\}/.exec(this.src.slice(this.pos + 1));
        if (m === null) {
          throw new RegexSyntaxError('Incomplete \\p{X} character escape', this.pos - 1);
        }
        const name = m[1] as string;
        const block = NAMED_BLOCKS.get(name);
        if (block === undefined && !CATEGORIES.has(name)) {
          throw new RegexSyntaxError(`Unknown property '${name}'`, this.pos - 1);
        }
        this.pos += 1 + m[0].length;
        if (block !== undefined) {
          // A block is a range of characters: case-insensitive, .NET adds their other cases (after `\P` negates it).
          const [first, last] = block;
          const inBlock: CharTest = c === 'p' ? (ch) => ch >= first && ch <= last : (ch) => ch < first || ch > last;
          return this.options.ignoreCase ? caseless(inBlock) : inBlock;
        }
        // Case-insensitive, .NET reads an upper, lower or title case letter as any cased letter.
        const category = this.options.ignoreCase && CASED_LETTERS.has(name) ? isCasedLetter : categoryTest(name);
        return c === 'p' ? category : not(category);
      }
      default:
        return undefined;
    }
    this.pos++;
    return test;
  }

  /** The character of a character escape (after the backslash): `\t`, `\x41`, `\u0041`, `\cA`, `\0`, `\.`… */
  private readCharEscape(at: number): number {
    const src = this.src;
    const c = src[this.pos++] as string;
    const hex = (length: number): number => {
      const digits = src.slice(this.pos, this.pos + length);
      if (digits.length !== length || !/^[0-9A-Fa-f]+$/.test(digits)) {
        throw new RegexSyntaxError('Insufficient hexadecimal digits', at);
      }
      this.pos += length;
      return Number.parseInt(digits, 16);
    };
    switch (c) {
      case 't':
        return 9;
      case 'n':
        return 10;
      case 'v':
        return 11;
      case 'f':
        return 12;
      case 'r':
        return 13;
      case 'a':
        return 7;
      case 'e':
        return 27;
      case 'x':
        return hex(2);
      case 'u':
        return hex(4);
      case 'c': {
        const letter = src[this.pos++];
        if (letter === undefined || !/[A-Za-z@[\\\]^_]/.test(letter)) {
          throw new RegexSyntaxError('Unrecognized control character', at);
        }
        return letter.toUpperCase().charCodeAt(0) ^ 64;
      }
      case '0':
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
      case '6':
      case '7': {
        // Up to three octal digits; .NET keeps the low eight bits of the value (`\400` is `\0`).
        const m = /^[0-7]{0,2}/.exec(src.slice(this.pos)) as RegExpExecArray;
        this.pos += m[0].length;
        return Number.parseInt(`${c}${m[0]}`, 8) & 0xff;
      }
      default:
        // A word character of any script is no escape (`\é` as much as `\q`); other characters stand for themselves.
        if (isBoundaryWord(c.charCodeAt(0))) {
          throw new RegexSyntaxError(`Unrecognized escape sequence \\${c}`, at);
        }
        return c.charCodeAt(0);
    }
  }

  /** Whether a `-` at the position makes a range (it does not before the closing `]`). */
  private startsRange(): boolean {
    const after = this.src[this.pos + 1];
    return this.src[this.pos] === '-' && after !== ']' && after !== undefined;
  }

  /** One element of a class: a character's code, or the test of a class escape (`\d`, `\p{L}`…); `\b` is U+0008. */
  private readClassElement(): number | CharTest {
    const c = this.src[this.pos] as string;
    this.pos++;
    if (c !== '\\') {
      return c.charCodeAt(0);
    }
    if (this.src[this.pos] === 'b') {
      this.pos++;
      return 8;
    }
    return this.readClassEscape() ?? this.readCharEscape(this.pos - 1);
  }

  /**
   * A character class after its `[`, as .NET reads one: a `]` first is a member, `-` makes a range between two
   * characters, and `-[…]` after a member subtracts a class and must end the class (`[a-z-[aeiou]]`, the consonants;
   * the subtracted class may itself be negated or subtract).
   */
  private parseClass(at: number): { t: 'char'; test: CharTest; weight: number } {
    const src = this.src;
    let negated = false;
    if (src[this.pos] === '^') {
      negated = true;
      this.pos++;
    }
    const tests: CharTest[] = [];
    const ranges: number[] = [];
    let subtracted: { test: CharTest; weight: number } | undefined;
    let first = true;
    for (;;) {
      if (this.pos >= src.length) {
        throw new RegexSyntaxError('Unterminated [] set', at);
      }
      const c = src[this.pos] as string;
      if (c === ']' && !first) {
        this.pos++;
        break;
      }
      if (c === '-' && src[this.pos + 1] === '[' && !first) {
        subtracted = this.parseSubtraction(at);
        break;
      }
      first = false;
      const rangeAt = this.pos;
      const low = this.readClassElement();
      if (src[this.pos] === '-' && src[this.pos + 1] === '[') {
        // A member, then a subtraction.
        if (typeof low === 'number') {
          ranges.push(low, low);
        } else {
          tests.push(low);
        }
        subtracted = this.parseSubtraction(at);
        break;
      }
      if (typeof low !== 'number') {
        if (this.startsRange()) {
          throw new RegexSyntaxError('Cannot include a class in a character range', this.pos);
        }
        tests.push(low);
        continue;
      }
      let high = low;
      if (this.startsRange()) {
        this.pos++;
        const end = this.readClassElement();
        if (typeof end !== 'number') {
          throw new RegexSyntaxError('Cannot include a class in a character range', this.pos);
        }
        high = end;
        if (high < low) {
          throw new RegexSyntaxError('[x-y] range in reverse order', rangeAt);
        }
      }
      ranges.push(low, high);
    }
    const inRanges: CharTest = (ch) => {
      for (let i = 0; i < ranges.length; i += 2) {
        if (ch >= (ranges[i] as number) && ch <= (ranges[i + 1] as number)) {
          return true;
        }
      }
      return false;
    };
    // Case-insensitive, the characters and ranges take their other case; class escapes do not (as in .NET).
    const cased = this.options.ignoreCase ? caseless(inRanges) : inRanges;
    const members: CharTest = tests.length === 0 ? cased : (ch) => cased(ch) || tests.some((t) => t(ch));
    const test = negated ? not(members) : members;
    const weight = classWeight(ranges.length / 2, tests.length);
    if (subtracted === undefined) {
      return { t: 'char', test, weight };
    }
    // .NET negates the class before it subtracts: `[^a-[b]]` is neither `a` nor `b`.
    const minus = subtracted.test;
    return { t: 'char', test: (ch) => test(ch) && !minus(ch), weight: weight + subtracted.weight };
  }

  /** The class subtracted at `-[` (the position), which must be followed by the `]` that ends the outer class. */
  private parseSubtraction(at: number): { test: CharTest; weight: number } {
    if (this.depth >= MAX_REGEX_GROUP_DEPTH) {
      throw new RegexSyntaxError(`classes are nested more than ${MAX_REGEX_GROUP_DEPTH} levels deep`, at);
    }
    this.pos += 2;
    this.depth++;
    const inner = this.parseClass(this.pos - 1);
    this.depth--;
    if (this.src[this.pos] !== ']') {
      throw new RegexSyntaxError('A subtraction must be the last element in a character class', this.pos);
    }
    this.pos++;
    return inner;
  }
}

/**
 * The steps testing one character against a class costs: 1 for a class of up to 15 ranges and one escape (`[a-z]`,
 * `[\d.]`), more for each further 16 ranges and each further escape (`\p{Lu}`, `\w`…), which the test tries one by
 * one; so a class of thousands of ranges, tested at every character of a long string, is charged for what it does.
 * @param ranges - its ranges (a single character is one)
 * @param escapes - its class escapes
 */
function classWeight(ranges: number, escapes: number): number {
  return 1 + Math.floor(ranges / 16) + Math.max(0, escapes - 1);
}

type State =
  | { op: 'char'; test: CharTest; next: number; weight: number }
  | { op: 'split'; a: number; b: number }
  | { op: 'assert'; kind: Assertion; next: number }
  | { op: 'match' };

/** Builds the automaton back to front: each node is emitted before what follows it is known by its index. */
class ProgramBuilder {
  readonly states: State[] = [];

  add(state: State): number {
    if (this.states.length >= MAX_REGEX_STATES) {
      throw new RegexSyntaxError(`the pattern is too large (more than ${MAX_REGEX_STATES} states)`, 0);
    }
    this.states.push(state);
    return this.states.length - 1;
  }

  /** Emits `node` so that it continues at `next`; returns its entry state. */
  emit(node: Node, next: number): number {
    switch (node.t) {
      case 'empty':
        return next;
      case 'char':
        return this.add({ op: 'char', test: node.test, next, weight: node.weight ?? 1 });
      case 'assert':
        return this.add({ op: 'assert', kind: node.kind, next });
      case 'seq': {
        let entry = next;
        for (let i = node.items.length - 1; i >= 0; i--) {
          entry = this.emit(node.items[i] as Node, entry);
        }
        return entry;
      }
      case 'alt': {
        let entry = this.emit(node.items[node.items.length - 1] as Node, next);
        for (let i = node.items.length - 2; i >= 0; i--) {
          entry = this.add({ op: 'split', a: this.emit(node.items[i] as Node, next), b: entry });
        }
        return entry;
      }
      case 'repeat': {
        let entry = next;
        if (node.max === Infinity) {
          // A loop: a split that enters the body (which comes back to it) or leaves.
          const loop = this.add({ op: 'split', a: -1, b: next });
          (this.states[loop] as { a: number }).a = this.emit(node.node, loop);
          entry = loop;
        } else {
          for (let i = node.min; i < node.max; i++) {
            entry = this.add({ op: 'split', a: this.emit(node.node, entry), b: next });
          }
        }
        for (let i = 0; i < node.min; i++) {
          entry = this.emit(node.node, entry);
        }
        return entry;
      }
    }
  }
}

class Automaton implements CompiledRegex {
  readonly size: number;
  /**
   * When each state was last added, as a stamp (a call's base plus the input position), kept between calls: a filter
   * tests its pattern against every token it visits, and the marks need no clearing when each call has new stamps.
   */
  private readonly seen: Float64Array;
  /** The next call's base stamp. */
  private epoch = 0;

  constructor(
    private readonly states: readonly State[],
    private readonly start: number,
  ) {
    this.size = states.reduce((sum, state) => sum + (state.op === 'char' ? state.weight : 1), 0);
    this.seen = new Float64Array(states.length).fill(-1);
  }

  isMatch(input: string, spend: (steps: number) => void): boolean {
    const states = this.states;
    const n = input.length;
    const seen = this.seen;
    // Taken before matching, so that a call stopped by `spend` leaves no stamp a later call could reuse.
    const base = this.epoch;
    this.epoch += n + 1;
    let current: number[] = [];
    let next: number[] = [];
    const stack: number[] = [];
    let steps = 0;
    /** Adds a state and everything reachable from it without reading, at position `pos`; true on a match. */
    const add = (list: number[], entry: number, pos: number): boolean => {
      stack.push(entry);
      while (stack.length > 0) {
        const id = stack.pop() as number;
        if (seen[id] === base + pos) {
          continue;
        }
        seen[id] = base + pos;
        steps++;
        const state = states[id] as State;
        switch (state.op) {
          case 'match':
            stack.length = 0;
            return true;
          case 'char':
            list.push(id);
            break;
          case 'split':
            stack.push(state.b, state.a);
            break;
          case 'assert':
            if (holds(state.kind, input, pos)) {
              stack.push(state.next);
            }
            break;
        }
      }
      return false;
    };
    for (let pos = 0; ; pos++) {
      // Unanchored: a match may start at every position.
      if (add(current, this.start, pos)) {
        return true;
      }
      spend(steps);
      steps = 0;
      if (pos === n || current.length === 0) {
        if (pos === n) {
          return false;
        }
        continue;
      }
      const c = input.charCodeAt(pos);
      next.length = 0;
      for (const id of current) {
        const state = states[id] as { test: CharTest; next: number; weight: number };
        // Adding the state took one step; a large class takes more to test.
        steps += state.weight - 1;
        if (state.test(c) && add(next, state.next, pos + 1)) {
          return true;
        }
      }
      [current, next] = [next, current];
    }
  }
}

function holds(kind: Assertion, input: string, pos: number): boolean {
  const n = input.length;
  switch (kind) {
    case 'start':
      return pos === 0;
    case 'end':
      return pos === n;
    case 'endOrFinalLf':
      return pos === n || (pos === n - 1 && input.charCodeAt(pos) === LF);
    case 'bol':
      return pos === 0 || input.charCodeAt(pos - 1) === LF;
    case 'eol':
      return pos === n || input.charCodeAt(pos) === LF;
    case 'word':
    case 'notWord': {
      const before = pos > 0 && isBoundaryWord(input.charCodeAt(pos - 1));
      const after = pos < n && isBoundaryWord(input.charCodeAt(pos));
      return (before !== after) === (kind === 'word');
    }
  }
}

/** Compiled patterns by their `/pattern/flags` text (a filter evaluates its pattern for every token it tests). */
const compiled = new Map<string, CompiledRegex | RegexSyntaxError>();
const MAX_CACHED = 256;

/**
 * The pattern of a `=~` operand as Newtonsoft.Json reads it: the text between the first character and the last `/`
 * is the pattern, the letters after it the flags (`/^hr/i`).
 * @param text - the operand's text
 * @returns the compiled pattern
 * @throws RegexSyntaxError (its offset within `text`) when there is no `/` after the first character, or the pattern
 *   is refused
 */
export function newtonsoftRegex(text: string): CompiledRegex {
  let regex = compiled.get(text);
  if (regex === undefined) {
    const end = text.lastIndexOf('/');
    if (end < 1) {
      regex = new RegexSyntaxError('a regular expression is written /pattern/flags', 0);
    } else {
      try {
        regex = compileDotNetRegex(text.slice(1, end), regexOptionsOf(text.slice(end + 1)));
      } catch (error) {
        if (!(error instanceof RegexSyntaxError)) {
          throw error;
        }
        // Where in `text`: the pattern starts after its first character.
        regex = new RegexSyntaxError(error.message, error.offset + 1);
      }
    }
    if (compiled.size >= MAX_CACHED) {
      compiled.clear();
    }
    compiled.set(text, regex);
  }
  if (regex instanceof RegexSyntaxError) {
    throw regex;
  }
  return regex;
}
