// libFuzzer target for the IDX reader: every input is decoded as an image
// file and as a label file, raw or gzip (the reader tells them apart by
// content), through the same code that reads files from disk.
//
// Built with -DFUZZING and -sanitize=fuzzer (scripts/fuzz), libFuzzer supplies
// `main` and calls LLVMFuzzerTestOneInput. In a normal build the same code is
// a replay tool: `ann-fuzz-idx FILE...` decodes each file once, so a crash
// found by the fuzzer can be rerun under a debugger or a plain build.

import ANN

/// Decodes `bytes` both ways and checks what any successful decode promises.
/// Returns a line per reading, for the replay tool.
@discardableResult
func fuzzIDX(_ bytes: [UInt8]) -> [String] {
    var outcome: [String] = []
    do {
        let (shape, pixels) = try IDXReader.decodeImages(bytes, source: "fuzz-input")
        // A decoded image file has a count and at least one more dimension,
        // none of them zero, and exactly their product of pixels.
        precondition(shape.count >= 2 && shape.allSatisfy { $0 > 0 }, "bad shape \(shape)")
        precondition(shape.reduce(1, *) == pixels.count, "shape \(shape) but \(pixels.count) pixels")
        // What a data set built from it must accept.
        let imageShape = Array(shape.dropFirst())
        let labels = [UInt8](repeating: 0, count: shape[0])
        let dataset = try LabeledDataset(
            pixels: pixels, labels: labels, featureCount: imageShape.reduce(1, *), imageShape: imageShape)
        precondition(dataset.count == shape[0])
        outcome.append("images: shape \(shape)")
    } catch {
        precondition(!error.description.isEmpty)
        outcome.append("images: \(error.reason)")
    }
    do {
        let labels = try IDXReader.decodeLabels(bytes, source: "fuzz-input")
        precondition(!labels.isEmpty, "a label file decoded to no labels")
        outcome.append("labels: \(labels.count)")
    } catch {
        precondition(!error.description.isEmpty)
        outcome.append("labels: \(error.reason)")
    }
    return outcome
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size > 0 && data != nil ? [UInt8](UnsafeBufferPointer(start: data, count: size)) : []
    fuzzIDX(bytes)
    return 0
}
#else
import _ANNFuzzReplay

@main
enum ReplayIDX {
    static func main() {
        replay(name: "ann-fuzz-idx") { fuzzIDX($0) }
    }
}
#endif
