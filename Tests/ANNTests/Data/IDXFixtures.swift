import CZlib
import Foundation
import Testing

@testable import ANN

/// A fresh directory under the system temp folder, removed when the last
/// reference goes, so tests running in parallel never share files.
final class ScratchDirectory: Sendable {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("ann-data-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// The path of `name` inside the directory.
    func file(_ name: String) -> String { path + "/" + name }

    /// Writes `bytes` to `name` as they are and returns the path.
    @discardableResult
    func writeRaw(_ name: String, _ bytes: [UInt8]) throws -> String {
        let target = file(name)
        try Data(bytes).write(to: URL(fileURLWithPath: target))
        return target
    }

    /// Writes `bytes` gzip-compressed to `name` with zlib's own gzip writer,
    /// so the reader is tested against a real gzip file, and returns the path.
    @discardableResult
    func writeGzip(_ name: String, _ bytes: [UInt8]) throws -> String {
        let target = file(name)
        try Data(IDXFixture.gzip(bytes)).write(to: URL(fileURLWithPath: target))
        return target
    }
}

enum IDXFixture {
    struct GzipFailure: Error {}

    /// An IDX header with every field under the test's control, so that
    /// broken headers can be built as easily as good ones.
    static func header(magic: (UInt8, UInt8) = (0, 0), type: UInt8 = 0x08, dimensions: [UInt32]) -> [UInt8] {
        var bytes: [UInt8] = [magic.0, magic.1, type, UInt8(dimensions.count)]
        for dimension in dimensions {
            bytes += [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: dimension >> $0) }
        }
        return bytes
    }

    /// A well-formed unsigned-byte IDX file of `shape` holding `data`.
    static func file(shape: [Int], data: [UInt8]) -> [UInt8] {
        header(dimensions: shape.map { UInt32($0) }) + data
    }

    /// Deterministic bytes that deflate cannot shrink much, so compressed
    /// test files keep a realistic size.
    static func noise(count: Int, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) -> [UInt8] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
    }

    /// `bytes` as one gzip member, written by zlib's own gzip file writer
    /// (via a temporary file) so the reader meets what real tools produce.
    static func gzip(_ bytes: [UInt8]) throws -> [UInt8] {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("ann-gzip-\(UUID().uuidString).gz").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        guard let handle = gzopen(path, "wb9") else { throw GzipFailure() }
        let written = bytes.withUnsafeBytes { buffer in
            buffer.isEmpty ? 0 : gzwrite(handle, buffer.baseAddress, UInt32(buffer.count))
        }
        guard gzclose(handle) == Z_OK, Int(written) == bytes.count else { throw GzipFailure() }
        return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }
}

/// Runs `body`, expects a ``DataError``, and checks that its one-line message
/// names `file` and mentions every fragment of `fault`.
///
/// `body` is untyped so call sites stay plain closures; any other error type
/// fails the test.
func expectDataError(
    file: String, mentioning fault: String...,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) {
    do {
        try body()
        Issue.record("expected a DataError about \(file)", sourceLocation: sourceLocation)
    } catch let error as DataError {
        #expect(error.file == file, sourceLocation: sourceLocation)
        #expect(error.description.hasPrefix(file + ": "), sourceLocation: sourceLocation)
        #expect(!error.description.contains("\n"), sourceLocation: sourceLocation)
        for fragment in fault {
            #expect(
                error.description.localizedCaseInsensitiveContains(fragment),
                "\(error.description) should mention \(fragment)",
                sourceLocation: sourceLocation)
        }
    } catch {
        Issue.record("expected a DataError, got \(error)", sourceLocation: sourceLocation)
    }
}
