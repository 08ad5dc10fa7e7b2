#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Opening a file to read that must be a regular file.
enum RegularFile {
    /// Why a path could not be opened as a regular file.
    enum Failure: Error, Equatable {
        case missing
        case cannotOpen(String)
        case cannotInspect(String)
        case notRegular

        var reason: String {
            switch self {
            case .missing: "file is missing"
            case .cannotOpen(let reason): "cannot open: \(reason)"
            case .cannotInspect(let reason): "cannot inspect: \(reason)"
            case .notRegular: "is not a regular file"
            }
        }
    }

    /// Opens `path` for reading and returns its descriptor and size. The
    /// open does not block (a FIFO with no writer would wait for ever), and
    /// anything but a regular file is refused before a byte is read; the
    /// descriptor then reads as usual, blocking.
    static func open(_ path: String) throws(Failure) -> (descriptor: Int32, size: Int) {
        let descriptor = systemOpen(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            let code = errno
            throw code == ENOENT ? .missing : .cannotOpen(String(cString: strerror(code)))
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let code = errno
            close(descriptor)
            throw .cannotInspect(String(cString: strerror(code)))
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            close(descriptor)
            throw .notRegular
        }
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK)
        return (descriptor, Int(status.st_size))
    }
}

@inline(__always)
private func systemOpen(_ path: String, _ flags: Int32) -> Int32 {
    #if canImport(Glibc)
    return Glibc.open(path, flags)
    #elseif canImport(Musl)
    return Musl.open(path, flags)
    #else
    return Darwin.open(path, flags)
    #endif
}
