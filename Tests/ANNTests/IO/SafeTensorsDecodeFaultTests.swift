import Testing
@testable import ANN

@Suite("safetensors decode faults")
struct SafeTensorsDecodeFaultTests {
    /// The reason `decode` gives for `bytes`, or nil when it accepts them.
    func reason(_ bytes: [UInt8]) -> String? {
        do {
            _ = try SafeTensors.decode(bytes, source: "model.safetensors")
            return nil
        } catch {
            #expect(error.file == "model.safetensors")
            #expect(error.description == "model.safetensors: \(error.reason)")
            return error.reason
        }
    }

    func reason(header: String, floats: Int = 0) -> String? {
        reason(safetensorsBytes(header: header, data: [UInt8](repeating: 0, count: floats * 4)))
    }

    func tensor(_ name: String, dtype: String = #""F32""#, shape: String, offsets: String) -> String {
        #""\#(name)":{"dtype":\#(dtype),"shape":\#(shape),"data_offsets":\#(offsets)}"#
    }

    @Test func fileShorterThanTheLengthField() {
        #expect(reason([]) == "file is 0 bytes long, too short for the 8-byte header length")
        #expect(reason([1, 0, 0]) == "file is 3 bytes long, too short for the 8-byte header length")
    }

    @Test func headerLengthBeyondTheFile() {
        #expect(reason(littleEndianBytes(1000) + Array("{}".utf8))
            == "header length 1000 is larger than the 2 bytes that follow it")
    }

    @Test func headerLengthOverTheLimitIsRefusedBeforeAllocating() {
        #expect(reason(littleEndianBytes(200_000_000) + Array("{}".utf8))
            == "header length 200000000 exceeds the limit of 100 MB")
        #expect(reason(littleEndianBytes(.max)) == "header length 18446744073709551615 exceeds the limit of 100 MB")
    }

    @Test func malformedJSON() {
        for header in [#"{"a":"#, "", "{", #"{"a":1,}"#, "{} x", #"{"a":tru}"#, #"{'a':1}"#, #"{"a":01}"#, #"{"a":"\x"}"#] {
            let text = reason(header: header)
            #expect(text?.hasPrefix("header is not well-formed JSON: ") == true, "\(header): \(text ?? "accepted")")
        }
        #expect(reason(header: #"{"a":"#) == "header is not well-formed JSON: unexpected end of the header at byte 5 of the header")
    }

    @Test func invalidUTF8InTheHeader() throws {
        var header = Array(#"{"__metadata__":{"k":"?"}}"#.utf8)
        header[try #require(header.firstIndex(of: UInt8(ascii: "?")))] = 0xFF
        #expect(reason(littleEndianBytes(UInt64(header.count)) + header)
            == "header is not well-formed JSON: string is not valid UTF-8 at byte 21 of the header")
    }

    @Test func unpairedSurrogateEscape() {
        #expect(reason(header: #"{"__metadata__":{"k":"\ud800"}}"#)?.contains("unpaired surrogate") == true)
    }

    @Test func duplicateTensorNames() {
        let entry = tensor("w", shape: "[1]", offsets: "[0,4]")
        #expect(reason(header: "{\(entry),\(entry)}", floats: 1)?.contains(#"duplicate key "w""#) == true)
    }

    @Test func deeplyNestedJSONIsRefusedWithoutExhaustingTheStack() {
        let header = #"{"__metadata__":"# + String(repeating: "[", count: 100_000)
        #expect(reason(header: header)?.contains("nesting deeper than 64 levels") == true)
    }

    @Test func headerThatIsNotAnObject() {
        #expect(reason(header: "[1,2]") == "header is not a JSON object but an array")
        #expect(reason(header: #""text""#) == "header is not a JSON object but a string")
    }

    @Test func dtypeOtherThanF32() {
        #expect(reason(header: "{\(tensor("w", dtype: #""F16""#, shape: "[2]", offsets: "[0,4]"))}", floats: 1)
            == #"tensor "w": dtype "F16" is not supported; only F32 is"#)
        #expect(reason(header: "{\(tensor("w", dtype: "32", shape: "[1]", offsets: "[0,4]"))}", floats: 1)
            == #"tensor "w": dtype is not a string but a number"#)
    }

    @Test func tensorDescriptionNotAnObjectOrIncomplete() {
        #expect(reason(header: #"{"w":[1]}"#) == #"tensor "w": description is not an object but an array"#)
        #expect(reason(header: #"{"w":{"dtype":"F32","shape":[1]}}"#, floats: 1)
            == #"tensor "w": missing "data_offsets""#)
        #expect(reason(header: #"{"w":{"shape":[1],"data_offsets":[0,4]}}"#, floats: 1) == #"tensor "w": missing "dtype""#)
    }

    @Test func shapeEntriesMustBeNonNegativeIntegers() {
        for (shape, shown) in [("[-1]", "-1"), ("[2.5]", "2.5"), ("[1e2]", "1e2"), (#"["2"]"#, #""2""#), ("[null]", "null"), ("[true]", "true")] {
            #expect(reason(header: "{\(tensor("w", shape: shape, offsets: "[0,0]"))}")
                == #"tensor "w": shape entry 0 (\#(shown)) is not a non-negative integer"#)
        }
        #expect(reason(header: "{\(tensor("w", shape: "3", offsets: "[0,12]"))}", floats: 3)
            == #"tensor "w": shape is not an array but a number"#)
        #expect(reason(header: "{\(tensor("w", shape: "[99999999999999999999]", offsets: "[0,0]"))}")
            == #"tensor "w": shape entry 0 (99999999999999999999) is not a non-negative integer"#)
    }

    @Test func dataOffsetsMustBeTwoIntegers() {
        for offsets in ["[0]", "[0,4,8]", "[0,-4]", "[0,4.0]", #""0,4""#, "[0,18446744073709551616]"] {
            #expect(reason(header: "{\(tensor("w", shape: "[1]", offsets: offsets))}", floats: 1)?
                .hasPrefix(#"tensor "w": data_offsets must be two non-negative integers [begin, end], got "#) == true,
                "\(offsets)")
        }
        #expect(reason(header: "{\(tensor("w", shape: "[1]", offsets: "[8,4]"))}", floats: 2)
            == #"tensor "w": data_offsets [8, 4] end before they begin"#)
    }

    @Test func elementCountMustMatchTheOffsetSpan() {
        #expect(reason(header: "{\(tensor("w", shape: "[3]", offsets: "[0,8]"))}", floats: 2)
            == #"tensor "w": shape [3] has 3 elements (12 bytes) but data_offsets [0, 8] span 8 bytes"#)
    }

    @Test func elementCountOverflowIsReportedNotTrapped() {
        #expect(reason(header: "{\(tensor("w", shape: "[4294967296,4294967296]", offsets: "[0,0]"))}")
            == #"tensor "w": shape [4294967296, 4294967296] has more elements than can be counted"#)
        #expect(reason(header: "{\(tensor("w", shape: "[4611686018427387904]", offsets: "[0,0]"))}")
            == #"tensor "w": shape [4611686018427387904] needs more bytes than can be counted"#)
        // A zero dimension makes the product 0 however large the others are.
        #expect(reason(header: "{\(tensor("w", shape: "[0,9223372036854775807]", offsets: "[0,0]"))}") == nil)
    }

    @Test func offsetsOutsideTheDataSection() {
        #expect(reason(header: "{\(tensor("w", shape: "[2]", offsets: "[0,8]"))}", floats: 1)
            == #"tensor "w": data_offsets [0, 8] lie outside the 4-byte data section"#)
        #expect(reason(header: "{\(tensor("w", shape: "[0]", offsets: "[9223372036854775807,9223372036854775807]"))}")
            == #"tensor "w": data_offsets [9223372036854775807, 9223372036854775807] lie outside the 0-byte data section"#)
    }

    @Test func overlappingTensors() {
        let header = "{\(tensor("a", shape: "[2]", offsets: "[0,8]")),\(tensor("b", shape: "[2]", offsets: "[4,12]"))}"
        #expect(reason(header: header, floats: 3)
            == #"tensors "a" and "b" overlap: "b" begins at byte 4 but "a" ends at byte 8"#)
    }

    @Test func gapsBetweenTensors() {
        let header = "{\(tensor("a", shape: "[1]", offsets: "[0,4]")),\(tensor("b", shape: "[1]", offsets: "[8,12]"))}"
        #expect(reason(header: header, floats: 3)
            == #"gap in the data section: bytes 4..<8 belong to no tensor (before "b")"#)
        #expect(reason(header: "{\(tensor("a", shape: "[1]", offsets: "[4,8]"))}", floats: 2)
            == #"gap in the data section: bytes 0..<4 belong to no tensor (before "a")"#)
    }

    @Test func trailingBytesAfterTheLastTensor() {
        #expect(reason(header: "{\(tensor("a", shape: "[2]", offsets: "[0,8]"))}", floats: 3)
            == "4 trailing bytes after the last tensor: the tensors cover 8 of the 12 bytes of the data section")
        #expect(reason(header: "{}", floats: 1)
            == "4 trailing bytes after the last tensor: the tensors cover 0 of the 4 bytes of the data section")
    }

    @Test func metadataValuesMustBeStrings() {
        #expect(reason(header: #"{"__metadata__":{"epochs":10}}"#)
            == #"__metadata__ value for key "epochs" is not a string but a number"#)
        #expect(reason(header: #"{"__metadata__":["a"]}"#) == "__metadata__ is not an object but an array")
    }

    /// Truncations and byte flips of a valid file must be rejected or accepted, never trap.
    @Test func damagedFilesNeverTrap() {
        let valid = SafeTensorsEncodingTests.sample.encoded()
        for length in 0..<valid.count {
            _ = reason(Array(valid.prefix(length)))
        }
        var generator = DamageTestGenerator(seed: 7)
        for _ in 0..<3000 {
            var damaged = valid
            for _ in 0...Int(generator.next() % 3) {
                let position = Int(generator.next() % UInt64(damaged.count))
                damaged[position] = UInt8(truncatingIfNeeded: generator.next())
            }
            _ = reason(damaged)
        }
        for _ in 0..<500 {
            let count = Int(generator.next() % 64)
            _ = reason((0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
        }
    }
}

/// A small seeded generator, so that the damage test is reproducible.
private struct DamageTestGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
