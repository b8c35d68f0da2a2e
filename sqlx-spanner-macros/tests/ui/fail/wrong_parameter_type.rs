// SingerId is INT64: a string argument is a type error.
fn main() {
    let _query = sqlx_spanner_macros::query!(
        "SELECT FirstName FROM Singers WHERE SingerId = @p1",
        "one"
    );
}
