import CANNKernels

/// Everything one shard needs to run a forward and backward pass over up to
/// `capacity` samples, allocated once: activations per layer, two gradient
/// scratch buffers, the shard's own gradient block, labels and targets.
final class ShardWorkspace {
    let capacity: Int
    let architecture: NetworkArchitecture
    /// Kept, not recomputed: `architecture.layout` builds arrays, and a step must not allocate.
    let layout: ParameterLayout
    /// activations[0] is the input; activations[l] the output of layer l (after g).
    /// The last entry holds the logits (pre-output-activation).
    let activations: [FloatBuffer]
    /// Copies of a training minibatch's inputs in activations[0], one per
    /// OpenMP thread (see ``inputCopies(plan:architecture:)``), `copyStride`
    /// floats apart. They overlap the rows an evaluation uses beyond the
    /// first copy, which is harmless: the two never run at once.
    let inputCopies: Int
    let copyStride: Int
    /// Output after softmax (or a copy of nothing, for linear outputs).
    let outputs: FloatBuffer
    let deltaA: FloatBuffer
    let deltaB: FloatBuffer
    let gradient: FloatBuffer
    let labels: Int32Buffer
    let targets: FloatBuffer
    let predictions: Int32Buffer
    /// Each row's loss, from the fused output step, summed in row order.
    let rowLosses: FloatBuffer
    /// Per-shard results of the last pass, read by the coordinator after the fan-in.
    var lossSum: Double = 0
    var correct: Int = 0
    /// Confusion counts (true × predicted) of this worker's share of an evaluation.
    let confusion: UnsafeMutablePointer<Int>

    /// `inputCopies` copies of up to `copyRows` training samples fit in activations[0].
    init(architecture: NetworkArchitecture, capacity: Int, withGradient: Bool, inputCopies: Int = 1, copyRows: Int = 0) {
        self.capacity = capacity
        self.architecture = architecture
        layout = architecture.layout
        self.inputCopies = inputCopies
        // Whole cache lines apart, so that no line holds two threads' copies.
        let stride = inputCopies > 1 ? (copyRows * architecture.inputSize + 15) / 16 * 16 : 0
        copyStride = stride
        activations = architecture.layerSizes.enumerated().map { index, size in
            FloatBuffer(count: index == 0 ? max(capacity * size, inputCopies * stride) : capacity * size)
        }
        let classes = architecture.outputSize
        outputs = FloatBuffer(count: capacity * classes)
        deltaA = FloatBuffer(count: capacity * architecture.widestLayer)
        deltaB = FloatBuffer(count: capacity * architecture.widestLayer)
        gradient = FloatBuffer(count: withGradient ? architecture.layout.count : 0)
        labels = Int32Buffer(count: capacity)
        targets = FloatBuffer(count: capacity * classes)
        predictions = Int32Buffer(count: capacity)
        rowLosses = FloatBuffer(count: capacity)
        confusion = .allocate(capacity: classes * classes)
        confusion.initialize(repeating: 0, count: classes * classes)
    }

    deinit { confusion.deallocate() }

    /// How many copies of a minibatch's inputs a trainer with `plan` keeps:
    /// one per OpenMP thread while a copy is small next to a core's L2
    /// (every thread reads all the inputs of the first layer, and reading
    /// its own copy spares it taking lines from the core that wrote them;
    /// measured at batch 64 on 2 threads, the gather went from 11.5 to 9 µs
    /// a step and the first layer's passes a little faster too), else one.
    /// Larger batches gained nothing, and 1024 lost.
    /// A lone output layer reads its inputs in the fused output step, which
    /// takes no copies.
    static func inputCopies(plan: ShardPlan, architecture: NetworkArchitecture) -> Int {
        guard plan.shards == 1, plan.kernelThreads > 1, architecture.layerCount > 1 || !architecture.fusesOutputStep else {
            return 1
        }
        let copyBytes = plan.shardCapacity * architecture.inputSize * MemoryLayout<Float>.stride
        return copyBytes <= 256 * 1024 ? plan.kernelThreads : 1
    }

    /// The network's output for the rows in `activations[0]`: probabilities for
    /// softmax, raw values for linear.
    var outputPointer: UnsafeMutablePointer<Float> {
        architecture.output == .softmax ? outputs.pointer : activations[architecture.layerCount].pointer
    }

