import type { DeviceMapping } from '../../shared/core/mapping/deviceMapping.js';
import { parseDeviceMapping } from '../../shared/core/mapping/parseDeviceMapping.js';

/**
 * A test's device mapping: its content templates in a `CollectionContent`, parsed as a mapping file would be. Throws
 * with the problems when the mapping is invalid, so a test never runs on a mapping it did not mean.
 * @param templates - the content templates (`{ templateType, template }`)
 */
export function deviceMappingOf(templates: unknown[]): DeviceMapping {
  const parsed = parseDeviceMapping(JSON.stringify({ templateType: 'CollectionContent', template: templates }));
  if (!parsed.ok) {
    throw new Error(`invalid test mapping: ${parsed.problems.map((p) => p.message).join('; ')}`);
  }
  return parsed.value;
}
