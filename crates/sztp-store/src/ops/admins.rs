//! Administrators and preferences (system-wide): create-or-replace by login, an atomic lockout
//! counter, and guarded writes that keep one unrestricted system-wide administrator.

use sea_orm::sea_query::{Expr, ExprTrait as _, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use time::OffsetDateTime;

use crate::codec::{
    MAX_NAME_LEN, check_name, enum_parse, enum_str, from_json, from_opt_micros, micros, now, opt_micros, to_json,
};
use crate::entity::admin::administrator::{self, Column};
use crate::entity::admin::preferences;
use crate::error::{Result, StoreError, db_err, write_err};
use crate::model::{AccessLevel, Administrator, Preferences};
use crate::store::Store;

/// The one row of `preferences`.
const PREFERENCES_ID: i32 = 1;
/// The stored tenant scope of a system-wide administrator.
const ALL_TENANTS: &str = "[]";

fn validate(a: &Administrator) -> Result<()> {
    check_name("administrator", &a.login)?;
    if a.email.chars().count() > MAX_NAME_LEN || a.email.chars().any(char::is_control) {
        return Err(StoreError::Invalid(format!("administrator '{}': the email address is not valid", a.login)));
    }
    for t in &a.tenants {
        check_name("tenant", t)?;
    }
    if a.password_hash.as_deref().is_some_and(str::is_empty) {
        return Err(StoreError::Invalid(format!("administrator '{}': the password hash is empty", a.login)));
    }
    Ok(())
}

fn from_row(row: administrator::Model) -> Result<Administrator> {
    Ok(Administrator {
        login: row.login,
        email: row.email,
        password_hash: row.password_hash,
        client_cert_der: row.client_cert_der,
        access_level: enum_parse(&row.access_level, "access level")?,
        tenants: from_json(&row.tenants, "administrator tenant list")?,
        failed_logins: u32::try_from(row.failed_logins).map_err(|_| {
            StoreError::Database(format!("stored failed login count {} is negative", row.failed_logins))
        })?,
        locked_until: from_opt_micros(row.locked_until, "lock expiry")?,
        password_changed_at: from_opt_micros(row.password_changed_at, "password change")?,
        last_login: from_opt_micros(row.last_login, "last login")?,
    })
}

fn to_i32(value: u32, what: &str) -> Result<i32> {
    i32::try_from(value).map_err(|_| StoreError::Invalid(format!("{what} {value} is too large")))
}

fn stored_u32<T: TryInto<u32> + Copy + std::fmt::Display>(value: T, what: &str) -> Result<u32> {
    value.try_into().map_err(|_| StoreError::Database(format!("stored {what} {value} is out of range")))
}

fn not_found(login: &str) -> StoreError {
    StoreError::NotFound { kind: "administrator", name: login.to_owned() }
}

/// Filter on unrestricted, system-wide administrators.
fn unrestricted() -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(Column::AccessLevel.eq(enum_str_static(AccessLevel::Unrestricted)))
        .add(Column::Tenants.eq(ALL_TENANTS))
}

fn enum_str_static(level: AccessLevel) -> &'static str {
    match level {
        AccessLevel::Unrestricted => "unrestricted",
        AccessLevel::ReadWrite => "read-write",
        AccessLevel::ReadOnly => "read-only",
    }
}

/// Inserts or replaces an administrator row (every column but `created_at`).
async fn upsert<C: ConnectionTrait>(db: &C, a: &Administrator) -> Result<()> {
    let row = administrator::ActiveModel {
        login: Set(a.login.clone()),
        email: Set(a.email.clone()),
        password_hash: Set(a.password_hash.clone()),
        client_cert_der: Set(a.client_cert_der.clone()),
        access_level: Set(enum_str(&a.access_level, "access level")?),
        tenants: Set(to_json(&a.tenants, "administrator tenant list")?),
        failed_logins: Set(to_i32(a.failed_logins, "failed login count")?),
        locked_until: Set(opt_micros(a.locked_until)),
        password_changed_at: Set(opt_micros(a.password_changed_at)),
        last_login: Set(opt_micros(a.last_login)),
        created_at: Set(micros(now())),
        ..Default::default()
    };
    let on_conflict = OnConflict::column(Column::Login)
        .update_columns([
            Column::Email,
            Column::PasswordHash,
            Column::ClientCertDer,
            Column::AccessLevel,
            Column::Tenants,
            Column::FailedLogins,
            Column::LockedUntil,
            Column::PasswordChangedAt,
            Column::LastLogin,
        ])
        .to_owned();
    administrator::Entity::insert(row)
        .on_conflict(on_conflict)
        .exec_without_returning(db)
        .await
        .map_err(|e| write_err(e, "administrator", &a.login))?;
    Ok(())
}

