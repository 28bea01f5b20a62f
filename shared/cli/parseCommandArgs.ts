import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ExitCode } from './exitCode.js';
import type { CliIo } from './io.js';

/** The options a subcommand declares, as `node:util` `parseArgs` takes them (`--help` is added for every command). */
export type CommandOptions = NonNullable<ParseArgsConfig['options']>;

/** A subcommand's name and help text: what `--help` prints and what follows a usage error. */
export interface CommandUsage {
  /** The subcommand, e.g. `validate`. */
  command: string;
  /** The whole help text. */
  help: string;
}

const helpOption = { help: { type: 'boolean', short: 'h' } } as const;

interface CommandArgsConfig<O extends CommandOptions> {
  args: string[];
  options: O & typeof helpOption;
  strict: true;
  allowPositionals: false;
}

/** The values of a subcommand's options, typed from their declaration (an option not given is `undefined`). */
export type CommandValues<O extends CommandOptions> = Omit<
  ReturnType<typeof parseArgs<CommandArgsConfig<O>>>['values'],
  'help'
>;

/** What a subcommand's arguments decide: run with these option values, or exit now with this code. */
export type ParsedCommandArgs<O extends CommandOptions> =
  { kind: 'run'; values: CommandValues<O> } | { kind: 'exit'; exitCode: number };

/**
 * Parses a subcommand's arguments strictly (no positionals, no unknown options, no single-value option twice) and
 * handles what every subcommand handles alike: a parse failure is a usage error (reason and help on stderr), `--help`/`-h` prints the help.
 * @param argv - the arguments after the subcommand's name
 * @param options - the subcommand's options, without `help`
 * @param usage - the subcommand's name and help text
 * @param io - where the help or the usage error goes
 * @returns the option values, or the exit code: 0 after `--help`, 2 after a usage error
 */
export function parseCommandArgs<const O extends CommandOptions>(
  argv: string[],
  options: O,
  usage: CommandUsage,
  io: CliIo,
): ParsedCommandArgs<O> {
  let values: CommandValues<O> & { help?: boolean };
  let tokens: { kind: string; name?: string }[];
  try {
    ({ values, tokens } = parseArgs<CommandArgsConfig<O> & { tokens: true }>({
      args: argv,
      options: { ...options, ...helpOption },
      strict: true,
      allowPositionals: false,
      tokens: true,
    }));
  } catch (error) {
    return { kind: 'exit', exitCode: usageError(io, usage, error instanceof Error ? error.message : String(error)) };
  }
  // `parseArgs` keeps the last of a repeated single-value option: `--device-mapping a --device-mapping b` would
  // silently check b only. Only options declared `multiple` may repeat.
  const seen = new Set<string>();
  for (const token of tokens) {
    if (token.kind !== 'option' || token.name === undefined) {
      continue;
    }
    if (seen.has(token.name) && options[token.name]?.multiple !== true) {
      return { kind: 'exit', exitCode: usageError(io, usage, `--${token.name} is given more than once`) };
    }
    seen.add(token.name);
  }
  if (values.help === true) {
    io.stdout(usage.help);
    return { kind: 'exit', exitCode: ExitCode.ok };
  }
  return { kind: 'run', values };
}

/**
 * Reports a usage error of a subcommand: `medtech <command>: <reason>`, a blank line and the help, on stderr.
 * @param io - where the error goes
 * @param usage - the subcommand's name and help text
 * @param reason - what is wrong with the arguments
 * @returns the usage exit code (2)
 */
export function usageError(io: CliIo, usage: CommandUsage, reason: string): number {
  io.stderr(`medtech ${usage.command}: ${reason}\n\n${usage.help}`);
  return ExitCode.usage;
}
