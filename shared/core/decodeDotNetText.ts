// Lenient decoders, as .NET's: each invalid sequence becomes U+FFFD; the UTF-8 one drops a leading byte-order mark.
const utf8 = new TextDecoder('utf-8');
const utf16le = new TextDecoder('utf-16le');
const utf16be = new TextDecoder('utf-16be');

/**
 * Decodes bytes as .NET's `StreamReader(stream, Encoding.UTF8)` reads them, which is how MedTech reads a message body
 * and a mapping blob: after a byte-order mark, in the encoding it names — UTF-16 little- or big-endian (as PowerShell
 * 5, Notepad's "Unicode" and .NET's `Encoding.Unicode` write) or UTF-32 little- or big-endian — else UTF-8. The
 * byte-order mark is dropped; bytes that are not valid in the encoding become U+FFFD, as in .NET.
 * @param bytes - the bytes
 * @returns the text
 */
export function decodeAsDotNetStreamReader(bytes: Uint8Array): string {
  const first = bytes[0];
  if (first === 0xff && bytes[1] === 0xfe) {
    // StreamReader.DetectEncoding takes FF FE 00 00 for UTF-32 rather than UTF-16 beginning with U+0000.
    return bytes.length >= 4 && bytes[2] === 0 && bytes[3] === 0
      ? decodeUtf32(bytes, true)
      : utf16le.decode(bytes.subarray(2));
  }
  if (first === 0xfe && bytes[1] === 0xff) {
    return utf16be.decode(bytes.subarray(2));
  }
  if (first === 0 && bytes[1] === 0 && bytes[2] === 0xfe && bytes[3] === 0xff) {
    return decodeUtf32(bytes, false);
  }
  return utf8.decode(bytes);
}

const REPLACEMENT = 0xfffd;

/** UTF-32 after its 4-byte mark: a unit that is no scalar value, or a partial one at the end, is U+FFFD. */
function decodeUtf32(bytes: Uint8Array, littleEndian: boolean): string {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const codePoints: number[] = [];
  let i = 4;
  for (; i + 4 <= bytes.length; i += 4) {
    const unit = view.getUint32(i, littleEndian);
    codePoints.push(unit > 0x10ffff || (unit >= 0xd800 && unit <= 0xdfff) ? REPLACEMENT : unit);
  }
  if (i < bytes.length) {
    codePoints.push(REPLACEMENT);
  }
  let text = '';
  // In slices, so that a long body does not pass too many arguments at once.
  for (let start = 0; start < codePoints.length; start += 8192) {
    text += String.fromCodePoint(...codePoints.slice(start, start + 8192));
  }
  return text;
}
