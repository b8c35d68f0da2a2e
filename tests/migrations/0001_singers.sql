-- Schema changes: applied as one DDL batch.
CREATE TABLE Singers (
    SingerId INT64 NOT NULL,
    FirstName STRING(1024),
    LastName STRING(1024),
) PRIMARY KEY (SingerId);

CREATE INDEX SingersByLastName ON Singers (LastName);
