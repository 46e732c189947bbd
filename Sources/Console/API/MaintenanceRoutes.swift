import Engine
import Foundation
import Hummingbird

/// Library upkeep from the console's Maintenance card: `GET /api/maintenance/duplicates` (what
/// `engine maintenance duplicates --json` prints) and `POST /api/maintenance/dedupe`
/// (`?dry_run=true` for the plan; 409 while a job runs).
enum MaintenanceRoutes {
    static func add(to router: Router<BasicRequestContext>, _ backend: ConsoleBackend) {
        router.get("api/maintenance/duplicates") { _, _ in
            ConsoleRoutes.json(try await upkeep(backend).duplicates())
        }
        router.post("api/maintenance/dedupe") { request, _ in
            do {
                return ConsoleRoutes.json(try await upkeep(backend).dedupe(dryRun: ConsoleRoutes.query(request, "dry_run") == "true"))
            } catch let refused as MaintenanceRefused {
                throw HTTPError(.conflict, message: refused.description)
            }
        }
    }

    static func upkeep(_ backend: ConsoleBackend) throws -> any LibraryMaintenance {
        guard let maintenance = backend.maintenance else { throw HTTPError(.notFound, message: "this console offers no library upkeep") }
        return maintenance
    }
}
