import Dispatch
import Foundation

/// Turns Ctrl-C into a cancellation of the run instead of killing the process mid-write.
/// A second Ctrl-C exits at once.
final class Interrupt {
    private let source: any DispatchSourceSignal

    private init(source: any DispatchSourceSignal) {
        self.source = source
    }

    static func onSIGINT(_ handler: @escaping @Sendable () -> Void) -> Interrupt {
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        let count = ManagedCounter()
        source.setEventHandler {
            // Signals that arrive together are delivered as one event: `data` says how many.
            if count.add(Int(source.data)) > 1 { exit(130) }
            FileHandle.standardError.write(Data("\nengine: interrupted, cancelling (Ctrl-C again to quit now)\n".utf8))
            handler()
        }
        source.resume()
        return Interrupt(source: source)
    }

    func cancel() {
        source.cancel()
        signal(SIGINT, SIG_DFL)
    }
}

/// @unchecked Sendable: touched only from the signal source's serial handler.
private final class ManagedCounter: @unchecked Sendable {
    private var value = 0

    func add(_ signals: Int) -> Int {
        value += max(1, signals)
        return value
    }
}
