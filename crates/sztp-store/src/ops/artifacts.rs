//! Artifacts (files served to devices): a metadata row naming a blob, whose content is stored in
//! chunks so that uploads and downloads run at constant memory, whatever the file's size.

use sea_orm::sea_query::{OnConflict, Query};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait};
use time::OffsetDateTime;

use super::{delete_owned, find_owned, owned_write_err};
use crate::codec::{check_name, from_micros, from_u64, micros, now, to_u64};
use crate::entity::pki::{artifact, artifact_blob, artifact_chunk};
use crate::error::{Result, StoreError, db_err};
use crate::model::{Artifact, ArtifactMeta, TenantId};
use crate::store::Store;

/// Bytes per stored chunk: what one download or upload holds in memory at a time.
pub const ARTIFACT_CHUNK: usize = 256 * 1024;
/// SHA-256 of no bytes: the hash of an artifact created without content.
const EMPTY_SHA256: [u8; 32] = [
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41,
    0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
];

/// Columns of an artifact without its content.
type MetaRow = (String, String, Vec<u8>, i64, i64);

fn meta_from_row((name, media_type, sha256, size, updated_at): MetaRow) -> Result<ArtifactMeta> {
    Ok(ArtifactMeta {
        name,
        media_type,
        sha256,
        size: to_u64(size, "artifact size")?,
        updated_at: from_micros(updated_at, "artifact update")?,
    })
}

fn meta_columns<S: QuerySelect>(q: S) -> S {
    q.select_only().columns([
        artifact::Column::Name,
        artifact::Column::MediaType,
        artifact::Column::Sha256,
        artifact::Column::Size,
        artifact::Column::UpdatedAt,
    ])
}

/// An upload in progress: bytes go to a new blob chunk by chunk; [`ArtifactUpload::finish`]
/// makes the blob an artifact's content. An upload never finished is collected as garbage.
#[derive(Debug)]
pub struct ArtifactUpload {
    store: Store,
    blob: i64,
    buffer: Vec<u8>,
    seq: i32,
    size: u64,
}

/// Reads one artifact's content a chunk at a time ([`ArtifactReader::next_chunk`]).
#[derive(Debug)]
pub struct ArtifactReader {
    store: Store,
    blob: Option<i64>,
    seq: i32,
    remaining: u64,
}

impl Store {
    /// Starts an upload into a new blob.
    pub async fn begin_artifact_upload(&self) -> Result<ArtifactUpload> {
        let row = artifact_blob::ActiveModel { size: Set(0), updated_at: Set(micros(now())), ..Default::default() };
        let blob = artifact_blob::Entity::insert(row).exec(&self.conn()).await.map_err(db_err)?.last_insert_id;
        Ok(ArtifactUpload { store: self.clone(), blob, buffer: Vec::with_capacity(ARTIFACT_CHUNK), seq: 0, size: 0 })
    }

    /// Creates or replaces an artifact whose content is at hand; `sha256` and `size` are the
    /// caller's (checked for shape, not recomputed).
    pub async fn put_artifact(&self, tenant: TenantId, a: &Artifact) -> Result<()> {
        if usize::try_from(a.size).ok() != Some(a.content.len()) {
            let (name, size, len) = (&a.name, a.size, a.content.len());
            return Err(StoreError::Invalid(format!(
                "artifact '{name}': size {size} does not match the {len} bytes of content"
            )));
        }
        check_artifact(&a.name, &a.media_type, &a.sha256)?;
        let mut upload = self.begin_artifact_upload().await?;
        upload.write(&a.content).await?;
        let result = upload.finish(tenant, &a.name, &a.media_type, &a.sha256).await.map(|_| ());
        if result.is_ok() {
            self.config_changed();
        }
        result
    }

    /// Sets an artifact's media type, creating it empty if it does not exist; whether it did.
    pub async fn put_artifact_meta(&self, tenant: TenantId, name: &str, media_type: &str) -> Result<bool> {
        check_artifact(name, media_type, &EMPTY_SHA256)?;
        let txn = self.conn().begin().await.map_err(db_err)?;
        let (t, n) = (artifact::Column::TenantId, artifact::Column::Name);
        let existing = find_owned::<artifact::Entity, _>(&txn, t, n, tenant, name).await?;
        let existed = existing.is_some();
        let row = match existing {
            Some(row) => {
                let mut row: artifact::ActiveModel = row.into();
                row.media_type = Set(media_type.to_owned());
                row.updated_at = Set(micros(now()));
                artifact::Entity::update(row).exec(&txn).await.map(|_| ())
            }
            None => artifact::Entity::insert(artifact::ActiveModel {
                tenant_id: Set(tenant.0),
                name: Set(name.to_owned()),
                media_type: Set(media_type.to_owned()),
                sha256: Set(EMPTY_SHA256.to_vec()),
                size: Set(0),
                blob_id: Set(None),
                updated_at: Set(micros(now())),
                ..Default::default()
            })
            .exec_without_returning(&txn)
            .await
            .map(|_| ()),
        };
        row.map_err(|e| owned_write_err(e, tenant, "artifact", name))?;
        txn.commit().await.map_err(db_err)?;
        self.config_changed();
        Ok(existed)
    }

