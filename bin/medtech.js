#!/usr/bin/env node
// Thin launcher for the compiled CLI (`npm ci` builds dist/ through the `prepare` script).
import { runCli } from '../dist/shared/cli/medtech.js';

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
