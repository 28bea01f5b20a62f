/**
 * Mapping files are untrusted input that operators edit by hand: a damaged file must give located problems, never an
 * exception (which the CLI would report as an internal error and the app as a failed load without a place to look).
 * Seeded random damage — characters cut, tokens inserted, spans repeated, strings and values replaced — is applied to
 * every device and FHIR mapping of the fixture suites; every outcome must be a mapping or a list of problems that each
 * name an error, carry a message and point at a line and column inside the damaged text. A damaged device mapping that
 * still loads must normalize its fixture's messages without throwing.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isErrorName } from '../../../shared/core/errors.js';
import { parseFhirMapping } from '../../../shared/core/fhir/fhirMapping.js';
import { parseDeviceMapping } from '../../../shared/core/mapping/parseDeviceMapping.js';
import type { MappingProblem, ParseResult } from '../../../shared/core/mapping/problems.js';
import { normalizeEvent } from '../../../shared/core/normalize/normalizeEvent.js';
import { seededRandom } from '../../support/seededRandom.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));

/** The mapping files of a fixture suite, each with the message files beside it. */
function mappingFiles(suite: string, file: string): { text: string; messages: Buffer[] }[] {
  const root = join(FIXTURES, suite);
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(root, entry.name, file)))
    .map((entry) => {
      const dir = join(root, entry.name);
      return {
        text: readFileSync(join(dir, file), 'utf8'),
        messages: readdirSync(dir)
          .filter((name) => /^message(-\d+)?\.(json|txt)$/.test(name))
          .map((name) => readFileSync(join(dir, name))),
      };
    });
}

/** Text the damage inserts: JSON punctuation, comments, literals .NET readers treat specially, mapping words. */
const INSERTS = [
  '{',
  '}',
  '[',
  ']',
  ',',
  ':',
  '"',
  '\\',
  '/*',
  '//',
  '\n',
  '\r',
  ' ',
  '0',
  '-',
  'true',
  'null',
  'NaN',
  '0x1',
  '.5',
  '1e999',
  "'a'",
  '\u00a0',
  '\ufeff',
  '\ud800',
  '"x"',
  '"\\u0000"',
  '"a',
  '"$..[?(@.a)]"',
  '"Body.a[?b]"',
  '"typeName"',
  '"template"',
  '"templateType"',
  '"values"',
  '"required"',
  '"JmesPath"',
  '"CalculatedContent"',
  '"IotJsonPathContent"',
  '"valueType"',
  '"SampledData"',
  '"Quantity"',
  '"components"',
  '"periodInterval"',
  '-1',
  '1440',
];
const STRING_INSERTS = INSERTS.filter((text) => text.startsWith('"'));
const VALUE_REPLACEMENTS = ['true', 'false', 'null', '1', '-1', '1.5', '"1"', '"True"', '""', '[]', '{}', '[{}]'];

