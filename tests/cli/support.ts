import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { CliIo } from '../../shared/cli/io.js';

/** A CliIo that keeps everything a command writes: `out` for stdout, `err` for stderr. */
export type CapturedIo = CliIo & { out: string; err: string };

/** A fresh CliIo that captures stdout and stderr as strings. */
export function captureIo(): CapturedIo {
  const io = {
    out: '',
    err: '',
    stdout(text: string) {
      io.out += text;
    },
    stderr(text: string) {
      io.err += text;
    },
  };
  return io;
}

/** A temporary directory for the tests of one file; its functions can be destructured. */
export interface TempDir {
  /** The path of a file `name` in the directory (the file need not exist). */
  path: (name: string) => string;
  /** Writes `content` to a file `name` in the directory and returns the file's path. */
  write: (name: string, content: string) => string;
}

/**
 * Creates a temporary directory before the tests of the calling file and removes it after them.
 * @param prefix - the start of the directory's name, e.g. `medtech-validate-`
 */
export function useTempDir(prefix: string): TempDir {
  let dir: string | undefined;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
  });
  afterAll(() => {
    if (dir !== undefined) {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  const path = (name: string): string => {
    if (dir === undefined) {
      throw new Error('useTempDir: the directory exists only while the tests run');
    }
    return join(dir, name);
  };
  const write = (name: string, content: string): string => {
    const file = path(name);
    writeFileSync(file, content);
    return file;
  };
  return { path, write };
}
