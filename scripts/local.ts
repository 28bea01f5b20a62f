/**
 * `npm run local [-- options]`: the whole pipeline on bundled samples (or your files), on embedded local services,
 * through the real Function handlers. No cloud account needed.
 */
import { MappingUnavailableError } from '../shared/adapters/blob/mappingUnavailableError.js';
import { runLocal } from './localCommand.js';

runLocal(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // A mapping that cannot load has had its problems listed above: its message is enough.
    const text =
      error instanceof MappingUnavailableError
        ? error.message
        : error instanceof Error
          ? (error.stack ?? error.message)
          : String(error);
    process.stderr.write(`npm run local failed: ${text}\n`);
    process.exitCode = 1;
  },
);
