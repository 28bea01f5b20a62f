/**
 * Member order: MedTech (Newtonsoft) visits an object's members in the order the message writes them; JavaScript
 * lists integer-like names first. A mapping whose expressions can depend on that order gets the message's order.
 */
import { describe, expect, it } from 'vitest';
import type { DeviceEvent, EventBody } from '../../../shared/core/deviceEvent.js';
import { compileJmesPath } from '../../../shared/core/expressions/jmesPath.js';
import { compileJsonPath } from '../../../shared/core/expressions/jsonPath.js';
import { readsMemberOrder } from '../../../shared/core/mapping/deviceMapping.js';
import { normalizeEvent } from '../../../shared/core/normalize/normalizeEvent.js';
import { deviceMappingOf } from '../../support/deviceMappings.js';
import { seededRandom } from '../../support/seededRandom.js';

const TEXT = '{"d":"d1","t":"2023-03-13T22:46:01Z","r":{"x":{"hr":70},"10":{"hr":71},"9":{"hr":72}},"c":{"b":1,"2":2}}';

function event(body: EventBody): DeviceEvent {
  return { body, properties: {}, systemProperties: {}, enqueuedTimeUtc: '2024-05-01T12:00:00Z' };
}

function calculated(typeMatch: string, values: Record<string, string>, language = 'JsonPath'): unknown {
  const jmes = language === 'JmesPath';
  return {
    templateType: 'CalculatedContent',
    template: {
      typeName: 'reading',
      defaultExpressionLanguage: language,
      typeMatchExpression: typeMatch,
      deviceIdExpression: jmes ? 'Body.d' : '$.Body.d',
      timestampExpression: jmes ? 'Body.t' : '$.Body.t',
      values: Object.entries(values).map(([valueName, valueExpression]) => ({
        valueName,
        valueExpression,
        required: true,
      })),
    },
  };
}

function values(templates: unknown[], body: EventBody): string[] {
  const result = normalizeEvent(deviceMappingOf(templates), event(body));
  expect(result.errors).toEqual([]);
  return result.measurements.flatMap((m) => m.properties.map((p) => p.value));
}

const bytes = (text: string): EventBody => ({ kind: 'bytes', bytes: new TextEncoder().encode(text) });

describe('the order of a message object’s members', () => {
  it('is the message’s for a .. scan: x, then 10, then 9', () => {
    const scan = calculated('$..[?(@.hr)]', { hr: '$.matchedToken.hr' });

    expect(values([scan], bytes(TEXT))).toEqual(['70', '71', '72']);
    expect(values([scan], { kind: 'text', text: TEXT })).toEqual(['70', '71', '72']);
  });

  it('is the message’s for JMESPath values, keys, to_string and *', () => {
    const template = calculated(
      'Body',
      {
        first: 'values(Body.c)[0]',
        names: "join(',', keys(Body.c))",
        text: 'to_string(Body.c)',
        wildcard: 'Body.r.* | [0].hr',
      },
      'JmesPath',
    );

    expect(values([template], bytes(TEXT))).toEqual(['1', 'b,2', '{"b":1,"2":2}', '70']);
  });

  it('is the message’s in a body only MedTech’s reader accepts (a comment, a trailing comma)', () => {
    const text = `/* from the gateway */ ${TEXT.slice(0, -1)},}`;
    const result = normalizeEvent(
      deviceMappingOf([calculated('$..[?(@.hr)]', { hr: '$.matchedToken.hr' })]),
      event(bytes(text)),
    );

    expect(result.measurements.map((m) => m.properties[0]?.value)).toEqual(['70', '71', '72']);
  });

  it('is JavaScript’s in a body the host already parsed: the message’s order is gone', () => {
    const scan = calculated('$..[?(@.hr)]', { hr: '$.matchedToken.hr' });

    expect(values([scan], { kind: 'json', value: JSON.parse(TEXT) })).toEqual(['72', '71', '70']);
  });

  it('does not matter to plain paths, which read the same members either way', () => {
    const plain = calculated('$.Body.r', { a: '$.matchedToken.x.hr', b: "$.matchedToken['10'].hr" });

    expect(values([plain], bytes(TEXT))).toEqual(['70', '71']);
  });
});

