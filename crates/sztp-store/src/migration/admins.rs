//! Migration 2: system-wide administrators of the northbound API and the preferences row.

use sea_orm_migration::prelude::*;

use super::{id, long_blob, name, short};

#[derive(DeriveIden)]
enum Administrators {
    Table,
    Id,
    Login,
    Email,
    PasswordHash,
    ClientCertDer,
    AccessLevel,
    Tenants,
    FailedLogins,
    LockedUntil,
    PasswordChangedAt,
    LastLogin,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Preferences {
    Table,
    Id,
    MinPasswordLength,
    PasswordMaxAgeDays,
    LockoutThreshold,
    LockoutDurationSecs,
    UpdatedAt,
}

pub(super) async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    let b = m.get_database_backend();
    super::create_table(
        m,
        Table::create()
            .table(Administrators::Table)
            .col(id(Administrators::Id))
            .col(name(Administrators::Login, false).unique_key())
            .col(name(Administrators::Email, false))
            .col(ColumnDef::new(Administrators::PasswordHash).text().null())
            .col(long_blob(b, Administrators::ClientCertDer, true))
            .col(short(Administrators::AccessLevel, 32, false))
            .col(ColumnDef::new(Administrators::Tenants).text().not_null())
            .col(ColumnDef::new(Administrators::FailedLogins).integer().not_null().default(0))
            .col(ColumnDef::new(Administrators::LockedUntil).big_integer().null())
            .col(ColumnDef::new(Administrators::PasswordChangedAt).big_integer().null())
            .col(ColumnDef::new(Administrators::LastLogin).big_integer().null())
            .col(ColumnDef::new(Administrators::CreatedAt).big_integer().not_null())
            .take(),
    )
    .await?;

    super::create_table(
        m,
        Table::create()
            .table(Preferences::Table)
            .col(ColumnDef::new(Preferences::Id).integer().not_null().primary_key())
            .col(ColumnDef::new(Preferences::MinPasswordLength).integer().not_null().default(12))
            .col(ColumnDef::new(Preferences::PasswordMaxAgeDays).integer().null())
            .col(ColumnDef::new(Preferences::LockoutThreshold).integer().not_null().default(5))
            .col(ColumnDef::new(Preferences::LockoutDurationSecs).big_integer().not_null().default(900))
            .col(ColumnDef::new(Preferences::UpdatedAt).big_integer().not_null())
            .take(),
    )
    .await?;
    // The one row, with the column defaults.
    let now = crate::codec::micros(crate::codec::now());
    let mut insert = Query::insert();
    insert
        .into_table(Preferences::Table)
        .columns([Preferences::Id, Preferences::UpdatedAt])
        .values([Expr::val(1), Expr::val(now)])
        .map_err(|e| DbErr::Migration(e.to_string()))?;
    m.exec_stmt(insert).await
}
