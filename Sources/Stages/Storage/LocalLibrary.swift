public import Foundation

/// The local library backend (`local_fs`): files under `root`, addressed by relative locators.
public struct LocalLibrary: Sendable {
    public static let backendName = "library"
    public let root: URL

    public init(root: URL) {
        self.root = root.standardizedFileURL
    }

    /// The absolute path of a locator; nil when the locator would leave the library.
    public func path(for locator: String) -> String? {
        let path = root.appendingPathComponent(locator).standardizedFileURL.path
        return path.hasPrefix(root.path + "/") ? path : nil
    }

    /// True when the file for `locator` exists with `size` bytes.
    public func holds(_ locator: String, size: Int64) -> Bool {
        guard let path = path(for: locator),
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        else { return false }
        return (attributes[.size] as? NSNumber)?.int64Value == size
    }

    /// Moves `file` into place at `locator`. Never overwrites unless `replacing` (a taken
    /// locator is `StorageError.taken`, for the caller to resolve). Across volumes the file is
    /// copied to a hidden temporary name beside the destination first, so the final name only
    /// ever holds a complete file.
    public func place(_ file: String, at locator: String, replacing: Bool = false) throws {
        guard let destination = path(for: locator) else {
            throw StorageError.outsideLibrary(locator: locator)
        }
        let folder = (destination as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw StorageError.cannotWrite(path: folder, reason: "\(error.localizedDescription)")
        }
        var source = file
        if !sameVolume(file, folder) {
            source = folder + "/.incoming-" + UUID().uuidString
            do {
                try FileManager.default.copyItem(atPath: file, toPath: source)
            } catch {
                unlink(source)
                throw StorageError.cannotWrite(path: destination, reason: error.localizedDescription)
            }
        }
        defer { if source != file { unlink(source) } }
        // rename replaces; link + unlink never does.
        var status = replacing ? rename(source, destination) : link(source, destination)
        var code = errno
        if status != 0, !replacing, [EPERM, ENOTSUP, EOPNOTSUPP, EMLINK].contains(code) {
            // No hard links here: check, then rename (placements are serialized by the caller).
            if FileManager.default.fileExists(atPath: destination) { throw StorageError.taken(locator: locator) }
            status = rename(source, destination)
            code = errno
        }
        guard status == 0 else {
            if code == EEXIST { throw StorageError.taken(locator: locator) }
            throw StorageError.cannotWrite(path: destination, reason: String(errno: code))
        }
        if !replacing { unlink(source) }
        if source != file { unlink(file) }
    }

    private func sameVolume(_ a: String, _ b: String) -> Bool {
        var first = stat(), second = stat()
        return stat(a, &first) == 0 && stat(b, &second) == 0 && first.st_dev == second.st_dev
    }
}

public enum StorageError: Error, Sendable, CustomStringConvertible {
    case outsideLibrary(locator: String)
    case taken(locator: String)
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .outsideLibrary(let locator): "\(locator): would be outside the library"
        case .taken(let locator): "\(locator): another file already has this name"
        case .cannotWrite(let path, let reason): "\(path): \(reason)"
        }
    }
}
