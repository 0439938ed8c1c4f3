import { describe, expect, it } from 'vitest';
import { hashSlot } from '../src/hash-slot.js';

describe('hashSlot', () => {
  it('matches the slots Redis documents', () => {
    // From the Redis Cluster specification and CLUSTER KEYSLOT examples.
    expect(hashSlot('foo')).toBe(12182);
    expect(hashSlot('bar')).toBe(5061);
    expect(hashSlot('somekey')).toBe(11058);
  });

  it('hashes only the tag between the first { and the next }, when it is not empty', () => {
    expect(hashSlot('{user1000}.following')).toBe(hashSlot('user1000'));
    expect(hashSlot('prefix:gcra:{user1000}')).toBe(hashSlot('user1000'));
    expect(hashSlot('foo{}{bar}')).not.toBe(hashSlot('bar'));
    expect(hashSlot('foo{{bar}}zap')).toBe(hashSlot('{bar'));
    expect(hashSlot('foo{bar}{zap}')).toBe(hashSlot('bar'));
  });
});
