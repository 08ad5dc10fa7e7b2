extension TabularDataset {
    /// Reads a feature array (`n × d` float32 or float64, or integers; more
    /// dimensions are flattened per sample) and a label array (`n` integer
    /// class indices) written by NumPy's `np.save`.
    ///
    /// - Throws: ``DataError`` naming the faulty file: an unreadable array,
    ///   the wrong number of dimensions, float labels, a negative or too large
    ///   label, a non-finite feature, or sample counts that disagree.
    public init(numPyFeatures featuresPath: String, labels labelsPath: String) throws(DataError) {
        let features = try NumPyArray.read(at: featuresPath)
        guard features.shape.count >= 2 else {
            throw DataError(
                file: featuresPath,
                reason: "features must have 2 dimensions (samples × features), but the shape is \(features.shape)")
        }
        let samples = features.shape[0]
        let width = features.count / max(samples, 1)
        guard samples > 0, width > 0 else {
            throw DataError(file: featuresPath, reason: "holds no samples (shape \(features.shape))")
        }
        let values = features.floatValues()
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw DataError(
                file: featuresPath,
                reason: "feature \(bad % width) of sample \(bad / width) is \(values[bad]); every feature must be a finite number")
        }

        let labels = try NumPyArray.read(at: labelsPath)
        guard labels.shape.count == 1 || (labels.shape.count == 2 && labels.shape[1] == 1) else {
            throw DataError(file: labelsPath, reason: "labels must have 1 dimension (samples), but the shape is \(labels.shape)")
        }
        guard let indices = labels.integerValues() else {
            throw DataError(
                file: labelsPath,
                reason: "labels are \(labels.elementType.name); they must be integer class indices, e.g. np.save(path, y.astype(np.int64))")
        }
        if let bad = indices.firstIndex(where: { !(0...ClassLabels.maximumIndex).contains($0) }) {
            throw DataError(
                file: labelsPath,
                reason: "label \(indices[bad]) of sample \(bad) is not a class index in 0...\(ClassLabels.maximumIndex)")
        }
        guard indices.count == samples else {
            throw DataError(
                file: featuresPath,
                reason: "holds \(samples) samples, but the label file \(labelsPath) holds \(indices.count) labels")
        }
        try self.init(features: values, featureCount: width, labels: indices, source: featuresPath)
    }
}
