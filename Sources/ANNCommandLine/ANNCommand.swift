import ArgumentParser

/// `ann`: the command line of swift-ann.
public struct ANNCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "ann",
        abstract: "Train and evaluate multilayer perceptrons on every core of a CPU.",
        discussion: """
            Exit codes: 0 success, 64 bad usage (a flag), 65 bad data or model file,
            70 training diverged, 73 an output file could not be written,
            130 interrupted (Ctrl-C or SIGTERM; a checkpoint is written first
            when --checkpoint-dir is given).
            """,
        subcommands: [TrainCommand.self, EvaluateCommand.self, PredictCommand.self, InfoCommand.self],
        defaultSubcommand: nil
    )

    public init() {}
}
