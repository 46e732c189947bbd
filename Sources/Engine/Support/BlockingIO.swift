import Dispatch

/// Runs blocking C work (libav, curl easy, file I/O) off the cooperative thread pool, which has
/// only as many threads as cores. Callers bound how many run at once with a lane permit.
public enum BlockingIO {
    private static let queue = DispatchQueue(label: "media-engine.blocking", attributes: .concurrent)

    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withUnsafeThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try body() })
            }
        }
    }
}
