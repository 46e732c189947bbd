public import Engine

/// What the console reads and steers: the profile's store and folders, how its embedded
/// runner is doing, and how a job is launched (the host knows graphs and settings).
public struct ConsoleBackend: Sendable {
    public let store: any EngineStore
    public let directory: DataDirectory
    public let runner: @Sendable () -> RunnerStatus
    public let launch: @Sendable (LaunchRequest) async throws -> JobRecord
    public let security: ConsoleSecurity
    public let events: EventBroadcaster
    public let metrics: ConsoleMetrics?
    /// Streams collections as ZIPs (nil: this console exports nothing).
    public let exporter: (any CollectionExporter)?
    /// Scans and dedupes the library (nil: this console offers no upkeep).
    public let maintenance: (any LibraryMaintenance)?
    let dashboards = RecentViews<Int, DashboardView>()
    let jobViews = RecentViews<Int64, JobView?>()

    public init(
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
public struct LaunchRequest: Sendable, Equatable {
    public var type: JobType
    /// ingest, collect_only: playlists, folders, feeds, URLs.
    public var inputs: [String]
    /// download_only, reprocess: only items of these sources / collections (locator or title).
    public var sources: [String]
    public var collections: [String]
    public var limit: Int?
    public var renditions: Bool
    /// A bundled graph's name or a graph file; nil: the default.
    public var graph: String?

    public init(
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
public struct LaunchError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The embedded runner's state, as `/healthz` reports it.
public struct RunnerStatus: Sendable, Equatable {
    public enum State: String, Sendable {
        /// Taking and running jobs.
        case running
        /// Its loop failed; it starts again after a backoff.
        case restarting
        /// The profile runs no jobs here (`runner: false`): a console-only profile.
        case off = "disabled"
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
