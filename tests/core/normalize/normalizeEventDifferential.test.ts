/**
 * Seeded random differential test of normalizeEvent's own shortcuts: reading a plain member path's rest on the
 * envelope member it starts with (no `envelopeWithMatch` object built), selecting one token without an array,
 * sharing one walk of the message among every `..` scan, and skipping prototype checks on a body parsed here. The
 * same random mappings and messages are normalized once as they are, and once with expressions stripped to their
 * general `matches` (no split, no `selectOne`, no shared memo): the results must be identical, whatever form the body
 * arrives in (its member order kept when it arrives as bytes or text). The same generator also checks that no error
 * or warning ever quotes the message's data.
 */
import { describe, expect, it } from 'vitest';
import type { DeviceEvent } from '../../../shared/core/deviceEvent.js';
import type { CompiledExpression } from '../../../shared/core/expressions/types.js';
import type { ContentTemplate, DeviceMapping } from '../../../shared/core/mapping/deviceMapping.js';
import { deviceMappingOf } from '../../support/deviceMappings.js';
import { normalizeEvent, type NormalizeResult } from '../../../shared/core/normalize/normalizeEvent.js';
import { seededRandom } from '../../support/seededRandom.js';

const NAMES = ['deviceId', 'patientId', 'time', 'hr', 'v', 'kind', 'Body', 'constructor', 'x-y', '0'];
const VALUES = ['1', '72', '-0.5', 'true', 'null', '" "', '"dev-1"', '"2023-03-13T22:46:01.875Z"', '"2023-03-13"'];

/** A random message body as JSON text: nested objects and arrays with the names the mappings read. */
function randomBody(random: (n: number) => number, depth: number): string {
  const roll = random(6);
  if (roll === 0 || depth >= 3) {
    return roll === 3 ? '{}' : (VALUES[random(VALUES.length)] as string);
  }
  if (roll === 1 && depth > 0) {
    const items = Array.from({ length: random(3) }, () => randomBody(random, depth + 1));
    return `[${items.join(',')}]`;
  }
  if (roll >= 4) {
    // A whole reading, as devices send them, sometimes with more below it.
    const time = pick(random, ['"2023-03-13T22:46:01.875Z"', '"2023-03-13T23:46:01+01:00"', '"soon"', '7']);
    const extra = random(2) === 0 ? `,${JSON.stringify(pick(random, NAMES))}:${randomBody(random, depth + 1)}` : '';
    return `{"deviceId":"dev-${random(3)}","patientId":"p${random(2)}","time":${time},"hr":${60 + random(40)},"v":${pick(random, VALUES)}${extra}}`;
  }
  const members = Array.from({ length: 1 + random(4) }, () => {
    const name = NAMES[random(NAMES.length)] as string;
    return `${JSON.stringify(name)}:${randomBody(random, depth + 1)}`;
  });
  return `{${members.join(',')}}`;
}

function pick<T>(random: (n: number) => number, items: readonly T[]): T {
  return items[random(items.length)] as T;
}

/** A random content template of every kind, in either expression language. */
function randomTemplate(random: (n: number) => number, i: number): Record<string, unknown> {
  const member = (): string => pick(random, ['deviceId', 'patientId', 'time', 'hr', 'v', 'x-y', 'constructor']);
  const jsonPath = (): string => {
    const name = member();
    const step = /^[A-Za-z]/.test(name) && !name.includes('-') ? `.${name}` : `['${name}']`;
    return pick(random, [`$.matchedToken${step}`, `$.Body${step}`, `$.matchedToken.Body${step}`, `$..${name}`]);
  };
  const values = Array.from({ length: 1 + random(2) }, (_, k) => ({
    valueName: `value${k}`,
    valueExpression: jsonPath(),
    required: random(2) === 0,
  }));
  const filter = pick(random, ['@.hr', '@.v', '@.hr && @.time', '@.v || @.kind', '@.Body.hr', "@.kind == 'x'"]);
  switch (random(4)) {
    case 0:
      return {
        templateType: 'CalculatedContent',
        template: {
          typeName: `t${i}`,
          typeMatchExpression: `$..[?(${filter})]`,
          deviceIdExpression: jsonPath(),
          timestampExpression: pick(random, ['$.matchedToken.time', '$.Body.time', '$.SystemProperties.when']),
          ...(random(2) === 0 ? { patientIdExpression: jsonPath() } : {}),
          ...(random(4) === 0 ? { correlationIdExpression: jsonPath() } : {}),
          values,
        },
      };
    case 1:
      return {
        templateType: 'CalculatedContent',
        template: {
          typeName: `t${i}`,
          defaultExpressionLanguage: 'JmesPath',
          typeMatchExpression: pick(random, ['Body', 'Body.v', 'Body[?hr]', 'Body.*', 'Body.Body']),
          deviceIdExpression: pick(random, ['Body.deviceId', 'matchedToken.deviceId', 'matchedToken', 'Body.v']),
          timestampExpression: pick(random, ['matchedToken.time', 'Body.time', 'SystemProperties.when']),
          values: values.map((v) => ({
            ...v,
            valueExpression: pick(random, ['matchedToken.hr', 'Body.hr', 'matchedToken.v', 'Body."x-y"']),
          })),
        },
      };
    case 2:
      return {
        templateType: 'JsonPathContent',
        template: {
          typeName: `t${i}`,
          typeMatchExpression: `$..[?(${filter})]`,
          deviceIdExpression: pick(random, ['$.deviceId', '$.v', "$['x-y']"]),
          timestampExpression: pick(random, ['$.time', '$.Body.time']),
          values: values.map((v) => ({ ...v, valueExpression: pick(random, ['$.hr', '$.v', '$.Body.hr']) })),
        },
      };
    default:
      return {
        templateType: 'IotJsonPathContent',
        template: {
          typeName: `t${i}`,
          typeMatchExpression: `$..[?(@.Body.hr || @.Body.v)]`,
          ...(random(2) === 0 ? { patientIdExpression: '$.Body.patientId' } : {}),
          values: values.map((v) => ({ ...v, valueExpression: pick(random, ['$.Body.hr', '$.Body.v']) })),
        },
      };
  }
}

