import ANN
import ArgumentParser
import Foundation

/// Where `ann train` takes its samples from: an IDX folder (MNIST), or a
/// table of the user's own in CSV or NumPy `.npy` files.
struct TrainingDataFlags: ParsableArguments {
    @Option(help: "Folder with the IDX files (default: $ANN_DATA_DIR, else data/mnist).")
    var dataDir: String?

    @Option(help: ArgumentHelp("Train on this CSV file instead of IDX data: numeric features, one label column.", valueName: "file"))
    var trainCsv: String?

    @Option(help: ArgumentHelp("Test on this CSV file (default: hold out --test-fraction of the training file).", valueName: "file"))
    var testCsv: String?

    @Option(help: ArgumentHelp("Train on these NumPy features (samples × features, float32 or float64), with --train-labels.", valueName: "file.npy"))
    var trainFeatures: String?

    @Option(help: ArgumentHelp("The training labels for --train-features: integer class indices, one per sample.", valueName: "file.npy"))
    var trainLabels: String?

    @Option(help: ArgumentHelp("Test on these NumPy features, with --test-labels.", valueName: "file.npy"))
    var testFeatures: String?

    @Option(help: ArgumentHelp("The test labels for --test-features.", valueName: "file.npy"))
    var testLabels: String?

    @OptionGroup var table: TableFlags

    @Option(help: "Scale features with statistics of the training samples (validation split excluded), applied to the test set too: none (default), standard (mean 0, deviation 1) or minmax (0 to 1). A saved model takes raw features: the scaling is folded into its first layer.")
    var normalize: Normalization?

    @Option(help: "Without a test file, hold out this fraction of each class of the training file for testing (default: 0.2).")
    var testFraction: Double?

    @Option(help: "Seed for choosing the held-out test samples (default: 1), apart from --seed so the test set stays put while weights vary.")
    var splitSeed: UInt64?

    /// Whether the data is a table rather than IDX files.
    var isTabular: Bool {
        [trainCsv, testCsv, trainFeatures, trainLabels, testFeatures, testLabels].contains { $0 != nil }
    }

    /// Refuses flags that contradict each other or the kind of data, before
    /// anything is read.
    func checkCombination() throws(UsageError) {
        guard isTabular else {
            let tableOnly: [(String, Bool)] = [
                ("--normalize", normalize != nil), ("--test-fraction", testFraction != nil),
                ("--split-seed", splitSeed != nil), (table.firstGiven ?? "", table.firstGiven != nil),
            ]
            if let (flag, _) = tableOnly.first(where: \.1) {
                throw UsageError(flag: flag, reason: "applies to your own data (--train-csv, or --train-features and --train-labels), not to IDX files")
            }
            return
        }
        if dataDir != nil {
            throw UsageError(flag: "--data-dir", reason: "reads IDX files; leave it out with --train-csv or --train-features")
        }
        if trainCsv != nil && (trainFeatures != nil || trainLabels != nil) {
            throw UsageError(flag: "--train-csv", reason: "give either --train-csv or --train-features with --train-labels, not both")
        }
        try Self.checkPair("--train-features", trainFeatures, "--train-labels", trainLabels)
        try Self.checkTestFiles(csv: testCsv, features: testFeatures, labels: testLabels)
        if trainCsv == nil && trainFeatures == nil {
            throw UsageError(
                flag: testCsv != nil ? "--test-csv" : "--test-features",
                reason: "needs training data: --train-csv FILE, or --train-features and --train-labels")
        }
        let hasTestFile = testCsv != nil || testFeatures != nil
        if let testFraction {
            if hasTestFile {
                throw UsageError(flag: "--test-fraction", reason: "holds out part of the training data when no test file is given, but one is")
            }
            guard testFraction > 0, testFraction < 1 else {
                throw UsageError(flag: "--test-fraction", reason: "must lie between 0 and 1, both excluded (got \(testFraction))")
            }
        }
        if splitSeed != nil && hasTestFile {
            throw UsageError(flag: "--split-seed", reason: "chooses held-out test samples, but a test file is given")
        }
        if let flag = table.firstGiven, trainCsv == nil, testCsv == nil {
            throw UsageError(flag: flag, reason: "applies to CSV files (--train-csv, --test-csv)")
        }
    }

    /// A test table is a CSV file or a pair of .npy files, not both (`ann
    /// train` and `ann evaluate` alike).
    static func checkTestFiles(csv: String?, features: String?, labels: String?) throws(UsageError) {
        if csv != nil && (features != nil || labels != nil) {
            throw UsageError(flag: "--test-csv", reason: "give either --test-csv or --test-features with --test-labels, not both")
        }
        try checkPair("--test-features", features, "--test-labels", labels)
    }

