#!/usr/bin/env python3
"""Random differentials of this project against Newtonsoft.Json built by run.sh (see README.md).

Usage: random_differential.py <work directory of run.sh> <kind> <seed> <count> [differences to print] [--record FILE]
  kind: paths     JSONPath over small documents, the grammar's odd corners (names, slices, unions, scans, filters)
        device    JSONPath filters over device-like messages (readings, types, values, flags, nested objects)
        bodies    message bodies with what Newtonsoft's reader accepts beyond JSON (comments, single quotes, …)
        dates     strings of a body that Newtonsoft's reader may turn into dates (ISO-8601 and /Date(ms)/ forms)
        jmespath  JMESPath expressions (with MedTech's functions) over small documents (build_jmespath.sh first)
        normalize device mappings and messages through MedTech's own extractor (build_medtech.sh first)
        envelopes the same with IoT Hub, IoT Central and Event Hubs envelopes (Properties, SystemProperties) and
                  IotJsonPathContent, IotCentralJsonPathContent and CalculatedContent templates that read them
        mappings  valid mappings with random changes (names, types, values, languages): which load, and what the
                  ones both load make of a message
        functions MedTech's functions and JMESPath built-ins in value expressions, through MedTech's extractor
        jmesforms the JMESPath forms Microsoft's documentation writes (`[Body][?contains(keys(@), …)] | @[0]`,
                  `@.matchedToken.x`) and their neighbours (`length(values(@))`, `keys`), over bodies with
                  integer-like member names, through MedTech's extractor (JSON literals: the documentation's
                  `` `heartRate` ``, which JmesPath.Net refuses, is a README decision)
        fhirmappings  FHIR destination mappings with random changes: which load, and the templates they load as

The generators leave out what the project does differently on purpose, each named in README.md ("Mappings", "Where
we deliberately differ"): negative indexes, parentheses in filters, a number followed directly by an operator,
filters whose result depends on Newtonsoft testing an object's properties (constant or `@`-only conditions),
date-like strings (Newtonsoft turns them into dates), JavaScript constructors and numbers beyond double's range; for
JMESPath, `-0.0` (Mono writes it as .NET Framework did), `divide`, `pow`, `fromUnixTimestamp(Ms)`, repeated keys of a
multi-select hash and mixed-case strings in orderings (whole floats such as `1.0` and integers past 2^53 are in, and
`jmespath` compares number kinds: `2.0` is not `2`); for normalize, `-0.0` and date-like string values, and booleans
(`True` here) and blank optional ids (kept there) are compared as this project writes them (README). `functions`
names the differences of the classes the README lists (a non-finite result, 64-bit overflow, `pow` of two integers)
and Mono's own (a negative zero written `0`, some doubles written with 17 digits).
Run `npm run build` first: this project's side is dist/scripts/oracleEvaluate.js.

With `--record FILE`, a sample of the cases on which both agree is added to FILE, a JSON list of what Newtonsoft.Json
gave: for paths and device, {"document": text, "path", "outcome": "tokens" | "error", "tokens"}, up to 60 cases of a
seed that select something, 15 that fail, 15 that select nothing (tests/fixtures/newtonsoft-jsonpath-random); for
bodies, {"text", "outcome": "value" | "error", "value"} in tests/fixtures/newtonsoft-bodies' value encoding, up to 60
read and 30 refused (tests/fixtures/newtonsoft-bodies-random); for dates, {"text", "outcome": "date" | "string" |
"error", "ms"}, up to 60 dates, 20 strings and 10 failures (tests/fixtures/newtonsoft-dates-random); for jmespath,
{"data": text, "expression", "outcome": "value" | "error", "value"}, up to 60 values that are not null, 15 nulls and
15 failures (tests/fixtures/jmespath-net-random); for normalize, {"mapping", "message", "measurements"} as MedTech
made them, up to 40 that measure something and 10 that do not, of the pairs where MedTech failed no match
(tests/fixtures/medtech-normalization-random); for envelopes, mappings and functions, the same, the message an envelope file
{"Body", "Properties", "SystemProperties"} (added to the same fixture); for fhirmappings, {"mapping", "outcome":
"templates" | "refused", "templates", "unusable"} with the templates MedTech loaded, up to 50 loaded alike, 15
refused by both and 15 refused here that MedTech loads but cannot use (tests/fixtures/medtech-fhir-mappings-random).
"""
import base64
import collections
import json
import os
import random
import re
import subprocess
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')


def b64(text):
    return base64.b64encode(text.encode('utf-8', 'surrogatepass')).decode()


# ----------------------------------------------------------------------------------------------------------------
# JSONPath: the grammar's corners
# ----------------------------------------------------------------------------------------------------------------
NAMES = ['a', 'b', 'c', 'hr', 'heart-rate', '1', '0', 'x y', 'A', '', '$', 'é', 'a.b', '_', 'id', 'value']
PRIMITIVES = ['0', '1', '-1', '2', '10', '1.0', '2.5', '-0.0', '1e2', '0.1', '12345678901234567890', '"a"', '"b"',
              '"1"', '"2.5"', '"true"', '""', '"x y"', '"A"', 'true', 'false', 'null']
LITERALS = ['1', '1.0', '-1', '2.5', '0', '10', '1e2', "'a'", "'1'", "'2.5'", "'true'", "''", 'true', 'false', 'null',
            "'A'", '$.a', '$.b', '$..a']
MEMBER_TESTS = ['@.a', '@.b', '@a', '@.hr', "@['heart-rate']", '@[0]', '@.a.b', '@.value', '@.1', "@['x y']", '@.*',
                '@[*]', '@.id', '@.c']
OPERATORS = [' == ', ' != ', ' < ', ' <= ', ' > ', ' >= ', ' === ', ' !== ']


def small_document(rng, depth=0):
    k = rng.random() if depth else 0.4 + rng.random() * 0.6
    if depth >= 3 or k < 0.35:
        return rng.choice(PRIMITIVES)
    if k < 0.7:
        names = rng.sample(NAMES, rng.randint(0, 4))
        return '{' + ','.join(json.dumps(n) + ':' + small_document(rng, depth + 1) for n in names) + '}'
    return '[' + ','.join(small_document(rng, depth + 1) for _ in range(rng.randint(0, 4))) + ']'


def quoted(name):
    return "'" + name.replace('\\', '\\\\').replace("'", "\\'") + "'"


def condition(rng, left_operands, right_literals, patterns, depth=0):
    k = rng.random()
    if depth < 2 and k < 0.2:
        return (condition(rng, left_operands, right_literals, patterns, depth + 1) + rng.choice([' && ', ' || '])
                + condition(rng, left_operands, right_literals, patterns, depth + 1))
    left = rng.choice(left_operands)
    if k < 0.4:
        return left
    if k < 0.45:
        return left + ' =~ ' + rng.choice(patterns)
    right = rng.choice(left_operands) if rng.random() < 0.3 else rng.choice(right_literals)
    return left + rng.choice(OPERATORS) + right


def corner_path(rng):
    def step():
        k = rng.random()
        dot = rng.choice(['a', 'b', 'c', 'hr', 'heart-rate', 'A', 'id', 'value', '_', '1', '0'])
        if k < 0.25:
            return '.' + dot
        if k < 0.32:
            return '[' + quoted(rng.choice(NAMES)) + ']'
        if k < 0.38:
            return '[' + rng.choice(['0', '1', '2', '5']) + ']'
        if k < 0.43:
            return '[' + rng.choice(['1:', '0:2', ':2', '::-1', '-1:', '1:3:2', '::2', ':', '0:0']) + ']'
        if k < 0.46:
            return '[' + rng.choice(['0,1', '1,0', '0,0', "'a','b'", "'a','a'"]) + ']'
        if k < 0.52:
            return rng.choice(['[*]', '.*'])
        if k < 0.62:
            return '..' + rng.choice([dot, '*', '[' + quoted(rng.choice(NAMES)) + ']', '[0]', '[*]'])
        patterns = ['/a/', '/^a$/i', '/1/', '/\\d/']
        filtered = '[?(' + condition(rng, MEMBER_TESTS, LITERALS, patterns) + ')]'
        return filtered if k < 0.85 else '..' + filtered
    path = rng.choice(['$', '$', '$', '$', ''])
    for _ in range(rng.randint(1, 3)):
        path += step()
    return path[1:] if path.startswith('.') else path


# ----------------------------------------------------------------------------------------------------------------
# JSONPath: device-like messages
# ----------------------------------------------------------------------------------------------------------------
FIELDS = ['type', 'value', 'time', 'unit', 'id', 'systolic', 'diastolic', 'heartRate', 'flags', 'nested']
# Not one of them is a text Newtonsoft's reader turns into a date.
TIMES = ['2023-03-13', '03/13/2023 10:00', '13/03/2023', '1678701600', 'Mon, 13 Mar 2023 10:00:00 GMT', '10:00:00',
         '2023-03-13 10:00:00']
DEVICE_LITERALS = ["'hr'", "'HR'", "'spo2'", '50', '50.5', '0', '-1', '100', 'true', 'false', 'null', "'2023-03-13'",
                   "'50'", "'a'", "''", '1e2', '$.deviceId', '$.heartRate', '$.ts', "'dev1'"]


def device_value(rng):
    return rng.choice([str(rng.randint(-5, 120)), str(round(rng.uniform(-5, 120), rng.randint(0, 3))),
                       '"%d"' % rng.randint(0, 100), json.dumps(rng.choice(TIMES)), 'true', 'false', 'null', '"a"',
                       '""', '1e2', '12345678901234567890', '-0.0'])


def reading(rng, depth=0):
    members = {}
    for name in rng.sample(FIELDS[:-1], rng.randint(1, 5)):
        if name == 'type':
            members[name] = json.dumps(rng.choice(['hr', 'spo2', 'bp', 'temp', 'HR']))
        elif name == 'flags':
            members[name] = '[' + ','.join(device_value(rng) for _ in range(rng.randint(0, 3))) + ']'
        elif name == 'time':
            members[name] = json.dumps(rng.choice(TIMES))
        else:
            members[name] = device_value(rng)
    if depth < 2 and rng.random() < 0.3:
        members['nested'] = reading(rng, depth + 1)
    return '{' + ','.join(json.dumps(k) + ':' + v for k, v in members.items()) + '}'


def device_document(rng):
    members = [('deviceId', json.dumps(rng.choice(['dev1', 'dev2', '42']))), ('ts', json.dumps(rng.choice(TIMES))),
               ('readings', '[' + ','.join(reading(rng) for _ in range(rng.randint(0, 4))) + ']')]
    if rng.random() < 0.5:
        members.append(('heartRate', device_value(rng)))
    if rng.random() < 0.3:
        members.append(('data', reading(rng)))
    rng.shuffle(members)
    return '{' + ','.join(json.dumps(k) + ':' + v for k, v in members) + '}'


