import CZlib

/// Pieces of the PNG format that the decoder and the encoder share.
enum PNGFormat {
    /// The eight bytes every PNG file starts with.
    static let signature: [UInt8] = [137, 80, 78, 71, 13, 10, 26, 10]

    /// Colour types (IHDR byte 9).
    enum ColourType: UInt8 {
        case grey = 0
        case rgb = 2
        case palette = 3
        case greyAlpha = 4
        case rgba = 6

        /// Samples per pixel.
        var channels: Int {
            switch self {
            case .grey, .palette: 1
            case .greyAlpha: 2
            case .rgb: 3
            case .rgba: 4
            }
        }
    }

    /// Per-row filter types (the first byte of each row of image data).
    enum Filter: UInt8, CaseIterable {
        case none = 0, sub, up, average, paeth
    }

    /// The CRC-32 that PNG stores after each chunk, over its type and data.
    static func crc(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        bytes.withUnsafeBufferPointer { buffer in
            // A chunk is at most 2³¹ − 1 bytes (checked by the reader), so its
            // length fits zlib's 32-bit count.
            UInt32(truncatingIfNeeded: crc32(0, buffer.baseAddress, UInt32(buffer.count)))
        }
    }

    /// The 32-bit big-endian number at `offset`.
    /// - Precondition: four bytes are there.
    static func readUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (UInt32(bytes[offset]) << 24) | (UInt32(bytes[offset + 1]) << 16)
            | (UInt32(bytes[offset + 2]) << 8) | UInt32(bytes[offset + 3])
    }

    /// Appends `value` as four big-endian bytes.
    static func append(_ value: UInt32, to bytes: inout [UInt8]) {
        bytes += [UInt8(truncatingIfNeeded: value >> 24), UInt8(truncatingIfNeeded: value >> 16),
                  UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
    }

    /// A whole chunk: length, type, data and CRC.
    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(data.count + 12)
        append(UInt32(data.count), to: &bytes)
        let typeStart = bytes.count
        bytes += Array(type.utf8)
        bytes += data
        append(crc(bytes[typeStart...]), to: &bytes)
        return bytes
    }

    /// The Paeth predictor: whichever of left, above and upper-left is
    /// closest to left + above − upper-left.
    @inline(__always)
    static func paeth(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> UInt8 {
        let p = Int(a) + Int(b) - Int(c)
        let pa = abs(p - Int(a)), pb = abs(p - Int(b)), pc = abs(p - Int(c))
        if pa <= pb && pa <= pc { return a }
        return pb <= pc ? b : c
    }
}
