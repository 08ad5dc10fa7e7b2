@testable import ANN

/// A separable classification problem in bytes: a sample of class c has
/// high values in feature group c and noise elsewhere.
func clusteredDataset(samples: Int, classes: Int = 4, featuresPerClass: Int = 4, seed: UInt64 = 7) -> LabeledDataset {
    var generator = SeededGenerator(seed: seed)
    let features = classes * featuresPerClass
    var pixels = [UInt8](repeating: 0, count: samples * features)
    var labels = [UInt8](repeating: 0, count: samples)
    for s in 0..<samples {
        let label = s % classes
        labels[s] = UInt8(label)
        for f in 0..<features {
            let noise = UInt8(generator.next() % 100)
            pixels[s * features + f] = f / featuresPerClass == label ? noise + 150 : noise
        }
    }
    // The sizes agree by construction.
    return try! LabeledDataset(pixels: pixels, labels: labels, featureCount: features, imageShape: [features])
}