/// Starts a transaction that holds the write locks of every unrestricted system-wide administrator
/// (the whole database on SQLite), so that guarded writes serialize; returns how many there are.
async fn lock_unrestricted(store: &Store) -> Result<(DatabaseTransaction, u64)> {
    let txn = store.conn().begin().await.map_err(db_err)?;
    // A write as the first statement: row locks on PostgreSQL/MySQL, the write lock on SQLite
    // (taken before any read, so a concurrent writer waits instead of failing with SQLITE_BUSY).
    let res = administrator::Entity::update_many()
        .col_expr(Column::FailedLogins, Expr::col(Column::FailedLogins))
        .filter(unrestricted())
        .exec(&txn)
        .await
        .map_err(db_err)?;
    Ok((txn, res.rows_affected))
}

/// Unrestricted system-wide administrators as seen inside `txn` (a locking read: the latest rows).
async fn count_unrestricted_in(txn: &DatabaseTransaction) -> Result<u64> {
    let logins: Vec<String> = administrator::Entity::find()
        .select_only()
        .column(Column::Login)
        .filter(unrestricted())
        .lock_exclusive()
        .into_tuple()
        .all(txn)
        .await
        .map_err(db_err)?;
    Ok(logins.len() as u64)
}

async fn refuse(txn: DatabaseTransaction, message: String) -> Result<()> {
    txn.rollback().await.map_err(db_err)?;
    Err(StoreError::Refused(message))
}

impl Store {
    /// Creates or replaces the administrator with this login, state fields included (read,
    /// modify, then put). The tenant names are not checked against the tenants table.
    pub async fn put_administrator(&self, a: &Administrator) -> Result<()> {
        validate(a)?;
        upsert(&self.conn(), a).await
    }

    /// Like [`Store::put_administrator`], but atomically refuses ([`StoreError::Refused`]) a write
    /// that would leave administrators without an unrestricted system-wide one: creating the first
    /// administrator with less, or demoting (or scoping to tenants) the last unrestricted one.
    pub async fn put_administrator_guarded(&self, a: &Administrator) -> Result<()> {
        validate(a)?;
        let (txn, _) = lock_unrestricted(self).await?;
        upsert(&txn, a).await?;
        if count_unrestricted_in(&txn).await? == 0 {
            return refuse(
                txn,
                format!(
                    "administrator '{}': at least one administrator must have unrestricted access to all tenants",
                    a.login
                ),
            )
            .await;
        }
        txn.commit().await.map_err(db_err)
    }

    /// The administrator with this login.
    pub async fn get_administrator(&self, login: &str) -> Result<Option<Administrator>> {
        let row =
            administrator::Entity::find().filter(Column::Login.eq(login)).one(&self.conn()).await.map_err(db_err)?;
        row.map(from_row).transpose()
    }

    /// All administrators, by login.
    pub async fn list_administrators(&self) -> Result<Vec<Administrator>> {
        let rows = administrator::Entity::find().order_by_asc(Column::Login).all(&self.conn()).await.map_err(db_err)?;
        rows.into_iter().map(from_row).collect()
    }

    /// Deletes the administrator with this login, unconditionally.
    pub async fn delete_administrator(&self, login: &str) -> Result<()> {
        let res = administrator::Entity::delete_many()
            .filter(Column::Login.eq(login))
            .exec(&self.conn())
            .await
            .map_err(db_err)?;
        if res.rows_affected == 0 {
            return Err(not_found(login));
        }
        Ok(())
    }

    /// Deletes the administrator with this login unless it is the last unrestricted system-wide
    /// administrator ([`StoreError::Refused`]); the check and the delete are one transaction.
    pub async fn delete_administrator_guarded(&self, login: &str) -> Result<()> {
        let (txn, before) = lock_unrestricted(self).await?;
        let res =
            administrator::Entity::delete_many().filter(Column::Login.eq(login)).exec(&txn).await.map_err(db_err)?;
        if res.rows_affected == 0 {
            txn.rollback().await.map_err(db_err)?;
            return Err(not_found(login));
        }
        if before > 0 && count_unrestricted_in(&txn).await? == 0 {
            return refuse(
                txn,
                format!(
                    "administrator '{login}' is the last one with unrestricted access to all tenants and cannot be deleted"
                ),
            )
            .await;
        }
        txn.commit().await.map_err(db_err)
    }

    /// Number of administrators that are unrestricted and system-wide (no tenant listed).
    pub async fn count_unrestricted_administrators(&self) -> Result<u64> {
        administrator::Entity::find().filter(unrestricted()).count(&self.conn()).await.map_err(db_err)
    }

    /// Records a failed login at `now`, atomically: increments the counter (restarting it when an
    /// earlier lock has expired) and locks the account for `prefs.lockout_duration_secs` when the
    /// counter reaches `prefs.lockout_threshold` (0 disables lockout). Returns the end of the lock
    /// when the account is locked after this failure.
    pub async fn record_login_failure(
        &self,
        login: &str,
        now: OffsetDateTime,
        prefs: &Preferences,
    ) -> Result<Option<OffsetDateTime>> {
        let (_, locked) = self.count_login_failure(login, now, prefs).await?;
        from_opt_micros(locked, "lock expiry")
    }

