//! A bakery, keyed by a client-generated UUID (stored as `STRING(36)`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "bakery")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub profit_margin: f64,
    /// A `NaiveDateTime` field on a `TIMESTAMP` column.
    pub opened_at: DateTime,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::cake::Entity")]
    Cake,
    #[sea_orm(has_many = "super::baker::Entity")]
    Baker,
}

impl Related<super::cake::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Cake.def()
    }
}

impl Related<super::baker::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Baker.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
