import Foundation
import Testing

@Suite("The embedding example")
struct ExampleTests {
    @Test("spirals trains through the public API to at least 95% test accuracy")
    func spirals() throws {
        let process = Process()
        process.executableURL = AnnCommand.executable.deletingLastPathComponent().appendingPathComponent("spirals")
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("test accuracy: ") })
        let accuracy = try #require(Double(line.dropFirst("test accuracy: ".count)))
        #expect(accuracy >= 0.95)
    }
}
