import ArgumentParser
import Stages

/// Download settings a job runs with, for `run` and `jobs submit`: flags over `ENGINE_*` over
/// the graph file's `download:` over the config file over the built-in defaults.
struct TransferOptions: ParsableArguments {
    @Option(help: "Seconds a download may move no data before it fails (default from the graph: 30).")
    var stallTimeout: Double?

    @Option(help: "Seconds allowed to connect (default from the graph: 15).")
    var connectTimeout: Double?

    @Option(help: "Tries per item, the first included, when it fails on a transient error: a 5xx, a 429, a dropped connection (default from the graph: 5).")
    var attempts: Int?

    @Option(help: "Seconds to wait after the first transient failure; doubled for each further one, with jitter (default from the graph: 1).")
    var retryDelay: Double?

    @Option(help: "A cap in bytes per second shared by all transfers: 500K, 2M, 1.5G (powers of 1024).")
    var limitRate: String?

    @Option(help: "A download past this size is stopped and its item skipped (a live stream): 512M, 4G (default from the graph: 4G).")
    var maxSize: String?

    func validate() throws {
        for (name, timeout) in [("--stall-timeout", stallTimeout), ("--connect-timeout", connectTimeout), ("--retry-delay", retryDelay)] {
            if let timeout, !(timeout > 0 && timeout <= 86_400) { throw ValidationError("\(name) must be from 0 to 86400 seconds") }
        }
        if let attempts, !(1...100).contains(attempts) { throw ValidationError("--attempts must be from 1 to 100") }
        for (name, text) in [("--limit-rate", limitRate), ("--max-size", maxSize)] {
            if let text, ByteSize.parse(text) == nil {
                throw ValidationError("\(name) '\(text)' is not a size: give bytes, or a number with K, M or G (powers of 1024)")
            }
        }
    }

    /// The values these flags give, by setting key.
    var flags: [String: String] {
        let given: [(String, String?)] = [
            ("stall_timeout", stallTimeout.map { "\($0)" }), ("connect_timeout", connectTimeout.map { "\($0)" }),
            ("attempts", attempts.map(String.init)), ("retry_delay", retryDelay.map { "\($0)" }), ("limit_rate", limitRate),
            ("max_size", maxSize),
        ]
        return DataDirOptions.given(given)
    }
}
