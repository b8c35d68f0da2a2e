use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Bakery::Table)
                    .if_not_exists()
                    .col(pk_auto(Bakery::Id))
                    .col(string_uniq(Bakery::Name))
                    .col(double(Bakery::ProfitMargin).default(0.0))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Bakery::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Bakery {
    Table,
    Id,
    Name,
    ProfitMargin,
}
