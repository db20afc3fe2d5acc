import WenzhengStore

/// A failure the user can act on, printed as one line without a stack.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs `body`, turning store and validation errors into one-line failures.
func reportingFailures<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as StoreError {
        throw CommandFailure(error.description)
    }
}
