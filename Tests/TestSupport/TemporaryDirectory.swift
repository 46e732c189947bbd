public import Foundation

/// A fresh directory under the system temp folder, removed on deinit.
public final class TemporaryDirectory: Sendable {
    public let url: URL

    public init(_ label: String = "test") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    public var path: String { url.path }

    public func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// Writes `text` to `name` and returns its path.
    @discardableResult
    public func write(_ name: String, _ text: String) throws -> String {
        try Data(text.utf8).write(to: file(name))
        return file(name).path
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }
}

/// What a data directory's temp folder holds besides partial downloads (`item-N.part` and its
/// `.meta`), which stay while their job items are open so a later attempt continues them.
public func temporaryLeftovers(_ folder: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: folder).filter {
        $0.range(of: #"^item-[0-9]+\.part(\.meta)?$"#, options: .regularExpression) == nil
    }
}