    /// The artifact with this name, content included (read whole: for small artifacts).
    pub async fn get_artifact(&self, tenant: TenantId, name: &str) -> Result<Option<Artifact>> {
        let Some((meta, mut reader)) = self.read_artifact(tenant, name).await? else { return Ok(None) };
        let mut content = Vec::new();
        while let Some(chunk) = reader.next_chunk().await? {
            content.extend_from_slice(&chunk);
        }
        let ArtifactMeta { name, media_type, sha256, size, .. } = meta;
        Ok(Some(Artifact { name, media_type, sha256, size, content }))
    }

    /// The artifact's metadata and a reader of its content.
    pub async fn read_artifact(&self, tenant: TenantId, name: &str) -> Result<Option<(ArtifactMeta, ArtifactReader)>> {
        let (t, n) = (artifact::Column::TenantId, artifact::Column::Name);
        let Some(row) = find_owned::<artifact::Entity, _>(&self.conn(), t, n, tenant, name).await? else {
            return Ok(None);
        };
        let blob = row.blob_id;
        let meta = meta_from_row((row.name, row.media_type, row.sha256, row.size, row.updated_at))?;
        let reader = ArtifactReader { store: self.clone(), blob, seq: 0, remaining: meta.size };
        Ok(Some((meta, reader)))
    }

    /// The artifact's metadata, without reading its content.
    pub async fn artifact_meta(&self, tenant: TenantId, name: &str) -> Result<Option<ArtifactMeta>> {
        let q = artifact::Entity::find()
            .filter(artifact::Column::TenantId.eq(tenant.0))
            .filter(artifact::Column::Name.eq(name));
        let row = meta_columns(q).into_tuple::<MetaRow>().one(&self.conn()).await.map_err(db_err)?;
        row.map(meta_from_row).transpose()
    }

    /// Metadata of all artifacts of the tenant, by name.
    pub async fn list_artifacts(&self, tenant: TenantId) -> Result<Vec<ArtifactMeta>> {
        let q = artifact::Entity::find()
            .filter(artifact::Column::TenantId.eq(tenant.0))
            .order_by_asc(artifact::Column::Name);
        let rows = meta_columns(q).into_tuple::<MetaRow>().all(&self.conn()).await.map_err(db_err)?;
        rows.into_iter().map(meta_from_row).collect()
    }

    /// Deletes an artifact; its content stays readable to downloads under way until collected.
    pub async fn delete_artifact(&self, tenant: TenantId, name: &str) -> Result<()> {
        let txn = self.conn().begin().await.map_err(db_err)?;
        let (t, n) = (artifact::Column::TenantId, artifact::Column::Name);
        if let Some(row) = find_owned::<artifact::Entity, _>(&txn, t, n, tenant, name).await? {
            touch_blob(&txn, row.blob_id).await?;
        }
        delete_owned::<artifact::Entity, _>(&txn, t, n, tenant, name, "artifact").await?;
        let result = txn.commit().await.map_err(db_err);
        if result.is_ok() {
            self.config_changed();
        }
        result
    }

    /// Deletes up to `batch` blobs that no artifact names and that were last touched before
    /// `cutoff` (abandoned uploads, replaced and deleted content), with their chunks.
    pub async fn collect_artifact_blobs(&self, cutoff: OffsetDateTime, batch: u64) -> Result<u64> {
        let named = Query::select()
            .column(artifact::Column::BlobId)
            .from(artifact::Entity)
            .and_where(artifact::Column::BlobId.is_not_null())
            .to_owned();
        let ids: Vec<i64> = artifact_blob::Entity::find()
            .select_only()
            .column(artifact_blob::Column::Id)
            .filter(artifact_blob::Column::UpdatedAt.lt(micros(cutoff)))
            .filter(artifact_blob::Column::Id.not_in_subquery(named))
            .order_by_asc(artifact_blob::Column::Id)
            .limit(batch)
            .into_tuple()
            .all(&self.conn())
            .await
            .map_err(db_err)?;
        if ids.is_empty() {
            return Ok(0);
        }
        let txn = self.conn().begin().await.map_err(db_err)?;
        let chunks = artifact_chunk::Entity::delete_many().filter(artifact_chunk::Column::BlobId.is_in(ids.clone()));
        chunks.exec(&txn).await.map_err(db_err)?;
        let blobs = artifact_blob::Entity::delete_many().filter(artifact_blob::Column::Id.is_in(ids));
        let deleted = blobs.exec(&txn).await.map_err(db_err)?.rows_affected;
        txn.commit().await.map_err(db_err)?;
        Ok(deleted)
    }
}

