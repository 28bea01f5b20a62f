/**
 * `npm run bench [-- --json] [-- --messages N --rounds R]`: performance figures measured in one run, as ratios
 * between contenders on the same bytes (machines here are noisy; absolute rates are for context only).
 */
import { parseArgs } from 'node:util';
import { runNormalizationBench } from './normalizationBench.js';
import { runEndToEndBench } from './endToEndBench.js';
import { runMappingStylesBench } from './mappingStylesBench.js';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    messages: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '7' },
    events: { type: 'string', default: '3000' },
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
log(`  hand-written:       ${normalization.handWrittenEventsPerSec.toLocaleString('en')} events/s (this mapping only)`);
log(`  hand-written, no JSON.parse: ${normalization.scanningEventsPerSec.toLocaleString('en')} events/s`);
log(`  normalizeVsParseRatio ${normalization.normalizeVsParseRatio} (target ≥ 0.5)`);
log(`  speedupVsNaive        ${normalization.speedupVsNaive} (target ≥ 20)`);
log(`  handWrittenVsParseRatio ${normalization.handWrittenVsParseRatio} (the ceiling: no engine, no checks)`);
log(`  scanningVsParseRatio    ${normalization.scanningVsParseRatio} (the ceiling of any design that skips the parse)`);
log(`  normalizeVsHandWrittenRatio ${normalization.normalizeVsHandWrittenRatio} (the engine against that ceiling)`);

log('mapping styles: one heart-rate template in each style, rate against JSON.parse of the same bytes …');
const styles = runMappingStylesBench({ messages: Number(values.messages), rounds: 5 });
figures['mappingStyleVsParseRatios'] = styles;
for (const [name, ratio] of Object.entries(styles)) {
  log(`  ${name.padEnd(20)} ${ratio}`);
}

log(`end to end on the local services: ${values.events} events in batches of 100 …`);
const e2e = await runEndToEndBench({ events: Number(values.events) });
Object.assign(figures, e2e);
log(`  ${e2e.e2eEvents} events → ${e2e.e2eMeasurements} measurements → ${e2e.e2eObservations} Observations`);
log(
  `  ingest→FHIR:       ${e2e.e2eEventsPerSec.toLocaleString('en')} events/s (ingest alone ${e2e.ingestEventsPerSec.toLocaleString('en')} events/s)`,
);
log(
  `  Cosmos writes:     ${e2e.cosmosWrites} (${e2e.cosmosWritesPer1000Measurements} per 1,000 measurements; target ≤ 15)`,
);
log(`  FHIR requests:     ${e2e.fhirRequests} (${e2e.fhirRequestsPerObservation} per Observation)`);

if (values.json) {
  log(JSON.stringify(figures));
}
