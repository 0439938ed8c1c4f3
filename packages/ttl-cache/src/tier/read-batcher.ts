import { hashSlot, type RedisLink, TickBatches } from '@bulwark/redis-kit';
import { GET_MANY_WITH_TTL } from './scripts.js';

/** A stored value and its `PTTL` (-1: no expiry), or undefined when the key is absent. */
export type StoredRead = { stored: Buffer; pttl: number } | undefined;

interface Read {
  key: string;
  resolve(read: StoredRead): void;
  reject(error: unknown): void;
}

/** Most keys in one script call. */
const MAX_READS = 128;

/**
 * The tier's reads: those made in one turn of the event loop go to Redis as one script call
 * per node (one in all on a single server; on a Cluster, keys of any slots the node
 * serves, as the script allows), and concurrent reads of one key share one place in it.
 * Services read concurrently; 200 reads at once cost one round trip per node, not 200.
 * (If the Cluster moves a slot between grouping and answer, that batch fails and its
 * readers fall back, as on any Redis error.)
 */
export class ReadBatcher {
  readonly #link: RedisLink;
  readonly #bySlot: boolean;
  readonly #batches = new TickBatches<Read[]>((groups) => this.#send(groups), MAX_READS);
  /** Reads of each key waiting in the batch now: a second read of a key joins the first. */
  #waiting = new Map<string, Read[]>();

  constructor(link: RedisLink) {
    this.#link = link;
    this.#bySlot = link.userClient.isCluster === true;
  }

  read(key: string): Promise<StoredRead> {
    return new Promise((resolve, reject) => {
      const read = { key, resolve, reject };
      const sameKey = this.#waiting.get(key);
      if (sameKey) {
        sameKey.push(read);
        return;
      }
      const readers = [read];
      this.#waiting.set(key, readers);
      this.#batches.add(this.#bySlot ? this.#nodeOf(key) : 0, readers);
    });
  }

  /** The Cluster node serving `key`'s slot, as the link's connection knows it (else the slot). */
  #nodeOf(key: string): string | number {
    const slot = hashSlot(key);
    const slots = (this.#link.client as { slots?: string[][] }).slots;
    return slots?.[slot]?.[0] ?? slot;
  }

  #send(groups: Read[][]): void {
    for (const readers of groups) this.#waiting.delete((readers[0] as Read).key);
    const keys = groups.map((readers) => (readers[0] as Read).key);
    this.#link.run(GET_MANY_WITH_TTL, [keys[0] as string], keys, true).then(
      (raw) => {
        const answers = raw as (Buffer | number | null)[];
        groups.forEach((readers, i) => {
          const stored = answers[2 * i] as Buffer | null;
          const read: StoredRead = stored
            ? { stored, pttl: Number(answers[2 * i + 1]) }
            : undefined;
          for (const reader of readers) reader.resolve(read);
        });
      },
      (error: unknown) => {
        for (const readers of groups) for (const reader of readers) reader.reject(error);
      },
    );
  }
}
