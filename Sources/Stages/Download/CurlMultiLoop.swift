internal import CCurl
internal import CMediaKernels
import Foundation
import Synchronization

/// Every transfer of the process on one curl multi handle, driven by a thread of its own
/// (`curl_multi_perform` / `curl_multi_poll`, the way `curl -Z` works): a transfer costs no
/// thread while it waits on the network, so the network lane's size is the number really in
/// flight, and the connection cache (keep-alive, HTTP/2 multiplexing) is shared by all of them.
/// Callbacks run on the loop's thread; so does each transfer's `finish`, which must be short
/// (it reads the outcome and resumes the waiting task).
final class CurlMultiLoop: Sendable {
    static let shared = CurlMultiLoop()

    /// One transfer handed to the loop: an easy handle with its sink installed.
    /// @unchecked Sendable: handed over once through `incoming`, then only the loop touches it.
    final class Transfer: @unchecked Sendable {
        let easy: UnsafeMutableRawPointer
        let sink: SinkBox
        let finish: (CURLcode) -> Void

        init(easy: UnsafeMutableRawPointer, sink: SinkBox, finish: @escaping (CURLcode) -> Void) {
            self.easy = easy
            self.sink = sink
            self.finish = finish
        }
    }

    /// The `CURLM *`. @unchecked Sendable: only the loop's thread calls into it, but for
    /// `curl_multi_wakeup`, which curl allows from any thread.
    private struct Multi: @unchecked Sendable {
        let pointer: UnsafeMutableRawPointer
    }

    /// A transfer the loop sets up (`prepare`) and adds; `failed` gets the error if the set-up throws.
    private struct Incoming: Sendable {
        let prepare: @Sendable () throws -> Transfer
        let failed: @Sendable (any Error) -> Void
    }

    private let multi: Multi
    private let incoming = Mutex<[Incoming]>([])

    private init() {
        _ = CurlHandlePool.globalInit
        guard let pointer = curl_multi_init() else { fatalError("curl_multi_init failed") }
        multi = Multi(pointer: pointer)
        _ = ccurl_multi_setopt_long(pointer, CURLMOPT_PIPELINING, Int(CURLPIPE_MULTIPLEX))
        let thread = Thread { [self] in run() }
        thread.name = "media-engine.curl"
        thread.start()
    }

    /// Adds the transfer `prepare` sets up, called on the loop's thread (short file work such
    /// as opening the download's file costs no trip to another thread); its `finish` runs there
    /// too, with curl's result. If `prepare` throws, `failed` gets the error.
    func start(preparing prepare: @escaping @Sendable () throws -> Transfer, failed: @escaping @Sendable (any Error) -> Void) {
        incoming.withLock { $0.append(Incoming(prepare: prepare, failed: failed)) }
        curl_multi_wakeup(multi.pointer)
    }

    /// Wakes the loop so it sees a transfer's cancel mark at once.
    func wake() {
        curl_multi_wakeup(multi.pointer)
    }

    private func run() {
        var active: [UnsafeMutableRawPointer: Transfer] = [:]
        var running: Int32 = 0
        var left: Int32 = 0
        while true {
            for handed in incoming.withLock({ list in defer { list.removeAll(keepingCapacity: true) }; return list }) {
                let transfer: Transfer
                do { transfer = try handed.prepare() } catch {
                    handed.failed(error)
                    continue
                }
                if transfer.sink.isCanceled {
                    transfer.sink.pointer.pointee.error = Int32(MK_SINK_CANCELED)
                    transfer.finish(CURLE_ABORTED_BY_CALLBACK)
                } else if curl_multi_add_handle(multi.pointer, transfer.easy) == CURLM_OK {
                    active[transfer.easy] = transfer
                } else {
                    transfer.finish(CURLE_FAILED_INIT)
                }
            }
            curl_multi_perform(multi.pointer, &running)
            while let message = curl_multi_info_read(multi.pointer, &left) {
                guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
                let code = message.pointee.data.result
                curl_multi_remove_handle(multi.pointer, easy)
                active.removeValue(forKey: easy)?.finish(code)
            }
            // Cancelled transfers leave now (not at their next callback); paused ones whose
            // wait is over go on; the poll wakes for the next of those waits at the latest.
            var timeout: Int64 = 1000
            var ended: [(Transfer, CURLcode)] = []
            let now = mk_monotonic_ns()
            for transfer in active.values {
                let sink = transfer.sink.pointer
                if transfer.sink.isCanceled {
                    sink.pointee.error = Int32(MK_SINK_CANCELED)
                    ended.append((transfer, CURLE_ABORTED_BY_CALLBACK))
                } else if sink.pointee.paused != 0 {
                    let wait = sink.pointee.resume_at - now
                    if wait <= 0 {
                        sink.pointee.paused = 0
                        // The unpause delivers the bytes curl kept: a write that fails there
                        // (a full disk, the size cap) ends the transfer with its error.
                        let code = ccurl_unpause(transfer.easy)
                        if code != CURLE_OK { ended.append((transfer, code)) }
                        timeout = 0  // what the unpause delivered may want more work at once
                    } else {
                        timeout = min(timeout, max(1, wait / 1_000_000))
                    }
                }
            }
            for (transfer, code) in ended {
                curl_multi_remove_handle(multi.pointer, transfer.easy)
                active.removeValue(forKey: transfer.easy)
                transfer.finish(code)
            }
            curl_multi_poll(multi.pointer, nil, 0, Int32(timeout), nil)
        }
    }
}
