//! The process-wide table of stores by name. The addon is loaded once per process and
//! every worker thread sees this same static: that is how `sharedMemoryStore({ name })`
//! in each thread reaches one store. Weak references: a store lives while some thread
//! holds it.

use crate::store::Store;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, Weak};

static STORES: LazyLock<Mutex<HashMap<String, Weak<Store>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

pub fn open(name: &str) -> Arc<Store> {
    let mut stores = STORES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(store) = stores.get(name).and_then(Weak::upgrade) {
        return store;
    }
    stores.retain(|_, weak| weak.strong_count() > 0);
    let store = Arc::new(Store::default());
    stores.insert(name.to_owned(), Arc::downgrade(&store));
    store
}
