import Testing

@testable import ANN

@Suite("IDX header faults")
struct IDXHeaderFaultTests {
    @Test("a missing file is reported as missing")
    func missingFile() throws {
        let scratch = try ScratchDirectory()
        let path = scratch.file("no-such-file")
        expectDataError(file: path, mentioning: "missing") { _ = try IDXReader.readImages(at: path) }
        expectDataError(file: path, mentioning: "missing") { _ = try IDXReader.readLabels(at: path) }
    }

    @Test("a directory is not taken for a data file")
    func directory() throws {
        let scratch = try ScratchDirectory()
        expectDataError(file: scratch.path, mentioning: "not a regular file") {
            _ = try IDXReader.readLabels(at: scratch.path)
        }
    }

    @Test("an empty file is refused")
    func emptyFile() throws {
        let scratch = try ScratchDirectory()
        let path = try scratch.writeRaw("empty", [])
        expectDataError(file: path, mentioning: "empty") { _ = try IDXReader.readLabels(at: path) }
    }

    @Test("wrong magic bytes mean the file is not IDX")
    func wrongMagic() throws {
        let scratch = try ScratchDirectory()
        let bytes = IDXFixture.header(magic: (0x50, 0x4B), dimensions: [2]) + [0, 1]
        let path = try scratch.writeRaw("labels", bytes)
        expectDataError(file: path, mentioning: "magic", "50 4b") { _ = try IDXReader.readLabels(at: path) }
    }

    @Test("element types other than unsigned byte are refused by name", arguments: [
        (UInt8(0x09), "signed byte"), (0x0B, "int16"), (0x0C, "int32"), (0x0D, "float32"), (0x0E, "float64"),
    ])
    func wrongType(type: UInt8, name: String) throws {
        let scratch = try ScratchDirectory()
        let path = try scratch.writeRaw("images", IDXFixture.header(type: type, dimensions: [1, 1, 1]) + [0])
        expectDataError(file: path, mentioning: "element type", name) { _ = try IDXReader.readImages(at: path) }
    }

    @Test("a label file must have one dimension and an image file at least two")
    func wrongDimensionCount() throws {
        let scratch = try ScratchDirectory()
        let imagesAsLabels = try scratch.writeRaw("images", IDXFixture.file(shape: [2, 2, 2], data: [UInt8](repeating: 0, count: 8)))
        expectDataError(file: imagesAsLabels, mentioning: "dimension count 3", "exactly 1") {
            _ = try IDXReader.readLabels(at: imagesAsLabels)
        }
        let labelsAsImages = try scratch.writeRaw("labels", IDXFixture.file(shape: [2], data: [0, 1]))
        expectDataError(file: labelsAsImages, mentioning: "dimension count 1", "at least 2") {
            _ = try IDXReader.readImages(at: labelsAsImages)
        }
        let noDimensions = try scratch.writeRaw("none", IDXFixture.header(dimensions: []))
        expectDataError(file: noDimensions, mentioning: "dimension count 0") {
            _ = try IDXReader.readLabels(at: noDimensions)
        }
    }

    @Test("a zero dimension is refused")
    func zeroDimension() throws {
        let scratch = try ScratchDirectory()
        let path = try scratch.writeRaw("images", IDXFixture.header(dimensions: [3, 0, 28]))
        expectDataError(file: path, mentioning: "dimension 1 is zero") { _ = try IDXReader.readImages(at: path) }
    }

    @Test("a file that ends inside its header is truncated")
    func truncatedHeader() throws {
        let scratch = try ScratchDirectory()
        let short = try scratch.writeRaw("short", [0, 0, 8])
        expectDataError(file: short, mentioning: "truncated") { _ = try IDXReader.readLabels(at: short) }
        let cut = try scratch.writeRaw("cut", Array(IDXFixture.header(dimensions: [2, 28, 28]).dropLast(2)))
        expectDataError(file: cut, mentioning: "truncated", "inside the IDX header") {
            _ = try IDXReader.readImages(at: cut)
        }
    }

    @Test("dimensions whose product overflows are refused")
    func overflowingDimensions() throws {
        let scratch = try ScratchDirectory()
        let path = try scratch.writeRaw("images", IDXFixture.header(dimensions: [UInt32.max, UInt32.max, UInt32.max]))
        expectDataError(file: path, mentioning: "overflows") { _ = try IDXReader.readImages(at: path) }
    }
}
