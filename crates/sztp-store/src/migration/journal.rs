//! Migration 4: undo journals of multi-step changes (YANG Patch) in progress, so that a change
//! cut short by a crash is undone at the next start.

use sea_orm_migration::prelude::*;

use super::{id, index, long_text, name};

#[derive(DeriveIden)]
enum ChangeJournal {
    Table,
    Id,
    Label,
    StartedAt,
}

#[derive(DeriveIden)]
enum ChangeUndo {
    Table,
    Id,
    JournalId,
    Record,
}

pub(super) async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    let b = m.get_database_backend();
    super::create_table(
        m,
        Table::create()
            .table(ChangeJournal::Table)
            .col(id(ChangeJournal::Id))
            .col(name(ChangeJournal::Label, false))
            .col(ColumnDef::new(ChangeJournal::StartedAt).big_integer().not_null())
            .take(),
    )
    .await?;
    super::create_table(
        m,
        Table::create()
            .table(ChangeUndo::Table)
            .col(id(ChangeUndo::Id))
            .col(ColumnDef::new(ChangeUndo::JournalId).big_integer().not_null())
            .col(long_text(b, ChangeUndo::Record, false))
            .foreign_key(
                ForeignKey::create()
                    .name("fk_change_undo_journal")
                    .from(ChangeUndo::Table, ChangeUndo::JournalId)
                    .to(ChangeJournal::Table, ChangeJournal::Id)
                    .on_delete(ForeignKeyAction::Cascade),
            )
            .take(),
    )
    .await?;
    m.create_index(index(
        "ix_change_undo_journal",
        ChangeUndo::Table,
        &[ChangeUndo::JournalId.into_iden(), ChangeUndo::Id.into_iden()],
    ))
    .await
}

/// Migration 5 drops both tables (units of work replace them).
pub(super) async fn down(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    m.drop_table(Table::drop().table(ChangeUndo::Table).to_owned()).await?;
    m.drop_table(Table::drop().table(ChangeJournal::Table).to_owned()).await
}