def device_path(rng):
    lefts = (['@.' + f for f in FIELDS] + ['@' + f for f in FIELDS] + ["@['" + f + "']" for f in FIELDS]
             + ['@.nested.' + f for f in FIELDS] + ['@.flags[0]', '@.flags[*]'])
    patterns = ['/^h/i', '/\\d+/', '/^2023/', '/r$/']
    k = rng.random()
    if k < 0.3:
        path = '$..[?(' + condition(rng, lefts, DEVICE_LITERALS, patterns) + ')]'
    elif k < 0.55:
        path = '$.readings[?(' + condition(rng, lefts, DEVICE_LITERALS, patterns) + ')]'
    elif k < 0.65:
        path = '$..' + rng.choice(FIELDS + ['readings', 'deviceId', 'ts', '*'])
    elif k < 0.75:
        path = '$.readings[' + rng.choice(['0', '1', '*', '1:', '-1:', ':2', '0,2']) + ']'
    else:
        path = '$..[?(' + condition(rng, lefts, DEVICE_LITERALS, patterns) + ')].' + rng.choice(FIELDS)
    if rng.random() < 0.2:
        path += rng.choice(['.value', '[0]', '..value', '.nested', '.flags[*]'])
    return path


# ----------------------------------------------------------------------------------------------------------------
# Message bodies
# ----------------------------------------------------------------------------------------------------------------
GAPS = [' ', '', '', '\t', '\n', '\u00a0', '/*c*/', '//c\n', '\u0085']
NUMBERS = ['0', '1', '-1', '1.5', '1.', '.5', '-.5', '1e5', '1E+2', '1.e5', '0x1F', '0X1f', '012', '08', '-0', '-0.0',
           'NaN', 'Infinity', '-Infinity', '9223372036854775808', '123456789012345678', '1_0', '+1', '00', '0.0e0',
           '1e', '- 1', '.', '-', '0x', '1.2.3']
STRINGS = ['"a"', "'a'", '"a\\u0041"', "'it\\'s'", '"\\/"', '"\\x41"', '"\\q"', '"\\ud800"', '"tab\tin"', '"a',
           '"\u00e9"']
WORDS = ['true', 'false', 'null', 'undefined', 'True', 'nul', 'tru']


