import CZlib
import Foundation

@testable import ANN

/// PNG files built piece by piece, independently of `PNGEncoder`, so that
/// tests can break any field.
enum PNGFixture {
    static let signature: [UInt8] = [137, 80, 78, 71, 13, 10, 26, 10]

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> $0) }
    }

    /// A chunk with a correct CRC (computed by zlib here, not by the decoder's code).
    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        let crc = body.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, UInt32($0.count))) }
        return bigEndian(UInt32(data.count)) + body + bigEndian(crc)
    }

    static func header(
        width: UInt32, height: UInt32, depth: UInt8 = 8, colourType: UInt8 = 0,
        compression: UInt8 = 0, filter: UInt8 = 0, interlace: UInt8 = 0
    ) -> [UInt8] {
        chunk("IHDR", bigEndian(width) + bigEndian(height) + [depth, colourType, compression, filter, interlace])
    }

    /// `bytes` as a zlib stream, compressed by zlib's own one-shot call.
    static func zlib(_ bytes: [UInt8]) -> [UInt8] {
        var size = compressBound(uLong(bytes.count))
        var out = [UInt8](repeating: 0, count: Int(size))
        _ = out.withUnsafeMutableBufferPointer { o in
            bytes.withUnsafeBufferPointer { i in compress(o.baseAddress, &size, i.baseAddress, uLong(i.count)) }
        }
        return Array(out.prefix(Int(size)))
    }

    /// A whole PNG: IHDR, IDAT holding `rows` (filter bytes included) compressed, IEND.
    static func file(width: UInt32, height: UInt32, colourType: UInt8 = 0, rows: [UInt8]) -> [UInt8] {
        signature + header(width: width, height: height, colourType: colourType)
            + chunk("IDAT", zlib(rows)) + chunk("IEND", [])
    }

    /// Made with Python's zlib and struct: 3 × 2 grey, row 0 filtered Sub,
    /// row 1 Up, with a tEXt chunk. Pixels 10 20 250 / 15 5 0.
    static let greySubUp: [UInt8] = [
        137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 3, 0, 0, 0, 2, 8, 0, 0, 0, 0, 184, 31, 57,
        198, 0, 0, 0, 17, 116, 69, 88, 116, 67, 111, 109, 109, 101, 110, 116, 0, 104, 97, 110, 100, 32, 109, 97, 100, 101,
        158, 138, 202, 187, 0, 0, 0, 16, 73, 68, 65, 84, 120, 218, 99, 228, 226, 122, 198, 196, 250, 145, 13, 0, 7, 15,
        1, 250, 254, 18, 216, 55, 0, 0, 0, 0, 73, 69, 78, 68, 174, 66, 96, 130,
    ]

    /// Made with Python: 2 × 2 RGB, row 0 unfiltered, row 1 Paeth. Red, green / blue, white.
    static let rgbPaeth: [UInt8] = [
        137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 2, 0, 0, 0, 2, 8, 2, 0, 0, 0, 253, 212, 154,
        115, 0, 0, 0, 17, 116, 69, 88, 116, 67, 111, 109, 109, 101, 110, 116, 0, 104, 97, 110, 100, 32, 109, 97, 100, 101,
        158, 138, 202, 187, 0, 0, 0, 21, 73, 68, 65, 84, 120, 218, 99, 248, 207, 192, 192, 240, 159, 129, 133, 145, 225,
        63, 144, 5, 0, 29, 19, 4, 2, 207, 171, 248, 235, 0, 0, 0, 0, 73, 69, 78, 68, 174, 66, 96, 130,
    ]

    /// Made with Python: 2 × 1 grey + alpha, Average filter. (200, α 255), (100, α 128).
    static let greyAlphaAverage: [UInt8] = [
        137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 2, 0, 0, 0, 1, 8, 4, 0, 0, 0, 94, 43, 183,
        1, 0, 0, 0, 17, 116, 69, 88, 116, 67, 111, 109, 109, 101, 110, 116, 0, 104, 97, 110, 100, 32, 109, 97, 100, 101,
        158, 138, 202, 187, 0, 0, 0, 13, 73, 68, 65, 84, 120, 218, 99, 62, 241, 159, 129, 17, 0, 6, 50, 1, 204, 179, 12,
        238, 40, 0, 0, 0, 0, 73, 69, 78, 68, 174, 66, 96, 130,
    ]
}

/// Deterministic pseudo-random bytes.
func imageNoise(count: Int, seed: UInt64) -> [UInt8] {
    var generator = SeededGenerator(seed: seed)
    return (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next() >> 56) }
}
