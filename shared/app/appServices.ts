/**
 * The process-wide services the Function entry points share: configuration is read and validated once, adapters
 * are built once, and the first failure is not cached (a fixed setting takes effect on the next invocation).
 */
import { loadConfig } from '../config/loadConfig.js';
import { createAppServices, type AppLogger, type AppServices } from './createAppServices.js';
import { ConfigurationError } from './describeError.js';

let services: Promise<AppServices> | undefined;

const consoleLogger: AppLogger = {
  info: (message) => console.info(message),
  warn: (message) => console.warn(message),
  error: (message) => console.error(message),
};

/**
 * The shared services, built on first use from `process.env`.
 * @throws Error listing every configuration problem
 */
export function getAppServices(): Promise<AppServices> {
  services ??= build().catch((error: unknown) => {
    services = undefined;
    throw error;
  });
  return services;
}

/**
 * Replaces the shared services (tests and the local run build them with their own clock and endpoints).
 * @param replacement - the services to hand out, or undefined to rebuild from `process.env` on next use
 */
export function setAppServices(replacement: AppServices | undefined): void {
  services = replacement === undefined ? undefined : Promise.resolve(replacement);
}

async function build(): Promise<AppServices> {
  const result = loadConfig(process.env);
  if (!result.ok) {
    throw new ConfigurationError(`Configuration is invalid:\n${result.problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  return createAppServices(result.config, { logger: consoleLogger });
}
