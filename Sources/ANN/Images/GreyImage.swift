/// An 8-bit greyscale image, row-major with the top row first: the form in
/// which a picture of a digit meets a network (MNIST: 28 × 28, 0 = background).
public struct GreyImage: Sendable, Equatable {
    /// Pixels per row.
    public let width: Int
    /// Rows.
    public let height: Int
    /// `width × height` intensities, row after row.
    public let pixels: [UInt8]

    /// An image from its pixels.
    ///
    /// - Precondition: `width` and `height` are at least 1 and
    ///   `pixels.count == width × height`.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        let (count, overflow) = width.multipliedReportingOverflow(by: height)
        precondition(
            width >= 1 && height >= 1 && !overflow && count == pixels.count,
            "GreyImage: \(width) × \(height) does not match \(pixels.count) pixels")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// The intensity at column `x`, row `y`.
    public subscript(x: Int, y: Int) -> UInt8 { pixels[y * width + x] }

    /// The image scaled to `width × height` by area averaging: each new pixel
    /// is the mean of the source area it covers, partial pixels weighted by
    /// the fraction covered. Exact (integer) arithmetic, rounded to nearest,
    /// so an image keeps its brightness and a resize to the same size is the
    /// identity. Works for shrinking, enlarging and mixed aspect changes.
    ///
    /// - Precondition: `width` and `height` are at least 1.
    public func resized(width newWidth: Int, height newHeight: Int) -> GreyImage {
        precondition(newWidth >= 1 && newHeight >= 1, "resized: the size must be at least 1 × 1, got \(newWidth) × \(newHeight)")
        precondition(
            !width.multipliedReportingOverflow(by: newWidth + 1).overflow
                && !height.multipliedReportingOverflow(by: newHeight + 1).overflow,
            "resized: \(newWidth) × \(newHeight) is too large")
        if newWidth == width && newHeight == height { return self }
        let columns = Self.coverage(source: width, target: newWidth)
        let rows = Self.coverage(source: height, target: newHeight)
        // Each target pixel's weights sum to width × height (in units where a
        // source pixel is newWidth × newHeight), and each weighted sum is at
        // most 255 × that: far inside UInt64 for any image the decoder makes.
        let total = UInt64(width) * UInt64(height)
        var output = [UInt8](repeating: 0, count: newWidth * newHeight)
        var rowSums = [UInt64](repeating: 0, count: newWidth)
        pixels.withUnsafeBufferPointer { source in
            for (targetRow, rowWeights) in rows.enumerated() {
                for x in 0..<newWidth { rowSums[x] = 0 }
                for (sourceRow, rowWeight) in rowWeights {
                    let base = sourceRow * width
                    for (targetColumn, columnWeights) in columns.enumerated() {
                        var sum: UInt64 = 0
                        for (sourceColumn, columnWeight) in columnWeights {
                            sum += UInt64(source[base + sourceColumn]) * UInt64(columnWeight)
                        }
                        rowSums[targetColumn] += sum * UInt64(rowWeight)
                    }
                }
                for x in 0..<newWidth {
                    output[targetRow * newWidth + x] = UInt8(min(255, (rowSums[x] + total / 2) / total))
                }
            }
        }
        return GreyImage(width: newWidth, height: newHeight, pixels: output)
    }

    /// For each target cell along one axis, the source cells it overlaps and
    /// by how much. In a common coordinate of length `source × target`, source
    /// cell `i` spans `[i·target, (i+1)·target)` and target cell `t` spans
    /// `[t·source, (t+1)·source)`, so every overlap is a whole number and the
    /// overlaps of one target cell sum to `source`.
    static func coverage(source: Int, target: Int) -> [[(index: Int, weight: Int)]] {
        (0..<target).map { t in
            let start = t * source, end = (t + 1) * source
            let first = start / target, last = (end - 1) / target
            return (first...last).map { i in
                (i, min((i + 1) * target, end) - max(i * target, start))
            }
        }
    }
}
