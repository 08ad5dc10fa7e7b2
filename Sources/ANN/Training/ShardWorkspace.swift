/// The buffers one shard of a minibatch works in, allocated once: its
/// samples, every layer's activations, two buffers for the gradient flowing
/// back, its own gradient block, and what it predicted.
final class ShardWorkspace {
    /// Samples the buffers hold.
    let capacity: Int
    let architecture: NetworkArchitecture
    /// Kept, not recomputed: `architecture.layout` builds arrays, and a step must not allocate.
    let layout: ParameterLayout
    /// activations[0] is the input; activations[l] the output of layer l (after
    /// its activation). The last entry holds the logits (before the output's).
    let activations: [FloatBuffer]
    /// The network's output: probabilities after a softmax (unused for a linear output).
    let outputs: FloatBuffer
    /// The gradient with respect to a layer's output, and to its input: the
    /// backward pass swaps them from layer to layer.
    let deltaA: FloatBuffer
    let deltaB: FloatBuffer
    /// This shard's gradient of the loss, laid out like the parameters: its
    /// block of the trainer's ``GradientReduction``, or one of its own.
    let gradient: UnsafeMutablePointer<Float>
    private let ownGradient: FloatBuffer?
    let labels: Int32Buffer
    let targets: FloatBuffer
    let predictions: Int32Buffer
    /// Results of the last pass, read by the coordinator once the shards are done.
    var lossSum: Double = 0
    var correct: Int = 0
    /// Confusion counts (true × predicted) of this worker's share of an evaluation.
    let confusion: UnsafeMutablePointer<Int>
    /// The bfloat16 operands of a mixed-precision step, when it is one.
    let bfloat16: BFloat16Activations?

    /// Buffers for up to `capacity` samples and a gradient block of their own.
    convenience init(architecture: NetworkArchitecture, capacity: Int, precision: Precision = .fp32) {
        let own = FloatBuffer(count: architecture.layout.count)
        self.init(architecture: architecture, capacity: capacity, gradient: own.pointer, owning: own, precision: precision)
    }

    /// Buffers for up to `capacity` samples writing their gradient at
    /// `gradient`, which the caller keeps alive (`owning` it, or longer).
    init(
        architecture: NetworkArchitecture, capacity: Int, gradient: UnsafeMutablePointer<Float>, owning: FloatBuffer? = nil,
        precision: Precision = .fp32
    ) {
        self.capacity = capacity
        self.architecture = architecture
        layout = architecture.layout
        activations = architecture.layerSizes.map { FloatBuffer(count: capacity * $0) }
        let classes = architecture.outputSize
        outputs = FloatBuffer(count: capacity * classes)
        deltaA = FloatBuffer(count: capacity * architecture.widestLayer)
        deltaB = FloatBuffer(count: capacity * architecture.widestLayer)
        self.gradient = gradient
        ownGradient = owning
        labels = Int32Buffer(count: capacity)
        targets = FloatBuffer(count: capacity * classes)
        predictions = Int32Buffer(count: capacity)
        bfloat16 = precision == .bf16 ? BFloat16Activations(architecture: architecture, capacity: capacity) : nil
        confusion = .allocate(capacity: classes * classes)
        confusion.initialize(repeating: 0, count: classes * classes)
    }

    deinit { confusion.deallocate() }

    /// The network's output for the rows in `activations[0]`: probabilities for
    /// softmax, raw values for linear.
    var outputPointer: UnsafeMutablePointer<Float> {
        architecture.output == .softmax ? outputs.pointer : activations[architecture.layerCount].pointer
    }
}
