import Foundation
import Testing

@testable import ANN

/// The fuzzers' seed corpus and findings (Tests/Fuzz/corpus), replayed as
/// tests: every file must decode or be refused with a clear error, never trap,
/// and hostile size claims must be refused before anything is allocated.
/// A crash that `scripts/fuzz` finds goes into the corpus and gets a test here.
@Suite("fuzz corpus and regressions")
struct FuzzRegressionTests {
    /// Tests/Fuzz/corpus, found from this file's place in the checkout.
    static let corpus = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz/corpus").path

    static func files(_ kind: String) -> [String] {
        let folder = corpus + "/" + kind
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted()
    }

    /// Read with the package's own reader: Foundation's `Data(contentsOf:)`
    /// leaks a 4 KB buffer on an empty file (swift-foundation 6.3), which
    /// LeakSanitizer reports in scripts/sanitize.
    static func bytes(_ kind: String, _ name: String) throws -> [UInt8] {
        try read(corpus + "/" + kind + "/" + name)
    }

    static func read(_ path: String) throws -> [UInt8] {
        do {
            return try FileContents.read(path)
        } catch {
            throw DataError(file: path, reason: error.reason)
        }
    }

    /// What reading `bytes` as images gives: the shape, or the error's reason.
    static func images(_ bytes: [UInt8]) -> Result<[Int], DataError> {
        Result { () throws(DataError) in try IDXReader.decodeImages(bytes, source: "input").shape }
    }

    static func labels(_ bytes: [UInt8]) -> Result<Int, DataError> {
        Result { () throws(DataError) in try IDXReader.decodeLabels(bytes, source: "input").count }
    }

    /// A result as text, the error without its file name, for comparing readings.
    static func outcome<Value>(_ result: Result<Value, DataError>) -> String {
        switch result {
        case .success(let value): "decoded \(value)"
        case .failure(let error): "refused: \(error.reason)"
        }
    }

    static func safetensors(_ bytes: [UInt8]) -> Result<SafeTensors, ModelFileError> {
        Result { () throws(ModelFileError) in try SafeTensors.decode(bytes, source: "input") }
    }

    @Test("the corpus is there and every seed is small")
    func corpusIsPresent() throws {
        #expect(Self.files("idx").count >= 10)
        #expect(Self.files("safetensors").count >= 10)
        #expect(Self.files("tables").count >= 10)
        for kind in ["idx", "safetensors", "tables"] {
            for name in Self.files(kind) {
                #expect(try Self.bytes(kind, name).count <= 4096, "\(kind)/\(name) is over the fuzzers' -max_len")
            }
        }
    }

    @Test("every IDX seed decodes the same from memory as from a file, or fails with the same reason",
          arguments: files("idx"))
    func idxSeedInMemoryMatchesFile(name: String) throws {
        let bytes = try Self.bytes("idx", name)
        let path = Self.corpus + "/idx/" + name
        let fromFile = Result { () throws(DataError) in try IDXReader.readImages(at: path).shape }
        #expect(Self.outcome(fromFile) == Self.outcome(Self.images(bytes)))
        let labelsFromFile = Result { () throws(DataError) in try IDXReader.readLabels(at: path).count }
        #expect(Self.outcome(labelsFromFile) == Self.outcome(Self.labels(bytes)))
        if case .failure(let error) = Self.images(bytes) {
            #expect(error.file == "input")
            #expect(error.description == "input: \(error.reason)")
        }
    }

    @Test("the valid IDX seeds decode, raw and gzip")
    func validIDXSeeds() throws {
        #expect(try Self.images(Self.bytes("idx", "images-2x3x3")).get() == [2, 3, 3])
        #expect(try Self.images(Self.bytes("idx", "images-2x3x3.gz")).get() == [2, 3, 3])
        #expect(try Self.images(Self.bytes("idx", "two-gzip-members.gz")).get() == [2, 3, 3])
        #expect(try Self.images(Self.bytes("idx", "images-1x2x2x2")).get() == [1, 2, 2, 2])
        #expect(try Self.labels(Self.bytes("idx", "labels-3")).get() == 3)
        #expect(try Self.labels(Self.bytes("idx", "labels-3.gz")).get() == 3)
        let raw = try IDXReader.decodeImages(Self.bytes("idx", "images-2x3x3"), source: "raw").bytes
        let gzip = try IDXReader.decodeImages(Self.bytes("idx", "images-2x3x3.gz"), source: "gzip").bytes
        #expect(raw == gzip)
        #expect(raw.count == 18)
    }

    @Test("an in-memory header claiming 10⁹ images is refused before allocating, raw and gzip")
    func billionImagesInMemory() throws {
        // 784 GB: only the size checks let these calls return at all.
        guard case .failure(let raw) = Self.images(try Self.bytes("idx", "claims-1e9-images")) else {
            Issue.record("a 10⁹-image header was accepted")
            return
        }
        #expect(raw.reason.contains("truncated") && raw.reason.contains("784000000000"))
        guard case .failure(let gzip) = Self.images(try Self.bytes("idx", "gzip-claims-1e9-images.gz")) else {
            Issue.record("a gzip 10⁹-image header was accepted")
            return
        }
        #expect(gzip.reason.contains("more than") && gzip.reason.contains("compressed bytes can hold"))
        guard case .failure(let overflow) = Self.images(try Self.bytes("idx", "claims-overflow")) else {
            Issue.record("an overflowing header was accepted")
            return
        }
        #expect(overflow.reason.contains("overflows a 64-bit size"))
    }

