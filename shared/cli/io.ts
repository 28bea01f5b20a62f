/** Where a CLI command writes; injected so commands are testable in-process. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}
