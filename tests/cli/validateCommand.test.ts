import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../shared/cli/medtech.js';
import { formatProblem, locateDeviceMappingProblems, type ValidateOutput } from '../../shared/cli/validateCommand.js';
import type { MappingProblem } from '../../shared/core/mapping/problems.js';
import { captureIo, useTempDir } from './support.js';

const sample = join(import.meta.dirname, '../../samples/devicecontent.json');
const unknownProperty = join(
  import.meta.dirname,
  '../fixtures/device-mapping-invalid/CalculatedContent_unknownProperty.json',
);
const fhirSample = join(import.meta.dirname, '../../samples/fhirmapping.json');
const fhirFixture = (name: string): string => join(import.meta.dirname, '../fixtures/fhir', name);
const fhirUnknownProperty = fhirFixture('invalid_unknown_property/fhirmapping.json');
const fhirSyntax = fhirFixture('invalid_syntax/fhirmapping.txt');
const tmp = useTempDir('medtech-validate-');

/** The sample FHIR mapping without its stepcount template and with bloodpressure's 'systolic' spelled 'Systolic'. */
function writeFhirMappingWithoutStepsAndCapitalSystolic(): string {
  const mapping = JSON.parse(readFileSync(fhirSample, 'utf8'));
  mapping.template = mapping.template.filter(
    (t: { template: { typeName: string } }) => t.template.typeName !== 'stepcount',
  );
  mapping.template[1].template.components[0].value.valueName = 'Systolic';
  return tmp.write('fhirmapping-mismatch.json', JSON.stringify(mapping, null, 2));
}

