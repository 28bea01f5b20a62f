/**
 * Shared test data for the pipeline tests: a FHIR mapping, measurements, and helpers that read what ended up
 * in the FHIR server.
 */
import type { Device, Observation, Resource } from '@medplum/fhirtypes';
import { fromSampledDataStream, groupMeasurements, planObservationGroups } from '../../shared/core/fhir/index.js';
import type { CodeValueFhirTemplate, FhirMapping, ObservationGroup } from '../../shared/core/fhir/index.js';
import type { Measurement } from '../../shared/core/measurement.js';
import { SEARCH_CUT_SHORT } from '../../shared/pipeline/ports.js';
import type { FhirStore, SearchOptions } from '../../shared/pipeline/ports.js';

/** Heart rate as SampledData folded per UTC hour (5 s slots). */
export const heartRateTemplate: CodeValueFhirTemplate = {
  typeName: 'heartrate',
  periodInterval: 60,
  category: [],
  codes: [{ code: '8867-4', system: 'http://loinc.org', display: 'Heart rate' }],
  value: { valueType: 'SampledData', valueName: 'hr', defaultPeriod: 5000, unit: 'count/min' },
  components: [],
};

/** Body temperature as a Quantity (one Observation per timestamp). */
export const temperatureTemplate: CodeValueFhirTemplate = {
  typeName: 'temperature',
  periodInterval: 0,
  category: [],
  codes: [{ code: '8310-5', system: 'http://loinc.org', display: 'Body temperature' }],
  value: { valueType: 'Quantity', valueName: 't', unit: 'Cel', system: 'http://unitsofmeasure.org', code: 'Cel' },
  components: [],
};

/** A mapping with the two templates above. */
export const mapping: FhirMapping = {
  templates: new Map([
    ['heartrate', heartRateTemplate],
    ['temperature', temperatureTemplate],
  ]),
};

/**
 * A heart-rate measurement.
 * @param deviceId - device identifier from the message
 * @param time - occurrence time (ISO)
 * @param hr - value
 * @param extra - patient/encounter ids and overrides
 */
export function heartRate(deviceId: string, time: string, hr: string, extra: Partial<Measurement> = {}): Measurement {
  return {
    type: 'heartrate',
    occurrenceTimeUtc: time,
    ingestionTimeUtc: time,
    deviceId,
    properties: [{ name: 'hr', value: hr }],
    ...extra,
  };
}

/**
 * The single observation group the measurements make with a template.
 * @param measurements - measurements of one group
 * @param template - FHIR template
 */
export function onlyObservationGroup(
  measurements: Measurement[],
  template: CodeValueFhirTemplate = heartRateTemplate,
): ObservationGroup {
  const [group] = groupMeasurements(measurements);
  const planned = group === undefined ? [] : planObservationGroups(group, template);
  if (planned.length !== 1 || planned[0] === undefined) {
    throw new Error(`expected one observation group, got ${planned.length}`);
  }
  return planned[0];
}

/**
 * The heart-rate values stored in an Observation, as `{ time ISO: value }`.
 * @param observation - a stored Observation with SampledData
 */
export function sampledValues(observation: Observation | undefined): Record<string, string> {
  const data = observation?.valueSampledData?.data;
  const start = observation?.effectivePeriod?.start;
  if (data === undefined || start === undefined) {
    return {};
  }
  const values: Record<string, string> = {};
  for (const { time, value } of fromSampledDataStream(
    data,
    Date.parse(start),
    observation?.valueSampledData?.period ?? 0,
  )) {
    values[new Date(time).toISOString()] = value;
  }
  return values;
}

/**
 * Every Observation stored for a device (by its logical id).
 * @param store - FHIR store
 * @param deviceLogicalId - Device.id
 */
export async function observationsOfDevice(store: FhirStore, deviceLogicalId: string): Promise<Observation[]> {
  return store.search<Observation>('Observation', { device: `Device/${deviceLogicalId}` });
}

/**
 * Stores a Device linked to a Patient (both created with the given ids).
 * @param store - FHIR store
 * @param ids - logical ids and the device identifier
 */
export async function seedDeviceWithPatient(
  store: FhirStore,
  ids: { deviceId: string; identifier: string; system?: string; patientId?: string },
): Promise<void> {
  if (ids.patientId !== undefined) {
    await store.update({ resourceType: 'Patient', id: ids.patientId });
  }
  const device: Device & { id: string } = {
    resourceType: 'Device',
    id: ids.deviceId,
    identifier: [ids.system === undefined ? { value: ids.identifier } : { system: ids.system, value: ids.identifier }],
  };
  if (ids.patientId !== undefined) {
    device.patient = { reference: `Patient/${ids.patientId}` };
  }
  await store.update(device);
}

/**
 * The store as a server whose versioning policy wants If-Match on every update (Azure's `versioned-update`) answers
 * through the FHIR adapter: a `PUT` without If-Match onto a resource that exists is a conflict (the adapter's reading
 * of that server's 400). Such writes are taken one at a time, so that the check and the write are one step, as on the
 * server; the embedded server has no such policy (a fault it cannot produce).
 * @param inner - the store of the embedded server
 */
export function versionedUpdateStore(inner: FhirStore): FhirStore {
  let queue: Promise<unknown> = Promise.resolve();
  return {
    search: (type, query) => inner.search(type, query),
    read: (type, id) => inner.read(type, id),
    history: (type, id) => inner.history(type, id),
    requestCount: () => inner.requestCount(),
    update(resource, options) {
      if (options?.ifMatchVersionId !== undefined) {
        return inner.update(resource, options);
      }
      const write = queue.then(async () =>
        (await inner.read(resource.resourceType, resource.id)) === undefined
          ? inner.update(resource, options)
          : ({ kind: 'conflict', status: 400 } as const),
      );
      queue = write.catch(() => undefined);
      return write;
    },
  };
}

/**
 * The store as a server whose every search answer ends with a `next` link the store does not follow (one to another
 * host, or past its page bound): each answer marked cut short (a fault the embedded server cannot produce).
 * @param inner - the store answering
 */
export function cutShortSearches(inner: FhirStore): FhirStore {
  return {
    ...inner,
    async search<T extends Resource>(
      resourceType: T['resourceType'],
      query: Readonly<Record<string, string>>,
      options?: SearchOptions,
    ) {
      const found = await inner.search<T>(resourceType, query, options);
      found[SEARCH_CUT_SHORT] = true;
      return found;
    },
  };
}
