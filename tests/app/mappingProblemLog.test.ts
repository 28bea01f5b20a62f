import { describe, expect, it } from 'vitest';
import { logMappingProblem, MAX_LOGGED_PROBLEMS } from '../../shared/app/mappingProblemLog.js';
import type { AppLogger } from '../../shared/app/createAppServices.js';
import type { MappingProblemReport } from '../../shared/adapters/blob/blobMappingStore.js';
import { parseDeviceMapping } from '../../shared/core/mapping/parseDeviceMapping.js';
import type { MappingProblem } from '../../shared/core/mapping/problems.js';

function recordingLogger(): AppLogger & { entries: { level: string; text: string }[] } {
  const entries: { level: string; text: string }[] = [];
  return {
    entries,
    info: (text) => entries.push({ level: 'info', text }),
    warn: (text) => entries.push({ level: 'warn', text }),
    error: (text) => entries.push({ level: 'error', text }),
  };
}

/** A device mapping with `count` templates that each carry an unknown property (one error each). */
function problemsOfMapping(count: number, blankTypeNameEvery = 0): MappingProblem[] {
  const template = Array.from({ length: count }, (_, i) => ({
    templateType: 'JsonPathContent',
    template: {
      typeName: blankTypeNameEvery > 0 && i % blankTypeNameEvery === 0 ? ' ' : `t${i}`,
      typeMatchExpression: '$..[?(@.hr)]',
      deviceIdExpression: '$.deviceId',
      timestampExpression: '$.endDate',
      values: [{ valueName: 'hr', valueExpression: '$.hr', required: true }],
      unexpected: true,
    },
  }));
  const result = parseDeviceMapping(JSON.stringify({ templateType: 'CollectionContent', template }, null, 2));
  if (result.ok) {
    throw new Error('the mapping was meant to be invalid');
  }
  return result.problems;
}

function report(problems: MappingProblem[], overrides: Partial<MappingProblemReport> = {}): MappingProblemReport {
  return { file: 'devicecontent.json', kind: 'invalid', etag: '"0x1"', problems, servingEtag: undefined, ...overrides };
}

describe('logMappingProblem', () => {
  it('lists every problem of a small report, with its line and pointer', () => {
    const problems = problemsOfMapping(2);
    const logger = recordingLogger();

    logMappingProblem(logger, report(problems));

    expect(logger.entries).toHaveLength(1);
    const [entry] = logger.entries;
    expect(entry?.level).toBe('error');
    const lines = entry?.text.split('\n') ?? [];
    expect(lines[0]).toBe(
      'Mapping devicecontent.json ("0x1") is invalid and was not loaded; no valid version is loaded.',
    );
    expect(lines).toHaveLength(1 + problems.length);
    expect(lines[1]).toMatch(
      /^ {2}error InvalidTemplate: .*unexpected.* \(line \d+:\d+ \/template\/0\/template\/unexpected\)$/,
    );
    expect(entry?.text).not.toContain('not listed');
  });

  it('lists the first problems of a huge report, errors before warnings, and counts the rest', () => {
    // 300 templates: an error each, and a warning (blank type name) on every third.
    const problems = problemsOfMapping(300, 3);
    const errors = problems.filter((p) => p.severity === 'error').length;
    const warnings = problems.length - errors;
    expect(errors).toBeGreaterThan(MAX_LOGGED_PROBLEMS);
    expect(warnings).toBeGreaterThan(0);
    // The parser sorts by place in the file: a warning comes before some errors.
    expect(problems.slice(0, MAX_LOGGED_PROBLEMS).some((p) => p.severity === 'warning')).toBe(true);
    const logger = recordingLogger();

    logMappingProblem(logger, report(problems, { servingEtag: '"0x0"' }));

    const lines = logger.entries[0]?.text.split('\n') ?? [];
    expect(lines[0]).toContain('still serving "0x0"');
    expect(lines).toHaveLength(1 + MAX_LOGGED_PROBLEMS + 1);
    expect(lines.slice(1, 1 + MAX_LOGGED_PROBLEMS).every((l) => l.startsWith('  error '))).toBe(true);
    const left = problems.length - MAX_LOGGED_PROBLEMS;
    expect(lines.at(-1)).toBe(
      `  … and ${left} more (${errors - MAX_LOGGED_PROBLEMS} errors, ${warnings} warnings) not listed here; ` +
        `'npx medtech validate --device-mapping devicecontent.json' lists every problem.`,
    );
  });

  it('names the FHIR mapping flag for the FHIR mapping file, and logs warnings as a warning', () => {
    const problems = problemsOfMapping(3, 1).map((p) => ({ ...p, severity: 'warning' as const }));
    const logger = recordingLogger();

    logMappingProblem(logger, report(problems, { file: 'fhirmapping.json', kind: 'warnings' }), 2);

    expect(logger.entries[0]?.level).toBe('warn');
    const lines = logger.entries[0]?.text.split('\n') ?? [];
    expect(lines[0]).toBe('Mapping fhirmapping.json ("0x1") loaded with warnings.');
    expect(lines).toHaveLength(1 + 2 + 1);
    expect(lines.at(-1)).toBe(
      `  … and ${problems.length - 2} more (0 errors, ${problems.length - 2} warnings) not listed here; ` +
        `'npx medtech validate --fhir-mapping fhirmapping.json' lists every problem.`,
    );
  });

  it('reports a missing blob and unreachable storage without a list', () => {
    const logger = recordingLogger();

    logMappingProblem(logger, report([], { kind: 'missing', etag: undefined, servingEtag: '"0x9"' }));
    logMappingProblem(logger, report([], { kind: 'unreachable', statusCode: 503 }));
    logMappingProblem(logger, report([], { kind: 'noContainer', container: 'templat' }));

    expect(logger.entries).toEqual([
      { level: 'error', text: 'Mapping devicecontent.json is missing from Blob Storage; still serving "0x9".' },
      {
        level: 'error',
        text: 'Blob Storage could not be read for devicecontent.json (status 503); no valid version is loaded.',
      },
      {
        level: 'error',
        text:
          "Mapping devicecontent.json cannot be read: the Blob Storage container 'templat' does not exist " +
          '(MAPPINGS__CONTAINER names it); no valid version is loaded.',
      },
    ]);
  });
});
