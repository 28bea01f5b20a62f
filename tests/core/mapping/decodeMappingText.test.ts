import { describe, expect, it } from 'vitest';
import { decodeMappingText } from '../../../shared/core/mapping/decodeMappingText.js';

const text = '{ "templateType": "CollectionContent", "template": ["é"] }';

describe('decodeMappingText', () => {
  it('reads UTF-8, with or without its byte order mark', () => {
    expect(decodeMappingText(Buffer.from(text, 'utf8'))).toBe(text);
    expect(decodeMappingText(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]))).toBe(text);
  });

  it('reads UTF-16 little- and big-endian when the byte order mark says so (PowerShell 5, Notepad "Unicode")', () => {
    const le = Buffer.from(text, 'utf16le');
    const be = Buffer.from(le).swap16();

    expect(decodeMappingText(Buffer.concat([Buffer.from([0xff, 0xfe]), le]))).toBe(text);
    expect(decodeMappingText(Buffer.concat([Buffer.from([0xfe, 0xff]), be]))).toBe(text);
  });

  it.each([
    [[0x7b, 0xff, 0x7d], '{\ufffd}'],
    [[0x7b, 0xfe, 0x7d], '{\ufffd}'],
    [[0xff, 0x7b, 0x7d], '\ufffd{}'],
    [[0xfe, 0x7b, 0x7d], '\ufffd{}'],
  ])('turns bytes that are not UTF-8 into U+FFFD, which then fail as JSON where they are: %j', (bytes, decoded) => {
    expect(decodeMappingText(new Uint8Array(bytes))).toBe(decoded);
  });
});