describe('medtech validate', () => {
  it('exits 0 and says so for a valid mapping', async () => {
    const io = captureIo();

    const code = await runCli(['validate', '--device-mapping', sample], io);

    expect(code).toBe(0);
    expect(io.out).toBe(`${sample}: valid device mapping (4 content templates, 0 warnings)\n`);
    expect(io.err).toBe('');
  });

  it('exits 1 and prints every problem as FILE:line:column: severity NAME: message (template N, /pointer)', async () => {
    const io = captureIo();

    const code = await runCli(['validate', '--device-mapping', unknownProperty], io);

    expect(code).toBe(1);
    expect(io.out.split('\n')).toEqual([
      `${unknownProperty}:6:7: error InvalidTemplate: missing required property 'typeMatchExpression' (template 0, /template/0/template)`,
      `${unknownProperty}:8:9: error InvalidTemplate: unknown property 'typeMatchExpresion' (not a CalculatedContent field) (template 0, /template/0/template/typeMatchExpresion)`,
      `${unknownProperty}:11:88: error InvalidTemplate: unknown property 'unit' (template 0, /template/0/template/values/0/unit)`,
      `${unknownProperty}: invalid device mapping (3 errors, 0 warnings)`,
      '',
    ]);
  });

  it('prints warnings and still exits 0 when the mapping is only questionable', async () => {
    const file = tmp.write('empty.json', '{\n  "templateType": "CollectionContent",\n  "template": []\n}\n');
    const io = captureIo();

    const code = await runCli(['validate', '--device-mapping', file], io);

    expect(code).toBe(0);
    expect(io.out.split('\n')).toEqual([
      `${file}:3:3: warning InvalidTemplate: the collection has no content templates: no message will produce a measurement (/template)`,
      `${file}: valid device mapping (0 content templates, 1 warning)`,
      '',
    ]);
  });

  it('reads a mapping saved as UTF-16 with its byte order mark (PowerShell 5), as MedTech does', async () => {
    const file = tmp.path('utf16.json');
    writeFileSync(
      file,
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(readFileSync(sample, 'utf8'), 'utf16le')]),
    );
    const io = captureIo();

    expect(await runCli(['validate', '--device-mapping', file], io)).toBe(0);
    expect(io.out).toBe(`${file}: valid device mapping (4 content templates, 0 warnings)\n`);
  });

  it('prints a syntax error without a pointer', async () => {
    const file = tmp.write('broken.json', '{ "templateType": ');
    const io = captureIo();

    expect(await runCli(['validate', '--device-mapping', file], io)).toBe(1);
    expect(io.out.split('\n')[0]).toBe(`${file}:1:19: error InvalidTemplate: JSON syntax error: ValueExpected`);
  });

  it('prints one JSON document with --json', async () => {
    const io = captureIo();

    const code = await runCli(['validate', '--json', '--device-mapping', unknownProperty], io);

    expect(code).toBe(1);
    const report = JSON.parse(io.out);
    expect(report.valid).toBe(false);
    expect(report.deviceMapping.file).toBe(unknownProperty);
    expect(report.deviceMapping.problems).toHaveLength(3);
    expect(report.deviceMapping.problems[1]).toEqual({
      severity: 'error',
      name: 'InvalidTemplate',
      message: "unknown property 'typeMatchExpresion' (not a CalculatedContent field)",
      location: {
        templateIndex: 0,
        pointer: '/template/0/template/typeMatchExpresion',
        line: 8,
        column: 9,
        field: 'typeMatchExpresion',
      },
    });
  });

  it('counts the templates of a valid mapping in the JSON report', async () => {
    const io = captureIo();

    expect(await runCli(['validate', '--device-mapping', sample, '--json'], io)).toBe(0);
    expect(JSON.parse(io.out)).toEqual({
      valid: true,
      deviceMapping: { file: sample, valid: true, templateCount: 4, problems: [] },
      fhirMapping: null,
      crossCheck: { checked: false, reason: 'needs both --device-mapping and --fhir-mapping', problems: [] },
    });
  });

  it('validates a FHIR mapping given alone and exits 0 when it is valid', async () => {
    const io = captureIo();

    const code = await runCli(['validate', '--fhir-mapping', fhirSample], io);

    expect(code).toBe(0);
    expect(io.out).toBe(`${fhirSample}: valid FHIR mapping (4 FHIR templates, 0 warnings)\n`);
    expect(io.err).toBe('');
  });

  it('exits 1 and prints every FHIR mapping problem with its line and column', async () => {
    const io = captureIo();

    const code = await runCli(['validate', '--fhir-mapping', fhirUnknownProperty], io);

    expect(code).toBe(1);
    expect(io.out.split('\n')).toEqual([
      `${fhirUnknownProperty}:8:69: error InvalidTemplate: Unknown property 'version' in codes[0] (template 0, /template/0/template/codes/0/version)`,
      `${fhirUnknownProperty}:9:9: error InvalidTemplate: Unknown property 'unitOfMeasure' in template (template 0, /template/0/template/unitOfMeasure)`,
      `${fhirUnknownProperty}: invalid FHIR mapping (2 errors, 0 warnings)`,
      '',
    ]);
  });

  it('reports a FHIR mapping syntax error at its position', async () => {
    const io = captureIo();

    expect(await runCli(['validate', '--fhir-mapping', fhirSyntax], io)).toBe(1);
    expect(io.out.split('\n')[0]).toBe(`${fhirSyntax}:4:65: error InvalidTemplate: JSON syntax error: ColonExpected`);
  });

  it('validates both mappings and says that they agree', async () => {
    const io = captureIo();

    const code = await runCli(['validate', '--device-mapping', sample, '--fhir-mapping', fhirSample], io);

    expect(code).toBe(0);
    expect(io.out.split('\n')).toEqual([
      `${sample}: valid device mapping (4 content templates, 0 warnings)`,
      `${fhirSample}: valid FHIR mapping (4 FHIR templates, 0 warnings)`,
      `${sample}: cross-checked against ${fhirSample} (0 warnings)`,
      '',
    ]);
  });

  it('lists the cross-check warnings, located in the device mapping, and still exits 0', async () => {
    const fhir = writeFhirMappingWithoutStepsAndCapitalSystolic();
    const io = captureIo();

    const code = await runCli(['validate', '--device-mapping', sample, '--fhir-mapping', fhir], io);

    expect(code).toBe(0);
    const lines = io.out.split('\n');
    expect(lines).toHaveLength(6);
    expect(lines.slice(0, 2)).toEqual([
      `${sample}: valid device mapping (4 content templates, 0 warnings)`,
      `${fhir}: valid FHIR mapping (3 FHIR templates, 0 warnings)`,
    ]);
    expect(lines[2]).toMatch(
      new RegExp(
        `^${escape(sample)}:24:13: warning InvalidTemplate: Value 'systolic' of type 'bloodpressure' is not used .*did you mean 'Systolic'\\?.* \\(template 1, /template/1/template/values/0/valueName\\)$`,
      ),
    );
    expect(lines[3]).toMatch(
      new RegExp(
        `^${escape(sample)}:50:9: warning TemplateNotFound: No FHIR template has typeName 'stepcount'.* \\(template 3, /template/3/template/typeName\\)$`,
      ),
    );
    expect(lines.slice(4)).toEqual([`${sample}: cross-checked against ${fhir} (2 warnings)`, '']);
    expect(io.err).toBe('');
  });

  it('does not cross-check when a mapping is invalid, and exits 1', async () => {
    const io = captureIo();

    const code = await runCli(['validate', '--device-mapping', sample, '--fhir-mapping', fhirUnknownProperty], io);

    expect(code).toBe(1);
    expect(io.out.split('\n').slice(-3)).toEqual([
      `${fhirUnknownProperty}: invalid FHIR mapping (2 errors, 0 warnings)`,
      `${sample}: not cross-checked against ${fhirUnknownProperty}: a mapping is invalid`,
      '',
    ]);
  });

  it('prints the device mapping, FHIR mapping and cross-check sections as one JSON document', async () => {
    const fhir = writeFhirMappingWithoutStepsAndCapitalSystolic();
    const io = captureIo();

    const code = await runCli(['validate', '--json', '--device-mapping', sample, '--fhir-mapping', fhir], io);

    expect(code).toBe(0);
    const report = JSON.parse(io.out) as ValidateOutput;
    expect(Object.keys(report)).toEqual(['valid', 'deviceMapping', 'fhirMapping', 'crossCheck']);
    expect(report.valid).toBe(true);
    expect(report.deviceMapping).toEqual({ file: sample, valid: true, templateCount: 4, problems: [] });
    expect(report.fhirMapping).toEqual({ file: fhir, valid: true, templateCount: 3, problems: [] });
    expect(report.crossCheck.checked).toBe(true);
    expect(report.crossCheck.problems.map((p) => [p.severity, p.name, p.location])).toEqual([
      [
        'warning',
        'InvalidTemplate',
        {
          templateIndex: 1,
          pointer: '/template/1/template/values/0/valueName',
          field: 'valueName',
          line: 24,
          column: 13,
        },
      ],
      [
        'warning',
        'TemplateNotFound',
        { templateIndex: 3, pointer: '/template/3/template/typeName', field: 'typeName', line: 50, column: 9 },
      ],
    ]);
  });

  it('gives an invalid FHIR mapping its problems and skips the cross-check in the JSON document', async () => {
    const io = captureIo();

    const code = await runCli(
      ['validate', '--json', '--fhir-mapping', fhirUnknownProperty, '--device-mapping', sample],
      io,
    );

    expect(code).toBe(1);
    const report = JSON.parse(io.out) as ValidateOutput;
    expect(report.valid).toBe(false);
    expect(report.deviceMapping?.valid).toBe(true);
    expect(report.fhirMapping).toMatchObject({ file: fhirUnknownProperty, valid: false });
    expect(report.fhirMapping).not.toHaveProperty('templateCount');
    expect(report.fhirMapping?.problems.map((p) => [p.location.line, p.location.column])).toEqual([
      [8, 69],
      [9, 9],
    ]);
    expect(report.crossCheck).toEqual({ checked: false, reason: 'a mapping is invalid', problems: [] });
  });

  it('exits 2 when there is nothing to validate', async () => {
    const io = captureIo();

    expect(await runCli(['validate', '--json'], io)).toBe(2);

    expect(io.err).toMatch(/^medtech validate: missing --device-mapping FILE or --fhir-mapping FILE\n\nUsage:/);
    expect(io.out).toBe('');
  });

  it('exits 2 on an unknown option or a stray argument', async () => {
    const option = captureIo();
    const positional = captureIo();

    expect(await runCli(['validate', '--device-mapping', sample, '--strict'], option)).toBe(2);
    expect(await runCli(['validate', sample], positional)).toBe(2);

    expect(option.err).toContain("'--strict'");
    expect(positional.err).toMatch(/^medtech validate: /);
  });

  it('exits 2 when the file cannot be read', async () => {
    const io = captureIo();
    const missing = tmp.path('missing.json');

    expect(await runCli(['validate', '--device-mapping', missing], io)).toBe(2);
    expect(io.err).toBe(`medtech validate: cannot read ${missing}: no such file (ENOENT)\n`);
  });

  it('exits 2 without a report when the FHIR mapping cannot be read, even with a valid device mapping', async () => {
    const io = captureIo();
    const missing = tmp.path('missing-fhir.json');

    expect(await runCli(['validate', '--json', '--device-mapping', sample, '--fhir-mapping', missing], io)).toBe(2);
    expect(io.err).toBe(`medtech validate: cannot read ${missing}: no such file (ENOENT)\n`);
    expect(io.out).toBe('');
  });
});

