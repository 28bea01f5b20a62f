/**
 * `npm run bench [-- --json] [-- --messages N --rounds R]`: performance figures measured in one run, as ratios
 * between contenders on the same bytes (machines here are noisy; absolute rates are for context only).
 */
import { parseArgs } from 'node:util';
import { runNormalizationBench } from './normalizationBench.js';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    messages: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '7' },
  },
});

const figures: Record<string, unknown> = {};
const log = (text: string): void => {
  process.stdout.write(text + '\n');
};

log(`normalization: ${values.messages} messages × ${values.rounds} interleaved rounds …`);
const normalization = runNormalizationBench({ messages: Number(values.messages), rounds: Number(values.rounds) });
Object.assign(figures, normalization);
log(`  normalize:          ${normalization.normalizeEventsPerSec.toLocaleString('en')} events/s`);
log(`  JSON.parse only:    ${normalization.parseOnlyEventsPerSec.toLocaleString('en')} events/s`);
log(`  naive (jsonpath):   ${normalization.naiveEventsPerSec.toLocaleString('en')} events/s`);
log(`  normalizeVsParseRatio ${normalization.normalizeVsParseRatio} (target ≥ 0.5)`);
log(`  speedupVsNaive        ${normalization.speedupVsNaive} (target ≥ 20)`);

if (values.json) {
  log(JSON.stringify(figures));
}
