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

    /// Copies `rows` samples into the workspace: sample `indices[i]`, or
    /// `first + i` without indices. It loads the inputs (with up to
    /// `threads` OpenMP threads), the labels (−1 for regression, so nothing
    /// counts as correct) and dense targets when `denseTargets` (one-hot for classes).
    func load(
        into workspace: ShardWorkspace, indices: UnsafePointer<Int32>?, first: Int, rows: Int,
        denseTargets: Bool, threads: Int
    ) {
        @inline(__always) func sample(_ i: Int) -> Int { indices.map { Int($0[i]) } ?? first + i }
        let input = workspace.activations[0].pointer
        switch features {
        case .bytes(let bytes, let scale):
            ann_gather_bytes(input, bytes, indices, first, Int32(rows), featureCount, scale, Int32(threads))
        case .floats(let floats):
            for i in 0..<rows {
                (input + i * featureCount).update(from: floats + sample(i) * featureCount, count: featureCount)
            }
        }
        let width = workspace.architecture.outputSize
        switch targets {
        case .classes(let labels):
            if denseTargets { workspace.targets.pointer.update(repeating: 0, count: rows * width) }
            for i in 0..<rows {
                let label = labels[sample(i)]
                workspace.labels.pointer[i] = label
                if denseTargets { workspace.targets.pointer[i * width + Int(label)] = 1 }
            }
        case .values(let values, let valueWidth):
            for i in 0..<rows {
                workspace.labels.pointer[i] = -1
                (workspace.targets.pointer + i * width).update(from: values + sample(i) * valueWidth, count: valueWidth)
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
