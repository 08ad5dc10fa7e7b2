/// A sample the network got wrong, with how sure it was.
public struct Misclassification: Sendable, Equatable {
    /// The sample's position in its data set.
    public var index: Int
    /// The sample's features as stored (an image's pixels, row-major).
    public var pixels: [UInt8]
    /// The class the sample belongs to.
    public var trueLabel: Int
    /// The class the network chose.
    public var predicted: Int
    /// The network's output for `predicted`: its probability for a softmax
    /// output (the raw value for a linear one).
    public var confidence: Float

    /// A mistake as the caller found it.
    public init(index: Int, pixels: [UInt8], trueLabel: Int, predicted: Int, confidence: Float) {
        self.index = index
        self.pixels = pixels
        self.trueLabel = trueLabel
        self.predicted = predicted
        self.confidence = confidence
    }
}

extension Network {
    /// Samples to run through the network at a time.
    static let mistakeSearchChunk = 256

    /// The samples of `data` that this network classifies wrongly, the most
    /// confident first (ties: lower index first), at most `limit` of them.
    ///
    /// Inputs are bytes scaled by `inputScale`, as in training. Runs forward
    /// passes in chunks of 256 samples on the calling thread. Returns nothing
    /// when `limit` is below 1 or the data's feature count is not the
    /// network's input size.
    public func mostConfidentMistakes(
        on data: LabeledDataset, limit: Int, inputScale: Float = 1.0 / 255.0, subnormals: Subnormals = .flush
    ) -> [Misclassification] {
        let inputs = architecture.inputSize, classes = architecture.outputSize
        guard limit > 0, data.count > 0, data.featureCount == inputs else { return [] }

        var found: [(confidence: Float, index: Int, predicted: Int)] = []
        var chunk = [Float]()
        chunk.reserveCapacity(Self.mistakeSearchChunk * inputs)
        var start = 0
        while start < data.count {
            let count = min(Self.mistakeSearchChunk, data.count - start)
            chunk.removeAll(keepingCapacity: true)
            let bytes = data.pixels[(start * inputs)..<((start + count) * inputs)]
            chunk.append(contentsOf: bytes.lazy.map { Float($0) * inputScale })
            let outputs = predict(batch: chunk, count: count, subnormals: subnormals)
            for sample in 0..<count {
                let row = outputs[(sample * classes)..<((sample + 1) * classes)]
                // The first maximum, as evaluation breaks ties; NaN never wins.
                var best = row.startIndex
                for position in row.indices where row[position] > row[best] { best = position }
                let predicted = best - row.startIndex
                let label = Int(data.labels[start + sample])
                if predicted != label {
                    found.append((row[best], start + sample, predicted))
                }
            }
            start += count
        }

        found.sort { a, b in
            // NaN confidences sort last.
            if a.confidence.isNaN != b.confidence.isNaN { return !a.confidence.isNaN }
            if a.confidence != b.confidence && !a.confidence.isNaN { return a.confidence > b.confidence }
            return a.index < b.index
        }
        return found.prefix(limit).map { mistake in
            let offset = mistake.index * inputs
            return Misclassification(
                index: mistake.index, pixels: Array(data.pixels[offset..<(offset + inputs)]),
                trueLabel: Int(data.labels[mistake.index]), predicted: mistake.predicted,
                confidence: mistake.confidence)
        }
    }
}