/** One to three random templates, as mapping text (for messages) and parsed (it throws on a mapping it refuses). */
function randomMapping(random: (n: number) => number): { mappingText: string; mapping: DeviceMapping } {
  const templates = Array.from({ length: 1 + random(3) }, (_, i) => randomTemplate(random, i));
  return { mappingText: JSON.stringify(templates), mapping: deviceMappingOf(templates) };
}

/** The expression as the general path sees it: its `matches` alone, with no memo shared (and its member order need). */
function general(expression: CompiledExpression): CompiledExpression {
  return {
    language: expression.language,
    source: expression.source,
    matches: (data, _memo, meter) => expression.matches(data, undefined, meter),
    ...(expression.readsMemberOrder === true ? { readsMemberOrder: true } : {}),
  };
}

function stripped(mapping: DeviceMapping): DeviceMapping {
  return {
    templates: mapping.templates.map((t): ContentTemplate => ({
      ...t,
      typeMatch: general(t.typeMatch),
      deviceId: general(t.deviceId),
      timestamp: t.timestamp.map(general),
      ...(t.patientId === undefined ? {} : { patientId: general(t.patientId) }),
      ...(t.encounterId === undefined ? {} : { encounterId: general(t.encounterId) }),
      ...(t.correlationId === undefined ? {} : { correlationId: general(t.correlationId) }),
      values: t.values.map((v) => ({ ...v, expression: general(v.expression) })),
    })),
  };
}

/** What a result says, errors as name, message and location. */
function show(result: NormalizeResult): string {
  return JSON.stringify({
    measurements: result.measurements,
    errors: result.errors.map((e) => [e.name, e.message, e.location]),
    warnings: result.warnings,
  });
}

describe('normalizeEvent shortcuts against the general evaluation, on random mappings and messages', () => {
  it('give the same measurements, errors and warnings, whatever form the body arrives in', () => {
    const random = seededRandom(20261126);
    let measurements = 0;
    let errors = 0;
    for (let n = 0; n < 600; n++) {
      const { mappingText, mapping } = randomMapping(random);
      const plain = stripped(mapping);
      for (let m = 0; m < 5; m++) {
        const text = randomBody(random, 0);
        const base = {
          properties: {},
          systemProperties: random(2) === 0 ? { when: '2023-03-13T22:46:01Z' } : {},
          enqueuedTimeUtc: '2023-03-13T22:50:00Z',
        };
        const what = `${mappingText} on ${text}`;
        const events: DeviceEvent[] = [
          { ...base, body: { kind: 'bytes', bytes: new TextEncoder().encode(text) } },
          { ...base, body: { kind: 'text', text } },
          { ...base, body: { kind: 'json', value: JSON.parse(text) } },
        ];
        for (const event of events) {
          const expected = show(normalizeEvent(plain, event));
          expect(show(normalizeEvent(mapping, event)), `${what} (${event.body.kind})`).toBe(expected);
        }
        // Bytes and text are one body; a body the host parsed has lost the message's member order.
        expect(show(normalizeEvent(mapping, events[0] as DeviceEvent)), what).toBe(
          show(normalizeEvent(mapping, events[1] as DeviceEvent)),
        );
        const result = normalizeEvent(mapping, events[0] as DeviceEvent);
        measurements += result.measurements.length;
        errors += result.errors.length;
      }
    }
    // The generator yields both outcomes plentifully.
    expect(measurements).toBeGreaterThan(200);
    expect(errors).toBeGreaterThan(200);
  });

  it('never put a value of the message in an error or a warning, whatever fails and however', () => {
    const random = seededRandom(4711);
    let errors = 0;
    let warnings = 0;
    for (let n = 0; n < 400; n++) {
      const { mappingText, mapping } = randomMapping(random);
      for (let m = 0; m < 5; m++) {
        // Every string value of the message marked; some bodies cut short, commented or followed by more text (read
        // as MedTech reads them, or refused).
        let text = randomBody(random, 0).replace(/"(dev-\d|p\d|soon| |2023-03-13)"/g, '"PHI-$1"');
        const roll = random(6);
        if (roll === 0) {
          text = text.slice(0, random(text.length));
        } else if (roll === 1) {
          text = `/* PHI-comment */ ${text}`;
        } else if (roll === 2) {
          text = `${text} PHI-trailing`;
        }
        const result = normalizeEvent(mapping, {
          body: { kind: 'bytes', bytes: new TextEncoder().encode(text) },
          properties: { note: 'PHI-property' },
          systemProperties: { 'iothub-connection-device-id': 'PHI-device' },
          enqueuedTimeUtc: '2023-03-13T22:50:00Z',
        });
        const said = JSON.stringify([result.errors.map((e) => [e.message, e.location]), result.warnings ?? []]);
        expect(said, `${mappingText} on ${text}`).not.toContain('PHI-');
        errors += result.errors.length;
        warnings += result.warnings?.length ?? 0;
      }
    }
    // Plenty of both were checked.
    expect(errors).toBeGreaterThan(500);
    expect(warnings).toBeGreaterThan(20);
  });
});
