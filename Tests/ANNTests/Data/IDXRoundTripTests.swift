import Testing

@testable import ANN

@Suite("IDX round trip")
struct IDXRoundTripTests {
    @Test("28×28 images and labels come back unchanged, raw and gzip")
    func mnistShape() throws {
        let scratch = try ScratchDirectory()
        let pixels = IDXFixture.noise(count: 4 * 28 * 28)
        let labels: [UInt8] = [5, 0, 4, 1]
        for gzip in [false, true] {
            let write = gzip ? scratch.writeGzip : scratch.writeRaw
            let suffix = gzip ? ".gz" : ""
            let images = try write("images" + suffix, IDXFixture.file(shape: [4, 28, 28], data: pixels))
            let labelFile = try write("labels" + suffix, IDXFixture.file(shape: [4], data: labels))

            let read = try IDXReader.readImages(at: images)
            #expect(read.shape == [4, 28, 28])
            #expect(read.bytes == pixels)
            #expect(try IDXReader.readLabels(at: labelFile) == labels)

            let dataset = try IDXReader.readDataset(images: images, labels: labelFile)
            #expect(dataset.count == 4)
            #expect(dataset.featureCount == 784)
            #expect(dataset.imageShape == [28, 28])
            #expect(dataset.pixels == pixels)
            #expect(dataset.labels == labels)
            #expect(dataset.classCount == 6)
        }
    }

    @Test("non-square 5×3 images keep their shape")
    func nonSquare() throws {
        let scratch = try ScratchDirectory()
        let pixels = (0..<(3 * 5 * 3)).map { UInt8($0) }
        let images = try scratch.writeRaw("images", IDXFixture.file(shape: [3, 5, 3], data: pixels))
        let labels = try scratch.writeRaw("labels", IDXFixture.file(shape: [3], data: [2, 0, 1]))

        let dataset = try IDXReader.readDataset(images: images, labels: labels)
        #expect(dataset.imageShape == [5, 3])
        #expect(dataset.featureCount == 15)
        #expect(dataset.pixels == pixels)
        #expect(Array(dataset.pixels[15..<30]) == (15..<30).map { UInt8($0) })
        #expect(dataset.classCount == 3)
    }

    @Test("images of more than two dimensions multiply out into features")
    func threeDimensionalImages() throws {
        let scratch = try ScratchDirectory()
        let pixels = IDXFixture.noise(count: 2 * 4 * 3 * 2, seed: 7)
        let images = try scratch.writeGzip("images.gz", IDXFixture.file(shape: [2, 4, 3, 2], data: pixels))
        let labels = try scratch.writeRaw("labels", IDXFixture.file(shape: [2], data: [9, 3]))

        let dataset = try IDXReader.readDataset(images: images, labels: labels)
        #expect(dataset.imageShape == [4, 3, 2])
        #expect(dataset.featureCount == 24)
        #expect(dataset.count == 2)
        #expect(dataset.pixels == pixels)
        #expect(dataset.classCount == 10)
    }

    @Test("a gzip file is recognised by content, whatever its name")
    func gzipDetectedByMagic() throws {
        let scratch = try ScratchDirectory()
        let labels: [UInt8] = [1, 2, 3]
        let path = try scratch.writeGzip("labels-without-suffix", IDXFixture.file(shape: [3], data: labels))
        #expect(try IDXReader.readLabels(at: path) == labels)
    }

    @Test("gzip members written back to back read as one stream, as gzip does")
    func concatenatedGzipMembers() throws {
        let scratch = try ScratchDirectory()
        let whole = IDXFixture.file(shape: [6], data: [0, 1, 2, 3, 4, 5])
        let joined = try IDXFixture.gzip(Array(whole[..<7])) + IDXFixture.gzip(Array(whole[7...]))
        let path = try scratch.writeRaw("labels.gz", joined)
        #expect(try IDXReader.readLabels(at: path) == [0, 1, 2, 3, 4, 5])
    }
}
