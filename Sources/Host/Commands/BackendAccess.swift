import Engine
import Foundation
import Stages

/// Storage backends as the commands use them: an S3 client from a backend's record and the
/// environment's credentials.
enum BackendAccess {
    /// Checks, before a job is made, that the backend is named, readable and has its
    /// credentials set; otherwise the reason is `command`'s one-line error, exit 2.
    static func check(_ name: String, store: any EngineStore, command: String) async throws {
        do {
            _ = try await client(named: name, store: store)
        } catch {
            Output.error(command, "\(error)")
            throw EngineExit.usage
        }
    }

    static func client(named name: String, store: any EngineStore, bandwidth: BandwidthLimit? = nil) async throws -> S3Client {
        guard let record = try await store.backend(named: name) else {
            throw S3Error.unknownBackend(name, known: try await store.backends().filter { $0.kind == "object_storage" }.map(\.name))
        }
        guard record.kind == "object_storage" else {
            throw S3Error.invalidSetting(backend: name, reason: "it is the local library, not object storage")
        }
        let config = try config(of: record)
        let credentials = try S3Credentials.fromEnvironment(prefix: config.credentialEnvPrefix, backend: name)
        return try S3Client(name: name, config: config, credentials: credentials, bandwidth: bandwidth)
    }

    static func config(of record: StorageBackendRecord) throws -> S3BackendConfig {
        do {
            return try JSONDecoder().decode(S3BackendConfig.self, from: Data(record.config.utf8))
        } catch {
            throw S3Error.invalidSetting(backend: record.name, reason: "its settings in the store cannot be read: \(error)")
        }
    }

    /// The backends' clients by name, each made once (for the S3 collector and resolver).
    static func clients(store: any EngineStore) -> ObjectStores {
        let cache = ClientCache()
        return { name in
            if let client = await cache.client(name) { return client }
            let client = try await BackendAccess.client(named: name, store: store)
            await cache.keep(client)
            return client
        }
    }
}

private actor ClientCache {
    private var clients: [String: S3Client] = [:]
    func client(_ name: String) -> S3Client? { clients[name] }
    func keep(_ client: S3Client) { clients[client.name] = client }
}
