import { hashSlot, type RedisLink, TickBatches } from '@bulwark/redis-kit';
import { ADD_MANY } from './redis-scripts.js';
import type { StoreRecord } from './store-limiter-abstract.js';

interface Add {
  key: string;
  points: string;
  ms: number;
  resolve(record: StoreRecord): void;
  reject(error: unknown): void;
}

/** Most adds in one script call. */
const MAX_ADDS = 128;

/**
 * The adds (consume, penalty, reward) this process makes in one turn of the event loop,
 * sent as one script call per hash slot: 200 callers at once cost Redis one script run,
 * where rate-limiter-flexible sends one call each. Adds keep their order, so two
 * consumes of one key count as they were issued; a failed call fails each of its adds.
 */
export class AddBatcher {
  readonly #link: RedisLink;
  readonly #bySlot: boolean;
  readonly #batches = new TickBatches<Add>((adds) => this.#send(adds), MAX_ADDS);

  constructor(link: RedisLink) {
    this.#link = link;
    this.#bySlot = link.userClient.isCluster === true;
  }

  add(key: string, points: string, ms: number): Promise<StoreRecord> {
    return new Promise((resolve, reject) => {
      this.#batches.add(this.#bySlot ? hashSlot(key) : 0, { key, points, ms, resolve, reject });
    });
  }

  #send(adds: Add[]): void {
    const keys = adds.map((add) => add.key);
    const args: (string | number)[] = [];
    for (const add of adds) args.push(add.points, add.ms);
    this.#link.run(ADD_MANY, keys, args).then(
      (raw) => {
        const answers = raw as number[];
        adds.forEach((add, i) => {
          add.resolve([Number(answers[2 * i]), Number(answers[2 * i + 1])]);
        });
      },
      (error: unknown) => {
        for (const add of adds) add.reject(error);
      },
    );
  }
}
