#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes files so that they appear whole or not at all.
///
/// The bytes go to a temporary file next to the target, which is flushed to disk
/// and then renamed over the target. A crash or a full disk therefore never
/// leaves a truncated file under the target's name.
enum AtomicFile {
    /// Replaces the file at `path` with `bytes`.
    ///
    /// On failure the temporary file is removed and the target is untouched
    /// (unless only the final directory flush failed, after the rename).
    static func write(_ bytes: [UInt8], to path: String) throws(FileWriteError) {
        let (directory, name) = split(path)
        guard !name.isEmpty else {
            throw FileWriteError(path: path, reason: "the path names a directory, not a file")
        }
        let temporaryPath = directory + "/" + temporaryName(for: name)

        // O_EXCL: never reuse a file someone else may have opened.
        let descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw FileWriteError(
                path: path,
                reason: SystemError.lastError(during: "creating temporary file \(temporaryPath)"))
        }

        do throws(FileWriteError) {
            try writeDurably(bytes, to: descriptor, target: path)
            guard rename(temporaryPath, path) == 0 else {
                throw FileWriteError(path: path, reason: SystemError.lastError(during: "rename"))
            }
        } catch {
            unlink(temporaryPath)
            throw error
        }

        try syncDirectory(directory, target: path)
    }

    /// Splits a path into its directory ("." when none is given) and file name.
    static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let directory = String(path[..<slash])
        let name = String(path[path.index(after: slash)...])
        return (directory.isEmpty ? "/" : directory, name)
    }

    /// A hidden name that no concurrent writer, in this process or another, will pick.
    static func temporaryName(for name: String) -> String {
        let random = String(UInt64.random(in: .min ... .max), radix: 16)
        return ".\(name).tmp-\(getpid())-\(random)"
    }

    /// Writes all of `bytes`, flushes them to disk and closes `descriptor`,
    /// which is closed whether or not this succeeds.
    private static func writeDurably(_ bytes: [UInt8], to descriptor: Int32, target: String) throws(FileWriteError) {
        do throws(FileWriteError) {
            try writeAll(bytes, to: descriptor, path: target)
            // Without fsync the rename could reach the disk before the data.
            guard fsync(descriptor) == 0 else {
                throw FileWriteError(path: target, reason: SystemError.lastError(during: "fsync"))
            }
        } catch {
            close(descriptor)
            throw error
        }
        // Some file systems only report write errors on close.
        guard close(descriptor) == 0 else {
            throw FileWriteError(path: target, reason: SystemError.lastError(during: "close"))
        }
    }

    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32, path: String) throws(FileWriteError) {
        let failure: FileWriteError? = bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let remaining = buffer.count - offset
                guard let start = buffer.baseAddress?.advanced(by: offset) else { return nil }
                let written = posixWrite(descriptor, start, remaining)
                if written < 0 {
                    if errno == EINTR { continue }
                    return FileWriteError(path: path, reason: SystemError.lastError(during: "write"))
                }
                if written == 0 {
                    return FileWriteError(path: path, reason: "write made no progress")
                }
                offset += written
            }
            return nil
        }
        if let failure { throw failure }
    }

    /// Flushes the directory entry so that the rename itself survives a crash.
    private static func syncDirectory(_ directory: String, target: String) throws(FileWriteError) {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw FileWriteError(
                path: target, reason: SystemError.lastError(during: "opening directory \(directory)"))
        }
        defer { close(descriptor) }
        // EINVAL: the file system cannot sync directories; there is nothing more to do.
        guard fsync(descriptor) == 0 || errno == EINVAL else {
            throw FileWriteError(
                path: target, reason: SystemError.lastError(during: "fsync of directory \(directory)"))
        }
    }
}

/// The POSIX `write`, named apart from `AtomicFile.write` to avoid the clash.
@inline(__always)
private func posixWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(descriptor, buffer, count)
    #elseif canImport(Musl)
    return Musl.write(descriptor, buffer, count)
    #else
    return Darwin.write(descriptor, buffer, count)
    #endif
}
