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
    /// An empty set has nothing to lend (its arrays have no storage), and
    /// nothing to load either, so `body` is not called.
    func withSampleSource(_ body: (SampleSource) -> Void) {
        func withTargets(_ features: SampleSource.FeatureMemory) {
            switch targets {
            case .classes(let labels):
                labels.withUnsafeBufferPointer { labels in
                    guard let base = labels.baseAddress else { return }
                    body(SampleSource(features: features, targets: .classes(base), featureCount: featureCount))
                }
            case .values(let values, let width):
                values.withUnsafeBufferPointer { values in
                    guard let base = values.baseAddress else { return }
                    body(SampleSource(features: features, targets: .values(base, width: width), featureCount: featureCount))
                }
            }
        }
        switch features {
        case .bytes(let bytes, let scale):
            bytes.withUnsafeBufferPointer { bytes in
                guard let base = bytes.baseAddress else { return }
                withTargets(.bytes(base, scale: scale))
            }
        case .floats(let floats):
            floats.withUnsafeBufferPointer { floats in
                guard let base = floats.baseAddress else { return }
                withTargets(.floats(base))
            }
        }
    }
}
