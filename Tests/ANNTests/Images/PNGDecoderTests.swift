import Foundation
import Testing

@testable import ANN

@Suite("PNG decoding")
struct PNGDecoderTests {
    @Test("encoder output decodes to the same pixels, whatever the row filters",
          arguments: [(1, 1), (3, 2), (28, 28), (17, 5), (1, 40), (64, 3)])
    func roundTrip(width: Int, height: Int) throws {
        let pixels = imageNoise(count: width * height, seed: UInt64(width * 1000 + height))
        let image = GreyImage(width: width, height: height, pixels: pixels)
        #expect(try ImageDecoder.decode(PNGEncoder.encode(image), source: "plain.png") == image)
        for filter in PNGFormat.Filter.allCases {
            let bytes = PNGEncoder.encode(width: width, height: height, colourType: .grey, samples: pixels) { _ in filter }
            #expect(try ImageDecoder.decode(bytes, source: "f.png") == image, "filter \(filter)")
        }
        // Every filter in turn, row by row, so each row's predictor reads an unfiltered row above.
        let mixed = PNGEncoder.encode(width: width, height: height, colourType: .grey, samples: pixels) {
            PNGFormat.Filter(rawValue: UInt8($0 % 5))!
        }
        #expect(try ImageDecoder.decode(mixed, source: "mixed.png") == image)
    }

    @Test("colour and alpha become grey: BT.601 luma, alpha over black")
    func colourTypes() throws {
        let rgb: [UInt8] = [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255, 10, 20, 30, 0, 0, 0]
        let expected: [UInt8] = [76, 150, 29, 255, 18, 0]
        for filter in PNGFormat.Filter.allCases {
            let file = PNGEncoder.encode(width: 3, height: 2, colourType: .rgb, samples: rgb) { _ in filter }
            #expect(try ImageDecoder.decode(file, source: "rgb.png").pixels == expected)
        }
        let rgba: [UInt8] = [255, 255, 255, 255, 255, 255, 255, 0, 200, 200, 200, 128, 0, 0, 0, 255]
        for filter in PNGFormat.Filter.allCases {
            let file = PNGEncoder.encode(width: 2, height: 2, colourType: .rgba, samples: rgba) { _ in filter }
            #expect(try ImageDecoder.decode(file, source: "rgba.png").pixels == [255, 0, 100, 0])
        }
        let greyAlpha: [UInt8] = [255, 255, 255, 0, 90, 51]
        for filter in PNGFormat.Filter.allCases {
            let file = PNGEncoder.encode(width: 3, height: 1, colourType: .greyAlpha, samples: greyAlpha) { _ in filter }
            #expect(try ImageDecoder.decode(file, source: "ga.png").pixels == [255, 0, 18])
        }
    }

    @Test("PNG files made by another encoder (Python's zlib) decode as written")
    func handMade() throws {
        let grey = try ImageDecoder.decode(PNGFixture.greySubUp, source: "a.png")
        #expect(grey == GreyImage(width: 3, height: 2, pixels: [10, 20, 250, 15, 5, 0]))
        let rgb = try ImageDecoder.decode(PNGFixture.rgbPaeth, source: "b.png")
        #expect(rgb == GreyImage(width: 2, height: 2, pixels: [76, 150, 29, 255]))
        let greyAlpha = try ImageDecoder.decode(PNGFixture.greyAlphaAverage, source: "c.png")
        #expect(greyAlpha == GreyImage(width: 2, height: 1, pixels: [200, 50]))
    }

