import Testing

@testable import ANN

@Suite("IDX data size faults")
struct IDXDataSizeFaultTests {
    @Test("data shorter than the header claims is truncated")
    func truncatedData() throws {
        let scratch = try ScratchDirectory()
        let bytes = IDXFixture.file(shape: [3, 28, 28], data: IDXFixture.noise(count: 3 * 784 - 1))
        let path = try scratch.writeRaw("images", bytes)
        expectDataError(file: path, mentioning: "truncated", "3×28×28", "2352", "2351") {
            _ = try IDXReader.readImages(at: path)
        }
    }

    @Test("bytes after the claimed data are refused")
    func trailingBytes() throws {
        let scratch = try ScratchDirectory()
        let path = try scratch.writeRaw("labels", IDXFixture.file(shape: [3], data: [1, 2, 3, 4, 5]))
        expectDataError(file: path, mentioning: "2 trailing bytes") { _ = try IDXReader.readLabels(at: path) }
    }

    @Test("a header claiming 10⁹ images is refused from the file size, before allocating")
    func billionImages() throws {
        let scratch = try ScratchDirectory()
        // Reading 784 GB would crash or exhaust memory; only a size check
        // against the 800-byte file lets this return an error.
        let bytes = IDXFixture.header(dimensions: [1_000_000_000, 28, 28]) + IDXFixture.noise(count: 784)
        let path = try scratch.writeRaw("images", bytes)
        expectDataError(file: path, mentioning: "truncated", "1000000000×28×28", "784000000000") {
            _ = try IDXReader.readImages(at: path)
        }
    }

    @Test("image and label files of different counts are refused, naming both")
    func countMismatch() throws {
        let scratch = try ScratchDirectory()
        let images = try scratch.writeRaw("images", IDXFixture.file(shape: [3, 2, 2], data: IDXFixture.noise(count: 12)))
        let labels = try scratch.writeRaw("labels", IDXFixture.file(shape: [2], data: [0, 1]))
        expectDataError(file: images, mentioning: labels, "3 images", "2 labels") {
            _ = try IDXReader.readDataset(images: images, labels: labels)
        }
    }
}