def body_value(rng, depth=0):
    k = rng.random()
    if depth < 3 and k < 0.25:
        items = [body_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
        if rng.random() < 0.1 and items:
            items.insert(rng.randint(0, len(items)), '')
        text = '[' + ','.join(rng.choice(GAPS) + x + rng.choice(GAPS) for x in items)
        text += (rng.choice(['', ',', ',,']) if rng.random() < 0.2 else '') + ']'
        return text if rng.random() > 0.05 else text[:-1]
    if depth < 3 and k < 0.5:
        names = [rng.choice(['"a"', '"b"', "'c'", 'd', '$e', '_f', '1', '"a b"', 'g-h']) for _ in range(rng.randint(0, 3))]
        members = [n + rng.choice(GAPS) + ':' + rng.choice(GAPS) + (body_value(rng, depth + 1) if rng.random() > 0.05 else '')
                   for n in names]
        text = '{' + ','.join(members) + (rng.choice(['', ',']) if rng.random() < 0.2 else '') + '}'
        return text if rng.random() > 0.05 else text[:-1]
    if k < 0.7:
        return rng.choice(NUMBERS)
    if k < 0.85:
        return rng.choice(STRINGS)
    return rng.choice(WORDS)


def body_text(rng):
    text = rng.choice(GAPS) + body_value(rng) + rng.choice(['', '', ' ', 'x', ',1', '/*x*/', '//', '\n}', 'garbage'])
    return ('\ufeff' + text) if rng.random() < 0.03 else text


# ----------------------------------------------------------------------------------------------------------------
# Dates
# ----------------------------------------------------------------------------------------------------------------
ZONES = ['', 'Z', 'z', '+00:00', '-05:00', '+05:30', '+14:00', '-12:00', '+15:00', '+05:60', '+99:99', '+05:', '+05',
         '+0530', '-0000', '+5:30', 'Z ', ':30', '30', '+05:30Z', '-23:59', '+23:59']


def date_text(rng):
    if rng.random() < 0.25:
        millis = rng.choice([str(rng.randint(-10 ** 13, 10 ** 13)), '0', '-0', '1678747561000', '253402300799999',
                             '253402300800000', '-62135596800000', '-62135596800001', '00012', '+5', '1.5', '', ' 5'])
        offset = rng.choice(['', '', '+0000', '-0500', '+0530', '+05', '+053000', '+14:00', 'Z', ' +0100', '+053',
                             '+05ab', '+5', '+5:', '-5', '+-5', '+05)'])
        return (rng.choice(['/Date(', '/Date(', '/date(', '/Date (']) + millis + offset
                + rng.choice([')/', ')/', ')', ') /']))
    two = lambda lo, hi: '%02d' % rng.randint(lo, hi)
    text = '%s-%s-%s%s%s:%s:%s' % (
        rng.choice(['2023', '0001', '9999', '1970', '2000', '2024', '1900', '2100']), two(1, 12),
        rng.choice([two(1, 28), '29', '30', '31', '00', '32']), rng.choice(['T', 'T', 'T', 't', ' ']),
        rng.choice([two(0, 23), '24', '00', '25']), rng.choice([two(0, 59), '00', '60']),
        rng.choice([two(0, 59), '00', '60']))
    if rng.random() < 0.6:
        text += '.' + ''.join(rng.choice('0123456789') for _ in range(rng.choice([0, 1, 2, 3, 6, 7, 8, 9, 12])))
    return text + rng.choice(ZONES)


# ----------------------------------------------------------------------------------------------------------------
# JMESPath
# ----------------------------------------------------------------------------------------------------------------
JMES_FIELDS = ['a', 'b', 'c', 'foo', 'bar', 'items', 'name', 'value', 'type', 'tags']
JMES_LITERALS = ['`1`', '`2.5`', '`"x"`', '`true`', '`false`', '`null`', '`[1,2]`', '`{"a":1}`', "'x'", "'abc'", "''",
                 '`-1`', '`0`', '`"10"`', '`[]`', '`{}`',
                 # Numbers whose kind shows (JmesPath.Net's float or integer): whole floats, integers past 2^53.
                 '`1.0`', '`2.0`', '`1e2`', '`[1.0,2]`', '`12345678901234567`']
JMES_FUNCTIONS = ['length', 'sort', 'max', 'min', 'sum', 'avg', 'to_string', 'to_number', 'keys', 'values', 'not_null',
                  'reverse', 'abs', 'ceil', 'floor', 'type', 'to_array']


def jmes_document(rng, depth=0):
    k = rng.random()
    if depth >= 3 or k < 0.35:
        return rng.choice([str(rng.randint(-5, 20)), str(round(rng.uniform(-5, 20), 2)) if rng.random() < 0.5 else '2.5',
                           '"x"', '"y"', '"abc"', '"a b"', '""', 'true', 'false', 'null', '0', '-1', '"10"', '"2.5"',
                           '1.0', '2.0', '1e2', '12345678901234567', '1e15', '1.0'])
    if k < 0.7:
        names = rng.sample(JMES_FIELDS, rng.randint(0, 4))
        return '{' + ','.join(json.dumps(n) + ':' + jmes_document(rng, depth + 1) for n in names) + '}'
    return '[' + ','.join(jmes_document(rng, depth + 1) for _ in range(rng.randint(0, 4))) + ']'


def jmes_expression(rng, depth=0):
    e = lambda: jmes_expression(rng, depth + 1)
    k = rng.random()
    if depth > 3 or k < 0.25:
        return rng.choice([rng.choice(JMES_FIELDS), rng.choice(JMES_FIELDS), '@', rng.choice(JMES_LITERALS)])
    steps = [
        (0.35, lambda: e() + '.' + rng.choice(JMES_FIELDS)),
        (0.42, lambda: e() + '[%d]' % rng.choice([0, 1, -1, 2])),
        (0.47, lambda: e() + '[' + rng.choice(['1:', '0:2', ':2', '::-1', '-1:', '1:3:2', '::2', ':']) + ']'),
        (0.53, lambda: e() + rng.choice(['[*]', '.*', '[]'])),
        (0.58, lambda: e() + '[*].' + rng.choice(JMES_FIELDS)),
        (0.65, lambda: e() + '[?' + jmes_condition(rng, depth + 1) + ']'),
        (0.68, lambda: e() + ' | ' + e()),
        (0.80, lambda: jmes_function(rng, depth + 1)),
        (0.84, lambda: '[' + ', '.join(e() for _ in range(rng.randint(1, 3))) + ']'),
        (0.87, lambda: '{' + ', '.join('%s: %s' % (n, e()) for n in rng.sample(['k', 'm', 'n'], rng.randint(1, 3))) + '}'),
        (0.91, lambda: e() + rng.choice([' || ', ' && ']) + e()),
        (0.94, lambda: '!' + e()),
        (0.97, lambda: '(' + e() + ')'),
        (1.00, lambda: e() + '.' + rng.choice(['[a, b]', '{k: a}'])),
    ]
    return next(make for limit, make in steps if k < limit)()


def jmes_condition(rng, depth):
    k = rng.random()
    if k < 0.4:
        return (jmes_expression(rng, depth + 1) + rng.choice([' == ', ' != ', ' < ', ' <= ', ' > ', ' >= '])
                + jmes_expression(rng, depth + 1))
    if k < 0.6:
        return jmes_expression(rng, depth + 1)
    if k < 0.8:
        return jmes_condition(rng, depth + 1) + rng.choice([' && ', ' || ']) + jmes_condition(rng, depth + 1)
    return '!' + jmes_expression(rng, depth + 1)


def jmes_function(rng, depth):
    e = lambda: jmes_expression(rng, depth + 1)
    k = rng.random()
    if k < 0.55:
        return '%s(%s)' % (rng.choice(JMES_FUNCTIONS), e())
    if k < 0.65:
        return '%s(%s, %s)' % (rng.choice(['contains', 'starts_with', 'ends_with']), e(), e())
    if k < 0.7:
        return 'join(%s, %s)' % (rng.choice(["', '", "''", 'a']), e())
    if k < 0.75:
        return 'merge(%s, %s)' % (e(), e())
    if k < 0.82:
        return '%s(%s, &%s)' % (rng.choice(['sort_by', 'max_by', 'min_by']), e(), e())
    if k < 0.86:
        return 'map(&%s, %s)' % (e(), e())
    if k < 0.95:
        return '%s(%s, %s)' % (rng.choice(['add', 'subtract', 'multiply']), e(), e())
    return 'insertString(%s, %s, %s)' % (e(), e(), e())


# ----------------------------------------------------------------------------------------------------------------
# Normalization
# ----------------------------------------------------------------------------------------------------------------
TIMESTAMPS = ['2023-03-13T22:46:01Z', '2023-03-13T22:46:01.875Z', '2023-03-13T22:46:01+02:00', '2023-03-13T22:46:01',
              '2023-03-13T22:46:01.1234567Z', '2021-12-31T23:59:59.999999999']


def device_message(rng):
    value = lambda: rng.choice([str(rng.randint(0, 150)), str(round(rng.uniform(0, 150), rng.randint(1, 4))),
                                '"%d"' % rng.randint(0, 99), '"abc"', '""', 'null', 'true', 'false', '1e2',
                                '12345678901234567', '0.1'])
    readings = []
    for _ in range(rng.randint(0, 3)):
        members = {'type': json.dumps(rng.choice(['hr', 'spo2', 'bp'])), 'time': json.dumps(rng.choice(TIMESTAMPS))}
        for name in rng.sample(['value', 'sys', 'dia', 'unit', 'pid', 'eid', 'cid'], rng.randint(1, 5)):
            members[name] = value() if name not in ('pid', 'eid', 'cid') else rng.choice(['"p1"', '"p2"', '""', 'null', '7'])
        readings.append('{' + ','.join(json.dumps(k) + ':' + v for k, v in members.items()) + '}')
    parts = {'deviceId': rng.choice(['"dev1"', '"dev2"', '42', '""', 'null']), 'ts': json.dumps(rng.choice(TIMESTAMPS)),
             'readings': '[' + ','.join(readings) + ']'}
    if rng.random() < 0.5:
        parts['heartRate'] = value()
    return '{' + ','.join(json.dumps(k) + ':' + v for k, v in parts.items()) + '}'


def device_mapping(rng):
    def expression(json_path, jmes_path):
        return {'value': jmes_path, 'language': 'JmesPath'} if rng.random() < 0.25 else json_path
    templates = []
    for _ in range(rng.randint(1, 2)):
        if rng.random() < 0.75:
            t = {'typeName': rng.choice(['hr', 'spo2', 'bp']),
                 'typeMatchExpression': rng.choice([
                     {'value': "$..[?(@type == 'hr')]", 'language': 'JsonPath'}, '$..[?(@type)]', '$.readings[*]',
                     '$..[?(@value > 50)]', {'value': 'readings[?type==`"hr"`]', 'language': 'JmesPath'},
                     {'value': 'readings', 'language': 'JmesPath'}, {'value': 'readings[*]', 'language': 'JmesPath'}]),
                 'deviceIdExpression': expression('$.Body.deviceId', 'Body.deviceId'),
                 'timestampExpression': expression(rng.choice(['$.matchedToken.time', '$.Body.ts']),
                                                   rng.choice(['matchedToken.time', 'Body.ts'])),
                 'values': []}
            for name, path in rng.sample([('v', 'value'), ('s', 'sys'), ('d', 'dia'), ('u', 'unit')], rng.randint(0, 3)):
                t['values'].append({'valueName': name, 'valueExpression': expression('$.matchedToken.' + path,
                                                                                     'matchedToken.' + path),
                                    'required': rng.random() < 0.5})
            for field, path, chance in (('patientIdExpression', 'pid', 0.4), ('encounterIdExpression', 'eid', 0.3),
                                        ('correlationIdExpression', 'cid', 0.2)):
                if rng.random() < chance:
                    t[field] = expression('$.matchedToken.' + path, 'matchedToken.' + path)
            templates.append({'templateType': 'CalculatedContent', 'template': t})
        else:
            templates.append({'templateType': 'JsonPathContent', 'template': {
                'typeName': 'hr', 'typeMatchExpression': rng.choice(['$..[?(@heartRate)]', '$..[?(@readings)]']),
                'deviceIdExpression': '$.deviceId', 'timestampExpression': '$.ts',
                'values': [{'valueName': 'hr', 'valueExpression': '$.heartRate', 'required': rng.random() < 0.5}]}})
    return json.dumps({'templateType': 'CollectionContent', 'template': templates})


# What an IoT Hub, IoT Central or Event Hubs message's envelope may carry in its times: timestamps, other texts
# DateTime.Parse reads, texts it does not, and values that are no text.
ENVELOPE_TIMES = ['"2023-03-13T22:46:01Z"', '"2023-03-13T22:46:01.5+02:00"', '"2023-03-13T22:46:01"',
                  '"03/13/2023 10:00"', '"Mon, 13 Mar 2023 10:00:00 GMT"', '"2023-03-13 10:00:00"', '"abc"', '""',
                  '"1678701600"', '1678701600', 'null', 'true']


def envelope_time(rng):
    return rng.choice(ENVELOPE_TIMES[:3] if rng.random() < 0.8 else ENVELOPE_TIMES)


def envelope_message(rng):
    value = lambda: rng.choice([str(rng.randint(0, 150)), str(round(rng.uniform(0, 150), rng.randint(1, 4))),
                                '"%d"' % rng.randint(0, 99), '"abc"', '""', 'null', 'true'])
    ident = lambda: rng.choice(['"p1"', '"p2"', '""', 'null', '7'])
    k = rng.random()
    if k < 0.3:
        body = device_message(rng)
    elif k < 0.75:
        telemetry = {}
        for name in rng.sample(['HeartRate', 'BloodPressure', 'Activity', 'RespiratoryRate'], rng.randint(0, 3)):
            telemetry[name] = ('{"Systolic":%s,"Diastolic":%s}' % (value(), value()) if name == 'BloodPressure'
                               else value())
        parts = {'deviceId': rng.choice(['"1vzb5ghlsg1"', '"dev1"', '"dev2"'] * 3 + ['""', 'null', '42']),
                 'enqueuedTime': envelope_time(rng),
                 'telemetry': '{' + ','.join(json.dumps(n) + ':' + v for n, v in telemetry.items()) + '}'}
        if rng.random() < 0.3:
            parts['messageProperties'] = '{"messageProp":"value"}'
        for name in rng.sample(sorted(parts), 1 if rng.random() < 0.2 else 0):
            del parts[name]
        body = '{' + ','.join(json.dumps(n) + ':' + v for n, v in parts.items()) + '}'
    elif k < 0.95:
        parts = {'heartRate': value(), 'patientId': ident()}
        if rng.random() < 0.5:
            parts['readings'] = '[{"value":%s},{"value":%s}]' % (value(), value())
        body = '{' + ','.join(json.dumps(n) + ':' + v for n, v in parts.items()) + '}'
    else:
        body = rng.choice(['null', '[]', '{}', '"text"', '5'])
    properties = {'iothub-creation-time-utc': envelope_time(rng), 'patientId': ident(), 'custom': value()}
    system = {'iothub-connection-device-id': rng.choice(['"hub-dev"', '"dev1"'] * 3 + ['""', 'null', '42']),
              'iothub-enqueuedtime': envelope_time(rng), 'x-opt-sequence-number': '12',
              'iothub-message-source': '"Telemetry"'}
    envelope = ['"Body":' + body]
    for name, members in (('Properties', properties), ('SystemProperties', system)):
        if rng.random() < 0.9:
            chosen = [n for n in sorted(members) if rng.random() < (0.9 if n.startswith('iothub-') else 0.6)]
            envelope.append(json.dumps(name) + ':{' + ','.join(json.dumps(n) + ':' + members[n] for n in chosen) + '}')
    rng.shuffle(envelope)
    return '{' + ','.join(envelope) + '}'


def envelope_mapping(rng):
    def expression(json_path, jmes_path):
        return {'value': jmes_path, 'language': 'JmesPath'} if rng.random() < 0.3 else json_path
    required = lambda: rng.random() < 0.5
    templates = []
    for _ in range(rng.randint(1, 2)):
        k = rng.random()
        if k < 0.3:
            t = {'typeName': 'hr',
                 # An IoT Hub template reads its device id and time from the envelope, so from a match of the root.
                 'typeMatchExpression': rng.choice(['$..[?(@Body.heartRate)]'] * 3 + [
                     '$..[?(@heartRate)]', '$.Body', '$..[?(@Body)]', '$..[?(@Properties.custom)]']),
                 'values': [{'valueName': 'hr', 'required': required(),
                             'valueExpression': rng.choice(['$.Body.heartRate', '$.heartRate', '$.Properties.custom',
                                                            '$.Body.readings[0].value'])}]}
            if rng.random() < 0.4:
                t['patientIdExpression'] = rng.choice(['$.Properties.patientId', '$.Body.patientId'])
            if rng.random() < 0.1:  # MedTech ignores these in an IotJsonPathContent template
                t['deviceIdExpression'] = '$.Body.deviceId'
                t['timestampExpression'] = '$.Body.enqueuedTime'
            templates.append({'templateType': 'IotJsonPathContent', 'template': t})
        elif k < 0.6:
            t = {'typeName': rng.choice(['hr', 'bp']),
                 'typeMatchExpression': rng.choice(['$..[?(@telemetry.HeartRate)]', '$..[?(@telemetry)]',
                                                    '$..[?(@telemetry.BloodPressure.Systolic)]', '$.Body']),
                 'values': []}
            for name, path in rng.sample([('hr', 'HeartRate'), ('sys', 'BloodPressure.Systolic'),
                                          ('dia', 'BloodPressure.Diastolic'), ('act', 'Activity')], rng.randint(1, 3)):
                t['values'].append({'valueName': name, 'valueExpression': '$.telemetry.' + path,
                                    'required': required()})
            templates.append({'templateType': 'IotCentralJsonPathContent', 'template': t})
        else:
            t = {'typeName': rng.choice(['hr', 'bp']),
                 'typeMatchExpression': rng.choice([
                     '$..[?(@telemetry.HeartRate)]', '$.Body', '$..[?(@heartRate)]', '$..[?(@telemetry)]',
                     {'value': 'Body', 'language': 'JmesPath'}, {'value': '[Body]', 'language': 'JmesPath'},
                     {'value': 'Body.telemetry', 'language': 'JmesPath'}]),
                 'deviceIdExpression': rng.choice([
                     expression('$.SystemProperties.iothub-connection-device-id',
                                'SystemProperties."iothub-connection-device-id"'),
                     expression('$.Body.deviceId', 'Body.deviceId')]),
                 'timestampExpression': rng.choice([
                     expression('$.Properties.iothub-creation-time-utc', 'Properties."iothub-creation-time-utc"'),
                     expression('$.SystemProperties.iothub-enqueuedtime', 'SystemProperties."iothub-enqueuedtime"'),
                     expression('$.Body.enqueuedTime', 'Body.enqueuedTime')]),
                 'values': []}
            paths = [('hr', 'matchedToken.heartRate'), ('hr', 'matchedToken.HeartRate'),
                     ('sys', 'matchedToken.telemetry.BloodPressure.Systolic'), ('c', 'Properties.custom'),
                     ('seq', 'SystemProperties.x-opt-sequence-number')]
            for name, path in rng.sample(paths, rng.randint(1, 2)):
                jmes = path.replace('x-opt-sequence-number', '"x-opt-sequence-number"')
                t['values'].append({'valueName': name, 'valueExpression': expression('$.' + path, jmes),
                                    'required': required()})
            if rng.random() < 0.4:
                t['patientIdExpression'] = expression('$.Properties.patientId', 'Properties.patientId')
            templates.append({'templateType': 'CalculatedContent', 'template': t})
    return json.dumps({'templateType': 'CollectionContent', 'template': templates})


# MedTech's functions and JmesPath.Net's built-ins inside a CalculatedContent value expression, over readings of small
# numbers (whole floats such as `2.0` and integers past 2^53 among them), strings and other JSON values.
FUNCTION_NAMES = ['add', 'subtract', 'multiply', 'pow', 'insertString', 'abs', 'ceil', 'floor', 'to_string',
                  'to_number', 'length', 'max', 'min', 'sum', 'avg', 'not_null', 'type']


def function_expression(rng, depth=0):
    def operand():
        if depth < 1 and rng.random() < 0.3:
            return function_expression(rng, depth + 1)
        return rng.choice(['matchedToken.a', 'matchedToken.b', 'matchedToken.c', 'matchedToken.s',
                           '`%s`' % rng.choice(['1', '2', '3', '0.5', '10', '-1', '0', '1.5', '100', '2.0', '1e2'])])
    name = rng.choice(FUNCTION_NAMES)
    if name in ('add', 'subtract', 'multiply', 'pow'):
        return '%s(%s, %s)' % (name, operand(), operand())
    if name == 'insertString':
        return 'insertString(%s, %s, `%d`)' % (rng.choice(['matchedToken.s', 'to_string(matchedToken.a)']),
                                              rng.choice(['`"x"`', 'matchedToken.s']), rng.randint(0, 3))
    if name in ('max', 'min', 'sum', 'avg'):
        return '%s([%s, %s])' % (name, operand(), operand())
    return '%s(%s)' % (name, operand())


def function_mapping(rng):
    template = {'typeName': 'hr', 'typeMatchExpression': {'value': 'Body.readings[*]', 'language': 'JmesPath'},
                'deviceIdExpression': '$.Body.deviceId', 'timestampExpression': '$.Body.ts',
                'values': [{'valueName': 'v', 'valueExpression': {'value': function_expression(rng),
                                                                  'language': 'JmesPath'}, 'required': False}]}
    return json.dumps({'templateType': 'CollectionContent', 'template': [
        {'templateType': 'CalculatedContent', 'template': template}]})


def function_message(rng):
    def number():
        return rng.choice([str(rng.randint(-100, 100)), '%.*f' % (rng.randint(1, 3), rng.uniform(-100, 100)), '0',
                           '1', '2', '0.5', '"7"', '"abc"', 'null', 'true', '2.0', '1.0', '-3.0', '1e2',
                           '12345678901234567']).replace('.000', '.001')
    reading = '{"a":%s,"b":%s,"c":%s,"s":%s}' % (number(), number(), number(),
                                                  rng.choice(['"abc"', '"hello world"', '""', '"1.5"']))
    return '{"deviceId":"d1","ts":"2023-03-13T22:46:01Z","readings":[%s]}' % reading


# The JMESPath forms of Microsoft's documentation (with JSON literals) and their neighbours.
JMES_FORM_MATCHES = ['[Body][?contains(keys(@), `"heartRate"`)] | @[0]', '[Body][?contains(keys(@), `"heartRate"`)]',
                     'Body.readings[?contains(keys(@), `"v"`)]', '[Body][?heartRate]',
                     'Body.readings[?length(values(@)) > `1`]', '[Body, Body.nested][?contains(keys(@), `"heartRate"`)]',
                     'Body.readings[?contains(values(@), `70`)]']
JMES_FORM_VALUES = ['@.matchedToken.heartRate', '@.matchedToken.v', 'matchedToken.heartRate', '@.Body.heartRate',
                    '@.matchedToken', '@.matchedToken.nested.heartRate', 'length(keys(@.matchedToken))',
                    'keys(@.matchedToken) | [0]', 'contains(keys(@.matchedToken), `"1"`)']


def jmes_form_mapping(rng):
    language = lambda value: {'value': value, 'language': 'JmesPath'}
    template = {'typeName': 'hr', 'typeMatchExpression': language(rng.choice(JMES_FORM_MATCHES)),
                'deviceIdExpression': language(rng.choice(['@.Body.deviceId', 'Body.deviceId', '@.matchedToken.deviceId'])),
                'timestampExpression': language(rng.choice(['@.Body.ts', 'Body.ts'])),
                'values': [{'valueName': 'v', 'valueExpression': language(rng.choice(JMES_FORM_VALUES)),
                            'required': rng.random() < 0.5}]}
    return json.dumps({'templateType': 'CollectionContent', 'template': [
        {'templateType': 'CalculatedContent', 'template': template}]})


def jmes_form_message(rng):
    value = lambda: rng.choice(['1', '2.0', '"x"', 'null', 'true', '[1,2]', '{"heartRate": 5}', '12345678901234567', '70'])
    # Integer-like names (`"1"`, `"10"`) are the ones JavaScript lists first, whatever their place in the text.
    members = ['"%s": %s' % (name, value()) for name in rng.sample(['heartRate', '1', '10', 'v', 'nested', 'x'],
                                                                    rng.randint(1, 6))]
    return ('{"deviceId": "d1", "ts": "2023-03-13T22:46:01Z", %s, "readings": [{"v": %s, "2": 1}, {"w": 1}, {"v": %s}]}'
            % (', '.join(members), value(), value()))


# A valid content template of each kind, mutated by mapping_variant.
BASE_TEMPLATES = [
    ('CalculatedContent', {
        'typeName': 'hr', 'typeMatchExpression': '$..[?(@heartRate)]', 'deviceIdExpression': '$.Body.deviceId',
        'timestampExpression': '$.Body.ts', 'patientIdExpression': '$.Body.patientId',
        'values': [{'valueName': 'hr', 'valueExpression': '$.matchedToken.heartRate', 'required': True}]}),
    ('CalculatedContent', {
        'typeName': 'bp', 'typeMatchExpression': {'value': 'Body.readings', 'language': 'JmesPath'},
        'deviceIdExpression': {'value': 'Body.deviceId', 'language': 'JmesPath'},
        'timestampExpression': '$.matchedToken.time', 'defaultExpressionLanguage': 'JsonPath',
        'values': [{'valueName': 'v', 'valueExpression': '$.matchedToken.value', 'required': False},
                   {'valueName': 's', 'valueExpression': {'value': 'matchedToken.sys', 'language': 'JmesPath'},
                    'required': False}]}),
    ('JsonPathContent', {
        'typeName': 'hr', 'typeMatchExpression': '$..[?(@heartRate)]', 'deviceIdExpression': '$.deviceId',
        'timestampExpression': '$.ts', 'patientIdExpression': '$.patientId',
        'values': [{'valueName': 'hr', 'valueExpression': '$.heartRate', 'required': True}]}),
    ('IotJsonPathContent', {
        'typeName': 'hr', 'typeMatchExpression': '$..[?(@Body.heartRate)]',
        'values': [{'valueName': 'hr', 'valueExpression': '$.Body.heartRate', 'required': 'true'}]}),
    ('IotCentralJsonPathContent', {
        'typeName': 'hr', 'typeMatchExpression': '$..[?(@telemetry.HeartRate)]',
        'values': [{'valueName': 'hr', 'valueExpression': '$.telemetry.HeartRate', 'required': True}]}),
]
# What a property may be turned into: other JSON types, and the texts .NET's readers may or may not take for them.
ODD_VALUES = [None, 5, 1.5, True, False, 'true', 'True', 'false', ' true ', '1', '0', 'yes', '', ' ', [], {}, ['a']]
LANGUAGES = ['JsonPath', 'JmesPath', 'jsonpath', 'JMESPATH', ' jmespath ', 0, 1, 2, '1', 'Jmes', None, '']


def case_variant(rng, name):
    return rng.choice([name.lower(), name.upper(), name[:1].upper() + name[1:], name[:1].lower() + name[1:]])


def mutate(rng, node, depth=0):
    """One random change somewhere in a mapping's JSON (dicts and lists of the mapping, changed in place)."""
    if isinstance(node, list):
        if node and rng.random() < 0.8:
            return mutate(rng, rng.choice(node), depth + 1)
        node.append(rng.choice([None, 'x', {}]))
        return 'list item'
    if not isinstance(node, dict) or not node:
        return 'nothing'
    name = rng.choice(sorted(node))
    child = node[name]
    if isinstance(child, (dict, list)) and child and rng.random() < 0.7:
        return mutate(rng, child, depth + 1)
    k = rng.random()
    if k < 0.25:
        node[case_variant(rng, name)] = node.pop(name)
        return 'case'
    if k < 0.4:
        del node[name]
        return 'delete'
    if name == 'language' or name == 'defaultExpressionLanguage':
        node[name] = rng.choice(LANGUAGES)
        return 'language'
    if name == 'templateType':
        node[name] = rng.choice([child.lower(), child + 'Template', child.upper(), ' ' + child, child + 's', 'Foo'])
        return 'templateType'
    if k < 0.6 and isinstance(child, str) and name.endswith('Expression'):
        node[name] = rng.choice([{'value': child}, {'value': child, 'language': rng.choice(LANGUAGES)},
                                 {'language': 'JsonPath'}, {'value': child, 'language': 'JsonPath', 'x': 1}])
        return 'expression object'
    node[name] = rng.choice(ODD_VALUES)
    return 'value'


def mapping_variant(rng):
    templates = [json.loads(json.dumps({'templateType': t, 'template': body}))
                 for t, body in rng.sample(BASE_TEMPLATES, rng.randint(1, 2))]
    root = {'templateType': 'CollectionContent', 'template': templates}
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        mutate(rng, root)
    return json.dumps(root)


# Device mappings written elsewhere (`--mappings DIR`: every *devicecontent*.json there, e.g. the sample templates of
# iomt-fhir's sample/templates), run on messages made from the member names their expressions use.
MEMBER_CHAIN = re.compile(r'[A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*')
ENVELOPE_NAMES = {'matchedToken', 'Body', 'Properties', 'SystemProperties'}


def member_chains(mapping):
    """The dotted member-name chains a device mapping's expressions name (`@telemetry.BloodPressure.Systolic`), with
    the envelope's and the match's own names left out; a function or keyword name among them is a harmless extra."""
    chains = set()

    def walk(node):
        if isinstance(node, dict):
            for key, child in node.items():
                text = child.get('value') if key.endswith('Expression') and isinstance(child, dict) else child
                if key.endswith('Expression') and isinstance(text, str):
                    for chain in MEMBER_CHAIN.findall(text):
                        names = tuple(n for n in chain.split('.') if n not in ENVELOPE_NAMES)
                        if names:
                            chains.add(names)
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)
    walk(json.loads(mapping))
    return sorted(chains)


