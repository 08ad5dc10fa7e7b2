/// Where the IDX decoder (and the .npy reader) reads from: a file on disk (``ReadOnlyFile``) or
/// bytes already in memory (``InMemoryBytes``). Both decode through the same
/// code, so what the fuzzers exercise in memory is what reads real files.
protocol IDXByteSource: AnyObject {
    /// Names the source in error messages: the path as the caller gave it.
    var path: String { get }

    /// The total length in bytes: the ground truth that header claims are
    /// checked against before anything large is allocated.
    var size: Int { get }

    /// Fills `buffer` from the current position and returns how many bytes
    /// arrived; fewer than asked only at the end of the source.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(DataError) -> Int

    /// Goes back to the first byte.
    func rewind() throws(DataError)
}

extension IDXByteSource {
    /// Reads up to `count` bytes into a new array; fewer only at the end.
    func read(upTo count: Int) throws(DataError) -> [UInt8] {
        try [UInt8](readingUpTo: count) { (buffer) throws(DataError) in try read(into: buffer) }
    }
}

/// A whole IDX file held in memory, read like a file.
final class InMemoryBytes: IDXByteSource {
    let path: String
    private let bytes: [UInt8]
    private var position = 0

    var size: Int { bytes.count }

    /// Wraps `bytes`; `source` names them in error messages.
    init(_ bytes: [UInt8], source: String) {
        self.bytes = bytes
        self.path = source
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(DataError) -> Int {
        let count = min(buffer.count, bytes.count - position)
        guard count > 0, let destination = buffer.baseAddress else { return 0 }
        bytes.withUnsafeBytes { source in
            destination.copyMemory(from: source.baseAddress! + position, byteCount: count)
        }
        position += count
        return count
    }

    func rewind() throws(DataError) {
        position = 0
    }
}
