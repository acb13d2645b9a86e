//! What every store test file shares: a [`Store`] on a fresh database per backend
//! (`hunter_fixtures::on_each_backend`), with a plain pool beside it for checks the store's API
//! does not offer.

// Each test binary compiles this module and uses a part of it.
#![allow(dead_code)]

use std::future::Future;
use std::sync::Arc;

use hunter_store::Store;
use sqlx::AnyPool;

pub struct Db {
    pub store: Store,
    pub raw: AnyPool,
}

/// Whether the fresh database gets Hunter's schema before the test.
#[derive(Clone, Copy)]
pub enum Schema {
    Empty,
    Migrated,
}

/// Runs `test` on a fresh database per backend, migrated or empty as `schema` says.
pub async fn on_each_backend<F, Fut>(schema: Schema, test: F)
where
    F: Fn(Db) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let test = Arc::new(test);
    hunter_fixtures::on_each_backend(move |url| {
        let test = test.clone();
        async move {
            let store = Store::connect(&url).await.unwrap();
            if let Schema::Migrated = schema {
                store.migrate_up().await.unwrap();
            }
            let raw = AnyPool::connect(&url).await.unwrap();
            test(Db {
                store: store.clone(),
                raw: raw.clone(),
            })
            .await;
            store.close().await;
            raw.close().await;
        }
    })
    .await;
}
