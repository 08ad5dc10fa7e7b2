import Foundation
import Testing
@testable import ANN

@Suite("Networks saved as safetensors")
struct ModelFileTests {
    @Test func roundTrip() throws {
        let architecture = try NetworkArchitecture(layerSizes: [5, 4, 3], activation: .tanh, output: .softmax, loss: .meanSquaredError)
        let network = Network(architecture: architecture, seed: 9)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ann-\(UUID().uuidString).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try network.save(to: path)
        let loaded = try Network.load(from: path)
        #expect(loaded == network)
        let file = try SafeTensors.read(from: path)
        #expect(file.tensor(named: "layers.0.weight")?.shape == [4, 5])
        #expect(file.tensor(named: "layers.1.bias")?.shape == [3])
        #expect(file.metadata["layers"] == "5,4,3")
        #expect(file.metadata["activation"] == "tanh")
    }

    @Test func mismatchedTensorsAreRefused() throws {
        let network = Network(architecture: try NetworkArchitecture(layerSizes: [5, 4, 3]), seed: 1)
        var file = network.safeTensors
        file.metadata["layers"] = "5,6,3"
        #expect(throws: ModelFileError(file: "m", reason: "tensor layers.0.weight has shape [4, 5], the network needs [6, 5]")) {
            try Network(file, source: "m")
        }
        file = network.safeTensors
        file.metadata["activation"] = "swish"
        #expect(throws: ModelFileError(file: "m", reason: "unknown activation \"swish\" in __metadata__")) {
            try Network(file, source: "m")
        }
        file = network.safeTensors
        file.tensors[3].name = "layers.1.offset"
        #expect(throws: ModelFileError(file: "m", reason: "tensor layers.1.bias is missing")) {
            try Network(file, source: "m")
        }
        file = network.safeTensors
        file.metadata = [:]
        #expect(throws: ModelFileError.self) { try Network(file, source: "m") }
    }
}
