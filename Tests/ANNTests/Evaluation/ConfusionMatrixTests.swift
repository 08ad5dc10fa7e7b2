import Testing
@testable import ANN

@Suite("confusion matrix")
struct ConfusionMatrixTests {
    /// Three classes; rows are true classes:
    ///
    ///     3 1 0   support 4
    ///     1 2 1   support 4
    ///     0 0 1   support 1
    ///
    /// Column sums (predicted counts) are 4, 3, 2.
    static func example() -> ConfusionMatrix {
        var matrix = ConfusionMatrix(classCount: 3)
        let pairs = [(0, 0), (0, 0), (0, 0), (0, 1), (1, 1), (1, 1), (1, 0), (1, 2), (2, 2)]
        for (trueClass, predicted) in pairs {
            matrix.record(trueClass: trueClass, predicted: predicted)
        }
        return matrix
    }

    @Test func countsLandInRowOfTrueClassAndColumnOfPrediction() {
        let matrix = Self.example()
        #expect(matrix.counts == [3, 1, 0, 1, 2, 1, 0, 0, 1])
        #expect(matrix[trueClass: 0, predicted: 1] == 1)
        #expect(matrix[trueClass: 1, predicted: 0] == 1)
        #expect(matrix[1, 2] == 1)
        #expect(matrix[2, 0] == 0)
        #expect(matrix.total == 9)
        #expect(matrix.correct == 6)
        #expect(abs(matrix.accuracy - 6.0 / 9.0) < 1e-12)
        #expect(matrix.support(of: 1) == 4)
        #expect(matrix.predictedCount(of: 1) == 3)
    }

    @Test func precisionRecallAndF1MatchHandComputedValues() throws {
        let matrix = Self.example()
        let expected: [(precision: Double, recall: Double, f1: Double)] = [
            (3.0 / 4, 3.0 / 4, 3.0 / 4),
            (2.0 / 3, 2.0 / 4, 4.0 / 7),  // 2·(2/3)·(1/2) / (2/3 + 1/2)
            (1.0 / 2, 1.0 / 1, 2.0 / 3),
        ]
        for (cls, values) in expected.enumerated() {
            #expect(abs(try #require(matrix.precision(of: cls)) - values.precision) < 1e-12)
            #expect(abs(try #require(matrix.recall(of: cls)) - values.recall) < 1e-12)
            #expect(abs(try #require(matrix.f1(of: cls)) - values.f1) < 1e-12)
        }
        let macro = try #require(matrix.macroF1)
        #expect(abs(macro - (3.0 / 4 + 4.0 / 7 + 2.0 / 3) / 3) < 1e-12)
    }

    @Test func undefinedMetricsAreNil() throws {
        var matrix = ConfusionMatrix(classCount: 4)
        // Class 0 is predicted but never occurs, class 1 occurs but is never
        // predicted, class 2 is always right, class 3 never appears at all.
        matrix.record(trueClass: 1, predicted: 0)
        matrix.record(trueClass: 2, predicted: 2)

        #expect(matrix.precision(of: 0) == 0)
        #expect(matrix.recall(of: 0) == nil)
        #expect(matrix.f1(of: 0) == 0)

        #expect(matrix.precision(of: 1) == nil)
        #expect(matrix.recall(of: 1) == 0)
        #expect(matrix.f1(of: 1) == 0)

        #expect(matrix.f1(of: 2) == 1)

        #expect(matrix.precision(of: 3) == nil)
        #expect(matrix.recall(of: 3) == nil)
        #expect(matrix.f1(of: 3) == nil)

        // Class 3 is left out of the mean; the others count.
        #expect(try #require(matrix.macroF1) == 1.0 / 3)
    }

    @Test func emptyMatrixHasZeroAccuracyAndNoMacroF1() {
        let matrix = ConfusionMatrix(classCount: 10)
        #expect(matrix.total == 0)
        #expect(matrix.accuracy == 0)
        #expect(matrix.macroF1 == nil)
        #expect(matrix.counts.count == 100)
    }

    @Test func mergeAddsCounts() {
        var merged = Self.example()
        var other = ConfusionMatrix(classCount: 3)
        other.record(trueClass: 2, predicted: 0)
        other.record(trueClass: 0, predicted: 0)
        merged.merge(other)
        #expect(merged.counts == [4, 1, 0, 1, 2, 1, 1, 0, 1])
        #expect(merged.total == 11)

        var fromEmpty = ConfusionMatrix(classCount: 3)
        fromEmpty.merge(Self.example())
        #expect(fromEmpty == Self.example())
    }
}