describe('formatProblem', () => {
  it('omits the template and pointer when the problem has neither', () => {
    expect(
      formatProblem('m.json', {
        severity: 'warning',
        name: 'InvalidTemplate',
        message: 'the file is not strict JSON',
        location: { line: 2, column: 3 },
      }),
    ).toBe('m.json:2:3: warning InvalidTemplate: the file is not strict JSON');
  });
});

describe('locateDeviceMappingProblems', () => {
  it('gives a pointer-only problem the line and column of the property it names', () => {
    const text = '{\n  "templateType": "CollectionContent",\n  "template": [\n    { "templateType": "x" }\n  ]\n}\n';
    const problem: MappingProblem = {
      severity: 'warning',
      name: 'TemplateNotFound',
      message: 'm',
      location: { templateIndex: 0, pointer: '/template/0/templateType' },
    };

    expect(locateDeviceMappingProblems(text, [problem])).toEqual([
      { ...problem, location: { templateIndex: 0, pointer: '/template/0/templateType', line: 4, column: 7 } },
    ]);
  });

  it('does not count a byte-order mark as a column, as parseDeviceMapping does not', () => {
    const text = '\uFEFF{ "templateType": "CollectionContent", "template": [{ "templateType": "x" }] }';
    const problem: MappingProblem = {
      severity: 'warning',
      name: 'TemplateNotFound',
      message: 'm',
      location: { templateIndex: 0, pointer: '/template/0/templateType' },
    };

    expect(locateDeviceMappingProblems(text, [problem])).toEqual([
      { ...problem, location: { templateIndex: 0, pointer: '/template/0/templateType', line: 1, column: 55 } },
    ]);
  });

  it('leaves a problem that already has a line, or that the text cannot locate, as it is', () => {
    const located: MappingProblem = {
      severity: 'error',
      name: 'InvalidTemplate',
      message: 'm',
      location: { pointer: '/template', line: 9, column: 9 },
    };
    const pointerOnly: MappingProblem = { ...located, location: { pointer: '/template' } };

    expect(locateDeviceMappingProblems('{"template": []}', [located])).toEqual([located]);
    expect(locateDeviceMappingProblems('{ not json', [pointerOnly])).toEqual([pointerOnly]);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
