extension Network {
    /// Confusion counts of this network's predictions on `data`, spread over
    /// `threads` cores. Inputs are bytes scaled by `inputScale`.
    public func evaluate(
        on data: LabeledDataset, threads: Int = 1, inputScale: Float = 1.0 / 255.0, subnormals: Subnormals = .flush
    ) throws(ConfigurationError) -> ConfusionMatrix {
        var configuration = TrainingConfiguration()
        configuration.threads = threads
        configuration.inputScale = inputScale
        configuration.subnormals = subnormals
        let evaluator = try Trainer(network: self, configuration: configuration)
        try evaluator.checkCompatible(data, role: "evaluation")
        return evaluator.evaluate(data)
    }
}
