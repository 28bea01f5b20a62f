import { decodeAsDotNetStreamReader } from '../decodeDotNetText.js';

/**
 * Decodes a mapping file's bytes as MedTech reads a mapping blob (a .NET reader that detects byte-order marks): UTF-8,
 * or UTF-16 little- or big-endian when the file starts with that byte-order mark, as PowerShell 5 and Notepad's
 * "Unicode" write them ({@link decodeAsDotNetStreamReader}). Bytes that are not UTF-8 become U+FFFD, as in .NET, and
 * then fail as JSON with their line and column.
 * @param bytes - the file's content
 * @returns the text
 */
export function decodeMappingText(bytes: Uint8Array): string {
  return decodeAsDotNetStreamReader(bytes);
}
