extension Network {
    /// Confusion counts of this network's predictions on `data`, spread over
    /// `threads` cores. Inputs are bytes scaled by `inputScale`.
    public func evaluate(
        on data: LabeledDataset, threads: Int = 1, inputScale: Float = 1.0 / 255.0, subnormals: Subnormals = .flush
    ) throws(ConfigurationError) -> ConfusionMatrix {
        try evaluate(on: Dataset(data, inputScale: inputScale), threads: threads, subnormals: subnormals)
    }

    /// Confusion counts of this network's predictions on `data` (float or
    /// byte features, class targets), spread over `threads` cores.
    public func evaluate(
        on data: Dataset, threads: Int = 1, subnormals: Subnormals = .flush
    ) throws(ConfigurationError) -> ConfusionMatrix {
        var configuration = TrainingConfiguration()
        configuration.threads = threads
        configuration.subnormals = subnormals
        let evaluator = try Trainer(network: self, configuration: configuration)
        try evaluator.checkCompatible(data, role: "evaluation")
        return evaluator.evaluate(data)
    }
}
