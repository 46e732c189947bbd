public import Engine

/// What the console reads and steers: the profile's store and folders, and how its embedded
/// runner is doing (the host says).
public struct ConsoleBackend: Sendable {
    public let store: SQLiteJobStore
    public let directory: DataDirectory
    public let runner: @Sendable () -> RunnerStatus

    public init(store: SQLiteJobStore, directory: DataDirectory, runner: @escaping @Sendable () -> RunnerStatus) {
        self.store = store
        self.directory = directory
        self.runner = runner
    }
}

/// The embedded runner's state, as `/healthz` reports it.
public struct RunnerStatus: Sendable, Equatable {
    public enum State: String, Sendable {
        /// Taking and running jobs.
        case running
        /// Its loop failed; it starts again after a backoff.
        case restarting
        /// The profile runs no jobs here (`runner: false`): a console-only profile.
        case off
        /// Shut down (the process is stopping).
        case stopped
    }

    public var state: State
    public var restarts: Int
    public var lastError: String?

    public init(state: State, restarts: Int = 0, lastError: String? = nil) {
        self.state = state
        self.restarts = restarts
        self.lastError = lastError
    }

    /// Work is executed, or by design not here.
    public var isHealthy: Bool { state == .running || state == .off }
}