impl ArtifactUpload {
    /// Bytes written so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends bytes; every full chunk is stored at once.
    pub async fn write(&mut self, mut data: &[u8]) -> Result<()> {
        while !data.is_empty() {
            let take = (ARTIFACT_CHUNK - self.buffer.len()).min(data.len());
            self.buffer.extend_from_slice(&data[..take]);
            self.size += take as u64;
            data = &data[take..];
            if self.buffer.len() == ARTIFACT_CHUNK {
                self.flush().await?;
            }
        }
        Ok(())
    }

    async fn flush(&mut self) -> Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let data = std::mem::replace(&mut self.buffer, Vec::with_capacity(ARTIFACT_CHUNK));
        let row = artifact_chunk::ActiveModel {
            blob_id: Set(self.blob),
            seq: Set(self.seq),
            data: Set(data),
            ..Default::default()
        };
        let db = self.store.conn();
        artifact_chunk::Entity::insert(row).exec_without_returning(&db).await.map_err(db_err)?;
        self.seq = self.seq.checked_add(1).ok_or_else(|| StoreError::Invalid("artifact has too many chunks".into()))?;
        // Keeps a long upload from looking abandoned.
        touch_blob(&db, Some(self.blob)).await
    }

    /// Makes the uploaded bytes the content of artifact `name` (created or replaced, with this
    /// media type and the caller's SHA-256 of the bytes); whether the artifact existed. Content it
    /// replaces stays readable to downloads under way until collected.
    pub async fn finish(mut self, tenant: TenantId, name: &str, media_type: &str, sha256: &[u8]) -> Result<bool> {
        check_artifact(name, media_type, sha256)?;
        self.flush().await?;
        let store = &self.store;
        let txn = store.conn().begin().await.map_err(db_err)?;
        let size = from_u64(self.size, "artifact size")?;
        let blob = artifact_blob::ActiveModel { id: Set(self.blob), size: Set(size), updated_at: Set(micros(now())) };
        artifact_blob::Entity::update(blob).exec(&txn).await.map_err(db_err)?;
        let (t, n) = (artifact::Column::TenantId, artifact::Column::Name);
        let old = find_owned::<artifact::Entity, _>(&txn, t, n, tenant, name).await?;
        if let Some(old) = &old {
            touch_blob(&txn, old.blob_id).await?;
        }
        let row = artifact::ActiveModel {
            tenant_id: Set(tenant.0),
            name: Set(name.to_owned()),
            media_type: Set(media_type.to_owned()),
            sha256: Set(sha256.to_vec()),
            size: Set(size),
            blob_id: Set(Some(self.blob)),
            updated_at: Set(micros(now())),
            ..Default::default()
        };
        use artifact::Column as C;
        let on_conflict = OnConflict::columns([C::TenantId, C::Name])
            .update_columns([C::MediaType, C::Sha256, C::Size, C::BlobId, C::UpdatedAt])
            .to_owned();
        artifact::Entity::insert(row)
            .on_conflict(on_conflict)
            .exec_without_returning(&txn)
            .await
            .map_err(|e| owned_write_err(e, tenant, "artifact", name))?;
        txn.commit().await.map_err(db_err)?;
        store.config_changed();
        Ok(old.is_some())
    }
}

impl ArtifactReader {
    /// Bytes still to come.
    pub fn remaining(&self) -> u64 {
        self.remaining
    }

    /// The next chunk of content, or `None` after the last.
    pub async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>> {
        let Some(blob) = self.blob.filter(|_| self.remaining > 0) else { return Ok(None) };
        let data: Option<Vec<u8>> = artifact_chunk::Entity::find()
            .select_only()
            .column(artifact_chunk::Column::Data)
            .filter(artifact_chunk::Column::BlobId.eq(blob))
            .filter(artifact_chunk::Column::Seq.eq(self.seq))
            .into_tuple()
            .one(&self.store.conn())
            .await
            .map_err(db_err)?;
        let gone = || StoreError::Database("the artifact's content changed while it was being read".into());
        let data = data.ok_or_else(gone)?;
        self.remaining = self.remaining.checked_sub(data.len() as u64).ok_or_else(gone)?;
        self.seq += 1;
        Ok(Some(data))
    }
}

fn check_artifact(name: &str, media_type: &str, sha256: &[u8]) -> Result<()> {
    check_name("artifact", name)?;
    check_name("media type", media_type)?;
    if sha256.len() != 32 {
        return Err(StoreError::Invalid(format!("artifact '{name}': the SHA-256 must be 32 bytes")));
    }
    Ok(())
}

/// Marks a blob as recently used, so that collection leaves it alone for a while.
async fn touch_blob<C: sea_orm::ConnectionTrait>(db: &C, blob: Option<i64>) -> Result<()> {
    let Some(blob) = blob else { return Ok(()) };
    artifact_blob::Entity::update_many()
        .col_expr(artifact_blob::Column::UpdatedAt, sea_orm::sea_query::Expr::value(micros(now())))
        .filter(artifact_blob::Column::Id.eq(blob))
        .exec(db)
        .await
        .map_err(db_err)?;
    Ok(())
}
