import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../shared/cli/medtech.js';
import { captureIo } from './support.js';

const debugFixture = (name: string): string =>
  fileURLToPath(new URL(`../fixtures/fhir/debug_docs_heartrate/${name}`, import.meta.url));

describe('runCli', () => {
  it('prints the commands and exits 0 on --help', async () => {
    const io = captureIo();

    const code = await runCli(['--help'], io);

    expect(code).toBe(0);
    expect(io.out).toMatch(/^Usage: medtech <command> \[options\]/);
    expect(io.out).toMatch(/^ {2}validate {3}\S/m);
    expect(io.out).toMatch(/^ {2}normalize {2}\S/m);
    expect(io.out).toMatch(/^ {2}debug {6}run device messages through both mappings/m);
    expect(io.err).toBe('');
  });

  it('prints the usage on stderr and exits 2 without a command', async () => {
    const io = captureIo();

    expect(await runCli([], io)).toBe(2);
    expect(io.err).toContain('Usage: medtech <command>');
    expect(io.out).toBe('');
  });

  it('rejects an unknown command with exit code 2', async () => {
    const io = captureIo();

    expect(await runCli(['debug-everything'], io)).toBe(2);
    expect(io.err).toMatch(/^medtech: unknown command 'debug-everything'/);
  });

  it('exits 3 and names the command when it fails unexpectedly (a bug, not a usage error)', async () => {
    const io = captureIo();
    const failing = {
      ...io,
      stdout: () => {
        throw new Error('stdout exploded');
      },
    };

    expect(await runCli(['validate', '--help'], failing)).toBe(3);
    expect(io.err).toMatch(/^medtech validate: internal error: Error: stdout exploded/);
  });

  it('does not treat inherited object properties as commands', async () => {
    const io = captureIo();

    expect(await runCli(['toString'], io)).toBe(2);
    expect(io.err).toContain("unknown command 'toString'");
  });

  it('runs debug, which prints the measurements and Observations of the messages', async () => {
    const io = captureIo();

    const code = await runCli(
      [
        'debug',
        '--device-mapping',
        debugFixture('devicecontent.json'),
        '--fhir-mapping',
        debugFixture('fhirmapping.json'),
        '--message',
        debugFixture('message-with-patient.json'),
        '--enqueued-time',
        '2023-03-13T22:46:02Z',
      ],
      io,
    );

    expect(code).toBe(0);
    const output = JSON.parse(io.out);
    expect(Object.keys(output)).toEqual(['measurements', 'observations', 'errors']);
    expect(output.measurements).toHaveLength(1);
    expect(output.observations).toMatchObject([{ resourceType: 'Observation', valueQuantity: { value: 78 } }]);
    expect(output.errors).toEqual([]);
    expect(io.err).toBe('');
  });

  it('hands debug its arguments, so that debug --help prints its own help', async () => {
    const io = captureIo();

    expect(await runCli(['debug', '--help'], io)).toBe(0);
    expect(io.out).toMatch(
      /^Usage: medtech debug --device-mapping FILE --fhir-mapping FILE\n +\(--message FILE \| --messages FILE \| --dead-letter FILE\)/,
    );
  });

  it('hands the remaining arguments to the command, which prints its own help', async () => {
    const io = captureIo();

    expect(await runCli(['validate', '--help'], io)).toBe(0);
    expect(io.out).toMatch(/^Usage: medtech validate \[--device-mapping FILE\] \[--fhir-mapping FILE\]/);
  });
});
