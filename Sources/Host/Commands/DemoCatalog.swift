import Foundation

/// Files that ship beside the program — the demo catalog, the bundled graphs — found relative
/// to the executable (in the source tree or a release folder), so that commands work from any
/// working directory.
enum Bundled {
    static var executable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// `relativePath` in the first folder above the executable that has it.
    static func locate(_ relativePath: String) -> String? {
        var folder = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            let candidate = folder.appendingPathComponent(relativePath).path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
            folder.deleteLastPathComponent()
        }
        return nil
    }

    /// The bundled graph `name` (`graphs/NAME.yaml`), if there is one.
    static func graph(_ name: String) -> String? {
        guard !name.contains("/"), !name.hasSuffix(".yaml"), !name.hasSuffix(".yml") else { return nil }
        return locate("graphs/\(name).yaml")
    }
}

/// The bundled demo catalog (fixtures/demo/demo.m3u8); `ENGINE_DEMO_CATALOG` overrides.
enum DemoCatalog {
    static let relativePath = "fixtures/demo/demo.m3u8"

    static func locate() throws -> String {
        if let path = ProcessInfo.processInfo.environment["ENGINE_DEMO_CATALOG"], !path.isEmpty { return path }
        guard let path = Bundled.locate(relativePath) else {
            throw HostError.demoCatalogMissing(executable: Bundled.executable)
        }
        return path
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
