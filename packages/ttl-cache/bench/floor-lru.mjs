// Not a contestant to beat but a floor: the least an exact LRU over a Map can do. A key's
// slot in a Map, its value in an array, its two recency links in one typed array; no TTL,
// no size, no stats, no validation. Whatever a real cache adds costs on top of this, so a
// goal above this floor's ratio to lru-cache is out of reach for any exact LRU over a Map.
const NIL = -1;

export class FloorLru {
  #max;
  #slots = new Map();
  #keys = [];
  #values = [];
  #links;
  #head = NIL;
  #tail = NIL;

  constructor(max) {
    this.#max = max;
    this.#links = new Int32Array(2 * max);
  }

  get(key) {
    const i = this.#slots.get(key);
    if (i === undefined) return undefined;
    if (i !== this.#head) {
      this.#unlink(i);
      this.#pushHead(i);
    }
    return this.#values[i];
  }

  set(key, value) {
    let i = this.#slots.get(key);
    if (i !== undefined) {
      this.#values[i] = value;
      if (i !== this.#head) {
        this.#unlink(i);
        this.#pushHead(i);
      }
      return;
    }
    if (this.#slots.size === this.#max) {
      // The least recently used slot is taken over by the new key.
      i = this.#tail;
      this.#slots.delete(this.#keys[i]);
      this.#unlink(i);
    } else {
      i = this.#slots.size;
    }
    this.#slots.set(key, i);
    this.#keys[i] = key;
    this.#values[i] = value;
    this.#pushHead(i);
  }

  #unlink(i) {
    const links = this.#links;
    const prev = links[2 * i];
    const next = links[2 * i + 1];
    if (prev === NIL) this.#head = next;
    else links[2 * prev + 1] = next;
    if (next === NIL) this.#tail = prev;
    else links[2 * next] = prev;
  }

  #pushHead(i) {
    const links = this.#links;
    links[2 * i] = NIL;
    links[2 * i + 1] = this.#head;
    if (this.#head === NIL) this.#tail = i;
    else links[2 * this.#head] = i;
    this.#head = i;
  }
}
