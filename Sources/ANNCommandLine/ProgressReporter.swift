import ANN
import Foundation

/// Shows training as it goes: a live line on a terminal, one line per epoch
/// in a pipe or file, or JSON lines for scripts.
final class ProgressReporter {
    private let json: Bool
    private let live: Bool
    private let epochs: Int
    private let output = FileHandleOutput.standardOutput
    private var lastDraw = Date.distantPast

    init(json: Bool, epochs: Int) {
        self.json = json
        self.epochs = epochs
        live = !json && FileHandleOutput.standardOutput.isTerminal
    }

    /// A warning on standard error, which every mode keeps for people.
    func warn(_ line: String) {
        FileHandleOutput.standardError.write((live ? "\r\u{1B}[2K" : "") + "ann: warning: \(line)\n")
    }

    /// Ends a live line before the interruption message.
    func interrupted() {
        if live { output.write("\n") }
    }

    /// A line of context (data loaded, plan chosen); JSON mode keeps stdout for objects.
    func announce(_ line: String) {
        if json {
            FileHandleOutput.standardError.write(line + "\n")
        } else {
            output.write(line + "\n")
        }
    }

    func handle(_ event: TrainingEvent) {
        switch event {
        case .batch(let progress): drawLive(progress)
        case .epoch(let report): printEpoch(report)
        }
    }

    private func drawLive(_ progress: BatchProgress) {
        guard live else { return }
        let now = Date()
        guard now.timeIntervalSince(lastDraw) >= 0.1 || progress.samplesDone == progress.samplesPerEpoch else { return }
        lastDraw = now
        let fraction = Double(progress.samplesDone) / Double(max(progress.samplesPerEpoch, 1))
        let width = 24
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled)
        let rate = Double(progress.samplesDone) / max(progress.seconds, 1e-9)
        let remaining = Double(progress.samplesPerEpoch - progress.samplesDone)
            + Double(progress.epochs - progress.epoch) * Double(progress.samplesPerEpoch)
        let line = String(
            format: "epoch %d/%d [%@] %3.0f%%  %.0f samples/s  loss %.4f  %.1f s  about %@ left",
            progress.epoch, progress.epochs, bar, fraction * 100, rate, progress.loss, progress.seconds,
            Self.duration(remaining / max(rate, 1e-9)))
        // Carriage return and erase-line keep the progress on one terminal line.
        output.write("\r\u{1B}[2K" + line)
    }

    /// "42 s" or "3 min 5 s": precise enough to plan a coffee.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let whole = Int(seconds.rounded())
        return whole < 60 ? "\(whole) s" : "\(whole / 60) min \(whole % 60) s"
    }

    private func printEpoch(_ report: EpochReport) {
        if json {
            output.write(JSONLine.encode(EpochLine(report)) + "\n")
            return
        }
        var line = String(format: "epoch %d/%d  loss %.4f", report.epoch, epochs, report.loss)
        if let train = report.trainAccuracy { line += String(format: "  train %.2f%%", train * 100) }
        if let validation = report.validationAccuracy { line += String(format: "  validation %.2f%%", validation * 100) }
        if let test = report.testAccuracy { line += String(format: "  test %.2f%%", test * 100) }
        line += String(format: "  %.2f s  %.0f samples/s", report.seconds, report.samplesPerSecond)
        if let steps = report.stepTimes {
            line += "  step \(StepTimeSummary.text(seconds: steps.median)) (p99 \(StepTimeSummary.text(seconds: steps.p99)))"
            if let exchange = report.exchangeSeconds, steps.steps > 0 {
                line += "  exchange \(StepTimeSummary.text(seconds: exchange / Double(steps.steps)))/step"
            }
        }
        output.write((live ? "\r\u{1B}[2K" : "") + line + "\n")
    }

    func finish(
        summary: TrainingSummary, architecture: NetworkArchitecture, settings: TrainingConfiguration,
        command: TrainCommand, dataSource: String, loadSeconds: Double
    ) {
        let testAccuracy = summary.epochs.last?.testAccuracy
        if json {
            output.write(JSONLine.encode(SummaryLine(
                summary: summary, architecture: architecture, settings: settings, command: command,
                dataSource: dataSource, loadSeconds: loadSeconds)) + "\n")
            return
        }
        var line = "done: \(summary.stopReason) after \(summary.epochs.count) epoch\(summary.epochs.count == 1 ? "" : "s")"
        if let testAccuracy { line += String(format: ", test accuracy %.2f%%", testAccuracy * 100) }
        let plan = summary.plan, threads = "\(plan.effectiveThreads) thread\(plan.effectiveThreads == 1 ? "" : "s")"
        line += String(format: ", %.2f s training on ", summary.trainingSeconds)
            + (plan.processes > 1 ? "\(plan.processes) processes of \(threads)" : threads)
        if let path = command.save { line += ", saved to \(path)" }
        output.write(line + "\n")
    }
}

