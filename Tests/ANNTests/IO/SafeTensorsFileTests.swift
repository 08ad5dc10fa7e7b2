import Testing
@testable import ANN

@Suite("safetensors files")
struct SafeTensorsFileTests {
    @Test func writeThenReadRoundTrips() throws {
        let directory = try IOTestDirectory()
        defer { directory.remove() }
        let path = directory.file("model.safetensors")
        try SafeTensorsEncodingTests.sample.write(to: path)
        #expect(try SafeTensors.read(from: path) == SafeTensorsEncodingTests.sample)
        #expect(try directory.entries() == ["model.safetensors"])
    }

    @Test func readingAMissingFileNamesItAndTheReason() throws {
        let directory = try IOTestDirectory()
        defer { directory.remove() }
        let path = directory.file("absent.safetensors")
        #expect(throws: ModelFileError(file: path, reason: "cannot read: file is missing")) {
            try SafeTensors.read(from: path)
        }
        #expect(throws: ModelFileError(file: directory.path, reason: "cannot read: not a regular file")) {
            try SafeTensors.read(from: directory.path)
        }
    }

    @Test func invalidContentsAreRefusedBeforeWriting() throws {
        let directory = try IOTestDirectory()
        defer { directory.remove() }
        let path = directory.file("bad.safetensors")
        let cases: [(SafeTensors, String)] = [
            (SafeTensors(tensors: [Tensor(name: "w", shape: [2, 2], values: [1, 2, 3])], metadata: [:]),
             #"tensor "w" has shape [2, 2] (4 elements) but 3 values"#),
            (SafeTensors(tensors: [Tensor(name: "w", shape: [1], values: [1]), Tensor(name: "w", shape: [1], values: [2])], metadata: [:]),
             #"tensor name "w" is used twice"#),
            (SafeTensors(tensors: [Tensor(name: "__metadata__", shape: [1], values: [1])], metadata: [:]),
             #"tensor name "__metadata__" is reserved for metadata"#),
            (SafeTensors(tensors: [Tensor(name: "w", shape: [-1], values: [])], metadata: [:]),
             #"tensor "w" has an invalid shape [-1]"#),
        ]
        for (contents, reason) in cases {
            #expect(throws: ModelFileError(file: path, reason: reason)) { try contents.write(to: path) }
        }
        #expect(try directory.entries().isEmpty)
    }
}
