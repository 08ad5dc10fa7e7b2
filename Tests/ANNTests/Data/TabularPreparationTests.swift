import Foundation
import Testing

@testable import ANN

@Suite("Splitting and scaling tables")
struct TabularPreparationTests {
    /// 3 classes in blocks, as iris.csv is sorted: 10, 20 and 2 samples; feature 0 is the row number.
    static func sortedTable() throws -> TabularDataset {
        let labels = Array(repeating: 0, count: 10) + Array(repeating: 1, count: 20) + [2, 2]
        let features = labels.indices.flatMap { [Float($0), Float($0 % 3)] }
        return try TabularDataset(features: features, featureCount: 2, labels: labels)
    }

    @Test("the split holds out each class's share, the same for the same seed")
    func stratified() throws {
        let table = try Self.sortedTable()
        let (training, test) = try table.split(testFraction: 0.2, seed: 5)
        #expect(test.labels == [0, 0, 1, 1, 1, 1, 2])
        #expect(training.count == 25)
        // Every sample lands in exactly one part.
        let rows = (training.features + test.features).enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
        #expect(rows.sorted() == (0..<32).map(Float.init))
        // The test part keeps file order; the training part is shuffled.
        let testRows = test.features.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
        #expect(testRows == testRows.sorted())
        let trainingRows = training.features.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
        #expect(trainingRows != trainingRows.sorted())

        let again = try table.split(testFraction: 0.2, seed: 5)
        #expect(again.training == training && again.test == test)
        let other = try table.split(testFraction: 0.2, seed: 6)
        #expect(other.test != test)
    }

    @Test("a table too small to split says so")
    func tooSmall() throws {
        let single = try TabularDataset(features: [1], featureCount: 1, labels: [0], source: "one.csv")
        #expect(throws: DataError(file: "one.csv", reason: "its 1 samples are too few to hold out a test part of 0.2 and still train")) {
            try single.split(testFraction: 0.2, seed: 1, source: "one.csv")
        }
    }

    @Test("standard and min-max statistics come from the rows fitted on, and apply to others")
    func scaling() throws {
        let training = try TabularDataset(features: [1, 5, 3, 5, 5, 5, 100, 0], featureCount: 2, labels: [0, 1, 0, 1])
        // The last row (a validation sample) is left out of the statistics.
        let standard = FeatureScaling(.standard, fittedTo: training, rows: 3)
        #expect(standard.shift == [3, 5])
        #expect(abs(standard.scale[0] - Float(1 / (8.0 / 3).squareRoot())) < 1e-6)
        #expect(standard.scale[1] == 1)  // a constant column stays put, shifted to 0
        let scaled = standard.applied(to: training)
        #expect(scaled.features[0] < 0 && scaled.features[1] == 0 && scaled.features[2] == 0)

        let minmax = FeatureScaling(.minmax, fittedTo: training)
        #expect(minmax.shift == [1, 0])
        let test = try TabularDataset(features: [50.5, 2.5], featureCount: 2, labels: [0])
        #expect(minmax.applied(to: test).features == [0.5, 0.5])
        #expect(FeatureScaling(.none, fittedTo: training).isIdentity)
    }

    @Test("a model with the scaling folded in gives raw features the scaled outputs")
    func folding() throws {
        let architecture = try NetworkArchitecture(layerSizes: [3, 5, 2], activation: .tanh, output: .softmax, loss: .crossEntropy)
        let network = Network(architecture: architecture, seed: 3)
        let raw = try TabularDataset(features: [1, 200, -3, 2, 900, 4, 0.5, 400, 1], featureCount: 3, labels: [0, 1, 0])
        let scaling = FeatureScaling(.standard, fittedTo: raw)
        let expected = network.predict(batch: scaling.applied(to: raw).features, count: 3)
        let folded = network.foldingInputScaling(scaling).predict(batch: raw.features, count: 3)
        for (a, b) in zip(expected, folded) { #expect(abs(a - b) < 1e-5) }
    }
}
