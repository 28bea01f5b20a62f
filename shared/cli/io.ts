import { stringifyFhirJson } from '../core/fhir/fhirJson.js';

/** Where a CLI command writes; injected so commands are testable in-process. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /**
   * Settles once what `stdout` was given has been taken (a pipe's reader may be slower than the writer), so that a
   * long output is not queued whole; absent, at once.
   */
  drained?(): Promise<void>;
}

/** Characters gathered before they are written (see {@link writeJsonDocument}). */
const WRITE_PIECE_CHARS = 1 << 16;

/**
 * Writes a JSON object as `JSON.stringify(document, null, 2)` followed by a newline would (a Quantity's decimal text
 * written as it is: see `stringifyFhirJson`), in pieces of about 64 K
 * characters, each array element of a top-level member made on its own: a document longer than the longest string
 * the JavaScript engine holds (about 512 M characters: `medtech debug` of a mapping with a thousand components over
 * a thousand readings) is written all the same.
 * Each piece waits for the one before to be taken ({@link CliIo.drained}).
 * @param io - where to write
 * @param document - a plain object (a member that is `undefined`, a function or a symbol is left out, as
 *   JSON.stringify leaves it; no `toJSON` is called on a top-level member)
 */
export async function writeJsonDocument(io: CliIo, document: object): Promise<void> {
  const members = Object.entries(document).filter(
    ([, value]) => value !== undefined && typeof value !== 'function' && typeof value !== 'symbol',
  );
  if (members.length === 0) {
    io.stdout('{}\n');
    return;
  }
  let piece = '{\n';
  for (const [i, [name, value]] of members.entries()) {
    piece += `  ${JSON.stringify(name)}: `;
    if (Array.isArray(value) && value.length > 0) {
      piece += '[\n';
      for (let j = 0; j < value.length; j++) {
        const text = stringifyFhirJson(value[j], 2) ?? 'null';
        piece += `    ${text.replaceAll('\n', '\n    ')}${j < value.length - 1 ? ',' : ''}\n`;
        if (piece.length >= WRITE_PIECE_CHARS) {
          io.stdout(piece);
          piece = '';
          await io.drained?.();
        }
      }
      piece += '  ]';
    } else {
      piece += (stringifyFhirJson(value, 2) ?? 'null').replaceAll('\n', '\n  ');
    }
    piece += i < members.length - 1 ? ',\n' : '\n';
  }
  io.stdout(`${piece}}\n`);
}
