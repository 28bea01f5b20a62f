import { describe, expect, it, vi } from 'vitest';
import { ExpressionEvaluationError } from '../../../shared/core/errors.js';
import { compileJsonPath } from '../../../shared/core/expressions/jsonPath.js';
import type { CompiledExpression, EvaluationMemo } from '../../../shared/core/expressions/types.js';

const MANY = Symbol('many');

/** The outcome of an evaluation: its tokens, or the message of the error it threw. */
function outcome(run: () => unknown[]): unknown[] | string {
  try {
    return run();
  } catch (error) {
    if (error instanceof ExpressionEvaluationError) {
      return error.message.replace(/'[^']*'/, "'…'");
    }
    throw error;
  }
}

class Reading {
  constructor(readonly heartRate: number) {}
}
Object.defineProperty(Reading.prototype, 'inherited', { value: 'from the prototype', enumerable: false });

/** Objects, arrays, primitives, nulls, an undefined member, a Date, a class instance, a null-prototype object. */
function mixedDocument(): Record<string, unknown> {
  const bare = Object.create(null) as Record<string, unknown>;
  bare['heartRate'] = 61;
  return {
    Body: {
      heartRate: 70,
      systolic: 120,
      readings: [
        { heartRate: 71, diastolic: 80 },
        [{ systolic: 110, diastolic: 70 }],
        5,
        null,
        'text',
        new Reading(73),
      ],
      nothing: undefined,
      empty: {},
      when: new Date(0),
      reading: new Reading(72),
      bare,
    },
    Properties: {},
    SystemProperties: { Body: { steps: 12 }, 'iothub-connection-device-id': 'device01' },
  };
}

/** Filters that take the member-existence fast path, each with an equivalent one that takes the general path. */
const scans: [fast: string, general: string][] = [
  ['$..[?(@.heartRate)]', '$..[?(@.heartRate && true)]'],
  ['$..[?(@heartRate)]', '$..[?(@heartRate && true)]'],
  ['$..[?(@.systolic && @.diastolic)]', '$..[?(@.systolic && @.diastolic && true)]'],
  ['$..[?(@.systolic || @.diastolic)]', '$..[?((@.systolic || @.diastolic) && true)]'],
  ['$..[?(@.systolic || @.heartRate || @.steps)]', '$..[?((@.systolic || @.heartRate || @.steps) && true)]'],
  ['$..[?(@.Body.steps)]', '$..[?(@.Body.steps && true)]'],
  ['$..[?(@.readings[1])]', '$..[?(@.readings[1] && true)]'],
  ['$..[?(@.inherited)]', '$..[?(@.inherited && true)]'],
  ['$..[?(@.constructor)]', '$..[?(@.constructor && true)]'],
  ['$..[?(@.nothing)]', '$..[?(@.nothing && true)]'],
  ['$..[?(@.__proto__)]', '$..[?(@.__proto__ && true)]'],
  ['$..[?(@.length)]', '$..[?(@.length && true)]'],
  ['$..[?(@.toString || @.heartRate)]', '$..[?((@.toString || @.heartRate) && true)]'],
];

