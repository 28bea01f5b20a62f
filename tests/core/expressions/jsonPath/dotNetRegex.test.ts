import { describe, expect, it } from 'vitest';
import {
  MAX_REGEX_GROUP_DEPTH,
  MAX_REGEX_STATES,
  RegexSyntaxError,
  compileDotNetRegex,
  regexOptionsOf,
} from '../../../../shared/core/expressions/jsonPath/dotNetRegex.js';
import { compileJsonPath } from '../../../../shared/core/expressions/jsonPath.js';

/** Ten groups without a name, so `\10` after them is a back reference unless they do not capture. */
const TEN_GROUPS = '(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)';

function isMatch(pattern: string, flags: string, input: string): boolean {
  return compileDotNetRegex(pattern, regexOptionsOf(flags)).isMatch(input, () => undefined);
}

describe('compileDotNetRegex: .NET regular expressions without backtracking', () => {
  // Each as .NET's Regex.IsMatch answers (RegexOptions from Newtonsoft's flag letters).
  it.each([
    ['abc', '', 'xabcx', true],
    ['^abc$', '', 'abc\n', true],
    ['^abc$', '', 'abc\n\n', false],
    ['^abc\\z', '', 'abc\n', false],
    ['^abc\\Z', '', 'abc\n', true],
    ['\\Aabc', '', 'xabc', false],
    ['^b', '', 'a\nb', false],
    ['^b$', 'm', 'a\nb\nc', true],
    ['a.c', '', 'a\nc', false],
    ['a.c', 's', 'a\nc', true],
    ['^\\d$', '', '\u0663', true],
    ['^[0-9]$', '', '\u0663', false],
    ['^\\w+$', '', 'é_9', true],
    ['\\bfoo\\b', '', 'a foo b', true],
    ['\\bfoo\\b', '', 'afoob', false],
    ['\\Bfoo', '', 'afoo', true],
    ['^\\s$', '', '\u0085', true],
    ['AB', 'i', 'xab', true],
    ['AB', '', 'xab', false],
    ['(?i)ab', '', 'AB', true],
    ['(?i:a)b', '', 'AB', false],
    ['(?i:a)b', '', 'Ab', true],
    ['a(?i)b', '', 'aB', true],
    ['(?-i:a)b', 'i', 'aB', true],
    ['(?-i:a)b', 'i', 'AB', false],
    ['[A-C]', 'i', 'b', true],
    ['colou?r', '', 'color', true],
    ['^a{2,3}$', '', 'aa', true],
    ['^a{2,3}$', '', 'a', false],
    ['^a{2}$', '', 'aaa', false],
    ['^a{2,}$', '', 'aaaaa', true],
    ['^(ab|cd)+$', '', 'abcdab', true],
    ['^(ab|cd)+$', '', 'abc', false],
    ['^[^abc]+$', '', 'abc', false],
    ['[^abc]', '', 'abcd', true],
    ['^\\p{Lu}', '', 'Élan', true],
    ['\\P{L}', '', 'abc', false],
    ['^\\x41\\u0042\\cA\\0$', '', 'AB\u0001\u0000', true],
    ['^\\t\\n\\r\\f\\v\\e\\a$', '', '\t\n\r\f\u000b\u001b\u0007', true],
    ['^a{$', '', 'a{', true],
    ['^a{,2}$', '', 'a{,2}', true],
    ['^[]a]+$', '', ']a]', true],
    ['^[a-]$', '', '-', true],
    ['^[\\d.]+$', '', '12.5', true],
    ['^[\\b]$', '', '\b', true],
    ['(?#a comment)abc', '', 'abc', true],
    ["(?<year>\\d{4})-(?'month'\\d\\d)", '', 'on 2024-05', true],
    ['x*', '', '', true],
    ['^$', '', '', true],
    ['a/b', '', 'a/b', true],
    ['^\\.\\*\\+\\?\\(\\)\\[\\]\\{\\}\\|\\^\\$\\\\$', '', '.*+?()[]{}|^$\\', true],
    ['a*?b', '', 'aab', true],
    ['^(a|)+$', '', 'aaa', true],
    // Class subtraction: the base class (negated first, if it is) less the subtracted one, which may subtract too.
    ['^[a-z-[aeiou]]+$', '', 'bcd', true],
    ['^[a-z-[aeiou]]+$', '', 'bad', false],
    ['^[\\d-[5]]$', '', '5', false],
    ['^[\\d-[5]]$', '', '4', true],
    ['^[^a-c-[x]]$', '', 'x', false],
    ['^[^a-c-[x]]$', '', 'y', true],
    ['^[^a-c-[x]]$', '', 'b', false],
    ['^[a-z-[b-y-[m]]]$', '', 'm', true],
    ['^[a-z-[b-y-[m]]]$', '', 'c', false],
    ['^[A-Z-[B]]$', 'i', 'b', false],
    ['^[A-Z-[B]]$', 'i', 'c', true],
    ['^[a-[a]]$', '', 'a', false],
    // A '-' first is a member, so `[-[a]]` is the class of '-', '[' and 'a', then a ']'.
    ['^[-[a]]$', '', 'a]', true],
    // Inline options in either case, '+' turning them on again; names of any script or numbers.
    ['(?+i)AB', '', 'ab', true],
    ['(?I)ab', '', 'AB', true],
    ['(?i-m:a)', '', 'A', true],
    ['(?-)a', '', 'a', true],
    ['(?<é>a)', '', 'a', true],
    ['(?<a1>x)(?<2>y)', '', 'xy', true],
    // The x option (inline only): white space and `#` comments skipped outside classes; `\ ` and `[ ]` stay.
    ['(?x)^a b # comment\n c$', '', 'abc', true],
    ['(?x)^a[ ]b$', '', 'a b', true],
    ['(?x)^a\\ b$', '', 'a b', true],
    ['^(?x:a b)c d$', '', 'abc d', true],
    ['^(?x:a b)c d$', '', 'abcd', false],
    ['(?x)^a *$', '', 'aaa', true],
    ['(?x)^a{2} ?$', '', 'aa', true],
    ['(?x)^[#]$', '', '#', true],
    ['(?x-x)^a b$', '', 'a b', true],
    // A comment between an atom and its quantifier, or before the lazy `?`, is skipped as .NET skips it.
    ['^a(?#c)*$', '', 'aaa', true],
    ['^a*(?#c)?$', '', 'aaa', true],
    // A word boundary's word characters include the zero width joiner and non-joiner.
    ['\\bx', '', '\u200dx', false],
    ['\\bx', '', '-x', true],
    ['x\\b', '', 'x\u200c', false],
    // Case-insensitive: no other case of one character for ß; \p{Lu}, \p{Ll} and \p{Lt} are any cased letter.
    ['[A-Z]', 'i', 'ß', false],
    ['\\p{Lu}', 'i', 'ß', true],
    ['\\P{Lu}', 'i', 'ß', false],
    ['^\\p{Ll}$', 'i', 'A', true],
    // Octal escapes: up to three digits, the low eight bits kept; in a class any of \1–\7 starts one.
    ['^\\101$', '', 'A', true],
    ['^\\101$', 'i', 'a', true],
    ['^\\400$', '', '\0', true],
    ['^\\1000$', '', '@0', true],
    ['^[\\1]$', '', '\x01', true],
    ['^[\\101-\\132]+$', '', 'QED', true],
    // `\10` and up are octal where the whole pattern has no group of that number, as .NET numbers groups:
    // unnamed first (none under explicit capture, Newtonsoft's `x` flag or `n`), then names in the free numbers.
    ['^\\10$', '', '\b', true],
    ['^\\18$', '', '\x018', true],
    ['^(a)\\10$', '', 'a\b', true],
    [`^${TEN_GROUPS}\\10$`, 'x', 'abcdefghij\b', true],
    [`^(?n)${TEN_GROUPS}\\10$`, '', 'abcdefghij\b', true],
    [`^(?n:${TEN_GROUPS})\\10$`, '', 'abcdefghij\b', true],
    ['^(?<11>a)(?<x>b)\\10$', '', 'ab\b', true],
    // A group number written with a leading zero is another group of that number.
    ['^(a)(?<01>b)$', '', 'ab', true],
    // Named blocks, as .NET's block table gives them; case-insensitive, their characters' other cases too.
    ['^\\p{IsGreek}+$', '', 'αβγ', true],
    ['\\p{IsGreek}', '', 'abc', false],
    ['^\\P{IsBasicLatin}$', '', 'é', true],
    ['^\\p{IsSpecials}$', '', '\uffff', true],
    ['^[\\p{IsCyrillic}\\d]+$', '', 'Д1', true],
    ['^[^\\p{IsGreek}]$', '', 'a', true],
    ['^[\\p{IsGreek}-[α]]$', '', 'α', false],
    ['^\\p{IsLatin-1Supplement}$', '', 'Ÿ', false],
    ['^\\p{IsLatin-1Supplement}$', 'i', 'Ÿ', true],
    ['^\\P{IsLatin-1Supplement}$', 'i', 'ÿ', true],
    ['^[\\p{IsLatin-1Supplement}]$', 'i', 'Ÿ', true],
    // `\<` or `\'` that starts no reference is the character itself.
    ['^\\<$', '', '<', true],
    ['^\\<>$', '', '<>', true],
    ['^\\<1x>$', '', '<1x>', true],
    ["^\\'x$", '', "'x", true],
  ])('/%s/%s on %j is %s', (pattern, flags, input, expected) => {
    expect(isMatch(pattern, flags, input)).toBe(expected);
  });

  it.each([
    ['(', 'Not enough'],
    ['a)', 'Too many'],
    ['*a', 'following nothing'],
    ['{1}', 'following nothing'],
    ['a**', 'Nested quantifier'],
    ['a{3,2}', 'x > y'],
    ['[a', 'Unterminated [] set'],
    ['[z-a]', 'reverse order'],
    ['[\\d-z]', 'in a character range'],
    ['a\\', 'Illegal \\ at end'],
    ['\\q', 'Unrecognized escape'],
    ['\\x4', 'hexadecimal'],
    ['(?=a)', 'lookahead'],
    ['(?<!a)b', 'lookbehind'],
    ['(?>a)', 'atomic'],
    ['(?(a)b|c)', 'conditional'],
    ['(a)\\1', 'back references'],
    ['(?<a>x)\\k<a>', 'back references'],
    ['(a)\\<1>', 'back references'],
    ["(?<a>x)\\'a'", 'back references'],
    ['\\<0>', 'back references'],
    [`${TEN_GROUPS}\\10`, 'back references'],
    [`\\10${TEN_GROUPS}`, 'back references'],
    ['(?<10>a)\\10', 'back references'],
    ['(?<a>a)(?<b>a)(?<c>a)(?<d>a)(?<e>a)(?<f>a)(?<g>a)(?<h>a)(?<i>a)(?<j>a)\\10', 'back references'],
    ['\\1', 'Reference to undefined group number 1'],
    ['(?<x>a)\\2', 'Reference to undefined group number 2'],
    ['(?<1>a)(b)\\2', 'Reference to undefined group number 2'],
    ['\\<1>', 'Reference to undefined group number 1'],
    ['\\<x>', 'Reference to undefined group name x'],
    ['\\k<x>', 'Reference to undefined group name x'],
    ['\\k', 'Malformed \\k'],
    ['\\kx', 'Malformed \\k'],
    ['\\k<-', 'Unrecognized escape sequence \\k'],
    ['\\81', 'Unrecognized escape sequence \\8'],
    ['[\\8]', 'Unrecognized escape sequence \\8'],
    ['(?<01>a)', 'Unrecognized grouping construct'],
    ['(?<99999999999>a)', 'Int32.MaxValue'],
    ['\\99999999999', 'Int32.MaxValue'],
    ['(?<a-b>x)', 'balancing'],
    ['[a-z-[b]c]', 'last element'],
    ['\\é', 'Unrecognized escape'],
    ['\\\u200d', 'Unrecognized escape'],
    ['(?)', 'following nothing'],
    ['(?<0>a)', 'cannot be zero'],
    ['(?<00>a)', 'cannot be zero'],
    ['(?<-a>x)', 'group name'],
    ['\\p{isgreek}', "Unknown property 'isgreek'"],
    ['\\p{Is-Greek}', 'Unknown property'],
    ['[a-\\p{IsGreek}]', 'Cannot include a class'],
    ['\\G', 'not supported'],
    ['a(?#c', 'Unterminated'],
    [`a{${MAX_REGEX_STATES + 1}}`, 'repeat count'],
    ['(a{1000}){20}', 'too large'],
  ])('refuses /%s/ (%s)', (pattern, reason) => {
    let error: unknown;
    try {
      compileDotNetRegex(pattern, regexOptionsOf(''));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(RegexSyntaxError);
    expect((error as RegexSyntaxError).message).toContain(reason);
  });

  it('refuses groups nested past the bound with a syntax error at the group, not a stack overflow', () => {
    const nested = (depth: number): string => `${'('.repeat(depth)}a${')'.repeat(depth)}`;
    expect(isMatch(nested(MAX_REGEX_GROUP_DEPTH), '', 'xa')).toBe(true);
    for (const depth of [MAX_REGEX_GROUP_DEPTH + 1, 100_000]) {
      let error: unknown;
      try {
        compileDotNetRegex(nested(depth), regexOptionsOf(''));
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(RegexSyntaxError);
      expect((error as RegexSyntaxError).message).toContain(`more than ${MAX_REGEX_GROUP_DEPTH} levels`);
      expect((error as RegexSyntaxError).offset).toBe(MAX_REGEX_GROUP_DEPTH);
    }
  });

  it('cannot be made to backtrack: a classic catastrophic pattern takes linear steps', () => {
    for (const pattern of ['^(a+)+$', '(x+x+)+y', '^(a|a)*$', '(\\w*)*@']) {
      const regex = compileDotNetRegex(pattern, regexOptionsOf(''));
      const input = `${'a'.repeat(20_000)}x!`;
      let steps = 0;
      const started = performance.now();
      expect(regex.isMatch(input, (n) => (steps += n))).toBe(false);
      expect(steps).toBeLessThanOrEqual((input.length + 1) * regex.size);
      // Not a timing assertion: a generous ceiling that a backtracking engine would pass by many orders of magnitude.
      expect(performance.now() - started).toBeLessThan(5_000);
    }
  });

  it('agrees with JavaScript on patterns the two read alike (ASCII, no line feeds)', () => {
    let seed = 3;
    const random = (n: number): number => {
      seed = (seed * 16807) % 2147483647;
      return seed % n;
    };
    const atoms = ['a', 'b', 'c', '.', '[ab]', '[^a]', '\\d', '\\w', '(a|bc)', '(?:ab|)', '^', '$', '\\b', '1'];
    const quantifiers = ['', '', '', '*', '+', '?', '{2}', '{1,2}', '{0,}', '*?'];
    let checked = 0;
    for (let i = 0; i < 3_000; i++) {
      let pattern = '';
      for (let k = 1 + random(5); k > 0; k--) {
        const atom = atoms[random(atoms.length)] as string;
        pattern +=
          atom + (atom === '^' || atom === '$' || atom === '\\b' ? '' : quantifiers[random(quantifiers.length)]);
      }
      if (random(4) === 0) {
        pattern = `${pattern}|${atoms[random(atoms.length)]}`;
      }
      // One compiled pattern for several inputs, as a filter uses it for every token it tests.
      const regex = compileDotNetRegex(pattern, regexOptionsOf(''));
      for (let k = 0; k < 3; k++) {
        const input = Array.from({ length: random(8) }, () => 'abc1 '[random(5)]).join('');
        const expected = new RegExp(pattern).test(input);
        expect(
          regex.isMatch(input, () => undefined),
          `/${pattern}/ on ${JSON.stringify(input)}`,
        ).toBe(expected);
      }
      checked++;
    }
    expect(checked).toBe(3_000);
  });
});

describe('=~ in JSONPath filters', () => {
  it('takes its steps from the work bound of the evaluation', () => {
    const data = [{ s: 'a'.repeat(50_000) }];
    const path = compileJsonPath('$[?(@.s =~ /(a|aa)*b/)]');
    expect(() => path.matches(data, undefined, { remaining: 10_000 })).toThrow(/work bound/);
    const meter = { remaining: 10_000_000 };
    expect(path.matches(data, undefined, meter)).toEqual([]);
    expect(meter.remaining).toBeLessThan(10_000_000 - 50_000);
  });

  it('charges patterns read from the message what compiling them costs, cached or not', () => {
    // Each pattern is a 9,900-state automaton that a short input leaves at once: the match itself costs a few steps.
    const items = Array.from({ length: 50 }, (_, i) => ({ s: 'x', re: `/(?:a{99}){100}${i}/` }));
    const path = compileJsonPath('$.items[?(@.s =~ @.re)]');
    expect(() => path.matches({ items }, undefined, { remaining: 100_000 })).toThrow(/work bound/);
    // Charged alike when every pattern is already compiled: the outcome does not depend on earlier messages.
    expect(() => path.matches({ items }, undefined, { remaining: 100_000 })).toThrow(/work bound/);
    // The same patterns within a bound that covers them: nothing matches, and the cost is at least their sizes.
    const meter = { remaining: 1_000_000 };
    expect(path.matches({ items }, undefined, meter)).toEqual([]);
    expect(1_000_000 - meter.remaining).toBeGreaterThan(50 * 9_900);
  });

  it('charges a large character class at every character it tests', () => {
    // 2,000 single characters none of which is in the input: each test tries them all.
    const chars = Array.from({ length: 2_000 }, (_, i) => String.fromCharCode(0x4e00 + 2 * i)).join('');
    const large = compileDotNetRegex(`[${chars}]`, regexOptionsOf(''));
    expect(large.size).toBe(1 + 1 + 125);
    const input = 'z'.repeat(10_000);
    let steps = 0;
    expect(large.isMatch(input, (n) => (steps += n))).toBe(false);
    expect(steps).toBeGreaterThan(input.length * 125);
    expect(steps).toBeLessThanOrEqual((input.length + 1) * large.size);
    const path = compileJsonPath(`$[?(@.s =~ /[${chars}]/)]`);
    expect(() => path.matches([{ s: input }], undefined, { remaining: 1_000_000 })).toThrow(/work bound/);
    // A small class or one escape still takes one step per character: [a-y] costs what a literal costs.
    for (const pattern of ['[a-y]', '[\\d.]', 'q']) {
      const small = compileDotNetRegex(pattern, regexOptionsOf(''));
      expect(small.size, pattern).toBe(2);
      let smallSteps = 0;
      expect(small.isMatch(input, (n) => (smallSteps += n))).toBe(false);
      expect(smallSteps, pattern).toBe(input.length + 1);
    }
    // Each escape after the first is tried in turn: [\p{Lu}\p{Ll}\p{Nd}] weighs 3.
    expect(compileDotNetRegex('[\\p{Lu}\\p{Ll}\\p{Nd}]', regexOptionsOf('')).size).toBe(1 + 3);
  });

  it('fails the evaluation on an invalid pattern read from the message, without quoting it', () => {
    const path = compileJsonPath('$.items[?(@.s =~ $.re)]');
    expect(() => path.matches({ re: '/SECRET(/', items: [{ s: 'x' }] })).toThrow(
      /a regular expression it read from the message is invalid/,
    );
    expect(() => path.matches({ re: '/SECRET(/', items: [{ s: 'x' }] })).not.toThrow(/SECRET/);
    // Only a string against a string is tested: a number is no match, and its pattern is never read.
    expect(path.matches({ re: '/SECRET(/', items: [{ s: 5 }] })).toEqual([]);
  });
});
