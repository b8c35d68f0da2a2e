use sea_orm_migration::{prelude::*, schema::*};

use super::m20260101_000001_create_bakery::Bakery;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Cake::Table)
                    .if_not_exists()
                    .col(pk_auto(Cake::Id))
                    .col(string(Cake::Name))
                    .col(decimal_len(Cake::Price, 10, 2))
                    .col(integer(Cake::BakeryId))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk-cake-bakery_id")
                            .from(Cake::Table, Cake::BakeryId)
                            .to(Bakery::Table, Bakery::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx-cake-name")
                    .table(Cake::Table)
                    .col(Cake::Name)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx-cake-name")
                    .table(Cake::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(Cake::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Cake {
    Table,
    Id,
    Name,
    Price,
    BakeryId,
}
