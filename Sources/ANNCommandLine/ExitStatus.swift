import ANN
import ArgumentParser

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The documented exit codes (sysexits.h names), one per kind of failure.
enum ExitStatus {
    static let usage = ExitCode(64)
    static let badData = ExitCode(65)
    static let diverged = ExitCode(70)
    /// EX_SOFTWARE too: the processes training together lost each other.
    static let software = ExitCode(70)
    static let cannotWrite = ExitCode(73)
    static let interrupted = ExitCode(130)
}

/// Prints one line to standard error, as `ann: error: …`.
func printError(_ message: String) {
    FileHandleOutput.standardError.write("ann: error: \(message)\n")
}

#if canImport(Glibc)
private let systemWrite = Glibc.write
#else
private let systemWrite = Darwin.write
#endif

/// Unbuffered writes to the standard streams (progress lines must appear at once).
struct FileHandleOutput {
    let descriptor: Int32
    static let standardOutput = FileHandleOutput(descriptor: 1)
    static let standardError = FileHandleOutput(descriptor: 2)

    func write(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return }
            var offset = 0
            while offset < bytes.count {
                let written = systemWrite(descriptor, base + offset, bytes.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }

    var isTerminal: Bool { isatty(descriptor) != 0 }
}

/// Maps the library's errors to one line on stderr and an exit code.
/// An `ExitCode` thrown on purpose (its message already printed) passes through.
func reportFailure(_ error: any Error) -> ExitCode {
    Failure(error).reported()
}

/// An error as `ann` reports it: the line to print (none for an `ExitCode`
/// whose message is out already) and the exit status.
struct Failure {
    let message: String?
    let code: ExitCode

    init(_ error: any Error) {
        switch error {
        case let code as ExitCode:
            (message, self.code) = (nil, code)
        case let error as ConfigurationError:
            (message, code) = (error.commandLineDescription, ExitStatus.usage)
        case let error as UsageError:
            (message, code) = (error.description, ExitStatus.usage)
        case let error as DataError:
            (message, code) = (error.description, ExitStatus.badData)
        case let error as ModelFileError:
            (message, code) = (error.description, ExitStatus.badData)
        case let error as FileWriteError:
            (message, code) = (error.description, ExitStatus.cannotWrite)
        case let error as ProcessGroupError:
            (message, code) = (error.description, ExitStatus.software)
        case let error as TrainingError:
            switch error {
            case .configuration(let cause): (message, code) = (cause.commandLineDescription, ExitStatus.usage)
            case .checkpoint: (message, code) = (error.description, ExitStatus.cannotWrite)
            case .diverged: (message, code) = (error.description, ExitStatus.diverged)
            case .processGroup: (message, code) = (error.description, ExitStatus.software)
            }
        default:
            (message, code) = ("\(error)", ExitCode.failure)
        }
    }

    /// Prints the message, if any, and gives the status to throw.
    func reported() -> ExitCode {
        if let message { printError(message) }
        return code
    }
}