/// One JSON object per line, keys sorted so the output is stable.
enum JSONLine {
    static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}

struct EpochLine: Encodable {
    let type = "epoch"
    let epoch: Int
    let loss: Double
    let train_accuracy: Double?
    let validation_accuracy: Double?
    let test_accuracy: Double?
    let seconds: Double
    let samples_per_second: Double
    let learning_rate: Float
    /// Its keys (steps, median, p90, p99, max) read the same in snake case.
    let step_seconds: StepTimeSummary?
    /// Seconds of the epoch spent exchanging gradients with the other processes (ann-mpi).
    let exchange_seconds: Double?

    init(_ report: EpochReport) {
        epoch = report.epoch
        loss = report.loss
        train_accuracy = report.trainAccuracy
        validation_accuracy = report.validationAccuracy
        test_accuracy = report.testAccuracy
        seconds = report.seconds
        samples_per_second = report.samplesPerSecond
        learning_rate = report.learningRate
        step_seconds = report.stepTimes
        exchange_seconds = report.exchangeSeconds
    }
}

struct SummaryLine: Encodable {
    struct Settings: Encodable {
        let layers: String
        let activation: String
        let output: String
        let loss: String
        let epochs: Int
        let batch_size: Int
        let lr: Float
        let schedule: String
        let momentum: Float
        let l1: Float
        let l2: Float
        let seed: UInt64
        let validation_size: Int
        let target_accuracy: Double?
        let patience: Int?
        let subnormals: String
        let precision: String
        let shards: Int
        /// The IDX folder or the training table.
        let data: String
        /// `--normalize`, for a table.
        let normalize: String?
        /// `--init`'s model.
        let initial_weights: String?
    }

    let type = "summary"
    let test_accuracy: Double?
    let training_seconds: Double
    let load_seconds: Double
    let threads: Int
    let shards: Int
    let processes: Int
    let workers: Int
    let kernel_threads: Int
    let epochs_run: Int
    let stop_reason: String
    let settings: Settings

    init(
        summary: TrainingSummary, architecture: NetworkArchitecture, settings: TrainingConfiguration,
        command: TrainCommand, dataSource: String, loadSeconds: Double
    ) {
        test_accuracy = summary.epochs.last?.testAccuracy
        training_seconds = summary.trainingSeconds
        load_seconds = loadSeconds
        threads = summary.plan.effectiveThreads
        shards = summary.plan.shards
        processes = summary.plan.processes
        workers = summary.plan.workers
        kernel_threads = summary.plan.kernelThreads
        epochs_run = summary.epochs.count
        stop_reason = summary.stopReason.description
        self.settings = Settings(
            layers: TrainCommand.layersText(architecture), activation: architecture.activation.rawValue,
            output: architecture.output.rawValue, loss: architecture.loss.rawValue, epochs: settings.epochs, batch_size: settings.batchSize,
            lr: settings.learningRate, schedule: settings.schedule.rawValue, momentum: settings.momentum,
            l1: settings.l1, l2: settings.l2, seed: settings.seed, validation_size: settings.validationSize,
            target_accuracy: settings.targetAccuracy, patience: settings.patience,
            subnormals: settings.subnormals.rawValue, precision: settings.precision.rawValue, shards: summary.plan.shards,
            data: dataSource, normalize: command.data.normalize?.rawValue, initial_weights: command.initialModel)
    }
}