def sample_message(rng, chains):
    """A message whose objects hold random chains of the mapping's names, with values of every kind a device sends
    (numbers, numeric and other texts, timestamps, blanks, nulls, booleans), as a body or an IoT Hub envelope."""
    def leaf(name):
        # Mostly what the name asks for (a time, an id, a number), so that most matches measure.
        lower = name.lower()
        if rng.random() < 0.8:
            if 'date' in lower or 'time' in lower:
                return rng.choice(TIMESTAMPS)
            if lower.endswith('id') or lower.endswith('-id'):
                return rng.choice(['dev1', 'dev2', 'p1', 'p2'])
            return rng.choice([rng.randint(0, 200), round(rng.uniform(0, 200), rng.randint(1, 3))])
        k = rng.random()
        if k < 0.3:
            return rng.randint(0, 200)
        if k < 0.45:
            return round(rng.uniform(0, 200), rng.randint(1, 3))
        if k < 0.55:
            return str(rng.randint(0, 200))
        if k < 0.75:
            return rng.choice(TIMESTAMPS)
        return rng.choice(['abc', '', ' ', None, True, False, 'p1', 'dev1'])

    def fill(obj):
        for chain in chains:
            if rng.random() < 0.6:
                node = obj
                for name in chain[:-1]:
                    if not isinstance(node.get(name), dict):
                        node[name] = {}
                    node = node[name]
                node[chain[-1]] = leaf(chain[-1])
        return obj
    body = fill({})
    if rng.random() < 0.4:
        body[rng.choice(['readings', 'data'])] = [fill({}) for _ in range(rng.randint(1, 3))]
    if rng.random() < 0.5:
        return json.dumps(body)
    return json.dumps({'Body': body,
                       'Properties': {'iothub-creation-time-utc': rng.choice(TIMESTAMPS), 'patientId': 'p1'},
                       'SystemProperties': {'iothub-connection-device-id': rng.choice(['hub-dev', 'dev1']),
                                            'iothub-enqueuedtime': rng.choice(TIMESTAMPS[:3])}})


