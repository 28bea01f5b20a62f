#!/usr/bin/env python3
"""Runs every tests/fixtures/normalization case through MedTech's own normalization (MedTechNormalize.exe, built by
build_medtech.sh) and compares its measurements with the ones the fixture expects of this project.

Usage: check_normalization.py <work directory> [fixture name, to list its differing measurements]

Measurements are compared by type, occurrence time (to the millisecond), ids and values; ingestion time is not
compared (MedTech's service sets it after the extractor). MedTech stops a message at its first failing match where
this project goes on with the others (README): when MedTech's measurements are then those of this project up to that
point, the case is reported as "same until MedTech stops".
"""
import base64
import json
import os
import re
import subprocess
import sys

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'tests', 'fixtures', 'normalization')


def millis(text):
    m = re.match(r'(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z$', text or '')
    return m.group(1) + '.' + (m.group(2) or '')[:3].ljust(3, '0') if m else text


def key(m):
    return (m.get('type'), millis(m.get('occurrenceTimeUtc')), m.get('deviceId'), m.get('patientId'),
            m.get('encounterId'), m.get('correlationId'), tuple((p['name'], p['value']) for p in m.get('properties', [])))


def message_files(directory):
    files = [f for f in os.listdir(directory) if re.match(r'^message(-\d+)?\.(json|txt)$', f)]
    return sorted(files, key=lambda f: int((re.search(r'-(\d+)\.', f) or [0, 0])[1]))


def main():
    work = sys.argv[1]
    detail = sys.argv[2] if len(sys.argv) > 2 else None
    counts = {}
    for name in sorted(os.listdir(FIXTURES)):
        directory = os.path.join(FIXTURES, name)
        lines = ''.join(base64.b64encode(open(os.path.join(directory, f), 'rb').read()).decode() + '\n'
                        for f in message_files(directory))
        run = subprocess.run(['mono', os.path.join(work, 'MedTechNormalize.exe'), os.path.join(directory, 'devicecontent.json')],
                             input=lines, capture_output=True, text=True)
        expected = json.load(open(os.path.join(directory, 'expected.json'), encoding='utf-8'))
        ours = [key(m) for m in expected['measurements']]
        if run.returncode != 0 or not run.stdout.strip():
            thrown = [line.strip() for line in run.stderr.split('\n') if 'Exception:' in line and 'Unhandled' not in line]
            status, info = 'MedTech fails to load the mapping', (thrown[0] if thrown else run.stderr.strip())[:160]
        elif run.stdout.startswith('{"mappingErrors"'):
            status, info = 'MedTech refuses the mapping', json.loads(run.stdout.split('\n')[0])['mappingErrors'][0][:160]
        else:
            results = [json.loads(line) for line in run.stdout.strip().split('\n')]
            theirs = [key(m) for r in results for m in r.get('measurements', [])]
            failed = [i for i, r in enumerate(results) if 'error' in r]
            if theirs == ours:
                status, info = 'same', ''
            elif failed and len(theirs) < len(ours) and all(t in ours for t in theirs):
                status, info = 'same until MedTech stops', 'MedTech fails message(s) %s' % failed
            else:
                status, info = 'different', ''
            if name == detail:
                for t in theirs:
                    if t not in ours:
                        print('  only MedTech:', t)
                for o in ours:
                    if o not in theirs:
                        print('  only here:   ', o)
        counts[status] = counts.get(status, 0) + 1
        if status != 'same':
            print('%-60s %s %s' % (name, status, info))
    print(', '.join('%s %d' % item for item in sorted(counts.items())), 'of', sum(counts.values()))


if __name__ == '__main__':
    main()
