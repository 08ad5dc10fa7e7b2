import Foundation
import Testing

@testable import ANN

/// `data/mnist` in the repository, found from this file's own path so the
/// test does not depend on the working directory.
private let mnistDirectory = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
    .deletingLastPathComponent()  // Data
    .deletingLastPathComponent()  // ANNTests
    .deletingLastPathComponent()  // Tests
    .deletingLastPathComponent()  // repository root
    .appendingPathComponent("data/mnist").path

@Suite("Real MNIST files", .enabled(if: FileManager.default.fileExists(atPath: mnistDirectory)))
struct MNISTFilesTests {
    @Test("the fetched files load as 60,000 + 10,000 samples of 784 features in 10 classes")
    func loadsMNIST() throws {
        let directory = IDXDataDirectory(path: mnistDirectory)
        let training = try directory.loadTrainingSet()
        #expect(training.count == 60_000)
        #expect(training.featureCount == 784)
        #expect(training.imageShape == [28, 28])
        #expect(training.classCount == 10)
        #expect(training.labels.first == 5)

        let test = try directory.loadTestSet()
        #expect(test.count == 10_000)
        #expect(test.featureCount == 784)
        #expect(test.classCount == 10)
        #expect(test.labels.first == 7)
    }
}
