#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// An open regular file, read through POSIX calls so that the data layer needs
/// no Foundation and the descriptor is closed however reading ends.
final class ReadOnlyFile: IDXByteSource {
    /// The path as the caller gave it, for error messages.
    let path: String

    /// The file's length when it was opened: the ground truth that header
    /// claims are checked against before anything large is allocated.
    let size: Int

    private let descriptor: Int32

    /// Opens `path`, refusing anything that is not a regular file, since a
    /// directory or a pipe has no size to check a header against.
    init(path: String) throws(DataError) {
        self.path = path
        do throws(RegularFile.Failure) {
            (descriptor, size) = try RegularFile.open(path)
        } catch {
            throw DataError(file: path, reason: error.reason)
        }
    }

    deinit {
        close(descriptor)
    }

    /// Fills `buffer` from the current position and returns how many bytes
    /// arrived; fewer than asked only at the end of the file. Loops because
    /// `read` may return short counts and may be interrupted by signals.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(DataError) -> Int {
        guard let base = buffer.baseAddress else { return 0 }
        var filled = 0
        while filled < buffer.count {
            // Some kernels refuse single reads above 2 GiB.
            let request = min(buffer.count - filled, 1 << 30)
            let got = systemRead(descriptor, base + filled, request)
            if got > 0 {
                filled += got
            } else if got == 0 {
                break
            } else {
                let code = errno
                if code == EINTR { continue }
                throw DataError(file: path, reason: "cannot read: \(Self.message(for: code))")
            }
        }
        return filled
    }

    /// Goes back to the first byte, so format detection can peek at the magic
    /// and then hand the whole file to the right decoder.
    func rewind() throws(DataError) {
        guard lseek(descriptor, 0, SEEK_SET) == 0 else {
            let code = errno
            throw DataError(file: path, reason: "cannot seek: \(Self.message(for: code))")
        }
    }

    private static func message(for code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }
}

/// The C library's `read`, named apart so the method above can call it
/// without spelling the platform module.
private func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}
