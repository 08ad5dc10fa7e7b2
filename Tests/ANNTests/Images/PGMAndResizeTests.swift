import Foundation
import Testing

@testable import ANN

@Suite("PGM decoding")
struct PGMDecoderTests {
    @Test("binary P5 with comments in the header")
    func binary() throws {
        let pixels = imageNoise(count: 28 * 28, seed: 5)
        let header = Array("P5\n# made by hand\n28 # width\n28\n255\n".utf8)
        let image = try ImageDecoder.decode(header + pixels, source: "digit.pgm")
        #expect(image == GreyImage(width: 28, height: 28, pixels: pixels))
        // Trailing bytes (e.g. a second image) are ignored.
        #expect(try ImageDecoder.decode(header + pixels + [1, 2], source: "digit.pgm") == image)
    }

    @Test("ASCII P2, free layout")
    func ascii() throws {
        let text = "P2\n3 2\n255\n0 128 255\n 7\t8\n9\n"
        let image = try ImageDecoder.decode(Array(text.utf8), source: "a.pgm")
        #expect(image == GreyImage(width: 3, height: 2, pixels: [0, 128, 255, 7, 8, 9]))
    }

    @Test("a maximum value below 255 is rescaled to 0...255")
    func rescaled() throws {
        let p2 = try ImageDecoder.decode(Array("P2 4 1 15 0 1 8 15".utf8), source: "a.pgm")
        #expect(p2.pixels == [0, 17, 136, 255])
        let p5 = try ImageDecoder.decode(Array("P5 2 1 1\n".utf8) + [0, 1], source: "b.pgm")
        #expect(p5.pixels == [0, 255])
    }

    static let badFiles: [(String, [UInt8], String)] = [
        ("empty", [], "empty"),
        ("not an image", Array("hello".utf8), "not a PNG or PGM"),
        ("PPM", Array("P6 1 1 255\n".utf8) + [1, 2, 3], "PPM"),
        ("PBM", Array("P4 8 1\n".utf8) + [0], "PBM"),
        ("16-bit", Array("P5 1 1 65535\n".utf8) + [0, 0], "16-bit"),
        ("maximum 0", Array("P5 1 1 0\n".utf8) + [0], "maximum value is 0"),
        ("no height", Array("P5 1".utf8), "height is missing"),
        ("letters for width", Array("P2 x 1 255 0".utf8), "expected a number"),
        ("number with junk", Array("P2 1x 1 255 0".utf8), "unexpected"),
        ("width 0", Array("P5 0 1 255\n".utf8), "0 × 1"),
        ("huge", Array("P5 100000 100000 255\n".utf8), "100000 × 100000"),
        ("overflowing number", Array("P5 99999999999999999999999 1 255\n".utf8), "too large"),
        ("truncated P5", Array("P5 4 4 255\n".utf8) + [1, 2, 3], "truncated"),
        ("no data", Array("P5 4 4 255".utf8), "truncated"),
        ("truncated P2", Array("P2 2 2 255 1 2 3".utf8), "truncated"),
        ("P2 value above the maximum", Array("P2 2 1 100 1 101".utf8), "above the maximum"),
        ("P5 value above the maximum", Array("P5 2 1 100\n".utf8) + [1, 101], "above the maximum"),
        ("P2 claims more values than the file can hold", Array("P2 4000 4000 255 1 2".utf8), "too short"),
    ]

    @Test("a bad PGM gives a DataError naming the file", arguments: badFiles.indices)
    func badFile(index: Int) throws {
        let (_, bytes, fragment) = Self.badFiles[index]
        let directory = try ScratchDirectory()
        let path = try directory.writeRaw("bad-\(index).pgm", bytes)
        expectDataError(file: path, mentioning: fragment) {
            _ = try ImageDecoder.decode(fileAt: path)
        }
    }

    @Test("a missing file or a folder is a DataError naming it")
    func unreadable() throws {
        let directory = try ScratchDirectory()
        expectDataError(file: directory.file("missing.png"), mentioning: "No such file") {
            _ = try ImageDecoder.decode(fileAt: directory.file("missing.png"))
        }
        expectDataError(file: directory.path, mentioning: "not a regular file") {
            _ = try ImageDecoder.decode(fileAt: directory.path)
        }
    }

    @Test("every truncation of a PGM fails cleanly, every byte flip fails or decodes")
    func mutations() throws {
        for file in [Array("P2\n# c\n3 2\n200\n0 128 200\n 7 8 9\n".utf8), Array("P5 3 2 255\n".utf8) + [9, 8, 7, 6, 5, 4]] {
            for length in 0..<(file.count - 1) {
                #expect(throws: DataError.self) { try ImageDecoder.decode(Array(file.prefix(length)), source: "cut.pgm") }
            }
            for position in file.indices {
                for flip: UInt8 in [0x01, 0x10, 0x80] {
                    var bytes = file
                    bytes[position] ^= flip
                    _ = try? ImageDecoder.decode(bytes, source: "flip.pgm")
                }
            }
        }
    }
}

@Suite("Resizing by area averaging")
struct ResizeTests {
    @Test("same size is the identity")
    func identity() {
        let image = GreyImage(width: 5, height: 3, pixels: imageNoise(count: 15, seed: 1))
        #expect(image.resized(width: 5, height: 3) == image)
    }

    @Test("halving averages 2 × 2 blocks, rounded")
    func halve() {
        let image = GreyImage(width: 4, height: 2, pixels: [0, 255, 10, 11, 255, 0, 12, 13])
        #expect(image.resized(width: 2, height: 1).pixels == [128, 12])
    }

    @Test("3 → 2 weights the shared middle pixel by half")
    func fractional() {
        let image = GreyImage(width: 3, height: 1, pixels: [0, 90, 255])
        // (0 + 90/2) / 1.5 = 30; (90/2 + 255) / 1.5 = 200
        #expect(image.resized(width: 2, height: 1).pixels == [30, 200])
    }

    @Test("enlarging repeats pixels")
    func enlarge() {
        let image = GreyImage(width: 2, height: 1, pixels: [10, 200])
        #expect(image.resized(width: 4, height: 2).pixels == [10, 10, 200, 200, 10, 10, 200, 200])
        // 2 → 3: the middle target pixel straddles both sources equally.
        #expect(image.resized(width: 3, height: 1).pixels == [10, 105, 200])
    }

    @Test("a flat image stays flat and the mean brightness is kept", arguments: [(56, 56), (100, 37), (13, 13), (28, 200)])
    func preservesMean(width: Int, height: Int) {
        let flat = GreyImage(width: width, height: height, pixels: Array(repeating: 77, count: width * height))
        #expect(flat.resized(width: 28, height: 28).pixels.allSatisfy { $0 == 77 })
        let noise = GreyImage(width: width, height: height, pixels: imageNoise(count: width * height, seed: 2))
        let mean = Double(noise.pixels.reduce(0) { $0 + Int($1) }) / Double(noise.pixels.count)
        let small = noise.resized(width: 28, height: 28)
        let newMean = Double(small.pixels.reduce(0) { $0 + Int($1) }) / Double(small.pixels.count)
        #expect(abs(mean - newMean) < 0.6)
    }

    @Test("coverage weights of each target cell sum to the source length")
    func coverage() {
        for (source, target) in [(3, 2), (2, 3), (28, 28), (100, 28), (7, 30), (1, 5), (5, 1)] {
            for cells in GreyImage.coverage(source: source, target: target) {
                #expect(cells.reduce(0) { $0 + $1.weight } == source)
                #expect(cells.allSatisfy { $0.weight > 0 && (0..<source).contains($0.index) })
            }
        }
    }
}
