import ArgumentParser
import Engine

/// `--data-dir`, shared by every command that touches state.
struct DataDirOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "Data directory (default: $ENGINE_DATA_DIR, else $XDG_DATA_HOME/media-engine).")
    var path: String?

    var directory: DataDirectory { DataDirectory.resolve(explicit: path) }
}
