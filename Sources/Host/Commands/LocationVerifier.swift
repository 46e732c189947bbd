import Engine
import Foundation
import Stages

/// Re-hashes stored copies (`engine maintenance verify`): a library file where it lies, an
/// object fetched into the temp folder; and repairs a bad copy from a healthy one — another
/// copy of the asset, checked as it is fetched, or the URL its item was collected from.
struct LocationVerifier: Sendable {
    let store: any EngineStore
    let library: LocalLibrary
    let temporary: URL
    let objectStores: ObjectStores
    /// `--limit-rate`: the network lane's token bucket, charged with each copy's bytes.
    let limit: BandwidthLimit?

    enum Finding: Sendable, Equatable {
        case ok
        /// The copy's bytes changed, or it is gone: `problem` says which.
        case bad(problem: String)
        /// It could not be read (a network error, say): nothing is concluded.
        case unreadable(String)
    }

    func check(_ location: StoredLocation) async -> Finding {
        do {
            guard let (digest, bytes) = try await hash(location) else { return .bad(problem: "missing") }
            if let wait = limit?.take(bytes), wait > .zero { try? await Task.sleep(for: wait) }
            if digest == location.sha256, bytes == location.size { return .ok }
            return .bad(problem: "changed: \(bytes) bytes with SHA-256 \(digest), recorded \(location.size) bytes with \(location.sha256)")
        } catch {
            return .unreadable("\(error)")
        }
    }

    /// The copy's SHA-256 and size now; nil when it is gone.
    private func hash(_ location: StoredLocation) async throws -> (String, Int64)? {
        if location.backendKind == "local_fs" {
            guard let path = library.path(for: location.locator) else { return nil }
            return try await Self.hashFile(path)
        }
        let temp = temporary.appendingPathComponent("\(UUID().uuidString).verify").path
        defer { unlink(temp) }
        do {
            try await objectStores(location.backend).getObject(location.locator, to: temp)
        } catch S3Error.http(_, _, _, let status, _, _) where status == 404 {
            return nil
        }
        return try await Self.hashFile(temp)
    }

    static func hashFile(_ path: String) async throws -> (String, Int64)? {
        try await BlockingIO.run {
            guard FileManager.default.fileExists(atPath: path) else { return nil }
            let (digest, bytes) = try FileChecksummer().sha256(path: path)
            return (digest.hex, Int64(bytes))
        }
    }

    /// Puts the asset's bytes back at `location` from a healthy source; says which, or nil
    /// when none had them.
    func repair(_ location: StoredLocation, copies: [StoredLocation]) async -> String? {
        let temp = temporary.appendingPathComponent("\(UUID().uuidString).repair").path
        defer { unlink(temp) }
        for copy in copies where copy.id != location.id && copy.assetID == location.assetID && copy.state == "active" {
            do {
                if copy.backendKind == "local_fs" {
                    guard let path = library.path(for: copy.locator) else { continue }
                    try await BlockingIO.run {
                        unlink(temp)
                        try FileManager.default.copyItem(atPath: path, toPath: temp)
                    }
                } else {
                    try await objectStores(copy.backend).getObject(copy.locator, to: temp)
                }
                if try await put(temp, at: location) { return "from the copy on backend '\(copy.backend)'" }
            } catch {
                continue
            }
        }
        for url in (try? await store.sourceURLs(assetID: location.assetID)) ?? [] {
            do {
                let fetched = try await Downloader().download(url, to: temp)
                if try await put(temp, at: location, digest: (fetched.sha256.hex, Int64(fetched.bytes))) {
                    return "from its source \(Redaction.url(url))"
                }
            } catch {
                continue
            }
        }
        return nil
    }

    /// Moves the file at `temp` to `location` when it holds the asset's bytes (`digest`: its
    /// SHA-256 and size when the fetch took them on the way; else it is hashed here).
    private func put(_ temp: String, at location: StoredLocation, digest known: (String, Int64)? = nil) async throws -> Bool {
        let found: (String, Int64)?
        if let known { found = known } else { found = try await Self.hashFile(temp) }
        guard let (digest, bytes) = found, digest == location.sha256, bytes == location.size else { return false }
        if location.backendKind == "local_fs" {
            // Across volumes too (a temp folder elsewhere): copied beside, then renamed over the bad one.
            try await BlockingIO.run { [library] in try library.place(temp, at: location.locator, replacing: true) }
        } else {
            _ = try await objectStores(location.backend).putObject(location.locator, file: temp)
        }
        return true
    }
}