/** The text with one to three random pieces of damage. */
function damage(text: string, below: (n: number) => number): string {
  const pick = <T>(items: readonly T[]): T => items[below(items.length)] as T;
  let out = text;
  const times = 1 + below(3);
  for (let n = 0; n < times; n++) {
    const at = below(out.length + 1);
    switch (below(5)) {
      case 0:
        out = out.slice(0, at) + out.slice(at + 1 + below(8));
        break;
      case 1:
        out = out.slice(0, at) + pick(INSERTS) + out.slice(at);
        break;
      case 2: {
        // A span (up to 40 characters) written twice.
        const end = Math.min(out.length, at + 1 + below(40));
        out = out.slice(0, end) + out.slice(at, end) + out.slice(end);
        break;
      }
      case 3: {
        const strings = [...out.matchAll(/"(?:[^"\\]|\\.)*"/g)];
        if (strings.length > 0) {
          const found = pick(strings);
          out = out.slice(0, found.index) + pick(STRING_INSERTS) + out.slice(found.index + found[0].length);
        }
        break;
      }
      default: {
        const values = [...out.matchAll(/:\s*(?:true|false|null|"(?:[^"\\]|\\.)*"|-?\d+)/g)];
        if (values.length > 0) {
          const found = pick(values);
          out = `${out.slice(0, found.index)}: ${pick(VALUE_REPLACEMENTS)}${out.slice(found.index + found[0].length)}`;
        }
      }
    }
  }
  return out;
}

/** What is wrong with a problem's fields for this text, or undefined. */
function badProblem(problem: MappingProblem, lines: readonly string[]): string | undefined {
  if (!isErrorName(problem.name)) {
    return `unknown error name ${String(problem.name)}`;
  }
  if (typeof problem.message !== 'string' || problem.message.length === 0) {
    return 'no message';
  }
  const { line, column, pointer } = problem.location;
  if (line === undefined || column === undefined) {
    return `no line and column: ${problem.message}`;
  }
  if (line < 1 || line > lines.length || column < 1 || column > (lines[line - 1] as string).length + 1) {
    return `line ${line} column ${column} is outside the text: ${problem.message}`;
  }
  if (pointer !== undefined && pointer !== '' && !pointer.startsWith('/')) {
    return `pointer ${pointer} is not a JSON pointer`;
  }
  return undefined;
}

/**
 * Damages `count` random files of `files` with the seed; returns the findings (empty when all is well) and how many
 * damaged files still loaded.
 */
function fuzz<T>(
  files: readonly { text: string; messages: Buffer[] }[],
  parse: (text: string) => ParseResult<T>,
  seed: number,
  count: number,
  onLoaded: (value: T, messages: readonly Buffer[]) => void,
): { findings: string[]; loaded: number; refused: number } {
  const below = seededRandom(seed);
  const findings: string[] = [];
  let loaded = 0;
  let refused = 0;
  for (let n = 0; n < count && findings.length < 5; n++) {
    const file = files[below(files.length)] as (typeof files)[number];
    const text = damage(file.text, below);
    const where = `case ${n} of seed ${seed}: ${JSON.stringify(text)}`;
    let result: ParseResult<T>;
    try {
      result = parse(text);
    } catch (error) {
      findings.push(`threw ${String(error)} on ${where}`);
      continue;
    }
    if (result.ok) {
      loaded++;
      try {
        onLoaded(result.value, file.messages);
      } catch (error) {
        findings.push(`the loaded mapping threw ${String(error)} on ${where}`);
      }
      continue;
    }
    refused++;
    if (result.problems.length === 0) {
      findings.push(`refused without a problem on ${where}`);
    }
    const lines = text.split(/\r\n|\r|\n/);
    for (const problem of result.problems) {
      const bad = badProblem(problem, lines);
      if (bad !== undefined) {
        findings.push(`${bad} on ${where}`);
        break;
      }
    }
  }
  return { findings, loaded, refused };
}

describe('damaged mapping files', () => {
  it('device mappings: each gives a mapping that normalizes without throwing, or located problems', () => {
    const files = mappingFiles('normalization', 'devicecontent.json');
    expect(files.length).toBeGreaterThan(40);
    const outcome = fuzz(files, parseDeviceMapping, 2026, 2500, (mapping, messages) => {
      for (const bytes of messages) {
        const event = {
          body: { kind: 'bytes', bytes } as const,
          properties: {},
          systemProperties: {},
          enqueuedTimeUtc: '2026-01-01T00:00:00Z',
        };
        normalizeEvent(mapping, event);
      }
    });
    expect(outcome.findings).toEqual([]);
    // The damage must exercise both outcomes, or the test proves little.
    expect(outcome.loaded).toBeGreaterThan(150);
    expect(outcome.refused).toBeGreaterThan(1500);
  });

  it('FHIR mappings: each gives a mapping or located problems', () => {
    const files = [...mappingFiles('fhir', 'fhirmapping.json'), ...mappingFiles('fhir', 'fhirmapping-steps-only.json')];
    expect(files.length).toBeGreaterThan(4);
    const outcome = fuzz(files, parseFhirMapping, 1111, 2500, () => undefined);
    expect(outcome.findings).toEqual([]);
    expect(outcome.loaded).toBeGreaterThan(100);
    expect(outcome.refused).toBeGreaterThan(1500);
  });
});
