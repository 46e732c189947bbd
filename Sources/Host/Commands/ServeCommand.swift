import ArgumentParser
import Console
import Engine
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Stages

/// `engine serve`: the ops console and an embedded, supervised runner in one process, as
/// services of one ServiceGroup. SIGTERM (or Ctrl-C) stops taking work, gives in-flight items
/// their grace and leaves running jobs resumable. One serve per profile.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "The ops console (web pages, JSON API, events, /metrics) with an embedded, supervised runner; one per profile.",
        discussion: """
            Bound to loopback (the default) the console needs no sign-in. Bound to any other address it needs the \
            console token, made on first start into the profile's data directory (console.token) and printed once.
            """)

    @Option(help: "Address to bind (default: the console_host setting, 127.0.0.1).") var host: String?
    @Option(help: "Port (default: the console_port setting, 18080; 0: any free one).") var port: Int?
    @Option(help: "Seconds in-flight items get to finish after SIGTERM before going back to the queue.") var grace: Double = 10
    @OptionGroup var data: DataDirOptions

    func run() async throws {
        let settings = data.settings(DataDirOptions.given([("console_host", host), ("console_port", port.map(String.init))]))
        let address = settings["console_host"]!
        let directory = settings.directory
        // Before anything records a metric: what is made before the bootstrap records nothing.
        let metrics = ConsoleMetrics()
        metrics.bootstrap()
        let consoleLock: RunnerLock
        let runnerHost: RunnerHost?
        do {
            try directory.prepare()
            consoleLock = try directory.lockConsole()
            runnerHost = settings["runner"] == "false" ? nil : try await RunnerHost.start(settings)
        } catch {
            Output.error("serve", "\(error)")
            throw EngineExit.cannotRun
        }
        defer { withExtendedLifetime(consoleLock) {} }
        let security: ConsoleSecurity
        if ["127.0.0.1", "::1", "localhost"].contains(address) {
            security = ConsoleSecurity(token: nil)
        } else {
            let file = directory.root.appendingPathComponent("console.token")
            do {
                let (token, created) = try ConsoleSecurity.token(at: file)
                // Shown once, on a terminal only: a service's standard error goes to its journal, a log.
                if created {
                    Output.note(
                        isatty(STDERR_FILENO) == 1
                            ? "console token (shown once; kept in \(file.path)): \(token)"
                            : "console token made: read it from \(file.path) (it is not written where logs go)")
                }
                security = ConsoleSecurity(token: token)
            } catch {
                Output.error("serve", "the console token \(file.path): \(error.localizedDescription)")
                throw EngineExit.cannotRun
            }
        }

        let store: any EngineStore
        if let runnerHost { store = runnerHost.store } else { store = try await settings.storeLocation.open() }
        let supervisor = runnerHost.map {
            SupervisedRunner(worker: WorkerService(host: $0, directory: directory, grace: .milliseconds(Int(grace * 1000)), untilIdle: false))
        }
        let backend = ConsoleBackend(
            store: store, directory: directory, security: security, metrics: metrics,
            exporter: LibraryExporter(store: store, library: LocalLibrary(root: directory.library)),
            maintenance: LibraryUpkeep(store: store, library: LocalLibrary(root: directory.library)),
            runner: { supervisor?.current ?? RunnerStatus(state: .off) },
            launch: { try await ConsoleLaunch.submit($0, settings: settings, store: store) })
        let logger = Logger(label: "engine.console")
        let app = Application(
            router: ConsoleRoutes.router(backend),
            configuration: .init(address: .hostname(address, port: Int(settings["console_port"]!)!), serverName: "MediaEngine"),
            onServerRunning: { channel in
                Output.note("console on http://\(address.contains(":") ? "[\(address)]" : address):\(channel.localAddress?.port ?? 0) (profile \(settings["profile"]!))")
            },
            logger: logger)
        // Shut down in reverse: the event streams end first, so the server has no open response to wait for.
        var services: [any Service] = [app, backend.events]
        if let supervisor { services.insert(supervisor, at: 0) }
        do {
            try await ServiceRun.run(services, host: runnerHost, logger: logger)
        } catch let exit as ExitCode {
            throw exit
        } catch {
            Output.error("serve", "\(error)")  // the port taken, say
            throw EngineExit.cannotRun
        }
    }
}
