#if !FUZZING
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Shared by the fuzz targets. Feeds each file named on the command line to `body` once and prints what
/// it returned: the fuzz target as a regression runner, in any build.
public func replay(name: String, _ body: ([UInt8]) -> [String]) {
    let paths = CommandLine.arguments.dropFirst()
    guard !paths.isEmpty else {
        printError("usage: \(name) FILE... (replays fuzzer inputs; scripts/fuzz builds the fuzzer itself)")
        exit(64)
    }
    for path in paths {
        guard let bytes = readWholeFile(path) else {
            printError("\(name): cannot read \(path)")
            exit(66)
        }
        for line in body(bytes) { print("\(path): \(line)") }
    }
}

private func printError(_ line: String) {
    var text = line + "\n"
    text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}

private func readWholeFile(_ path: String) -> [UInt8]? {
    guard let file = fopen(path, "rb") else { return nil }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
        bytes += chunk[0..<count]
        if count < chunk.count { return ferror(file) == 0 ? bytes : nil }
    }
}
#endif
