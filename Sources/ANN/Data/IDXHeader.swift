/// What an IDX file is expected to hold, which decides how many dimensions its
/// header may declare.
enum IDXContent: Sendable {
    /// A count followed by the shape of one image: at least two dimensions.
    case images
    /// Just a count: exactly one dimension.
    case labels

    var allowedDimensionCounts: ClosedRange<Int> {
        switch self {
        case .images: 2...255
        case .labels: 1...1
        }
    }

    var requirement: String {
        switch self {
        case .images: "an image file needs at least 2 dimensions (count, then the image shape)"
        case .labels: "a label file needs exactly 1 dimension (the count)"
        }
    }
}

/// The validated header of an IDX file (LeCun's format).
///
/// Parsed in two steps because the first four bytes say how long the rest of
/// the header is: ``dimensionCount(prefix:content:file:)`` reads them, then
/// ``init(dimensionBytes:file:)`` reads the big-endian dimensions.
struct IDXHeader: Sendable, Equatable {
    /// Two zero bytes, the type byte and the dimension count.
    static let prefixSize = 4

    /// The only element type the trainer needs: unsigned bytes.
    static let unsignedByteType: UInt8 = 0x08

    /// Every dimension, the sample count first.
    let shape: [Int]

    /// The bytes of data the header promises: the product of `shape`.
    let dataSize: Int

    /// The header's own length in bytes.
    var size: Int { Self.prefixSize + 4 * shape.count }

    /// Header plus data: the exact length the file (or the decompressed
    /// stream) must have.
    var totalSize: Int { size + dataSize }

    /// Checks the magic bytes, the element type and the dimension count, and
    /// returns how many 4-byte dimensions follow.
    static func dimensionCount(
        prefix: [UInt8], content: IDXContent, file: String
    ) throws(DataError) -> Int {
        guard prefix.count == prefixSize else {
            throw DataError(
                file: file,
                reason: "truncated: the file holds \(prefix.count) bytes, "
                    + "too few for the \(prefixSize)-byte IDX header")
        }
        guard prefix[0] == 0, prefix[1] == 0 else {
            throw DataError(
                file: file,
                reason: "not an IDX file: wrong magic bytes \(hex(prefix[0])) \(hex(prefix[1])), "
                    + "expected 00 00")
        }
        guard prefix[2] == unsignedByteType else {
            throw DataError(
                file: file,
                reason: "unsupported IDX element type \(hex(prefix[2])) (\(typeName(prefix[2]))); "
                    + "only 08 (unsigned byte) is supported")
        }
        let count = Int(prefix[3])
        guard content.allowedDimensionCounts.contains(count) else {
            throw DataError(
                file: file,
                reason: "wrong dimension count \(count): \(content.requirement)")
        }
        return count
    }

    /// Reads the big-endian dimensions and works out the data size, refusing
    /// zero dimensions and sizes that overflow. Whether the claim is plausible
    /// is left to the caller, which knows how big the file really is.
    init(dimensionBytes: [UInt8], file: String) throws(DataError) {
        guard dimensionBytes.count % 4 == 0, !dimensionBytes.isEmpty else {
            throw DataError(file: file, reason: "truncated: the file ends inside the IDX header")
        }
        var shape: [Int] = []
        shape.reserveCapacity(dimensionBytes.count / 4)
        for start in stride(from: 0, to: dimensionBytes.count, by: 4) {
            let value = dimensionBytes[start..<start + 4].reduce(0) { ($0 << 8) | Int($1) }
            guard value > 0 else {
                throw DataError(
                    file: file,
                    reason: "dimension \(start / 4) is zero; every IDX dimension must be above 0")
            }
            shape.append(value)
        }
        guard let dataSize = Self.checkedProduct(shape),
            dataSize <= Int.max - Self.prefixSize - dimensionBytes.count
        else {
            let described = shape.map(String.init).joined(separator: "×")
            throw DataError(
                file: file,
                reason: "header claims \(described) bytes of data, which overflows a 64-bit size")
        }
        self.shape = shape
        self.dataSize = dataSize
    }

    /// The product of `values`, or nil on overflow, so that a header's claim
    /// is never computed wrongly and then trusted.
    static func checkedProduct(_ values: [Int]) -> Int? {
        var product = 1
        for value in values {
            let (next, overflow) = product.multipliedReportingOverflow(by: value)
            if overflow { return nil }
            product = next
        }
        return product
    }

    /// The shape as written in messages, e.g. `60000×28×28`.
    var shapeDescription: String { shape.map(String.init).joined(separator: "×") }

    private static func hex(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16)
        return digits.count == 1 ? "0" + digits : digits
    }

    private static func typeName(_ byte: UInt8) -> String {
        switch byte {
        case 0x08: "unsigned byte"
        case 0x09: "signed byte"
        case 0x0B: "int16"
        case 0x0C: "int32"
        case 0x0D: "float32"
        case 0x0E: "float64"
        default: "unknown type"
        }
    }
}
