import Foundation
import Testing

@testable import ANN

/// `.npy` files built byte by byte, so that broken ones are as easy to make as good ones.
enum NumPyFixture {
    static func file(
        dictionary: String, data: [UInt8], version: UInt8 = 1, magic: [UInt8] = NumPyHeader.magic
    ) -> [UInt8] {
        let prefixSize = version == 1 ? 10 : 12
        // numpy pads the header with spaces to a multiple of 64, ending in a newline.
        var header = Array(dictionary.utf8)
        while (prefixSize + header.count + 1) % 64 != 0 { header.append(0x20) }
        header.append(0x0A)
        var bytes = magic + [version, 0]
        let length = header.count
        bytes += version == 1
            ? [UInt8(length & 0xFF), UInt8(length >> 8)]
            : [UInt8(length & 0xFF), UInt8((length >> 8) & 0xFF), UInt8((length >> 16) & 0xFF), UInt8(length >> 24)]
        return bytes + header + data
    }

    static func file(descr: String, shape: [Int], data: [UInt8], fortran: Bool = false, version: UInt8 = 1) -> [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        return file(
            dictionary: "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shapeText), }",
            data: data, version: version)
    }

    static func float32(_ values: [Float]) -> [UInt8] {
        values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian, Array.init) }
    }

    static func float64(_ values: [Double]) -> [UInt8] {
        values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian, Array.init) }
    }

    static func int64(_ values: [Int64]) -> [UInt8] {
        values.flatMap { value in withUnsafeBytes(of: value.littleEndian, Array.init) }
    }
}

@Suite("NumPy .npy arrays")
struct NumPyArrayTests {
    @Test("float32 and float64 features, integer labels of every width")
    func reads() throws {
        let scratch = try ScratchDirectory()
        let f4 = try scratch.writeRaw("f4.npy", NumPyFixture.file(descr: "<f4", shape: [2, 3], data: NumPyFixture.float32([1, 2, 3, 4, 5, -6.5])))
        let array = try NumPyArray.read(at: f4)
        #expect(array.shape == [2, 3])
        #expect(array.elementType == .float32)
        #expect(array.floatValues() == [1, 2, 3, 4, 5, -6.5])
        #expect(array.integerValues() == nil)

        let f8 = try scratch.writeRaw("f8.npy", NumPyFixture.file(descr: "<f8", shape: [1, 2], data: NumPyFixture.float64([0.25, 1e10]), version: 2))
        #expect(try NumPyArray.read(at: f8).floatValues() == [0.25, 1e10])

        let i8 = try scratch.writeRaw("i8.npy", NumPyFixture.file(descr: "<i8", shape: [3], data: NumPyFixture.int64([2, 0, 1])))
        #expect(try NumPyArray.read(at: i8).integerValues() == [2, 0, 1])
        let u1 = try scratch.writeRaw("u1.npy", NumPyFixture.file(descr: "|u1", shape: [3], data: [9, 0, 255]))
        #expect(try NumPyArray.read(at: u1).integerValues() == [9, 0, 255])
        let i4 = try scratch.writeRaw("i4.npy", NumPyFixture.file(descr: "<i4", shape: [2], data: [0xFF, 0xFF, 0xFF, 0xFF, 7, 0, 0, 0]))
        #expect(try NumPyArray.read(at: i4).integerValues() == [-1, 7])
        // One row in Fortran order is laid out as in C order.
        let row = try scratch.writeRaw("row.npy", NumPyFixture.file(descr: "<f4", shape: [1, 2], data: NumPyFixture.float32([1, 2]), fortran: true))
        #expect(try NumPyArray.read(at: row).floatValues() == [1, 2])
    }

