//! The demo's SeaORM entities: ordinary `DeriveEntityModel` modules.

pub mod album;
pub mod cake;
pub mod fruit;
pub mod singer;
