#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A training run as one self-contained HTML page: loss and accuracy per
/// epoch, the confusion matrix as a heat map, the most confidently wrong
/// samples as pictures, and tables of the settings and timings.
///
/// Everything is inline: SVG charts, images as `data:` URIs, one `<style>`
/// block; no script, no external resource, so the page opens offline, from
/// a mail attachment or a CI artefact, and shows the same everywhere. All
/// caller text is escaped.
public struct TrainingReportPage {
    /// The page heading and `<title>`.
    public var title: String
    /// One report per epoch, in order.
    public var epochs: [EpochReport]
    /// Counts on the evaluation set (usually the test set).
    public var confusion: ConfusionMatrix
    /// Name–value pairs shown as a table (layers, learning rate, …).
    public var settings: [(String, String)]
    /// Name–value pairs shown as a table (load time, training time, …).
    public var timing: [(String, String)]
    /// The samples to show, most interesting first (see
    /// ``Network/mostConfidentMistakes(on:limit:inputScale:subnormals:)``).
    public var mistakes: [Misclassification]
    /// The layout of one sample, e.g. `[28, 28]`; nil or a layout that is not
    /// an image leaves the mistakes as captions without pictures.
    public var imageShape: [Int]?

    /// A page from a finished (or stopped) run.
    public init(
        title: String, epochs: [EpochReport], confusion: ConfusionMatrix,
        settings: [(String, String)], timing: [(String, String)],
        mistakes: [Misclassification], imageShape: [Int]?
    ) {
        self.title = title
        self.epochs = epochs
        self.confusion = confusion
        self.settings = settings
        self.timing = timing
        self.mistakes = mistakes
        self.imageShape = imageShape
    }

