#!/usr/bin/env node
// Thin launcher for the compiled CLI (`npm ci` builds dist/ through the `prepare` script).
import { once } from 'node:events';
import { exitQuietlyOnBrokenPipe } from '../dist/shared/cli/brokenPipe.js';
import { runCli } from '../dist/shared/cli/medtech.js';

exitQuietlyOnBrokenPipe([process.stdout, process.stderr], () => process.exit(process.exitCode ?? 0));
process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  drained: () => (process.stdout.writableNeedDrain ? once(process.stdout, 'drain') : Promise.resolve()),
});
