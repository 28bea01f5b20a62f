import { describe, expect, it } from 'vitest';
import { checkFhirVersioning, NO_VERSION_WARNING } from '../../shared/app/checkFhirVersioning.js';
import { FhirRequestError } from '../../shared/adapters/fhir/fhirRequestError.js';

function recordingLogger(): { warnings: string[]; warn: (message: string) => void } {
  const warnings: string[] = [];
  return { warnings, warn: (message) => warnings.push(message) };
}

describe('checkFhirVersioning', () => {
  it('warns that values of racing creates are lost when the server keeps no history of Observations', async () => {
    const logger = recordingLogger();
    const asked: string[] = [];

    const policy = await checkFhirVersioning(
      {
        versioning: (resourceType) => {
          asked.push(resourceType);
          return Promise.resolve('no-version');
        },
      },
      logger,
    );

    expect(policy).toBe('no-version');
    expect(asked).toEqual(['Observation']);
    expect(logger.warnings).toEqual([NO_VERSION_WARNING]);
  });

  it('says nothing for a policy that keeps history, or a statement that gives none', async () => {
    for (const given of ['versioned', 'versioned-update', undefined]) {
      const logger = recordingLogger();

      await checkFhirVersioning({ versioning: () => Promise.resolve(given) }, logger);

      expect(logger.warnings).toEqual([]);
    }
  });

  it('says once that the statement could not be read, and never throws', async () => {
    const logger = recordingLogger();
    const failure = new FhirRequestError('FHIR capabilities of CapabilityStatement failed with HTTP 403', {
      interaction: 'capabilities',
      resourceType: 'CapabilityStatement',
      status: 403,
      attempts: 1,
      retriable: false,
    });

    const policy = await checkFhirVersioning({ versioning: () => Promise.reject(failure) }, logger);

    expect(policy).toBeUndefined();
    expect(logger.warnings).toEqual([
      "The FHIR server's CapabilityStatement could not be read (FhirServiceError: FHIR capabilities of " +
        'CapabilityStatement failed with HTTP 403): its Observation versioning policy is not checked.',
    ]);
  });
});
