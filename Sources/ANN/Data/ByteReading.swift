extension [UInt8] {
    /// Allocates room for `count` bytes, lets `source` write into it, and keeps
    /// the bytes it reports writing: one allocation, no zero-filling and no
    /// copy, which matters for the 47 MB of MNIST training images. Large
    /// buffers are asked for 2 MB pages (``adviseHugePages(_:)``).
    ///
    /// - Parameter source: writes into the buffer and returns how many bytes
    ///   it wrote, fewer than asked only when its data ran out.
    init(
        readingUpTo count: Int,
        from source: (UnsafeMutableRawBufferPointer) throws(DataError) -> Int
    ) throws(DataError) {
        var failure: DataError?
        self.init(unsafeUninitializedCapacity: count) { buffer, initialized in
            adviseHugePages(UnsafeMutableRawBufferPointer(buffer))
            do throws(DataError) {
                initialized = Swift.min(try source(UnsafeMutableRawBufferPointer(buffer)), count)
            } catch {
                failure = error
                initialized = 0
            }
        }
        if let failure { throw failure }
    }
}
