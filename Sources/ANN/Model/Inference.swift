import CANNKernels

extension Network {
    /// The network's output for one sample: class probabilities for a softmax
    /// output, raw values for a linear one.
    ///
    /// Safe to call from any thread at the same time: it reads the weights and
    /// works in buffers of its own, never in a trainer's. It computes with
    /// `subnormals` flushed or kept, and leaves the thread's floating-point
    /// mode as it found it.
    /// - Precondition: `sample.count == architecture.inputSize`.
    public func predict(_ sample: [Float], subnormals: Subnormals = .flush) -> [Float] {
        predict(batch: sample, count: 1, subnormals: subnormals)
    }

    /// Outputs for `count` samples laid out row after row (`count × inputSize`
    /// values in, `count × outputSize` out).
    /// - Precondition: `batch.count == count * architecture.inputSize`.
    public func predict(batch: [Float], count: Int, subnormals: Subnormals = .flush) -> [Float] {
        precondition(count >= 0 && batch.count == count * architecture.inputSize,
                     "predict: expected \(count) × \(architecture.inputSize) inputs, got \(batch.count)")
        guard count > 0 else { return [] }
        return FloatingPointMode.run(subnormals) { forward(batch: batch, count: count) }
    }

    private func forward(batch: [Float], count: Int) -> [Float] {
        let layers = architecture.layout.layers
        var input = batch
        for (index, layer) in layers.enumerated() {
            var output = [Float](repeating: 0, count: count * layer.outputs)
            parameters.withUnsafeBufferPointer { p in
                guard let base = p.baseAddress else { return }
                ann_dense_forward(
                    &output, input, base + layer.weightOffset, base + layer.biasOffset,
                    Int32(count), Int32(layer.inputs), Int32(layer.outputs),
                    index + 1 < layers.count ? architecture.activation.kernelKind : Int32(ANN_IDENTITY), 1)
            }
            input = output
        }
        if architecture.output == .softmax {
            var probabilities = input
            ann_softmax_forward(&probabilities, input, Int32(count), Int32(architecture.outputSize))
            return probabilities
        }
        return input
    }

    /// The most likely class of one sample.
    public func classify(_ sample: [Float], subnormals: Subnormals = .flush) -> Int {
        let output = predict(sample, subnormals: subnormals)
        return output.indices.max { output[$0] < output[$1] } ?? 0
    }
}
