import ArgumentParser
import Engine
import Foundation
import Stages

/// `engine backend add|list|remove|clean`: storage backends beside the local library.
struct BackendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backend",
        abstract: "Add, list, remove and clean storage backends (S3-compatible object storage).",
        subcommands: [BackendAddCommand.self, BackendListCommand.self, BackendRemoveCommand.self, BackendCleanCommand.self]
    )

    /// The store of the data directory, created when there is none.
    static func store(_ data: DataDirOptions, command: String) async throws -> any EngineStore {
        do {
            let settings = data.settings()
            try settings.directory.prepare()
            return try await settings.storeLocation.open()
        } catch {
            Output.error(command, "\(error)")
            throw EngineExit.cannotRun
        }
    }
}

struct BackendAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add an S3-compatible backend; its secrets stay in the environment (<PREFIX>_ACCESS_KEY_ID, <PREFIX>_SECRET_ACCESS_KEY).")

    @Argument(help: "The kind: s3.") var kind: String
    @Argument(help: "The backend's name.") var name: String
    @Option(help: "The bucket.") var bucket: String
    @Option(help: "The endpoint URL (default: AWS's regional endpoint).") var endpoint: String?
    @Option(help: "The region.") var region = "us-east-1"
    @Option(help: "Keys go under this prefix (default: the s3_prefix setting: the profile's name, but none in the default profile).")
    var basePrefix: String?
    @Option(help: "path (endpoint/bucket/key) or virtual (bucket.endpoint/key); default: virtual for AWS, path for an endpoint.")
    var addressing: String?
    @Option(help: "Objects are public under this URL (recorded with each uploaded file).") var publicBaseURL: String?
    @Option(help: "The credentials come from <PREFIX>_ACCESS_KEY_ID, <PREFIX>_SECRET_ACCESS_KEY, <PREFIX>_SESSION_TOKEN.")
    var credentialEnvPrefix: String
    @OptionGroup var data: DataDirOptions

    func validate() throws {
        if let addressing, S3BackendConfig.Addressing(rawValue: addressing) == nil {
            throw ValidationError("--addressing must be path or virtual")
        }
        guard kind == "s3" else { throw ValidationError("unknown backend kind '\(kind)' (known: s3)") }
        guard name.range(of: "^[A-Za-z0-9][A-Za-z0-9._-]*$", options: .regularExpression) != nil else {
            throw ValidationError("invalid backend name '\(name)' (letters, digits, . _ -)")
        }
    }

    func run() async throws {
        let config = S3BackendConfig(
            bucket: bucket, endpoint: endpoint, region: region, basePrefix: basePrefix ?? data.settings()["s3_prefix"] ?? "", addressing: addressing.flatMap(S3BackendConfig.Addressing.init), publicBaseURL: publicBaseURL,
            credentialEnvPrefix: credentialEnvPrefix)
        do {
            try config.validate(backend: name)
        } catch {
            Output.error("backend add", "\(error)")
            throw EngineExit.usage
        }
        let store = try await BackendCommand.store(data, command: "backend add")
        do {
            let json = String(decoding: try JSONEncoder().encode(config), as: UTF8.self)
            try await store.addBackend(name: name, kind: "object_storage", config: json)
        } catch {
            Output.error("backend add", "\(error)")
            throw EngineExit.usage
        }
        Output.line("backend \(name) added: s3://\(config.bucket)/\(config.basePrefix) at \(config.endpointURL?.absoluteString ?? "")")
        for variable in ["ACCESS_KEY_ID", "SECRET_ACCESS_KEY"] where ProcessInfo.processInfo.environment["\(credentialEnvPrefix)_\(variable)"] == nil {
            Output.note("note: \(credentialEnvPrefix)_\(variable) is not set here; set it where the backend is used")
        }
    }
}


struct BackendListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the storage backends.")
    @Flag(help: "Print a JSON array.") var json = false
    @OptionGroup var data: DataDirOptions

    func run() async throws {
        let store = try await BackendCommand.store(data, command: "backend list")
        let records = try await store.backends()
        let environment = ProcessInfo.processInfo.environment
        var entries: [JSONValue] = []
        for record in records {
            var members: [(String, JSONValue)] = [("name", .string(record.name)), ("kind", .string(record.kind)), ("locations", .int(record.locations))]
            var line = "\(record.name)  \(record.kind)  \(record.locations) location(s)"
            if record.kind == "object_storage", let config = try? BackendAccess.config(of: record) {
                // Whether the credentials are set, never what they are.
                let set = ["ACCESS_KEY_ID", "SECRET_ACCESS_KEY"].allSatisfy { environment["\(config.credentialEnvPrefix)_\($0)"]?.isEmpty == false }
                members += [
                    ("bucket", .string(config.bucket)), ("endpoint", .string(config.endpointURL?.absoluteString ?? "")),
                    ("region", .string(config.region)), ("base_prefix", .string(config.basePrefix)),
                    ("addressing", .string(config.addressing.rawValue)), ("public_base_url", config.publicBaseURL.map(JSONValue.string) ?? .null),
                    ("credential_env_prefix", .string(config.credentialEnvPrefix)), ("credentials_set", .bool(set)),
                ]
                line += "  s3://\(config.bucket)/\(config.basePrefix)  \(config.endpointURL?.absoluteString ?? "")  credentials from \(config.credentialEnvPrefix)_* (\(set ? "set" : "not set"))"
            }
            entries.append(.object(members))
            if !json { Output.line(line) }
        }
        if json { Output.line(JSONValue.array(entries).serialized()) }
    }
}

struct BackendRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove", abstract: "Remove a backend (refused while file locations point at it, unless --force).")
    @Argument(help: "The backend's name.") var name: String
    @Flag(help: "Remove it with the locations that point at it.") var force = false
    @OptionGroup var data: DataDirOptions

    func run() async throws {
        guard name != LocalLibrary.backendName else {
            Output.error("backend remove", "'\(name)' is the local library; it cannot be removed")
            throw EngineExit.usage
        }
        let store = try await BackendCommand.store(data, command: "backend remove")
        do {
            let removed = try await store.removeBackend(name: name, force: force)
            Output.line("backend \(name) removed" + (removed > 0 ? " with \(removed) location(s)" : ""))
        } catch {
            Output.error("backend remove", "\(error)")
            throw EngineExit.usage
        }
    }
}

struct BackendCleanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clean", abstract: "Abort the multipart uploads under the backend's prefix that the store no longer knows.")
    @Argument(help: "The backend's name.") var name: String
    @Option(help: "Only uploads begun at least this many seconds ago (one a running job has just begun is not yet in the store).")
    var minAge: Int = 3600
    @OptionGroup var data: DataDirOptions

    func run() async throws {
        let store = try await BackendCommand.store(data, command: "backend clean")
        do {
            let client = try await BackendAccess.client(named: name, store: store)
            let known = try await store.openMultipartUploads(backend: name)
            let prefix = client.config.basePrefix.isEmpty ? "" : client.config.basePrefix + "/"
            var aborted = 0
            let cutoff = Date().addingTimeInterval(-Double(minAge))
            for upload in try await client.listMultipartUploads(prefix: prefix)
            where !known.contains(upload.uploadID) && (upload.initiated ?? .distantPast) <= cutoff {
                try await client.abortMultipartUpload(upload.key, uploadID: upload.uploadID)
                aborted += 1
            }
            Output.line("backend \(name): \(aborted) stale multipart upload(s) aborted, \(known.count) kept (the store's)")
        } catch {
            Output.error("backend clean", "\(error)")
            throw EngineExit.cannotRun
        }
    }
}
