/// Why an export could not be written; each names the collection or file and the cause.
package enum ExportError: Error, Sendable, CustomStringConvertible {
    case notReady(collection: String, reason: String)
    case unreadable(path: String, reason: String)
    case unwritable(path: String, reason: String)
    case changed(path: String)
    case notAnExport(path: String)

    public var description: String {
        switch self {
        case .notReady(let collection, let reason): "collection '\(collection)' is not ready to export: \(reason)"
        case .unreadable(let path, let reason): "cannot read \(path): \(reason)"
        case .unwritable(let path, let reason): "cannot write \(path): \(reason)"
        case .changed(let path): "\(path) changed size while it was being exported"
        case .notAnExport(let path): "\(path) exists and is not an export folder (no .media-engine-export.json): remove it or export elsewhere"
        }
    }
}
