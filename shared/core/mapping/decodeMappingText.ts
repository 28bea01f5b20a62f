/**
 * Decodes a mapping file's bytes as MedTech reads a mapping blob (a .NET reader that detects byte-order marks): UTF-8,
 * or UTF-16 little- or big-endian when the file starts with that byte-order mark, as PowerShell 5 and Notepad's
 * "Unicode" write them. The byte-order mark is dropped. Bytes that are not UTF-8 become U+FFFD, as in .NET, and then
 * fail as JSON with their line and column.
 * @param bytes - the file's content
 * @returns the text
 */
export function decodeMappingText(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) {
    return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  }
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  }
  // The UTF-8 decoder drops a UTF-8 byte-order mark itself.
  return new TextDecoder('utf-8').decode(bytes);
}
