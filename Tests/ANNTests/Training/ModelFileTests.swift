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

    /// The metadata spellings ModelFileFormat.md documents, accepted and refused.
    static let metadataCases: [(key: String, value: String?, problem: String?)] = [
        ("layers", " 5, 4 ,3", nil),
        ("layers", "5,,3", "__metadata__ \"layers\" is not a list of integers: 5,,3"),
        ("layers", "5;4;3", "__metadata__ \"layers\" is not a list of integers: 5;4;3"),
        ("layers", "5", "__metadata__ describes an impossible network: needs at least an input and an output size, got 1 size(s)"),
        ("activation", "ReLU", "unknown activation \"ReLU\" in __metadata__"),
        ("output", "sigmoid", "unknown output \"sigmoid\" in __metadata__"),
        ("loss", "cross_entropy", "unknown loss \"cross_entropy\" in __metadata__"),
        ("loss", nil, "unknown loss \"\" in __metadata__"),
        ("format", nil, nil),
        ("format", "something else", nil),
        ("note", "any other key is kept out of the way", nil),
    ]

    @Test("metadata spellings", arguments: metadataCases.indices)
    func metadataSpellings(index: Int) throws {
        let (key, value, problem) = Self.metadataCases[index]
        let network = Network(architecture: try NetworkArchitecture(layerSizes: [5, 4, 3]), seed: 1)
        var file = network.safeTensors
        file.metadata[key] = value
        if let problem {
            #expect(throws: ModelFileError(file: "m", reason: problem)) { try Network(file, source: "m") }
        } else {
            #expect(try Network(file, source: "m") == network)
        }
    }

    @Test("a softmax-free cross-entropy model, or an extra tensor, is refused")
    func impossibleModels() throws {
        let network = Network(architecture: try NetworkArchitecture(layerSizes: [5, 4, 3]), seed: 1)
        var file = network.safeTensors
        file.metadata["output"] = "linear"
        #expect(throws: ModelFileError(file: "m", reason: "__metadata__ describes an impossible network: cross-entropy needs a softmax output")) {
            try Network(file, source: "m")
        }
        file = network.safeTensors
        file.tensors.append(Tensor(name: "layers.2.weight", shape: [1], values: [0]))
        #expect(throws: ModelFileError(file: "m", reason: "holds 5 tensors, the network has 4")) { try Network(file, source: "m") }
    }
}
