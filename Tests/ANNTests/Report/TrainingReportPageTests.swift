import Foundation
import Testing

@testable import ANN

private func epoch(
    _ n: Int, loss: Double, train: Double? = 0.9, validation: Double? = nil, test: Double? = nil, testLoss: Double? = nil
) -> EpochReport {
    EpochReport(
        epoch: n, loss: loss, trainAccuracy: train, validationAccuracy: validation, testAccuracy: test,
        testLoss: testLoss, seconds: 1.25, samplesPerSecond: 48_000, learningRate: 0.05)
}

private func sampleMatrix() -> ConfusionMatrix {
    var matrix = ConfusionMatrix(classCount: 3)
    for _ in 0..<50 { matrix.record(trueClass: 0, predicted: 0) }
    for _ in 0..<40 { matrix.record(trueClass: 1, predicted: 1) }
    for _ in 0..<7 { matrix.record(trueClass: 1, predicted: 2) }
    for _ in 0..<30 { matrix.record(trueClass: 2, predicted: 2) }
    matrix.record(trueClass: 2, predicted: 0)
    return matrix
}

private func mistake(_ index: Int, confidence: Float) -> Misclassification {
    Misclassification(
        index: index, pixels: imageNoise(count: 16, seed: UInt64(index)), trueLabel: 1, predicted: 2,
        confidence: confidence)
}

private func page(
    title: String = "MNIST run", epochs: [EpochReport], settings: [(String, String)] = [("layers", "784,256,128,10")],
    mistakes: [Misclassification] = [], imageShape: [Int]? = [4, 4]
) -> TrainingReportPage {
    TrainingReportPage(
        title: title, epochs: epochs, confusion: sampleMatrix(), settings: settings,
        timing: [("training", "6.48 s")], mistakes: mistakes, imageShape: imageShape)
}

/// How often `needle` occurs in `text`.
private func occurrences(of needle: String, in text: String) -> Int {
    text.components(separatedBy: needle).count - 1
}

@Suite("HTML training report")
struct TrainingReportPageTests {
    @Test("a full run: charts, heat map, mistakes, tables; self-contained")
    func fullRun() throws {
        let epochs: [EpochReport] = (1...10).map { (n: Int) -> EpochReport in
            let x = Double(n)
            return epoch(n, loss: 1 / x, train: 0.8 + x / 100, validation: 0.85 + x / 200, test: 0.86 + x / 200, testLoss: 1.2 / x)
        }
        let html = page(epochs: epochs, mistakes: [mistake(3, confidence: 0.93), mistake(8, confidence: 0.5)]).html()
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(occurrences(of: "<svg", in: html) == 3)
        #expect(occurrences(of: "</svg>", in: html) == 3)
        // Loss: training and test lines; accuracy: three lines with a legend.
        #expect(occurrences(of: "<path", in: html) == 5)
        for name in ["training", "validation", "test"] {
            #expect(html.contains("class=\"legend\" x=") && html.contains(">\(name)</text>"))
        }
        // The heat map: 9 cells (+ the frame), numbers, both axis labels.
        #expect(html.contains(">predicted</text>") && html.contains(">true</text>"))
        #expect(html.contains("<title>true 1, predicted 2: 7 (14.9% of true 1)</title>"))
        // Mistakes as inline PNGs with captions.
        #expect(occurrences(of: "src=\"data:image/png;base64,iVBORw0KGgo", in: html) == 2)
        #expect(html.contains("true 1 → predicted 2 (93.0%)"))
        #expect(html.contains("<td>784,256,128,10</td>") && html.contains("<td>6.48 s</td>"))
        // Self-contained: no script, no network, no external references.
        #expect(!html.lowercased().contains("<script"))
        #expect(!html.lowercased().contains("http"))
        #expect(!html.contains("src=\"/") && !html.contains("<link"))
    }

    @Test("step times get their columns when an epoch has them, a dash where one does not")
    func stepTimeColumns() {
        var timed = epoch(2, loss: 0.2)
        timed.stepTimes = StepTimeSummary(steps: 938, median: 0.000_346, p90: 0.000_371, p99: 0.012_5, max: 0.02)
        let html = page(epochs: [epoch(1, loss: 0.3), timed]).html()
        #expect(html.contains("<th>median step</th><th>p99 step</th>"))
        #expect(html.contains("<td>346 µs</td><td>12.5 ms</td>"))
        #expect(html.contains("<td>—</td><td>—</td>"))
        #expect(!page(epochs: [epoch(1, loss: 0.3)]).html().contains("median step"))
    }

    @Test("caller text is escaped everywhere")
    func escaping() {
        let hostile = "<script>alert('x') & \"y\"</script>"
        let html = page(title: hostile, epochs: [epoch(1, loss: 0.5)], settings: [(hostile, hostile)]).html()
        #expect(!html.contains("<script"))
        #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"))
    }

