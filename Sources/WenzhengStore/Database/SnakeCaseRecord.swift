import GRDB

/// Records whose Swift properties are camelCase and whose columns are
/// snake_case, the convention PostgreSQL users expect too. GRDB converts
/// every key of every row it encodes or decodes; records on the path of
/// every citizen's submission spell their columns out instead
/// (`ExplicitColumns.swift`).
public protocol SnakeCaseRecord: FetchableRecord, EncodableRecord {}

extension SnakeCaseRecord {
    public static var databaseColumnDecodingStrategy: DatabaseColumnDecodingStrategy { .convertFromSnakeCase }
    public static var databaseColumnEncodingStrategy: DatabaseColumnEncodingStrategy { .convertToSnakeCase }
}
