import Foundation
import Testing
import TestSupport

/// `engine store migrate`: a SQLite store with really ingested items (renditions, a failed
/// item, job history) copied into PostgreSQL and back, the copies serving what the original
/// served, and a target that is not empty refused untouched.
@Suite struct StoreMigrateTests {
    @Test func aStoreCopiesIntoPostgreSQLAndBackAndServesTheSameItemsAndJobs() async throws {
        let root = try TemporaryDirectory("migrate")
        let environment = PostgresCluster.shared.environment
        let profile = "m\(UUID().uuidString.lowercased().prefix(8))"
        let library = root.file("library").path
        let sqlite = root.file("engine.sqlite").path
        let postgres = PostgresCluster.shared.url
        func engine(_ arguments: [String], store: String) async throws -> CommandResult {
            try await Command.engineAsync(
                arguments + ["--data-dir", root.path, "--profile", profile, "--library-dir", library, "--store", store], environment: environment)
        }
        // The demo catalog with renditions, and an input that fails (its try is recorded).
        #expect(try await engine(["run", "--graph", "default"], store: sqlite).status == 0)
        #expect(try await engine(["run", "--no-renditions", "--attempts", "1", "http://127.0.0.1:9/missing.wav"], store: sqlite).status == 1)
        let items = try await engine(["items", "--json"], store: sqlite)
        let jobs = try await engine(["jobs", "list"], store: sqlite)
        #expect(items.status == 0 && jobs.status == 0)

        let copied = try await engine(["store", "migrate", "--from", sqlite, "--to", postgres], store: sqlite)
        #expect(copied.status == 0, "\(copied.stderr)")
        #expect(copied.stdout.contains("every table's rows equal the source's"), "\(copied.stdout)")
        // The catalog's rows, counted in PostgreSQL itself.
        let schema = "engine_\(profile)"
        #expect(try PostgresCluster.shared.psql("SELECT count(*) FROM \(schema).file_assets WHERE kind = 'rendition'") == "12")
        #expect(try await engine(["items", "--json"], store: postgres).stdout == items.stdout)
        #expect(try await engine(["jobs", "list"], store: postgres).stdout == jobs.stdout)
        // A new run on the copy downloads nothing already stored, under a new job number (the
        // copied keys' sequences were reset past the copied ones).
        let again = try await engine(["run", "--graph", "default"], store: postgres)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("job 3 done") && again.stdout.contains("0 downloaded"), "\(again.stdout)")

        // A target that holds anything is refused, and stays as it was.
        let before = try PostgresCluster.shared.psql("SELECT count(*) FROM \(schema).job_runs")
        let refused = try await engine(["store", "migrate", "--from", sqlite, "--to", postgres], store: sqlite)
        #expect(refused.status == 3 && refused.stderr.contains("the target is not empty"), "\(refused.stderr)")
        #expect(try PostgresCluster.shared.psql("SELECT count(*) FROM \(schema).job_runs") == before)

        // And back into a new SQLite file: the three jobs, the same items.
        let back = root.file("back.sqlite").path
        let returned = try await engine(["store", "migrate", "--from", postgres, "--to", back], store: sqlite)
        #expect(returned.status == 0, "\(returned.stderr)")
        #expect(try await engine(["items", "--json"], store: back).stdout == items.stdout)
        #expect(try await engine(["jobs", "list"], store: back).stdout.split(separator: "\n").count == 3)
    }
}
