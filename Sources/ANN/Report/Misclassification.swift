/// A sample the network got wrong, with how sure it was.
public struct Misclassification: Sendable, Equatable {
    /// The sample's position in its data set.
    public var index: Int
    /// The sample's features as stored (an image's pixels, row-major);
    /// empty for a sample of float features.
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
        mostConfidentMistakes(on: Dataset(data, inputScale: inputScale), limit: limit, subnormals: subnormals)
    }

    /// The same for any classification set: float features, or bytes scaled
    /// as the set says. A mistake's `pixels` are the sample's bytes, and
    /// empty for float features (a table row has no picture).
    public func mostConfidentMistakes(
        on data: Dataset, limit: Int, subnormals: Subnormals = .flush
    ) -> [Misclassification] {
        let inputs = architecture.inputSize, classes = architecture.outputSize
        guard limit > 0, data.count > 0, data.featureCount == inputs, case .classes(let labels) = data.targets else { return [] }

        var found: [(confidence: Float, index: Int, predicted: Int)] = []
        var chunk = [Float]()
        chunk.reserveCapacity(Self.mistakeSearchChunk * inputs)
        var start = 0
        while start < data.count {
            let count = min(Self.mistakeSearchChunk, data.count - start)
            let span = (start * inputs)..<((start + count) * inputs)
            chunk.removeAll(keepingCapacity: true)
            switch data.features {
            case .bytes(let bytes, let scale): chunk.append(contentsOf: bytes[span].lazy.map { Float($0) * scale })
            case .floats(let floats): chunk.append(contentsOf: floats[span])
            }
            let outputs = predict(batch: chunk, count: count, subnormals: subnormals)
            for sample in 0..<count {
                let row = outputs[(sample * classes)..<((sample + 1) * classes)]
                // The first maximum, as evaluation breaks ties; NaN never wins.
                var best = row.startIndex
                for position in row.indices where row[position] > row[best] { best = position }
                let predicted = best - row.startIndex
                if predicted != Int(labels[start + sample]) {
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
            let pixels: [UInt8] = if case .bytes(let bytes, _) = data.features { Array(bytes[offset..<(offset + inputs)]) } else { [] }
            return Misclassification(
                index: mistake.index, pixels: pixels, trueLabel: Int(labels[mistake.index]), predicted: mistake.predicted,
                confidence: mistake.confidence)
        }
    }
}
