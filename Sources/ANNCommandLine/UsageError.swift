import ANN
import Foundation

/// A command-line mistake the library never sees (a flag that needs
/// another, a value it cannot parse), named by its flag.
struct UsageError: Error, CustomStringConvertible {
    let flag: String
    let reason: String

    var description: String { "\(flag): \(reason)" }
}

extension ConfigurationError {
    /// The `ann` flag that sets each setting the library names.
    static let flags: [String: String] = [
        "layerSizes": "--layers", "activation": "--activation", "output": "--output", "loss": "--loss",
        "epochs": "--epochs", "batchSize": "--batch-size", "learningRate": "--lr", "schedule": "--schedule",
        "momentum": "--momentum", "l1": "--l1", "l2": "--l2", "threads": "--threads", "shards": "--shards",
        "seed": "--seed", "validationSize": "--validation-size", "targetAccuracy": "--target-accuracy",
        "patience": "--patience", "subnormals": "--subnormals", "precision": "--precision", "configuration": "--resume",
    ]

    /// The error as `ann` reports it: flags where the library names properties.
    var commandLineDescription: String {
        var text = "\(Self.flags[parameter] ?? parameter): \(reason)"
        for (name, flag) in Self.flags { text = text.replacingOccurrences(of: "`\(name)`", with: flag) }
        return text.replacingOccurrences(of: "`", with: "")
    }
}
