/// A setting that cannot work, named by the Swift property or parameter that
/// holds it (`layerSizes`, `batchSize`, `learningRate`, …).
public struct ConfigurationError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The setting at fault: a property of ``TrainingConfiguration`` or
    /// ``NetworkArchitecture``, or an initialiser's parameter.
    public let parameter: String
    /// What is wrong with it. Other settings it mentions are written in
    /// backticks (\`validationSize\`), so that a front end can name them
    /// its own way, as `ann` names its flags.
    public let reason: String

    /// An error for `parameter` saying `reason`.
    public init(parameter: String, reason: String) {
        self.parameter = parameter
        self.reason = reason
    }

    /// `parameter: reason`, one line.
    public var description: String { "\(parameter): \(reason)" }
}
