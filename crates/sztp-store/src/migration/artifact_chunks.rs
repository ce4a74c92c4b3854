//! Migration 7: artifact content leaves the `artifacts` row for blobs stored in chunks, so that
//! uploads and downloads stream at constant memory. Existing content moves, whole, into one chunk.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

use super::{id, long_blob};

#[derive(DeriveIden)]
enum Artifacts {
    Table,
    Id,
    Size,
    Content,
    BlobId,
}

#[derive(DeriveIden)]
enum ArtifactBlobs {
    Table,
    Id,
    Size,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ArtifactChunks {
    Table,
    Id,
    BlobId,
    Seq,
    Data,
}

pub(super) async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    let b = m.get_database_backend();
    super::create_table(
        m,
        Table::create()
            .table(ArtifactBlobs::Table)
            .col(id(ArtifactBlobs::Id))
            .col(ColumnDef::new(ArtifactBlobs::Size).big_integer().not_null())
            .col(ColumnDef::new(ArtifactBlobs::UpdatedAt).big_integer().not_null())
            .take(),
    )
    .await?;
    super::create_table(
        m,
        Table::create()
            .table(ArtifactChunks::Table)
            .col(id(ArtifactChunks::Id))
            .col(ColumnDef::new(ArtifactChunks::BlobId).big_integer().not_null())
            .col(ColumnDef::new(ArtifactChunks::Seq).integer().not_null())
            .col(long_blob(b, ArtifactChunks::Data, false))
            .index(&mut super::unique(
                "ux_artifact_chunks_blob_seq",
                ArtifactChunks::Table,
                &[ArtifactChunks::BlobId.into_iden(), ArtifactChunks::Seq.into_iden()],
            ))
            .take(),
    )
    .await?;
    let column = ColumnDef::new(Artifacts::BlobId).big_integer().null().to_owned();
    m.alter_table(Table::alter().table(Artifacts::Table).add_column(column).to_owned()).await?;
    move_content(m, b).await?;
    m.alter_table(Table::alter().table(Artifacts::Table).drop_column(Artifacts::Content).to_owned()).await
}

/// Each non-empty artifact's content becomes a blob of one chunk.
async fn move_content(m: &SchemaManager<'_>, b: DbBackend) -> Result<(), DbErr> {
    let db = m.get_connection();
    let select = Query::select()
        .columns([Artifacts::Id, Artifacts::Size])
        .from(Artifacts::Table)
        .and_where(Expr::col(Artifacts::Size).gt(0))
        .to_owned();
    let now = crate::codec::micros(crate::codec::now());
    for row in db.query_all(&select).await? {
        let artifact: i64 = row.try_get_by_index(0)?;
        let size: i64 = row.try_get_by_index(1)?;
        let mut insert = Query::insert();
        insert
            .into_table(ArtifactBlobs::Table)
            .columns([ArtifactBlobs::Size, ArtifactBlobs::UpdatedAt])
            .values([Expr::val(size), Expr::val(now)])
            .map_err(|e| DbErr::Migration(e.to_string()))?;
        let blob = if b == DbBackend::MySql {
            let done = db.execute(&insert).await?;
            <i64 as TryFrom<u64>>::try_from(done.last_insert_id()).map_err(|e| DbErr::Migration(e.to_string()))?
        } else {
            insert.returning_col(ArtifactBlobs::Id);
            let row = db.query_one(&insert).await?.ok_or_else(|| DbErr::Migration("no blob id returned".into()))?;
            row.try_get_by_index(0)?
        };
        let content = Query::select()
            .expr(Expr::val(blob))
            .expr(Expr::val(0))
            .column(Artifacts::Content)
            .from(Artifacts::Table)
            .and_where(Expr::col(Artifacts::Id).eq(artifact))
            .to_owned();
        let copy = Query::insert()
            .into_table(ArtifactChunks::Table)
            .columns([ArtifactChunks::BlobId, ArtifactChunks::Seq, ArtifactChunks::Data])
            .select_from(content)
            .map_err(|e| DbErr::Migration(e.to_string()))?
            .to_owned();
        db.execute(&copy).await?;
        let link = Query::update()
            .table(Artifacts::Table)
            .value(Artifacts::BlobId, blob)
            .and_where(Expr::col(Artifacts::Id).eq(artifact))
            .to_owned();
        db.execute(&link).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait as _, Database};
    use sea_orm_migration::MigratorTrait as _;

    use crate::model::TenantId;
    use crate::store::Store;

    /// Databases to upgrade: an SQLite file, and a fresh database on each server named by
    /// SZTP_TEST_POSTGRES_URL / SZTP_TEST_MYSQL_URL when the crate is built for it.
    async fn databases(dir: &std::path::Path) -> Vec<(String, Option<(sea_orm::DatabaseConnection, String)>)> {
        let mut all = vec![(format!("sqlite://{}?mode=rwc", dir.join("old.db").display()), None)];
        let mut servers = Vec::new();
        if cfg!(feature = "postgres") {
            servers.push("SZTP_TEST_POSTGRES_URL");
        }
        if cfg!(feature = "mysql") {
            servers.push("SZTP_TEST_MYSQL_URL");
        }
        for var in servers {
            let Ok(base) = std::env::var(var) else { continue };
            let admin = Database::connect(base.as_str()).await.unwrap();
            let name = format!("sztp_m7_{}", std::process::id());
            admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}")).await.unwrap();
            admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.unwrap();
            let prefix = base.split('?').next().unwrap_or_default().rsplit_once('/').map_or("", |(p, _)| p).to_owned();
            all.push((format!("{prefix}/{name}"), Some((admin, name))));
        }
        all
    }

    /// Content stored in the row by migration 6's schema is readable, unchanged, after 7.
    #[tokio::test]
    async fn content_in_the_row_moves_into_chunks() {
        let dir = tempfile::tempdir().unwrap();
        for (url, server) in databases(dir.path()).await {
            let db = Database::connect(url.as_str()).await.unwrap();
            super::super::Migrator::up(&db, Some(6)).await.unwrap();
            let content: Vec<u8> = (0..300_000u32).map(|i| (i % 249) as u8).collect();
            let hex: String = content.iter().map(|b| format!("{b:02x}")).collect();
            let blob = |h: &str| match db.get_database_backend() {
                sea_orm::DbBackend::Postgres => format!("decode('{h}', 'hex')"),
                _ => format!("x'{h}'"),
            };
            for (name, bytes) in [("os.img", blob(&hex)), ("empty.txt", blob(""))] {
                let size = if name == "os.img" { content.len() } else { 0 };
                let sql = format!(
                    "INSERT INTO artifacts (tenant_id, name, media_type, sha256, size, content, updated_at) \
                     VALUES (1, '{name}', 'application/octet-stream', {}, {size}, {bytes}, 0)",
                    blob(&"ab".repeat(32))
                );
                db.execute_unprepared(&sql).await.unwrap();
            }
            super::super::Migrator::up(&db, None).await.unwrap();
            let store = Store::over(db);
            let moved = store.get_artifact(TenantId::DEFAULT, "os.img").await.unwrap().unwrap();
            assert_eq!((moved.size, moved.sha256, moved.content == content), (300_000, vec![0xab; 32], true), "{url}");
            let empty = store.get_artifact(TenantId::DEFAULT, "empty.txt").await.unwrap().unwrap();
            assert!(empty.content.is_empty(), "{url}");
            store.close().await.unwrap();
            if let Some((admin, name)) = server {
                admin.execute_unprepared(&format!("DROP DATABASE {name}")).await.unwrap();
            }
        }
    }
}