describe('compileJsonPath fast paths', () => {
  describe('member-existence scans', () => {
    it.each(scans)('%s selects what the general evaluation selects, in the same order', (fast, general) => {
      const data = mixedDocument();

      const expected = compileJsonPath(general).matches(data);
      const found = compileJsonPath(fast).matches(data);

      expect(found).toHaveLength(expected.length);
      found.forEach((token, i) => expect(token).toBe(expected[i]));
    });

    // The fast path is the one that builds the document's shared index; its equivalent general form does not.
    it.each(scans)('%s takes the object-scan fast path, %s does not', (fast, general) => {
      const data = mixedDocument();
      const fastMemo: EvaluationMemo = {};
      const generalMemo: EvaluationMemo = {};

      compileJsonPath(fast).matches(data, fastMemo);
      compileJsonPath(general).matches(data, generalMemo);

      expect(fastMemo.descendants).toBeDefined();
      expect(generalMemo.descendants).toBeUndefined();
    });

    it.each(scans)('%s fails at exactly the work bound the general evaluation fails at', (fast, general) => {
      const data = mixedDocument();
      const needed = [...Array(120).keys()].map((limit) => ({
        fast: outcome(() => compileJsonPath(fast, { maxNodeVisits: limit }).matches(data)),
        general: outcome(() => compileJsonPath(general, { maxNodeVisits: limit }).matches(data)),
      }));

      for (const { fast: a, general: b } of needed) {
        if (typeof b === 'string') {
          expect(a).toBe(b);
        } else {
          expect(typeof a).toBe('object');
          expect(a).toHaveLength(b.length);
        }
      }
      // The range covers both outcomes.
      expect(needed.some((n) => typeof n.general === 'string')).toBe(true);
      expect(needed.some((n) => typeof n.general !== 'string')).toBe(true);
    });

    it.each(scans)(
      '%s agrees with the general evaluation on plain JSON, tokens and work bound, with a name once, twice or never',
      (fast, general) => {
        const documents = [
          '{"Body":{"heartRate":70,"systolic":120,"x":[{"a":1},{"diastolic":2}]},"Properties":{},"SystemProperties":{}}',
          '{"Body":{"heartRate":70,"systolic":120,"diastolic":80,"x":[{"heartRate":1,"systolic":3},{"diastolic":2}]}}',
          '{"Body":{"steps":3,"readings":[1,2]},"Properties":{"a":{"b":{}}}}',
          '{"a":[{"systolic":1},{"q":{"diastolic":1}}],"b":{"c":1}}',
          '[{"n":1},{"m":{"k":2}},3]',
          '{"p":1}',
        ];
        for (const text of documents) {
          const data = JSON.parse(text) as unknown;
          for (let limit = 0; limit < 60; limit++) {
            const memo: EvaluationMemo = { plainJson: data };
            const a = outcome(() => compileJsonPath(fast, { maxNodeVisits: limit }).matches(data, memo));
            const b = outcome(() => compileJsonPath(general, { maxNodeVisits: limit }).matches(data));
            if (typeof b === 'string') {
              expect(a).toBe(b);
            } else {
              expect(typeof a).toBe('object');
              expect(a).toHaveLength(b.length);
              (a as unknown[]).forEach((token, i) => expect(token).toBe(b[i]));
            }
          }
        }
      },
    );

    it.each(scans)(
      '%s charges a shared meter what the general evaluation charges, and fails where it fails',
      (fast, general) => {
        // A memo claims plain JSON only for parsed text; the mixed document has class instances.
        const parsed = (text: string): [unknown, EvaluationMemo] => {
          const data = JSON.parse(text) as unknown;
          return [data, { plainJson: data }];
        };
        const documents: [unknown, EvaluationMemo][] = [
          [mixedDocument(), {}],
          parsed('{"Body":{"heartRate":70,"x":[{"a":1},{"diastolic":2}]},"Properties":{}}'),
          parsed('{"a":[{"q":1},{"r":{"s":1}}],"b":{"c":1}}'),
          parsed('{"a":{"constructor":1},"b":[{"__proto__":{"x":1}},{"toString":2}]}'),
          parsed('[1,2,[3,null]]'),
          parsed('5'),
          // Parsed JSON without the plain-JSON hint: the object with an own `__proto__` member takes the general path.
          [
            JSON.parse('{"Body":{"__proto__":{"heartRate":1,"systolic":2},"heartRate":3,"diastolic":4}}') as unknown,
            {},
          ],
          // Plain objects (every mask complete, so the masks alone decide) with members that hold `undefined`.
          [
            {
              Body: {
                heartRate: undefined,
                systolic: 1,
                diastolic: undefined,
                nothing: undefined,
                x: { diastolic: 3 },
              },
              Properties: { steps: undefined, heartRate: 4 },
              SystemProperties: { systolic: 2, diastolic: 5, Body: { steps: undefined } },
            },
            {},
          ],
        ];
        for (const [data, memo] of documents) {
          for (let remaining = 0; remaining < 60; remaining++) {
            const [a, b] = [{ remaining }, { remaining }];
            const found = outcome(() => compileJsonPath(fast).matches(data, memo, a));
            const expected = outcome(() => compileJsonPath(general).matches(data, undefined, b));
            expect(typeof found).toBe(typeof expected);
            if (typeof expected === 'string') {
              expect(found).toBe(expected);
            } else {
              expect(found).toHaveLength(expected.length);
            }
            expect(a.remaining).toBe(b.remaining);
          }
        }
      },
    );

    /** A document nested deeper than the index builder recurses: objects and arrays alternating, then siblings. */
    function deepDocument(depth: number, withUndefined: boolean): unknown {
      let node: unknown = { heartRate: 0, systolic: 1, tail: [1, null, { diastolic: 2 }] };
      for (let i = 0; i < depth; i++) {
        node =
          i % 2 === 0
            ? [i, node, null, { heartRate: i }]
            : { k: i, child: node, u: withUndefined ? undefined : i, next: { systolic: i, diastolic: i } };
      }
      return { a: node, b: { heartRate: 1, systolic: 2, diastolic: 3 }, c: [{ readings: [0, 5] }] };
    }

    it.each(scans)(
      '%s agrees with the general evaluation on a document deeper than the index builder recurses',
      (fast, general) => {
        for (const withUndefined of [false, true]) {
          const data = deepDocument(260, withUndefined);
          const memo: EvaluationMemo = withUndefined ? {} : { plainJson: data };
          const meter = { remaining: 1_000_000 };
          const expected = compileJsonPath(general).matches(data, undefined, meter);
          const needed = 1_000_000 - meter.remaining;

          const found = compileJsonPath(fast, { maxNodeVisits: needed }).matches(data, memo);
          expect(found).toHaveLength(expected.length);
          found.forEach((token, i) => expect(token).toBe(expected[i]));
          expect(outcome(() => compileJsonPath(fast, { maxNodeVisits: needed - 1 }).matches(data, {}))).toBe(
            outcome(() => compileJsonPath(general, { maxNodeVisits: needed - 1 }).matches(data)),
          );
        }
      },
    );

    it('finds nothing on a null document', () => {
      expect(compileJsonPath('$..[?(@.heartRate)]').matches(null)).toEqual([]);
      expect(compileJsonPath('$..[?(@.heartRate)]').matches(null, { plainJson: null })).toEqual([]);
    });

    it('finds every name when more names are scanned for than the index has bits for', () => {
      const names = [...Array(40).keys()].map((i) => `many${i}`);
      const data = JSON.parse(JSON.stringify({ list: names.map((name, i) => ({ [name]: i })) })) as unknown;
      const scans = names.map((name) => compileJsonPath(`$..[?(@.${name})]`));

      // A fresh index per scan, built after every name was registered.
      scans.forEach((scan, i) => {
        expect(scan.matches(data, { plainJson: data })).toEqual([{ [names[i]!]: i }]);
      });
    });

    it('gives the same tokens whether or not scans share a memo, and walks the document once for all of them', () => {
      const data = mixedDocument();
      const memo: EvaluationMemo = {};
      const [heartRate, pressure] = [compileJsonPath(scans[0]![0]), compileJsonPath(scans[2]![0])];

      const first = heartRate.matches(data, memo);
      const shared = memo.descendants;
      const second = pressure.matches(data, memo);

      expect(shared).toBeDefined();
      expect(memo.descendants).toBe(shared);
      expect(first).toEqual(heartRate.matches(data));
      expect(second).toEqual(pressure.matches(data));
    });

    it('does not reuse a memo built for another document', () => {
      const memo: EvaluationMemo = {};
      const scan = compileJsonPath('$..[?(@.heartRate)]');

      scan.matches({ heartRate: 1 }, memo);
      const other = { a: { heartRate: 2 } };

      expect(scan.matches(other, memo)).toEqual([{ heartRate: 2 }]);
    });

    it('sees member names that were registered after the shared index was built', () => {
      const memo: EvaluationMemo = {};
      const data = { a: { lateName: 1 }, b: { heartRate: 2 } };

      compileJsonPath('$..[?(@.heartRate)]').matches(data, memo);
      const late = compileJsonPath('$..[?(@.lateName)]');

      expect(late.matches(data, memo)).toEqual([{ lateName: 1 }]);
    });

    it('finds nothing on a primitive or an undefined document', () => {
      const scan = compileJsonPath('$..[?(@.heartRate)]');

      expect(scan.matches(5)).toEqual([]);
      expect(scan.matches(undefined)).toEqual([]);
    });

    it('stops a scan over a document with a reference cycle at the work bound', () => {
      const cyclic: Record<string, unknown> = { heartRate: 1 };
      cyclic['self'] = cyclic;

      expect(() => compileJsonPath('$..[?(@.heartRate)]', { maxNodeVisits: 500 }).matches(cyclic)).toThrow(
        /visited more than 500 nodes/,
      );
    });
  });

  describe('selectOne', () => {
    const data = mixedDocument();

    it.each([
      '$.Body.heartRate',
      '$.Body.readings[0].diastolic',
      '$.Body.readings[1][0]',
      '$.Body',
      '$',
      '$.Body.missing',
      '$.Body.nothing',
      '$..[?(@.systolic && @.diastolic)]',
      '$..[?(@.heartRate)]',
      '$..[?(@.steps)]',
      '$.Body.readings[*].diastolic',
      '$..heartRate',
    ])('agrees with matches for %s', (path) => {
      const expression: CompiledExpression = compileJsonPath(path);
      const tokens = expression.matches(data);
      const expected = tokens.length === 1 ? tokens[0] : tokens.length === 0 ? undefined : MANY;

      expect(expression.selectOne?.(data, MANY)).toBe(expected);
    });

    it('returns a selected JSON null as null, not as "nothing"', () => {
      expect(compileJsonPath('$.a').selectOne?.({ a: null }, MANY)).toBeNull();
      expect(compileJsonPath('$.a').selectOne?.({}, MANY)).toBeUndefined();
    });
  });

  describe('rootMember', () => {
    it('splits a plain member path at its first member', () => {
      const split = compileJsonPath('$.matchedToken.reading.value').rootMember;

      expect(split?.head).toBe('matchedToken');
      expect(split?.rest.matches({ reading: { value: 5 } })).toEqual([5]);
    });

    it.each([
      ['$.matchedToken.deviceId', { matchedToken: { deviceId: 'd1' } }],
      ['$.Body', { Body: null }],
      ['$.Body[0]', { Body: ['first'] }],
      ['$.Body.constructor', { Body: {} }],
      ['$.SystemProperties.iothub-connection-device-id', { SystemProperties: { 'iothub-connection-device-id': 'd' } }],
    ])('evaluates %s on a plain object as its rest does on the head member', (path, data) => {
      const expression = compileJsonPath(path);
      const split = expression.rootMember;
      const member = (data as Record<string, unknown>)[split?.head ?? ''];

      expect(split?.rest.matches(member)).toEqual(expression.matches(data));
    });

    it.each(['$', '$[0]', '$..heartRate', '$.Body[*]', '$..[?(@.a)]', "$['a','b']"])(
      'is absent for %s, which is not a plain member path',
      (path) => {
        expect(compileJsonPath(path).rootMember).toBeUndefined();
      },
    );
  });
});

