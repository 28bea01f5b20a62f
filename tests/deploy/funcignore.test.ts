/**
 * What `.funcignore` leaves out of a published package, read with the `ignore` package's gitignore rules (those of the
 * Functions GitHub Action and of azd; Core Tools anchors every entry at the root, which these entries are anyway).
 */
import { readFile } from 'node:fs/promises';
import ignoreModule from 'ignore';
import { describe, expect, it } from 'vitest';

describe('.funcignore', () => {
  it('keeps what the app needs at run time and leaves out sources, tests and tooling', async () => {
    // A CommonJS package: its factory is the module, and its `default` too.
    const rules = ignoreModule.default().add(await readFile('.funcignore', 'utf8'));

    const needed = [
      'host.json',
      'package.json',
      'dist/functions/ingest.js',
      'dist/shared/core/mapping/deviceMappingSchema.js',
      // Imported by the compiled mapping validators.
      'dist/schemas/devicecontent.schema.json',
      'dist/schemas/fhirmapping.schema.json',
      'node_modules/@azure/functions/package.json',
    ];
    const leftOut = [
      'local.settings.json',
      'functions/ingest.ts',
      'shared/core/errors.ts',
      'tests/deploy/funcignore.test.ts',
      'schemas/devicecontent.schema.json',
      'samples/messages.ndjson',
      'tsconfig.json',
      'tsconfig.build.json',
    ];
    expect(needed.filter((path) => rules.ignores(path))).toEqual([]);
    expect(leftOut.filter((path) => !rules.ignores(path))).toEqual([]);
  });
});
