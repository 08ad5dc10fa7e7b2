import CANNKernels

/// Where the samples of a data set live while a pass runs: borrowed pointers
/// into the data set's arrays, valid inside one `Dataset.withSampleSource` call.
struct SampleSource {
    enum FeatureMemory {
        case bytes(UnsafePointer<UInt8>, scale: Float)
        case floats(UnsafePointer<Float>)
    }

    enum TargetMemory {
        case classes(UnsafePointer<Int32>)
        case values(UnsafePointer<Float>, width: Int)
    }

    let features: FeatureMemory
    let targets: TargetMemory
    let featureCount: Int

    /// Copies the samples `index(i)` for i in 0..<rows into the workspace: the
    /// inputs, the labels (−1 for regression, so nothing counts as correct),
    /// and dense targets when `denseTargets` (one-hot for classes).
    func load(into workspace: ShardWorkspace, rows: Int, denseTargets: Bool, index: (Int) -> Int) {
        let input = workspace.activations[0].pointer
        let width = workspace.architecture.outputSize
        if denseTargets, case .classes = targets {
            workspace.targets.pointer.update(repeating: 0, count: rows * width)
        }
        for i in 0..<rows {
            let sample = index(i)
            let row = input + i * featureCount
            switch features {
            case .bytes(let bytes, let scale):
                ann_bytes_to_floats(row, bytes + sample * featureCount, featureCount, scale)
            case .floats(let floats):
                row.update(from: floats + sample * featureCount, count: featureCount)
            }
            switch targets {
            case .classes(let labels):
                workspace.labels.pointer[i] = labels[sample]
                if denseTargets { workspace.targets.pointer[i * width + Int(labels[sample])] = 1 }
            case .values(let values, let valueWidth):
                workspace.labels.pointer[i] = -1
                (workspace.targets.pointer + i * width).update(from: values + sample * valueWidth, count: valueWidth)
            }
        }
    }
}

extension Dataset {
    /// Lends the trainer raw views of the arrays for the duration of `body`.
    func withSampleSource<Result>(_ body: (SampleSource) -> Result) -> Result {
        func withTargets(_ features: SampleSource.FeatureMemory) -> Result {
            switch targets {
            case .classes(let labels):
                return labels.withUnsafeBufferPointer { labels in
                    body(SampleSource(features: features, targets: .classes(labels.baseAddress ?? Self.emptyClasses), featureCount: featureCount))
                }
            case .values(let values, let width):
                return values.withUnsafeBufferPointer { values in
                    body(SampleSource(features: features, targets: .values(values.baseAddress ?? Self.emptyValues, width: width), featureCount: featureCount))
                }
            }
        }
        switch features {
        case .bytes(let bytes, let scale):
            return bytes.withUnsafeBufferPointer { withTargets(.bytes($0.baseAddress ?? Self.emptyBytes, scale: scale)) }
        case .floats(let floats):
            return floats.withUnsafeBufferPointer { withTargets(.floats($0.baseAddress ?? Self.emptyValues)) }
        }
    }

    // Stand-ins for the base address of an empty array; never read, since an
    // empty set has no sample to index.
    private static var emptyBytes: UnsafePointer<UInt8> { UnsafePointer(bitPattern: 1)! }
    private static var emptyValues: UnsafePointer<Float> { UnsafePointer(bitPattern: 4)! }
    private static var emptyClasses: UnsafePointer<Int32> { UnsafePointer(bitPattern: 4)! }
}
