// libFuzzer target for the table readers: every input is decoded as a NumPy
// .npy file and parsed as CSV text under several options, and any table that
// comes out is split and scaled, through the same code `ann train` uses.
//
// Built with -DFUZZING and -sanitize=fuzzer (scripts/fuzz), libFuzzer supplies
// `main` and calls LLVMFuzzerTestOneInput. In a normal build the same code is
// a replay tool: `ann-fuzz-tables FILE...` reads each file once.

import ANN

/// Reads `bytes` every way and checks what any successful reading promises.
/// Returns a line per reading, for the replay tool.
@discardableResult
func fuzzTables(_ bytes: [UInt8]) -> [String] {
    var outcome: [String] = []
    do {
        let array = try NumPyArray.decode(bytes, source: "fuzz-input")
        let elements = array.shape.reduce(1, *)
        precondition(array.count == elements, "shape \(array.shape) but \(array.count) elements")
        precondition(array.floatValues().count == elements)
        if let integers = array.integerValues() { precondition(integers.count == elements) }
        outcome.append("npy: \(array.shape) \(array.elementType.name)")
    } catch {
        precondition(!error.description.isEmpty)
        outcome.append("npy: \(error.reason)")
    }

    let text = String(decoding: bytes, as: UTF8.self)
    let readings: [CSVDataset.Options] = [
        .init(),
        .init(labelColumn: .index(0), header: .absent),
        .init(labelColumn: .name("label"), delimiter: ";"),
        .init(labelColumn: .index(-2), header: .present, labels: .indices),
        .init(labels: .names(["a", "b", "c"])),
    ]
    for options in readings {
        do {
            let table = try CSVDataset.parse(text, source: "fuzz-input", options: options)
            precondition(table.count > 0 && table.featureCount > 0)
            precondition(table.features.count == table.count * table.featureCount)
            precondition(table.features.allSatisfy(\.isFinite), "a non-finite feature was accepted")
            precondition(table.labels.allSatisfy { (0..<max(table.classCount, 1)).contains($0) })
            let scaled = FeatureScaling(.standard, fittedTo: table).applied(to: table)
            precondition(scaled.count == table.count)
            if let (training, test) = try? table.split(testFraction: 0.3, seed: 1) {
                precondition(training.count + test.count == table.count)
            }
            outcome.append("csv: \(table.count) × \(table.featureCount), \(table.classCount) classes")
        } catch {
            precondition(!error.description.isEmpty)
            outcome.append("csv: \(error.description)")
        }
    }
    return outcome
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size > 0 && data != nil ? [UInt8](UnsafeBufferPointer(start: data, count: size)) : []
    fuzzTables(bytes)
    return 0
}
#else
import _ANNFuzzReplay

@main
enum ReplayTables {
    static func main() {
        replay(name: "ann-fuzz-tables") { fuzzTables($0) }
    }
}
#endif