    @Test("filters computed by hand: Sub, Up, Average and Paeth on a 2-channel image")
    func handFiltered() throws {
        // Grey + alpha (2 bytes per pixel), fully opaque, so grey = the first byte.
        // Raw rows: [10,255, 30,255]  [50,255, 20,255]  [60,255, 90,255]  [5,255, 250,255]
        let rows: [UInt8] = [
            1, 10, 255, 20, 0,    // Sub: 30 − 10 = 20; alpha 255 − 255 = 0
            2, 40, 0, 246, 0,     // Up: 50 − 10 = 40; 20 − 30 = −10 ≡ 246
            3, 35, 128, 50, 0,    // Average: 60 − ⌊(0+50)/2⌋ = 35; 255 − ⌊255/2⌋ = 128; 90 − ⌊(60+20)/2⌋ = 50; 255 − 255 = 0
            4, 201, 0, 190, 0,    // Paeth: 5 − P(0,60,0)=60 ≡ 201; 250 − P(5,90,60)=60 = 190 (c is nearest to p = 35)
        ]
        let file = PNGFixture.file(width: 2, height: 4, colourType: 4, rows: rows)
        let image = try ImageDecoder.decode(file, source: "hand.png")
        #expect(image.pixels == [10, 30, 50, 20, 60, 90, 5, 250])
    }

    @Test("image data split over several IDAT chunks, with ancillary chunks between")
    func splitData() throws {
        let pixels = imageNoise(count: 20 * 9, seed: 3)
        let whole = PNGEncoder.encode(GreyImage(width: 20, height: 9, pixels: pixels))
        // Re-chunk the encoder's zlib stream into 7-byte IDATs.
        let stream = PNGEncoder.deflate(Array(
            (0..<9).flatMap { row in [UInt8(0)] + pixels[(row * 20)..<(row * 20 + 20)] }))
        var file = PNGFixture.signature + PNGFixture.header(width: 20, height: 9)
        file += PNGFixture.chunk("gAMA", [0, 0, 177, 143])
        var offset = 0
        while offset < stream.count {
            file += PNGFixture.chunk("IDAT", Array(stream[offset..<min(offset + 7, stream.count)]))
            offset += 7
        }
        file += PNGFixture.chunk("IEND", []) + [1, 2, 3]  // bytes after IEND are ignored
        #expect(try ImageDecoder.decode(file, source: "split.png") == ImageDecoder.decode(whole, source: "whole.png"))
    }

    static let grey2x2 = PNGFixture.zlib([0, 1, 2, 0, 3, 4])

