extension Network {
    /// This network with `scaling` folded into its first layer, so that it
    /// takes raw features: `W((x - shift) ⊙ scale) + b` is
    /// `(W diag(scale)) x + (b - W diag(scale) shift)`. A model saved this
    /// way needs no normalisation statistics beside it, in this package or in
    /// any safetensors reader. Sums are taken in double precision.
    ///
    /// - Precondition: `scaling` has one entry per network input.
    public func foldingInputScaling(_ scaling: FeatureScaling) -> Network {
        let layer = architecture.layout.layers[0]
        precondition(scaling.shift.count == layer.inputs, "scaling of \(scaling.shift.count) features for \(layer.inputs) inputs")
        var folded = parameters
        for output in 0..<layer.outputs {
            let row = layer.weightOffset + output * layer.inputs
            var offset = 0.0
            for input in 0..<layer.inputs {
                let weight = Double(parameters[row + input]) * Double(scaling.scale[input])
                folded[row + input] = Float(weight)
                offset += weight * Double(scaling.shift[input])
            }
            folded[layer.biasOffset + output] = Float(Double(parameters[layer.biasOffset + output]) - offset)
        }
        return Network(architecture: architecture, ownParameters: folded)
    }
}
