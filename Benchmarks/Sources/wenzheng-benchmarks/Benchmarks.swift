import ArgumentParser

@main
struct Benchmarks: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wenzheng-benchmarks",
        abstract: "Wenzheng's benchmarks. Build in release mode; each prints its figures.",
        subcommands: [
            MatcherBenchmark.self, LetterSearchBenchmark.self, SQLiteInsertBenchmark.self, SurveyAggregateBenchmark.self,
        ]
    )
}
