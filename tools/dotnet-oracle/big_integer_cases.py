#!/usr/bin/env python3
"""JSONPath filters that compare integers beyond 2^53, as Newtonsoft.Json compares them.

Usage: big_integer_cases.py <work directory with JsonPathRandom.exe> <seed> <count> [--nested] [--record FILE]

Newtonsoft reads an integer up to 64 bits as a `long` and one beyond as a BigInteger, and compares two integers
exactly (a numeric string against an integer too, through `Convert.ToInt64` or `BigInteger.Parse`); a long against a
float compares as doubles, a BigInteger against a float exactly. JSON.parse keeps 53 bits. Draws documents of a few
elements `{"i": k, "v": …, "w": …}` whose numbers lie near 2^51, 2^52, 2^53, 2^63 and 2^64 (written as integers, as whole floats
and as numeric strings), and filters comparing `@.v` with a constant of the same neighbourhoods or with `@.w`, runs
them through Newtonsoft (Mono) and through this project as normalizeEvent evaluates (reading the numbers' digits from
the text) and with the plain numbers (ORACLE_JSONPATH_PLAIN=1). Prints how often each agrees with Newtonsoft. With
--record, writes the cases where this project agrees, those that the plain numbers get wrong first. With --nested, the
same cases one level down, each element read through a filter of the operand path (`@.x[?(@.i >= 0)].v`).
"""
import json
import re
import sys

from number_form_cases import run_cases
from random_differential import seeded_run

P53, P63, P64 = 2 ** 53, 2 ** 63, 2 ** 64
CENTRES = [2 ** 51, -2 ** 52, P53, -P53, P63 - 1, -P63, P63, -P63 - 1, P64, 10 ** 16 + 1]
OPERATORS = ['==', '!=', '===', '!==', '<', '<=', '>', '>=']


def integer_near(rng):
    return rng.choice(CENTRES) + rng.randint(-3, 3)


def document_value(rng):
    """A number written as an integer, a whole float or a numeric string, or another value."""
    n = integer_near(rng)
    r = rng.random()
    if r < 0.45:
        return str(n)
    if r < 0.6:
        return str(n) + '.0'
    if r < 0.65:
        return '%.16e' % n
    # A half only where a double holds it: Mono's parser (not .NET's since Core 3.0) rounds one beyond 2^52 wrongly.
    half = '%d.5' % n if abs(n) < 2 ** 52 else str(n)
    if r < 0.7:
        return half
    if r < 0.85:
        return json.dumps(rng.choice([str(n), ' %d ' % n, half]))
    return rng.choice(['true', 'false', 'null', '1.5', '-2.5', '0', '1e300'])


def constant(rng):
    """A path constant: an integer within a long, a float, a quoted string, a boolean or null."""
    r = rng.random()
    if r < 0.5:
        n = integer_near(rng)
        return str(max(-P63, min(P63 - 1, n)))
    if r < 0.65:
        return '%d.0' % integer_near(rng)
    if r < 0.85:
        return "'%d'" % integer_near(rng)
    return rng.choice(['true', 'false', 'null', '1.5', '1e300', '0'])


def case(rng):
    elements = ['{"i": %d, "v": %s, "w": %s}' % (i, document_value(rng), document_value(rng))
                for i in range(rng.randint(1, 3))]
    operator = rng.choice(OPERATORS)
    r = rng.random()
    if r < 0.4:
        path = '$[?(@.v %s %s)]' % (operator, constant(rng))
    elif r < 0.6:
        path = '$[?(%s %s @.v)]' % (constant(rng), operator)
    else:
        path = '$[?(@.v %s @.w)]' % operator
    return '[' + ', '.join(elements) + ']', path


def nested(document, path):
    """The same case one level down, read through a filter: each element `e` becomes `{"x": [e]}` and the path reads
    `@.x[?(@.i >= 0)].v` for `@.v` (the inner filter keeps every element)."""
    elements = json.loads(document, parse_int=str, parse_float=str)
    texts = [text for text in re.findall(r'\{"i": \d+, "v": .*?, "w": .*?\}(?=, \{"i"|\]$)', document)]
    assert len(texts) == len(elements)
    wrapped = '[' + ', '.join('{"x": [%s]}' % t for t in texts) + ']'
    return wrapped, path.replace('@.v', '@.x[?(@.i >= 0)].v').replace('@.w', '@.x[?(@.i >= 0)].w')


def main():
    args = sys.argv[1:]
    wrap = '--nested' in args
    if wrap:
        args.remove('--nested')
    work, seed, count, record, rng = seeded_run(args)
    cases = [case(rng) for _ in range(count)]
    if wrap:
        cases = [nested(d, p) for d, p in cases]
    run_cases(work, cases, record, 'big integers%s seed %d' % (' nested' if wrap else '', seed), 'the digits')


if __name__ == '__main__':
    main()
