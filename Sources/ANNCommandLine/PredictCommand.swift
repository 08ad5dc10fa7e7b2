import ANN
import ArgumentParser
import Foundation

struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Classify images with a saved model and print the most likely classes.",
        discussion: """
            Each IMAGE is a PGM (P2 or P5, up to 8 bits) or PNG file (8-bit grey, \
            grey + alpha, RGB or RGBA), or IDXFILE:INDEX for one image of an IDX \
            file, e.g. data/mnist/t10k-images-idx3-ubyte:0. Images are scaled to the \
            model's input size by area averaging (28 × 28 for a 784-input model) and \
            their pixels by 1/255, as in training. Colour becomes grey; transparent \
            pixels become black, the background of MNIST digits. A bad image is \
            reported on standard error and the others are still classified; the exit \
            status is then 65.
            """)

    @Option(help: "A model saved by `ann train --save`.")
    var model: String

    @Option(help: "How many classes to print per image, most likely first.")
    var top = 3

    @Flag(help: "Invert the images first, for dark digits on a light background (MNIST digits are light on dark).")
    var invert = false

    @Option(help: "Subnormal floats: flush (to zero, the default) or keep (IEEE).")
    var subnormals = Subnormals.flush

    @Argument(help: "PGM or PNG files, or IDXFILE:INDEX.")
    var images: [String]

    func run() throws {
        do {
            try predict()
        } catch {
            throw reportFailure(error)
        }
    }

    private func predict() throws {
        guard top >= 1 else { throw UsageError(flag: "--top", reason: "must be at least 1 (got \(top))") }
        let network = try Network.load(from: model)
        let inputSize = network.architecture.inputSize
        var idxFiles: [String: (shape: [Int], bytes: [UInt8])] = [:]

        var names: [String] = []
        var batch: [Float] = []
        var failed = false
        for argument in images {
            let features: [UInt8]
            do throws(DataError) {
                features = try loadFeatures(argument, inputSize: inputSize, idxFiles: &idxFiles)
            } catch {
                printError(error.description)
                failed = true
                continue
            }
            names.append(argument)
            batch += features.map { Float(invert ? 255 - $0 : $0) * (Float(1) / 255) }
        }

        if !names.isEmpty {
            let classes = network.architecture.outputSize
            let outputs = network.predict(batch: batch, count: names.count, subnormals: subnormals)
            let probabilities = network.architecture.output == .softmax
            var text = ""
            for (row, name) in names.enumerated() {
                let scores = Array(outputs[(row * classes)..<((row + 1) * classes)])
                // Highest first; equal scores in class order.
                let ranked = scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
                let shown = ranked.prefix(top).map { cls in
                    probabilities
                        ? "\(cls) (\(String(format: "%.2f", Double(scores[cls]) * 100))%)"
                        : "\(cls) (\(String(format: "%.4f", Double(scores[cls]))))"
                }
                text += "\(name): \(shown.joined(separator: ", "))\n"
            }
            FileHandleOutput.standardOutput.write(text)
        }
        if failed { throw ExitStatus.badData }
    }

    /// The pixels of one image, at the model's input size.
    private func loadFeatures(
        _ argument: String, inputSize: Int, idxFiles: inout [String: (shape: [Int], bytes: [UInt8])]
    ) throws(DataError) -> [UInt8] {
        let image: GreyImage
        if !FileManager.default.fileExists(atPath: argument), let (path, index) = Self.idxReference(argument) {
            let file: (shape: [Int], bytes: [UInt8])
            if let cached = idxFiles[path] {
                file = cached
            } else {
                file = try IDXReader.readImages(at: path)
                idxFiles[path] = file
            }
            let count = file.shape.first ?? 0
            guard index < count else {
                throw DataError(
                    file: path,
                    reason: "image index \(index) is out of range: the file holds \(count) images (0...\(max(count - 1, 0)))")
            }
            let sample = Array(file.shape.dropFirst())
            let featureCount = sample.reduce(1, *)
            let pixels = Array(file.bytes[(index * featureCount)..<((index + 1) * featureCount)])
            guard sample.count == 2 || (sample.count == 3 && sample[2] == 1) else {
                guard featureCount == inputSize else {
                    throw DataError(
                        file: path,
                        reason: "its samples have shape \(sample) (\(featureCount) values), but the model takes \(inputSize) inputs")
                }
                return pixels
            }
            image = GreyImage(width: sample[1], height: sample[0], pixels: pixels)
        } else {
            image = try ImageDecoder.decode(fileAt: argument)
        }
        return try Self.fit(image, inputSize: inputSize, name: argument).pixels
    }

    /// `PATH:INDEX` split, when the text after the last colon is a whole number.
    static func idxReference(_ argument: String) -> (path: String, index: Int)? {
        guard let colon = argument.lastIndex(of: ":"), let index = Int(argument[argument.index(after: colon)...]),
              index >= 0, colon > argument.startIndex
        else { return nil }
        return (String(argument[..<colon]), index)
    }

    /// `image` scaled to the model's input: a square of √inputs on a side, or
    /// as it is when a non-square input size matches its pixel count.
    static func fit(_ image: GreyImage, inputSize: Int, name: String) throws(DataError) -> GreyImage {
        let side = Int(Double(inputSize).squareRoot().rounded())
        if side * side == inputSize {
            return image.resized(width: side, height: side)
        }
        guard image.width * image.height == inputSize else {
            throw DataError(
                file: name,
                reason: "the image is \(image.width) × \(image.height), but the model takes \(inputSize) inputs, "
                    + "which is not a square image size; give an image of exactly \(inputSize) pixels")
        }
        return image
    }
}
