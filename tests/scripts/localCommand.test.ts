import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runLocal } from '../../scripts/localCommand.js';
import { readMessagesFile } from '../../scripts/localPipeline.js';

describe('readMessagesFile', () => {
  it('reads NDJSON line by line, a line that is not JSON as a raw body', () => {
    expect(readMessagesFile('{"a":1}\n\nnot json\r\n{"b":2}\n')).toEqual([
      { kind: 'json', value: { a: 1 }, text: '{"a":1}' },
      { kind: 'raw', text: 'not json' },
      { kind: 'json', value: { b: 2 }, text: '{"b":2}' },
    ]);
  });

  it('reads a pretty-printed object or array as one document, strict or as MedTech reads it', () => {
    const strict = '{\n  "deviceId": "d1",\n  "heartRate": 87\n}\n';
    expect(readMessagesFile(strict)).toEqual([
      { kind: 'json', value: { deviceId: 'd1', heartRate: 87 }, text: strict.trim() },
    ]);
    const lenient = "{\n  // captured from a device\n  'deviceId': 'd1',\n  heartRate: 87,\n}\n";
    expect(readMessagesFile(lenient)).toEqual([
      { kind: 'json', value: { deviceId: 'd1', heartRate: 87 }, text: lenient.trim() },
    ]);
    // An element is sent as the file writes it: its integer beyond 2^53 keeps its digits.
    expect(readMessagesFile('[\n  {\'a\': 9007199254740993},\n  // second\n  {"b": 2},\n]')).toEqual([
      { kind: 'json', value: { a: 9007199254740992 }, text: "{'a': 9007199254740993}" },
      { kind: 'json', value: { b: 2 }, text: '{"b": 2}' },
    ]);
  });
});

describe('npm run local', () => {
  const errors: string[] = [];
  afterEach(() => {
    vi.restoreAllMocks();
    errors.length = 0;
  });
  const run = async (args: string[]): Promise<number> => {
    vi.spyOn(process.stderr, 'write').mockImplementation((text) => {
      errors.push(String(text));
      return true;
    });
    return runLocal(args);
  };

  it('names a file it cannot read, or the export it cannot write, in one line before starting anything', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'local-command-'));
    const messages = join(folder, 'm.ndjson');
    await writeFile(messages, '{"a":1}\n');
    const cases: [string[], string][] = [
      [
        ['--messages', join(folder, 'missing.ndjson')],
        `cannot read ${join(folder, 'missing.ndjson')}: no such file (ENOENT)`,
      ],
      [['--device-mapping', folder], `cannot read ${folder}: it is a directory, not a file (EISDIR)`],
      [['--fhir-mapping', join(folder, 'nope.json')], `cannot read ${join(folder, 'nope.json')}: no such file`],
      [
        ['--messages', messages, '--export', join(folder, 'no-such-folder', 'x.ndjson')],
        `cannot write ${join(folder, 'no-such-folder', 'x.ndjson')}: no such file (ENOENT)`,
      ],
    ];
    // The defaults are found from the built script's folder: give every file (a later option wins).
    const files = ['--device-mapping', 'samples/devicecontent.json', '--fhir-mapping', 'samples/fhirmapping.json'];
    for (const [args, message] of cases) {
      errors.length = 0;
      expect([args, await run([...files, ...args])]).toEqual([args, 2]);
      expect(errors.join('')).toContain(`npm run local: ${message}`);
      expect(errors.join('')).not.toContain('    at ');
    }
  });
});
