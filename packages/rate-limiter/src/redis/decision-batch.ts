import { hashSlot } from '@bulwark/redis-kit';
import type { DecisionScript } from './scripts.js';

/** Redis's answer for one item: allowed 0/1, remaining, resetMs, retryAfterMs. */
export type Decision = [number, number, number, number];

/** Runs one script call; rejects when Redis fails or does not answer in time. */
export type RunScript = (
  script: DecisionScript,
  keys: string[],
  args: (string | number)[],
) => Promise<unknown>;

interface Item {
  keys: string[];
  now: number | '';
  op: string;
  cost: number;
  blockMs: number;
  resolve(decision: Decision): void;
  reject(error: unknown): void;
}

interface Batch {
  script: DecisionScript;
  params: readonly [number, number];
  items: Item[];
}

/**
 * Most items in one script call: bounds the call's argument list and how long Redis runs
 * one script while other clients wait.
 */
const MAX_ITEMS = 128;

/**
 * Gathers the decisions a process asks for in one turn of the event loop and sends them as
 * few script calls as the keys allow: one per algorithm and parameters on a single Redis,
 * one per hash slot as well on a Cluster (a script may touch one slot only). 200 callers at
 * once then cost Redis one script run, not 200, and the client one command. Items keep
 * their order, so two consumes of one key are decided as they were issued.
 */
export class DecisionBatcher {
  readonly #run: RunScript;
  readonly #bySlot: boolean;
  #pending = new Map<string, Batch>();
  #scheduled = false;
  /** Each limiter's group name, by its parameters' array (one per limiter): built once. */
  readonly #groups = new WeakMap<readonly [number, number], string>();

  constructor(run: RunScript, bySlot: boolean) {
    this.#run = run;
    this.#bySlot = bySlot;
  }

  decide(
    script: DecisionScript,
    params: readonly [number, number],
    keys: string[],
    now: number | '',
    op: string,
    cost: number,
    blockMs: number,
  ): Promise<Decision> {
    let group = this.#groups.get(params);
    if (group === undefined) {
      group = `${script.sha}:${params[0]}:${params[1]}`;
      this.#groups.set(params, group);
    }
    if (this.#bySlot) group = `${group}:${hashSlot(keys[0]!)}`;
    let batch = this.#pending.get(group);
    if (!batch) {
      batch = { script, params, items: [] };
      this.#pending.set(group, batch);
    }
    if (!this.#scheduled) {
      this.#scheduled = true;
      // After the promise jobs now queued: consumes issued together all join the batch.
      process.nextTick(() => this.#flush());
    }
    return new Promise<Decision>((resolve, reject) => {
      batch.items.push({ keys, now, op, cost, blockMs, resolve, reject });
    });
  }

  #flush(): void {
    const batches = this.#pending;
    this.#pending = new Map();
    this.#scheduled = false;
    for (const { script, params, items } of batches.values()) {
      for (let from = 0; from < items.length; from += MAX_ITEMS) {
        this.#send(script, params, items.slice(from, from + MAX_ITEMS));
      }
    }
  }

  #send(script: DecisionScript, params: readonly [number, number], items: Item[]): void {
    const keys: string[] = [];
    const args: (string | number)[] = [params[0], params[1]];
    for (const item of items) {
      keys.push(...item.keys);
      args.push(item.now, item.op, item.cost, item.blockMs);
    }
    this.#run(script, keys, args).then(
      (raw) => {
        const answers = raw as number[];
        items.forEach((item, i) => {
          const at = i * 4;
          item.resolve([
            Number(answers[at]),
            Number(answers[at + 1]),
            Number(answers[at + 2]),
            Number(answers[at + 3]),
          ]);
        });
      },
      (error: unknown) => {
        for (const item of items) item.reject(error);
      },
    );
  }
}
