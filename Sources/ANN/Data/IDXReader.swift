/// Reads data sets in the IDX format that MNIST and its relatives ship in,
/// raw or gzip-compressed (told apart by content, not by file name).
///
/// Every claim a header makes is checked against the real file before any
/// large buffer is allocated, so a damaged download fails fast with a message
/// naming the file instead of exhausting memory or reading garbage.
public enum IDXReader {
    /// Reads an image file: unsigned bytes in at least two dimensions.
    ///
    /// - Returns: `shape`, every dimension with the image count first (e.g.
    ///   `[60000, 28, 28]`), and the pixels in file order.
    /// - Throws: ``DataError`` naming `path` when the file is missing, is not
    ///   IDX, holds another element type, or its size disagrees with its header.
    public static func readImages(at path: String) throws(DataError) -> (shape: [Int], bytes: [UInt8]) {
        let (header, data) = try IDXFileDecoder.decode(path: path, content: .images)
        return (header.shape, data)
    }

    /// Reads a label file: unsigned bytes in exactly one dimension.
    ///
    /// - Throws: ``DataError`` naming `path`, as for ``readImages(at:)``.
    public static func readLabels(at path: String) throws(DataError) -> [UInt8] {
        try IDXFileDecoder.decode(path: path, content: .labels).data
    }

    /// Decodes a whole image file already in memory, with the same checks as
    /// ``readImages(at:)``; `source` names the bytes in errors. For tools
    /// inside this package (the fuzz targets) that have bytes, not a path.
    package static func decodeImages(
        _ bytes: [UInt8], source: String
    ) throws(DataError) -> (shape: [Int], bytes: [UInt8]) {
        let (header, data) = try IDXFileDecoder.decode(bytes: bytes, source: source, content: .images)
        return (header.shape, data)
    }

    /// Decodes a whole label file already in memory, with the same checks as
    /// ``readLabels(at:)``; `source` names the bytes in errors.
    package static func decodeLabels(_ bytes: [UInt8], source: String) throws(DataError) -> [UInt8] {
        try IDXFileDecoder.decode(bytes: bytes, source: source, content: .labels).data
    }

    /// Reads an image file and its label file into one data set.
    ///
    /// - Throws: ``DataError`` when either file is faulty, or when they hold
    ///   different numbers of samples, which usually means files from two
    ///   different sets were mixed up; that message names both.
    public static func readDataset(images: String, labels: String) throws(DataError) -> LabeledDataset {
        let (shape, pixels) = try readImages(at: images)
        let labelBytes = try readLabels(at: labels)
        // A valid image header has at least two dimensions, each above 0.
        let imageCount = shape.first ?? 0
        guard labelBytes.count == imageCount else {
            throw DataError(
                file: images,
                reason: "holds \(imageCount) images, but the label file \(labels) "
                    + "holds \(labelBytes.count) labels")
        }
        let imageShape = Array(shape.dropFirst())
        return try LabeledDataset(
            pixels: pixels, labels: labelBytes,
            featureCount: IDXHeader.checkedProduct(imageShape) ?? 0,
            imageShape: imageShape)
    }
}
