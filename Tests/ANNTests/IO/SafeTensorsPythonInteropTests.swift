import Foundation
import Testing
@testable import ANN

/// Checks the files against the reference implementation, where it is installed
/// (`pip install safetensors numpy`); skipped otherwise.
@Suite("safetensors interoperability with Python", .enabled(if: PythonSafeTensors.isAvailable, "needs python3 with safetensors and numpy"))
struct SafeTensorsPythonInteropTests {
    @Test func pythonReadsOurFiles() throws {
        let directory = try IOTestDirectory()
        defer { directory.remove() }
        let path = directory.file("swift.safetensors")
        let sample = SafeTensorsEncodingTests.sample
        try sample.write(to: path)

        let output = try PythonSafeTensors.run(
            """
            import json, sys
            from safetensors import safe_open
            result = {}
            with safe_open(sys.argv[1], framework="numpy") as f:
                result["__metadata__"] = f.metadata()
                for name in f.keys():
                    array = f.get_tensor(name)
                    result[name] = {"dtype": str(array.dtype), "shape": list(array.shape),
                                    "bits": array.reshape(-1).view("<u4").tolist()}
            print(json.dumps(result))
            """, path)
        let loaded = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        #expect(loaded["__metadata__"] as? [String: String] == sample.metadata)
        for tensor in sample.tensors {
            let entry = try #require(loaded[tensor.name] as? [String: Any], "\(tensor.name)")
            #expect(entry["dtype"] as? String == "float32")
            #expect(entry["shape"] as? [Int] == tensor.shape)
            #expect(entry["bits"] as? [UInt32] == tensor.values.map(\.bitPattern))
        }
        #expect(loaded.count == sample.tensors.count + 1)
    }

    @Test func weReadPythonsFiles() throws {
        let directory = try IOTestDirectory()
        defer { directory.remove() }
        let path = directory.file("python.safetensors")
        _ = try PythonSafeTensors.run(
            """
            import sys, numpy as np
            from safetensors.numpy import save_file
            save_file({
                "w": np.arange(6, dtype=np.float32).reshape(2, 3) / 4,
                "b": np.array([-1.5, 2.0], dtype=np.float32),
                "s": np.array(3.25, dtype=np.float32),
            }, sys.argv[1], metadata={"note": "from \\"python\\" ✓"})
            """, path)
        let file = try SafeTensors.read(from: path)
        #expect(file.metadata == ["note": "from \"python\" ✓"])
        #expect(file.tensor(named: "w") == Tensor(name: "w", shape: [2, 3], values: [0, 0.25, 0.5, 0.75, 1, 1.25]))
        #expect(file.tensor(named: "b") == Tensor(name: "b", shape: [2], values: [-1.5, 2]))
        #expect(file.tensor(named: "s") == Tensor(name: "s", shape: [], values: [3.25]))
        #expect(Set(file.tensors.map(\.name)) == ["w", "b", "s"])
    }
}

enum PythonSafeTensors {
    static let isAvailable: Bool = (try? run("import safetensors, numpy")) != nil

    /// Runs `script` with `python3`, passing `arguments`; returns standard output.
    @discardableResult
    static func run(_ script: String, _ arguments: String...) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw PythonFailure(status: process.terminationStatus, message: String(decoding: errorText, as: UTF8.self))
        }
        return String(decoding: data, as: UTF8.self)
    }

    struct PythonFailure: Error {
        let status: Int32
        let message: String
    }
}
