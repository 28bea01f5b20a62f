import { QueueClient, QueueServiceClient } from '@azure/storage-queue';
import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import type { WorkUnit } from '../../core/staging/stagingKeys.js';
import { sdkConnectionStringMessage } from '../blob/blobClients.js';

/**
 * Why the Queue SDK cannot build a client from a connection string, or `undefined` when it can (as
 * `blobConnectionStringProblem`, with `QueueEndpoint=` for the endpoint).
 * @param connectionString - a Storage connection string
 */
export function queueConnectionStringProblem(connectionString: string): string | undefined {
  try {
    new QueueClient(connectionString, 'flush-work');
    return undefined;
  } catch (error) {
    return sdkConnectionStringMessage(error);
  }
}

/** Where the flush queue lives: a connection string locally, a queue service URL with an Azure credential in Azure. */
export type FlushQueueConnection =
  | { connectionString: string; queueName: string }
  | { queueServiceUri: string; queueName: string; credential?: TokenCredential };

/** The Storage queue that fans flush work units out to queue-triggered workers. */
export interface FlushQueue {
  /** Creates the queue when missing. */
  ensure(): Promise<void>;
  /**
   * Enqueues one message per work unit.
   * @param units - the units to flush
   * @returns how many messages were sent
   */
  enqueue(units: readonly WorkUnit[]): Promise<number>;
  /** The underlying client (the local run reads messages from it). */
  readonly client: QueueClient;
}

/**
 * Creates the flush queue client.
 * @param connection - connection string or service URL, and the queue name
 */
export function createFlushQueue(connection: FlushQueueConnection): FlushQueue {
  const client =
    'connectionString' in connection
      ? new QueueClient(connection.connectionString, connection.queueName)
      : new QueueServiceClient(
          connection.queueServiceUri,
          connection.credential ?? new DefaultAzureCredential(),
        ).getQueueClient(connection.queueName);
  return {
    client,
    async ensure() {
      await client.createIfNotExists();
    },
    async enqueue(units) {
      // Functions' queue trigger expects base64 message text by default (host.json messageEncoding).
      await Promise.all(units.map((unit) => client.sendMessage(toFlushMessageText(unit))));
      return units.length;
    },
  };
}

/**
 * Encodes a work unit as queue message text (base64 JSON, the queue trigger's default encoding).
 * @param unit - the work unit
 */
export function toFlushMessageText(unit: WorkUnit): string {
  return Buffer.from(JSON.stringify({ windowStart: unit.windowStart, shard: unit.shard }), 'utf8').toString('base64');
}

/**
 * Reads a work unit from what the queue trigger hands the worker (the host decodes base64 and parses JSON).
 * @param message - the trigger input: an object, a JSON string, or base64 text
 * @returns the unit, or undefined when the message is not a work unit
 */
export function parseFlushMessage(message: unknown): WorkUnit | undefined {
  let value = message;
  if (typeof value === 'string') {
    const text = value.trim().startsWith('{') ? value : Buffer.from(value, 'base64').toString('utf8');
    try {
      value = JSON.parse(text) as unknown;
    } catch {
      return undefined;
    }
  }
  if (typeof value !== 'object' || value === null) {
    return undefined;
  }
  const { windowStart, shard } = value as Record<string, unknown>;
  if (
    typeof windowStart !== 'string' ||
    !isCanonicalInstant(windowStart) ||
    typeof shard !== 'string' ||
    shard === ''
  ) {
    return undefined;
  }
  return { windowStart, shard };
}

/**
 * Whether text is an instant in the form work units name windows with (`toISOString`): another form of the same time
 * would name no staged data, so the flush would find nothing and say so as if the window were empty.
 */
function isCanonicalInstant(text: string): boolean {
  const time = Date.parse(text);
  return !Number.isNaN(time) && new Date(time).toISOString() === text;
}
