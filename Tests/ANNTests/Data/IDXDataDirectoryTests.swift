import Foundation
import Testing

@testable import ANN

@Suite("IDXDataDirectory")
struct IDXDataDirectoryTests {
    static let names = [
        "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
    ]

    /// Writes a small stand-in for MNIST: 3 training and 2 test images of 2×2.
    static func writeSet(in scratch: ScratchDirectory, gzip: Bool) throws {
        let write = gzip ? scratch.writeGzip : scratch.writeRaw
        let suffix = gzip ? ".gz" : ""
        _ = try write(names[0] + suffix, IDXFixture.file(shape: [3, 2, 2], data: (0..<12).map { UInt8($0) }))
        _ = try write(names[1] + suffix, IDXFixture.file(shape: [3], data: [4, 0, 9]))
        _ = try write(names[2] + suffix, IDXFixture.file(shape: [2, 2, 2], data: (100..<108).map { UInt8($0) }))
        _ = try write(names[3] + suffix, IDXFixture.file(shape: [2], data: [1, 2]))
    }

    @Test("loads both sets from plain or gzip files", arguments: [false, true])
    func loadsBothSets(gzip: Bool) throws {
        let scratch = try ScratchDirectory()
        try Self.writeSet(in: scratch, gzip: gzip)
        let directory = IDXDataDirectory(path: scratch.path)

        let training = try directory.loadTrainingSet()
        #expect(training.count == 3)
        #expect(training.labels == [4, 0, 9])
        #expect(training.classCount == 10)
        #expect(training.pixels == (0..<12).map { UInt8($0) })

        let test = try directory.loadTestSet()
        #expect(test.count == 2)
        #expect(test.imageShape == [2, 2])
        #expect(test.pixels == (100..<108).map { UInt8($0) })
    }

    @Test("a plain file is preferred over a .gz beside it")
    func prefersPlain() throws {
        let scratch = try ScratchDirectory()
        try Self.writeSet(in: scratch, gzip: false)
        // A broken .gz would fail the load if it were chosen.
        try scratch.writeRaw(Self.names[1] + ".gz", [0x1f, 0x8b, 0, 0])
        let training = try IDXDataDirectory(path: scratch.path).loadTrainingSet()
        #expect(training.labels == [4, 0, 9])
    }

    @Test("a missing directory is reported as missing, with the fetch script to run")
    func missingDirectory() throws {
        let scratch = try ScratchDirectory()
        let path = scratch.file("absent")
        expectDataError(file: path, mentioning: "missing", "scripts/fetch-mnist \(path)") {
            _ = try IDXDataDirectory(path: path).loadTrainingSet()
        }
    }

    @Test("a missing file is named, with the fetch script to run")
    func missingFile() throws {
        let scratch = try ScratchDirectory()
        try Self.writeSet(in: scratch, gzip: false)
        try FileManager.default.removeItem(atPath: scratch.file(Self.names[3]))
        expectDataError(file: scratch.file(Self.names[3]), mentioning: "missing", "scripts/fetch-mnist") {
            _ = try IDXDataDirectory(path: scratch.path).loadTestSet()
        }
        // The training files are still all there.
        #expect(try IDXDataDirectory(path: scratch.path).loadTrainingSet().count == 3)
    }

    @Test("the default folder follows ANN_DATA_DIR, else data/mnist")
    func defaultPath() {
        // Reading, not setting, the variable: tests run in parallel and the
        // environment is shared by the whole process.
        let override = ProcessInfo.processInfo.environment[IDXDataDirectory.environmentVariable] ?? ""
        #expect(IDXDataDirectory.defaultPath() == (override.isEmpty ? "data/mnist" : override))
    }
}
