import Testing
@testable import ANN

@Suite("evaluation report")
struct EvaluationReportTests {
    @Test func reportShowsAccuracyMatrixAndPerClassMetrics() {
        let report = EvaluationReport.render(ConfusionMatrixTests.example())
        #expect(report == """
            Accuracy: 66.67% (6 of 9 correct)
            Macro F1: 0.6627

            Confusion matrix (rows: true class, columns: predicted class)
            true \\ predicted  0  1  2
                           0  3  1  0
                           1  1  2  1
                           2  0  0  1

            Per-class metrics
            class  precision  recall      F1  support
                0     0.7500  0.7500  0.7500        4
                1     0.6667  0.5000  0.5714        4
                2     0.5000  1.0000  0.6667        1

            """)
    }

    @Test func columnsWidenForLargeCountsAndUndefinedMetricsShowADash() {
        var matrix = ConfusionMatrix(classCount: 3)
        for _ in 0..<12345 { matrix.record(trueClass: 0, predicted: 0) }
        matrix.record(trueClass: 0, predicted: 1)
        let report = EvaluationReport.render(matrix)
        #expect(report.contains("""
            true \\ predicted      0      1      2
                           0  12345      1      0
                           1      0      0      0
            """))
        #expect(report.contains("Accuracy: 99.99% (12345 of 12346 correct)"))
        // Class 1 was predicted but never occurs; class 2 neither occurs nor is predicted.
        #expect(report.contains("    1     0.0000       —  0.0000        0"))
        #expect(report.contains("    2          —       —       —        0"))
        #expect(report.contains("    0     1.0000  0.9999  1.0000    12346"))
    }

    @Test func emptyMatrixRendersWithoutNumbersToShow() {
        let report = EvaluationReport.render(ConfusionMatrix(classCount: 2))
        #expect(report.hasPrefix("Accuracy: 0.00% (0 of 0 correct)\nMacro F1: —\n"))
    }

    @Test func formatsFixedDecimals() {
        #expect(ReportNumber.fixed(66.666666, decimals: 2) == "66.67")
        #expect(ReportNumber.fixed(0.5714285, decimals: 4) == "0.5714")
        #expect(ReportNumber.fixed(1, decimals: 4) == "1.0000")
        #expect(ReportNumber.fixed(0.00005, decimals: 4) == "0.0001")
        #expect(ReportNumber.fixed(100, decimals: 2) == "100.00")
        #expect(ReportNumber.fixed(-0.004, decimals: 2) == "0.00")
        #expect(ReportNumber.fixed(-1.25, decimals: 1) == "-1.3")
        #expect(ReportNumber.fixed(3.7, decimals: 0) == "4")
        #expect(ReportNumber.fixed(.nan, decimals: 2) == "nan")
    }
}
