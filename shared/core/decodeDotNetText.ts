// Lenient decoders, as .NET's: each invalid sequence becomes U+FFFD; the UTF-8 one drops a leading byte-order mark.
const utf8 = new TextDecoder('utf-8');
const utf16le = new TextDecoder('utf-16le');
const utf16be = new TextDecoder('utf-16be');

/**
 * Decodes bytes as .NET's `StreamReader(stream, Encoding.UTF8)` reads them, which is how MedTech reads a message body
 * and a mapping blob: UTF-16 little- or big-endian when the bytes start with that byte-order mark (as PowerShell 5,
 * Notepad's "Unicode" and .NET's `Encoding.Unicode` write), else UTF-8. The byte-order mark is dropped; bytes that
 * are not valid in the encoding become U+FFFD, as in .NET. (The reader also detects UTF-32 byte-order marks; those
 * bytes are read as UTF-16 here and then fail as JSON.)
 * @param bytes - the bytes
 * @returns the text
 */
export function decodeAsDotNetStreamReader(bytes: Uint8Array): string {
  const first = bytes[0];
  if (first === 0xff && bytes[1] === 0xfe) {
    return utf16le.decode(bytes.subarray(2));
  }
  if (first === 0xfe && bytes[1] === 0xff) {
    return utf16be.decode(bytes.subarray(2));
  }
  return utf8.decode(bytes);
}
