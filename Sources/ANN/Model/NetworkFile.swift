import Foundation

/// Saving and loading networks as safetensors: one `F32` tensor per weight
/// matrix and bias vector (`layers.N.weight` (out, in), `layers.N.bias` (out)),
/// and the architecture in `__metadata__`, so any safetensors reader can use them.
extension Network {
    static let formatName = "swift-ann"

    /// The network as a safetensors document.
    public var safeTensors: SafeTensors {
        let layout = architecture.layout
        var tensors: [Tensor] = []
        for (index, layer) in layout.layers.enumerated() {
            tensors.append(Tensor(name: "layers.\(index).weight", shape: [layer.outputs, layer.inputs], values: Array(weights(ofLayer: index))))
            tensors.append(Tensor(name: "layers.\(index).bias", shape: [layer.outputs], values: Array(biases(ofLayer: index))))
        }
        return SafeTensors(tensors: tensors, metadata: [
            "format": Self.formatName,
            "layers": architecture.layerSizes.map(String.init).joined(separator: ","),
            "activation": architecture.activation.rawValue,
            "output": architecture.output.rawValue,
            "loss": architecture.loss.rawValue,
        ])
    }

    /// Writes the network to `path`, whole or not at all.
    public func save(to path: String) throws(ModelFileError) {
        try safeTensors.write(to: path)
    }

    /// Reads a network written by `save(to:)`, checking that the tensors match
    /// the architecture the metadata describes.
    public static func load(from path: String) throws(ModelFileError) -> Network {
        let file = try SafeTensors.read(from: path)
        return try Network(file, source: path)
    }

    /// Rebuilds a network from a decoded safetensors document.
    public init(_ file: SafeTensors, source: String) throws(ModelFileError) {
        func fail(_ reason: String) -> ModelFileError { ModelFileError(file: source, reason: reason) }
        let metadata = file.metadata
        guard let layersText = metadata["layers"] else { throw fail("no \"layers\" entry in __metadata__: not a swift-ann model") }
        let parts = layersText.split(separator: ",", omittingEmptySubsequences: false)
        let sizes = parts.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard sizes.count == parts.count else { throw fail("__metadata__ \"layers\" is not a list of integers: \(layersText)") }
        guard let activation = Activation(rawValue: metadata["activation"] ?? "") else {
            throw fail("unknown activation \"\(metadata["activation"] ?? "")\" in __metadata__")
        }
        guard let output = OutputActivation(rawValue: metadata["output"] ?? "") else {
            throw fail("unknown output \"\(metadata["output"] ?? "")\" in __metadata__")
        }
        guard let loss = Loss(rawValue: metadata["loss"] ?? "") else {
            throw fail("unknown loss \"\(metadata["loss"] ?? "")\" in __metadata__")
        }
        let architecture: NetworkArchitecture
        do {
            architecture = try NetworkArchitecture(layerSizes: sizes, activation: activation, output: output, loss: loss)
        } catch {
            throw fail("__metadata__ describes an impossible network: \(error.reason)")
        }
        // Every tensor is checked before anything is allocated: the metadata
        // alone could describe a network of terabytes, the tensors cannot
        // outgrow the file that holds them.
        let layout = architecture.layout
        guard file.tensors.count == layout.layers.count * 2 else {
            throw fail("holds \(file.tensors.count) tensors, the network has \(layout.layers.count * 2)")
        }
        var pieces: [(offset: Int, values: [Float])] = []
        for (index, layer) in layout.layers.enumerated() {
            for (suffix, shape, offset) in [("weight", [layer.outputs, layer.inputs], layer.weightOffset), ("bias", [layer.outputs], layer.biasOffset)] {
                let name = "layers.\(index).\(suffix)"
                guard let tensor = file.tensor(named: name) else { throw fail("tensor \(name) is missing") }
                guard tensor.shape == shape else {
                    throw fail("tensor \(name) has shape \(tensor.shape), the network needs \(shape)")
                }
                pieces.append((offset, tensor.values))
            }
        }
        var parameters = [Float](repeating: 0, count: layout.count)
        for piece in pieces {
            parameters.replaceSubrange(piece.offset..<(piece.offset + piece.values.count), with: piece.values)
        }
        self.architecture = architecture
        self.parameters = parameters
    }
}
