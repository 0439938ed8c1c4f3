//! Calls, failures and slow calls over the last `window_ms`, cut into buckets.
//!
//! Buckets are addressed by epoch (`now / bucket_ms`), and each remembers which epoch it
//! holds, so a bucket left over from before an idle spell is recognised as old and never
//! counted: no rotation step has to run for time to pass.

#[derive(Clone, Copy, Default)]
struct Bucket {
    epoch: i64,
    calls: u32,
    failures: u32,
    slow: u32,
}

/// Totals over the window at one instant.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub calls: u64,
    pub failures: u64,
    pub slow: u64,
}

pub struct Window {
    bucket_ms: f64,
    buckets: Vec<Bucket>,
}

impl Window {
    pub fn new(window_ms: f64, buckets: u32) -> Self {
        let n = buckets.max(1) as usize;
        Window {
            bucket_ms: window_ms / n as f64,
            // i64::MIN is no instant's epoch, so every bucket starts empty.
            buckets: vec![
                Bucket {
                    epoch: i64::MIN,
                    ..Bucket::default()
                };
                n
            ],
        }
    }

    fn epoch(&self, now: f64) -> i64 {
        (now / self.bucket_ms).floor() as i64
    }

    /// Adds to the bucket of `now`: a call and whether it failed or was slow. Opossum's rule
    /// counts a call when it is fired and its failure when it ends, so each part may be 0.
    pub fn push(&mut self, now: f64, calls: u32, failed: bool, slow: bool) {
        self.add(now, calls, u32::from(failed), u32::from(slow));
    }

    /// Adds counts to the bucket of `now`.
    pub fn add(&mut self, now: f64, calls: u32, failures: u32, slow: u32) {
        let epoch = self.epoch(now);
        let n = self.buckets.len() as i64;
        let bucket = &mut self.buckets[epoch.rem_euclid(n) as usize];
        if bucket.epoch != epoch {
            *bucket = Bucket {
                epoch,
                ..Bucket::default()
            };
        }
        bucket.calls = bucket.calls.saturating_add(calls);
        bucket.failures = bucket.failures.saturating_add(failures);
        bucket.slow = bucket.slow.saturating_add(slow);
    }

    /// When the bucket holding `now` ends: a push before then lands in the same bucket.
    pub fn bucket_ends_at(&self, now: f64) -> f64 {
        (self.epoch(now) + 1) as f64 * self.bucket_ms
    }

    pub fn counts(&self, now: f64) -> Counts {
        let epoch = self.epoch(now);
        let oldest = epoch - self.buckets.len() as i64;
        let mut counts = Counts::default();
        for bucket in &self.buckets {
            if bucket.epoch > oldest && bucket.epoch <= epoch {
                counts.calls += u64::from(bucket.calls);
                counts.failures += u64::from(bucket.failures);
                counts.slow += u64::from(bucket.slow);
            }
        }
        counts
    }

    pub fn clear(&mut self) {
        for bucket in &mut self.buckets {
            bucket.epoch = i64::MIN;
        }
    }
}
