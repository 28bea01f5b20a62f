import { createRequire } from 'node:module';

/** A running in-process Azurite (Blob and Queue services). */
export interface LocalAzurite {
  /** `http://127.0.0.1:<port>/devstoreaccount1` */
  blobEndpoint: string;
  /** `http://127.0.0.1:<port>/devstoreaccount1` */
  queueEndpoint: string;
  /** Connection string with the well-known development account and both explicit endpoints. */
  connectionString: string;
  /** Stops both services; their data (in memory) is gone. */
  close(): Promise<void>;
}

/** Azurite's well-known development account (public, documented by Microsoft). */
const accountName = 'devstoreaccount1';
const accountKey = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** The parts of Azurite's (untyped, CommonJS) server classes used here. */
interface AzuriteServer {
  start(): Promise<void>;
  close(): Promise<void>;
  clean(): Promise<void>;
  getHttpServerAddress(): string;
}
type ServerClass = new (configuration: unknown) => AzuriteServer;
type ConfigurationClass = new (...args: unknown[]) => unknown;
type ChunkStoreClass = new (sizeLimit?: number) => unknown;

// `require('azurite')` pulls in the VS Code extension (`vscode` module) and fails; load the server modules directly.
const require = createRequire(import.meta.url);
const load = <T>(path: string): T => (require(`azurite/dist/src/${path}`) as { default: T }).default;

let instances = 0;

/**
 * Arguments of Azurite's `BlobConfiguration`/`QueueConfiguration` constructors (same positional order).
 * In-memory persistence, no access/debug log, API version check off.
 */
function configurationArgs(service: 'blob' | 'queue', memoryStore: unknown): unknown[] {
  instances += 1;
  const tag = `${service}-${instances}`;
  return [
    '127.0.0.1', // host
    0, // port: OS-assigned
    5, // keepAliveTimeout (s)
    `azurite-${tag}-metadata`, // Loki DB name (memory adapter: no file)
    `azurite-${tag}-extents`, // Loki DB name (memory adapter: no file)
    [], // persistence paths (unused in memory)
    false, // enableAccessLog
    undefined, // accessLogWriteStream
    false, // enableDebugLog
    undefined, // debugLogFilePath
    false, // loose
    true, // skipApiVersionCheck: current SDKs send API versions newer than Azurite knows
    '', // cert
    '', // key
    '', // pwd
    undefined, // oauth
    false, // disableProductStyleUrl
    true, // isMemoryPersistence
    memoryStore,
  ];
}

/**
 * Starts Azurite's Blob and Queue services in-process on 127.0.0.1 with OS-assigned ports and in-memory persistence
 * (no files written). Telemetry stays off: Azurite only sends it after its CLI initializes the telemetry client,
 * which this launcher never does (and the flag is cleared as well).
 * @throws Error when a service cannot start
 */
export async function startAzurite(): Promise<LocalAzurite> {
  const telemetry = require('azurite/dist/src/common/Telemetry.js') as {
    AzuriteTelemetryClient: { enableTelemetry: boolean };
  };
  telemetry.AzuriteTelemetryClient.enableTelemetry = false;

  const BlobServer = load<ServerClass>('blob/BlobServer.js');
  const BlobConfiguration = load<ConfigurationClass>('blob/BlobConfiguration.js');
  const QueueServer = load<ServerClass>('queue/QueueServer.js');
  const QueueConfiguration = load<ConfigurationClass>('queue/QueueConfiguration.js');
  const { MemoryExtentChunkStore } = require('azurite/dist/src/common/persistence/MemoryExtentStore.js') as {
    MemoryExtentChunkStore: ChunkStoreClass;
  };

  // A chunk store of our own, so several instances in one process do not share (or leak) blob contents.
  const chunks = new MemoryExtentChunkStore(512 * 1024 * 1024);
  const blob = new BlobServer(new BlobConfiguration(...configurationArgs('blob', chunks)));
  const queue = new QueueServer(new QueueConfiguration(...configurationArgs('queue', chunks)));
  await blob.start();
  try {
    await queue.start();
  } catch (error) {
    await blob.close();
    throw error;
  }

  const blobEndpoint = `${blob.getHttpServerAddress()}/${accountName}`;
  const queueEndpoint = `${queue.getHttpServerAddress()}/${accountName}`;
  const connectionString =
    `DefaultEndpointsProtocol=http;AccountName=${accountName};AccountKey=${accountKey};` +
    `BlobEndpoint=${blobEndpoint};QueueEndpoint=${queueEndpoint};`;
  return {
    blobEndpoint,
    queueEndpoint,
    connectionString,
    close: async () => {
      await Promise.all([blob.close(), queue.close()]);
      await Promise.all([blob.clean(), queue.clean()]);
    },
  };
}
