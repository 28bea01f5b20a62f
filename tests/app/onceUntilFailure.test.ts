import { describe, expect, it } from 'vitest';
import { onceUntilFailure } from '../../shared/app/createAppServices.js';

describe('onceUntilFailure', () => {
  it('runs the task once for every caller while it succeeds', async () => {
    let runs = 0;
    const ensure = onceUntilFailure(() => {
      runs += 1;
      return Promise.resolve();
    });

    await Promise.all([ensure(), ensure()]);
    await ensure();

    expect(runs).toBe(1);
  });

  it('runs it again after a failure, instead of failing every later call', async () => {
    let runs = 0;
    const ensure = onceUntilFailure(() => {
      runs += 1;
      return runs === 1 ? Promise.reject(new Error('role not in effect yet')) : Promise.resolve();
    });

    await expect(ensure()).rejects.toThrow('role not in effect yet');
    await ensure();
    await ensure();

    expect(runs).toBe(2);
  });
});
