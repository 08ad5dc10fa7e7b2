import Foundation
import Testing
@testable import ANN

/// `scripts/write_model.py` writes a hand-set network whose outputs are
/// known; `ann` loads it, evaluates, predicts and trains from it.
@Suite("Models written by scripts/write_model.py", .enabled(if: PythonModel.isAvailable, "needs python3 with numpy"))
struct PythonModelTests {
    /// 16 inputs (a 4 × 4 image) → 4 relu → 4 softmax. Hidden unit r sums
    /// row r of the image, less 2: only a bright row (the clustered data's
    /// class, an image's lit row) clears it. The output layer copies the
    /// hidden units, so class r's logit is that excess.
    static let script = """
        import sys
        import numpy as np
        sys.path.insert(0, sys.argv[1])
        from write_model import write_model
        W1 = np.zeros((4, 16), np.float32)
        for row in range(4):
            W1[row, 4 * row : 4 * row + 4] = 1
        b1 = np.full(4, -2, np.float32)
        W2 = np.eye(4, dtype=np.float32)
        b2 = np.zeros(4, np.float32)
        write_model(sys.argv[2], [(W1, b1), (W2, b2)], activation="relu", output="softmax", loss="cross-entropy")
        """

    let directory: ScratchDirectory
    let model: String

    init() throws {
        directory = try ScratchDirectory()
        try writeSmallDataSet(to: directory)
        model = directory.file("hand-set.safetensors")
        try PythonModel.run(Self.script, PythonModel.scripts, model)
    }

    @Test("the file loads with the arrays it was given, bit for bit")
    func loadsExactly() throws {
        let network = try Network.load(from: model)
        #expect(network.architecture == (try NetworkArchitecture(layerSizes: [16, 4, 4], activation: .relu)))
        let rows = (0..<4).flatMap { row in (0..<16).map { $0 / 4 == row ? Float(1) : 0 } }
        #expect(Array(network.weights(ofLayer: 0)) == rows)
        #expect(Array(network.biases(ofLayer: 0)) == [-2, -2, -2, -2])
        #expect(Array(network.weights(ofLayer: 1)) == (0..<16).map { $0 % 5 == 0 ? 1 : 0 })
        #expect(Array(network.biases(ofLayer: 1)) == [0, 0, 0, 0])
        let file = try SafeTensors.read(from: model)
        #expect(file.metadata == [
            "format": "swift-ann", "layers": "16,4,4", "activation": "relu", "output": "softmax", "loss": "cross-entropy",
        ])
    }

    @Test("ann predict gives the probabilities the weights imply")
    func predicts() throws {
        // Row 2 lit at 220, the rest at 20: hidden = (0, 0, 4·220/255 − 2, 0).
        let pixels = (0..<16).map { $0 / 4 == 2 ? UInt8(220) : UInt8(20) }
        let image = try directory.writeRaw("two.pgm", Array("P5 4 4 255\n".utf8) + pixels)
        let result = try AnnCommand.run(["predict", "--model", model, "--top", "2", image])
        #expect(result.status == 0, "\(result.standardError)")
        let excess = exp(4 * 220 / 255 - 2.0)
        let expected = [excess / (excess + 3), 1 / (excess + 3)].map { String(format: "%.2f%%", $0 * 100) }
        #expect(result.standardOutput == "\(image): 2 (\(expected[0])), 0 (\(expected[1]))\n")
    }

    @Test("ann evaluate: every sample of the clustered set right")
    func evaluates() throws {
        let result = try AnnCommand.run(["evaluate", "--model", model, "--data-dir", directory.path, "--threads", "1"])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("Accuracy: 100.00% (64 of 64 correct)"), "\(result.standardOutput)")
    }

    @Test("ann train --init trains from it")
    func trainsFromIt() throws {
        let result = try AnnCommand.run([
            "train", "--data-dir", directory.path, "--init", model, "--epochs", "1", "--threads", "1", "--json",
        ])
        #expect(result.status == 0, "\(result.standardError)")
        let first = try #require(result.standardOutput.split(separator: "\n").first.flatMap {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        })
        #expect((first["test_accuracy"] as? Double ?? 0) >= 0.99)
    }

    @Test("the command form: fresh weights for --layers, arrays from --npz; a bad architecture is refused")
    func commandForm() throws {
        let fresh = directory.file("fresh.safetensors")
        try PythonModel.runFile(PythonModel.scripts + "/write_model.py", fresh, "--layers", "16,8,4", "--seed", "3")
        #expect(try Network.load(from: fresh).architecture.layerSizes == [16, 8, 4])

        let arrays = directory.file("arrays.npz"), fromArrays = directory.file("from-npz.safetensors")
        try PythonModel.run(
            """
            import sys, numpy as np
            np.savez(sys.argv[1], **{"layers.0.weight": np.arange(6).reshape(2, 3) / 4, "layers.0.bias": [0.5, -1]})
            """, arrays)
        try PythonModel.runFile(
            PythonModel.scripts + "/write_model.py", fromArrays, "--npz", arrays, "--output", "linear", "--loss", "mse")
        let network = try Network.load(from: fromArrays)
        #expect(network.architecture == (try NetworkArchitecture(layerSizes: [3, 2], output: .linear, loss: .meanSquaredError)))
        #expect(network.parameters == [0, 0.25, 0.5, 0.75, 1, 1.25, 0.5, -1])

        #expect(throws: (any Error).self) {
            try PythonModel.runFile(PythonModel.scripts + "/write_model.py", fromArrays, "--npz", arrays, "--output", "linear")
        }
    }
}

enum PythonModel {
    /// The repository's scripts/ folder, found from this file's path.
    static let scripts = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts").path

    static let isAvailable: Bool = (try? run("import numpy")) != nil

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs `script` with `python3 -c`, passing `arguments`.
    static func run(_ script: String, _ arguments: String...) throws {
        try python(["-c", script] + arguments)
    }

    /// Runs the Python file at `path` with `arguments`.
    static func runFile(_ path: String, _ arguments: String...) throws {
        try python([path] + arguments)
    }

    private static func python(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let errorText = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "python3 exited \(process.terminationStatus): \(String(decoding: errorText, as: UTF8.self))")
        }
    }
}
