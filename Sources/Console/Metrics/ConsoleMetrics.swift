import Engine
import Metrics
package import Prometheus

/// `/metrics` in Prometheus text format. What the engine records through swift-metrics
/// (stage durations, bytes downloaded, items settled, runner restarts) goes to this registry
/// once `bootstrap()` made it the metrics backend; what the store knows (job items by
/// status, queue depth, live workers) is read when the page is scraped.
package final class ConsoleMetrics: Sendable {
    package let registry = PrometheusCollectorRegistry()

    package init() {}

    /// Makes this registry the process's swift-metrics backend (once per process).
    package func bootstrap() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(100), .milliseconds(1), .milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(300),
        ]
        MetricsSystem.bootstrap(factory)
    }

    func scrape(_ backend: ConsoleBackend) async throws -> String {
        let counts = try await backend.store.openJobItemCounts()
        for status in ItemStatus.allCases {
            registry.makeGauge(name: "engine_job_items", labels: [("status", status.rawValue)], help: "Items of unfinished jobs by status")
                .set(to: Double(counts[status]))
        }
        registry.makeGauge(name: "engine_queue_depth", help: "Items of unfinished jobs waiting to run (pending or interrupted)")
            .set(to: Double(counts[.pending] + counts[.interrupted]))
        let workers = try await backend.store.activeWorkers().filter { $0.heartbeatAt.timeIntervalSinceNow > -15 }
        registry.makeGauge(name: "engine_active_workers", help: "Runners with a heartbeat in the last 15 s").set(to: Double(workers.count))
        registry.makeGauge(name: "engine_runner_up", help: "1 while the embedded runner runs (or is off by design)")
            .set(to: backend.runner().isHealthy ? 1 : 0)
        return registry.emitToString()
    }
}
