#!/usr/bin/env python3
"""Math.Pow as MedTech's runtime computes it, against this project's dotNetPow and JavaScript's Math.pow.

Usage: pow_cases.py <work directory with PowCases.exe> <seed> <count> [--record FILE]

Draws operands of the kinds device mappings and their edges give (unit conversions, powers of ten, integer powers,
bases near 1 with large exponents, results near overflow and in the subnormal range, random bits), runs them through
Mono's Math.Pow (which calls the C library's pow), through dotNetPow and Math.pow (node, the built dist/), and through
Python's decimal module at 80 digits (the correctly rounded power). Prints how often each agrees. With --record, writes
the cases where Mono's pow is not correctly rounded and a sample of the others as a test fixture.
"""
import json
import math
import os
import struct
import subprocess
import sys
from decimal import Decimal, getcontext

from random_differential import seeded_run

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
getcontext().prec = 80


def bits(x):
    return '%016x' % struct.unpack('<Q', struct.pack('<d', x))[0]


def from_bits(text):
    return struct.unpack('<d', struct.pack('<Q', int(text, 16)))[0]


def operands(rng):
    kind = rng.randrange(10)
    if kind == 0:
        return rng.uniform(0, 100), rng.uniform(-40, 40)
    if kind == 1:
        return float(rng.choice([2, 10, 100, 0.5, 1.5, 7, 3])), round(rng.uniform(-40, 40), rng.choice([1, 2, 3]))
    if kind == 2:
        return round(rng.uniform(0, 1000), rng.choice([0, 1, 2])), round(rng.uniform(-5, 5), rng.choice([1, 2]))
    if kind == 3:
        return 1 + rng.uniform(-1e-6, 1e-6), rng.uniform(-1e8, 1e8)
    if kind == 4:
        return 1 + rng.randrange(1, 1000) * 2.0 ** -52 * rng.choice([1, -0.5]), rng.uniform(-1e15, 1e15)
    if kind == 5:
        return rng.choice([-1, 1]) * rng.uniform(0, 20), float(rng.randrange(-300, 300))
    if kind == 6:
        return float(rng.randrange(1, 2 ** 26)), float(rng.choice([2, 3, 4, 5]))
    if kind == 7:
        x = rng.uniform(1.001, 1e6)
        return x, 709.7 / math.log(x) * rng.uniform(0.99, 1.0)
    if kind == 8:
        x = rng.uniform(1e-6, 0.999)
        return x, -708 / math.log(x) * rng.uniform(0.99, 1.05)
    while True:
        x = abs(struct.unpack('<d', struct.pack('<Q', rng.getrandbits(64)))[0])
        y = struct.unpack('<d', struct.pack('<Q', rng.getrandbits(64)))[0]
        if math.isfinite(x) and math.isfinite(y) and x != 0:
            return x, math.copysign(abs(y) % 50, y)


def correctly_rounded(x, y):
    """The power to 80 digits, rounded once to a double; None where it is not a finite real number."""
    if x < 0 and y != int(y):
        return None
    magnitude = Decimal(abs(x)) ** Decimal(y)
    if x < 0 and int(y) % 2 == 1:
        magnitude = -magnitude
    value = float(magnitude)
    return value if math.isfinite(value) else None


def main():
    work, seed, count, record, rng = seeded_run(sys.argv[1:])
    cases = []
    while len(cases) < count:
        x, y = operands(rng)
        expected = correctly_rounded(x, y)
        if expected is not None:
            cases.append((x, y, expected))
    mono = subprocess.run(['mono', os.path.join(work, 'PowCases.exe')], check=True, capture_output=True, text=True,
                          input=''.join('%s %s\n' % (bits(x), bits(y)) for x, y, _ in cases)).stdout.split()
    script = ('import { dotNetPow } from %s; let text = ""; process.stdin.on("data", (d) => (text += d));'
              'process.stdin.on("end", () => { const cases = JSON.parse(text);'
              'console.log(JSON.stringify(cases.map(([x, y]) => [dotNetPow(x, y), Math.pow(x, y)]))); });'
              % json.dumps(os.path.join(ROOT, 'dist', 'shared', 'core', 'dotNetPow.js')))
    node = subprocess.run(['node', '--input-type=module', '-e', script], check=True, capture_output=True, text=True,
                          input=json.dumps([[x, y] for x, y, _ in cases])).stdout
    results = json.loads(node, parse_int=float)
    counts = {'mono correctly rounded': 0, 'ours == mono': 0, 'ours correctly rounded': 0, 'Math.pow == mono': 0}
    kept = []
    sampled = 0
    for (x, y, expected), mono_bits, (ours, javascript) in zip(cases, mono, results):
        theirs = from_bits(mono_bits)
        counts['mono correctly rounded'] += theirs == expected
        counts['ours == mono'] += ours == theirs
        counts['ours correctly rounded'] += ours == expected
        counts['Math.pow == mono'] += javascript == theirs
        if ours != expected:
            print('not correctly rounded here: pow(%r, %r) = %r, not %r' % (x, y, ours, expected))
        if record is not None and math.isfinite(theirs) and (theirs != expected or sampled < 1500):
            sampled += theirs == expected
            kept.append({'x': x, 'y': y, 'mono': theirs, 'correctlyRounded': expected})
    print('pow seed %d: %d cases; %s' % (seed, len(cases), ', '.join('%s %d' % item for item in counts.items())))
    if record is not None:
        with open(record, 'w') as out:
            json.dump(kept, out)
            out.write('\n')


if __name__ == '__main__':
    main()
