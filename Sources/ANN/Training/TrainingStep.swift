import CANNKernels

/// One shard's part of a training step, kernel by kernel: the layers
/// forward, the loss and its gradient at the output, then the layers
/// backward, which leaves the shard's gradient of the loss in its
/// workspace. A whole step is this on every shard of the minibatch, then
/// the sum of their gradients (``GradientReduction``), then the
/// optimiser's update (``Optimizer``). An evaluation is its forward half.
struct TrainingStep {
    let architecture: NetworkArchitecture
    let layout: ParameterLayout
    /// OpenMP threads inside each kernel: more than 1 only when the minibatch is one shard.
    let kernelThreads: Int
    /// The bfloat16 product to run (an `ANN_BF16_*` path) in a
    /// mixed-precision step; nil for fp32.
    let bfloat16Path: Int32?

    init(architecture: NetworkArchitecture, layout: ParameterLayout, kernelThreads: Int, bfloat16Path: Int32? = nil) {
        self.architecture = architecture
        self.layout = layout
        self.kernelThreads = kernelThreads
        self.bfloat16Path = bfloat16Path
    }

    /// Forward, loss and backward over the `rows` samples loaded in
    /// `workspace`, with the weights `parameters` (and, in a mixed-precision
    /// step, their bfloat16 copies `weights16`). `gradientScale` is 1 over
    /// the minibatch's size, so that the shards' gradients add up to the
    /// gradient of the minibatch's mean loss.
    func run(
        _ workspace: ShardWorkspace, rows: Int, parameters: UnsafePointer<Float>, gradientScale: Float,
        weights16: BFloat16Weights? = nil
    ) {
        if let path = bfloat16Path, let weights16, let operands = workspace.bfloat16 {
            forward16(workspace, operands, rows: rows, parameters: parameters, weights16: weights16, path: path)
            workspace.lossSum = outputLoss(workspace, rows: rows, gradientScale: gradientScale)
            backward16(workspace, operands, rows: rows, weights16: weights16, path: path)
        } else {
            forward(workspace, rows: rows, parameters: parameters)
            workspace.lossSum = outputLoss(workspace, rows: rows, gradientScale: gradientScale)
            backward(workspace, rows: rows, parameters: parameters)
        }
        var correct = 0
        for i in 0..<rows where workspace.predictions.pointer[i] == workspace.labels.pointer[i] { correct += 1 }
        workspace.correct = correct
    }

    /// activations[l + 1] = g(activations[l]·Wₗᵀ + bₗ) for every layer, g the
    /// hidden activation; the last layer's output stays raw (the logits).
    func forward(_ workspace: ShardWorkspace, rows: Int, parameters: UnsafePointer<Float>) {
        let layers = layout.layers
        for (l, layer) in layers.enumerated() {
            let activation = l + 1 < layers.count ? architecture.activation.kernelKind : Int32(ANN_IDENTITY)
            ann_dense_forward(
                workspace.activations[l + 1].pointer, workspace.activations[l].pointer,
                parameters + layer.weightOffset, parameters + layer.biasOffset,
                Int32(rows), Int32(layer.inputs), Int32(layer.outputs), activation, Int32(kernelThreads))
        }
    }

    /// The output activation, the predicted classes and the loss summed over
    /// the rows (labels for cross-entropy, targets for MSE); the loss's
    /// gradient with respect to the logits, times `gradientScale`, is left
    /// in `deltaA`.
    func outputLoss(_ workspace: ShardWorkspace, rows: Int, gradientScale: Float) -> Double {
        let logits = workspace.activations[layout.layers.count].pointer
        let outputs = workspace.outputs.pointer, logitGradient = workspace.deltaA.pointer
        let n = Int32(rows), classes = Int32(architecture.outputSize)
        let loss: Double
        switch (architecture.output, architecture.loss) {
        case (.softmax, .crossEntropy):
            loss = ann_softmax_cross_entropy(
                outputs, logitGradient, logits, workspace.labels.pointer, n, classes, gradientScale)
        case (.softmax, .meanSquaredError):
            ann_softmax_forward(outputs, logits, n, classes)
            let outputGradient = workspace.deltaB.pointer
            loss = ann_mse(outputGradient, outputs, workspace.targets.pointer, n, classes, gradientScale)
            ann_softmax_backward(logitGradient, outputGradient, outputs, n, classes)
        case (.linear, _):
            // Cross-entropy needs a softmax: the architecture refuses it.
            loss = ann_mse(logitGradient, logits, workspace.targets.pointer, n, classes, gradientScale)
        }
        ann_argmax_rows(workspace.predictions.pointer, workspace.outputPointer, n, classes)
        return loss
    }

