//! An album, interleaved in its singer (key `(singer_id, album_id)`), with a commit
//! timestamp column.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "album")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub singer_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub album_id: i64,
    pub title: String,
    pub updated_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::singer::Entity",
        from = "Column::SingerId",
        to = "super::singer::Column::SingerId",
        on_delete = "Cascade"
    )]
    Singer,
}

impl Related<super::singer::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Singer.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
