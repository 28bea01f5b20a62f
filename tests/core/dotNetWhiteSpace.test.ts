import { describe, expect, it } from 'vitest';
import {
  collapseDotNetWhiteSpace,
  isDotNetBlank,
  isDotNetWhiteSpace,
  trimDotNet,
} from '../../shared/core/dotNetWhiteSpace.js';

describe('.NET white space', () => {
  it('is exactly the characters char.IsWhiteSpace accepts', () => {
    const expected = [
      ...[0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680],
      ...Array.from({ length: 11 }, (_, i) => 0x2000 + i),
      ...[0x2028, 0x2029, 0x202f, 0x205f, 0x3000],
    ];
    const found: number[] = [];
    for (let code = 0; code <= 0xffff; code++) {
      if (isDotNetWhiteSpace(code)) {
        found.push(code);
      }
    }
    expect(found).toEqual(expected);
  });

  it('differs from JavaScript white space in U+0085 and U+FEFF only', () => {
    const differing: number[] = [];
    for (let code = 0; code <= 0xffff; code++) {
      const javaScript = String.fromCharCode(code).trim() === '';
      if (javaScript !== isDotNetWhiteSpace(code)) {
        differing.push(code);
      }
    }
    expect(differing).toEqual([0x85, 0xfeff]);
  });

  it.each([
    ['\u0085 a b\u3000', false, 'a b'],
    ['\ufeffa\ufeff', false, '\ufeffa\ufeff'],
    ['\0 a\0', false, '\0 a\0'],
    ['\0 a \0', true, 'a'],
    [' \0 ', true, ''],
    ['', false, ''],
  ])('trims %j (NULs too: %s) to %j', (text, nul, expected) => {
    expect(trimDotNet(text, nul)).toBe(expected);
  });

  it.each([
    ['', true],
    [' \t\r\n', true],
    ['\u0085\u2003', true],
    ['\ufeff', false],
    ['\0', false],
    [' a ', false],
  ])('%j is blank to string.IsNullOrWhiteSpace: %s', (text, blank) => {
    expect(isDotNetBlank(text)).toBe(blank);
  });
});

describe('collapseDotNetWhiteSpace', () => {
  it('takes the same code units for white space as isDotNetWhiteSpace, every one of them', () => {
    const disagree: string[] = [];
    for (let code = 0; code <= 0xffff; code++) {
      const c = String.fromCharCode(code);
      if ((collapseDotNetWhiteSpace(`a${c}b`) === 'a b') !== isDotNetWhiteSpace(code)) {
        disagree.push(code.toString(16));
      }
    }
    expect(disagree).toEqual([]);
  });

  it('replaces each run, whatever its characters, by one space', () => {
    expect(collapseDotNetWhiteSpace('3/13/2023\t \u202f10:46\u0085PM')).toBe('3/13/2023 10:46 PM');
    expect(collapseDotNetWhiteSpace('a\ufeffb')).toBe('a\ufeffb');
  });
});
