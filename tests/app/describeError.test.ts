import { describe, expect, it } from 'vitest';
import { CosmosContainerDefinitionError } from '../../shared/adapters/cosmos/cosmosContainers.js';
import { StagingUnavailableError } from '../../shared/adapters/cosmos/stagingUnavailableError.js';
import { ConfigurationError, describeError } from '../../shared/app/describeError.js';
import { MedTechError } from '../../shared/core/errors.js';

describe('describeError', () => {
  it("gives this project's own errors' texts, which hold no data", () => {
    const own = [
      new MedTechError('DeviceNotFound', 'FHIRConversion', 'No Device has the identifier.'),
      new ConfigurationError('FHIR__URL is required'),
      new StagingUnavailableError('Cosmos DB read of staging failed with HTTP 503'),
      new CosmosContainerDefinitionError('Cosmos DB container \'staging\' is partitioned on ["/id"], not ["/pk"]'),
    ];

    expect(own.map(describeError)).toEqual([
      'DeviceNotFound: No Device has the identifier.',
      'FHIR__URL is required',
      'Cosmos DB read of staging failed with HTTP 503',
      'Cosmos DB container \'staging\' is partitioned on ["/id"], not ["/pk"]',
    ]);
  });

  it('gives only the name of any other error, whose text a library may have filled with what it was given', () => {
    expect(describeError(new TypeError('patient 12345 is not a function'))).toBe('TypeError');
    expect(describeError('text')).toBe('unknown error');
  });
});
