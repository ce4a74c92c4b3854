//! Migration 1, log part: device status, progress reports, bootstrapping log, audit log, event outbox.
//! Log tables carry `tenant_id` without a foreign key, so logs outlive what they describe.

use sea_orm_migration::prelude::*;

use super::{id, index, long_blob, long_text, name, short, unique};

#[derive(DeriveIden)]
enum DeviceStatus {
    Table,
    Id,
    TenantId,
    Serial,
    FirstSeen,
    LastSeen,
    Attempts,
    Stage,
    LastError,
    CompletedAt,
}

#[derive(DeriveIden)]
enum ProgressReports {
    Table,
    Id,
    TenantId,
    Serial,
    Time,
    LogId,
    ProgressType,
    Message,
    SshHostKeys,
    TrustAnchorCerts,
}

#[derive(DeriveIden)]
enum BootstrapLog {
    Table,
    Id,
    TenantId,
    Time,
    Serial,
    Source,
    Operation,
    Status,
    Outcome,
    ProgressType,
    Message,
    Detail,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    TenantId,
    Time,
    Principal,
    Source,
    Api,
    Method,
    Path,
    Status,
}

#[derive(DeriveIden)]
enum EventOutbox {
    Table,
    Id,
    TenantId,
    Time,
    Topic,
    Payload,
    DeliveredAt,
}

fn bigint(col: impl IntoIden, null: bool) -> ColumnDef {
    let mut c = ColumnDef::new(col);
    c.big_integer();
    if null {
        c.null()
    } else {
        c.not_null()
    };
    c
}

pub(super) async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    let b = m.get_database_backend();
    super::create_table(
        m,
        Table::create()
            .table(DeviceStatus::Table)
            .col(id(DeviceStatus::Id))
            .col(bigint(DeviceStatus::TenantId, false))
            .col(name(DeviceStatus::Serial, false))
            .col(bigint(DeviceStatus::FirstSeen, true))
            .col(bigint(DeviceStatus::LastSeen, true))
            .col(bigint(DeviceStatus::Attempts, false))
            .col(name(DeviceStatus::Stage, true))
            .col(long_text(b, DeviceStatus::LastError, true))
            .col(bigint(DeviceStatus::CompletedAt, true))
            .index(&mut unique(
                "ux_device_status_tenant_serial",
                DeviceStatus::Table,
                &[DeviceStatus::TenantId.into_iden(), DeviceStatus::Serial.into_iden()],
            ))
            .take(),
    )
    .await?;

    super::create_table(
        m,
        Table::create()
            .table(ProgressReports::Table)
            .col(id(ProgressReports::Id))
            .col(bigint(ProgressReports::TenantId, false))
            .col(name(ProgressReports::Serial, false))
            .col(bigint(ProgressReports::Time, false))
            .col(bigint(ProgressReports::LogId, false))
            .col(name(ProgressReports::ProgressType, false))
            .col(long_text(b, ProgressReports::Message, true))
            .col(long_text(b, ProgressReports::SshHostKeys, true))
            .col(long_blob(b, ProgressReports::TrustAnchorCerts, true))
            .take(),
    )
    .await?;
    m.create_index(index(
        "ix_progress_reports_tenant_serial_time",
        ProgressReports::Table,
        &[
            ProgressReports::TenantId.into_iden(),
            ProgressReports::Serial.into_iden(),
            ProgressReports::Time.into_iden(),
        ],
    ))
    .await?;

    super::create_table(
        m,
        Table::create()
            .table(BootstrapLog::Table)
            .col(id(BootstrapLog::Id))
            .col(bigint(BootstrapLog::TenantId, false))
            .col(bigint(BootstrapLog::Time, false))
            .col(name(BootstrapLog::Serial, true))
            .col(name(BootstrapLog::Source, false))
            .col(short(BootstrapLog::Operation, 64, false))
            .col(ColumnDef::new(BootstrapLog::Status).integer().not_null())
            .col(long_text(b, BootstrapLog::Outcome, false))
            .col(name(BootstrapLog::ProgressType, true))
            .col(long_text(b, BootstrapLog::Message, true))
            .col(long_text(b, BootstrapLog::Detail, true))
            .take(),
    )
    .await?;
    m.create_index(index(
        "ix_bootstrap_log_tenant_time",
        BootstrapLog::Table,
        &[BootstrapLog::TenantId.into_iden(), BootstrapLog::Time.into_iden()],
    ))
    .await?;
    m.create_index(index(
        "ix_bootstrap_log_tenant_serial_time",
        BootstrapLog::Table,
        &[BootstrapLog::TenantId.into_iden(), BootstrapLog::Serial.into_iden(), BootstrapLog::Time.into_iden()],
    ))
    .await?;

    super::create_table(
        m,
        Table::create()
            .table(AuditLog::Table)
            .col(id(AuditLog::Id))
            .col(bigint(AuditLog::TenantId, false))
            .col(bigint(AuditLog::Time, false))
            .col(name(AuditLog::Principal, true))
            .col(name(AuditLog::Source, false))
            .col(short(AuditLog::Api, 64, false))
            .col(short(AuditLog::Method, 16, false))
            .col(long_text(b, AuditLog::Path, false))
            .col(ColumnDef::new(AuditLog::Status).integer().not_null())
            .take(),
    )
    .await?;
    m.create_index(index(
        "ix_audit_log_tenant_time",
        AuditLog::Table,
        &[AuditLog::TenantId.into_iden(), AuditLog::Time.into_iden()],
    ))
    .await?;

    super::create_table(
        m,
        Table::create()
            .table(EventOutbox::Table)
            .col(id(EventOutbox::Id))
            .col(bigint(EventOutbox::TenantId, false))
            .col(bigint(EventOutbox::Time, false))
            .col(short(EventOutbox::Topic, 64, false))
            .col(long_text(b, EventOutbox::Payload, false))
            .col(bigint(EventOutbox::DeliveredAt, true))
            .take(),
    )
    .await?;
    m.create_index(index(
        "ix_event_outbox_pending",
        EventOutbox::Table,
        &[EventOutbox::DeliveredAt.into_iden(), EventOutbox::Id.into_iden()],
    ))
    .await
}