    static let badFiles: [(String, [UInt8], String)] = {
        let s = PNGFixture.signature
        let ihdr = PNGFixture.header(width: 2, height: 2)
        let idat = PNGFixture.chunk("IDAT", grey2x2)
        let iend = PNGFixture.chunk("IEND", [])
        var badCRC = s + ihdr + idat + iend
        badCRC[s.count + ihdr.count + 10] ^= 0x40  // a byte inside IDAT's data
        let truncatedStream = PNGFixture.chunk("IDAT", Array(grey2x2.dropLast(5)))
        var corruptStream = grey2x2
        corruptStream[0] = 0x77  // not a zlib header
        var badAdler = grey2x2
        badAdler[badAdler.count - 1] ^= 1
        return [
            ("signature only", s, "IHDR"),
            ("cut inside a chunk", Array((s + ihdr + idat).dropLast(3)), "truncated"),
            ("no IEND", s + ihdr + idat, "IEND"),
            ("no IDAT", s + ihdr + iend, "IDAT"),
            ("IDAT first", s + idat + ihdr + iend, "IHDR"),
            ("CRC mismatch", badCRC, "CRC"),
            ("IHDR of 12 bytes", s + PNGFixture.chunk("IHDR", Array(repeating: 0, count: 12)) + idat + iend, "13"),
            ("16-bit", s + PNGFixture.header(width: 2, height: 2, depth: 16) + idat + iend, "16-bit"),
            ("palette", s + PNGFixture.header(width: 2, height: 2, colourType: 3) + idat + iend, "palette"),
            ("4-bit grey", s + PNGFixture.header(width: 2, height: 2, depth: 4) + idat + iend, "4-bit"),
            ("bad depth", s + PNGFixture.header(width: 2, height: 2, depth: 7, colourType: 2) + idat + iend, "bit depth 7"),
            ("colour type 5", s + PNGFixture.header(width: 2, height: 2, colourType: 5) + idat + iend, "colour type 5"),
            ("interlaced", s + PNGFixture.header(width: 2, height: 2, interlace: 1) + idat + iend, "interlaced"),
            ("compression 1", s + PNGFixture.header(width: 2, height: 2, compression: 1) + idat + iend, "compression"),
            ("zero width", s + PNGFixture.header(width: 0, height: 2) + idat + iend, "0 × 2"),
            ("huge", s + PNGFixture.header(width: 1 << 15, height: 1 << 15) + idat + iend, "32768 × 32768"),
            ("maximal", s + PNGFixture.header(width: 0x7FFF_FFFF, height: 0x7FFF_FFFF) + idat + iend, "more than"),
            ("truncated data", s + ihdr + truncatedStream + iend, "truncated"),
            ("too much data", s + PNGFixture.header(width: 2, height: 1) + idat + iend, "more image data"),
            ("too little data", s + PNGFixture.header(width: 2, height: 3) + idat + iend, "truncated"),
            ("not zlib", s + ihdr + PNGFixture.chunk("IDAT", corruptStream) + iend, "corrupt"),
            ("Adler-32 mismatch", s + ihdr + PNGFixture.chunk("IDAT", badAdler) + iend, "corrupt"),
            ("filter type 5", s + ihdr + PNGFixture.chunk("IDAT", PNGFixture.zlib([0, 1, 2, 5, 3, 4])) + iend, "filter type 5"),
            ("unknown critical chunk", s + ihdr + PNGFixture.chunk("ZZZZ", []) + idat + iend, "ZZZZ"),
            ("chunk length over 2³¹", s + ihdr + [0x80, 0, 0, 0] + Array("IDAT".utf8) + [0, 0, 0, 0] + iend, "claims"),
            ("chunk length past the end", s + ihdr + [0, 0, 1, 0] + Array("IDAT".utf8) + [0, 0, 0, 0] + iend, "ends first"),
            ("bad chunk type", s + ihdr + PNGFixture.chunk("ID@T", [1]) + idat + iend, "invalid type"),
            ("second IHDR", s + ihdr + ihdr + idat + iend, "second IHDR"),
        ]
    }()

    @Test("a damaged or unsupported PNG gives a DataError naming the file", arguments: badFiles.indices)
    func badFile(index: Int) throws {
        let (_, bytes, fragment) = Self.badFiles[index]
        let directory = try ScratchDirectory()
        let path = try directory.writeRaw("bad \(index).png", bytes)
        expectDataError(file: path, mentioning: fragment) {
            _ = try ImageDecoder.decode(fileAt: path)
        }
    }

    @Test("the good 2 × 2 fixture the bad ones are made from decodes")
    func goodFixture() throws {
        let file = PNGFixture.signature + PNGFixture.header(width: 2, height: 2)
            + PNGFixture.chunk("IDAT", Self.grey2x2) + PNGFixture.chunk("IEND", [])
        #expect(try ImageDecoder.decode(file, source: "good.png") == GreyImage(width: 2, height: 2, pixels: [1, 2, 3, 4]))
    }

    @Test("every truncation and every single-byte flip of a PNG fails cleanly or decodes")
    func mutations() throws {
        let file = PNGEncoder.encode(width: 5, height: 4, colourType: .rgba, samples: imageNoise(count: 80, seed: 9)) {
            PNGFormat.Filter(rawValue: UInt8($0 % 5))!
        }
        for length in 0..<file.count {
            #expect(throws: DataError.self) { try ImageDecoder.decode(Array(file.prefix(length)), source: "cut.png") }
        }
        for position in file.indices {
            for flip: UInt8 in [0x01, 0x80, 0xFF] {
                var bytes = file
                bytes[position] ^= flip
                // Either an error or an image; never a trap.
                _ = try? ImageDecoder.decode(bytes, source: "flip.png")
            }
        }
    }
}
