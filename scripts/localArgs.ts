/** Command-line options of `npm run local` (scripts/local.ts), parsed apart so that they can be tested. */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

function parseLocalOptions(args: string[]) {
  return parseArgs({
    args,
    options: {
      'device-mapping': { type: 'string', default: `${repoRoot}samples/devicecontent.json` },
      'fhir-mapping': { type: 'string', default: `${repoRoot}samples/fhirmapping.json` },
      messages: { type: 'string', multiple: true },
      resolution: { type: 'string', default: 'Create' },
      redeliver: { type: 'boolean', default: false },
      export: { type: 'string' },
      'start-time': { type: 'string' },
      keep: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

/** The parsed options of `npm run local`. */
export type LocalOptions = ReturnType<typeof parseLocalOptions>['values'];

/** The sample messages, used when no `--messages` is given. */
export const defaultMessagesFile = `${repoRoot}samples/messages.ndjson`;

/**
 * Parses the options of `npm run local`; a usage error (unknown option, stray argument, missing value) is returned
 * with Node's message, which says what is wrong, rather than thrown with a stack.
 * @param args - the arguments after the script name
 */
export function parseLocalArgs(args: string[]): { ok: true; values: LocalOptions } | { ok: false; message: string } {
  try {
    return { ok: true, values: parseLocalOptions(args).values };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) {
      return { ok: false, message: (error as Error).message };
    }
    throw error;
  }
}
