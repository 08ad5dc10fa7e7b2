import CZlib

/// Writes 8-bit greyscale PNG files, small enough to inline in an HTML
/// report as `data:image/png;base64,…`.
public enum PNGEncoder {
    /// `image` as a complete PNG file (8-bit greyscale, not interlaced).
    public static func encode(_ image: GreyImage) -> [UInt8] {
        encode(width: image.width, height: image.height, colourType: .grey, samples: image.pixels) { _ in .none }
    }

    /// Any 8-bit, non-palette PNG, with the filter of each row chosen by
    /// `filter` (tests use it to exercise every filter the decoder undoes).
    ///
    /// - Precondition: `samples.count == width × height × channels`.
    static func encode(
        width: Int, height: Int, colourType: PNGFormat.ColourType, samples: [UInt8],
        filter: (Int) -> PNGFormat.Filter
    ) -> [UInt8] {
        let channels = colourType.channels
        let rowBytes = width * channels
        precondition(samples.count == rowBytes * height, "PNGEncoder: sample count does not match the size")
        var filtered: [UInt8] = []
        filtered.reserveCapacity((rowBytes + 1) * height)
        for row in 0..<height {
            let kind = filter(row)
            filtered.append(kind.rawValue)
            let start = row * rowBytes
            for i in 0..<rowBytes {
                let value = samples[start + i]
                let left = i >= channels ? samples[start + i - channels] : 0
                let up = row > 0 ? samples[start + i - rowBytes] : 0
                let upLeft = row > 0 && i >= channels ? samples[start + i - rowBytes - channels] : 0
                let predicted: UInt8 = switch kind {
                case .none: 0
                case .sub: left
                case .up: up
                case .average: UInt8((Int(left) + Int(up)) / 2)
                case .paeth: PNGFormat.paeth(left, up, upLeft)
                }
                filtered.append(value &- predicted)
            }
        }

        var header: [UInt8] = []
        PNGFormat.append(UInt32(width), to: &header)
        PNGFormat.append(UInt32(height), to: &header)
        header += [8, colourType.rawValue, 0, 0, 0]
        return PNGFormat.signature
            + PNGFormat.chunk("IHDR", header)
            + PNGFormat.chunk("IDAT", deflate(filtered))
            + PNGFormat.chunk("IEND", [])
    }

    /// `bytes` as one zlib stream at the best compression.
    static func deflate(_ bytes: [UInt8]) -> [UInt8] {
        var capacity = compressBound(uLong(bytes.count))
        var output = [UInt8](repeating: 0, count: Int(capacity))
        let status = output.withUnsafeMutableBufferPointer { out in
            bytes.withUnsafeBufferPointer { input in
                compress2(out.baseAddress, &capacity, input.baseAddress, uLong(input.count), 9)
            }
        }
        // compressBound leaves room for any input, so only a lack of memory can fail.
        precondition(status == Z_OK, "zlib compress2 failed with status \(status)")
        output.removeLast(output.count - Int(capacity))
        return output
    }
}
