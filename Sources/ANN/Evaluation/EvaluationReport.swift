/// Renders evaluation results as plain text for the terminal.
public enum EvaluationReport {
    /// Shown for a metric that is undefined, e.g. precision of a class never predicted.
    static let undefined = "—"

    /// A readable report of `matrix`: overall accuracy and macro F1, the confusion
    /// matrix with labelled axes, and precision, recall, F1 and support per class.
    public static func render(_ matrix: ConfusionMatrix) -> String {
        [summary(matrix), confusionTable(matrix), perClassTable(matrix)].joined(separator: "\n\n") + "\n"
    }

    static func summary(_ matrix: ConfusionMatrix) -> String {
        let accuracy = ReportNumber.fixed(matrix.accuracy * 100, decimals: 2)
        return """
            Accuracy: \(accuracy)% (\(matrix.correct) of \(matrix.total) correct)
            Macro F1: \(metric(matrix.macroF1))
            """
    }

    static func confusionTable(_ matrix: ConfusionMatrix) -> String {
        let classes = 0..<matrix.classCount
        // One width for all count columns keeps the grid square to the eye.
        let cellWidth = max(
            String(matrix.counts.max() ?? 0).count,
            String(matrix.classCount - 1).count)
        func cell(_ text: String) -> String { String(repeating: " ", count: cellWidth - text.count) + text }

        let table = TextTable(
            header: ["true \\ predicted"] + classes.map { cell(String($0)) },
            rows: classes.map { trueClass in
                [String(trueClass)] + classes.map { cell(String(matrix[trueClass: trueClass, predicted: $0])) }
            })
        return "Confusion matrix (rows: true class, columns: predicted class)\n" + table.render()
    }

    static func perClassTable(_ matrix: ConfusionMatrix) -> String {
        let table = TextTable(
            header: ["class", "precision", "recall", "F1", "support"],
            rows: (0..<matrix.classCount).map { cls in
                [
                    String(cls),
                    metric(matrix.precision(of: cls)),
                    metric(matrix.recall(of: cls)),
                    metric(matrix.f1(of: cls)),
                    String(matrix.support(of: cls)),
                ]
            })
        return "Per-class metrics\n" + table.render()
    }

    private static func metric(_ value: Double?) -> String {
        value.map { ReportNumber.fixed($0, decimals: 4) } ?? undefined
    }
}
