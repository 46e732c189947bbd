internal import CMediaKernels
public import Engine
import Synchronization

/// One download as it happens: its bytes read live from the transfer's sink (atomics), for
/// progress displays and the job's record of running items.
public final class TransferProgress: Sendable {
    public let title: String
    /// The attempt of the job item it is for (nil outside a job).
    public let lease: ItemLease?
    private let state = Mutex<(sink: SinkBox?, bytes: Int64, received: Int64, expected: Int64?)>((nil, 0, 0, nil))

    public init(title: String, lease: ItemLease?) {
        self.title = title
        self.lease = lease
    }

    /// The file's size so far (a resumed head included), what came over the network in this
    /// transfer, and the whole size the server announced.
    public var current: (bytes: Int64, received: Int64, expected: Int64?) {
        state.withLock { state in
            guard let sink = state.sink else { return (state.bytes, state.received, state.expected) }
            let expected = mk_sink_expected(sink.pointer)
            return (Int64(mk_sink_bytes(sink.pointer)), Int64(mk_sink_received(sink.pointer)), expected >= 0 ? expected : nil)
        }
    }

    func attach(_ sink: SinkBox) {
        state.withLock { $0.sink = sink }
    }

    /// The transfer ended: its last figures stay, the sink goes.
    func detach() {
        let last = current
        state.withLock { $0 = (nil, last.bytes, last.received, last.expected) }
    }
}

/// The downloads of this process in flight, and the bytes all of them have received: what a
/// progress display samples a few times a second.
public final class TransferRegistry: Sendable {
    public static let shared = TransferRegistry()
    private let state = Mutex<(active: [ObjectIdentifier: TransferProgress], finishedBytes: Int64)>(([:], 0))

    func begin(_ transfer: TransferProgress) {
        state.withLock { $0.active[ObjectIdentifier(transfer)] = transfer }
    }

    func end(_ transfer: TransferProgress) {
        let received = transfer.current.received
        state.withLock {
            if $0.active.removeValue(forKey: ObjectIdentifier(transfer)) != nil { $0.finishedBytes += received }
        }
    }

    /// The transfers in flight (oldest first is not promised) and every byte received so far,
    /// finished transfers included.
    public func snapshot() -> (transfers: [TransferProgress], receivedBytes: Int64) {
        let (active, finished) = state.withLock { (Array($0.active.values), $0.finishedBytes) }
        return (active, finished + active.reduce(0) { $0 + $1.current.received })
    }
}
