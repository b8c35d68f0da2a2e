//! Reading sea-query statements whose fields are private.
//!
//! sea-query 1.0.2 exposes no accessors for several DDL statements (`TableAlterStatement`,
//! `IndexCreateStatement`, `IndexDropStatement`, `TableRenameStatement`, `TableDropStatement`,
//! `ForeignKeyDropStatement`). They all derive `Debug`, whose output is a faithful, regular
//! rendering of the fields. This module parses that output into a small tree and rebuilds the
//! pieces a GoogleSQL renderer needs. Expressions are rebuilt for common shapes only; anything
//! else is reported instead of guessed.

use sea_query::{
    Check, ColumnDef, ColumnName, ColumnRef, ColumnType, DynIden, Expr, ForeignKeyAction, Func,
    Keyword, SchemaName, StringLen, TableName, TableRef, UnOper, Value,
};

use crate::backend::{quoted, SpannerSqlError};

/// A node of a parsed `Debug` rendering.
#[derive(Debug, Clone, PartialEq)]
pub(in crate::backend) enum Node {
    /// `Name { field: value, .. }` (also maps printed as `Name {"k": v}`).
    Struct(String, Vec<(String, Node)>),
    /// `Name(a, b)`; the name is empty for a plain tuple `(a, b)`.
    Tuple(String, Vec<Node>),
    /// `[a, b]`
    List(Vec<Node>),
    /// `"text"`
    Str(String),
    /// `'c'`
    Char(char),
    /// A bare word or number: `None`, `true`, `42`, `1.5`, `Asc`, `2024-01-01`.
    Atom(String),
}

impl Node {
    /// The variant name of an enum-like node.
    pub(in crate::backend) fn name(&self) -> &str {
        match self {
            Node::Struct(n, _) | Node::Tuple(n, _) | Node::Atom(n) => n,
            _ => "",
        }
    }

