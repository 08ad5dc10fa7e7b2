import Foundation

/// Runs the built `ann` executable and captures what it prints.
struct CommandResult {
    let status: Int32
    let standardOutput: String
    let standardError: String
}

enum AnnCommand {
    /// `ann` is built beside the test bundle, whatever the scratch path.
    static var executable: URL {
        #if os(Linux)
        let bundle = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? "")
        #else
        let bundle = Bundle.main.bundleURL
        #endif
        return bundle.deletingLastPathComponent().appendingPathComponent("ann")
    }

    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> CommandResult {
        // Output goes to files, not pipes: a child that fills one pipe while
        // the parent drains the other would wait forever (sanitizer reports
        // on stderr do exactly that).
        let directory = FileManager.default.temporaryDirectory
        let outputURL = directory.appendingPathComponent("ann-out-\(UUID().uuidString)")
        let errorURL = directory.appendingPathComponent("ann-err-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outputURL)
            try? FileManager.default.removeItem(at: errorURL)
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = try FileHandle(forWritingTo: outputURL), error = try FileHandle(forWritingTo: errorURL)
        process.standardOutput = output
        process.standardError = error
        try process.run()
        process.waitUntilExit()
        try output.close()
        try error.close()
        return CommandResult(
            status: process.terminationStatus,
            standardOutput: String(decoding: try Data(contentsOf: outputURL), as: UTF8.self),
            standardError: String(decoding: try Data(contentsOf: errorURL), as: UTF8.self))
    }

    /// Runs `ann` and sends it `signal` as soon as training starts (the plan
    /// line, `network …`, comes just before the first step); returns its exit
    /// status and what it wrote to stderr.
    static func runInterrupted(_ arguments: [String], signal: Int32) throws -> (status: Int32, standardError: String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        // stdout is read as it comes; stderr goes to a file so that it can never fill up and stall the child.
        let output = Pipe()
        let errorURL = FileManager.default.temporaryDirectory.appendingPathComponent("ann-err-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: errorURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorURL) }
        let errors = try FileHandle(forWritingTo: errorURL)
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        var seen = ""
        while !seen.contains("network ") {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
        }
        kill(process.processIdentifier, signal)
        _ = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try errors.close()
        return (process.terminationStatus, String(decoding: try Data(contentsOf: errorURL), as: UTF8.self))
    }
}
