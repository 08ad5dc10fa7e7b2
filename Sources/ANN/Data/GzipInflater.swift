import CZlib

/// Streams the decompressed bytes of a gzip file (on disk or in memory), so
/// that the header can be checked before the reader commits to a buffer for
/// the data.
///
/// A class because zlib keeps pointers into its `z_stream`, which must
/// therefore stay at one address, and must be released with `inflateEnd`.
final class GzipInflater {
    private let file: any IDXByteSource
    private let stream: UnsafeMutablePointer<z_stream>
    private let input: UnsafeMutableRawBufferPointer
    private var inputExhausted = false
    private var finished = false

    /// Compressed bytes read per `read(2)` call.
    private static let inputChunkSize = 1 << 16

    /// zlib's avail_out is 32-bit; stay well inside it.
    private static let outputChunkSize = 1 << 30

    /// Starts decompressing `file` from its current position.
    init(file: any IDXByteSource) throws(DataError) {
        self.file = file
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        input = .allocate(byteCount: Self.inputChunkSize, alignment: 1)
        // 15 + 32: the largest window, with gzip and zlib headers detected.
        let status = inflateInit2_(stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            input.deallocate()
            throw DataError(file: file.path, reason: "cannot start gzip decompression (zlib status \(status))")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
        input.deallocate()
    }

    /// Fills `buffer` with decompressed bytes and returns how many arrived;
    /// fewer than asked only when the gzip data ended cleanly.
    ///
    /// - Throws: ``DataError`` when the compressed data is cut short or corrupt.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(DataError) -> Int {
        guard let base = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return 0 }
        var produced = 0
        while produced < buffer.count && !finished {
            if stream.pointee.avail_in == 0 && !inputExhausted {
                try refill()
            }
            let room = min(buffer.count - produced, Self.outputChunkSize)
            stream.pointee.next_out = base + produced
            stream.pointee.avail_out = UInt32(room)
            let status = inflate(stream, Z_NO_FLUSH)
            produced += room - Int(stream.pointee.avail_out)
            switch status {
            case Z_STREAM_END:
                try finishMember()
            case Z_OK, Z_BUF_ERROR:
                // inflate stops early only for lack of input; with none left,
                // the stream was cut off before its end marker.
                if stream.pointee.avail_out > 0 && stream.pointee.avail_in == 0 && inputExhausted {
                    throw DataError(
                        file: file.path,
                        reason: "truncated gzip data: the compressed stream ends before its end marker")
                }
            case Z_MEM_ERROR:
                throw DataError(file: file.path, reason: "out of memory while decompressing")
            default:
                throw DataError(file: file.path, reason: "corrupt gzip data (\(zlibMessage(status)))")
            }
        }
        return produced
    }

    /// Reads on to the end of the stream, so that a cut-off trailer or a
    /// checksum mismatch is still caught after the last needed byte.
    ///
    /// - Returns: whether any decompressed bytes were left over.
    func hasBytesLeft() throws(DataError) -> Bool {
        var scratch: UInt8 = 0
        let got = try withUnsafeMutableBytes(of: &scratch) { (buffer) throws(DataError) in
            try read(into: buffer)
        }
        return got > 0
    }

    private func refill() throws(DataError) {
        let got = try file.read(into: input)
        if got == 0 { inputExhausted = true }
        stream.pointee.next_in = input.baseAddress?.assumingMemoryBound(to: UInt8.self)
        stream.pointee.avail_in = UInt32(got)
    }

    /// A gzip file may hold several members back to back (what `cat a.gz
    /// b.gz` makes); gzip reads them as one stream, and so does this.
    private func finishMember() throws(DataError) {
        if stream.pointee.avail_in == 0 && !inputExhausted {
            try refill()
        }
        if stream.pointee.avail_in == 0 {
            finished = true
        } else {
            inflateReset(stream)
        }
    }

    private func zlibMessage(_ status: Int32) -> String {
        if let message = stream.pointee.msg { return String(cString: message) }
        return "zlib status \(status)"
    }
}
