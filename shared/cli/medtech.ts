import { runDebugCommand } from './debugCommand.js';
import { ExitCode } from './exitCode.js';
import type { CliIo } from './io.js';
import { runNormalizeCommand } from './normalizeCommand.js';
import { runValidateCommand } from './validateCommand.js';

/** One `medtech` subcommand: a one-line summary for `medtech --help` and its entry point. */
interface Command {
  summary: string;
  run(argv: string[], io: CliIo): Promise<number>;
}

// Adding a subcommand is one line here.
const commands: Readonly<Record<string, Command>> = {
  validate: {
    summary: 'validate a device mapping and/or a FHIR mapping; cross-check the two',
    run: runValidateCommand,
  },
  normalize: {
    summary: 'normalize device messages with a device mapping, print the measurements',
    run: runNormalizeCommand,
  },
  debug: {
    summary: 'run device messages through both mappings, print the measurements and Observations',
    run: runDebugCommand,
  },
};

/**
 * Runs the `medtech` command line: dispatches to a subcommand, which parses its own options.
 * @param argv - the arguments after the program name, e.g. `['validate', '--device-mapping', 'devicecontent.json']`
 * @param io - where output goes
 * @returns the process exit code (0 ok, 1 invalid mapping, 2 usage error, 3 internal error)
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr(usage());
    return ExitCode.usage;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    io.stdout(usage());
    return ExitCode.ok;
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (command === undefined) {
    io.stderr(`medtech: unknown command '${name}'\n\n${usage()}`);
    return ExitCode.usage;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    // Commands report every expected failure themselves; reaching here is a bug, so say so and keep the stack.
    io.stderr(
      `medtech ${name}: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return ExitCode.internal;
  }
}

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  const lines = Object.entries(commands).map(([n, c]) => `  ${n.padEnd(width)}  ${c.summary}`);
  return [
    'Usage: medtech <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    "Run 'medtech <command> --help' for a command's options.",
    'Exit codes: 0 ok, 1 invalid mapping, 2 usage error or unreadable file, 3 internal error.',
    '',
  ].join('\n');
}
