//! Undo journals: a multi-step change (a YANG Patch) writes how to undo each step before taking
//! it, and forgets the journal once it is done or undone; journals found at start-up belong to
//! changes cut short by a crash, and are undone then.

use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::codec::{MAX_NAME_LEN, from_json, from_micros, micros, now, to_json};
use crate::entity::journal::{change_journal, change_undo};
use crate::error::{Result, db_err};
use crate::model::{ChangeJournal, JournalId};
use crate::store::Store;

impl Store {
    /// Starts the journal of a change, named `label` in logs.
    pub async fn journal_open(&self, label: &str) -> Result<JournalId> {
        let row = change_journal::ActiveModel {
            label: Set(super::clip(label, MAX_NAME_LEN)),
            started_at: Set(micros(now())),
            ..Default::default()
        };
        let id = change_journal::Entity::insert(row).exec(&self.conn()).await.map_err(db_err)?.last_insert_id;
        Ok(JournalId(id))
    }

    /// Appends how to undo the next step; it is stored before this returns.
    pub async fn journal_append(&self, journal: JournalId, undo: &serde_json::Value) -> Result<()> {
        let row = change_undo::ActiveModel {
            journal_id: Set(journal.0),
            record: Set(to_json(undo, "undo record")?),
            ..Default::default()
        };
        change_undo::Entity::insert(row).exec_without_returning(&self.conn()).await.map_err(db_err)?;
        Ok(())
    }

    /// Forgets a journal and its records (the change is complete, or undone).
    pub async fn journal_close(&self, journal: JournalId) -> Result<()> {
        change_journal::Entity::delete_by_id(journal.0).exec(&self.conn()).await.map_err(db_err)?;
        Ok(())
    }

    /// The journals still open, oldest first, each with its undo records in the order written.
    pub async fn journals_open(&self) -> Result<Vec<ChangeJournal>> {
        let heads = change_journal::Entity::find()
            .order_by_asc(change_journal::Column::Id)
            .all(&self.conn())
            .await
            .map_err(db_err)?;
        let mut out = Vec::with_capacity(heads.len());
        for head in heads {
            let records = change_undo::Entity::find()
                .filter(change_undo::Column::JournalId.eq(head.id))
                .order_by_asc(change_undo::Column::Id)
                .all(&self.conn())
                .await
                .map_err(db_err)?;
            out.push(ChangeJournal {
                id: JournalId(head.id),
                label: head.label,
                started_at: from_micros(head.started_at, "journal start")?,
                undo: records.iter().map(|r| from_json(&r.record, "undo record")).collect::<Result<_>>()?,
            });
        }
        Ok(out)
    }
}
