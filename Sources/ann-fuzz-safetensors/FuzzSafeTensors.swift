// libFuzzer target for the safetensors loader: every input is decoded with
// `SafeTensors.decode`, and what decodes is re-encoded and decoded again
// (it must round-trip) and handed to `Network(_:source:)`, as `ann evaluate
// --model` does.
//
// Built with -DFUZZING and -sanitize=fuzzer (scripts/fuzz), libFuzzer supplies
// `main` and calls LLVMFuzzerTestOneInput. In a normal build the same code is
// a replay tool: `ann-fuzz-safetensors FILE...` decodes each file once.

import ANN

@discardableResult
func fuzzSafeTensors(_ bytes: [UInt8]) -> [String] {
    let file: SafeTensors
    do {
        file = try SafeTensors.decode(bytes, source: "fuzz-input")
    } catch {
        precondition(!error.description.isEmpty)
        return ["safetensors: \(error.reason)"]
    }
    var outcome = ["safetensors: \(file.tensors.count) tensors, \(file.metadata.count) metadata entries"]
    for tensor in file.tensors {
        precondition(tensor.shape.reduce(1, *) == tensor.values.count, "tensor \(tensor.name): shape and values disagree")
    }
    // What decodes must encode and decode back to the same names, shapes,
    // metadata and value bits (bits, so that NaN payloads count too).
    let again: SafeTensors
    do {
        again = try SafeTensors.decode(file.encoded(), source: "re-encoded fuzz-input")
    } catch {
        preconditionFailure("re-encoded file does not decode: \(error)")
    }
    precondition(again.metadata == file.metadata, "metadata changed in a round trip")
    precondition(again.tensors.count == file.tensors.count, "tensor count changed in a round trip")
    for (before, after) in zip(file.tensors, again.tensors) {
        precondition(
            before.name == after.name && before.shape == after.shape
                && before.values.map(\.bitPattern) == after.values.map(\.bitPattern),
            "tensor \(before.name) changed in a round trip")
    }
    do {
        let network = try Network(file, source: "fuzz-input")
        outcome.append("network: layers \(network.architecture.layerSizes)")
    } catch {
        precondition(!error.description.isEmpty)
        outcome.append("network: \(error.reason)")
    }
    return outcome
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size > 0 && data != nil ? [UInt8](UnsafeBufferPointer(start: data, count: size)) : []
    fuzzSafeTensors(bytes)
    return 0
}
#else
import _ANNFuzzReplay

@main
enum ReplaySafeTensors {
    static func main() {
        replay(name: "ann-fuzz-safetensors") { fuzzSafeTensors($0) }
    }
}
#endif
