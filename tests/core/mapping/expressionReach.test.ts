import { describe, expect, it } from 'vitest';
import { typeMatchReachOf, unreachableStartOf } from '../../../shared/core/mapping/expressionReach.js';
import { parseDeviceMapping } from '../../../shared/core/mapping/parseDeviceMapping.js';

describe('unreachableStartOf', () => {
  it('warns of a CalculatedContent path that starts outside the envelope and matchedToken', () => {
    expect(unreachableStartOf('CalculatedContent', 'deviceIdExpression', 'JsonPath', '$.deviceId')).toBe(
      "deviceIdExpression '$.deviceId' selects nothing in any message: a CalculatedContent template's expressions " +
        "run on {Body, Properties, SystemProperties, matchedToken}, which has no member 'deviceId'; start the path " +
        'at matchedToken or Body ($.matchedToken.deviceId)',
    );
    expect(unreachableStartOf('CalculatedContent', 'valueExpression', 'JsonPath', "heartRate['x']")).toContain(
      "which has no member 'heartRate'",
    );
  });

  it('names the envelope member written in another letter case', () => {
    expect(unreachableStartOf('CalculatedContent', 'deviceIdExpression', 'JsonPath', '$.body.deviceId')).toContain(
      "which has no member 'body'; member names are case-sensitive: write 'Body'",
    );
    expect(unreachableStartOf('JsonPathContent', 'typeMatchExpression', 'JsonPath', "$['properties'].x")).toContain(
      "member names are case-sensitive: write 'Properties'",
    );
  });

  it('warns of a type match that starts outside the envelope, of any template kind', () => {
    for (const kind of ['CalculatedContent', 'JsonPathContent', 'IotJsonPathContent'] as const) {
      expect(unreachableStartOf(kind, 'typeMatchExpression', 'JsonPath', '$.readings[*]'), kind).toBe(
        "typeMatchExpression '$.readings[*]' selects nothing in any message: a type match runs on {Body, Properties, " +
          "SystemProperties}, which has no member 'readings'; start the path at Body ($.Body.readings)",
      );
    }
    // matchedToken exists only for the other expressions of a CalculatedContent template.
    expect(unreachableStartOf('CalculatedContent', 'typeMatchExpression', 'JsonPath', '$.matchedToken')).toContain(
      "which has no member 'matchedToken'",
    );
  });

  it('reads the fields a JMESPath expression takes from the object it runs on', () => {
    const warn = (source: string, field = 'valueExpression'): string | undefined =>
      unreachableStartOf('CalculatedContent', field, 'JmesPath', source);

    expect(warn('heartRate')).toBe(
      "valueExpression 'heartRate' reads 'heartRate' as null in every message: a CalculatedContent template's " +
        'expressions run on {Body, Properties, SystemProperties, matchedToken}, which has no member ' +
        "'heartRate'; start the path at matchedToken or Body (matchedToken.heartRate)",
    );
    expect(warn('divide(matchedToken.a, heartRate)')).toContain("no member 'heartRate'");
    expect(warn('@.deviceId')).toContain("no member 'deviceId'");
    expect(warn('@.matchedToken.deviceId')).toBeUndefined();
    expect(warn('length(@)')).toBeUndefined();
    expect(warn('[matchedToken.a, b.c]')).toContain("no member 'b'");
    expect(warn('{x: matchedToken.a, y: Body.b} || c')).toContain("no member 'c'");
    expect(warn('Body.readings[?kind == `x`].time | [0]', 'typeMatchExpression')).toBeUndefined();
    expect(warn("[Body][?contains(keys(@), 'heartRate')] | @[0]", 'typeMatchExpression')).toBeUndefined();
    expect(warn('sort_by(Body.readings, &value)[-1].value')).toBeUndefined();
    expect(warn('Body.readings[*].value')).toBeUndefined();
    expect(warn('Properties."iothub-creation-time-utc"')).toBeUndefined();
    expect(warn('`5`')).toBeUndefined();
    expect(warn('matchedToken.x', 'typeMatchExpression')).toContain("no member 'matchedToken'");
  });

  it('warns of matchedToken in the templates that run on the matched token itself', () => {
    for (const kind of ['JsonPathContent', 'IotJsonPathContent', 'IotCentralJsonPathContent'] as const) {
      expect(unreachableStartOf(kind, 'valueExpression', 'JsonPath', '$.matchedToken.heartRate'), kind).toBe(
        "valueExpression '$.matchedToken.heartRate' reads a member 'matchedToken' of the matched token: only " +
          `CalculatedContent templates add one, a ${kind} template's expressions run on the matched token itself; ` +
          'write the path without it',
      );
    }
  });

  it('warns of an IotJsonPathContent type match that cannot select the envelope, where its device id is read', () => {
    const iot = (source: string): string | undefined =>
      unreachableStartOf('IotJsonPathContent', 'typeMatchExpression', 'JsonPath', source);

    expect(iot('$..[?(@heartRate)]')).toBe(
      "typeMatchExpression '$..[?(@heartRate)]' never selects the envelope itself, yet an IotJsonPathContent " +
        'template reads its device id ($.SystemProperties.iothub-connection-device-id) and timestamp from each ' +
        'match, which a match inside the body does not hold; test for members of Body (as in ' +
        '$..[?(@Body.heartRate)]), or use a CalculatedContent template',
    );
    for (const never of [
      '$..[?(@telemetry.HeartRate && @deviceId)]',
      '$..[?(@a || @b.c)]',
      '$..[?(@Body.x)].Body',
      '$.Body',
      '$..[?(@Body.x)]..[?(@y)]',
      '$..Body',
    ]) {
      expect(iot(never), never).toContain('never selects the envelope itself');
    }
    for (const may of [
      '$..[?(@Body.heartRate)]',
      '$..[?(@Body.a && @Properties.b)]',
      '$..[?(@a || @SystemProperties.x)]',
      '$..[?(@.heartRate > 50)]',
      "$..[?(@ == 'x')]",
      '$..[?($.Body.x)]',
      '$..*',
      '$',
      '$..[?(@Body.x)]..[?(@Body.y)]',
    ]) {
      expect(iot(may), may).toBeUndefined();
    }
    // The other kinds read their ids from the message's own members: no such rule.
    expect(unreachableStartOf('JsonPathContent', 'typeMatchExpression', 'JsonPath', '$..[?(@heartRate)]')).toBe(
      undefined,
    );
    expect(unreachableStartOf('IotJsonPathContent', 'valueExpression', 'JsonPath', '$..[?(@heartRate)]')).toBe(
      undefined,
    );
  });

  it('warns of an envelope path in a template whose type match never selects the envelope', () => {
    const check = (kind: Parameters<typeof unreachableStartOf>[0], source: string, typeMatch: string) =>
      unreachableStartOf(kind, 'valueExpression', 'JsonPath', source, typeMatchReachOf(typeMatch));

    expect(check('JsonPathContent', '$.Body.heartRate', '$..[?(@heartRate)]')).toBe(
      "valueExpression '$.Body.heartRate' reads a member 'Body' of the matched token, but the type match " +
        "'$..[?(@heartRate)]' never selects the envelope: each match lies below it, without a 'Body' member unless " +
        'the message holds one; write the path from the match itself ($.heartRate)',
    );
    expect(check('IotCentralJsonPathContent', "$['SystemProperties'].x", '$.Body.readings[*]')).toContain(
      "the event's properties are read in a CalculatedContent template",
    );
    // A type match that may select the envelope, a path from elsewhere, the IoT kind (its type match is warned of
    // instead), an unknown type match: nothing.
    expect(check('JsonPathContent', '$.Body.heartRate', '$..[?(@Body.heartRate)]')).toBeUndefined();
    expect(check('JsonPathContent', '$.heartRate', '$..[?(@heartRate)]')).toBeUndefined();
    expect(check('IotJsonPathContent', '$.Body.heartRate', '$..[?(@heartRate)]')).toBeUndefined();
    expect(unreachableStartOf('JsonPathContent', 'valueExpression', 'JsonPath', '$.Body.heartRate')).toBeUndefined();
  });

  it('leaves alone the paths that can find something', () => {
    const quiet: [Parameters<typeof unreachableStartOf>[0], string, string][] = [
      ['CalculatedContent', 'typeMatchExpression', '$..[?(@heartRate)]'],
      ['CalculatedContent', 'typeMatchExpression', '$.Body.readings[*]'],
      ['CalculatedContent', 'deviceIdExpression', '$.matchedToken.deviceId'],
      ['CalculatedContent', 'deviceIdExpression', '$.Body.deviceId'],
      ['CalculatedContent', 'timestampExpression', '$.Properties.iothub-creation-time-utc'],
      ['CalculatedContent', 'deviceIdExpression', "$.SystemProperties['iothub-connection-device-id']"],
      ['CalculatedContent', 'valueExpression', '$..heartRate'],
      ['CalculatedContent', 'valueExpression', '$.*'],
      ['CalculatedContent', 'valueExpression', '$'],
      ['JsonPathContent', 'deviceIdExpression', '$.deviceId'],
      ['JsonPathContent', 'valueExpression', '$.Body.heartRate'],
      ['IotJsonPathContent', 'typeMatchExpression', '$..[?(@Body.heartRate)]'],
      ['IotCentralJsonPathContent', 'valueExpression', '$.telemetry.HeartRate'],
    ];
    for (const [kind, field, source] of quiet) {
      expect(unreachableStartOf(kind, field, 'JsonPath', source), `${kind} ${field} ${source}`).toBeUndefined();
    }
  });
});

