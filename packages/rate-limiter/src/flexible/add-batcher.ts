import type { RedisLink } from '@bulwark/redis-kit';
import { hashSlot } from '../redis/hash-slot.js';
import { ADD_MANY } from './redis-scripts.js';
import type { StoreRecord } from './store-limiter-abstract.js';

interface Add {
  key: string;
  points: string;
  ms: number;
  resolve(record: StoreRecord): void;
  reject(error: unknown): void;
}

/** Most adds in one script call: bounds its argument list and how long Redis runs it. */
const MAX_ADDS = 128;

/**
 * Gathers the adds (consume, penalty, reward) this process makes in one turn of the event
 * loop and sends them as one script call (one per hash slot on a Cluster, where a script
 * may touch one slot only): 200 callers at once cost Redis one script run, not 200.
 * rate-limiter-flexible sends one call each. Adds keep their order, so two consumes of
 * one key count as they were issued; a failed call fails each of its adds.
 */
export class AddBatcher {
  readonly #link: RedisLink;
  readonly #bySlot: boolean;
  #pending = new Map<number, Add[]>();
  #scheduled = false;

  constructor(link: RedisLink) {
    this.#link = link;
    this.#bySlot = link.userClient.isCluster === true;
  }

  add(key: string, points: string, ms: number): Promise<StoreRecord> {
    const group = this.#bySlot ? hashSlot(key) : 0;
    let adds = this.#pending.get(group);
    if (adds === undefined) {
      adds = [];
      this.#pending.set(group, adds);
    }
    if (!this.#scheduled) {
      this.#scheduled = true;
      // After the promise jobs now queued: adds issued together all join the batch.
      process.nextTick(() => this.#flush());
    }
    const batch = adds;
    return new Promise((resolve, reject) => {
      batch.push({ key, points, ms, resolve, reject });
    });
  }

  #flush(): void {
    const groups = this.#pending;
    this.#pending = new Map();
    this.#scheduled = false;
    for (const adds of groups.values()) {
      for (let from = 0; from < adds.length; from += MAX_ADDS)
        this.#send(adds.slice(from, from + MAX_ADDS));
    }
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
