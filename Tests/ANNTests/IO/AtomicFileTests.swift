import Foundation
import Testing
@testable import ANN

@Suite("atomic file writing")
struct AtomicFileTests {
    @Test func writesTheBytesAndLeavesNoTemporaryFile() throws {
        let directory = try IOTestDirectory()
        defer { directory.remove() }
        let path = directory.file("out.bin")
        let bytes = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try AtomicFile.write(bytes, to: path)
        #expect(try Array(Data(contentsOf: URL(fileURLWithPath: path))) == bytes)
        #expect(try directory.entries() == ["out.bin"])
    }

    @Test func replacesAnExistingFileWhole() throws {
        let directory = try IOTestDirectory()
        defer { directory.remove() }
        let path = directory.file("out.bin")
        try AtomicFile.write(Array(repeating: 1, count: 1000), to: path)
        try AtomicFile.write([2, 3], to: path)
        #expect(try Array(Data(contentsOf: URL(fileURLWithPath: path))) == [2, 3])
        try AtomicFile.write([], to: path)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)).isEmpty)
        #expect(try directory.entries() == ["out.bin"])
    }

    @Test func aDirectoryAtThePathIsNotReplaced() throws {
        let directory = try IOTestDirectory()
        defer { directory.remove() }
        let target = directory.file("model")
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: false)
        #expect(throws: FileWriteError(
            path: target, reason: "exists and is not a regular file (a folder, device, FIFO or socket); refusing to replace it")) {
            try AtomicFile.write([1, 2, 3], to: target)
        }
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: target, isDirectory: &isDirectory) && isDirectory.boolValue)
        #expect(try directory.entries() == ["model"])
        #expect(throws: FileWriteError(path: directory.path + "/", reason: "the path names a directory, not a file")) {
            try AtomicFile.write([1], to: directory.path + "/")
        }
    }

    @Test func aMissingDirectoryIsReportedWithTheTargetAndErrno() throws {
        let directory = try IOTestDirectory()
        defer { directory.remove() }
        let target = directory.file("no/such/dir/out.bin")
        do {
            try AtomicFile.write([1], to: target)
            Issue.record("write into a missing directory succeeded")
        } catch {
            #expect(error.path == target)
            #expect(error.reason.hasSuffix("No such file or directory"))
            #expect(error.description.hasPrefix("cannot write \(target): creating temporary file"))
        }
    }

    @Test func aFileInPlaceOfTheDirectoryIsReported() throws {
        let directory = try IOTestDirectory()
        defer { directory.remove() }
        let blocker = directory.file("blocker")
        try AtomicFile.write([9], to: blocker)
        #expect(throws: FileWriteError.self) { try AtomicFile.write([1], to: blocker + "/out.bin") }
        #expect(try directory.entries() == ["blocker"])
    }

    /// Root ignores directory permissions, so this only runs for other users.
    @Test(.enabled(if: geteuid() != 0, "root can write into read-only directories"))
    func anUnwritableDirectoryLeavesTheTargetAlone() throws {
        let directory = try IOTestDirectory()
        defer {
            chmod(directory.path, 0o755)
            directory.remove()
        }
        let target = directory.file("model.safetensors")
        try AtomicFile.write([1, 2, 3], to: target)
        #expect(chmod(directory.path, 0o555) == 0)
        do {
            try AtomicFile.write([4, 5, 6, 7], to: target)
            Issue.record("write into a read-only directory succeeded")
        } catch {
            #expect(error.path == target)
            #expect(error.reason.hasSuffix("Permission denied"))
        }
        #expect(try Array(Data(contentsOf: URL(fileURLWithPath: target))) == [1, 2, 3])
        #expect(try directory.entries() == ["model.safetensors"])
    }

    @Test func concurrentWritersNeverLeaveAPartialFile() async throws {
        let directory = try IOTestDirectory()
        defer { directory.remove() }
        let path = directory.file("shared.bin")
        let contents = (0..<8).map { writer in [UInt8](repeating: UInt8(writer), count: 50_000 + writer) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for bytes in contents {
                group.addTask { try AtomicFile.write(bytes, to: path) }
            }
            try await group.waitForAll()
        }
        let final = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(contents.contains(final))
        #expect(try directory.entries() == ["shared.bin"])
    }

    @Test func splitsPathsIntoDirectoryAndName() {
        #expect(AtomicFile.split("model.st") == (".", "model.st"))
        #expect(AtomicFile.split("/model.st") == ("/", "model.st"))
        #expect(AtomicFile.split("a/b/model.st") == ("a/b", "model.st"))
        #expect(AtomicFile.temporaryName(for: "m").hasPrefix(".m.tmp-\(getpid())-"))
        #expect(AtomicFile.temporaryName(for: "m") != AtomicFile.temporaryName(for: "m"))
    }
}
