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

    /// Moves `file` into place at `locator` (rename; copy then delete across volumes).
    /// Never overwrites: a taken locator is an error the caller resolves.
    public func place(_ file: String, at locator: String) throws {
        guard let destination = path(for: locator) else {
            throw StorageError.outsideLibrary(locator: locator)
        }
        let folder = (destination as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw StorageError.cannotWrite(path: folder, reason: "\(error.localizedDescription)")
        }
        // link + unlink never replaces an existing file (rename would).
        if link(file, destination) == 0 {
            unlink(file)
            return
        }
        let linkError = errno
        if linkError == EEXIST { throw StorageError.taken(locator: locator) }
        guard linkError == EXDEV || linkError == EPERM else {
            throw StorageError.cannotWrite(path: destination, reason: String(cString: strerror(linkError)))
        }
        do {
            try FileManager.default.copyItem(atPath: file, toPath: destination)
            unlink(file)
        } catch {
            throw StorageError.cannotWrite(path: destination, reason: error.localizedDescription)
        }
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
