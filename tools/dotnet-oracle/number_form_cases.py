#!/usr/bin/env python3
"""JSONPath filters whose outcome depends on how the document wrote a whole number, as Newtonsoft.Json reads it.

Usage: number_form_cases.py <work directory with JsonPathRandom.exe> <seed> <count> [--record FILE]

Newtonsoft reads `72.0` as a float, `72` as an integer and an integer beyond 64 bits as a BigInteger; JSON.parse
makes one number of each. Draws documents and paths as random_differential.py's `paths` and `device` runs do, keeps
those with an ordering comparison over a document holding a whole float or a 20-digit integer, and runs them through
Newtonsoft (Mono) and through this project twice: as normalizeEvent evaluates (reading such numbers' forms) and with
the plain numbers (ORACLE_JSONPATH_PLAIN=1). Prints how often each agrees with Newtonsoft. With --record, writes the
cases where reading the forms is what makes this project agree, and as many where both readings agree.
"""
import json
import os
import re
import subprocess
import sys

from random_differential import (ROOT, as_numbers, b64, corner_path, device_document, device_path, seeded_run,
                                 small_document)

WHOLE_FLOAT_OR_BIG = re.compile(r'\d\.0\b|\de\d|\d{20}')
ORDERING = re.compile(r'[<>]')


def ours(lines, plain):
    env = dict(os.environ, ORACLE_JSONPATH_PLAIN='1' if plain else '0')
    return subprocess.run(['node', os.path.join(ROOT, 'dist', 'scripts', 'oracleEvaluate.js'), 'jsonpath'],
                          input=''.join(lines), capture_output=True, text=True, check=True, env=env).stdout.split('\n')


def outcome(their_line, our_line):
    """(outcome, tokens) of Newtonsoft's answer, and whether this project's answer is the same."""
    our = json.loads(our_line)
    if their_line[:1] in ('E', 'B'):
        return 'error', None, isinstance(our, str) and our[:1] == their_line[:1]
    tokens = [t.get('v') for t in json.loads(their_line)]
    return 'tokens', tokens, not isinstance(our, str) and as_numbers(tokens) == as_numbers([t['v'] for t in our])


def main():
    work, seed, count, record, rng = seeded_run(sys.argv[1:])
    cases = []
    while len(cases) < count:
        document, path = ((small_document(rng), corner_path(rng)) if rng.random() < 0.5
                          else (device_document(rng), device_path(rng)))
        if ORDERING.search(path) and WHOLE_FLOAT_OR_BIG.search(document):
            cases.append((document, path))
    run_cases(work, cases, record, 'number forms seed %d' % seed, 'forms')


def run_cases(work, cases, record, title, reading):
    """Runs (document, path) pairs through Newtonsoft (Mono) and this project, as normalizeEvent evaluates and with the
    plain numbers, and prints how often each agrees under `title`. With `record`, writes the cases where only the
    numbers read from the text (`reading`, for the label) agree, then as many where both readings agree."""
    lines = [b64(d) + '\t' + b64(p) + '\n' for d, p in cases]
    theirs = subprocess.run(['mono', os.path.join(work, 'JsonPathRandom.exe')], input=''.join(lines),
                            capture_output=True, text=True, check=True).stdout.split('\n')
    with_forms, plain = ours(lines, False), ours(lines, True)
    only_read = 'agree only with ' + reading
    counts = {'agree': 0, only_read: 0, 'agree only plain': 0, 'differ': 0}
    fixed, same = [], []
    for (document, path), their, mine, old in zip(cases, theirs, with_forms, plain):
        kind, tokens, agrees = outcome(their, mine)
        agreed_before = outcome(their, old)[2]
        label = ('agree' if agreed_before else only_read) if agrees else (
            'agree only plain' if agreed_before else 'differ')
        counts[label] += 1
        case = {'document': document, 'path': path, 'outcome': kind, 'tokens': tokens or []}
        if label == only_read:
            fixed.append(case)
        elif label == 'agree':
            same.append(case)
        elif counts[label] <= 5:
            print('%s\ndocument %s\npath     %s\n  Newtonsoft %s\n  ours       %s' % (label, document[:300], path,
                                                                                   their[:300], mine[:300]))
    print('%s: %d cases; %s' % (title, len(cases), ', '.join('%s %d' % i for i in counts.items())))
    if record is not None:
        with open(record, 'w') as out:
            json.dump(fixed + same[:len(fixed)], out, ensure_ascii=False)
            out.write('\n')


if __name__ == '__main__':
    main()
