import Engine
import Foundation
import PostgresStore

/// The store a profile's settings name (`store`: `sqlite`, a database file's path, or a
/// `postgres://` URL), opened the same way by every command.
extension StoreLocation {
    init(_ settings: Settings) throws {
        try self.init(settings["store"] ?? "sqlite", settings: settings)
    }

    /// A store named as the `store` setting names one (`sqlite` is the profile's own file,
    /// a PostgreSQL URL the profile's schema there).
    init(_ value: String, settings: Settings) throws {
        if value == "sqlite" {
            self = .sqlite(path: settings.directory.database.path)
        } else {
            try self.init(value, schema: PostgresJobStore.schemaName(profile: settings["profile"] ?? "default"))
        }
    }
}

extension Settings {
    /// Where the profile's store is. A `store` setting that does not parse was refused when the
    /// settings were resolved (exit 2), so this never falls back to another store.
    var storeLocation: StoreLocation {
        do {
            return try StoreLocation(self)
        } catch {
            preconditionFailure("the store setting passed validation but does not parse: \(error)")
        }
    }
}
