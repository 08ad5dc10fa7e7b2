import Foundation
import Testing

@testable import ANN

@Suite("Most confident mistakes")
struct MistakeFinderTests {
    /// 2 inputs → 2 softmax outputs, W = identity, b = 0: p = softmax(x).
    static func identityNetwork() throws -> Network {
        try Network(architecture: NetworkArchitecture(layerSizes: [2, 2]), parameters: [1, 0, 0, 1, 0, 0])
    }

    static func softmax(_ a: Float, _ b: Float) -> (Float, Float) {
        let m = max(a, b)
        let ea = exp(a - m), eb = exp(b - m)
        return (ea / (ea + eb), eb / (ea + eb))
    }

    @Test("only wrong predictions, surest first, ties by index, at most `limit`")
    func ordering() throws {
        let network = try Self.identityNetwork()
        let pixels: [UInt8] = [255, 0, 255, 0, 0, 100, 0, 255, 10, 10, 0, 200]
        let data = try LabeledDataset(pixels: pixels, labels: [0, 1, 0, 0, 1, 1], featureCount: 2, imageShape: [2])
        let all = network.mostConfidentMistakes(on: data, limit: 10)
        #expect(all.map(\.index) == [1, 3, 2, 4])
        #expect(all.map(\.predicted) == [0, 1, 1, 0])
        #expect(all.map(\.trueLabel) == [1, 0, 0, 1])
        #expect(all.map(\.pixels) == [[255, 0], [0, 255], [0, 100], [10, 10]])
        #expect(abs(all[0].confidence - Self.softmax(1, 0).0) < 1e-5)
        #expect(abs(all[2].confidence - Self.softmax(0, 100 / 255).1) < 1e-5)
        #expect(abs(all[3].confidence - 0.5) < 1e-6)
        #expect(zip(all, all.dropFirst()).allSatisfy { $0.confidence >= $1.confidence })

        #expect(network.mostConfidentMistakes(on: data, limit: 2).map(\.index) == [1, 3])
        #expect(network.mostConfidentMistakes(on: data, limit: 0).isEmpty)
        // The scale reaches the inputs: at 2/255, sample 2's logit doubles.
        let scaled = network.mostConfidentMistakes(on: data, limit: 10, inputScale: 2 / 255)
        #expect(abs(scaled.first { $0.index == 2 }!.confidence - Self.softmax(0, 200 / 255).1) < 1e-5)
    }

    @Test("data that does not fit the network gives no mistakes rather than a trap")
    func mismatch() throws {
        let data = clusteredDataset(samples: 8)
        #expect(try Self.identityNetwork().mostConfidentMistakes(on: data, limit: 5).isEmpty)
    }

    @Test("chunked search over many samples agrees with one prediction per sample")
    func agreesWithPredict() throws {
        let data = clusteredDataset(samples: 700)
        let network = Network(architecture: try NetworkArchitecture(layerSizes: [16, 12, 4], activation: .tanh), seed: 3)
        var expected: [(Float, Int, Int)] = []
        for i in 0..<data.count {
            let input = data.pixels[(i * 16)..<(i * 16 + 16)].map { Float($0) / 255 }
            let output = network.predict(input)
            let predicted = output.indices.max { output[$0] < output[$1] || (output[$0] == output[$1] && $0 > $1) }!
            if predicted != Int(data.labels[i]) { expected.append((output[predicted], i, predicted)) }
        }
        expected.sort { $0.0 != $1.0 ? $0.0 > $1.0 : $0.1 < $1.1 }
        #expect(!expected.isEmpty, "an untrained network should make mistakes")
        let found = network.mostConfidentMistakes(on: data, limit: 50)
        #expect(found.map(\.index) == expected.prefix(50).map(\.1))
        #expect(found.map(\.predicted) == expected.prefix(50).map(\.2))
        for (mistake, reference) in zip(found, expected) {
            #expect(abs(mistake.confidence - reference.0) < 1e-5)
        }
    }
}