describe('parseDeviceMapping', () => {
  it('loads such a mapping, with a TemplateExpression warning at each expression', () => {
    const text = JSON.stringify(
      {
        templateType: 'CollectionContent',
        template: [
          {
            templateType: 'CalculatedContent',
            template: {
              typeName: 'heartrate',
              typeMatchExpression: '$..[?(@heartRate)]',
              deviceIdExpression: '$.deviceId',
              timestampExpression: '$.matchedToken.endDate',
              values: [{ valueName: 'hr', valueExpression: '$.heartRate', required: true }],
            },
          },
          {
            templateType: 'JsonPathContent',
            template: {
              typeName: 'spo2',
              typeMatchExpression: '$..[?(@spo2)]',
              deviceIdExpression: '$.deviceId',
              timestampExpression: '$.matchedToken.endDate',
              values: [{ valueName: 'spo2', valueExpression: '$.spo2', required: true }],
            },
          },
        ],
      },
      null,
      2,
    );
    const result = parseDeviceMapping(text);

    expect(result.ok).toBe(true);
    const warnings = result.ok ? result.warnings : [];
    expect(
      warnings.map((w) => [w.name, w.location.templateIndex, w.location.field, w.location.line, w.location.pointer]),
    ).toEqual([
      ['TemplateExpression', 0, 'deviceIdExpression', 9, '/template/0/template/deviceIdExpression'],
      ['TemplateExpression', 0, 'valueExpression', 14, '/template/0/template/values/0/valueExpression'],
      ['TemplateExpression', 1, 'timestampExpression', 26, '/template/1/template/timestampExpression'],
    ]);
  });
});

describe('parseDeviceMapping, with the type match', () => {
  it('checks the other expressions of a JsonPathContent template against its type match', () => {
    const template = (typeMatchExpression: string): unknown => ({
      templateType: 'JsonPathContent',
      template: {
        typeName: 'spo2',
        typeMatchExpression,
        deviceIdExpression: '$.Body.deviceId',
        timestampExpression: '$.Body.endDate',
        values: [{ valueName: 'spo2', valueExpression: '$.Body.spo2', required: true }],
      },
    });
    const result = parseDeviceMapping(
      JSON.stringify({
        templateType: 'CollectionContent',
        template: [template('$..[?(@spo2)]'), template('$..[?(@Body.spo2)]')],
      }),
    );

    expect(result.ok).toBe(true);
    const warnings = result.ok ? result.warnings : [];
    expect(warnings.map((w) => [w.location.templateIndex, w.location.field])).toEqual([
      [0, 'deviceIdExpression'],
      [0, 'timestampExpression'],
      [0, 'valueExpression'],
    ]);
    expect(warnings.every((w) => w.message.includes("the type match '$..[?(@spo2)]' never selects"))).toBe(true);
  });
});