    /// Field `name` of a struct node.
    pub(in crate::backend) fn field(&self, name: &str) -> Option<&Node> {
        match self {
            Node::Struct(_, fields) => fields.iter().find(|(k, _)| k == name).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The items of a tuple node called `name`.
    pub(in crate::backend) fn tuple(&self, name: &str) -> Option<&[Node]> {
        match self {
            Node::Tuple(n, items) if n == name => Some(items),
            _ => None,
        }
    }

    /// The single payload of `Variant(x)`.
    pub(in crate::backend) fn single(&self) -> Option<&Node> {
        match self {
            Node::Tuple(_, items) if items.len() == 1 => items.first(),
            _ => None,
        }
    }

    /// `Some(x)` -> `Some(Some(x))`, `None` -> `Some(None)`, anything else -> `None`.
    pub(in crate::backend) fn option(&self) -> Option<Option<&Node>> {
        match self {
            Node::Atom(a) if a == "None" => Some(None),
            Node::Tuple(n, items) if n == "Some" && items.len() == 1 => Some(items.first()),
            _ => None,
        }
    }

    pub(in crate::backend) fn list(&self) -> Option<&[Node]> {
        match self {
            Node::List(items) => Some(items),
            _ => None,
        }
    }

    pub(in crate::backend) fn string(&self) -> Option<&str> {
        match self {
            Node::Str(s) => Some(s),
            _ => None,
        }
    }

    pub(in crate::backend) fn boolean(&self) -> Option<bool> {
        match self {
            Node::Atom(a) if a == "true" => Some(true),
            Node::Atom(a) if a == "false" => Some(false),
            _ => None,
        }
    }

    pub(in crate::backend) fn number<T: std::str::FromStr>(&self) -> Option<T> {
        match self {
            Node::Atom(a) => a.parse().ok(),
            _ => None,
        }
    }

    /// `field` of a struct as `bool` (missing or malformed -> `false`).
    pub(in crate::backend) fn flag(&self, field: &str) -> bool {
        self.field(field).and_then(Node::boolean).unwrap_or(false)
    }
}

/// Parses the `Debug` output of a value.
pub(in crate::backend) fn parse<T: std::fmt::Debug>(value: &T) -> Result<Node, SpannerSqlError> {
    let text = format!("{value:?}");
    let mut parser = Parser {
        chars: text.chars().collect(),
        pos: 0,
    };
    let node = parser.node();
    parser.skip_ws();
    match node {
        Some(node) if parser.pos == parser.chars.len() => Ok(node),
        _ => Err(SpannerSqlError::InvalidStatement(
            "could not read the sea-query statement (unexpected Debug format)".into(),
        )),
    }
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip_ws();
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn node(&mut self) -> Option<Node> {
        self.skip_ws();
        match self.peek()? {
            '"' => self.string().map(Node::Str),
            '\'' => self.character().map(Node::Char),
            '[' => {
                self.pos += 1;
                self.seq(']').map(Node::List)
            }
            '(' => {
                self.pos += 1;
                self.seq(')').map(|items| Node::Tuple(String::new(), items))
            }
            '{' => {
                self.pos += 1;
                self.fields().map(|f| Node::Struct(String::new(), f))
            }
            _ => {
                let word = self.word();
                if word.is_empty() {
                    return None;
                }
                if self.peek() == Some('(') {
                    self.pos += 1;
                    return self.seq(')').map(|items| Node::Tuple(word, items));
                }
                let save = self.pos;
                self.skip_ws();
                if self.peek() == Some('{') {
                    self.pos += 1;
                    return self.fields().map(|f| Node::Struct(word, f));
                }
                self.pos = save;
                Some(Node::Atom(word))
            }
        }
    }

    fn word(&mut self) -> String {
        let mut word = String::new();
        while let Some(c) = self.peek() {
            let is_field_colon = c == ':' && self.peek_at(1).is_none_or(char::is_whitespace);
            if c.is_whitespace() || ",()[]{}\"".contains(c) || is_field_colon {
                break;
            }
            word.push(c);
            self.pos += 1;
        }
        word
    }

    fn seq(&mut self, close: char) -> Option<Vec<Node>> {
        let mut items = Vec::new();
        loop {
            if self.eat(close) {
                return Some(items);
            }
            items.push(self.node()?);
            if !self.eat(',') {
                return self.eat(close).then_some(items);
            }
        }
    }

    fn fields(&mut self) -> Option<Vec<(String, Node)>> {
        let mut fields = Vec::new();
        loop {
            if self.eat('}') {
                return Some(fields);
            }
            self.skip_ws();
            let key = match self.peek()? {
                '"' => self.string()?,
                _ => self.word(),
            };
            if !self.eat(':') {
                return None;
            }
            let value = self.node()?;
            let key = key.strip_prefix("r#").unwrap_or(&key).to_owned();
            fields.push((key, value));
            if !self.eat(',') {
                return self.eat('}').then_some(fields);
            }
        }
    }

    fn escape(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += 1;
        Some(match c {
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            '0' => '\0',
            'u' => {
                if self.peek() != Some('{') {
                    return None;
                }
                self.pos += 1;
                let mut hex = String::new();
                while let Some(h) = self.peek() {
                    self.pos += 1;
                    if h == '}' {
                        break;
                    }
                    hex.push(h);
                }
                char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?
            }
            other => other,
        })
    }

    fn string(&mut self) -> Option<String> {
        self.pos += 1; // opening quote
        let mut s = String::new();
        loop {
            let c = self.peek()?;
            self.pos += 1;
            match c {
                '"' => return Some(s),
                '\\' => s.push(self.escape()?),
                c => s.push(c),
            }
        }
    }

    fn character(&mut self) -> Option<char> {
        self.pos += 1; // opening quote
        let c = self.peek()?;
        self.pos += 1;
        let c = if c == '\\' { self.escape()? } else { c };
        (self.peek() == Some('\'')).then(|| {
            self.pos += 1;
            c
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Rebuilding sea-query pieces
// ---------------------------------------------------------------------------------------------

fn unreadable(what: &str) -> SpannerSqlError {
    SpannerSqlError::InvalidStatement(format!(
        "could not read {what} from the sea-query statement"
    ))
}

/// A possibly schema-qualified table (or other object) name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(in crate::backend) struct QName {
    pub(in crate::backend) schema: Option<String>,
    pub(in crate::backend) name: String,
}

impl QName {
    /// Renders the quoted name, e.g. `` `sch`.`t` ``.
    pub(in crate::backend) fn render(&self) -> String {
        match &self.schema {
            Some(schema) => format!("{}.{}", quoted(schema), quoted(&self.name)),
            None => quoted(&self.name),
        }
    }

    /// From a sea-query table reference (only plain, unaliased table names are allowed).
    pub(in crate::backend) fn from_table_ref(table: &TableRef) -> Result<Self, SpannerSqlError> {
        match table {
            TableRef::Table(TableName(schema, name), None) => {
                let schema = match schema {
                    None => None,
                    Some(SchemaName(Some(_), _)) => {
                        return Err(SpannerSqlError::UnsupportedFeature(
                            "database-qualified table names".into(),
                        ))
                    }
                    Some(SchemaName(None, schema)) => Some(schema.to_string()),
                };
                Ok(QName {
                    schema,
                    name: name.to_string(),
                })
            }
            _ => Err(SpannerSqlError::InvalidStatement(
                "a DDL statement needs a plain table name (no alias or subquery)".into(),
            )),
        }
    }
}

/// `DynIden("x")` -> `x`
pub(in crate::backend) fn iden(node: &Node) -> Option<String> {
    node.tuple("DynIden")?.first()?.string().map(str::to_owned)
}

/// `Some(Table(TableName(..), None))` or `None`.
pub(in crate::backend) fn opt_table(node: Option<&Node>) -> Result<Option<QName>, SpannerSqlError> {
    match node.and_then(Node::option) {
        Some(None) => Ok(None),
        Some(Some(table)) => table_ref(table).map(Some),
        None => Err(unreadable("the table name")),
    }
}

/// `Table(TableName(schema, DynIden), alias)`
pub(in crate::backend) fn table_ref(node: &Node) -> Result<QName, SpannerSqlError> {
    let items = node.tuple("Table").ok_or_else(|| {
        SpannerSqlError::InvalidStatement(
            "a DDL statement needs a plain table name (no subquery or function)".into(),
        )
    })?;
    if items.get(1).and_then(Node::option) != Some(None) {
        return Err(SpannerSqlError::InvalidStatement(
            "a DDL statement cannot use a table alias".into(),
        ));
    }
    let tn = items
        .first()
        .and_then(|n| n.tuple("TableName"))
        .ok_or_else(|| unreadable("the table name"))?;
    let name = tn
        .get(1)
        .and_then(iden)
        .ok_or_else(|| unreadable("the table name"))?;
    let schema = match tn.first().and_then(Node::option) {
        Some(None) => None,
        Some(Some(schema)) => {
            let sn = schema
                .tuple("SchemaName")
                .ok_or_else(|| unreadable("the schema name"))?;
            if sn.first().and_then(Node::option) != Some(None) {
                return Err(SpannerSqlError::UnsupportedFeature(
                    "database-qualified table names".into(),
                ));
            }
            Some(
                sn.get(1)
                    .and_then(iden)
                    .ok_or_else(|| unreadable("the schema name"))?,
            )
        }
        None => return Err(unreadable("the schema name")),
    };
    Ok(QName { schema, name })
}

/// `Some("x")` / `None` string option.
pub(in crate::backend) fn opt_string(node: Option<&Node>) -> Option<String> {
    node?.option()?.and_then(Node::string).map(str::to_owned)
}

/// Rebuilds a [`ForeignKeyAction`] from its variant name.
pub(in crate::backend) fn fk_action(
    node: Option<&Node>,
) -> Result<Option<ForeignKeyAction>, SpannerSqlError> {
    let Some(opt) = node.and_then(Node::option) else {
        return Err(unreadable("a foreign key action"));
    };
    Ok(match opt.map(Node::name) {
        None => None,
        Some("Restrict") => Some(ForeignKeyAction::Restrict),
        Some("Cascade") => Some(ForeignKeyAction::Cascade),
        Some("SetNull") => Some(ForeignKeyAction::SetNull),
        Some("NoAction") => Some(ForeignKeyAction::NoAction),
        Some("SetDefault") => Some(ForeignKeyAction::SetDefault),
        Some(_) => return Err(unreadable("a foreign key action")),
    })
}

fn string_len(node: &Node) -> Option<StringLen> {
    match node {
        Node::Atom(a) if a == "Max" => Some(StringLen::Max),
        Node::Atom(a) if a == "None" => Some(StringLen::None),
        _ => node.tuple("N")?.first()?.number().map(StringLen::N),
    }
}

fn opt_u32(node: Option<&Node>) -> Option<Option<u32>> {
    match node?.option()? {
        None => Some(None),
        Some(n) => n.number().map(Some),
    }
}

fn opt_pair(node: Option<&Node>) -> Option<Option<(u32, u32)>> {
    match node?.option()? {
        None => Some(None),
        Some(Node::Tuple(n, items)) if n.is_empty() && items.len() == 2 => {
            Some(Some((items.first()?.number()?, items.get(1)?.number()?)))
        }
        Some(_) => None,
    }
}

/// Rebuilds a [`ColumnType`]. Types Spanner rejects anyway are rebuilt approximately
/// (only their variant matters for the error message).
pub(in crate::backend) fn column_type(node: &Node) -> Option<ColumnType> {
    let arg = |i: usize| match node {
        Node::Tuple(_, items) => items.get(i),
        _ => None,
    };
    Some(match node.name() {
        "Char" => ColumnType::Char(opt_u32(arg(0))?),
        "String" => ColumnType::String(string_len(arg(0)?)?),
        "Text" => ColumnType::Text,
        "Blob" => ColumnType::Blob,
        "TinyInteger" => ColumnType::TinyInteger,
        "SmallInteger" => ColumnType::SmallInteger,
        "Integer" => ColumnType::Integer,
        "BigInteger" => ColumnType::BigInteger,
        "TinyUnsigned" => ColumnType::TinyUnsigned,
        "SmallUnsigned" => ColumnType::SmallUnsigned,
        "Unsigned" => ColumnType::Unsigned,
        "BigUnsigned" => ColumnType::BigUnsigned,
        "Float" => ColumnType::Float,
        "Double" => ColumnType::Double,
        "Decimal" => ColumnType::Decimal(opt_pair(arg(0))?),
        "Money" => ColumnType::Money(opt_pair(arg(0))?),
        "DateTime" => ColumnType::DateTime,
        "Timestamp" => ColumnType::Timestamp,
        "TimestampWithTimeZone" => ColumnType::TimestampWithTimeZone,
        "Time" => ColumnType::Time,
        "Date" => ColumnType::Date,
        "Year" => ColumnType::Year,
        "Interval" => ColumnType::Interval(None, None),
        "Binary" => ColumnType::Binary(arg(0)?.number()?),
        "VarBinary" => ColumnType::VarBinary(string_len(arg(0)?)?),
        "Bit" => ColumnType::Bit(opt_u32(arg(0))?),
        "VarBit" => ColumnType::VarBit(arg(0)?.number()?),
        "Boolean" => ColumnType::Boolean,
        "Json" => ColumnType::Json,
        "JsonBinary" => ColumnType::JsonBinary,
        "Uuid" => ColumnType::Uuid,
        "Custom" => ColumnType::Custom(DynIden::from(iden(arg(0)?)?)),
        "Enum" => ColumnType::Enum {
            name: DynIden::from(iden(node.field("name")?)?),
            variants: node
                .field("variants")?
                .list()?
                .iter()
                .map(|v| iden(v).map(DynIden::from))
                .collect::<Option<Vec<_>>>()?,
        },
        "Array" => ColumnType::Array(column_type(arg(0)?)?.into()),
        "Vector" => ColumnType::Vector(opt_u32(arg(0))?),
        "Cidr" => ColumnType::Cidr,
        "Inet" => ColumnType::Inet,
        "MacAddr" => ColumnType::MacAddr,
        "LTree" => ColumnType::LTree,
        _ => return None,
    })
}

fn unsupported_expr(node: &Node) -> SpannerSqlError {
    let name = match node.name() {
        "" => "this expression",
        n => n,
    };
    SpannerSqlError::UnsupportedExpression(format!(
        "{name} inside this DDL statement (use `Expr::cust` with GoogleSQL text instead)"
    ))
}

fn opt_scalar<T: std::str::FromStr>(node: &Node) -> Option<Option<T>> {
    match node.option()? {
        None => Some(None),
        Some(v) => v.number().map(Some),
    }
}

/// Rebuilds a [`Value`] (used inline in DDL). Temporal and numeric types are turned into
/// GoogleSQL literals directly.
fn value(node: &Node) -> Result<Expr, SpannerSqlError> {
    let payload = node.single().ok_or_else(|| unsupported_expr(node))?;
    let bad = || unsupported_expr(node);
    let v = match node.name() {
        "Bool" => Value::Bool(match payload.option().ok_or_else(bad)? {
            None => None,
            Some(b) => Some(b.boolean().ok_or_else(bad)?),
        }),
        "TinyInt" | "SmallInt" | "Int" | "BigInt" | "TinyUnsigned" | "SmallUnsigned"
        | "Unsigned" => Value::BigInt(opt_scalar::<i64>(payload).ok_or_else(bad)?),
        "BigUnsigned" => Value::BigUnsigned(opt_scalar::<u64>(payload).ok_or_else(bad)?),
        "Float" | "Double" => Value::Double(opt_scalar::<f64>(payload).ok_or_else(bad)?),
        "String" => Value::String(match payload.option().ok_or_else(bad)? {
            None => None,
            Some(s) => Some(s.string().ok_or_else(bad)?.to_owned()),
        }),
        "Char" => Value::String(match payload.option().ok_or_else(bad)? {
            None => None,
            Some(Node::Char(c)) => Some(c.to_string()),
            Some(_) => return Err(bad()),
        }),
        "Bytes" => Value::Bytes(match payload.option().ok_or_else(bad)? {
            None => None,
            Some(list) => Some(
                list.list()
                    .ok_or_else(bad)?
                    .iter()
                    .map(Node::number::<u8>)
                    .collect::<Option<Vec<u8>>>()
                    .ok_or_else(bad)?,
            ),
        }),
        "Uuid" => Value::String(match payload.option().ok_or_else(bad)? {
            None => None,
            Some(Node::Atom(u)) => Some(u.clone()),
            Some(_) => return Err(bad()),
        }),
        kind @ ("ChronoDate" | "ChronoDateTime" | "ChronoDateTimeUtc" | "Decimal") => {
            let text = match payload.option().ok_or_else(bad)? {
                None => return Ok(Expr::Keyword(Keyword::Null)),
                Some(Node::Atom(t)) => t.clone(),
                Some(_) => return Err(bad()),
            };
            // Only digits, signs, separators and the letters T/Z can appear here.
            if !text
                .chars()
                .all(|c| c.is_ascii_digit() || "-+:.TZ".contains(c))
            {
                return Err(bad());
            }
            let lit = match kind {
                "ChronoDate" => format!("DATE '{text}'"),
                "ChronoDateTime" => format!("TIMESTAMP '{}+00:00'", text.replace('T', " ")),
                "ChronoDateTimeUtc" => format!("TIMESTAMP '{}'", text.replace('T', " ")),
                _ => format!("NUMERIC '{text}'"),
            };
            return Ok(Expr::Custom(lit.into()));
        }
        _ => return Err(bad()),
    };
    Ok(Expr::Value(v))
}

fn column_name(node: &Node) -> Option<ColumnName> {
    let items = node.tuple("ColumnName")?;
    let column = DynIden::from(iden(items.get(1)?)?);
    let table = match items.first()?.option()? {
        None => None,
        Some(t) => {
            let tn = t.tuple("TableName")?;
            let schema = match tn.first()?.option()? {
                None => None,
                Some(s) => {
                    let sn = s.tuple("SchemaName")?;
                    if sn.first()?.option()?.is_some() {
                        return None;
                    }
                    Some(SchemaName(None, DynIden::from(iden(sn.get(1)?)?)))
                }
            };
            Some(TableName(schema, DynIden::from(iden(tn.get(1)?)?)))
        }
    };
    Some(ColumnName(table, column))
}

fn bin_oper(node: &Node) -> Option<sea_query::BinOper> {
    use sea_query::BinOper as B;
    Some(match node {
        Node::Atom(a) => match a.as_str() {
            "And" => B::And,
            "Or" => B::Or,
            "Like" => B::Like,
            "NotLike" => B::NotLike,
            "Is" => B::Is,
            "IsNot" => B::IsNot,
            "In" => B::In,
            "NotIn" => B::NotIn,
            "Between" => B::Between,
            "NotBetween" => B::NotBetween,
            "Equal" => B::Equal,
            "NotEqual" => B::NotEqual,
            "SmallerThan" => B::SmallerThan,
            "GreaterThan" => B::GreaterThan,
            "SmallerThanOrEqual" => B::SmallerThanOrEqual,
            "GreaterThanOrEqual" => B::GreaterThanOrEqual,
            "Add" => B::Add,
            "Sub" => B::Sub,
            "Mul" => B::Mul,
            "Div" => B::Div,
            "Mod" => B::Mod,
            "BitAnd" => B::BitAnd,
            "BitOr" => B::BitOr,
            "LShift" => B::LShift,
            "RShift" => B::RShift,
            "As" => B::As,
            _ => return None,
        },
        Node::Tuple(n, _) if n == "PgOperator" => match node.single()?.name() {
            "Concatenate" => B::PgOperator(sea_query::extension::postgres::PgBinOper::Concatenate),
            _ => return None,
        },
        _ => return None,
    })
}

fn func_name(node: &Node) -> Option<String> {
    Some(
        match node.name() {
            "Custom" => return iden(node.single()?),
            "PgFunction" => match node.single()?.name() {
                "GenRandomUUID" => "GENERATE_UUID",
                "StartsWith" => "STARTS_WITH",
                "ArrayAgg" => "ARRAY_AGG",
                _ => return None,
            },
            "Max" => "MAX",
            "Min" => "MIN",
            "Sum" => "SUM",
            "Avg" => "AVG",
            "Abs" => "ABS",
            "Count" => "COUNT",
            "IfNull" => "IFNULL",
            "Greatest" => "GREATEST",
            "Least" => "LEAST",
            "CharLength" => "CHAR_LENGTH",
            "Cast" => "CAST",
            "Lower" => "LOWER",
            "Upper" => "UPPER",
            "BitAnd" => "BIT_AND",
            "BitOr" => "BIT_OR",
            "Random" => "RAND",
            "Round" => "ROUND",
            "Md5" => "MD5",
            _ => return None,
        }
        .to_owned(),
    )
}

/// Rebuilds an [`Expr`] for the supported subset of shapes.
pub(in crate::backend) fn expr(node: &Node) -> Result<Expr, SpannerSqlError> {
    let bad = || unsupported_expr(node);
    let items: &[Node] = match node {
        Node::Tuple(_, items) => items,
        _ => &[],
    };
    let arg = |i: usize| items.get(i).ok_or_else(bad);
    match node.name() {
        "Value" | "Constant" => value(arg(0)?),
        "Custom" => Ok(Expr::Custom(
            arg(0)?.string().ok_or_else(bad)?.to_owned().into(),
        )),
        "Keyword" => {
            let kw = arg(0)?;
            Ok(Expr::Keyword(match kw.name() {
                "Null" => Keyword::Null,
                "CurrentDate" => Keyword::CurrentDate,
                "CurrentTimestamp" => Keyword::CurrentTimestamp,
                "Default" => Keyword::Default,
                "Custom" => Keyword::Custom(DynIden::from(
                    iden(kw.single().ok_or_else(bad)?).ok_or_else(bad)?,
                )),
                _ => return Err(bad()),
            }))
        }
        "Column" => {
            let c = arg(0)?;
            match c.name() {
                "Column" => Ok(Expr::Column(ColumnRef::Column(
                    column_name(c.single().ok_or_else(bad)?).ok_or_else(bad)?,
                ))),
                _ => Err(bad()),
            }
        }
        "Tuple" => Ok(Expr::Tuple(
            arg(0)?
                .list()
                .ok_or_else(bad)?
                .iter()
                .map(expr)
                .collect::<Result<_, _>>()?,
        )),
        "Unary" if arg(0)?.name() == "Not" => {
            Ok(Expr::Unary(UnOper::Not, Box::new(expr(arg(1)?)?)))
        }
        "Binary" => {
            let op = bin_oper(arg(1)?).ok_or_else(bad)?;
            Ok(Expr::Binary(
                Box::new(expr(arg(0)?)?),
                op,
                Box::new(expr(arg(2)?)?),
            ))
        }
        "AsEnum" => expr(arg(1)?),
        "FunctionCall" => {
            let call = arg(0)?;
            let name = call.field("func").and_then(func_name).ok_or_else(bad)?;
            let distinct = call
                .field("mods")
                .and_then(Node::list)
                .is_some_and(|m| m.iter().any(|m| m.flag("distinct")));
            let has_filter = call.field("filter").and_then(Node::option) != Some(None);
            if distinct || has_filter {
                return Err(bad());
            }
            let args = call
                .field("args")
                .and_then(Node::list)
                .ok_or_else(bad)?
                .iter()
                .map(expr)
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Expr::FunctionCall(Func::cust(name).args(args)))
        }
        _ => Err(bad()),
    }
}

/// Rebuilds a [`ColumnDef`] from `ColumnDef { name, types, spec }`.
pub(in crate::backend) fn column_def(node: &Node) -> Result<ColumnDef, SpannerSqlError> {
    let name = node
        .field("name")
        .and_then(iden)
        .ok_or_else(|| unreadable("a column name"))?;
    let types = match node.field("types").and_then(Node::option) {
        Some(None) => None,
        Some(Some(t)) => Some(
            column_type(t).ok_or_else(|| SpannerSqlError::UnsupportedType {
                column: name.clone(),
                column_type: format!("{t:?}"),
            })?,
        ),
        None => return Err(unreadable("a column type")),
    };
    let mut def = match types {
        Some(t) => ColumnDef::new_with_type(name.clone(), t),
        None => ColumnDef::new(name.clone()),
    };
    let spec = node
        .field("spec")
        .ok_or_else(|| unreadable("a column specification"))?;
    match spec.field("nullable").and_then(Node::option) {
        Some(Some(n)) if n.boolean() == Some(true) => {
            def.null();
        }
        Some(Some(_)) => {
            def.not_null();
        }
        _ => {}
    }
    if let Some(Some(default)) = spec.field("default").and_then(Node::option) {
        def.default(expr(default)?);
    }
    if spec.flag("auto_increment") {
        def.auto_increment();
    }
    if spec.flag("unique") {
        def.unique_key();
    }
    if spec.flag("primary_key") {
        def.primary_key();
    }
    if let Some(Some(check)) = spec.field("check").and_then(Node::option) {
        let e = expr(check.field("expr").ok_or_else(|| unreadable("a CHECK"))?)?;
        match check
            .field("name")
            .and_then(Node::option)
            .flatten()
            .and_then(iden)
        {
            Some(n) => def.check(Check::named(n, e)),
            None => def.check(Check::unnamed(e)),
        };
    }
    if let Some(Some(generated)) = spec.field("generated").and_then(Node::option) {
        let e = expr(
            generated
                .field("expr")
                .ok_or_else(|| unreadable("a generated column"))?,
        )?;
        def.generated(e, generated.flag("stored"));
    }
    if let Some(extra) = opt_string(spec.field("extra")) {
        def.extra(extra);
    }
    Ok(def)
}
