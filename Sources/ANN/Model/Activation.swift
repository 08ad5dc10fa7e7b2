import CANNKernels

/// The nonlinearity `g` of a hidden layer `f(z) = g(W·z + b)`.
public enum Activation: String, CaseIterable, Sendable, Codable {
    case relu
    case tanh
    case sigmoid

    /// The initialisation that keeps activations at unit scale for this nonlinearity.
    public var preferredInitialization: Initialization {
        self == .relu ? .he : .xavier
    }

    /// The kernels' code for this activation (`ANN_RELU`, …).
    var kernelKind: Int32 {
        switch self {
        case .relu: Int32(ANN_RELU)
        case .tanh: Int32(ANN_TANH)
        case .sigmoid: Int32(ANN_SIGMOID)
        }
    }
}

/// What the last layer emits.
public enum OutputActivation: String, CaseIterable, Sendable, Codable {
    /// Class probabilities that sum to one.
    case softmax
    /// The raw affine output, for regression.
    case linear
}

/// The quantity training minimises, averaged over the samples of a minibatch.
public enum Loss: String, CaseIterable, Sendable, Codable {
    /// −log p(true class); needs a softmax output.
    case crossEntropy = "cross-entropy"
    /// ½·Σ (output − target)², against one-hot targets for classification.
    case meanSquaredError = "mse"
}

/// How initial weights are drawn: uniform with a variance matched to the layer's fan.
public enum Initialization: String, CaseIterable, Sendable, Codable {
    /// Variance 2 / fan-in (He et al.), for ReLU.
    case he
    /// Variance 2 / (fan-in + fan-out) (Glorot and Bengio), for tanh and sigmoid.
    case xavier
}
