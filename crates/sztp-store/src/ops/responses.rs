//! Responses: named conveyed information.

use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use super::{delete_owned, find_owned, owned_write_err};
use crate::codec::{check_name, from_json, micros, now, to_json};
use crate::entity::config::response;
use crate::error::{Result, db_err};
use crate::model::{Response, ResponseSpec, TenantId};
use crate::store::Store;

fn response_from_row(row: response::Model) -> Result<Response> {
    Ok(Response { name: row.name, spec: from_json(&row.spec, "response")? })
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
        self.config_changed();
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
        let result = delete_owned::<response::Entity, _>(&self.conn(), t, n, tenant, name, "response").await;
        if result.is_ok() {
            self.config_changed();
        }
        result
    }
}