    static func checkPair(_ first: String, _ firstValue: String?, _ second: String, _ secondValue: String?) throws(UsageError) {
        if firstValue != nil && secondValue == nil { throw UsageError(flag: first, reason: "needs \(second) FILE too") }
        if secondValue != nil && firstValue == nil { throw UsageError(flag: second, reason: "needs \(first) FILE too") }
    }

    /// Reads the training and test tables, splits and scales them.
    /// `validationSize`: samples at the end of the training part that the
    /// scaling statistics must not see. `classNames`: the class names of a
    /// model training starts from (--init), which number CSV labels as they
    /// were numbered for it.
    func loadTables(validationSize: Int, classNames: [String]? = nil) throws -> TabularData {
        try checkCombination()
        let training: TabularDataset, trainingSource: String
        if let trainCsv {
            training = try CSVDataset.read(at: trainCsv, options: table.options(labels: classNames.map { .names($0) } ?? .automatic))
            trainingSource = trainCsv
        } else if let trainFeatures, let trainLabels {
            if classNames != nil {
                throw UsageError(
                    flag: "--train-labels",
                    reason: "are class indices, but the model of --init numbers named classes; train it on the CSV file its names come from")
            }
            training = try TabularDataset(numPyFeatures: trainFeatures, labels: trainLabels)
            trainingSource = trainFeatures
        } else {
            throw UsageError(flag: "--train-csv", reason: "needs a file")
        }

        var notes: [String] = []
        var trainPart = training, test: TabularDataset, testSource: String
        if let testCsv {
            let labels: ClassLabels = training.classNames.map { .names($0) } ?? .indices
            test = try CSVDataset.read(at: testCsv, options: table.options(labels: labels))
            testSource = testCsv
        } else if let testFeatures, let testLabels {
            test = try TabularDataset(numPyFeatures: testFeatures, labels: testLabels)
            testSource = testFeatures
        } else {
            let fraction = testFraction ?? 0.2, seed = splitSeed ?? 1
            (trainPart, test) = try training.split(testFraction: fraction, seed: seed, source: trainingSource)
            testSource = trainingSource
            notes.append("test set: \(test.count) samples, \(Self.percent(fraction)) of each class of \(trainingSource) held out (split seed \(seed)); the rest train in a shuffled order")
        }
        if validationSize > 0, testCsv != nil || testFeatures != nil {
            // The validation split is the training part's tail: not one class of a sorted file.
            trainPart = trainPart.shuffled(seed: 1)
            notes.append("the training file trains in a shuffled order (seed 1), so that the validation split is a random \(validationSize) samples")
        }
        guard test.featureCount == training.featureCount else {
            throw DataError(
                file: testSource,
                reason: "has \(test.featureCount) features per sample, but the training data \(trainingSource) has \(training.featureCount)")
        }
        if let names = training.classNames, let largest = test.labels.max(), largest >= names.count {
            throw DataError(file: testSource, reason: "holds label \(largest), but the training data has \(names.count) classes")
        }
        if let names = training.classNames {
            notes.append("classes: " + names.enumerated().map { "\($0) \($1)" }.joined(separator: ", "))
        }

        let method = normalize ?? Normalization.none
        let fitted = max(1, trainPart.count - validationSize)
        let scaling = FeatureScaling(method, fittedTo: trainPart, rows: fitted)
        if method != Normalization.none {
            notes.append("features scaled (\(method.rawValue)) by statistics of the first \(fitted) training samples\(validationSize > 0 ? ", validation split excluded" : "")")
            trainPart = scaling.applied(to: trainPart)
            test = scaling.applied(to: test)
        }
        return TabularData(
            training: try trainPart.dataset(), test: try test.dataset(),
            featureCount: training.featureCount, classCount: training.classCount, classNames: training.classNames,
            scaling: method == Normalization.none ? nil : scaling, source: trainingSource, notes: notes)
    }

    private static func percent(_ fraction: Double) -> String {
        let value = fraction * 100
        return value == value.rounded() ? "\(Int(value))%" : String(format: "%.1f%%", value)
    }
}

/// A user's table, ready to train on.
struct TabularData {
    let training: Dataset
    let test: Dataset
    let featureCount: Int
    /// The output width the data needs.
    let classCount: Int
    let classNames: [String]?
    /// The scaling the features went through, to fold into a saved model.
    let scaling: FeatureScaling?
    /// The training file, for messages.
    let source: String
    /// What to tell the user about the split, the classes and the scaling.
    let notes: [String]
}
