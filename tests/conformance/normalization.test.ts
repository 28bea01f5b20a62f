import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../shared/cli/medtech.js';

/**
 * Normalization conformance suite. Every folder tests/fixtures/normalization/<kind>_<case>/ holds:
 * - devicecontent.json: the device mapping;
 * - message.json, or message-1.json, message-2.json, …: the messages, in that order; a top-level object with a `Body`
 *   key is a whole envelope { Body, Properties, SystemProperties }. A .txt message is passed byte for byte (Prettier
 *   leaves it alone): a body that is not JSON, or JSON whose literal text matters (98.60);
 * - expected.json: { note?, measurements, errors: [{ name, location?, messageIndex?, messageIncludes? }] }.
 * Fixtures named docs_<page>_<case> re-type examples from Microsoft's MedTech documentation; their `note` says where
 * our documented decisions differ from what the page shows.
 */

const FIXTURES = fileURLToPath(new URL('../fixtures/normalization/', import.meta.url));
const ENQUEUED_TIME = '2024-05-01T12:00:00Z';

interface ExpectedError {
  name: string;
  location?: Record<string, unknown>;
  messageIndex?: number;
  messageIncludes?: string[];
}

interface Expected {
  note?: string;
  measurements: unknown[];
  errors: ExpectedError[];
}

interface PrintedError {
  name: string;
  stage: string;
  message: string;
  location?: Record<string, unknown>;
  messageIndex: number;
}

const fixtureNames = readdirSync(FIXTURES, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

function messageFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((file) => /^message(-\d+)?\.(json|txt)$/.test(file))
    .sort((a, b) => messageNumber(a) - messageNumber(b))
    .map((file) => join(dir, file));
}

function messageNumber(file: string): number {
  return Number(/-(\d+)\./.exec(file)?.[1] ?? 0);
}

async function normalizeFixture(dir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const args = ['normalize', '--device-mapping', join(dir, 'devicecontent.json'), '--enqueued-time', ENQUEUED_TIME];
  for (const file of messageFiles(dir)) {
    args.push('--message', file);
  }
  const code = await runCli(args, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  });
  return { code, stdout, stderr };
}

/** Every string in a message that is long enough to be recognisable (used to prove errors quote no payload). */
function payloadStrings(value: unknown, out: Set<string>): Set<string> {
  if (typeof value === 'string' && value.trim().length >= 5) {
    out.add(value);
  } else if (Array.isArray(value)) {
    value.forEach((item) => payloadStrings(item, out));
  } else if (value !== null && typeof value === 'object') {
    Object.values(value).forEach((item) => payloadStrings(item, out));
  }
  return out;
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

describe('normalization conformance', () => {
  it('has fixtures for every template kind, both languages and every custom function', () => {
    const mappings = fixtureNames.map((name) => readFileSync(join(FIXTURES, name, 'devicecontent.json'), 'utf8'));
    const all = mappings.join('\n');

    for (const kind of ['CalculatedContent', 'JsonPathContent', 'IotJsonPathContent', 'IotCentralJsonPathContent']) {
      expect(all).toContain(`"${kind}`);
    }
    expect(all).toContain('"JmesPath"');
    for (const fn of ['add(', 'subtract(', 'multiply(', 'divide(', 'pow(', 'insertString(', 'fromUnixTimestamp(']) {
      expect(all).toContain(fn);
    }
    expect(all).toContain('fromUnixTimestampMs(');
    expect(fixtureNames.filter((name) => name.startsWith('docs_')).length).toBeGreaterThanOrEqual(20);
  });

  it.each(fixtureNames)('%s', async (name) => {
    const dir = join(FIXTURES, name);
    const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Expected;
    const mappingText = readFileSync(join(dir, 'devicecontent.json'), 'utf8');

    const { code, stdout, stderr } = await normalizeFixture(dir);

    expect(code, stderr).toBe(0);
    const printed = JSON.parse(stdout) as { measurements: unknown[]; errors: PrintedError[] };
    expect(printed.measurements).toEqual(expected.measurements);
    expect(
      printed.errors.map((e) => ({ name: e.name, location: e.location, messageIndex: e.messageIndex })),
      'errors',
    ).toHaveLength(expected.errors.length);
    expected.errors.forEach((want, i) => {
      const got = printed.errors[i]!;
      expect(got.name).toBe(want.name);
      expect(got.stage).toBe('Normalization');
      if (want.location !== undefined) {
        expect(got.location).toMatchObject(want.location);
      }
      if (want.messageIndex !== undefined) {
        expect(got.messageIndex).toBe(want.messageIndex);
      }
      for (const part of want.messageIncludes ?? []) {
        expect(got.message).toContain(part);
      }
    });

    // Errors name fields and expressions, never payload values (strings that are also in the mapping are fine).
    const secrets = new Set<string>();
    for (const file of messageFiles(dir)) {
      payloadStrings(tryParse(readFileSync(file, 'utf8')), secrets);
    }
    const errorText = JSON.stringify(printed.errors);
    for (const secret of secrets) {
      if (!mappingText.includes(secret)) {
        expect(errorText).not.toContain(secret);
      }
    }
  });
});
