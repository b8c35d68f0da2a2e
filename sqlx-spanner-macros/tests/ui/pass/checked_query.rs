// A statement whose columns exist and whose argument has the parameter's type compiles.
fn main() {
    let id: i64 = 1;
    let _query = sqlx_spanner_macros::query!(
        "SELECT SingerId, FirstName FROM Singers WHERE SingerId = @p1",
        id
    );
}
