#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads whole files with POSIX calls, so that failures keep their `errno` reason.
enum FileContents {
    /// All bytes of the file at `path`; the error is the reason it could not be read.
    static func read(_ path: String) throws(FileReadFailure) -> [UInt8] {
        let descriptor: Int32, size: Int
        do throws(RegularFile.Failure) {
            (descriptor, size) = try RegularFile.open(path)
        } catch {
            throw FileReadFailure(error == .notRegular ? "not a regular file" : error.reason)
        }
        defer { close(descriptor) }

        // The size is only a hint: the file may change while it is read.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(max(0, size))
        let chunkSize = 1 << 20
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        while true {
            let count = chunk.withUnsafeMutableBytes { buffer in
                posixRead(descriptor, buffer.baseAddress, chunkSize)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw FileReadFailure(SystemError.lastError(during: "read"))
            }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<count])
        }
    }
}

/// Why a file could not be read.
struct FileReadFailure: Error, Sendable {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}

/// The POSIX `read`, named apart from `FileContents.read` to avoid the clash.
@inline(__always)
private func posixRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.read(descriptor, buffer, count)
    #elseif canImport(Musl)
    return Musl.read(descriptor, buffer, count)
    #else
    return Darwin.read(descriptor, buffer, count)
    #endif
}
