//! A place where each wing keeps what it holds for the whole process (the CA its decrypted keys
//! and pre-signed OCSP answers, for example) without the platform knowing the wing's types: the
//! floor stays free of imports from the wings above it.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use crate::error::CoreError;

/// One value per type, made on first use and shared by every request of this process.
#[derive(Default)]
pub struct WingState {
    values: RwLock<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
}

impl WingState {
    /// The value of type `T`, made by `make` the first time it is asked for. `make` runs under
    /// the write lock, so concurrent first uses make it once; it must not ask for wing state.
    pub fn get_or_try_init<T: Any + Send + Sync>(
        &self,
        make: impl FnOnce() -> Result<T, CoreError>,
    ) -> Result<Arc<T>, CoreError> {
        let id = TypeId::of::<T>();
        let known = self
            .values
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&id)
            .cloned();
        let value = if let Some(value) = known {
            value
        } else {
            let mut values = self.values.write().unwrap_or_else(PoisonError::into_inner);
            if let Some(value) = values.get(&id) {
                value.clone()
            } else {
                let value: Arc<dyn Any + Send + Sync> = Arc::new(make()?);
                values.insert(id, value.clone());
                value
            }
        };
        value
            .downcast::<T>()
            .map_err(|_| CoreError::internal("wing state holds a value of another type"))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    struct Counter(usize);

    #[test]
    fn makes_each_value_once_and_keeps_types_apart() {
        let state = WingState::default();
        let calls = AtomicUsize::new(0);
        let make = || {
            calls.fetch_add(1, Ordering::SeqCst);
            Ok(Counter(7))
        };
        let first = state.get_or_try_init(make).unwrap();
        let second = state.get_or_try_init(make).unwrap();
        assert!(Arc::ptr_eq(&first, &second));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(first.0, 7);
        let other = state.get_or_try_init(|| Ok(String::from("x"))).unwrap();
        assert_eq!(other.as_str(), "x");
    }

    #[test]
    fn a_failed_make_is_tried_again() {
        let state = WingState::default();
        let error = state.get_or_try_init::<Counter>(|| Err(CoreError::internal("no")));
        assert!(error.is_err());
        assert_eq!(state.get_or_try_init(|| Ok(Counter(1))).unwrap().0, 1);
    }
}
