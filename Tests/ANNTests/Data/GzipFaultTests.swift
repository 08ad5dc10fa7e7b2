import Testing

@testable import ANN

@Suite("gzip IDX faults")
struct GzipFaultTests {
    /// 100 images whose noise keeps the compressed file about as big as the
    /// data, so cutting it leaves the stream visibly short.
    static let images = IDXFixture.file(shape: [100, 28, 28], data: IDXFixture.noise(count: 100 * 784))

    @Test("a gzip file cut off mid-stream is truncated")
    func truncatedMidStream() throws {
        let scratch = try ScratchDirectory()
        let compressed = try IDXFixture.gzip(Self.images)
        let path = try scratch.writeRaw("images.gz", Array(compressed.prefix(compressed.count / 2)))
        expectDataError(file: path, mentioning: "truncated gzip") { _ = try IDXReader.readImages(at: path) }
    }

    @Test("a gzip file missing only its trailer is truncated")
    func truncatedTrailer() throws {
        let scratch = try ScratchDirectory()
        let compressed = try IDXFixture.gzip(Self.images)
        // The last 8 bytes are the CRC and length; the data itself is whole.
        let path = try scratch.writeRaw("images.gz", Array(compressed.dropLast(4)))
        expectDataError(file: path, mentioning: "truncated gzip") { _ = try IDXReader.readImages(at: path) }
    }

    @Test("a complete gzip stream holding less data than the header claims is truncated")
    func shortContent() throws {
        let scratch = try ScratchDirectory()
        let path = try scratch.writeGzip("images.gz", Array(Self.images.dropLast(10)))
        expectDataError(file: path, mentioning: "truncated", "100×28×28", "78390") {
            _ = try IDXReader.readImages(at: path)
        }
    }

    @Test("decompressed bytes beyond the claimed data are refused")
    func trailingBytes() throws {
        let scratch = try ScratchDirectory()
        let path = try scratch.writeGzip("labels.gz", IDXFixture.file(shape: [3], data: [1, 2, 3, 4]))
        expectDataError(file: path, mentioning: "trailing bytes") { _ = try IDXReader.readLabels(at: path) }
    }

    @Test("a corrupted checksum is caught")
    func corruptChecksum() throws {
        let scratch = try ScratchDirectory()
        var compressed = try IDXFixture.gzip(IDXFixture.file(shape: [4], data: [1, 2, 3, 4]))
        // The CRC-32 starts 8 bytes from the end.
        compressed[compressed.count - 8] ^= 0xFF
        let path = try scratch.writeRaw("labels.gz", compressed)
        expectDataError(file: path, mentioning: "corrupt gzip") { _ = try IDXReader.readLabels(at: path) }
    }

    @Test("a gzip header claiming 10⁹ images is refused before decompressing the data")
    func absurdClaim() throws {
        let scratch = try ScratchDirectory()
        let bytes = IDXFixture.header(dimensions: [1_000_000_000, 28, 28]) + IDXFixture.noise(count: 784)
        let path = try scratch.writeGzip("images.gz", bytes)
        expectDataError(file: path, mentioning: "1000000000×28×28", "compressed bytes can hold") {
            _ = try IDXReader.readImages(at: path)
        }
    }

    @Test("a claim above 4 GiB is refused even when the compressed file is large enough to hold it")
    func claimAboveFourGiB() throws {
        let scratch = try ScratchDirectory()
        // 4 MB of noise compresses to about 4 MB, whose 1100-fold limit
        // (4.4 GB) is above 4 GiB, so only the absolute cap can refuse this.
        let bytes = IDXFixture.header(dimensions: [1, 65536, 65537]) + IDXFixture.noise(count: 4_000_000)
        let path = try scratch.writeGzip("images.gz", bytes)
        expectDataError(file: path, mentioning: "1×65536×65537", "limit 4294967296") {
            _ = try IDXReader.readImages(at: path)
        }
    }
}
