import { describe, expect, it } from 'vitest';
import { parseLocalArgs } from '../../scripts/localArgs.js';

describe('npm run local options', () => {
  it('takes a repeated --messages and the defaults for the rest', () => {
    const parsed = parseLocalArgs(['--messages', 'a.ndjson', '--messages', 'b.json', '--redeliver']);

    expect(parsed.ok).toBe(true);
    if (parsed.ok) {
      expect(parsed.values.messages).toEqual(['a.ndjson', 'b.json']);
      expect(parsed.values.redeliver).toBe(true);
      expect(parsed.values.resolution).toBe('Create');
      expect(parsed.values['device-mapping']).toMatch(/samples\/devicecontent\.json$/);
    }
  });

  it('returns a usage error with what is wrong, instead of throwing with a stack', () => {
    const stray = parseLocalArgs(['--messages', 'a.ndjson', 'b.ndjson']);
    const unknown = parseLocalArgs(['--mesages', 'a.ndjson']);

    expect(stray).toEqual({ ok: false, message: expect.stringContaining("'b.ndjson'") as unknown });
    expect(unknown).toEqual({ ok: false, message: expect.stringContaining("'--mesages'") as unknown });
  });
});
