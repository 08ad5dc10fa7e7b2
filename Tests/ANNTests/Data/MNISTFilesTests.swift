import Foundation
import Testing

@testable import ANN


@Suite("Real MNIST files", .enabled(if: FileManager.default.fileExists(atPath: fetchedMNISTPath)))
struct MNISTFilesTests {
    @Test("the fetched files load as 60,000 + 10,000 samples of 784 features in 10 classes")
    func loadsMNIST() throws {
        let directory = IDXDataDirectory(path: fetchedMNISTPath)
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
