/** Where a CLI command writes; injected so commands are testable in-process. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** Characters gathered before they are written (see {@link writeJsonDocument}). */
const WRITE_PIECE_CHARS = 1 << 16;

/**
 * Writes a JSON object as `JSON.stringify(document, null, 2)` followed by a newline would, in pieces of about 64 K
 * characters, each array element of a top-level member made on its own: a document longer than the longest string
 * the JavaScript engine holds (about 512 M characters: `medtech debug` of a mapping with a thousand components over
 * a thousand readings) is written all the same.
 * @param io - where to write
 * @param document - a plain object
 */
export function writeJsonDocument(io: CliIo, document: object): void {
  const members = Object.entries(document).filter(([, value]) => JSON.stringify(value) !== undefined);
  if (members.length === 0) {
    io.stdout('{}\n');
    return;
  }
  let piece = '{\n';
  members.forEach(([name, value], i) => {
    piece += `  ${JSON.stringify(name)}: `;
    if (Array.isArray(value) && value.length > 0) {
      piece += '[\n';
      value.forEach((element: unknown, j) => {
        const text = JSON.stringify(element, null, 2) ?? 'null';
        piece += `    ${text.replaceAll('\n', '\n    ')}${j < value.length - 1 ? ',' : ''}\n`;
        if (piece.length >= WRITE_PIECE_CHARS) {
          io.stdout(piece);
          piece = '';
        }
      });
      piece += '  ]';
    } else {
      piece += (JSON.stringify(value, null, 2) ?? 'null').replaceAll('\n', '\n  ');
    }
    piece += i < members.length - 1 ? ',\n' : '\n';
  });
  io.stdout(`${piece}}\n`);
}