    /// The whole page.
    public func html() -> String {
        let e = HTMLText.escape
        var page = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(e(title))</title>
            <style>\(Self.style)</style>
            </head>
            <body>
            <h1>\(e(title))</h1>

            """
        page += summary()
        page += "<div class=\"row\">\n"
        page += section("Training loss", lossChart())
        page += section("Accuracy", accuracyChart())
        page += "</div>\n"
        page += confusionSection()
        page += mistakesSection()
        page += "<div class=\"row\">\n"
        page += section("Settings", table(settings, empty: "no settings recorded"))
        page += section("Timing", table(timing, empty: "no timings recorded"))
        page += "</div>\n"
        page += epochSection()
        page += "<footer>Made by swift-ann. Charts are inline SVG; hover a point or a cell for its value.</footer>\n"
        page += "</body>\n</html>\n"
        return page
    }

    /// Writes the page to `path/index.html`, creating the folder (and its
    /// parents) when needed. The file appears whole or not at all.
    ///
    /// - Throws: ``FileWriteError`` naming the folder or the file.
    public func write(toDirectory path: String) throws(FileWriteError) {
        try Self.makeDirectories(path)
        let file = path.hasSuffix("/") ? path + "index.html" : path + "/index.html"
        try AtomicFile.write(Array(html().utf8), to: file)
    }

    // MARK: - Sections

    private func section(_ heading: String, _ body: String, wide: Bool = false) -> String {
        "<section\(wide ? " class=\"wide\"" : "")><h2>\(HTMLText.escape(heading))</h2>\n\(body)\n</section>\n"
    }

    /// Key figures at a glance.
    private func summary() -> String {
        var cards: [(String, String)] = []
        let last = epochs.last
        if let test = last?.testAccuracy {
            cards.append(("test accuracy", HTMLText.percent(test)))
        } else if confusion.total > 0 {
            cards.append(("accuracy", HTMLText.percent(confusion.accuracy)))
        }
        if let best = epochs.compactMap(\.validationAccuracy).filter(\.isFinite).max() {
            cards.append(("best validation accuracy", HTMLText.percent(best)))
        }
        if let train = last?.trainAccuracy {
            cards.append(("final training accuracy", HTMLText.percent(train)))
        }
        if let loss = last?.loss {
            cards.append(("final training loss", ReportNumber.fixed(loss, decimals: 4)))
        }
        cards.append(("epochs", String(epochs.count)))
        if confusion.total > 0 {
            cards.append(("mistakes", "\(confusion.total - confusion.correct) of \(confusion.total)"))
        }
        let items = cards.map { "<div class=\"card\"><div class=\"value\">\(HTMLText.escape($0.1))</div><div class=\"name\">\(HTMLText.escape($0.0))</div></div>" }
        return "<div class=\"cards\">" + items.joined() + "</div>\n"
    }

    private var epochNumbers: [Double] { epochs.map { Double($0.epoch) } }

    private func lossChart() -> String {
        var series = [LineChart.Series(name: "training", colour: Self.trainColour, values: epochs.map(\.loss))]
        if epochs.contains(where: { $0.testLoss != nil }) {
            series.append(LineChart.Series(name: "test", colour: Self.testColour, values: epochs.map(\.testLoss), dashed: true))
        }
        return LineChart(
            title: "Loss per epoch", xLabel: "epoch", yLabel: "mean loss", xs: epochNumbers,
            series: series, valueDecimals: 4, yLimits: 0...Double.greatestFiniteMagnitude
        ).svg()
    }

    private func accuracyChart() -> String {
        let percent: (Double?) -> Double? = { $0.map { $0 * 100 } }
        var series: [LineChart.Series] = []
        if epochs.contains(where: { $0.trainAccuracy != nil }) {
            series.append(.init(name: "training", colour: Self.trainColour, values: epochs.map { percent($0.trainAccuracy) }))
        }
        if epochs.contains(where: { $0.validationAccuracy != nil }) {
            series.append(.init(name: "validation", colour: Self.validationColour, values: epochs.map { percent($0.validationAccuracy) }, dashed: true))
        }
        if epochs.contains(where: { $0.testAccuracy != nil }) {
            series.append(.init(name: "test", colour: Self.testColour, values: epochs.map { percent($0.testAccuracy) }))
        }
        return LineChart(
            title: "Accuracy per epoch", xLabel: "epoch", yLabel: "accuracy", xs: epochNumbers,
            series: series, valueDecimals: 2, unit: "%", yLimits: 0...100
        ).svg()
    }

    private func confusionSection() -> String {
        let heading = "Confusion matrix"
        guard confusion.total > 0 else {
            return section(heading, "<p class=\"muted\">No samples were evaluated.</p>", wide: true)
        }
        let note = """
            <p class="note">\(confusion.total) samples, \(confusion.correct) correct \
            (\(HTMLText.percent(confusion.accuracy))). Rows are true classes, columns predicted classes. \
            <span class="swatch blue"></span> correct: darker = larger share of the true class. \
            <span class="swatch red"></span> mistakes: darker = larger share of the true class, \
            the darkest being the most frequent confusion.</p>
            """
        var metrics = "<table class=\"numbers\"><thead><tr><th>class</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr></thead><tbody>"
        for cls in 0..<confusion.classCount {
            func metric(_ value: Double?) -> String { value.map { ReportNumber.fixed($0, decimals: 4) } ?? "—" }
            metrics += "<tr><td>\(cls)</td><td>\(metric(confusion.precision(of: cls)))</td><td>\(metric(confusion.recall(of: cls)))</td><td>\(metric(confusion.f1(of: cls)))</td><td>\(confusion.support(of: cls))</td></tr>"
        }
        metrics += "</tbody></table>"
        if confusion.classCount > 20 {
            metrics = "<details><summary>precision, recall and F1 of \(confusion.classCount) classes</summary>\(metrics)</details>"
        }
        let body = note + "<div class=\"row tight\"><div>" + ConfusionHeatMap(matrix: confusion).svg() + "</div><div>" + metrics + "</div></div>"
        return section(heading, body, wide: true)
    }

    /// (height, width) of one sample as a picture, when it is one.
    private func pictureSize(featureCount: Int) -> (height: Int, width: Int)? {
        guard let shape = imageShape, shape.allSatisfy({ $0 > 0 }) else { return nil }
        let dims = shape.count == 3 && shape[2] == 1 ? Array(shape.prefix(2)) : shape
        guard dims.count == 2 else { return nil }
        let (count, overflow) = dims[0].multipliedReportingOverflow(by: dims[1])
        guard !overflow, count == featureCount, count <= ImageDecoder.maximumPixelCount else { return nil }
        return (dims[0], dims[1])
    }

    private func mistakesSection() -> String {
        let heading = "Most confident mistakes"
        guard !mistakes.isEmpty else {
            return section(heading, "<p class=\"muted\">No mistakes to show.</p>", wide: true)
        }
        var grid = "<p class=\"note\">The \(mistakes.count) wrong predictions the network was surest of, surest first.</p><div class=\"mistakes\">"
        for mistake in mistakes {
            grid += "<figure>"
            if let (height, width) = pictureSize(featureCount: mistake.pixels.count) {
                let png = PNGEncoder.encode(GreyImage(width: width, height: height, pixels: mistake.pixels))
                let scale = max(1, 84 / max(width, height))
                grid += "<img alt=\"sample \(mistake.index)\" width=\"\(min(width * scale, 84))\" height=\"\(min(height * scale, 84))\" src=\"data:image/png;base64,\(HTMLText.base64(png))\">"
            }
            let confidence = mistake.confidence.isFinite ? " (\(HTMLText.percent(Double(mistake.confidence), decimals: 1)))" : ""
            grid += "<figcaption>true \(mistake.trueLabel) → predicted \(mistake.predicted)\(confidence)<span class=\"index\">sample #\(mistake.index)</span></figcaption></figure>"
        }
        grid += "</div>"
        return section(heading, grid, wide: true)
    }

    private func table(_ rows: [(String, String)], empty: String) -> String {
        guard !rows.isEmpty else { return "<p class=\"muted\">\(HTMLText.escape(empty))</p>" }
        let body = rows.map { "<tr><th>\(HTMLText.escape($0.0))</th><td>\(HTMLText.escape($0.1))</td></tr>" }
        return "<table class=\"pairs\"><tbody>" + body.joined() + "</tbody></table>"
    }

    private func epochSection() -> String {
        guard !epochs.isEmpty else { return "" }
        func fraction(_ value: Double?) -> String { value.map { HTMLText.percent($0) } ?? "—" }
        var columns: [(String, (EpochReport) -> String)] = [
            ("epoch", { String($0.epoch) }),
            ("loss", { ReportNumber.fixed($0.loss, decimals: 4) }),
        ]
        if epochs.contains(where: { $0.trainAccuracy != nil }) { columns.append(("training", { fraction($0.trainAccuracy) })) }
        if epochs.contains(where: { $0.validationAccuracy != nil }) { columns.append(("validation", { fraction($0.validationAccuracy) })) }
        if epochs.contains(where: { $0.testAccuracy != nil }) { columns.append(("test", { fraction($0.testAccuracy) })) }
        if epochs.contains(where: { $0.testLoss != nil }) {
            columns.append(("test loss", { $0.testLoss.map { ReportNumber.fixed($0, decimals: 4) } ?? "—" }))
        }
        columns.append(("seconds", { ReportNumber.fixed($0.seconds, decimals: 2) }))
        columns.append(("samples/s", { ReportNumber.fixed($0.samplesPerSecond, decimals: 0) }))
        if epochs.contains(where: { $0.stepTimes != nil }) {
            columns.append(("median step", { $0.stepTimes.map { StepTimeSummary.text(seconds: $0.median) } ?? "—" }))
            columns.append(("p99 step", { $0.stepTimes.map { StepTimeSummary.text(seconds: $0.p99) } ?? "—" }))
        }
        columns.append(("learning rate", { Self.shortNumber(Double($0.learningRate)) }))
        var table = "<table class=\"numbers\"><thead><tr>" + columns.map { "<th>\($0.0)</th>" }.joined() + "</tr></thead><tbody>"
        for report in epochs {
            table += "<tr>" + columns.map { "<td>\(HTMLText.escape($0.1(report)))</td>" }.joined() + "</tr>"
        }
        table += "</tbody></table>"
        return section("Epochs", "<details\(epochs.count <= 20 ? " open" : "")><summary>\(epochs.count) epoch\(epochs.count == 1 ? "" : "s")</summary>\(table)</details>", wide: true)
    }

    /// A number with about four significant digits, e.g. 0.0004883 or 0.05.
    static func shortNumber(_ value: Double) -> String {
        guard value.isFinite else { return "\(value)" }
        var decimals = 3
        var scaled = abs(value)
        while scaled > 0 && scaled < 1 && decimals < 9 {
            scaled *= 10
            decimals += 1
        }
        return trimmed(ReportNumber.fixed(value, decimals: decimals))
    }

    private static func trimmed(_ text: String) -> String {
        var text = text
        while text.contains("."), text.last == "0" || text.last == "." { text.removeLast() }
        return text
    }

    // MARK: - Files

    /// `mkdir -p`: creates `path` and any missing parents.
    static func makeDirectories(_ path: String) throws(FileWriteError) {
        guard !path.isEmpty else { throw FileWriteError(path: path, reason: "the report folder name is empty") }
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            prefix += (prefix.isEmpty || prefix.hasSuffix("/") ? "" : "/") + component
            var status = stat()
            if stat(prefix, &status) == 0 {
                guard (status.st_mode & S_IFMT) == S_IFDIR else {
                    throw FileWriteError(path: path, reason: "\(prefix) exists and is not a folder")
                }
                continue
            }
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw FileWriteError(path: path, reason: SystemError.lastError(during: "creating folder \(prefix)"))
            }
        }
    }

    // MARK: - Look

    static let trainColour = "#1f77b4"
    static let validationColour = "#e08a00"
    static let testColour = "#2a9d3a"

    static let style = """
        body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#222;\
        background:#f4f5f7;margin:0 auto;padding:20px 24px 40px;max-width:1200px;line-height:1.4}
        h1{font-size:24px;margin:4px 0 16px}
        h2{font-size:17px;margin:0 0 10px}
        section{background:#fff;border:1px solid #dde0e4;border-radius:8px;padding:14px 16px;margin:0 0 16px;flex:1 1 560px;min-width:0;box-sizing:border-box}
        section.wide{flex-basis:100%}
        .row{display:flex;flex-wrap:wrap;gap:16px}
        .row>section{margin-bottom:16px}
        .row.tight{gap:28px;align-items:flex-start}
        .cards{display:flex;flex-wrap:wrap;gap:12px;margin:0 0 16px}
        .card{background:#fff;border:1px solid #dde0e4;border-radius:8px;padding:10px 16px;min-width:130px}
        .card .value{font-size:22px;font-weight:600;font-variant-numeric:tabular-nums}
        .card .name{font-size:13px;color:#666}
        svg{display:block;max-width:100%;height:auto;font-size:13px}
        svg text{fill:#333}
        svg .tick{font-size:12px;fill:#555;font-variant-numeric:tabular-nums}
        svg .label{font-size:13px;fill:#333;font-weight:600}
        svg .legend{font-size:13px}
        svg .muted,.muted{color:#888;fill:#888}
        svg .grid{stroke:#e6e6e6;stroke-width:1}
        svg .axis{stroke:#555;stroke-width:1}
        .note{font-size:13px;color:#555;margin:0 0 10px}
        .swatch{display:inline-block;width:11px;height:11px;border-radius:2px;vertical-align:-1px}
        .swatch.blue{background:rgb(31,95,168)}
        .swatch.red{background:rgb(192,57,43)}
        table{border-collapse:collapse;font-size:13px}
        table.numbers td,table.numbers th{padding:3px 10px;text-align:right;border-bottom:1px solid #eee;font-variant-numeric:tabular-nums}
        table.numbers th{border-bottom:1px solid #bbb}
        table.pairs th{text-align:left;vertical-align:top;font-weight:600;padding:3px 18px 3px 0;border-bottom:1px solid #eee;white-space:nowrap}
        table.pairs td{padding:3px 0;border-bottom:1px solid #eee;font-family:ui-monospace,Menlo,Consolas,monospace;overflow-wrap:anywhere}
        .mistakes{display:grid;grid-template-columns:repeat(auto-fill,minmax(132px,1fr));gap:12px}
        figure{margin:0;text-align:center;font-size:12px}
        figure img{image-rendering:pixelated;image-rendering:crisp-edges;background:#000;border:1px solid #999;display:block;margin:0 auto 4px}
        figcaption{color:#333}
        figcaption .index{display:block;color:#888;font-size:11px}
        summary{cursor:pointer;color:#555;font-size:13px;margin-bottom:6px}
        footer{font-size:12px;color:#888;margin-top:8px}
        """
}
