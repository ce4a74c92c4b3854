//! Migration 1, configuration part: tenants (with the default tenant), endpoints, keystore,
//! trust bags, device types, devices, responses, artifacts, owner certificates, vouchers.

use sea_orm_migration::prelude::*;

use super::{id, index, long_blob, long_text, name, short, unique};

#[derive(DeriveIden)]
pub(super) enum Tenants {
    Table,
    Id,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Endpoints {
    Table,
    Id,
    TenantId,
    Name,
    Address,
    Port,
    Tls,
    Apis,
    ExternalAddress,
    Enabled,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Keystore {
    Table,
    Id,
    TenantId,
    Name,
    Algorithm,
    PublicKeyDer,
    SealedPrivateKey,
    CreatedAt,
}

#[derive(DeriveIden)]
enum TrustBags {
    Table,
    Id,
    TenantId,
    Name,
    Description,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum TrustBagCertificates {
    Table,
    Id,
    TenantId,
    TrustBagId,
    Position,
    CertDer,
}

#[derive(DeriveIden)]
enum DeviceTypes {
    Table,
    Id,
    TenantId,
    Name,
    TrustBag,
    AllowSha1,
    SerialRule,
    Profile,
    Signing,
    Encrypt,
    OwnerCertificate,
    ReportingLevel,
    Rules,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Devices {
    Table,
    Id,
    TenantId,
    Serial,
    DeviceType,
    ActivationCodeHash,
    IdevidCertDer,
    ReportingLevel,
    Signing,
    Encrypt,
    OwnerCertificate,
    Rules,
    Enabled,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Responses {
    Table,
    Id,
    TenantId,
    Name,
    Kind,
    Spec,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Artifacts {
    Table,
    Id,
    TenantId,
    Name,
    MediaType,
    Sha256,
    Size,
    Content,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum OwnerCertificates {
    Table,
    Id,
    TenantId,
    Name,
    KeyName,
    CertChainPem,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Vouchers {
    Table,
    Id,
    TenantId,
    Serial,
    CmsDer,
    ExpiresAt,
    UpdatedAt,
}

/// `tenant_id BIGINT NOT NULL REFERENCES tenants(id)`.
///
/// Foreign keys use NO ACTION rather than RESTRICT: SQLite implements RESTRICT as a trigger whose
/// error code (1811) is not reported as a foreign-key violation, while NO ACTION gives 787.
fn tenant_fk(fk_name: &str, table: impl IntoIden, col: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(fk_name)
        .from(table, col)
        .to(Tenants::Table, Tenants::Id)
        .on_delete(ForeignKeyAction::NoAction)
        .on_update(ForeignKeyAction::NoAction)
        .take()
}

/// A table with `id`, `tenant_id` and a unique `(tenant_id, key)`.
fn owned_table(table: impl IntoIden, id_col: impl IntoIden, tenant: impl IntoIden) -> TableCreateStatement {
    let (t, tenant) = (table.into_iden(), tenant.into_iden());
    let mut c = Table::create();
    c.table(t.clone())
        .col(super::id(id_col))
        .col(ColumnDef::new(tenant.clone()).big_integer().not_null())
        .foreign_key(&mut tenant_fk(&format!("fk_{t}_tenant"), t.clone(), tenant));
    c
}

pub(super) async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    let b = m.get_database_backend();
    super::create_table(
        m,
        Table::create()
            .table(Tenants::Table)
            .col(id(Tenants::Id))
            .col(name(Tenants::Name, false).unique_key())
            .col(ColumnDef::new(Tenants::CreatedAt).big_integer().not_null())
            .take(),
    )
    .await?;
    // Inserted without an id so every backend's sequence hands out 1 and stays in step.
    let now = crate::codec::micros(crate::codec::now());
    let mut insert = Query::insert();
    insert
        .into_table(Tenants::Table)
        .columns([Tenants::Name, Tenants::CreatedAt])
        .values([Expr::val("default"), Expr::val(now)])
        .map_err(|e| DbErr::Migration(e.to_string()))?;
    m.exec_stmt(insert).await?;

    super::create_table(
        m,
        owned_table(Endpoints::Table, Endpoints::Id, Endpoints::TenantId)
            .col(name(Endpoints::Name, false).unique_key())
            .col(short(Endpoints::Address, 64, false))
            .col(ColumnDef::new(Endpoints::Port).integer().not_null())
            .col(long_text(b, Endpoints::Tls, true))
            .col(ColumnDef::new(Endpoints::Apis).text().not_null())
            .col(name(Endpoints::ExternalAddress, true))
            .col(ColumnDef::new(Endpoints::Enabled).boolean().not_null())
            .col(ColumnDef::new(Endpoints::UpdatedAt).big_integer().not_null())
            .take(),
    )
    .await?;

    super::create_table(
        m,
        owned_table(Keystore::Table, Keystore::Id, Keystore::TenantId)
            .col(name(Keystore::Name, false))
            .col(short(Keystore::Algorithm, 64, false))
            .col(long_blob(b, Keystore::PublicKeyDer, false))
            .col(long_blob(b, Keystore::SealedPrivateKey, false))
            .col(ColumnDef::new(Keystore::CreatedAt).big_integer().not_null())
            .index(&mut unique(
                "ux_keystore_tenant_name",
                Keystore::Table,
                &[Keystore::TenantId.into_iden(), Keystore::Name.into_iden()],
            ))
            .take(),
    )
    .await?;

    super::create_table(
        m,
        owned_table(TrustBags::Table, TrustBags::Id, TrustBags::TenantId)
            .col(name(TrustBags::Name, false))
            .col(ColumnDef::new(TrustBags::Description).text().null())
            .col(ColumnDef::new(TrustBags::UpdatedAt).big_integer().not_null())
            .index(&mut unique(
                "ux_trust_bags_tenant_name",
                TrustBags::Table,
                &[TrustBags::TenantId.into_iden(), TrustBags::Name.into_iden()],
            ))
            .take(),
    )
    .await?;
    super::create_table(
        m,
        owned_table(TrustBagCertificates::Table, TrustBagCertificates::Id, TrustBagCertificates::TenantId)
            .col(ColumnDef::new(TrustBagCertificates::TrustBagId).big_integer().not_null())
            .col(ColumnDef::new(TrustBagCertificates::Position).integer().not_null())
            .col(long_blob(b, TrustBagCertificates::CertDer, false))
            .foreign_key(
                ForeignKey::create()
                    .name("fk_trust_bag_certificates_bag")
                    .from(TrustBagCertificates::Table, TrustBagCertificates::TrustBagId)
                    .to(TrustBags::Table, TrustBags::Id)
                    .on_delete(ForeignKeyAction::Cascade)
                    .on_update(ForeignKeyAction::NoAction),
            )
            .take(),
    )
    .await?;
    m.create_index(index(
        "ix_trust_bag_certificates_bag",
        TrustBagCertificates::Table,
        &[TrustBagCertificates::TrustBagId.into_iden(), TrustBagCertificates::Position.into_iden()],
    ))
    .await?;
    m.create_index(index(
        "ix_trust_bag_certificates_tenant",
        TrustBagCertificates::Table,
        &[TrustBagCertificates::TenantId.into_iden()],
    ))
    .await?;

    super::create_table(
        m,
        owned_table(DeviceTypes::Table, DeviceTypes::Id, DeviceTypes::TenantId)
            .col(name(DeviceTypes::Name, false))
            .col(name(DeviceTypes::TrustBag, true))
            .col(ColumnDef::new(DeviceTypes::AllowSha1).boolean().not_null())
            .col(long_text(b, DeviceTypes::SerialRule, false))
            .col(short(DeviceTypes::Profile, 32, false))
            .col(short(DeviceTypes::Signing, 32, false))
            .col(ColumnDef::new(DeviceTypes::Encrypt).boolean().not_null())
            .col(name(DeviceTypes::OwnerCertificate, true))
            .col(short(DeviceTypes::ReportingLevel, 32, false))
            .col(long_text(b, DeviceTypes::Rules, false))
            .col(ColumnDef::new(DeviceTypes::UpdatedAt).big_integer().not_null())
            .index(&mut unique(
                "ux_device_types_tenant_name",
                DeviceTypes::Table,
                &[DeviceTypes::TenantId.into_iden(), DeviceTypes::Name.into_iden()],
            ))
            .take(),
    )
    .await?;

    super::create_table(
        m,
        owned_table(Devices::Table, Devices::Id, Devices::TenantId)
            .col(name(Devices::Serial, false))
            .col(name(Devices::DeviceType, false))
            .col(ColumnDef::new(Devices::ActivationCodeHash).text().null())
            .col(long_blob(b, Devices::IdevidCertDer, true))
            .col(short(Devices::ReportingLevel, 32, true))
            .col(short(Devices::Signing, 32, true))
            .col(ColumnDef::new(Devices::Encrypt).boolean().null())
            .col(name(Devices::OwnerCertificate, true))
            .col(long_text(b, Devices::Rules, false))
            .col(ColumnDef::new(Devices::Enabled).boolean().not_null())
            .col(ColumnDef::new(Devices::UpdatedAt).big_integer().not_null())
            .index(&mut unique(
                "ux_devices_tenant_serial",
                Devices::Table,
                &[Devices::TenantId.into_iden(), Devices::Serial.into_iden()],
            ))
            .foreign_key(
                ForeignKey::create()
                    .name("fk_devices_device_type")
                    .from(Devices::Table, (Devices::TenantId, Devices::DeviceType))
                    .to(DeviceTypes::Table, (DeviceTypes::TenantId, DeviceTypes::Name))
                    .on_delete(ForeignKeyAction::NoAction)
                    .on_update(ForeignKeyAction::NoAction),
            )
            .take(),
    )
    .await?;
    m.create_index(index(
        "ix_devices_tenant_type",
        Devices::Table,
        &[Devices::TenantId.into_iden(), Devices::DeviceType.into_iden()],
    ))
    .await?;

    super::create_table(
        m,
        owned_table(Responses::Table, Responses::Id, Responses::TenantId)
            .col(name(Responses::Name, false))
            .col(short(Responses::Kind, 32, false))
            .col(long_text(b, Responses::Spec, false))
            .col(ColumnDef::new(Responses::UpdatedAt).big_integer().not_null())
            .index(&mut unique(
                "ux_responses_tenant_name",
                Responses::Table,
                &[Responses::TenantId.into_iden(), Responses::Name.into_iden()],
            ))
            .take(),
    )
    .await?;

    super::create_table(
        m,
        owned_table(Artifacts::Table, Artifacts::Id, Artifacts::TenantId)
            .col(name(Artifacts::Name, false))
            .col(name(Artifacts::MediaType, false))
            .col(long_blob(b, Artifacts::Sha256, false))
            .col(ColumnDef::new(Artifacts::Size).big_integer().not_null())
            .col(long_blob(b, Artifacts::Content, false))
            .col(ColumnDef::new(Artifacts::UpdatedAt).big_integer().not_null())
            .index(&mut unique(
                "ux_artifacts_tenant_name",
                Artifacts::Table,
                &[Artifacts::TenantId.into_iden(), Artifacts::Name.into_iden()],
            ))
            .take(),
    )
    .await?;

    super::create_table(
        m,
        owned_table(OwnerCertificates::Table, OwnerCertificates::Id, OwnerCertificates::TenantId)
            .col(name(OwnerCertificates::Name, false))
            .col(name(OwnerCertificates::KeyName, false))
            .col(long_text(b, OwnerCertificates::CertChainPem, false))
            .col(ColumnDef::new(OwnerCertificates::UpdatedAt).big_integer().not_null())
            .index(&mut unique(
                "ux_owner_certificates_tenant_name",
                OwnerCertificates::Table,
                &[OwnerCertificates::TenantId.into_iden(), OwnerCertificates::Name.into_iden()],
            ))
            .take(),
    )
    .await?;

    super::create_table(
        m,
        owned_table(Vouchers::Table, Vouchers::Id, Vouchers::TenantId)
            .col(name(Vouchers::Serial, false))
            .col(long_blob(b, Vouchers::CmsDer, false))
            .col(ColumnDef::new(Vouchers::ExpiresAt).big_integer().null())
            .col(ColumnDef::new(Vouchers::UpdatedAt).big_integer().not_null())
            .index(&mut unique(
                "ux_vouchers_tenant_serial",
                Vouchers::Table,
                &[Vouchers::TenantId.into_iden(), Vouchers::Serial.into_iden()],
            ))
            .take(),
    )
    .await
}
