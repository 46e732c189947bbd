internal import CMediaKernels
import Engine

/// What one transfer took from the disk budget, given back when it ends. @unchecked Sendable:
/// `taken` is set by the transfer thread (header callback) and read by it after the transfer.
final class DiskTicket: @unchecked Sendable {
    let budget: DiskBudget
    let directory: String
    private var taken: Int64 = 0

    init(budget: DiskBudget, directory: String) {
        self.budget = budget
        self.directory = directory
    }

    func take(_ bytes: Int64) -> Bool {
        budget.give(taken)  // a second response (a restart) replaces the first's share
        taken = 0
        guard (try? budget.take(bytes, in: directory)) == true else { return false }
        taken = bytes
        return true
    }

    func giveBack() {
        budget.give(taken)
        taken = 0
    }
}

/// Owns the C `mk_sink` of one transfer. @unchecked Sendable: the transfer thread owns every
/// field but `cancel` and `bytes`, which other threads touch only through `mk_sink_cancel` and
/// `mk_sink_bytes` (atomics).
final class SinkBox: @unchecked Sendable {
    let pointer = UnsafeMutablePointer<mk_sink>.allocate(capacity: 1)

    init() {
        pointer.initialize(to: mk_sink())  // all zero: not cancelled
    }

    func cancel() {
        mk_sink_cancel(pointer)
    }

    var isCanceled: Bool { mk_sink_canceled(pointer) != 0 }

    deinit {
        pointer.deinitialize(count: 1)
        pointer.deallocate()
    }
}