    /// Counts a login attempt before its password is checked, as a failure that a success
    /// clears ([`Store::record_login_success`]). Whether the password may be checked: not when
    /// the account was already locked, nor when `lockout_threshold` attempts are counted, so
    /// parallel guesses cannot outrun the lockout.
    pub async fn count_login_attempt(&self, login: &str, now: OffsetDateTime, prefs: &Preferences) -> Result<bool> {
        let (count, _) = self.count_login_failure(login, now, prefs).await?;
        Ok(prefs.lockout_threshold == 0 || i64::from(count) <= i64::from(prefs.lockout_threshold))
    }

    /// The counter after counting one more failure, and the lock's end (microseconds).
    async fn count_login_failure(
        &self,
        login: &str,
        now: OffsetDateTime,
        prefs: &Preferences,
    ) -> Result<(i32, Option<i64>)> {
        let now_us = micros(now);
        let txn = self.conn().begin().await.map_err(db_err)?;
        // The increment comes first: it takes the row lock (the write lock on SQLite).
        let res = administrator::Entity::update_many()
            .col_expr(Column::FailedLogins, Expr::col(Column::FailedLogins).add(1))
            .filter(Column::Login.eq(login))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        if res.rows_affected == 0 {
            txn.rollback().await.map_err(db_err)?;
            return Err(not_found(login));
        }
        let row = administrator::Entity::find()
            .filter(Column::Login.eq(login))
            .lock_exclusive()
            .one(&txn)
            .await
            .map_err(db_err)?
            .ok_or_else(|| not_found(login))?;
        let (mut count, mut locked) = (row.failed_logins, row.locked_until);
        let mut changed = false;
        if locked.is_some_and(|l| l <= now_us) {
            (count, locked, changed) = (1, None, true);
        }
        let threshold = i64::from(prefs.lockout_threshold);
        if threshold > 0 && i64::from(count) >= threshold && locked.is_none() {
            let until = now + time::Duration::seconds(i64::from(prefs.lockout_duration_secs));
            (locked, changed) = (Some(micros(until)), true);
        }
        if changed {
            administrator::Entity::update_many()
                .col_expr(Column::FailedLogins, Expr::val(count))
                .col_expr(Column::LockedUntil, Expr::val(locked))
                .filter(Column::Login.eq(login))
                .exec(&txn)
                .await
                .map_err(db_err)?;
        }
        txn.commit().await.map_err(db_err)?;
        Ok((count, locked))
    }

    /// Records a successful login at `now`: clears the failure counter and any lock.
    pub async fn record_login_success(&self, login: &str, now: OffsetDateTime) -> Result<()> {
        let res = administrator::Entity::update_many()
            .col_expr(Column::FailedLogins, Expr::val(0))
            .col_expr(Column::LockedUntil, Expr::val(Option::<i64>::None))
            .col_expr(Column::LastLogin, Expr::val(micros(now)))
            .filter(Column::Login.eq(login))
            .exec(&self.conn())
            .await
            .map_err(db_err)?;
        if res.rows_affected == 0 {
            return Err(not_found(login));
        }
        Ok(())
    }

    /// The system-wide preferences (the defaults when the row is missing).
    pub async fn get_preferences(&self) -> Result<Preferences> {
        let Some(row) = preferences::Entity::find_by_id(PREFERENCES_ID).one(&self.conn()).await.map_err(db_err)? else {
            return Ok(Preferences::default());
        };
        Ok(Preferences {
            min_password_length: stored_u32(row.min_password_length, "minimum password length")?,
            password_max_age_days: row
                .password_max_age_days
                .map(|d| stored_u32(d, "password maximum age"))
                .transpose()?,
            lockout_threshold: stored_u32(row.lockout_threshold, "lockout threshold")?,
            lockout_duration_secs: stored_u32(row.lockout_duration_secs, "lockout duration")?,
        })
    }

    /// Replaces the system-wide preferences.
    pub async fn put_preferences(&self, p: &Preferences) -> Result<()> {
        let row = preferences::ActiveModel {
            id: Set(PREFERENCES_ID),
            min_password_length: Set(to_i32(p.min_password_length, "minimum password length")?),
            password_max_age_days: Set(p
                .password_max_age_days
                .map(|d| to_i32(d, "password maximum age"))
                .transpose()?),
            lockout_threshold: Set(to_i32(p.lockout_threshold, "lockout threshold")?),
            lockout_duration_secs: Set(i64::from(p.lockout_duration_secs)),
            updated_at: Set(micros(now())),
        };
        use preferences::Column as C;
        let on_conflict = OnConflict::column(C::Id)
            .update_columns([
                C::MinPasswordLength,
                C::PasswordMaxAgeDays,
                C::LockoutThreshold,
                C::LockoutDurationSecs,
                C::UpdatedAt,
            ])
            .to_owned();
        preferences::Entity::insert(row)
            .on_conflict(on_conflict)
            .exec_without_returning(&self.conn())
            .await
            .map_err(db_err)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_names_match_the_serde_names() {
        for level in [AccessLevel::Unrestricted, AccessLevel::ReadWrite, AccessLevel::ReadOnly] {
            assert_eq!(enum_str(&level, "access level").ok().as_deref(), Some(enum_str_static(level)));
        }
        assert_eq!(to_json(&Vec::<String>::new(), "tenants").ok().as_deref(), Some(ALL_TENANTS));
    }
}
