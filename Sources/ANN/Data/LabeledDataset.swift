/// A labelled data set held as bytes: `count` samples of `featureCount` UInt8 features each.
///
/// Pixels stay as the file's bytes rather than floats: four times less memory,
/// and each consumer can scale them the way its model expects.
public struct LabeledDataset: Sendable {
    /// How many samples there are; the length of `labels`.
    public let count: Int

    /// Features per sample, the product of `imageShape` (784 for MNIST), so that
    /// a model's input layer can be sized without knowing the image layout.
    public let featureCount: Int

    /// The layout of one sample, e.g. `[28, 28]`, kept for code that needs
    /// rows and columns back (printing a digit, convolution).
    public let imageShape: [Int]

    /// `count * featureCount` bytes, sample-major, so that sample `i` is one
    /// contiguous slice starting at `i * featureCount`.
    public let pixels: [UInt8]

    /// One class label per sample.
    public let labels: [UInt8]

    /// The largest label plus one (0 for an empty set): the output width a
    /// classifier needs. Stored because it would otherwise cost a scan of every
    /// label each time.
    public let classCount: Int

    /// Creates a data set, refusing arrays whose sizes disagree, so that no
    /// later index arithmetic can read past a sample or a label.
    ///
    /// - Throws: ``DataError`` when `imageShape` is empty or holds a dimension
    ///   below 1, when its product is not `featureCount`, or when `pixels` does
    ///   not hold exactly `labels.count * featureCount` bytes.
    public init(
        pixels: [UInt8], labels: [UInt8], featureCount: Int, imageShape: [Int]
    ) throws(DataError) {
        func fault(_ reason: String) -> DataError {
            DataError(file: "in-memory dataset", reason: reason)
        }
        guard !imageShape.isEmpty, imageShape.allSatisfy({ $0 > 0 }) else {
            throw fault("image shape \(imageShape) must have at least one dimension, each above 0")
        }
        guard let shapeProduct = IDXHeader.checkedProduct(imageShape), shapeProduct == featureCount else {
            throw fault("image shape \(imageShape) does not hold \(featureCount) features")
        }
        let (expectedPixels, overflow) = labels.count.multipliedReportingOverflow(by: featureCount)
        guard !overflow, expectedPixels == pixels.count else {
            throw fault(
                "\(labels.count) labels of \(featureCount) features need "
                    + "\(labels.count) × \(featureCount) pixels, but \(pixels.count) were given")
        }
        self.count = labels.count
        self.featureCount = featureCount
        self.imageShape = imageShape
        self.pixels = pixels
        self.labels = labels
        self.classCount = labels.max().map { Int($0) + 1 } ?? 0
    }
}
