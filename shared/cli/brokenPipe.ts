/** A stream the CLI writes to, as far as a broken pipe is concerned. */
export interface WritableOutput {
  on(event: 'error', listener: (error: NodeJS.ErrnoException) => void): unknown;
}

/**
 * Makes the CLI stop quietly when its reader goes away (`medtech normalize … | head`), as Unix tools do, instead of
 * dying on the unhandled EPIPE with a stack trace. Any other stream error is rethrown.
 * @param streams - stdout and stderr
 * @param exit - ends the process (with the exit code set so far)
 */
export function exitQuietlyOnBrokenPipe(streams: readonly WritableOutput[], exit: () => void): void {
  for (const stream of streams) {
    stream.on('error', (error) => {
      if (error.code !== 'EPIPE') {
        throw error;
      }
      exit();
    });
  }
}
