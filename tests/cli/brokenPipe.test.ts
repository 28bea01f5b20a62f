import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { exitQuietlyOnBrokenPipe } from '../../shared/cli/brokenPipe.js';

function failure(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`write ${code}`), { code });
}

describe('exitQuietlyOnBrokenPipe', () => {
  it('ends the process quietly when the reader of stdout or stderr goes away', () => {
    const stdout = new EventEmitter();
    const stderr = new EventEmitter();
    let exits = 0;
    exitQuietlyOnBrokenPipe([stdout, stderr], () => {
      exits += 1;
    });

    stdout.emit('error', failure('EPIPE'));
    stderr.emit('error', failure('EPIPE'));

    expect(exits).toBe(2);
  });

  it('lets any other stream error through', () => {
    const stdout = new EventEmitter();
    exitQuietlyOnBrokenPipe([stdout], () => {
      throw new Error('must not exit');
    });

    expect(() => stdout.emit('error', failure('ENOSPC'))).toThrow('write ENOSPC');
  });
});
