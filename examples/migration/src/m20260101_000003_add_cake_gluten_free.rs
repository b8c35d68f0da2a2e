use sea_orm_migration::{prelude::*, schema::*};

use super::m20260101_000002_create_cake::Cake;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum GlutenFree {
    GlutenFree,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Cake::Table)
                    .add_column(boolean(GlutenFree::GlutenFree).default(false))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Cake::Table)
                    .drop_column(GlutenFree::GlutenFree)
                    .to_owned(),
            )
            .await
    }
}