describe('which expressions depend on member order', () => {
  it.each([
    ['$..[?(@.hr)]', true],
    ['$..hr', true],
    ['$.Body.*', true],
    ['$.Body[*]', true],
    ['$.Body[?(@.hr)]', true],
    ['$.Body.r', false],
    ["$['a','b']", false],
    ['$.a[0].b[1:3]', false],
  ])('JSONPath %s: %s', (source, expected) => {
    expect(compileJsonPath(source).readsMemberOrder === true).toBe(expected);
  });

  it.each([
    ['Body.*', true],
    ['values(Body)', true],
    ['keys(@)', true],
    ['to_string(Body)', true],
    ['merge(Body, `{}`)', true],
    // What an order-blind function reads of a list of members is the same in any order (the documented type match).
    ['length(values(Body))', false],
    ['[Body][?contains(keys(@), `heartRate`)] | @[0]', false],
    ['contains(values(Body), `1`)', false],
    ['contains(keys(@), keys(@)[0])', true],
    ['contains(keys(Body.*), `a`)', true],
    ['length(keys(@)[0])', true],
    ['sort(keys(@))', true],
    ['Body.readings[?kind == `1`].v', false],
    ['Body.readings[*].v', false],
    ['Body.deviceId', false],
    ['add(Body.a, `1`)', false],
  ])('JMESPath %s: %s', (source, expected) => {
    expect(compileJmesPath(source).readsMemberOrder === true).toBe(expected);
  });

  it('is known for a whole mapping once it loads', () => {
    expect(readsMemberOrder(deviceMappingOf([calculated('$.Body', { v: '$.matchedToken.d' })]).templates)).toBe(false);
    expect(readsMemberOrder(deviceMappingOf([calculated('$.Body', { v: '$..d' })]).templates)).toBe(true);
  });
});

describe('member order on random messages', () => {
  // Objects written member by member in an order JavaScript does not keep; some hold a unique number in `v`.
  function randomObject(random: (n: number) => number, depth: number, next: { v: number }): string {
    const names = ['a', 'b', '0', '1', '2', '10', '01'];
    const members: string[] = random(2) === 0 ? [`"v":${next.v++}`] : [];
    for (const name of new Set(Array.from({ length: random(4) }, () => names[random(names.length)] as string))) {
      members.push(`"${name}":${depth < 3 && random(2) === 0 ? randomObject(random, depth + 1, next) : random(9)}`);
    }
    // The members in a random order (v among them), so integer-like names often follow others.
    for (let i = members.length - 1; i > 0; i--) {
      const j = random(i + 1);
      [members[i], members[j]] = [members[j] as string, members[i] as string];
    }
    return `{${members.join(',')}}`;
  }

  /** The `v` numbers in the order their objects open in the text: the order of a pre-order scan. */
  function byOpeningBrace(text: string): string[] {
    const open: number[] = [];
    const found: [number, string][] = [];
    for (let i = 0; i < text.length; i++) {
      if (text[i] === '{') {
        open.push(i);
      } else if (text[i] === '}') {
        open.pop();
      } else if (text.startsWith('"v":', i)) {
        found.push([open.at(-1) as number, /^"v":(\d+)/.exec(text.slice(i))?.[1] as string]);
      }
    }
    return found.sort((a, b) => a[0] - b[0]).map(([, v]) => v);
  }

  it('scans objects in the order the text opens them, and writes to_string in the text order', () => {
    const random = seededRandom(1729);
    const mapping = deviceMappingOf([
      calculated('$..[?(@.v)]', { v: '$.matchedToken.v' }),
      calculated('Body', { text: 'to_string(Body.body)' }, 'JmesPath'),
    ]);
    for (let n = 0; n < 500; n++) {
      const body = randomObject(random, 0, { v: 100 });
      const text = `{"d":"d1","t":"2023-03-13T22:46:01Z","body":${body}}`;

      const result = normalizeEvent(mapping, event(bytes(text)));

      const values = result.measurements.map((m) => m.properties[0]?.value);
      expect(values, text).toEqual([...byOpeningBrace(body), body]);
    }
  });
});
