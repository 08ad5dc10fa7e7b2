import Testing
@testable import ANN

@Suite("safetensors encoding")
struct SafeTensorsEncodingTests {
    static let sample = SafeTensors(
        tensors: [
            Tensor(name: "layers.0.weight", shape: [2, 3], values: [1, -2, 3.5, 0, .greatestFiniteMagnitude, -.leastNonzeroMagnitude]),
            Tensor(name: "layers.0.bias", shape: [2], values: [0.25, -0.125]),
            Tensor(name: "scale", shape: [], values: [42]),
            Tensor(name: "empty", shape: [0, 5], values: []),
            Tensor(name: "layers.1.weight", shape: [1, 2], values: [.infinity, -.infinity]),
        ],
        metadata: [
            "format": "pt",
            "quote \"and\" backslash \\": "tab\tnewline\ncontrol\u{01}",
            "unicode": "Ωμέγα — 数字 🧠",
            "": "empty key",
        ])

    @Test func roundTripKeepsTensorsOrderAndMetadata() throws {
        let decoded = try SafeTensors.decode(Self.sample.encoded(), source: "sample")
        #expect(decoded == Self.sample)
        #expect(decoded.tensors.map(\.name) == Self.sample.tensors.map(\.name))
        #expect(decoded.tensor(named: "layers.0.bias")?.values == [0.25, -0.125])
        #expect(decoded.tensor(named: "missing") == nil)
    }

    @Test func roundTripKeepsNaNBits() throws {
        let payload = Float(bitPattern: 0x7FC0_1234)
        let file = SafeTensors(tensors: [Tensor(name: "n", shape: [2], values: [payload, -.nan])], metadata: [:])
        let decoded = try SafeTensors.decode(file.encoded(), source: "nan")
        #expect(decoded.tensors[0].values.map(\.bitPattern) == [payload, -.nan].map(\.bitPattern))
    }

    @Test(arguments: 0..<9)
    func dataStartsAtAMultipleOfEight(nameLength: Int) throws {
        let file = SafeTensors(
            tensors: [Tensor(name: String(repeating: "w", count: nameLength), shape: [1], values: [1])],
            metadata: [:])
        let bytes = file.encoded()
        let headerLength = bytes[0..<8].reversed().reduce(0) { $0 << 8 | Int($1) }
        #expect((8 + headerLength) % 8 == 0)
        #expect(bytes.count == 8 + headerLength + 4)
        // The padding is spaces, after the closing brace.
        let header = bytes[8..<(8 + headerLength)]
        let end = try #require(header.lastIndex(of: UInt8(ascii: "}")))
        #expect(header[(end + 1)...].allSatisfy { $0 == 0x20 })
    }

    @Test func tinyFileMatchesTheSpecificationByteForByte() {
        let file = SafeTensors(tensors: [Tensor(name: "x", shape: [2], values: [1.0, 2.0])], metadata: [:])
        // 54 bytes of JSON, padded with 2 spaces so that 8 + 56 is a multiple of 8.
        let header = #"{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        let expected: [UInt8] = [56, 0, 0, 0, 0, 0, 0, 0]
            + Array(header.utf8) + [0x20, 0x20]
            + [0x00, 0x00, 0x80, 0x3F]  // 1.0f little-endian
            + [0x00, 0x00, 0x00, 0x40]  // 2.0f little-endian
        #expect(file.encoded() == expected)
    }

    @Test func metadataIsWrittenFirstWithSortedKeys() {
        let file = SafeTensors(
            tensors: [Tensor(name: "b", shape: [1], values: [0])],
            metadata: ["z": "1", "a": "2"])
        #expect(file.headerJSON()
            == #"{"__metadata__":{"a":"2","z":"1"},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#)
    }

    @Test func encodingIsDeterministic() {
        let first = Self.sample.encoded()
        for _ in 0..<5 {
            // Rebuilding the dictionary may change its iteration order, not the bytes.
            let copy = SafeTensors(tensors: Self.sample.tensors, metadata: Dictionary(uniqueKeysWithValues: Self.sample.metadata.map { ($0, $1) }))
            #expect(copy.encoded() == first)
        }
    }

    @Test func namesAndMetadataAreEscapedAsJSON() {
        #expect(JSONText.quoted("a\"b\\c\nd\u{1F}é") == #""a\"b\\c\nd\u001fé""#)
        let file = SafeTensors(tensors: [Tensor(name: "we\"ird\\name\u{7}", shape: [1], values: [3])], metadata: [:])
        #expect(file.headerJSON().hasPrefix(#"{"we\"ird\\name\u0007":"#))
    }

    @Test func headerEscapesAreDecoded() throws {
        let header = #"{"__metadata__":{"k":"\u00e9\ud83e\udde0\/\b\f\n\r\t"},"a\u0041":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}"#
        let decoded = try SafeTensors.decode(safetensorsBytes(header: header, data: littleEndianBytes([5])), source: "s")
        #expect(decoded.metadata["k"] == "é🧠/\u{8}\u{C}\n\r\t")
        #expect(decoded.tensors == [Tensor(name: "aA", shape: [], values: [5])])
    }

    @Test func emptyFileRoundTrips() throws {
        let empty = SafeTensors(tensors: [], metadata: [:])
        let bytes = empty.encoded()
        #expect(bytes.count % 8 == 0)
        #expect(try SafeTensors.decode(bytes, source: "empty") == empty)
    }

    @Test func unalignedHeadersFromOtherWritersAreAccepted() throws {
        let header = #"{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#
        let decoded = try SafeTensors.decode(safetensorsBytes(header: header, data: littleEndianBytes([7])), source: "s")
        #expect(decoded.tensors == [Tensor(name: "x", shape: [1], values: [7])])
    }

    @Test func decodeOrdersTensorsByOffset() throws {
        let header = #"{"second":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"first":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#
        let decoded = try SafeTensors.decode(safetensorsBytes(header: header, data: littleEndianBytes([1, 2])), source: "s")
        #expect(decoded.tensors.map(\.name) == ["first", "second"])
        #expect(decoded.tensors.map(\.values) == [[1], [2]])
    }
}
