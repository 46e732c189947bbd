public import Foundation

/// Paths into the repository's fixtures/ folder.
public enum Fixtures {
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static let mediaDirectory = packageRoot.appendingPathComponent("fixtures/media")
    public static let badDirectory = packageRoot.appendingPathComponent("fixtures/bad")

    /// Every good media fixture, by file name.
    public static var media: [String] { files(in: mediaDirectory) }
    /// Fixtures every stage must reject: truncated, zero-byte, text named .mp3.
    public static var bad: [String] { files(in: badDirectory) }

    public static func media(_ name: String) -> String { mediaDirectory.appendingPathComponent(name).path }
    public static func bad(_ name: String) -> String { badDirectory.appendingPathComponent(name).path }

    private static func files(in directory: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { !$0.hasPrefix(".") }.sorted()
    }
}
