//! Which entry goes stale next, without walking the cache: a min-heap of (expiry,
//! location) with lazy deletion.
//!
//! An entry whose expiry moves (a new value, an age reset) or that leaves gets no heap
//! surgery; its old item stays until it reaches the top, where the store sees it no longer
//! matches a live record and drops it. So every change is one push, O(log n), and the heap
//! is rebuilt from its current items when dropped ones outnumber live entries.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashSet};

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Due {
    pub expiry: f64,
    pub location: u32,
}

impl Eq for Due {}

impl Ord for Due {
    /// Reversed, so that `BinaryHeap` (a max-heap) yields the earliest expiry first.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .expiry
            .total_cmp(&self.expiry)
            .then(other.location.cmp(&self.location))
    }
}

impl PartialOrd for Due {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[derive(Default)]
pub struct TtlIndex {
    heap: BinaryHeap<Due>,
}

impl TtlIndex {
    pub fn push(&mut self, expiry: f64, location: u32) {
        self.heap.push(Due { expiry, location });
    }

    /// The earliest item still current, dropping the ones before it that are not.
    pub fn first_current(&mut self, is_current: impl Fn(Due) -> bool) -> Option<Due> {
        while let Some(&top) = self.heap.peek() {
            if is_current(top) {
                return Some(top);
            }
            self.heap.pop();
        }
        None
    }

    pub fn pop(&mut self) -> Option<Due> {
        self.heap.pop()
    }

    pub fn clear(&mut self) {
        self.heap.clear();
    }

    /// Drops out-of-date items once they outnumber `live` (plus slack), and repeats of one
    /// location's item: an entry set twice within one clock reading (time stands still
    /// through synchronous JavaScript) has two current items, and a heap of repeats would
    /// never shrink. After this the heap holds at most one item per live entry.
    pub fn compact_if_needed(&mut self, live: usize, is_current: impl Fn(Due) -> bool) {
        if self.heap.len() > 2 * live + 1024 {
            let mut kept = HashSet::with_capacity(live);
            self.heap
                .retain(|&due| is_current(due) && kept.insert(due.location));
        }
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.heap.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yields_the_earliest_current_item() {
        let mut index = TtlIndex::default();
        index.push(30.0, 1);
        index.push(10.0, 2);
        index.push(20.0, 3);
        assert_eq!(index.first_current(|_| true).map(|d| d.location), Some(2));
        assert_eq!(
            index.first_current(|d| d.location != 2).map(|d| d.location),
            Some(3),
            "an item that is no longer current is dropped on the way"
        );
        assert_eq!(index.len(), 2);
    }

    #[test]
    fn compaction_keeps_one_item_per_location() {
        let mut index = TtlIndex::default();
        for _ in 0..3000 {
            index.push(5.0, 1);
        }
        index.compact_if_needed(1, |_| true);
        assert_eq!(index.len(), 1);
    }

    #[test]
    fn compaction_keeps_only_current_items() {
        let mut index = TtlIndex::default();
        for i in 0..5000 {
            index.push(f64::from(i), i);
        }
        index.compact_if_needed(10, |d| d.location < 10);
        assert_eq!(index.len(), 10);
        assert_eq!(index.pop().map(|d| d.location), Some(0));
    }
}
