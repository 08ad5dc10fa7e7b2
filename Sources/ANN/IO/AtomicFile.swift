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
    /// A symbolic link is followed: the file it points to is replaced, and
    /// the link stays. Anything but a regular file (a device, a FIFO, a
    /// socket, a folder, a link to nothing) is refused, never replaced; a
    /// replaced file keeps its mode and, where this process may set it, its
    /// owner.
    static func write(_ bytes: [UInt8], to path: String) throws(FileWriteError) {
        let target = try checkedTarget(path)
        let (directory, name) = split(target.path)
        let temporaryPath = directory + "/" + temporaryName(for: name)

        // O_EXCL: never reuse a file someone else may have opened.
        let descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw FileWriteError(
                path: path,
                reason: SystemError.lastError(during: "creating temporary file \(temporaryPath)"))
        }
        if let existing = target.existing {
            _ = fchmod(descriptor, existing.st_mode & 0o7777)
            // Only root may give a file away; anyone else keeps the file as theirs.
            _ = fchown(descriptor, existing.st_uid, existing.st_gid)
        }

        do throws(FileWriteError) {
            try writeDurably(bytes, to: descriptor, target: path)
            guard rename(temporaryPath, target.path) == 0 else {
                throw FileWriteError(path: path, reason: SystemError.lastError(during: "rename"))
            }
        } catch {
            unlink(temporaryPath)
            throw error
        }

        try syncDirectory(directory, target: path)
    }

    /// Checks that `path` can be written as ``write(_:to:)`` would, without
    /// writing: its folder exists and takes new files, and it is absent, a
    /// regular file, or a link to one.
    static func checkWritable(_ path: String) throws(FileWriteError) {
        let target = try checkedTarget(path)
        let directory = split(target.path).directory
        guard access(directory, W_OK | X_OK) == 0 else {
            throw FileWriteError(path: path, reason: SystemError.lastError(during: "checking folder \(directory)"))
        }
    }

    /// The file `path` names (through a symbolic link), and its status if it exists.
    private static func checkedTarget(_ path: String) throws(FileWriteError) -> (path: String, existing: stat?) {
        guard !split(path).name.isEmpty else {
            throw FileWriteError(path: path, reason: "the path names a directory, not a file")
        }
        var status = stat()
        guard lstat(path, &status) == 0 else { return (path, nil) }
        var resolved = path
        if status.st_mode & S_IFMT == S_IFLNK {
            guard let real = realpath(path, nil) else {
                throw FileWriteError(path: path, reason: "is a symbolic link to nothing; refusing to write through it")
            }
            resolved = String(cString: real)
            free(real)
            guard stat(resolved, &status) == 0 else { return (resolved, nil) }
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw FileWriteError(
                path: path, reason: "exists and is not a regular file (a folder, device, FIFO or socket); refusing to replace it")
        }
        return (resolved, status)
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
    static func syncDirectory(_ directory: String, target: String) throws(FileWriteError) {
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
