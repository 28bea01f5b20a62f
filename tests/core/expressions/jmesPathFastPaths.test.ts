import { describe, expect, it } from 'vitest';
import { compileJmesPath } from '../../../shared/core/expressions/jmesPath.js';
import { EvaluationBudget } from '../../../shared/core/expressions/jmesPath/evaluationBudget.js';
import { evaluateJmesPath } from '../../../shared/core/expressions/jmesPath/jmesPathInterpreter.js';
import { parseJmesPath } from '../../../shared/core/expressions/jmesPath/parseJmesPath.js';

const MANY = Symbol('many');

const envelope = {
  Body: {
    deviceId: 'device01',
    readings: [
      { kind: 'temperature', fahrenheit: 98.6, time: '2023-03-13T22:46:01.875Z' },
      { kind: 'humidity', percent: 40 },
      { kind: 'temperature', fahrenheit: 99.1 },
    ],
    single: [{ kind: 'temperature', fahrenheit: 97.0 }],
    notAList: { kind: 'temperature' },
    empty: null,
    nulls: [{ v: null }, { w: 1 }, null],
  },
};

describe('compileJmesPath fast paths', () => {
  describe('selectOne', () => {
    it.each([
      'Body.deviceId',
      'Body.missing',
      'Body.empty',
      'Body',
      'Body.readings',
      "Body.readings[?kind=='temperature']",
      "Body.single[?kind=='temperature']",
      "Body.readings[?kind=='none']",
      "Body.notAList[?kind=='temperature']",
      "Body.readings[?kind=='temperature'].fahrenheit",
      'Body.readings[*].time',
      'Body.readings[0] | time',
      'add(Body.readings[0].fahrenheit, `1`)',
      'length(Body.readings)',
      // A null of the data in a projection is a match (of no value); a missing member is none.
      'Body.nulls[*].v',
      'Body.nulls[*].w',
      'Body.nulls[*]',
      'Body.nulls[?!v]',
      'Body.nulls[?!v].v',
      'Body.nulls[1:]',
      'Body.nulls[*].missing',
      '@.Body.deviceId',
      '@.Body.empty',
      '@.Body.missing.x',
      '@',
      '@.Body.readings[?kind==`"temperature"`]',
      '@.Body.empty[?kind==`"temperature"`]',
    ])('agrees with matches for %s', (source) => {
      const expression = compileJmesPath(source);
      const tokens = expression.matches(envelope);
      const expected = tokens.length === 1 ? tokens[0] : tokens.length === 0 ? undefined : MANY;

      expect(expression.selectOne?.(envelope, MANY)).toEqual(expected);
    });
  });

  describe('rootMember', () => {
    it('splits a field chain at its first field', () => {
      const split = compileJmesPath('matchedToken.reading.value').rootMember;

      expect(split?.head).toBe('matchedToken');
      expect(split?.rest.matches({ reading: { value: 5 } })).toEqual([5]);
    });

    it.each([
      ['matchedToken.time', { matchedToken: { time: 't' } }],
      ['Body', { Body: { a: 1 } }],
      ['Body', { Body: null }],
      ['Body.deviceId', { Body: 'not an object' }],
      ['Body.constructor', { Body: {} }],
      // `@` adds no name: Microsoft's documentation writes value expressions so.
      ['@.matchedToken.time', { matchedToken: { time: 't' } }],
      ['@.matchedToken.time', { matchedToken: null }],
    ])('evaluates %s on a plain object as its rest does on the head member', (source, data) => {
      const expression = compileJmesPath(source);
      const split = expression.rootMember;
      const member = (data as Record<string, unknown>)[split?.head ?? ''];

      expect(split?.rest.matches(member)).toEqual(expression.matches(data));
    });

    it('splits a chain with @ at its first field', () => {
      expect(compileJmesPath('@.matchedToken.deviceId').rootMember?.head).toBe('matchedToken');
    });

    it.each(['@', 'Body[0]', "Body.readings[?kind=='x']", 'Body | deviceId', 'add(Body.n, `1`)'])(
      'is absent for %s, which is not a field chain',
      (source) => {
        expect(compileJmesPath(source).rootMember).toBeUndefined();
      },
    );

    it('is absent when the step bound is too small to evaluate the chain without counting', () => {
      expect(compileJmesPath('a.b.c', { maxSteps: 4 }).rootMember).toBeUndefined();
      expect(compileJmesPath('a.b.c', { maxSteps: 5 }).rootMember?.head).toBe('a');
    });
  });

  describe('work bound', () => {
    it.each([
      ["Body.readings[?kind=='temperature']", envelope],
      ["Body.missing[?kind=='temperature']", envelope],
      ["Body.notAList[?kind=='temperature']", envelope],
      ["Body.readings[?kind=='temperature']", {}],
      ['a.b.c', { a: { b: { c: 1 } } }],
      ['a.b.c', { a: null }],
      ['@.a.b', { a: { b: 1 } }],
      ['@.a.b', null],
      ['@.Body.readings[?kind==`"temperature"`]', envelope],
      ['@.Body.empty[?kind==`"temperature"`]', envelope],
    ])('fails %s at the same step bounds as the interpreter', (source, data) => {
      const ast = parseJmesPath(source);
      for (let maxSteps = 0; maxSteps < 40; maxSteps++) {
        let interpreterFails = false;
        try {
          evaluateJmesPath(ast, data, new EvaluationBudget(maxSteps, 1_000_000));
        } catch {
          interpreterFails = true;
        }
        const run = (): unknown[] => compileJmesPath(source, { maxSteps }).matches(data);
        if (interpreterFails) {
          expect(run).toThrow(/steps/);
        } else {
          expect(run).not.toThrow();
        }
      }
    });
  });
});
