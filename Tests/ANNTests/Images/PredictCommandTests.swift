import Foundation
import Testing

@testable import ANN

/// `ann predict` against a tiny model trained on the 4 × 4 clustered data
/// set, where a sample of class c has a bright row c.
@Suite("ann predict", .serialized)
struct PredictCommandTests {
    let directory: ScratchDirectory
    let model: String

    init() throws {
        directory = try ScratchDirectory()
        try writeSmallDataSet(to: directory)
        model = directory.file("model.safetensors")
        let result = try AnnCommand.run([
            "train", "--data-dir", directory.path, "--layers", "16,8,4", "--epochs", "40", "--batch-size", "8",
            "--threads", "1", "--save", model,
        ])
        #expect(result.status == 0, "\(result.standardError)")
    }

    /// A 4 × 4 image (scaled up by `scale`) with row `row` bright.
    func digit(row: Int, scale: Int = 1) -> GreyImage {
        let side = 4 * scale
        let pixels = (0..<(side * side)).map { ($0 / side) / scale == row ? UInt8(220) : UInt8(20) }
        return GreyImage(width: side, height: side, pixels: pixels)
    }

    /// Class and probability pairs from one output line.
    func parse(_ line: Substring) -> [(Int, Double)] {
        guard let colon = line.range(of: ": ", options: .backwards) else { return [] }
        return line[colon.upperBound...].components(separatedBy: ", ").compactMap { entry in
            let parts = entry.split(separator: " ")
            guard parts.count == 2, let cls = Int(parts[0]) else { return nil }
            return (cls, Double(parts[1].dropFirst().dropLast(2)) ?? -1)
        }
    }

    @Test("PGM, PNG (resized) and IDX:INDEX images, top 3 by default")
    func classifies() throws {
        let pgm = try directory.writeRaw("two.pgm", Array("P5 4 4 255\n".utf8) + digit(row: 2).pixels)
        let png = try directory.writeRaw("one big.png", PNGEncoder.encode(digit(row: 1, scale: 7)))
        let idx = directory.file("t10k-images-idx3-ubyte") + ":3"
        let result = try AnnCommand.run(["predict", "--model", model, pgm, png, idx])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError.isEmpty)
        let lines = result.standardOutput.split(separator: "\n")
        #expect(lines.count == 3)
        for (line, (name, label)) in zip(lines, [(pgm, 2), (png, 1), (idx, 3)]) {
            #expect(line.hasPrefix("\(name): \(label) ("), "\(line)")
            let ranked = parse(line)
            #expect(ranked.count == 3)
            #expect(ranked.first.map { $0.1 > 50 } == true, "\(line)")
            #expect(zip(ranked, ranked.dropFirst()).allSatisfy { $0.1 >= $1.1 })
            #expect(line.contains("%)"))
        }
    }

    @Test("--top picks how many classes, at most all of them")
    func top() throws {
        let pgm = try directory.writeRaw("zero.pgm", Array("P2 4 4 255 ".utf8) + Array(digit(row: 0).pixels.map(String.init).joined(separator: " ").utf8))
        let one = try AnnCommand.run(["predict", "--model", model, "--top", "1", pgm])
        #expect(one.status == 0)
        #expect(parse(one.standardOutput.dropLast()).map(\.0) == [0])
        let all = try AnnCommand.run(["predict", "--model", model, "--top", "10", pgm])
        let ranked = parse(all.standardOutput.dropLast())
        #expect(ranked.count == 4)
        #expect(abs(ranked.map(\.1).reduce(0, +) - 100) < 0.05)
        let zero = try AnnCommand.run(["predict", "--model", model, "--top", "0", pgm])
        #expect(zero.status == 64)
        #expect(zero.standardError == "ann: error: --top: must be at least 1 (got 0)\n")
    }

    @Test("--invert turns dark-on-light into light-on-dark")
    func invert() throws {
        let pixels = digit(row: 3).pixels.map { 255 - $0 }
        let path = try directory.writeRaw("inverted.png", PNGEncoder.encode(GreyImage(width: 4, height: 4, pixels: pixels)))
        let result = try AnnCommand.run(["predict", "--model", model, "--invert", path])
        #expect(result.standardOutput.hasPrefix("\(path): 3 ("))
    }

    @Test("a bad image: one error line naming it, exit 65, the others still classified")
    func badImage() throws {
        let good = try directory.writeRaw("good.pgm", Array("P5 4 4 255\n".utf8) + digit(row: 2).pixels)
        var broken = PNGEncoder.encode(digit(row: 1))
        broken[broken.count - 20] ^= 0xFF
        let bad = try directory.writeRaw("bad.png", broken)
        let missing = directory.file("missing.pgm")
        let outOfRange = directory.file("t10k-images-idx3-ubyte") + ":64"
        let result = try AnnCommand.run(["predict", "--model", model, bad, good, missing, outOfRange])
        #expect(result.status == 65)
        let errors = result.standardError.split(separator: "\n")
        #expect(errors.count == 3)
        #expect(errors.first?.hasPrefix("ann: error: \(bad): ") == true)
        #expect(errors.dropFirst().first?.hasPrefix("ann: error: \(missing): ") == true)
        #expect(errors.last == "ann: error: \(directory.file("t10k-images-idx3-ubyte")): image index 64 is out of range: the file holds 64 images (0...63)")
        #expect(result.standardOutput.hasPrefix("\(good): 2 ("))
    }

    @Test("a bad model file: exit 65 naming it")
    func badModel() throws {
        let fake = try directory.writeRaw("fake.safetensors", [1, 2, 3])
        let pgm = try directory.writeRaw("x.pgm", Array("P5 4 4 255\n".utf8) + digit(row: 2).pixels)
        let result = try AnnCommand.run(["predict", "--model", fake, pgm])
        #expect(result.status == 65)
        #expect(result.standardError.hasPrefix("ann: error: \(fake)"))
        #expect(result.standardError.split(separator: "\n").count == 1)
    }

    @Test("no image is a usage error")
    func noImage() throws {
        let result = try AnnCommand.run(["predict", "--model", model])
        #expect(result.status == 64)
    }
}
