internal import CCurl
import Synchronization

/// Reuses curl easy handles so connections to the same host stay open between files.
final class CurlHandlePool: Sendable {
    /// A `CURL *`. @unchecked Sendable: a handle is used by one thread at a time, between
    /// `checkOut` and `checkIn`, which pass it through the pool's Mutex.
    struct Handle: @unchecked Sendable {
        let pointer: UnsafeMutableRawPointer
    }

    static let globalInit: Void = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
    }()

    private let idle = Mutex<[Handle]>([])

    init() {
        _ = Self.globalInit
    }

    func checkOut() -> Handle? {
        if let handle = idle.withLock({ $0.popLast() }) {
            curl_easy_reset(handle.pointer)
            return handle
        }
        return curl_easy_init().map(Handle.init)
    }

    func checkIn(_ handle: Handle) {
        idle.withLock { $0.append(handle) }
    }

    deinit {
        for handle in idle.withLock({ $0 }) { curl_easy_cleanup(handle.pointer) }
    }
}