    /// Runs the layers over `rows` loaded samples, leaving predicted classes
    /// in `predictions`, and returns the loss summed over the rows (labels for
    /// cross-entropy, `targets` when `denseTargets`).
    func evaluate(rows: Int, parameters: UnsafePointer<Float>, denseTargets: Bool) -> Double {
        runLayers(rows: rows, parameters: parameters, kernelThreads: 1)
        let logits = activations[architecture.layerCount].pointer
        let classes = Int32(architecture.outputSize)
        let n = Int32(rows)
        var loss = 0.0
        if architecture.loss == .crossEntropy {
            loss = ann_softmax_cross_entropy(outputs.pointer, deltaA.pointer, logits, labels.pointer, n, classes, 0)
        } else {
            if architecture.output == .softmax { ann_softmax_forward(outputs.pointer, logits, n, classes) }
            if denseTargets { loss = ann_mse(deltaA.pointer, outputPointer, targets.pointer, n, classes, 0) }
        }
        ann_argmax_rows(predictions.pointer, outputPointer, n, classes)
        return loss
    }

    /// The dense layers `layers` with their hidden activations fused in; the
    /// last layer's logits are left raw. A layer whose weights owe the last
    /// step (`weightStep`, ``WeightStep/defersStep(layer:)``) takes it first.
    /// `inputCopyStride`: see x_copy_stride in CANNKernels.h (0: one copy).
    private func runLayers(
        _ layers: Range<Int>? = nil, rows: Int, parameters: UnsafePointer<Float>, kernelThreads: Int,
        inputCopyStride: Int = 0, weightStep: WeightStep? = nil
    ) {
        let count = layout.layers.count
        for l in layers ?? 0..<count {
            let layer = layout.layers[l]
            let output = activations[l + 1].pointer, input = activations[l].pointer
            let activation = l + 1 < count ? architecture.activation.kernelKind : Int32(ANN_IDENTITY)
            if let weightStep, let learningRate = weightStep.pendingLearningRate, WeightStep.defersStep(layer: l) {
                ann_dense_forward_stepped(
                    output, input, 0, weightStep.parameters + layer.weightOffset,
                    weightStep.velocity + layer.weightOffset, learningRate, parameters + layer.biasOffset,
                    Int32(rows), Int32(layer.inputs), Int32(layer.outputs), activation, Int32(kernelThreads))
            } else {
                ann_dense_forward(
                    output, input, l == 0 ? inputCopyStride : 0, parameters + layer.weightOffset,
                    parameters + layer.biasOffset, Int32(rows), Int32(layer.inputs), Int32(layer.outputs),
                    activation, Int32(kernelThreads))
            }
        }
    }

