import Dispatch
import Foundation

/// Turns Ctrl-C into steps instead of killing the process mid-write: the handler hears each
/// press with its number (1: pause, 2: cancel, in `engine run`); a third press exits at once
/// with 130, whatever is still running (what it leaves is cleaned on the next start).
final class Interrupt {
    private let source: any DispatchSourceSignal
    private let signalNumber: Int32

    private init(source: any DispatchSourceSignal, signal: Int32 = SIGINT) {
        self.source = source
        self.signalNumber = signal
    }

    static func onSIGINT(_ handler: @escaping @Sendable (_ press: Int) -> Void) -> Interrupt {
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        let count = ManagedCounter()
        source.setEventHandler {
            // Signals that arrive together are delivered as one event: `data` says how many.
            let before = count.value
            let now = count.add(Int(source.data))
            if now >= 3 { exit(130) }
            for press in (before + 1)...now { handler(press) }
        }
        source.resume()
        return Interrupt(source: source)
    }

    /// SIGTERM (a service manager stopping the run): `handler` once, for a clean stop.
    static func onSIGTERM(_ handler: @escaping @Sendable () -> Void) -> Interrupt {
        signal(SIGTERM, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGTERM, queue: .global())
        source.setEventHandler(handler: handler)
        source.resume()
        return Interrupt(source: source, signal: SIGTERM)
    }

    func cancel() {
        source.cancel()
        signal(signalNumber, SIG_DFL)
    }
}

/// @unchecked Sendable: touched only from the signal source's serial handler.
private final class ManagedCounter: @unchecked Sendable {
    private(set) var value = 0

    func add(_ signals: Int) -> Int {
        value += max(1, signals)
        return value
    }
}