    @Test("every safetensors seed decodes or is refused with a reason, and what decodes round-trips",
          arguments: files("safetensors"))
    func safetensorsSeed(name: String) throws {
        switch Self.safetensors(try Self.bytes("safetensors", name)) {
        case .success(let file):
            let again = try SafeTensors.decode(file.encoded(), source: "again")
            #expect(again.metadata == file.metadata)
            #expect(again.tensors.map(\.name) == file.tensors.map(\.name))
            #expect(again.tensors.map { $0.values.map(\.bitPattern) } == file.tensors.map { $0.values.map(\.bitPattern) })
        case .failure(let error):
            #expect(error.file == "input")
            #expect(!error.reason.isEmpty)
        }
    }

    @Test("the valid safetensors seeds are what the library writes")
    func validSafeTensorsSeeds() throws {
        for name in ["two-tensors", "scalar-and-empty", "empty-header", "model-2-3-2"] {
            let bytes = try Self.bytes("safetensors", name)
            #expect(try SafeTensors.decode(bytes, source: name).encoded() == bytes, "\(name)")
        }
        let network = try Network(SafeTensors.decode(Self.bytes("safetensors", "model-2-3-2"), source: "model"), source: "model")
        #expect(network.architecture.layerSizes == [2, 3, 2])
    }

    @Test("a tensor claiming 2⁶² bytes is refused before allocating")
    func tensorOfTwoToTheSixtySecondBytes() throws {
        guard case .failure(let error) = Self.safetensors(try Self.bytes("safetensors", "claims-2e62-bytes")) else {
            Issue.record("a 2⁶²-byte tensor was accepted")
            return
        }
        #expect(error.reason == #"tensor "w": data_offsets [0, 4611686018427387904] lie outside the 8-byte data section"#)
        guard case .failure(let huge) = Self.safetensors(try Self.bytes("safetensors", "header-length-huge")) else {
            Issue.record("a 2⁶²-byte header length was accepted")
            return
        }
        #expect(huge.reason == "header length 4611686018427387904 exceeds the limit of 100 MB")
    }

    /// What reading `bytes` as a `.npy` array gives: the shape, or the error's reason.
    static func numPy(_ bytes: [UInt8]) -> Result<[Int], DataError> {
        Result { () throws(DataError) in try NumPyArray.decode(bytes, source: "input").shape }
    }

    @Test("every table seed reads the same from memory as from a file, or fails with the same reason; CSV never traps",
          arguments: files("tables"))
    func tableSeed(name: String) throws {
        let bytes = try Self.bytes("tables", name)
        let path = Self.corpus + "/tables/" + name
        let fromFile = Result { () throws(DataError) in try NumPyArray.read(at: path).shape }
        #expect(Self.outcome(fromFile) == Self.outcome(Self.numPy(bytes)))
        for options in [CSVDataset.Options(), .init(labelColumn: .index(0), header: .absent), .init(labels: .indices)] {
            let text = Result { () throws(DataError) in try CSVDataset.parse(String(decoding: bytes, as: UTF8.self), source: path, options: options) }
            let file = Result { () throws(DataError) in try CSVDataset.read(at: path, options: options) }
            if case .success = text { #expect(try file.get() == text.get()) }
        }
    }

    @Test("the valid table seeds read; a .npy header claiming 2⁴⁰ float64s is refused before allocating")
    func validTableSeeds() throws {
        #expect(try Self.numPy(Self.bytes("tables", "npy-f4-2x3")).get() == [2, 3])
        #expect(try Self.numPy(Self.bytes("tables", "npy-f8-3x1-v2")).get() == [3, 1])
        #expect(try Self.numPy(Self.bytes("tables", "npy-u1-images")).get() == [2, 2, 2])
        #expect(try CSVDataset.parse(String(decoding: Self.bytes("tables", "csv-iris"), as: UTF8.self), source: "iris").count == 3)
        let quoted = String(decoding: try Self.bytes("tables", "csv-quoted"), as: UTF8.self)
        #expect(throws: DataError(file: "q", line: 4, reason: "column 'b, c' is not a number: '4\n5'")) {
            try CSVDataset.parse(quoted, source: "q")
        }
        guard case .failure(let huge) = Self.numPy(try Self.bytes("tables", "npy-claims-huge")) else {
            Issue.record("a 2⁴⁰-element header was accepted")
            return
        }
        #expect(huge.reason == "truncated: header claims 1048576×1048576 float64 = 8796093022208 bytes of data, but only 8 are there")
    }

}

/// Inputs that still crash, kept out of the seed corpus (Tests/Fuzz/unfixed)
/// so that scripts/fuzz can run; each test is enabled once its fix lands and
/// its file then moves into Tests/Fuzz/corpus.
@Suite("fuzz findings not yet fixed")
struct ModelSizeFindingTests {
    @Test("a model whose metadata claims a 2⁴⁰-parameter network is refused before allocating")
    func modelClaimingATrillionParameters() throws {
        // 104 bytes: metadata "layers": "1048576,1048576" and no tensors at all.
        // Found by reading the code during fuzzing; it once asked for 4 TiB.
        let path = URL(fileURLWithPath: FuzzRegressionTests.corpus)
            .appendingPathComponent("safetensors/model-claims-2e40-parameters").path
        let file = try SafeTensors.decode(FuzzRegressionTests.read(path), source: "model")
        #expect(file.tensors.isEmpty)
        #expect(throws: ModelFileError(
            file: "model",
            reason: "__metadata__ describes an impossible network: has 1099512676352 parameters; at most 1073741824 (4 GiB of floats) are allowed")) {
            try Network(file, source: "model")
        }
    }
}
