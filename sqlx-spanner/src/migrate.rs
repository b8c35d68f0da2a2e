//! Migrations placeholder (filled in below).
