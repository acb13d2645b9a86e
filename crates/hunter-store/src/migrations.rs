//! Embedded, reversible migrations: `migrations/<backend>/NNNN_name.{up,down}.sql`.

use std::collections::BTreeSet;

use sqlx::AnyPool;
use sqlx::migrate::{Migrate, Migrator};

use crate::{Backend, DownSteps, MigrationInfo, MigrationStatus, Store, StoreError};

/// Hunter's own bookkeeping table, so another sqlx user of the same database (a job library,
/// another app in the same PostgreSQL schema) cannot collide with the default `_sqlx_migrations`.
const MIGRATIONS_TABLE: &str = "hunter_migrations";

fn migrator(backend: Backend) -> Migrator {
    let mut migrator = match backend {
        Backend::Sqlite => sqlx::migrate!("./migrations/sqlite"),
        Backend::Postgres => sqlx::migrate!("./migrations/postgres"),
    };
    migrator.dangerous_set_table_name(MIGRATIONS_TABLE);
    migrator
}

/// The up half of each migration, in version order.
fn known(migrator: &Migrator) -> impl Iterator<Item = MigrationInfo> + '_ {
    migrator
        .iter()
        .filter(|m| !m.migration_type.is_down_migration())
        .map(|m| MigrationInfo {
            version: m.version,
            description: m.description.to_string(),
        })
}

async fn applied_versions(pool: &AnyPool) -> Result<BTreeSet<i64>, StoreError> {
    let mut conn = pool.acquire().await?;
    conn.ensure_migrations_table(MIGRATIONS_TABLE).await?;
    Ok(conn
        .list_applied_migrations(MIGRATIONS_TABLE)
        .await?
        .into_iter()
        .map(|m| m.version)
        .collect())
}

impl Store {
    /// Applies every pending migration; returns those applied now, oldest first.
    pub async fn migrate_up(&self) -> Result<Vec<MigrationInfo>, StoreError> {
        let migrator = migrator(self.backend);
        let before = applied_versions(&self.pool).await?;
        // Through the pool: with `&mut AnyConnection` sqlx's `Acquire` bound makes this future
        // not `Send`, so it could not run in a spawned task.
        migrator.run(&self.pool).await?;
        let after = applied_versions(&self.pool).await?;
        let applied: Vec<_> = known(&migrator)
            .filter(|m| after.contains(&m.version) && !before.contains(&m.version))
            .collect();
        for m in &applied {
            tracing::info!(version = m.version, description = %m.description, "migration applied");
        }
        Ok(applied)
    }

    /// Reverts the most recent applied migrations; returns those reverted, newest first.
    pub async fn migrate_down(&self, steps: DownSteps) -> Result<Vec<MigrationInfo>, StoreError> {
        let migrator = migrator(self.backend);
        let before = applied_versions(&self.pool).await?;
        let count = match steps {
            DownSteps::Count(n) => n,
            DownSteps::All => before.len(),
        };
        if count == 0 || before.is_empty() {
            return Ok(Vec::new());
        }
        // `undo` reverts everything above its target: the newest version that stays, or 0.
        let target = before.iter().rev().nth(count).copied().unwrap_or(0);
        migrator.undo(&self.pool, target).await?;
        let after = applied_versions(&self.pool).await?;
        let mut reverted: Vec<_> = known(&migrator)
            .filter(|m| before.contains(&m.version) && !after.contains(&m.version))
            .collect();
        reverted.reverse();
        for m in &reverted {
            tracing::info!(version = m.version, description = %m.description, "migration reverted");
        }
        Ok(reverted)
    }

    /// Every migration this binary knows, oldest first, and whether it is applied.
    pub async fn migration_status(&self) -> Result<Vec<MigrationStatus>, StoreError> {
        let migrator = migrator(self.backend);
        let applied = applied_versions(&self.pool).await?;
        Ok(known(&migrator)
            .map(|m| MigrationStatus {
                applied: applied.contains(&m.version),
                version: m.version,
                description: m.description,
            })
            .collect())
    }
}
