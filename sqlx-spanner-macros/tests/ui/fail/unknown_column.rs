// A column the table does not have: Spanner's message becomes the compile error.
fn main() {
    let id: i64 = 1;
    let _query = sqlx_spanner_macros::query!(
        "SELECT SingerId, LastName FROM Singers WHERE SingerId = @p1",
        id
    );
}
