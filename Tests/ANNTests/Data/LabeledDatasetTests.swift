import Testing

@testable import ANN

@Suite("LabeledDataset")
struct LabeledDatasetTests {
    @Test("class count is the largest label plus one, not the number of distinct labels")
    func classCount() throws {
        let dataset = try LabeledDataset(pixels: [1, 2, 3, 4], labels: [7, 2], featureCount: 2, imageShape: [2])
        #expect(dataset.classCount == 8)
        #expect(dataset.count == 2)
    }

    @Test("an empty set has no classes")
    func empty() throws {
        let dataset = try LabeledDataset(pixels: [], labels: [], featureCount: 4, imageShape: [2, 2])
        #expect(dataset.count == 0)
        #expect(dataset.classCount == 0)
    }

    @Test("pixels that do not match labels × features are refused")
    func pixelCountMismatch() {
        #expect(throws: DataError.self) {
            try LabeledDataset(pixels: [1, 2, 3], labels: [0, 1], featureCount: 2, imageShape: [2])
        }
    }

    @Test("a shape that does not multiply out to the feature count is refused")
    func shapeMismatch() {
        #expect(throws: DataError.self) {
            try LabeledDataset(pixels: [1, 2, 3, 4], labels: [0, 1], featureCount: 2, imageShape: [1, 3])
        }
        #expect(throws: DataError.self) {
            try LabeledDataset(pixels: [], labels: [], featureCount: 0, imageShape: [0])
        }
        #expect(throws: DataError.self) {
            try LabeledDataset(pixels: [], labels: [], featureCount: 1, imageShape: [])
        }
    }

    @Test("a DataError reads as one line, file first")
    func errorDescription() {
        let error = DataError(file: "data/x", reason: "file is missing")
        #expect(error.description == "data/x: file is missing")
    }
}
