/// The shape of a multilayer perceptron: layer widths, the hidden activation,
/// the output and the loss it is trained with.
public struct NetworkArchitecture: Sendable, Equatable, Codable {
    /// Widths from the input to the output, e.g. `[784, 256, 128, 10]`.
    public var layerSizes: [Int]
    /// The activation of every hidden layer.
    public var activation: Activation
    /// The activation of the last layer.
    public var output: OutputActivation
    /// The loss training minimises.
    public var loss: Loss

    /// Checks the combination and builds the description. The defaults
    /// classify; for regression pass `output: .linear, loss: .meanSquaredError`
    /// (<doc:Regression>).
    public init(
        layerSizes: [Int], activation: Activation = .relu,
        output: OutputActivation = .softmax, loss: Loss = .crossEntropy
    ) throws(ConfigurationError) {
        guard layerSizes.count >= 2 else {
            throw ConfigurationError(parameter: "layerSizes", reason: "needs at least an input and an output size, got \(layerSizes.count) size(s)")
        }
        if let bad = layerSizes.first(where: { $0 < 1 || $0 > 1 << 20 }) {
            throw ConfigurationError(parameter: "layerSizes", reason: "layer size \(bad) is outside 1...\(1 << 20)")
        }
        // Each layer is capped above; their product is not, and a network
        // this large would not fit any machine's memory as floats.
        let parameters = zip(layerSizes, layerSizes.dropFirst()).reduce(0) { $0 + $1.0 * $1.1 + $1.1 }
        if parameters > Self.maximumParameters {
            throw ConfigurationError(
                parameter: "layerSizes",
                reason: "has \(parameters) parameters; at most \(Self.maximumParameters) (4 GiB of floats) are allowed")
        }
        if loss == .crossEntropy && output != .softmax {
            throw ConfigurationError(parameter: "loss", reason: "cross-entropy needs a softmax output")
        }
        // Whatever the data, a softmax over one output is the constant 1:
        // usually regression written with the default output and loss.
        if output == .softmax && layerSizes[layerSizes.count - 1] == 1 {
            throw ConfigurationError(
                parameter: "output",
                reason: "a softmax over a single output is always 1, so it cannot learn: to predict a value make `output` linear and `loss` mean squared error; for classes make the last of `layerSizes` one per class")
        }
        self.layerSizes = layerSizes
        self.activation = activation
        self.output = output
        self.loss = loss
    }

    /// The most parameters a network may have.
    public static let maximumParameters = 1 << 30

    /// Number of dense layers (weight matrices).
    public var layerCount: Int { layerSizes.count - 1 }
    /// Width of the input.
    public var inputSize: Int { layerSizes[0] }
    /// Width of the output (the number of classes for classification).
    public var outputSize: Int { layerSizes[layerSizes.count - 1] }
    /// Widest layer, which sizes the gradient scratch buffers.
    var widestLayer: Int { layerSizes.max() ?? 0 }

    /// Where each layer's weights and biases sit in the flat parameter block.
    public var layout: ParameterLayout { ParameterLayout(layerSizes: layerSizes) }
}

/// Offsets of each layer's `W` (out, in) and `b` (out) in one contiguous block,
/// laid out `W₁ b₁ W₂ b₂ …` as they are saved.
public struct ParameterLayout: Sendable, Equatable {
    /// One dense layer's place in the block.
    public struct Layer: Sendable, Equatable {
        /// Width of the layer's input.
        public let inputs: Int
        /// Width of the layer's output.
        public let outputs: Int
        /// Index of `W[0, 0]` in the block.
        public let weightOffset: Int
        /// Index of `b[0]` in the block.
        public let biasOffset: Int
        /// Number of weights, `inputs × outputs`.
        public var weightCount: Int { inputs * outputs }
    }

    /// The dense layers, input side first.
    public let layers: [Layer]
    /// Total number of parameters.
    public let count: Int

    init(layerSizes: [Int]) {
        var layers: [Layer] = []
        var offset = 0
        for l in 1..<max(layerSizes.count, 1) {
            let layer = Layer(
                inputs: layerSizes[l - 1], outputs: layerSizes[l],
                weightOffset: offset, biasOffset: offset + layerSizes[l - 1] * layerSizes[l])
            layers.append(layer)
            offset = layer.biasOffset + layer.outputs
        }
        self.layers = layers
        self.count = offset
    }

    /// Contiguous stretches of the block: weights (which L1/L2 act on) and biases (which they don't).
    var segments: [(offset: Int, count: Int, isWeight: Bool)] {
        layers.flatMap { [($0.weightOffset, $0.weightCount, true), ($0.biasOffset, $0.outputs, false)] }
    }
}