describe('compileJsonPath fast paths: edge cases of the object scan', () => {
  it('charges nothing and cannot fail on an undefined document, as the general evaluation', () => {
    for (const path of ['$..[?(@.heartRate)]', '$..[?(@.heartRate && true)]']) {
      const meter = { remaining: 0 };
      const memo: EvaluationMemo = {};

      expect(compileJsonPath(path, { maxNodeVisits: 0 }).matches(undefined, memo, meter)).toEqual([]);
      expect(meter.remaining).toBe(0);
      expect(memo.descendants).toBeUndefined();
    }
  });

  it('selects nothing, not "several", with selectOne when no object matches', () => {
    const data = mixedDocument();

    expect(compileJsonPath('$..[?(@.noSuchMember)]').selectOne?.(data, MANY)).toBeUndefined();
    expect(compileJsonPath('$..[?(@.noSuchMember || @.norThisOne)]').selectOne?.(data, MANY)).toBeUndefined();
  });

  it.each([
    ['$..[?(@.heartRate && @.systolic && @.diastolic)]', '$..[?(@.heartRate && @.systolic && @.diastolic && true)]'],
    ['$..[?(@.heartRate || @.systolic || @.diastolic)]', '$..[?((@.heartRate || @.systolic || @.diastolic) && true)]'],
  ])('%s, three tests that may all pass, charges what %s charges', (fast, general) => {
    const data = JSON.parse(
      '{"a":{"heartRate":1,"systolic":2,"diastolic":3},"b":[{"heartRate":1,"systolic":2},{"diastolic":1}],"c":5}',
    ) as unknown;
    const kinds = new Set<string>();
    for (let remaining = 0; remaining < 60; remaining++) {
      const [a, b] = [{ remaining }, { remaining }];
      const found = outcome(() => compileJsonPath(fast).matches(data, { plainJson: data }, a));
      const expected = outcome(() => compileJsonPath(general).matches(data, undefined, b));

      expect(found).toEqual(expected);
      expect(a.remaining).toBe(b.remaining);
      kinds.add(typeof expected);
    }
    // The range covers both outcomes.
    expect([...kinds].sort()).toEqual(['object', 'string']);
  });

  // Member names get their bits once per process: a fresh copy of the module, with none registered yet, shows what
  // happens to a name registered just after a shared index was built (in this file, many names were registered).
  it('reads the members whose names were registered after the shared index was built', async () => {
    vi.resetModules();
    const fresh = await import('../../../shared/core/expressions/jsonPath.js');
    const data = JSON.parse(
      '{"a":{"first":1},"b":{"second":2},"c":{"first":3,"second":4},"d":[{"third":5}],"e":{"fourth":6}}',
    ) as Record<string, unknown>;
    const memo: EvaluationMemo = { plainJson: data };

    // Builds the index: `first` has a bit in it, the names below do not.
    expect(fresh.compileJsonPath('$..[?(@.first)]').matches(data, memo)).toHaveLength(2);
    const index = memo.descendants;

    const second = fresh.compileJsonPath('$..[?(@.second)]').matches(data, memo);
    const either = fresh.compileJsonPath('$..[?(@.first || @.third)]').matches(data, memo);
    const lateFirst = fresh.compileJsonPath('$..[?(@.fourth || @.first)]').matches(data, memo);

    expect(memo.descendants).toBe(index);
    expect(second).toEqual([data['b'], data['c']]);
    expect(either).toEqual([data['a'], data['c'], (data['d'] as unknown[])[0]]);
    expect(lateFirst).toEqual([data['a'], data['c'], data['e']]);
  });
});

