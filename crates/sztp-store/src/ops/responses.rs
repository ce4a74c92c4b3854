//! Responses (named conveyed information) and artifacts (files served to devices, stored as blobs).

use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::{delete_owned, find_owned, owned_write_err};
use crate::codec::{check_name, from_json, from_micros, from_u64, micros, now, to_json, to_u64};
use crate::entity::config::response;
use crate::entity::pki::artifact;
use crate::error::{Result, StoreError, db_err};
use crate::model::{Artifact, ArtifactMeta, Response, ResponseSpec, TenantId};
use crate::store::Store;

fn response_from_row(row: response::Model) -> Result<Response> {
    Ok(Response { name: row.name, spec: from_json(&row.spec, "response")? })
}

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

impl Store {
    /// Creates or replaces a response.
    pub async fn put_response(&self, tenant: TenantId, r: &Response) -> Result<()> {
        check_name("response", &r.name)?;
        let kind = match r.spec {
            ResponseSpec::Redirect { .. } => "redirect",
            ResponseSpec::Onboarding(_) => "onboarding",
        };
        let row = response::ActiveModel {
            tenant_id: Set(tenant.0),
            name: Set(r.name.clone()),
            kind: Set(kind.to_owned()),
            spec: Set(to_json(&r.spec, "response")?),
            updated_at: Set(micros(now())),
            ..Default::default()
        };
        let on_conflict = OnConflict::columns([response::Column::TenantId, response::Column::Name])
            .update_columns([response::Column::Kind, response::Column::Spec, response::Column::UpdatedAt])
            .to_owned();
        response::Entity::insert(row)
            .on_conflict(on_conflict)
            .exec_without_returning(&self.conn())
            .await
            .map_err(|e| owned_write_err(e, tenant, "response", &r.name))?;
        Ok(())
    }

    /// The response with this name.
    pub async fn get_response(&self, tenant: TenantId, name: &str) -> Result<Option<Response>> {
        let (t, n) = (response::Column::TenantId, response::Column::Name);
        find_owned::<response::Entity, _>(&self.conn(), t, n, tenant, name).await?.map(response_from_row).transpose()
    }

    /// All responses of the tenant, by name.
    pub async fn list_responses(&self, tenant: TenantId) -> Result<Vec<Response>> {
        let rows = response::Entity::find()
            .filter(response::Column::TenantId.eq(tenant.0))
            .order_by_asc(response::Column::Name)
            .all(&self.conn())
            .await
            .map_err(db_err)?;
        rows.into_iter().map(response_from_row).collect()
    }

    /// Deletes a response (rules naming it then match nothing).
    pub async fn delete_response(&self, tenant: TenantId, name: &str) -> Result<()> {
        let (t, n) = (response::Column::TenantId, response::Column::Name);
        delete_owned::<response::Entity, _>(&self.conn(), t, n, tenant, name, "response").await
    }

    /// Creates or replaces an artifact; `sha256` and `size` are the caller's (checked for shape, not recomputed).
    pub async fn put_artifact(&self, tenant: TenantId, a: &Artifact) -> Result<()> {
        check_name("artifact", &a.name)?;
        check_name("media type", &a.media_type)?;
        if a.sha256.len() != 32 {
            return Err(StoreError::Invalid(format!("artifact '{}': the SHA-256 must be 32 bytes", a.name)));
        }
        if usize::try_from(a.size).ok() != Some(a.content.len()) {
            return Err(StoreError::Invalid(format!(
                "artifact '{}': size {} does not match the {} bytes of content",
                a.name,
                a.size,
                a.content.len()
            )));
        }
        let row = artifact::ActiveModel {
            tenant_id: Set(tenant.0),
            name: Set(a.name.clone()),
            media_type: Set(a.media_type.clone()),
            sha256: Set(a.sha256.clone()),
            size: Set(from_u64(a.size, "artifact size")?),
            content: Set(a.content.clone()),
            updated_at: Set(micros(now())),
            ..Default::default()
        };
        use artifact::Column as C;
        let on_conflict = OnConflict::columns([C::TenantId, C::Name])
            .update_columns([C::MediaType, C::Sha256, C::Size, C::Content, C::UpdatedAt])
            .to_owned();
        artifact::Entity::insert(row)
            .on_conflict(on_conflict)
            .exec_without_returning(&self.conn())
            .await
            .map_err(|e| owned_write_err(e, tenant, "artifact", &a.name))?;
        Ok(())
    }

    /// The artifact with this name, content included.
    pub async fn get_artifact(&self, tenant: TenantId, name: &str) -> Result<Option<Artifact>> {
        let (t, n) = (artifact::Column::TenantId, artifact::Column::Name);
        let Some(row) = find_owned::<artifact::Entity, _>(&self.conn(), t, n, tenant, name).await? else {
            return Ok(None);
        };
        Ok(Some(Artifact {
            size: to_u64(row.size, "artifact size")?,
            name: row.name,
            media_type: row.media_type,
            sha256: row.sha256,
            content: row.content,
        }))
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

    /// Deletes an artifact.
    pub async fn delete_artifact(&self, tenant: TenantId, name: &str) -> Result<()> {
        let (t, n) = (artifact::Column::TenantId, artifact::Column::Name);
        delete_owned::<artifact::Entity, _>(&self.conn(), t, n, tenant, name, "artifact").await
    }
}
