internal import CMediaKernels

/// Incremental SHA-256 (OpenSSL EVP in CMediaKernels): feed bytes as they arrive with
/// `update`, then `finalize`. After `finalize` the hasher is reset and can be reused.
///
/// Not thread-safe: one owner feeds it (a downloader's write callback, a file reader).
public final class SHA256Hasher {
    let context: OpaquePointer

    public init() throws(ChecksumError) {
        guard let context = mk_sha256_new() else { throw .digestFailed("cannot create an EVP context") }
        self.context = context
    }

    deinit {
        mk_sha256_free(context)
    }

    public func update(_ buffer: UnsafeRawBufferPointer) throws(ChecksumError) {
        guard let base = buffer.baseAddress, !buffer.isEmpty else { return }
        guard mk_sha256_update(context, base, buffer.count) == 0 else { throw .digestFailed("EVP_DigestUpdate") }
    }

    public func update(_ bytes: some Sequence<UInt8>) throws(ChecksumError) {
        let array = Array(bytes)
        let status = array.withUnsafeBytes { mk_sha256_update(context, $0.baseAddress, $0.count) }
        guard status == 0 else { throw .digestFailed("EVP_DigestUpdate") }
    }

    public func finalize() throws(ChecksumError) -> SHA256Digest {
        var out = [UInt8](repeating: 0, count: Int(MK_SHA256_DIGEST_LENGTH))
        guard mk_sha256_final(context, &out) == 0 else { throw .digestFailed("EVP_DigestFinal") }
        return SHA256Digest(bytes: out)
    }
}
