import type { AddressInfo } from 'node:net';
import { createHttpServer } from '@vercel/cosmosdb-server';

/** A running local Cosmos DB server. */
export interface LocalCosmosServer {
  /** `http://127.0.0.1:<port>` — give the SDK `connectionPolicy: { enableEndpointDiscovery: false }`. */
  endpoint: string;
  /** Any key works; this is the emulator's well-known one. */
  key: string;
  /** Stops the server; its data (in memory) is gone. */
  close(): Promise<void>;
}

/** The Cosmos DB emulator's published key (the local server accepts any key). */
const emulatorKey = 'C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==';

/**
 * Starts `@vercel/cosmosdb-server` in-process over plain HTTP on 127.0.0.1 with an OS-assigned port (its bundled TLS
 * certificate has expired; plain HTTP avoids it).
 * @throws Error when the server cannot listen
 */
export async function startCosmosServer(): Promise<LocalCosmosServer> {
  const server = createHttpServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    key: emulatorKey,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      }),
  };
}
