//! The one error type of the store. Callers branch on its variants and helpers (a unique
//! violation becomes a 409, an unreachable database a 503) instead of parsing messages.

use sqlx::error::ErrorKind;

/// Which kind of constraint a write violated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConstraintKind {
    Unique,
    ForeignKey,
    NotNull,
    Check,
}

impl ConstraintKind {
    fn as_str(self) -> &'static str {
        match self {
            ConstraintKind::Unique => "unique",
            ConstraintKind::ForeignKey => "foreign key",
            ConstraintKind::NotNull => "not-null",
            ConstraintKind::Check => "check",
        }
    }
}

impl std::fmt::Display for ConstraintKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database URL is malformed or names an unsupported scheme. The message never holds a
    /// password.
    #[error("invalid database URL {url}: {reason}")]
    InvalidUrl { url: String, reason: String },

    /// The database could not be reached or refused the connection. `target` is the URL without
    /// user info or query (`postgres://db.example:5432/hunter`).
    #[error("cannot connect to the database at {target}: {source}")]
    Connect {
        target: String,
        #[source]
        source: sqlx::Error,
    },

    /// A write broke a constraint of the schema (a duplicate key, a missing parent row…).
    #[error("{kind} constraint violated{}: {message}", constraint.as_deref().map(|c| format!(" ({c})")).unwrap_or_default())]
    Constraint {
        kind: ConstraintKind,
        /// The constraint's name when the backend reports it (PostgreSQL does, SQLite does not).
        constraint: Option<String>,
        message: String,
    },

    /// Applying or reverting a migration failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),

    /// The caller handed in something the store refuses to write.
    #[error("invalid input: {0}")]
    InvalidInput(String),

    /// A stored value does not decode (an unknown enum name, malformed JSON…).
    #[error("stored {column} value {value:?} is not valid: {reason}")]
    Corrupt {
        column: &'static str,
        value: String,
        reason: String,
    },

    /// The job is no longer leased under this token: the lease expired and another worker
    /// claimed the job, or it was re-queued or finished. The write was not made; stop working on
    /// the job.
    #[error("job {job_id} is no longer held by this worker (its lease expired or was released)")]
    LeaseLost { job_id: String },

    /// None of a claim's items is still claimed under its token: the claim expired and other
    /// workers took the items (or they were released). Nothing was written.
    #[error("the items claimed from job {job_id} are no longer this worker's (the claim expired)")]
    ClaimLost { job_id: String },

    /// A Partner Center sync run is already `running` (in this or another process); at most one
    /// runs at a time. Nothing was written.
    #[error("a Partner Center sync is already running")]
    SyncRunning,

    /// Any other database error.
    #[error("database error: {0}")]
    Database(sqlx::Error),
}

impl StoreError {
    pub fn constraint_kind(&self) -> Option<ConstraintKind> {
        match self {
            StoreError::Constraint { kind, .. } => Some(*kind),
            _ => None,
        }
    }

    pub fn is_unique_violation(&self) -> bool {
        self.constraint_kind() == Some(ConstraintKind::Unique)
    }

    pub fn is_foreign_key_violation(&self) -> bool {
        self.constraint_kind() == Some(ConstraintKind::ForeignKey)
    }

    pub fn is_check_violation(&self) -> bool {
        self.constraint_kind() == Some(ConstraintKind::Check)
    }

    pub fn is_lease_lost(&self) -> bool {
        matches!(self, StoreError::LeaseLost { .. })
    }

    pub fn is_claim_lost(&self) -> bool {
        matches!(self, StoreError::ClaimLost { .. })
    }

    pub fn is_sync_running(&self) -> bool {
        matches!(self, StoreError::SyncRunning)
    }

    /// The database is unreachable (at connect time or later): worth a retry or a 503.
    pub fn is_unavailable(&self) -> bool {
        match self {
            StoreError::Connect { .. } => true,
            StoreError::Database(e) => matches!(
                e,
                sqlx::Error::Io(_)
                    | sqlx::Error::Tls(_)
                    | sqlx::Error::PoolTimedOut
                    | sqlx::Error::PoolClosed
            ),
            _ => false,
        }
    }

    pub(crate) fn corrupt(
        column: &'static str,
        value: impl Into<String>,
        reason: impl ToString,
    ) -> Self {
        StoreError::Corrupt {
            column,
            value: value.into(),
            reason: reason.to_string(),
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        let kind = match &e {
            sqlx::Error::Database(db) => match db.kind() {
                ErrorKind::UniqueViolation => Some(ConstraintKind::Unique),
                ErrorKind::ForeignKeyViolation => Some(ConstraintKind::ForeignKey),
                ErrorKind::NotNullViolation => Some(ConstraintKind::NotNull),
                ErrorKind::CheckViolation => Some(ConstraintKind::Check),
                _ => None,
            },
            _ => None,
        };
        match (kind, &e) {
            (Some(kind), sqlx::Error::Database(db)) => StoreError::Constraint {
                kind,
                constraint: db.constraint().map(str::to_owned),
                message: db.message().to_owned(),
            },
            _ => StoreError::Database(e),
        }
    }
}
