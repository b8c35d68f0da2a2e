//! SeaORM entities used by the SeaORM integration tests: a bakery chain
//! (`bakery`, `baker`, `cake`, `fruit`, `cake_baker`) and interleaved music tables
//! (`singer`, `album`, `song`).

pub mod album;
pub mod baker;
pub mod bakery;
pub mod cake;
pub mod cake_baker;
pub mod fruit;
pub mod singer;
pub mod song;
