package import Engine

/// What the console reads and steers: the profile's store and folders, how its embedded
/// runner is doing, and how a job is launched (the host knows graphs and settings).
package struct ConsoleBackend: Sendable {
    package let store: any EngineStore
    package let directory: DataDirectory
    package let runner: @Sendable () -> RunnerStatus
    package let launch: @Sendable (LaunchRequest) async throws -> JobRecord
    package let security: ConsoleSecurity
    package let events: EventBroadcaster
    package let metrics: ConsoleMetrics?
    /// Streams collections as ZIPs (nil: this console exports nothing).
    package let exporter: (any CollectionExporter)?
    /// Scans and dedupes the library (nil: this console offers no upkeep).
    package let maintenance: (any LibraryMaintenance)?
    let dashboards = RecentViews<Int, DashboardView>()
    let jobViews = RecentViews<Int64, JobView?>()

    package init(
        store: any EngineStore, directory: DataDirectory, security: ConsoleSecurity = ConsoleSecurity(token: nil),
        metrics: ConsoleMetrics? = nil, exporter: (any CollectionExporter)? = nil, maintenance: (any LibraryMaintenance)? = nil, runner: @escaping @Sendable () -> RunnerStatus,
        launch: @escaping @Sendable (LaunchRequest) async throws -> JobRecord = { _ in throw LaunchError("this console launches no jobs") }
    ) {
        self.store = store
        self.directory = directory
        self.runner = runner
        self.launch = launch
        self.security = security
        self.metrics = metrics
        self.exporter = exporter
        self.maintenance = maintenance
        self.events = EventBroadcaster(store: store)
    }
}

/// A job the quick-launch form (or `POST /api/jobs`, or a collection's Download) asks for.
package struct LaunchRequest: Sendable, Equatable {
    package var type: JobType
    /// ingest, collect_only: playlists, folders, feeds, URLs.
    package var inputs: [String]
    /// download_only, reprocess: only items of these sources / collections (locator or title).
    package var sources: [String]
    package var collections: [String]
    package var limit: Int?
    package var renditions: Bool
    /// A bundled graph's name or a graph file; nil: the default.
    package var graph: String?

    package init(
        type: JobType, inputs: [String] = [], sources: [String] = [], collections: [String] = [], limit: Int? = nil, renditions: Bool = true,
        graph: String? = nil
    ) {
        self.type = type
        self.inputs = inputs
        self.sources = sources
        self.collections = collections
        self.limit = limit
        self.renditions = renditions
        self.graph = graph
    }
}

/// Why a launch was refused (a 400 with this message).
package struct LaunchError: Error, CustomStringConvertible, Sendable {
    package var description: String
    package init(_ description: String) { self.description = description }
}

/// The embedded runner's state, as `/healthz` reports it.
package struct RunnerStatus: Sendable, Equatable {
    package enum State: String, Sendable {
        /// Taking and running jobs.
        case running
        /// Its loop failed; it starts again after a backoff.
        case restarting
        /// The profile runs no jobs here (`runner: false`): a console-only profile.
        case off = "disabled"
        /// Shut down (the process is stopping).
        case stopped
    }

    package var state: State
    package var restarts: Int
    package var lastError: String?

    package init(state: State, restarts: Int = 0, lastError: String? = nil) {
        self.state = state
        self.restarts = restarts
        self.lastError = lastError
    }

    /// Work is executed, or by design not here.
    package var isHealthy: Bool { state == .running || state == .off }
}
