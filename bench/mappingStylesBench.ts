/**
 * What a mapping's style costs: one heart-rate template written in the styles MedTech users write (and Microsoft's
 * documentation shows), each normalizing the normalization benchmark's messages, timed in one run against plain
 * `JSON.parse` of the same bytes. All styles find the same measurements (checked before timing), so the ratios
 * compare only how the expressions are evaluated.
 */
import { parseDeviceMapping } from '../shared/core/mapping/parseDeviceMapping.js';
import type { DeviceMapping } from '../shared/core/mapping/deviceMapping.js';
import { normalizeEvent } from '../shared/core/normalize/normalizeEvent.js';
import type { DeviceEvent } from '../shared/core/deviceEvent.js';
import { benchEvent, makeBenchMessages, median } from './normalizationBench.js';

const jmes = (value: string): { value: string; language: 'JmesPath' } => ({ value, language: 'JmesPath' });

/** One CalculatedContent heart-rate template around a type match and its three other expressions. */
function calculated(
  typeMatch: unknown,
  deviceId: unknown,
  timestamp: unknown,
  value: unknown,
): Record<string, unknown> {
  return {
    templateType: 'CollectionContent',
    template: [
      {
        templateType: 'CalculatedContent',
        template: {
          typeName: 'heartrate',
          typeMatchExpression: typeMatch,
          deviceIdExpression: deviceId,
          timestampExpression: timestamp,
          values: [{ valueName: 'hr', valueExpression: value, required: true }],
        },
      },
    ],
  };
}

/** The styles, by the name the figures use. */
export const MAPPING_STYLES: Readonly<Record<string, Record<string, unknown>>> = {
  /** JSONPath scan of the whole envelope, as MedTech's samples write it. */
  jsonPathScan: calculated(
    '$..[?(@heartRate)]',
    '$.matchedToken.deviceId',
    '$.matchedToken.endDate',
    '$.matchedToken.heartRate',
  ),
  /** JsonPathContent: the other expressions read the match itself. */
  jsonPathContent: {
    templateType: 'CollectionContent',
    template: [
      {
        templateType: 'JsonPathContent',
        template: {
          typeName: 'heartrate',
          typeMatchExpression: '$..[?(@heartRate)]',
          deviceIdExpression: '$.deviceId',
          timestampExpression: '$.endDate',
          values: [{ valueName: 'hr', valueExpression: '$.heartRate', required: true }],
        },
      },
    ],
  },
  /** JMESPath as Microsoft's documentation writes it: `keys` and `contains`, a pipe, `@.` before each path. */
  jmesPathDocumented: calculated(
    jmes('[Body][?contains(keys(@), `heartRate`)] | @[0]'),
    jmes('@.matchedToken.deviceId'),
    jmes('@.matchedToken.endDate'),
    jmes('@.matchedToken.heartRate'),
  ),
  /** JMESPath with a plain filter. */
  jmesPathFilter: calculated(
    jmes('[Body][?heartRate]'),
    jmes('matchedToken.deviceId'),
    jmes('matchedToken.endDate'),
    jmes('matchedToken.heartRate'),
  ),
};

/** Per style, its normalization rate against `JSON.parse` of the same bytes (1 = as fast as parsing alone). */
export type MappingStyleFigures = Record<string, number>;

/**
 * Runs the styles over the same messages in interleaved rounds; the median rate of each against the median rate of
 * `JSON.parse`.
 * @param options - message count and rounds
 */
export function runMappingStylesBench(options: { messages: number; rounds: number }): MappingStyleFigures {
  const messages = makeBenchMessages(options.messages);
  const events: DeviceEvent[] = messages.map(benchEvent);
  const mappings = new Map<string, DeviceMapping>();
  for (const [name, mapping] of Object.entries(MAPPING_STYLES)) {
    const parsed = parseDeviceMapping(JSON.stringify(mapping));
    if (!parsed.ok) {
      throw new Error(`bench mapping ${name} invalid: ${parsed.problems.map((p) => p.message).join('; ')}`);
    }
    mappings.set(name, parsed.value);
  }
  const measure = (mapping: DeviceMapping): string =>
    JSON.stringify(events.map((event) => normalizeEvent(mapping, event)));
  const reference = measure(mappings.get('jsonPathScan') as DeviceMapping);
  for (const [name, mapping] of mappings) {
    if (measure(mapping) !== reference) {
      throw new Error(`the ${name} style does not give the measurements the others give`);
    }
  }

  const decoder = new TextDecoder();
  let sink = 0;
  const contenders = new Map<string, () => void>([
    [
      'parse',
      () => {
        for (const m of messages) {
          sink += JSON.parse(decoder.decode(m.bytes)) === null ? 0 : 1;
        }
      },
    ],
  ]);
  for (const [name, mapping] of mappings) {
    contenders.set(name, () => {
      for (const event of events) {
        sink += normalizeEvent(mapping, event).measurements.length;
      }
    });
  }
  const seconds = new Map<string, number[]>();
  for (let round = 0; round < options.rounds; round++) {
    for (const [name, run] of contenders) {
      const start = process.hrtime.bigint();
      run();
      const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
      seconds.set(name, [...(seconds.get(name) ?? []), elapsed]);
    }
  }
  if (sink < 0) {
    throw new Error('unreachable');
  }
  const parse = median(seconds.get('parse') ?? []);
  const figures: MappingStyleFigures = {};
  for (const name of mappings.keys()) {
    figures[name] = Math.round((parse / median(seconds.get(name) ?? [])) * 1000) / 1000;
  }
  return figures;
}
