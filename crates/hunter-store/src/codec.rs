//! Conversions between Rust values and the portable column types of the schema
//! (booleans as BIGINT 0/1, timestamps and JSON as TEXT; see migration 0001).

use std::fmt::Display;
use std::str::FromStr;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::StoreError;

/// Now as stored: RFC 3339 UTC, microseconds, `Z`. One fixed shape keeps text order = time order.
pub(crate) fn now() -> String {
    format_time(Utc::now())
}

pub(crate) fn format_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Any RFC 3339 time, rewritten in the stored shape.
pub(crate) fn normalize_time(field: &str, value: &str) -> Result<String, StoreError> {
    DateTime::parse_from_rfc3339(value)
        .map(|t| format_time(t.with_timezone(&Utc)))
        .map_err(|e| StoreError::InvalidInput(format!("{field} {value:?} is not RFC 3339: {e}")))
}

pub(crate) fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value)
        .map_err(|e| StoreError::InvalidInput(format!("cannot encode JSON: {e}")))
}

pub(crate) fn bool_to_db(value: Option<bool>) -> Option<i64> {
    value.map(i64::from)
}

/// Typed access to one row; every failure names the column.
pub(crate) struct Cols<'r>(pub &'r AnyRow);

impl Cols<'_> {
    pub fn text(&self, col: &'static str) -> Result<String, StoreError> {
        Ok(self.0.try_get::<String, _>(col)?)
    }

    pub fn opt_text(&self, col: &'static str) -> Result<Option<String>, StoreError> {
        Ok(self.0.try_get::<Option<String>, _>(col)?)
    }

    pub fn int<T: TryFrom<i64>>(&self, col: &'static str) -> Result<T, StoreError>
    where
        T::Error: Display,
    {
        let v: i64 = self.0.try_get(col)?;
        T::try_from(v).map_err(|e| StoreError::corrupt(col, v.to_string(), e))
    }

    pub fn opt_int<T: TryFrom<i64>>(&self, col: &'static str) -> Result<Option<T>, StoreError>
    where
        T::Error: Display,
    {
        let v: Option<i64> = self.0.try_get(col)?;
        v.map(|v| T::try_from(v).map_err(|e| StoreError::corrupt(col, v.to_string(), e)))
            .transpose()
    }

    pub fn opt_bool(&self, col: &'static str) -> Result<Option<bool>, StoreError> {
        match self.0.try_get::<Option<i64>, _>(col)? {
            None => Ok(None),
            Some(0) => Ok(Some(false)),
            Some(1) => Ok(Some(true)),
            Some(v) => Err(StoreError::corrupt(col, v.to_string(), "expected 0 or 1")),
        }
    }

    /// An enum stored by its `as_str()` name.
    pub fn parse<T: FromStr>(&self, col: &'static str) -> Result<T, StoreError>
    where
        T::Err: Display,
    {
        let v = self.text(col)?;
        v.parse()
            .map_err(|e| StoreError::corrupt(col, v.clone(), e))
    }

    pub fn opt_parse<T: FromStr>(&self, col: &'static str) -> Result<Option<T>, StoreError>
    where
        T::Err: Display,
    {
        self.opt_text(col)?
            .map(|v| {
                v.parse()
                    .map_err(|e| StoreError::corrupt(col, v.clone(), e))
            })
            .transpose()
    }

    pub fn json<T: DeserializeOwned>(&self, col: &'static str) -> Result<T, StoreError> {
        let v = self.text(col)?;
        serde_json::from_str(&v).map_err(|e| StoreError::corrupt(col, v.clone(), e))
    }

    /// A nullable JSON list; null reads as empty.
    pub fn opt_json_list<T: DeserializeOwned>(
        &self,
        col: &'static str,
    ) -> Result<Vec<T>, StoreError> {
        match self.opt_text(col)? {
            None => Ok(Vec::new()),
            Some(v) => serde_json::from_str(&v).map_err(|e| StoreError::corrupt(col, v.clone(), e)),
        }
    }
}
