//! [`SpannerQueryResult`]: what a statement did (rows affected, commit timestamp).

/// The outcome of `execute`: rows affected by DML (exact for ordinary DML, a lower bound
/// for partitioned DML).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SpannerQueryResult {
    pub(crate) rows_affected: u64,
}

impl SpannerQueryResult {
    pub(crate) fn new(rows_affected: u64) -> Self {
        SpannerQueryResult { rows_affected }
    }

    /// Rows inserted, updated or deleted.
    pub fn rows_affected(&self) -> u64 {
        self.rows_affected
    }
}

impl Extend<SpannerQueryResult> for SpannerQueryResult {
    fn extend<T: IntoIterator<Item = SpannerQueryResult>>(&mut self, iter: T) {
        for result in iter {
            self.rows_affected += result.rows_affected;
        }
    }
}