# How MedTech writes a value that its JSON reader took for a date: DateTime.ToString() in the invariant culture.
DOTNET_DATE_TEXT = re.compile(r'^\d\d/\d\d/\d{4} \d\d:\d\d:\d\d$')
DATE_TEXT_OR_BOOLEAN = ('deliberate: a date-like text stays verbatim, a boolean id is true/false, a blank optional '
                        'id is left out')


def as_decided(keys, medtech):
    """Measurement keys in the terms reference-behaviour §1.9 decides (README, "Where we deliberately differ"): every
    id or value MedTech wrote as a reformatted date (and, here, every one that could be: a text its reader would take
    for a date) replaced by one marker, as such strings stay verbatim here; a boolean id written true/false, as
    values already are in measurement_key; and a blank patient or encounter id (which MedTech keeps) left out."""
    def value(v):
        if not isinstance(v, str):
            return v
        if medtech:
            return '<date text>' if DOTNET_DATE_TEXT.match(v) else {'True': 'true', 'False': 'false'}.get(v, v)
        return '<date text>' if re.match(r'^\d{4}-\d\d-\d\dT', v) else v
    def optional_id(v):
        return None if isinstance(v, str) and v.strip() == '' else value(v)
    # The type and time stay; the ids (device, patient, encounter, correlation) and the values are texts read from
    # the message.
    return [k[:2] + (value(k[2]), optional_id(k[3]), optional_id(k[4]), value(k[5])) +
            (tuple((name, value(v)) for name, v in k[-1]),) for k in keys]


ONE_ELEMENT_PROJECTION = 'deliberate: a JMESPath projection of one element is that element here (MedTech fails it)'


def projects_single_value(mapping, error):
    """Whether MedTech's IncompatibleData `error` names a single-value field whose expression in the mapping is a
    JMESPath projection (`[*]`, `[?…]`, `[]`, `.*`): reference-behaviour decides that one element of it is the value."""
    field = re.search(r'Unable to extract required value for \[([^\]]+)\]', error or '')
    if field is None:
        return False
    name = field.group(1)
    key = name[0].lower() + name[1:]
    for container in json.loads(mapping).get('template') or []:
        template = container.get('template') if isinstance(container, dict) else None
        if not isinstance(template, dict):
            continue
        default = str(template.get('defaultExpressionLanguage', 'JsonPath')).lower()
        candidates = [template.get(key)] + [v.get('valueExpression') for v in template.get('values') or []
                                            if isinstance(v, dict) and v.get('valueName') == name]
        for expression in candidates:
            text = expression.get('value') if isinstance(expression, dict) else expression
            language = str(expression.get('language', default) if isinstance(expression, dict) else default).lower()
            if isinstance(text, str) and language == 'jmespath' and re.search(r'\[\*\]|\[\?|\[\]|\.\*', text):
                return True
    return False


def with_metadata(rng, mapping):
    """A device mapping (JSON text) with Newtonsoft metadata written into it at random: a `$id` (text, number, null or
    an object) first in some objects, or later in a few; `values` lists written as `{"$values": [...]}`, with a
    leading `$id` or a member more in some."""
    def scalar_id():
        return rng.choice(['"a"', '7', 'null', '{}', 'true'])

    def walk(node):
        if isinstance(node, list):
            return [walk(item) for item in node]
        if not isinstance(node, dict):
            return node
        items = [(k, walk(v)) for k, v in node.items()]
        out = []
        k = rng.random()
        if k < 0.3:
            out.append(('$id', json.loads(scalar_id())))
        out.extend(items)
        if 0.3 <= k < 0.35:
            out.insert(rng.randint(min(1, len(out)), len(out)), ('$id', 'late'))
        return {name: wrapped(value) if name == 'values' and isinstance(value, list) else value for name, value in out}

    def wrapped(values):
        k = rng.random()
        if k < 0.3:
            return {'$values': values}
        if k < 0.45:
            return {'$id': 'v', '$values': values}
        if k < 0.5:
            return {'$values': values, 'x': 1}
        return values
    return json.dumps(walk(json.loads(mapping)))


def with_number_forms(rng, mapping):
    """A device mapping (JSON text) with its languages written as JSON integers whose low 32 bits name them (or, now
    and then, an integer at the 32- and 64-bit edges, which names none), `lineNumber`/`linePosition` members at the
    edges of a 32-bit integer, and `values` lists wrapped in `{"$values": [...]}` after random metadata."""
    def language_number(name):
        if rng.random() < 0.15:
            return rng.choice([2, -1, 2 ** 31, -2 ** 31 - 1, 2 ** 63 - 1, 2 ** 63, -2 ** 63, -2 ** 63 - 1, '"2"'])
        number = {'JsonPath': 0, 'JmesPath': 1}[name] + rng.randint(-3, 3) * 2 ** 32
        return json.dumps(str(number)) if rng.random() < 0.1 else number

    def line_member():
        return (rng.choice(['lineNumber', 'linePosition']),
                rng.choice([2 ** 31 - 1, 2 ** 31, -2 ** 31, -2 ** 31 - 1, 2147483647.4, 2147483647.5, -2147483648.5,
                            -2147483648.6, '2147483647', '-2147483649', ' 7 ', 7]))

    def wrapped(values):
        if rng.random() < 0.6:
            return values
        meta = [('$id', rng.choice(['a', 7, None, {}])), ('$type', rng.choice(['T', 1, True, '', None, []])),
                ('$ref', rng.choice([None, None, '1'])), ('x', 1)]
        members = rng.sample(meta, rng.randint(0, 3)) + [('$values', values)]
        if rng.random() < 0.1:
            members.append(rng.choice(meta))
        return dict(members)

    def walk(node):
        if isinstance(node, list):
            return [walk(item) for item in node]
        if not isinstance(node, dict):
            return node
        out = {}
        for key, value in node.items():
            value = walk(value)
            if key in ('language', 'defaultExpressionLanguage') and value in ('JsonPath', 'JmesPath') and \
                    rng.random() < 0.6:
                value = language_number(value)
            if key == 'values' and isinstance(value, list):
                value = wrapped(value)
            out[key] = value
        if ('typeName' in out or 'valueName' in out) and rng.random() < 0.3:
            name, value = line_member()
            out[name] = value
        return out
    text = json.dumps(walk(json.loads(mapping)))
    # A language number written as text was kept as a JSON string holding quotes: unwrap it.
    return re.sub(r'"\\"(-?\d+)\\""', r'"\1"', text)


def mapping_message(rng):
    body = device_message(rng) if rng.random() < 0.5 else (
        '{"deviceId":"d1","patientId":"p1","ts":"2023-03-13T22:46:01Z","heartRate":%d,'
        '"telemetry":{"HeartRate":%d}}' % (rng.randint(40, 120), rng.randint(40, 120)))
    return ('{"Body":%s,"Properties":{},"SystemProperties":{"iothub-connection-device-id":"hub-dev",'
            '"iothub-enqueuedtime":"2023-03-13T22:46:01Z"}}' % body)


# This project's load error for what MedTech loads and fails on when a message reaches it (the generator writes no
# JSONPath that does not parse, which is the other such case).
UNUSABLE_TEMPLATE = re.compile(r"must not be blank")


def blank_template_types(mapping):
    """The type names of the templates of a device mapping (JSON text) that write a blank text somewhere: the ones
    UNUSABLE_TEMPLATE refuses here and MedTech fails on every match."""
    def blank(node):
        if isinstance(node, str):
            return node.strip() == ''
        if isinstance(node, dict):
            return any(blank(v) for v in node.values())
        if isinstance(node, list):
            return any(blank(v) for v in node)
        return False
    containers = json.loads(mapping).get('template')
    types = set()
    for container in containers if isinstance(containers, list) else []:
        template = container.get('template') if isinstance(container, dict) else None
        if isinstance(template, dict) and blank(template):
            types.add(template.get('typeName'))
    return types

# Valid CodeValueFhir templates, mutated by fhir_mapping_variant.
BASE_FHIR_TEMPLATES = [
    {'typeName': 'hr', 'periodInterval': 60,
     'category': [{'text': 'Vital Signs', 'codes': [{'code': 'vital-signs', 'system': 'http://terminology.hl7.org/'
                                                    'CodeSystem/observation-category', 'display': 'Vital Signs'}]}],
     'codes': [{'code': '8867-4', 'system': 'http://loinc.org', 'display': 'Heart rate'}],
     'value': {'valueType': 'SampledData', 'valueName': 'hr', 'defaultPeriod': 5000, 'unit': 'count/min'}},
    {'typeName': 'bp', 'periodInterval': 0, 'codes': [{'code': '85354-9', 'system': 'http://loinc.org'}],
     'components': [{'codes': [{'code': '8867-4', 'system': 'http://loinc.org'}],
                     'value': {'valueType': 'Quantity', 'valueName': 'sys', 'unit': 'mmHg', 'system':
                               'http://unitsofmeasure.org', 'code': 'mm[Hg]'}},
                    {'codes': [{'code': 'x'}], 'value': {'valueType': 'String', 'valueName': 'note'}}]},
    {'typeName': 'act', 'periodInterval': 1440, 'codes': [{'code': 'a', 'display': 'Activity'}],
     'value': {'valueType': 'CodeableConcept', 'valueName': 'act', 'text': 'Activity',
               'codes': [{'code': 'run', 'system': 'http://example.org'}]}},
    {'typeName': 'steps', 'periodInterval': -1, 'codes': [{'code': '55423-8'}],
     'value': {'valueType': 'Quantity', 'valueName': 'steps', 'unit': 'steps'}},
]
PERIODS = [60, '60', 'Hourly', 'hourly', 60.0, 30, '30', -1, 'CorrelationId', 'Single', 1440, 'Daily', True, None, '',
           'Hourly, Daily', 1e2]
VALUE_TYPES = ['SampledData', 'sampleddata', 'Quantity', 'QUANTITY', 'String', 'string', 'CodeableConcept', ' String',
               'Foo', '', None, 5]