    /// Forward and backward over `rows` samples whose inputs, labels (and, for
    /// MSE, targets) are loaded; writes this shard's gradient of the loss
    /// summed over its rows and scaled by `gradientScale` (1 / minibatch size).
    ///
    /// Given a `weightStep`, every layer the dense kernels run (all but a
    /// fused output step's) folds its weight gradient into the velocity
    /// instead of `gradient`, and the caller steps only the rest. The first
    /// layer takes its step in the same pass (`ann_dense_backward_sgd`); the
    /// others leave it pending for the next forward pass
    /// (``WeightStep/defersStep(layer:)``), and take the one the last
    /// minibatch left pending, if any, before their forward pass.
    func forwardBackward(
        rows: Int, parameters: UnsafePointer<Float>, gradientScale: Float, kernelThreads: Int,
        inputCopyStride: Int = 0, weightStep: WeightStep? = nil
    ) {
        let layerCount = layout.layers.count
        let classes = Int32(architecture.outputSize)
        let n = Int32(rows)
        var delta = deltaA.pointer
        var spare = deltaB.pointer
        // The output layer's own backward pass is done when the loss is.
        var backwardFrom = layerCount - 1
        if architecture.fusesOutputStep {
            runLayers(
                0..<(layerCount - 1), rows: rows, parameters: parameters, kernelThreads: kernelThreads,
                inputCopyStride: inputCopyStride, weightStep: weightStep)
            let l = layerCount - 1
            let layer = layout.layers[l]
            ann_softmax_output_step(
                activations[l + 1].pointer, outputs.pointer, delta, rowLosses.pointer, predictions.pointer,
                l > 0 ? spare : nil, gradient.pointer + layer.weightOffset, gradient.pointer + layer.biasOffset,
                activations[l].pointer, parameters + layer.weightOffset, parameters + layer.biasOffset, labels.pointer,
                n, Int32(layer.inputs), classes, architecture.activation.kernelKind, gradientScale, Int32(kernelThreads))
            var loss = 0.0
            for r in 0..<rows { loss += Double(rowLosses.pointer[r]) }
            lossSum = loss
            swap(&delta, &spare)
            backwardFrom -= 1
        } else {
            runLayers(
                rows: rows, parameters: parameters, kernelThreads: kernelThreads, inputCopyStride: inputCopyStride,
                weightStep: weightStep)
            // The gradient with respect to the logits lands in deltaA. MSE is
            // the only loss left: cross-entropy on a linear output is refused
            // when the architecture is built.
            let logits = activations[layerCount].pointer
            if architecture.output == .softmax {
                ann_softmax_forward(outputs.pointer, logits, n, classes)
                lossSum = ann_mse(deltaB.pointer, outputs.pointer, targets.pointer, n, classes, gradientScale)
                ann_softmax_backward(deltaA.pointer, deltaB.pointer, outputs.pointer, n, classes)
            } else {
                lossSum = ann_mse(deltaA.pointer, logits, targets.pointer, n, classes, gradientScale)
            }
            ann_argmax_rows(predictions.pointer, outputPointer, n, classes)
        }

        for l in stride(from: backwardFrom, through: 0, by: -1) {
            let layer = layout.layers[l]
            // The input gradient comes out already multiplied by the previous
            // layer's activation slope; the first layer needs none.
            let inputGradient: UnsafeMutablePointer<Float>? = l > 0 ? spare : nil
            let xCopyStride = l == 0 ? inputCopyStride : 0
            if let weightStep, WeightStep.defersStep(layer: l) {
                ann_dense_backward_momentum(
                    inputGradient, weightStep.velocity + layer.weightOffset, gradient.pointer + layer.biasOffset, delta,
                    activations[l].pointer, xCopyStride, parameters + layer.weightOffset,
                    n, Int32(layer.inputs), Int32(layer.outputs), architecture.activation.kernelKind,
                    weightStep.momentum, Int32(kernelThreads))
            } else if let weightStep {
                ann_dense_backward_sgd(
                    inputGradient, weightStep.parameters + layer.weightOffset, weightStep.velocity + layer.weightOffset,
                    gradient.pointer + layer.biasOffset, delta, activations[l].pointer, xCopyStride,
                    n, Int32(layer.inputs), Int32(layer.outputs), architecture.activation.kernelKind,
                    weightStep.momentum, weightStep.learningRate, Int32(kernelThreads))
            } else {
                ann_dense_backward(
                    inputGradient, gradient.pointer + layer.weightOffset, gradient.pointer + layer.biasOffset,
                    delta, activations[l].pointer, xCopyStride, parameters + layer.weightOffset,
                    n, Int32(layer.inputs), Int32(layer.outputs), architecture.activation.kernelKind, 0,
                    Int32(kernelThreads))
            }
            swap(&delta, &spare)
        }
    }
}

/// The optimiser's state and settings for a step taken inside the passes:
/// `parameters` and `velocity` are the whole blocks, as laid out by the
/// architecture, and `parameters` is the very block `forwardBackward` reads
/// the weights from (the stepped layers read W for dX from here).
struct WeightStep {
    let parameters: UnsafeMutablePointer<Float>
    let velocity: UnsafeMutablePointer<Float>
    let momentum: Float
    let learningRate: Float
    /// The learning rate of the step the last minibatch left pending on the
    /// layers that defer it; nil when their weights are up to date.
    let pendingLearningRate: Float?

    /// Whether layer `l`'s weights take their step at the start of the next
    /// forward pass instead of in the backward pass: every layer that
    /// computes an input gradient, that is all but the first. Inside the
    /// backward pass each thread's rows hold columns the other threads have
    /// just read for dX, and stepping them costs a barrier and a round trip
    /// between cores for every such cache line; in the forward pass each
    /// thread steps only rows no other thread reads (`ann_dense_forward_stepped`).
    /// The first layer has no dX, and steps the rows it has just folded.
    static func defersStep(layer l: Int) -> Bool { l > 0 }
}
