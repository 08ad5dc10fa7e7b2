import Foundation
import Testing

@testable import ANN

@Suite("A report from a real MNIST run")
struct MNISTReportTests {
    /// Trains briefly and writes a report; with ANN_REPORT_DIR set, the report
    /// also goes there, to look at in a browser.
    @Test("short MNIST run → report with 24 mistakes",
          .enabled(if: FileManager.default.fileExists(atPath: fetchedMNISTPath + "/train-images-idx3-ubyte"),
                   "run scripts/fetch-mnist first"))
    func report() throws {
        let directory = IDXDataDirectory(path: fetchedMNISTPath)
        let training = try directory.loadTrainingSet(), test = try directory.loadTestSet()
        var settings = TrainingConfiguration()
        settings.epochs = 4
        settings.threads = 2
        settings.validationSize = 5000
        let architecture = try NetworkArchitecture(layerSizes: [784, 64, 10])
        let trainer = try Trainer(network: Network(architecture: architecture, seed: 1), configuration: settings)
        let summary = try trainer.train(on: training, test: test)
        let matrix = try summary.network.evaluate(on: test, threads: 2)
        let mistakes = summary.network.mostConfidentMistakes(on: test, limit: 24)
        #expect(mistakes.count == 24)
        #expect(mistakes.allSatisfy { $0.trueLabel != $0.predicted && $0.confidence > 0.5 })
        #expect(zip(mistakes, mistakes.dropFirst()).allSatisfy { $0.confidence >= $1.confidence })

        let page = TrainingReportPage(
            title: "MNIST 784-64-10 <ReLU> & friends",
            epochs: summary.epochs, confusion: matrix,
            settings: [("layers", "784,64,10"), ("activation", "relu"), ("epochs", "4"), ("batch size", "64"),
                       ("learning rate", "0.05 (cosine)"), ("validation size", "5000"), ("seed", "1")],
            timing: [("load", "0.06 s"), ("training", String(format: "%.2f s", summary.trainingSeconds)),
                     ("threads", "2")],
            mistakes: mistakes, imageShape: test.imageShape)
        let scratch = try ScratchDirectory()
        try page.write(toDirectory: scratch.path + "/report")
        let html = try String(contentsOfFile: scratch.path + "/report/index.html", encoding: .utf8)
        #expect(html.components(separatedBy: "data:image/png;base64,").count == 25)
        #expect(!html.contains("<script") && !html.contains("http"))
        if let target = ProcessInfo.processInfo.environment["ANN_REPORT_DIR"] {
            try page.write(toDirectory: target)
        }
    }
}
