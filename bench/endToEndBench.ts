/**
 * End-to-end benchmark on the local services: events through the real ingest handler, Cosmos staging, the timer and
 * the queue worker, into the embedded FHIR server. Reports throughput and the operation counts that drive cost.
 */
import { startLocalPipeline, type LocalMessage } from '../scripts/localPipeline.js';
import { benchDeviceMapping, makeBenchMessages } from './normalizationBench.js';

/** The FHIR destination mapping for the benchmark's device mapping (every value type, hourly and daily folding). */
export const benchFhirMapping = {
  templateType: 'CollectionFhir',
  template: [
    {
      templateType: 'CodeValueFhir',
      template: {
        typeName: 'heartrate',
        periodInterval: 60,
        codes: [{ code: '8867-4', system: 'http://loinc.org', display: 'Heart rate' }],
        value: { valueType: 'SampledData', valueName: 'hr', defaultPeriod: 1000, unit: 'count/min' },
      },
    },
    {
      templateType: 'CodeValueFhir',
      template: {
        typeName: 'bloodpressure',
        codes: [{ code: '85354-9', system: 'http://loinc.org', display: 'Blood pressure panel' }],
        components: [
          {
            codes: [{ code: '8480-6', system: 'http://loinc.org', display: 'Systolic blood pressure' }],
            value: { valueType: 'Quantity', valueName: 'systolic', unit: 'mmHg' },
          },
          {
            codes: [{ code: '8462-4', system: 'http://loinc.org', display: 'Diastolic blood pressure' }],
            value: { valueType: 'Quantity', valueName: 'diastolic', unit: 'mmHg' },
          },
        ],
      },
    },
    {
      templateType: 'CodeValueFhir',
      template: {
        typeName: 'spo2',
        codes: [{ code: '59408-5', system: 'http://loinc.org', display: 'SpO2' }],
        value: { valueType: 'Quantity', valueName: 'spo2', unit: '%' },
      },
    },
    {
      templateType: 'CodeValueFhir',
      template: {
        typeName: 'bodytemperature',
        codes: [{ code: '8310-5', system: 'http://loinc.org', display: 'Body temperature' }],
        value: { valueType: 'Quantity', valueName: 'celsius', unit: 'Cel' },
      },
    },
    {
      templateType: 'CodeValueFhir',
      template: {
        typeName: 'steps',
        periodInterval: 1440,
        codes: [{ code: '55423-8', system: 'http://loinc.org', display: 'Number of steps' }],
        value: { valueType: 'SampledData', valueName: 'steps', defaultPeriod: 60000, unit: 'steps' },
      },
    },
  ],
};

/** Figures of one end-to-end run. */
export interface EndToEndFigures {
  e2eEvents: number;
  e2eMeasurements: number;
  e2eObservations: number;
  e2eEventsPerSec: number;
  ingestEventsPerSec: number;
  cosmosWrites: number;
  cosmosWritesPer1000Measurements: number;
  fhirRequests: number;
  fhirRequestsPerObservation: number;
}

/**
 * Runs the end-to-end benchmark: `events` messages in batches of 100 through ingest, then one flush.
 * @param options - number of events
 */
export async function runEndToEndBench(options: { events: number }): Promise<EndToEndFigures> {
  const decoder = new TextDecoder();
  const messages: LocalMessage[] = makeBenchMessages(options.events).map((m) => ({
    kind: 'json',
    value: JSON.parse(decoder.decode(m.bytes)) as unknown,
    systemProperties: m.systemProperties,
  }));
  const pipeline = await startLocalPipeline({
    deviceMapping: JSON.stringify(benchDeviceMapping),
    fhirMapping: JSON.stringify(benchFhirMapping),
    resolution: 'Create',
    startTime: new Date('2026-11-24T12:00:00.000Z'),
    batchSize: 100,
  });
  try {
    const counter = pipeline.services.adapters.cosmos.counter;
    counter.reset();
    pipeline.fhirServer.resetRequestCount();

    const start = process.hrtime.bigint();
    const ingested = await pipeline.deliver(messages);
    const ingestSeconds = Number(process.hrtime.bigint() - start) / 1e9;
    const flushed = await pipeline.flush();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (flushed.failures.length > 0) {
      throw new Error(`flush failed: ${flushed.failures.join('; ')}`);
    }

    const measurements = ingested.reduce((n, s) => n + s.measurements, 0);
    const observations = flushed.units.reduce((n, u) => n + u.created + u.updated, 0);
    const writes = counter.snapshot().total;
    const fhirRequests = pipeline.fhirServer.requestCount();
    return {
      e2eEvents: messages.length,
      e2eMeasurements: measurements,
      e2eObservations: observations,
      e2eEventsPerSec: Math.round(messages.length / seconds),
      ingestEventsPerSec: Math.round(messages.length / ingestSeconds),
      cosmosWrites: writes,
      cosmosWritesPer1000Measurements: Math.round((writes / measurements) * 1000 * 100) / 100,
      fhirRequests,
      fhirRequestsPerObservation: Math.round((fhirRequests / observations) * 1000) / 1000,
    };
  } finally {
    await pipeline.close();
  }
}
