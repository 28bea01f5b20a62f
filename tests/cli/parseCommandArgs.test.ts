import { describe, expect, it } from 'vitest';
import { parseCommandArgs, usageError, type CommandUsage } from '../../shared/cli/parseCommandArgs.js';
import { captureIo } from './support.js';

const usage: CommandUsage = { command: 'try', help: 'Usage: medtech try [--file FILE ...] [--json]\n' };
const options = { file: { type: 'string', multiple: true }, json: { type: 'boolean' } } as const;

describe('parseCommandArgs', () => {
  it('returns the values of the declared options and writes nothing', () => {
    const io = captureIo();

    const args = parseCommandArgs(['--file', 'a.json', '--json', '--file', 'b.json'], options, usage, io);

    expect(args).toEqual({ kind: 'run', values: { file: ['a.json', 'b.json'], json: true } });
    expect(io.out).toBe('');
    expect(io.err).toBe('');
  });

  it('prints the help on stdout and exits 0 on --help or -h, whatever else is given', () => {
    const long = captureIo();
    const short = captureIo();

    expect(parseCommandArgs(['--file', 'a.json', '--help'], options, usage, long)).toEqual({
      kind: 'exit',
      exitCode: 0,
    });
    expect(parseCommandArgs(['-h'], options, usage, short)).toEqual({ kind: 'exit', exitCode: 0 });

    expect(long.out).toBe(usage.help);
    expect(short.out).toBe(usage.help);
    expect(long.err + short.err).toBe('');
  });

  it('exits 2 with the reason and the help on stderr for an unknown option', () => {
    const io = captureIo();

    expect(parseCommandArgs(['--strict'], options, usage, io)).toEqual({ kind: 'exit', exitCode: 2 });

    expect(io.err).toMatch(/^medtech try: Unknown option '--strict'.*\n\nUsage: medtech try /s);
    expect(io.err.endsWith(usage.help)).toBe(true);
    expect(io.out).toBe('');
  });

  it('exits 2 when a single-value option is given twice, instead of silently keeping the last one', () => {
    const io = captureIo();

    expect(parseCommandArgs(['--json', '--file', 'a.json', '--json'], options, usage, io)).toEqual({
      kind: 'exit',
      exitCode: 2,
    });

    expect(io.err).toMatch(/^medtech try: --json is given more than once\n\nUsage: medtech try /);
    expect(io.out).toBe('');
  });

  it('exits 2 for a positional argument and for a string option without its value', () => {
    const positional = captureIo();
    const missingValue = captureIo();

    expect(parseCommandArgs(['a.json'], options, usage, positional)).toEqual({ kind: 'exit', exitCode: 2 });
    expect(parseCommandArgs(['--file'], options, usage, missingValue)).toEqual({ kind: 'exit', exitCode: 2 });

    expect(positional.err).toMatch(/^medtech try: .*'a\.json'/);
    expect(missingValue.err).toMatch(/^medtech try: .*'--file/);
  });
});

describe('usageError', () => {
  it('writes "medtech <command>: <reason>", a blank line and the help on stderr, and returns 2', () => {
    const io = captureIo();

    expect(usageError(io, usage, 'missing --file FILE')).toBe(2);

    expect(io.err).toBe(`medtech try: missing --file FILE\n\n${usage.help}`);
    expect(io.out).toBe('');
  });
});
