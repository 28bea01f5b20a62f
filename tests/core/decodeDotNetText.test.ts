import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { decodeAsDotNetStreamReader } from '../../shared/core/decodeDotNetText.js';

/** UTF-32 of a text, little- or big-endian, after its byte-order mark. */
function utf32(text: string, littleEndian: boolean): Uint8Array {
  const codePoints = [...text].map((c) => c.codePointAt(0) as number);
  const bytes = new Uint8Array(4 + codePoints.length * 4);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 0xfeff, littleEndian);
  codePoints.forEach((codePoint, i) => view.setUint32(4 + i * 4, codePoint, littleEndian));
  return bytes;
}

describe('decodeAsDotNetStreamReader (StreamReader with byte-order mark detection)', () => {
  const text = '{"name":"Zoë 😀","hr":72}';

  it('reads UTF-8, with or without its byte-order mark, and UTF-16 and UTF-32 after theirs', () => {
    expect(decodeAsDotNetStreamReader(Buffer.from(text, 'utf8'))).toBe(text);
    expect(decodeAsDotNetStreamReader(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]))).toBe(text);
    const le = Buffer.from(text, 'utf16le');
    expect(decodeAsDotNetStreamReader(Buffer.concat([Buffer.from([0xff, 0xfe]), le]))).toBe(text);
    const be = Buffer.from(text, 'utf16le').swap16();
    expect(decodeAsDotNetStreamReader(Buffer.concat([Buffer.from([0xfe, 0xff]), be]))).toBe(text);
    expect(decodeAsDotNetStreamReader(utf32(text, true))).toBe(text);
    expect(decodeAsDotNetStreamReader(utf32(text, false))).toBe(text);
  });

  it('takes FF FE 00 00 for UTF-32, as .NET does, not for UTF-16 that starts with U+0000', () => {
    const bytes = new Uint8Array([0xff, 0xfe, 0x00, 0x00, 0x41, 0x00, 0x00, 0x00]);
    expect(decodeAsDotNetStreamReader(bytes)).toBe('A');
  });

  it('reads a UTF-32 unit that is no scalar value, and a partial one at the end, as U+FFFD', () => {
    const bytes = new Uint8Array([...utf32('A', true), 0x00, 0xd8, 0x00, 0x00, 0x00, 0x00, 0x11, 0x00, 0x42]);
    expect(decodeAsDotNetStreamReader(bytes)).toBe('A\uFFFD\uFFFD\uFFFD');
  });

  it('reads invalid UTF-8 as U+FFFD, and bytes without a byte-order mark as UTF-8', () => {
    expect(decodeAsDotNetStreamReader(new Uint8Array([0x41, 0xff, 0x42]))).toBe('A\uFFFDB');
    expect(decodeAsDotNetStreamReader(Buffer.from('A', 'utf16le'))).toBe('A\u0000');
  });
});

describe('decodeAsDotNetStreamReader on mapping files (as MedTech reads a mapping blob)', () => {
  const text = '{ "templateType": "CollectionContent", "template": ["é"] }';

  it('reads UTF-8, with or without its byte order mark', () => {
    expect(decodeAsDotNetStreamReader(Buffer.from(text, 'utf8'))).toBe(text);
    expect(
      decodeAsDotNetStreamReader(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')])),
    ).toBe(text);
  });

  it('reads UTF-16 little- and big-endian when the byte order mark says so (PowerShell 5, Notepad "Unicode")', () => {
    const le = Buffer.from(text, 'utf16le');
    const be = Buffer.from(le).swap16();

    expect(decodeAsDotNetStreamReader(Buffer.concat([Buffer.from([0xff, 0xfe]), le]))).toBe(text);
    expect(decodeAsDotNetStreamReader(Buffer.concat([Buffer.from([0xfe, 0xff]), be]))).toBe(text);
  });

  it.each([
    [[0x7b, 0xff, 0x7d], '{\ufffd}'],
    [[0x7b, 0xfe, 0x7d], '{\ufffd}'],
    [[0xff, 0x7b, 0x7d], '\ufffd{}'],
    [[0xfe, 0x7b, 0x7d], '\ufffd{}'],
  ])('turns bytes that are not UTF-8 into U+FFFD, which then fail as JSON where they are: %j', (bytes, decoded) => {
    expect(decodeAsDotNetStreamReader(new Uint8Array(bytes))).toBe(decoded);
  });
});
