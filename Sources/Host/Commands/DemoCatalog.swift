import Foundation

/// The bundled demo catalog (fixtures/demo/demo.m3u8), found relative to the executable so
/// `engine run` works from any working directory; `ENGINE_DEMO_CATALOG` overrides.
enum DemoCatalog {
    static let relativePath = "fixtures/demo/demo.m3u8"

    static func locate() throws -> String {
        if let path = ProcessInfo.processInfo.environment["ENGINE_DEMO_CATALOG"], !path.isEmpty { return path }
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        var folder = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            let candidate = folder.appendingPathComponent(relativePath).path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
            folder.deleteLastPathComponent()
        }
        throw HostError.demoCatalogMissing(executable: executable)
    }
}

enum HostError: Error, CustomStringConvertible {
    case demoCatalogMissing(executable: String)

    var description: String {
        switch self {
        case .demoCatalogMissing(let executable):
            "the bundled demo catalog (\(DemoCatalog.relativePath)) was not found above \(executable); "
                + "pass --input PATH_OR_URL or set ENGINE_DEMO_CATALOG"
        }
    }
}