    @Test("one epoch without validation or test values still draws charts")
    func oneEpoch() {
        let html = page(epochs: [epoch(1, loss: 0.31, train: 0.91)], imageShape: nil).html()
        #expect(occurrences(of: "<svg", in: html) == 3)
        // One point per series, no test or validation series.
        #expect(occurrences(of: "<circle cx", in: html) >= 2)
        #expect(!html.contains(">validation</text>") && !html.contains(">test</text>"))
        #expect(html.contains("No mistakes to show"))
        #expect(!html.contains("NaN") && !html.contains("inf"))
    }

    @Test("no epochs, gaps and non-finite values do not break the page")
    func degenerate() {
        let empty = page(epochs: []).html()
        #expect(empty.contains("no values recorded"))
        let gappy = page(epochs: [
            epoch(1, loss: .nan, train: nil, test: 0.5), epoch(2, loss: 0.4, train: nil, test: nil),
            epoch(3, loss: .infinity, train: nil, test: 0.7),
        ]).html()
        let paths = gappy.components(separatedBy: "<path d=\"").dropFirst().map { $0.prefix { $0 != "\"" } }
        // Loss: only epoch 2 is finite, a lone move. Test: a gap at epoch 2, so two separate moves.
        #expect(paths.map { $0.filter { $0 == "M" }.count } == [1, 2])
        #expect(paths.allSatisfy { !$0.contains("L") })
        #expect(!paths.joined().lowercased().contains("nan") && !paths.joined().contains("inf"))
    }

    @Test("mistake pictures use the image shape; other shapes show captions only")
    func shapes() {
        let mistakes = [mistake(1, confidence: 0.9)]
        #expect(page(epochs: [], mistakes: mistakes, imageShape: [4, 4]).html().contains("width=\"84\" height=\"84\""))
        #expect(page(epochs: [], mistakes: mistakes, imageShape: [2, 8]).html().contains("width=\"80\" height=\"20\""))
        #expect(page(epochs: [], mistakes: mistakes, imageShape: [4, 4, 1]).html().contains("data:image/png"))
        for shape: [Int]? in [nil, [16], [3, 3], [0, 16], [2, 2, 4]] {
            let html = page(epochs: [], mistakes: mistakes, imageShape: shape).html()
            #expect(!html.contains("data:image/png"))
            #expect(html.contains("true 1 → predicted 2 (90.0%)"))
        }
    }

    @Test("the inline picture is the sample, decodable by the PNG reader")
    func pictureRoundTrip() throws {
        let m = mistake(5, confidence: 0.7)
        let html = page(epochs: [], mistakes: [m]).html()
        let start = try #require(html.range(of: "data:image/png;base64,"))
        let end = try #require(html[start.upperBound...].firstIndex(of: "\""))
        let data = try #require(Data(base64Encoded: String(html[start.upperBound..<end])))
        #expect(try ImageDecoder.decode(Array(data), source: "inline") == GreyImage(width: 4, height: 4, pixels: m.pixels))
    }

    @Test("write(toDirectory:) creates the folders and writes index.html")
    func write() throws {
        let scratch = try ScratchDirectory()
        let target = scratch.path + "/a/b/report"
        let report = page(epochs: [epoch(1, loss: 0.3)])
        try report.write(toDirectory: target)
        let written = try String(contentsOfFile: target + "/index.html", encoding: .utf8)
        #expect(written == report.html())
        try report.write(toDirectory: target + "/")  // again, over the old one
        let blocker = try scratch.writeRaw("file", [1])
        #expect(throws: FileWriteError.self) { try report.write(toDirectory: blocker + "/report") }
    }

    @Test("base64 matches RFC 4648 test vectors")
    func base64() {
        let vectors = ["": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==", "fooba": "Zm9vYmE=", "foobar": "Zm9vYmFy"]
        for (plain, encoded) in vectors {
            #expect(HTMLText.base64(Array(plain.utf8)) == encoded)
        }
        let bytes = imageNoise(count: 1000, seed: 4)
        #expect(HTMLText.base64(bytes) == Data(bytes).base64EncodedString())
    }

    @Test("axis ticks are round numbers")
    func ticks() {
        #expect(Axis.niceStep(0.37) == 0.5)
        #expect(Axis.niceStep(3) == 5)
        #expect(Axis.niceStep(12) == 20)
        let (low, high, step) = Axis.niceRange(low: 91.3, high: 98.7, targetTicks: 5)
        #expect(step == 2 && low == 90 && high == 100)
        #expect(Axis.integerStep(span: 0, targetTicks: 10) == 1)
        #expect(Axis.integerStep(span: 99, targetTicks: 10) == 10)
        #expect(Axis.decimals(for: 0.05) == 2)
    }
}
