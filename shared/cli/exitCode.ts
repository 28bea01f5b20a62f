/** Exit codes of the `medtech` command line. */
export const ExitCode = {
  /** The command succeeded (for `validate`: every file is valid). */
  ok: 0,
  /** A mapping is invalid. */
  invalid: 1,
  /** Wrong arguments or an unreadable file. */
  usage: 2,
  /** A bug: an unexpected exception. */
  internal: 3,
} as const;