PERIOD_VALUES = [5000, '5000', 5000.5, '5e3', 0, -1, '', None, True, 'x', 1e20]


def fhir_mutate(rng, node):
    """One random change in a FHIR mapping, with the members whose values matter most changed more often."""
    k = rng.random()
    nodes = node.get('template') if isinstance(node.get('template'), list) else []
    templates = [t['template'] for t in nodes if isinstance(t, dict) and isinstance(t.get('template'), dict)]
    if k < 0.15 and templates:
        rng.choice(templates)['periodInterval'] = rng.choice(PERIODS)
        return 'periodInterval'
    values = [t['value'] for t in templates if isinstance(t.get('value'), dict)]
    values += [c['value'] for t in templates if isinstance(t.get('components'), list) for c in t['components']
               if isinstance(c, dict) and isinstance(c.get('value'), dict)]
    if k < 0.3 and values:
        rng.choice(values)['valueType'] = rng.choice(VALUE_TYPES)
        return 'valueType'
    if k < 0.4 and values:
        rng.choice(values)['defaultPeriod'] = rng.choice(PERIOD_VALUES)
        return 'defaultPeriod'
    return mutate(rng, node)


def fhir_mapping_variant(rng):
    templates = [{'templateType': 'CodeValueFhir', 'template': json.loads(json.dumps(t))}
                 for t in rng.sample(BASE_FHIR_TEMPLATES, rng.randint(1, 3))]
    root = {'templateType': 'CollectionFhir', 'template': templates}
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        fhir_mutate(rng, root)
    return json.dumps(root)


VALUE_TYPE_KEYS = ['ValueType', 'valueType', 'valuetype', 'VALUETYPE', 'Valuetype', 'valueTYPE']
KEYED_VALUE_TYPES = ['Quantity', 'String', 'CodeableConcept', 'SampledData', 'quantity', 'STRING', None, 'Integer', '']


def fhir_value_key_variant(rng):
    """One CodeValueFhir template whose value (or a component's value) writes its type under one to three spellings
    of the valueType key, in random order, with members every value type can hold."""
    def value():
        out = {'valueName': 'v', 'defaultPeriod': 5000, 'unit': 'u', 'codes': [{'code': 'c', 'system': 's'}]}
        for key in rng.sample(VALUE_TYPE_KEYS, rng.randint(1, 3)):
            out[key] = rng.choice(KEYED_VALUE_TYPES)
        items = list(out.items())
        rng.shuffle(items)
        return dict(items)
    template = {'typeName': 'hr', 'periodInterval': 60, 'codes': [{'code': '8867-4', 'system': 'http://loinc.org'}]}
    if rng.random() < 0.5:
        template['value'] = value()
    else:
        template['components'] = [{'codes': [{'code': 'x'}], 'value': value()}]
    return json.dumps({'templateType': 'CollectionFhir', 'template': [{'templateType': 'CodeValueFhir',
                                                                        'template': template}]})


def fhir_numbers_variant(rng):
    """A CodeValueFhir template whose periodInterval, SampledData defaultPeriod and codes list are written in the forms
    Newtonsoft's readers take or refuse at their edges: integers past 32 and 64 bits, numeric texts with white space
    (ASCII, NBSP, U+2000, NUL), signs before or after, group separators, points and exponents, and the list wrapped in
    {"$values": [...]} after random metadata."""
    pads = ['', '', ' ', '\t', '\u000b', '\u00a0', '\u2000', '\u0085']
    def integer():
        base = rng.choice([0, 60, 1440, -1, 1, 2, rng.randint(-3000, 3000)])
        shift = rng.choice([0, 0, 1, -1, 2, rng.randint(-5, 5)]) * 2 ** 32
        edge = rng.choice([None, 2 ** 31, -2 ** 31 - 1, 2 ** 63 - 1, 2 ** 63, -2 ** 63, -2 ** 63 - 1, 2 ** 64])
        return edge if edge is not None and rng.random() < 0.2 else base + shift
    def period():
        choice = rng.randint(0, 5)
        if choice <= 2:
            return str(integer())
        if choice == 3:
            return json.dumps(rng.choice(pads) + rng.choice(['', '+', '-']) + str(abs(integer())) + rng.choice(pads))
        if choice == 4:
            return rng.choice(['60.0', '6e1', '"60.0"', '"Hourly"', '"hourly, daily"', 'true', 'false', 'null'])
        return rng.choice(['"60"', '" 1440 "', '"0"', '"-1"', '"CorrelationId"'])
    def decimal_text():
        digits = rng.choice(['5000', '5', '0', '00005', '1000', '79228162514264337593543950335',
                             '79228162514264337593543950336', str(rng.randint(1, 99999))])
        if rng.random() < 0.2:
            digits = digits[:1] + ',' + digits[1:] if len(digits) > 1 else digits + ','
        if rng.random() < 0.3:
            digits += rng.choice(['.', '.5', '.25', '.000'])
        if rng.random() < 0.1:
            digits = '.' + digits.lstrip('0') if digits.lstrip('0') else '.5'
        if rng.random() < 0.35:
            digits += rng.choice(['e', 'E']) + rng.choice(['', '+', '-']) + rng.choice(['', '3', '03', '28', '29', '-30'])
        lead, trail = rng.choice(['', '', '+', '-']), rng.choice(['', '', '', '+', '-'])
        text = rng.choice(pads) + lead + rng.choice(['', '', ' ']) * (lead != '') + digits + rng.choice(['', ' ']) + \
            trail + rng.choice(pads) + rng.choice(['', '', '\u0000', '\u0000\u0000'])
        return json.dumps(text)
    def default_period():
        if rng.random() < 0.7:
            return decimal_text()
        return rng.choice(['5000', '5000.5', '1e3', '1e28', '1e29', '-5', '0', '1e-30', '79228162514264337593543950335'])
    def codes():
        items = '[{"code":"%d"}]' % rng.randint(1, 9)
        if rng.random() < 0.5:
            return items
        meta = [('$id', rng.choice(['"1"', '2', 'null', '{}', 'true'])),
                ('$type', rng.choice(['"System.Collections.Generic.List"', '1', 'true', '""', 'null', '[]', '{}'])),
                ('$ref', rng.choice(['null', 'null', '"1"'])), ('x', '1')]
        chosen = rng.sample(meta, rng.randint(0, 3))
        members = chosen + [('$values', items)]
        if rng.random() < 0.1:
            members.append(rng.choice(meta))
        return raw_object(members)
    value = raw_object([('valueType', '"SampledData"'), ('valueName', '"hr"'), ('defaultPeriod', default_period()),
                        ('unit', '"u"')])
    template = raw_object([('typeName', '"hr"'), ('periodInterval', period()), ('codes', codes()), ('value', value)])
    return '{"templateType":"CollectionFhir","template":[{"templateType":"CodeValueFhir","template":%s}]}' % template


def spelled_members(rng, name, variants):
    """One to three members spelling `name` in other cases (an exact repeat among them), each holding one of
    `variants` (raw JSON texts): the members of a list written under several spellings."""
    spellings = [name, name[0].upper() + name[1:], name.upper(), name.lower()]
    return [(rng.choice(spellings), rng.choice(variants)) for _ in range(rng.randint(1, 3))]


def raw_object(members):
    return '{' + ','.join(json.dumps(k) + ':' + v for k, v in members) + '}'


def fhir_list_spellings_variant(rng):
    """A CodeValueFhir template whose lists (codes, category, components, and the codes of a CodeableConcept value
    and of a category) are written under one to three spellings each, holding items, [], null or \"\"."""
    def codes():
        items = ['[]', 'null', '""', '[{"code":"%d"}]' % rng.randint(1, 9),
                 '[{"code":"%d"},{"code":"%d","system":"s"}]' % (rng.randint(1, 9), rng.randint(1, 9))]
        return spelled_members(rng, 'codes', items)
    members = [('typeName', '"hr"'), ('periodInterval', '60')] + codes()
    if rng.random() < 0.6:
        members += spelled_members(rng, 'category', ['[]', 'null', '[%s]' % raw_object([('text', '"x"')] + codes()),
                                                     '[{"text":"y"}]'])
    if rng.random() < 0.5:
        value = raw_object([('valueType', '"CodeableConcept"'), ('valueName', '"v"'), ('text', '"t"')] + codes())
        members.append(('value', value))
    else:
        members.append(('value', '{"valueType":"Quantity","valueName":"q","unit":"u"}'))
    if rng.random() < 0.5:
        component = raw_object(codes() + [('value', '{"valueType":"String","valueName":"s"}')])
        members += spelled_members(rng, 'components', ['[]', 'null', '[%s]' % component])
    rng.shuffle(members)
    return raw_object([('templateType', '"CollectionFhir"'), ('template', '[%s]' % raw_object(
        [('templateType', '"CodeValueFhir"'), ('template', raw_object(members))]))])


def fhir_with_metadata(rng, mapping):
    """A FHIR mapping (JSON text) with Newtonsoft metadata written into it at random, as `with_metadata` does for a
    device mapping: a `$id` first in some objects or later in a few, and the lists inside the templates (codes,
    category, components) written as `{"$values": [...]}`, with a leading `$id` or a member more in some."""
    def walk(node, depth):
        if isinstance(node, list):
            return [walk(item, depth + 1) for item in node]
        if not isinstance(node, dict):
            return node
        out = [(name, walk(value, depth + 1)) for name, value in node.items()]
        k = rng.random()
        if k < 0.3:
            out.insert(0, ('$id', rng.choice(['a', 7, None, {}, True])))
        elif k < 0.35:
            out.insert(rng.randint(min(1, len(out)), len(out)), ('$id', 'late'))
        result = {}
        for name, value in out:
            if name.lower() in ('codes', 'category', 'components') and isinstance(value, list) and depth > 1:
                r = rng.random()
                value = ({'$values': value} if r < 0.3 else {'$id': 'w', '$values': value} if r < 0.45
                         else {'$values': value, 'x': 1} if r < 0.5 else value)
            result[name] = value
        return result
    return json.dumps(walk(json.loads(mapping), 0))


def fhir_reading(templates, medtech):
    """Loaded templates in the terms both write alike: no null members, lists never null, numbers as floats."""
    def clean(value):
        if isinstance(value, dict):
            out = {k: clean(v) for k, v in value.items() if v is not None}
            if 'defaultPeriod' in out:
                out['defaultPeriod'] = float(out['defaultPeriod'])
            return out
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value
    out = []
    for t in templates:
        t = dict(t)
        for name in ('category', 'components'):
            t[name] = t.get(name) or []
        # A category without codes writes no coding either way; a main value without valueName (MedTech: null,
        # here "") is never set.
        t['category'] = [dict(c, codes=c.get('codes') or []) if isinstance(c, dict) else c for c in t['category']]
        if isinstance(t.get('value'), dict) and t['value'].get('valueName') is None:
            t['value'] = dict(t['value'], valueName='')
        out.append(clean(t))
    return out


