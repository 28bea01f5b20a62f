#!/usr/bin/env python3
"""Runs tests/fixtures/newtonsoft-jsonpath and newtonsoft-bodies through the Newtonsoft.Json harnesses built by
run.sh, and tests/fixtures/jmespath-net through JmesPath.Net when build_jmespath.sh has built it, and prints every
case whose recorded outcome differs from what the library does.

Usage: check_fixtures.py <directory holding JsonPathCases.exe and BodyCases.exe>
"""
import base64
import json
import os
import re
import subprocess
import sys

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'tests', 'fixtures')


def b64(text):
    return base64.b64encode(text.encode('utf-8', 'surrogatepass')).decode()


def run(exe, lines):
    result = subprocess.run(['mono', exe], input=''.join(lines), capture_output=True, text=True, check=True)
    return result.stdout.strip().split('\n')


def same(a, b):
    """Recorded value `a` against the library's `b`: numbers by value (`1.0` is 1), the rest exactly."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return a == b


def json_paths(directory):
    text = open(os.path.join(FIXTURES, 'newtonsoft-jsonpath', 'cases.json'), encoding='utf-8').read()
    cases = json.loads(text)
    # The document as its text writes it (`1.0` stays a float literal).
    raw_cases = json.loads(text, parse_float=lambda s: '__RAW__' + s)
    docs = [re.sub(r'"__RAW__([^"]*)"', r'\1', json.dumps(c['doc'], ensure_ascii=False)) for c in raw_cases]
    out = run(os.path.join(directory, 'JsonPathCases.exe'), [b64(d) + '\t' + b64(c['path']) + '\n' for d, c in zip(docs, cases)])
    differing = 0
    for i, (case, line) in enumerate(zip(cases, out)):
        real = json.loads(line)
        problems = []
        if case['outcome'] != real['outcome']:
            problems.append('outcome %s, library %s' % (case['outcome'], real['outcome']))
        elif case['outcome'] == 'tokens' and not same(case['tokens'], real['tokens']):
            problems.append('tokens %s, library %s' % (json.dumps(case['tokens']), json.dumps(real['tokens'])))
        if 'single' in case and not same(case['single'], real['single']):
            problems.append('single %s, library %s' % (json.dumps(case['single']), json.dumps(real['single'])))
        if problems:
            differing += 1
            print('newtonsoft-jsonpath #%d %s on %s: %s' % (i, case['path'], docs[i][:120], '; '.join(problems)))
    print('newtonsoft-jsonpath: %d of %d cases as recorded' % (len(cases) - differing, len(cases)))


def bodies(directory):
    cases = json.load(open(os.path.join(FIXTURES, 'newtonsoft-bodies', 'cases.json'), encoding='utf-8'))
    out = run(os.path.join(directory, 'BodyCases.exe'), [b64(c['text']) + '\n' for c in cases])
    differing = 0
    for i, (case, line) in enumerate(zip(cases, out)):
        real = json.loads(line)
        if case['outcome'] != real['outcome'] or (case['outcome'] == 'value' and not same(case['value'], real['value'])):
            differing += 1
            print('newtonsoft-bodies #%d %r: recorded %s %s, library %s' % (
                i, case['text'][:80], case['outcome'], json.dumps(case.get('value'))[:120], line[:200]))
    print('newtonsoft-bodies: %d of %d cases as recorded' % (len(cases) - differing, len(cases)))


def jmespath(directory):
    exe = os.path.join(directory, 'JmesPathCases.exe')
    if not os.path.exists(exe):
        print('jmespath-net: not checked (run build_jmespath.sh first)')
        return
    text = open(os.path.join(FIXTURES, 'jmespath-net', 'cases.json'), encoding='utf-8').read()
    cases = json.loads(text)
    raw_cases = json.loads(text, parse_float=lambda s: '__RAW__' + s)
    data = [re.sub(r'"__RAW__([^"]*)"', r'\1', json.dumps(c['data'])) for c in raw_cases]
    out = run(exe, [b64(d) + '\t' + b64(c['expression']) + '\n' for d, c in zip(data, cases)])
    differing = 0
    for i, (case, line) in enumerate(zip(cases, out)):
        real = json.loads(line)
        if case['outcome'] != real['outcome'] or (case['outcome'] == 'value' and not same(case['value'], real['value'])):
            differing += 1
            print('jmespath-net #%d %s on %s: recorded %s %s, library %s' % (
                i, case['expression'], data[i][:80], case['outcome'], json.dumps(case.get('value'))[:100], line[:160]))
    print('jmespath-net: %d of %d cases as recorded' % (len(cases) - differing, len(cases)))


if __name__ == '__main__':
    json_paths(sys.argv[1])
    bodies(sys.argv[1])
    jmespath(sys.argv[1])
