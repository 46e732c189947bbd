/// Library upkeep the console offers (the host wires the implementation, which reads and
/// deletes library files): the answers are `engine maintenance duplicates --json` and
/// `engine maintenance dedupe --json`.
package protocol LibraryMaintenance: Sendable {
    /// Assets stored twice on a backend, and library files no record knows.
    func duplicates() async throws -> JSONValue
    /// One copy per asset; with `dryRun` only the plan. Throws `MaintenanceRefused` while a
    /// job runs.
    func dedupe(dryRun: Bool) async throws -> JSONValue
}

/// Why library upkeep will not run now (a job runs): a 409 in the console, exit 3 on the CLI.
package struct MaintenanceRefused: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