def fhir_unusable(templates):
    """What MedTech loads but fails on when a measurement of the type is processed (tests/core/fhir/
    fhirMappingAcceptanceOracle.test.ts, LOADS_FAILS_WHEN_USED)."""
    for t in templates:
        if t['periodInterval'] not in (-1, 0, 60, 1440) or None in (t['codes'] or []):
            return True
        if None in (t.get('category') or []) or any(c is not None and None in (c.get('codes') or [])
                                                     for c in t.get('category') or []):
            return True
        components = t.get('components') or []
        if any(c is None or c.get('value') is None or None in (c.get('codes') or []) for c in components):
            return True
        for v in [t.get('value')] + [c['value'] for c in components]:
            if v is None:
                continue
            if v['valueType'] == 'SampledData' and (v.get('defaultPeriod') is None or float(v['defaultPeriod']) <= 0):
                return True
            if v['valueType'] == 'CodeableConcept' and (v.get('codes') is None or None in v['codes']):
                return True
            if v is not t.get('value') and v.get('valueName') is None:
                return True
    return False


MEDTECH_ERRORS = ('IncompatibleData', 'InvalidDataFormat', 'TemplateExpression', 'InvalidTemplate')


def measurement_key(m, medtech):
    values = tuple((p['name'], p['value'].lower() if medtech and p['value'] in ('True', 'False') else p['value'])
                   for p in m.get('properties', []))
    time = (m.get('occurrenceTimeUtc') or '')[:23]
    return (m.get('type'), time, m.get('deviceId'), m.get('patientId') or None, m.get('encounterId') or None,
            m.get('correlationId'), values)


# ----------------------------------------------------------------------------------------------------------------
# Comparison
# ----------------------------------------------------------------------------------------------------------------
def as_numbers(value):
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, list):
        return [as_numbers(v) for v in value]
    if isinstance(value, dict):
        return {k: as_numbers(v) for k, v in value.items()}
    return value


def same_body_value(theirs, ours, kinds=False):
    """Whether this project's value is Newtonsoft's, in the fixtures' encoding. With `kinds`, a number must also have
    the same kind, an integer (`2`) or a float (`2.0`), as Newtonsoft writes them and as oracleEvaluate's jmespath mode
    writes this project's kinded numbers, and integers compare exactly."""
    if isinstance(theirs, dict) and '$undefined' in theirs:
        return ours is None  # README: Newtonsoft's undefined reads as null here
    if isinstance(theirs, dict) and '$integer' in theirs:
        return isinstance(ours, (int, float)) and float(int(theirs['$integer'])) == float(ours)
    if isinstance(theirs, bool) or isinstance(ours, bool):
        return theirs is ours
    if isinstance(theirs, (int, float)) and isinstance(ours, (int, float)):
        if kinds:
            return type(theirs) is type(ours) and theirs == ours
        return float(theirs) == float(ours)
    if isinstance(theirs, list):
        return (isinstance(ours, list) and len(theirs) == len(ours)
                and all(same_body_value(t, o, kinds) for t, o in zip(theirs, ours)))
    if isinstance(theirs, dict):
        return (isinstance(ours, dict) and sorted(theirs) == sorted(ours)
                and all(same_body_value(theirs[k], ours[k], kinds) for k in theirs))
    return theirs == ours


def integer_pow_rounds(expression, message):
    """Whether the expression raises an integer to an integer power with a result that is not whole, which MedTech
    rounds to a long (`floor(pow(matchedToken.b, matchedToken.b))` with `b` -57 is 0 there, -1 here): the operands
    read as the message's one reading gives them (`matchedToken.x`) or as literals."""
    reading = json.loads(message)['readings'][0]

    def operand(text):
        if text.startswith('`'):
            return json.loads(text.strip('`'))
        return reading.get(text[len('matchedToken.'):]) if text.startswith('matchedToken.') else None

    for base, exponent in re.findall(r'pow\(([\w.`-]+), ([\w.`-]+)\)', expression):
        x, y = operand(base), operand(exponent)
        if all(isinstance(v, int) and not isinstance(v, bool) for v in (x, y)) and x != 0:
            try:
                whole = float(x) ** y == int(float(x) ** y)
            except (OverflowError, ValueError, ZeroDivisionError):
                continue
            if not whole:
                return True
    return False


def known_function_difference(mapping, message, their, our):
    """The class of a `functions` difference the README lists (open, deliberate or awaiting the owner), or
    'DIFFERENT'."""
    values = [p['value'] for m in their.get('measurements', []) for p in m['properties'] if p['name'] == 'v']
    mine = [p['value'] for m in our['measurements'] for p in m['properties'] if p['name'] == 'v']
    expression = json.loads(mapping)['template'][0]['template']['values'][0]['valueExpression']['value']
    if len(values) != 1:
        return 'DIFFERENT'
    value = values[0]
    if value in ('NaN', 'Infinity', '-Infinity') and not mine and our['errors'] == ['IncompatibleData']:
        return 'deliberate: a non-finite result is a value there, an error here (docs: a math error)'
    if re.fullmatch(r'-?\d{16,}', value) and not mine and our['errors'] == ['IncompatibleData']:
        return 'deliberate: past 64 bits MedTech wraps around, here an error'
    if value == '0' and mine == ['-0']:
        return 'Mono: writes a negative zero double as 0 (.NET 8: -0)'
    if re.search(r'NaN|Infinity', value) and not mine:
        return 'deliberate: a non-finite result is a value there, an error here (docs: a math error)'
    numeric = r'-?[\d.]+(E[-+]\d+)?'
    if (mine and re.fullmatch(numeric, value) and re.fullmatch(numeric, mine[0]) and value != mine[0]
            and float(value) == float(mine[0])):
        return 'Mono: writes some doubles with 17 digits (.NET 8: shortest)'
    if 'pow(' in expression and re.fullmatch(r'-?\d+', value) and mine and not re.fullmatch(r'-?\d+', mine[0]):
        return 'owner: pow of two integers rounds there'
    if re.search(r'pow\(`-?\d+`, `-\d+`\)', expression) and value == '0':
        return 'owner: pow of two integers rounds there'
    if mine and integer_pow_rounds(expression, message):
        return 'owner: pow of two integers rounds there'
    # A math error inside the expression (`max([pow(`-1`, `0.5`), `1e2`])`): MedTech went on with NaN or a wrapped long.
    math = our.get('mathErrors', [])
    if not mine and math == ['nonFinite']:
        return 'deliberate: a non-finite result is a value there, an error here (docs: a math error)'
    if not mine and math == ['overflow']:
        return 'deliberate: past 64 bits MedTech wraps around, here an error'
    culture = lambda text: text.replace('-', '').lower()  # roughly: a culture's order passes over hyphens and case
    if (re.search(r'\b(max|min)\(', expression) and mine and value != mine[0]
            and (value > mine[0]) != (culture(value) > culture(mine[0]))):
        return 'culture: max/min of strings order by culture there, by UTF-16 unit here'
    return 'DIFFERENT'


def run(command, lines):
    return subprocess.run(command, input=''.join(lines), capture_output=True, text=True, check=True).stdout.split('\n')


RECORD_SAMPLE = {'same tokens': 60, 'both fail': 15, 'both select nothing': 15, 'same value': 60, 'both refuse': 30,
                 'same date': 60, 'both string': 20, 'fails there, refused here': 10,
                 'same value (not null)': 60, 'both null': 15, 'both error': 15,
                 'same measurements': 40, 'neither measures': 10,
                 'same templates': 50, 'refused by both': 15, 'refused here, fails when used there': 15}


def take_option(args, name):
    """Removes `name VALUE` from the argument list and returns VALUE, or None when the option is not given."""
    if name not in args:
        return None
    at = args.index(name)
    value = args[at + 1]
    del args[at:at + 2]
    return value


def seeded_run(args):
    """The work directory, seed, case count, `--record` file (or None) and seeded generator of a command line
    `<work> <seed> <count> [--record FILE]`, as the other oracle scripts take it."""
    record = take_option(args, '--record')
    work, seed, count = args[0], int(args[1]), int(args[2])
    return work, seed, count, record, random.Random(seed)