    @Test("Fortran order and big-endian elements are read into C order, little-endian")
    func ordersAndByteOrders() throws {
        let scratch = try ScratchDirectory()
        // a[i, j] = 10·i + j for a 2 × 3 array, stored first index fastest.
        let fortran = try scratch.writeRaw("f.npy", NumPyFixture.file(
            descr: "<f4", shape: [2, 3], data: NumPyFixture.float32([0, 10, 1, 11, 2, 12]), fortran: true))
        let matrix = try NumPyArray.read(at: fortran)
        #expect(matrix.shape == [2, 3])
        #expect(matrix.floatValues() == [0, 1, 2, 10, 11, 12])
        // Three dimensions: a[i, j, k] = 100·i + 10·j + k, shape 2 × 3 × 2.
        var columnMajor: [Int64] = []
        for k in 0..<2 { for j in 0..<3 { for i in 0..<2 { columnMajor.append(Int64(100 * i + 10 * j + k)) } } }
        let cube = try scratch.writeRaw("c.npy", NumPyFixture.file(
            descr: "<i8", shape: [2, 3, 2], data: NumPyFixture.int64(columnMajor), fortran: true))
        var rowMajor: [Int] = []
        for i in 0..<2 { for j in 0..<3 { for k in 0..<2 { rowMajor.append(100 * i + 10 * j + k) } } }
        #expect(try NumPyArray.read(at: cube).integerValues() == rowMajor)
        // Big-endian floats and integers, and one byte, which has no order.
        let f4 = try scratch.writeRaw("be4.npy", NumPyFixture.file(
            descr: ">f4", shape: [2], data: [0x3F, 0x80, 0, 0, 0xC0, 0x20, 0, 0]))
        #expect(try NumPyArray.read(at: f4).floatValues() == [1, -2.5])
        let i2 = try scratch.writeRaw("be2.npy", NumPyFixture.file(descr: ">i2", shape: [2], data: [0xFF, 0xFE, 0x01, 0x02]))
        #expect(try NumPyArray.read(at: i2).integerValues() == [-2, 258])
        let u1 = try scratch.writeRaw("be1.npy", NumPyFixture.file(descr: ">u1", shape: [2], data: [7, 200]))
        #expect(try NumPyArray.read(at: u1).integerValues() == [7, 200])
        // Both at once: big-endian float64 in Fortran order.
        let both = try scratch.writeRaw("both.npy", NumPyFixture.file(
            descr: ">f8", shape: [2, 2], data: [Double]([1, 3, 2, 4]).flatMap { withUnsafeBytes(of: $0.bitPattern.bigEndian, Array.init) },
            fortran: true))
        #expect(try NumPyArray.read(at: both).floatValues() == [1, 2, 3, 4])
        // An empty Fortran array whose other dimensions' strides would overflow.
        let empty = try scratch.writeRaw("empty.npy", NumPyFixture.file(
            descr: "<f8", shape: [1 << 31, 1 << 31, 0], data: [], fortran: true))
        #expect(try NumPyArray.read(at: empty).count == 0)
    }

    static let faults: [(bytes: [UInt8], reason: String)] = [
        ([0x93, 0x4E, 0x55], "truncated: the file holds 3 bytes, too few for a .npy header"),
        (Array("PK\u{3}\u{4}xxxxxxxxxxxx".utf8), "not a .npy file: it does not start with \\x93NUMPY"),
        (NumPyFixture.file(descr: "<f4", shape: [1], data: [0, 0, 0, 0], version: 4),
         "unsupported .npy format version 4.0; versions 1 to 3 are read"),
        (NumPyFixture.file(descr: "!f4", shape: [1], data: [0, 0, 0, 0]),
         "unsupported byte order '!' in dtype '!f4'"),
        (NumPyFixture.file(descr: "<c8", shape: [1], data: [0, 0, 0, 0, 0, 0, 0, 0]),
         "unsupported dtype '<c8'; use float32 or float64 features and integer labels"),
        (NumPyFixture.file(descr: "<f2", shape: [1], data: [0, 0]),
         "unsupported dtype '<f2'; use float32 or float64 features and integer labels"),
        (NumPyFixture.file(dictionary: "{'descr': [('x', '<f4')], 'fortran_order': False, 'shape': (1,), }", data: [0, 0, 0, 0]),
         "structured dtypes are not supported; save a plain numeric array"),
        (NumPyFixture.file(dictionary: "{'descr': '<f4', 'shape': (1,), }", data: [0, 0, 0, 0]),
         "the .npy header has no 'fortran_order' True or False"),
        (NumPyFixture.file(dictionary: "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", data: []),
         "the .npy header is not a dict literal numpy writes: a shape entry that is not a non-negative whole number at character 52"),
        (NumPyFixture.file(dictionary: "not a dict", data: []),
         "the .npy header is not a dict literal numpy writes: no '{' where one belongs at character 1"),
        (NumPyFixture.file(descr: "<f4", shape: [150, 4], data: NumPyFixture.float32([1, 2, 3])),
         "truncated: header claims 150×4 float32 = 2400 bytes of data, but only 12 are there"),
        (NumPyFixture.file(descr: "<f8", shape: [1, 1], data: NumPyFixture.float64([1, 2])),
         "header claims 1×1 float64 = 8 bytes of data, but 16 follow it"),
        // A claim of a terabyte-sized array is refused before anything is allocated.
        (NumPyFixture.file(descr: "<f8", shape: [1 << 20, 1 << 20], data: [1, 2, 3]),
         "truncated: header claims 1048576×1048576 float64 = 8796093022208 bytes of data, but only 3 are there"),
        (NumPyFixture.file(descr: "<f8", shape: [1 << 40, 1 << 40], data: []),
         "shape [1099511627776, 1099511627776] of float64 overflows a 64-bit size"),
        (NumPyHeader.magic + [1, 0, 0xFF, 0xFF] + Array(repeating: 0x20, count: 10),
         "the header claims to be 65535 bytes long; the file holds 20 bytes in all"),
    ]

