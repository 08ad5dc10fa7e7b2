#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns `errno` values into readable text for error reasons.
enum SystemError {
    /// The system's description of `code`, e.g. "Permission denied".
    static func describe(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }

    /// The description of the current `errno`, prefixed with the operation that failed.
    static func lastError(during operation: String) -> String {
        "\(operation) failed: \(describe(errno))"
    }
}