def main():
    args = sys.argv[1:]
    record = take_option(args, '--record')
    mappings_dir = take_option(args, '--mappings')
    work, kind, seed, count = args[0], args[1], int(args[2]), int(args[3])
    show = int(args[4]) if len(args) > 4 else 10
    recorded = []

    def wants(label):
        # Whether --record keeps a case of this outcome: only agreeing outcomes have a sample size.
        return (record is not None and label in RECORD_SAMPLE
                and sum(1 for kept, _ in recorded if kept == label) < RECORD_SAMPLE[label])
    rng = random.Random(seed)

    def both(harness, mode, lines):
        # The library's answers (a harness run on Mono) and this project's (oracleEvaluate), line for line.
        return (run(['mono', os.path.join(work, harness + '.exe')], lines),
                run(['node', os.path.join(ROOT, 'dist', 'scripts', 'oracleEvaluate.js'), mode], lines))
    counts = collections.Counter()
    shown = 0
    if kind in ('paths', 'device'):
        cases = [(small_document(rng), corner_path(rng)) if kind == 'paths' else (device_document(rng), device_path(rng))
                 for _ in range(count)]
        lines = [b64(d) + '\t' + b64(p) + '\n' for d, p in cases]
        theirs, ours = both('JsonPathRandom', 'jsonpath', lines)
        for (document, path), their, our in zip(cases, theirs, ours):
            our = json.loads(our)
            if isinstance(our, str) or their[:1] in ('E', 'B'):
                agree = isinstance(our, str) and our[:1] == their[:1]
                if agree and their[:1] == 'E':
                    # The tokens selected before the failure, which MedTech's type match has already used.
                    before = lambda text: [as_numbers(t.get('v')) for t in json.loads(text.split('\t')[-1])]
                    agree = before(their) == before(our)
                label = 'both fail' if agree else 'DIFFERENT'
            else:
                their_tokens = [as_numbers(t.get('v')) for t in json.loads(their)]
                agree = their_tokens == [as_numbers(t['v']) for t in our]
                label = ('same tokens' if their_tokens else 'both select nothing') if agree else 'DIFFERENT'
            counts[label] += 1
            if wants(label):
                outcome = 'error' if their[:1] in ('E', 'B') else 'tokens'
                tokens = [] if outcome == 'error' else [t.get('v') for t in json.loads(their)]
                recorded.append((label, {'document': document, 'path': path, 'outcome': outcome, 'tokens': tokens}))
            if not agree and shown < show:
                shown += 1
                print('document %s\npath     %s\n  Newtonsoft %s\n  ours       %s' % (document[:300], path, their[:300],
                                                                             json.dumps(our)[:300]))
    elif kind == 'bodies':
        texts = [body_text(rng) for _ in range(count)]
        lines = [b64(t) + '\n' for t in texts]
        theirs, ours = both('BodyCases', 'bodies', lines)
        for text, their, our in zip(texts, theirs, ours):
            their, our = json.loads(their), json.loads(our)
            if their['outcome'] != our['outcome']:
                agree, label = False, 'DIFFERENT'
            elif their['outcome'] == 'error':
                agree, label = True, 'both refuse'
            else:
                agree = same_body_value(their['value'], our['value'])
                label = 'same value' if agree else 'DIFFERENT'
            counts[label] += 1
            if wants(label):
                case = {'text': text, 'outcome': their['outcome']}
                if their['outcome'] == 'value':
                    case['value'] = their['value']
                recorded.append((label, case))
            if not agree and shown < show:
                shown += 1
                print('body %r\n  Newtonsoft %s\n  ours       %s' % (text[:200], json.dumps(their)[:300], json.dumps(our)[:300]))
    elif kind == 'dates':
        texts = [date_text(rng) for _ in range(count)]
        lines = [b64(t) + '\n' for t in texts]
        theirs, ours = both('DateCases', 'dates', lines)
        for text, their, our in zip(texts, theirs, ours):
            our = json.loads(our)
            if their == our:
                label = 'same date' if their[:1] == 'D' else 'both string'
            elif their[:1] == 'X' and our == 'S':
                # Newtonsoft throws (hour 24 of .NET's last day, an instant out of range): MedTech fails the message,
                # and DateTime.Parse, which reads what stays a string here, refuses these texts too.
                label = 'fails there, refused here'
            else:
                label = 'DIFFERENT'
            counts[label] += 1
            if wants(label):
                outcome = {'D': 'date', 'S': 'string', 'X': 'error'}[their[:1]]
                case = {'text': text, 'outcome': outcome}
                if outcome == 'date':
                    case['ms'] = int(their[2:])
                recorded.append((label, case))
            if label == 'DIFFERENT' and shown < show:
                shown += 1
                print('text %r\n  Newtonsoft %s\n  ours       %s' % (text, their, our))
    elif kind == 'jmespath':
        cases = [(jmes_document(rng), jmes_expression(rng)) for _ in range(count)]
        lines = [b64(d) + '\t' + b64(e) + '\n' for d, e in cases]
        theirs, ours = both('JmesPathCases', 'jmespath', lines)
        for (data, expression), their, our in zip(cases, theirs, ours):
            their, our = json.loads(their), json.loads(our)
            if our['outcome'] == 'error' and our['msg'].startswith('compiled evaluation differs'):
                # oracleEvaluate's check of this project's compiled evaluation against its interpreter.
                label = 'DIFFERENT'
            elif their['outcome'] != our['outcome']:
                # README: MedTech's integer arithmetic wraps around past 64 bits; here it is an error.
                overflow = our['outcome'] == 'error' and 'does not fit a 64-bit integer' in our['msg']
                label = 'deliberate: 64-bit overflow' if overflow else 'DIFFERENT'
            elif their['outcome'] == 'error':
                label = 'both error'
            elif same_body_value(their['value'], our['value'], kinds=True):
                label = 'both null' if their['value'] is None else 'same value (not null)'
            else:
                label = 'DIFFERENT'
            counts[label] += 1
            if wants(label):
                case = {'data': data, 'expression': expression, 'outcome': their['outcome']}
                if their['outcome'] == 'value':
                    case['value'] = their['value']
                recorded.append((label, case))
            if label == 'DIFFERENT' and shown < show:
                shown += 1
                print('data %s\nexpression %s\n  JmesPath.Net %s\n  ours         %s' % (data[:200], expression,
                                                                             json.dumps(their)[:250], json.dumps(our)[:250]))
    elif kind in ('normalize', 'envelopes', 'mappings', 'functions', 'jmesforms', 'samplemappings', 'metadata',
                  'mappingnumbers'):
        if kind == 'samplemappings':
            if mappings_dir is None:
                sys.exit('samplemappings needs --mappings DIR (device mappings named *devicecontent*.json)')
            written = [open(os.path.join(mappings_dir, name), encoding='utf-8-sig').read()
                       for name in sorted(os.listdir(mappings_dir)) if 'devicecontent' in name and name.endswith('.json')]
            chains = {m: member_chains(m) for m in written}
            cases = []
            for _ in range(count):
                mapping = rng.choice(written)
                cases.append((mapping, sample_message(rng, chains[mapping])))
        else:
            generators = {'normalize': (device_mapping, device_message),
                          'envelopes': (envelope_mapping, envelope_message),
                          'mappings': (mapping_variant, mapping_message),
                          'functions': (function_mapping, function_message),
                          'jmesforms': (jmes_form_mapping, jmes_form_message),
                          'metadata': (lambda r: with_metadata(r, device_mapping(r)), device_message),
                          'mappingnumbers': (lambda r: with_number_forms(r, device_mapping(r)), device_message)}[kind]
            cases = [(generators[0](rng), generators[1](rng)) for _ in range(count)]
        lines = [b64(m) + '\t' + b64(x) + '\n' for m, x in cases]
        theirs, ours = both('MedTechNormalize', 'normalize', lines)
        for (mapping, message), their, our in zip(cases, theirs, ours):
            their, our = json.loads(their), json.loads(our)
            if 'mappingErrors' in their or 'mappingProblems' in our:
                if 'mappingErrors' in their and 'mappingProblems' in our:
                    label = 'mapping refused by both'
                elif kind in ('mappings', 'samplemappings') and 'mappingProblems' in our and all(
                        UNUSABLE_TEMPLATE.search(p) for p in our['problems']) and (
                        'error' in their or not any(m.get('type') in blank_template_types(mapping)
                                                    for m in their['measurements'])):
                    # Refused here at load; MedTech loads the mapping and fails the template on every message it
                    # reaches (a blank required expression or valueName): README. Its other templates still measure
                    # there, and so does this one on a message it does not match.
                    label = 'refused here, fails when used there'
                elif kind == 'mappingnumbers' and 'mappingProblems' in our and all(
                        'Invalid JSONPath expression' in p for p in our['problems']) and \
                        'TemplateExpressionException' in their.get('error', ''):
                    # A language number read as JsonPath for a JMESPath text: MedTech parses JSONPath only when a
                    # message reaches it and fails there; here every expression must parse when the mapping loads
                    # (issue 2, README).
                    label = 'refused here, fails when used there'
                elif kind in ('mappings', 'samplemappings', 'metadata', 'mappingnumbers') and 'mappingErrors' in their:
                    # The contract is broader (README); shown, not a difference. Of the type names with `Template`
                    # added, MedTech knows only the ones its factories spell so (tools README).
                    named = any(re.search(r'No match found for template type (CalculatedContent|IotCentralJsonPath'
                                          r'Content)Template\.', e, re.I) for e in their['mappingErrors'])
                    label = 'refused by MedTech only' + (' (type name)' if named else '')
                else:
                    label = 'DIFFERENT'
            else:
                a = [measurement_key(m, True) for m in their.get('measurements', [])]
                b = [measurement_key(m, False) for m in our['measurements']]
                if 'error' in their:
                    # MedTech stops the message at the failing match; this project goes on with the others (README).
                    # A MedTech error must have its name here; .NET's own (a FormatException from a filter's
                    # comparison) has none in MedTech, and this project gives such a failure one of MedTech's names.
                    name = their['error'].split(':')[0].replace('Exception', '')
                    named = name in our['errors'] if name in MEDTECH_ERRORS else bool(our['errors'])
                    label = 'both fail a match' if named and all(x in b for x in a) else 'DIFFERENT'
                    if label == 'DIFFERENT' and named and all(x in as_decided(b, False)
                                                              for x in as_decided(a, True)):
                        label = DATE_TEXT_OR_BOOLEAN
                    if (label == 'DIFFERENT' and name == 'IncompatibleData'
                            and projects_single_value(mapping, their['error'])
                            and all(x in as_decided(b, False) for x in as_decided(a, True))):
                        label = ONE_ELEMENT_PROJECTION
                elif our['errors']:
                    label = 'DIFFERENT'
                else:
                    label = ('same measurements' if a else 'neither measures') if a == b else 'DIFFERENT'
                if label == 'DIFFERENT' and as_decided(a, True) == as_decided(b, False):
                    label = DATE_TEXT_OR_BOOLEAN
            if label == 'DIFFERENT' and kind == 'functions':
                label = known_function_difference(mapping, message, their, our)
            counts[label] += 1
            if wants(label) and label in ('same measurements', 'neither measures'):
                recorded.append((label, {'mapping': json.loads(mapping), 'message': message,
                                         'measurements': their['measurements']}))
            if label in ('DIFFERENT', 'refused by MedTech only') and shown < show:
                shown += 1
                shown_mapping = mapping[:300]
                if kind == 'functions':
                    shown_mapping = json.loads(mapping)['template'][0]['template']['values'][0]['valueExpression']
                print('mapping %s\nmessage %s\n  MedTech %s\n  ours    %s' % (shown_mapping, message[:300],
                                                                        json.dumps(their)[:300], json.dumps(our)[:300]))
    elif kind in ('fhirmappings', 'fhirvaluekeys', 'fhirlistspellings', 'fhirmetadata', 'fhirnumbers'):
        variant = {'fhirmappings': fhir_mapping_variant, 'fhirvaluekeys': fhir_value_key_variant,
                   'fhirlistspellings': fhir_list_spellings_variant, 'fhirnumbers': fhir_numbers_variant,
                   'fhirmetadata': lambda r: fhir_with_metadata(r, fhir_mapping_variant(r))}[kind]
        mappings = [variant(rng) for _ in range(count)]
        lines = [b64(m) + '\n' for m in mappings]
        theirs, ours = both('FhirMappingLoad', 'fhirmapping', lines)
        for mapping, their, our in zip(mappings, theirs, ours):
            their, our = json.loads(their), json.loads(our)
            if 'mappingErrors' in their and 'mappingProblems' in our:
                label = 'refused by both'
            elif 'mappingErrors' in their:
                label = 'refused by MedTech only'
            elif 'mappingProblems' in our:
                label = 'refused here, fails when used there' if fhir_unusable(their['templates']) else 'DIFFERENT'
            else:
                label = ('same templates' if fhir_reading(their['templates'], True) ==
                         fhir_reading(our['templates'], False) else 'DIFFERENT')
            counts[label] += 1
            if wants(label):
                recorded.append((label, {'mapping': json.loads(mapping), 'outcome': 'templates' if 'templates' in their
                                         else 'refused', 'templates': their.get('templates', []),
                                         'unusable': label == 'refused here, fails when used there'}))
            if label in ('DIFFERENT', 'refused by MedTech only') and shown < show:
                shown += 1
                print('mapping %s\n  MedTech %s\n  ours    %s' % (mapping[:600], json.dumps(their)[:600],
                                                                json.dumps(our)[:600]))
    else:
        sys.exit('kind: paths, device, bodies, dates, jmespath, normalize, envelopes, mappings, functions, fhirmappings, fhirvaluekeys, fhirlistspellings, fhirmetadata, fhirnumbers, samplemappings, metadata or mappingnumbers')
    print('%s seed %d: %s' % (kind, seed, ', '.join('%s %d' % item for item in sorted(counts.items()))))
    if record is not None:
        existing = json.load(open(record, encoding='utf-8')) if os.path.exists(record) else []
        with open(record, 'w', encoding='utf-8') as f:
            json.dump(existing + [case for _, case in recorded], f, ensure_ascii=False, indent=1)
            f.write('\n')


if __name__ == '__main__':
    main()