    @Test("a bad .npy file: one message naming it, nothing large allocated", arguments: faults.indices)
    func fault(index: Int) throws {
        let scratch = try ScratchDirectory()
        let path = try scratch.writeRaw("bad.npy", Self.faults[index].bytes)
        #expect(throws: DataError(file: path, reason: Self.faults[index].reason)) { try NumPyArray.read(at: path) }
    }

    @Test("features and labels make a table; mismatches name the file")
    func tables() throws {
        let scratch = try ScratchDirectory()
        let features = try scratch.writeRaw("x.npy", NumPyFixture.file(descr: "<f4", shape: [3, 2], data: NumPyFixture.float32([1, 2, 3, 4, 5, 6])))
        let labels = try scratch.writeRaw("y.npy", NumPyFixture.file(descr: "<i8", shape: [3], data: NumPyFixture.int64([1, 0, 1])))
        let table = try TabularDataset(numPyFeatures: features, labels: labels)
        #expect(table.featureCount == 2)
        #expect(table.labels == [1, 0, 1])
        #expect(table.features == [1, 2, 3, 4, 5, 6])

        let images = try scratch.writeRaw("images.npy", NumPyFixture.file(descr: "|u1", shape: [3, 2, 2], data: Array(0..<12)))
        #expect(try TabularDataset(numPyFeatures: images, labels: labels).featureCount == 4)

        let flat = try scratch.writeRaw("flat.npy", NumPyFixture.file(descr: "<f4", shape: [3], data: NumPyFixture.float32([1, 2, 3])))
        #expect(throws: DataError(file: flat, reason: "features must have 2 dimensions (samples × features), but the shape is [3]")) {
            try TabularDataset(numPyFeatures: flat, labels: labels)
        }
        let floatLabels = try scratch.writeRaw("fy.npy", NumPyFixture.file(descr: "<f8", shape: [3], data: NumPyFixture.float64([1, 0, 1])))
        #expect(throws: DataError(file: floatLabels, reason: "labels are float64; they must be integer class indices, e.g. np.save(path, y.astype(np.int64))")) {
            try TabularDataset(numPyFeatures: features, labels: floatLabels)
        }
        let negative = try scratch.writeRaw("ny.npy", NumPyFixture.file(descr: "<i8", shape: [3], data: NumPyFixture.int64([1, -1, 0])))
        #expect(throws: DataError(file: negative, reason: "label -1 of sample 1 is not a class index in 0...65535")) {
            try TabularDataset(numPyFeatures: features, labels: negative)
        }
        let twoLabels = try scratch.writeRaw("2y.npy", NumPyFixture.file(descr: "<i8", shape: [2], data: NumPyFixture.int64([1, 0])))
        #expect(throws: DataError(file: features, reason: "holds 3 samples, but the label file \(twoLabels) holds 2 labels")) {
            try TabularDataset(numPyFeatures: features, labels: twoLabels)
        }
        let nan = try scratch.writeRaw("nan.npy", NumPyFixture.file(descr: "<f4", shape: [3, 2], data: NumPyFixture.float32([1, 2, 3, .nan, 5, 6])))
        #expect(throws: DataError(file: nan, reason: "feature 1 of sample 1 is nan; every feature must be a finite number")) {
            try TabularDataset(numPyFeatures: nan, labels: labels)
        }
    }
}
