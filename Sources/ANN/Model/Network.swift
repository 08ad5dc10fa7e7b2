/// A multilayer perceptron: its architecture and all of its parameters in one
/// flat block (`W₁ b₁ W₂ b₂ …`, each `W` row-major (out, in)).
///
/// A value type: copying a network copies its weights, so a trained network
/// can be handed to other threads for inference while training goes on.
public struct Network: Sendable, Equatable {
    /// The layer widths, activations and loss.
    public let architecture: NetworkArchitecture
    /// Every weight and bias, laid out by `architecture.layout`.
    public internal(set) var parameters: [Float]

    /// A network with freshly initialised weights (uniform, scaled for the
    /// activation unless `initialization` says otherwise) and zero biases.
    /// The same seed gives the same weights on every machine; the draws
    /// are spelt out in <doc:ReproducingARun>.
    public init(architecture: NetworkArchitecture, seed: UInt64, initialization: Initialization? = nil) {
        self.architecture = architecture
        let layout = architecture.layout
        var parameters = [Float](repeating: 0, count: layout.count)
        var generator = SeededGenerator(seed: seed)
        let scheme = initialization ?? architecture.activation.preferredInitialization
        for layer in layout.layers {
            let variance: Float = switch scheme {
            case .he: 2.0 / Float(layer.inputs)
            case .xavier: 2.0 / Float(layer.inputs + layer.outputs)
            }
            // A uniform on [-a, a] has variance a²/3.
            let limit = (3 * variance).squareRoot()
            for i in layer.weightOffset..<(layer.weightOffset + layer.weightCount) {
                parameters[i] = generator.nextSignedUnitFloat() * limit
            }
        }
        self.parameters = parameters
    }

    /// A network from existing parameters, which must match the architecture's size.
    public init(architecture: NetworkArchitecture, parameters: [Float]) throws(ConfigurationError) {
        guard parameters.count == architecture.layout.count else {
            throw ConfigurationError(
                parameter: "parameters",
                reason: "expected \(architecture.layout.count) values for \(architecture.layerSizes), got \(parameters.count)")
        }
        self.architecture = architecture
        self.parameters = parameters
    }

    /// For the engine's own blocks, whose size matches by construction.
    init(architecture: NetworkArchitecture, ownParameters parameters: [Float]) {
        precondition(parameters.count == architecture.layout.count, "engine bug: parameter block of the wrong size")
        self.architecture = architecture
        self.parameters = parameters
    }

    /// The weight matrix (out, in) of dense layer `index`, row-major.
    public func weights(ofLayer index: Int) -> ArraySlice<Float> {
        let layer = architecture.layout.layers[index]
        return parameters[layer.weightOffset..<(layer.weightOffset + layer.weightCount)]
    }

    /// The bias vector of dense layer `index`.
    public func biases(ofLayer index: Int) -> ArraySlice<Float> {
        let layer = architecture.layout.layers[index]
        return parameters[layer.biasOffset..<(layer.biasOffset + layer.outputs)]
    }
}