    /// From the logits' gradient back to the first layer, by the chain rule:
    /// each layer's dW and db go to the gradient block, and its input
    /// gradient, through the previous layer's activation slope, becomes the
    /// output gradient of the layer before.
    func backward(_ workspace: ShardWorkspace, rows: Int, parameters: UnsafePointer<Float>) {
        var outputGradient = workspace.deltaA.pointer, inputGradient = workspace.deltaB.pointer
        let gradient = workspace.gradient
        for l in stride(from: layout.layers.count - 1, through: 0, by: -1) {
            let layer = layout.layers[l]
            ann_dense_backward(
                l > 0 ? inputGradient : nil, gradient + layer.weightOffset, gradient + layer.biasOffset,
                outputGradient, workspace.activations[l].pointer, parameters + layer.weightOffset,
                Int32(rows), Int32(layer.inputs), Int32(layer.outputs), architecture.activation.kernelKind,
                Int32(kernelThreads))
            swap(&outputGradient, &inputGradient)
        }
    }

    // MARK: Mixed precision

    /// The forward pass with bfloat16 operands: each layer's input rounded,
    /// multiplied by the rounded weights, the sums, bias and activation fp32.
    func forward16(
        _ workspace: ShardWorkspace, _ operands: BFloat16Activations, rows: Int, parameters: UnsafePointer<Float>,
        weights16: BFloat16Weights, path: Int32
    ) {
        let layers = layout.layers, n = Int32(rows)
        for (l, layer) in layers.enumerated() {
            let activation = l + 1 < layers.count ? architecture.activation.kernelKind : Int32(ANN_IDENTITY)
            let input = workspace.activations[l].pointer, output = workspace.activations[l + 1].pointer
            let (inputs, outputs, pairs) = (Int32(layer.inputs), Int32(layer.outputs), Int32((layer.inputs + 1) / 2))
            if weights16.transposedForward {
                ann_bf16_pairs_along_rows_transposed(operands.input.pointer, input, n, inputs, Int32(kernelThreads))
                ann_gemm_bf16_transposed(
                    output, weights16.forward(l), operands.input.pointer, parameters + layer.biasOffset,
                    outputs, n, pairs, activation, path, Int32(kernelThreads))
            } else {
                ann_bf16_pairs_along_rows(operands.input.pointer, input, n, inputs, Int32(kernelThreads))
                ann_gemm_bf16(
                    output, operands.input.pointer, weights16.forward(l), parameters + layer.biasOffset, nil,
                    n, outputs, pairs, activation, path, Int32(kernelThreads))
            }
        }
    }

    /// The backward pass with bfloat16 operands: dW = dYᵀ·X and dX = dY·W
    /// (then through the previous activation's slope) with the batch and
    /// the outputs in pairs; db sums the fp32 dY.
    func backward16(
        _ workspace: ShardWorkspace, _ operands: BFloat16Activations, rows: Int, weights16: BFloat16Weights, path: Int32
    ) {
        var outputGradient = workspace.deltaA.pointer, inputGradient = workspace.deltaB.pointer
        let gradient = workspace.gradient, n = Int32(rows)
        for l in stride(from: layout.layers.count - 1, through: 0, by: -1) {
            let layer = layout.layers[l], input = workspace.activations[l].pointer
            let out = Int32(layer.outputs), inputs = Int32(layer.inputs)
            // No inputs: the kernel sums the bias gradient alone.
            ann_dense_backward(nil, nil, gradient + layer.biasOffset, outputGradient, nil, nil, n, 0, out, Int32(ANN_IDENTITY), 1)
            ann_bf16_pairs_down_columns_transposed(operands.gradientDown.pointer, outputGradient, n, out, Int32(kernelThreads))
            ann_bf16_pairs_down_columns(operands.inputDown.pointer, input, n, inputs, Int32(kernelThreads))
            ann_gemm_bf16(
                gradient + layer.weightOffset, operands.gradientDown.pointer, operands.inputDown.pointer, nil, nil,
                out, inputs, Int32((rows + 1) / 2), Int32(ANN_IDENTITY), path, Int32(kernelThreads))
            if l > 0 {
                ann_bf16_pairs_along_rows(operands.gradient.pointer, outputGradient, n, out, Int32(kernelThreads))
                ann_gemm_bf16(
                    inputGradient, operands.gradient.pointer, weights16.backward(l), nil, input, n, inputs,
                    Int32((layer.outputs + 1) / 2), architecture.activation.kernelKind, path, Int32(kernelThreads))
            }
            swap(&outputGradient, &inputGradient)
        }
    }
}