describe('compileJsonPath member-existence scans: names and depths at the edges of the shared index', () => {
  /**
   * `compileJsonPath` from a fresh copy of the modules, so that scanned names still get bits in the shared index
   * (other tests here register more names than it has bits for).
   */
  async function freshCompile(): Promise<typeof compileJsonPath> {
    vi.resetModules();
    return (await import('../../../shared/core/expressions/jsonPath.js')).compileJsonPath;
  }

  it("finds a member with the empty name, $..[?(@[''])]", async () => {
    const compile = await freshCompile();
    const data = JSON.parse('{"a":{"":1},"b":{"x":2},"c":[{"":null}]}') as unknown;

    const found = compile("$..[?(@[''])]").matches(data, { plainJson: data });

    expect(found).toEqual([{ '': 1 }, { '': null }]);
    expect(found).toEqual(compile("$..[?(@[''] && true)]").matches(data));
  });

  /** `{ next: { next: … { idxDeepTarget: 1 } } }` with the target at `depth`. */
  function chainTo(depth: number): Record<string, unknown> {
    let node: Record<string, unknown> = { idxDeepTarget: 1 };
    for (let i = 0; i < depth; i++) {
      node = { next: node };
    }
    return node;
  }

  it('finds a member of an object deeper than the index lists names, whatever objects come beside or after it', async () => {
    const compile = await freshCompile();
    const scan = compile('$..[?(@.idxDeepTarget)]');
    // Below the root member, the target is 201 levels down: past the builder's recursion.
    const documents = [
      { when: new Date(0), deep: chainTo(200) },
      { deep: chainTo(200), after: {} },
      { deep: chainTo(200), after: { other: 1 }, last: [{}] },
    ];

    for (const data of documents) {
      expect(scan.matches(data)).toEqual([{ idxDeepTarget: 1 }]);
      expect(scan.matches(data, {})).toEqual(compile('$..[?(@.idxDeepTarget && true)]').matches(data));
    }
  });
});

describe('compileJsonPath on a long plain path', () => {
  // Every member of a plain path offers the split of the rest; made at once, a path of n members built n nested
  // splits: quadratic, and a 60 KB mapping of one such path ran the process out of memory at load.
  it('builds the split at the first member only when asked, one level at a time', () => {
    const members = 100_000;
    const expression = compileJsonPath(`$${'.a'.repeat(members)}`);
    let data: unknown = 'end';
    for (let i = 0; i < members; i++) {
      data = { a: data };
    }

    const split = expression.rootMember;

    expect(expression.matches(data)).toEqual(['end']);
    expect(split?.head).toBe('a');
    expect(split?.rest.rootMember?.head).toBe('a');
    expect(split?.rest.source).toBe(expression.source);
  });
});
