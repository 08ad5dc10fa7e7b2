import Foundation
import Testing

@testable import ANN

/// Files written by numpy itself, where it is installed; skipped otherwise.
@Suite("NumPy .npy files numpy writes", .enabled(if: NumPyInterop.isAvailable, "needs python3 with numpy"))
struct NumPyInteropTests {
    @Test("every supported dtype, both header versions, both orders and byte orders")
    func numpyWrites() throws {
        let scratch = try ScratchDirectory()
        try PythonSafeTensors.run(
            """
            import sys, numpy as np
            from numpy.lib import format
            d = sys.argv[1]
            x = np.arange(12, dtype=np.float64).reshape(3, 4) / 4
            for t in ["<f4", "<f8", "<i1", "<i2", "<i4", "<i8", "|u1", "<u2", "<u4", "<u8", "|b1"]:
                np.save(d + "/" + t.strip("<|") + ".npy", (x * 4 % 2 == 0) if t == "|b1" else x.astype(t) if t[1] == "f" else (x * 4).astype(t))
            with open(d + "/v2.npy", "wb") as f:
                format.write_array(f, x.astype("<f4"), version=(2, 0))
            np.save(d + "/fortran.npy", np.asfortranarray(x))
            np.save(d + "/transposed.npy", np.ascontiguousarray(x.T))
            np.save(d + "/view.npy", x.T)
            np.save(d + "/big.npy", x.astype(">f8"))
            """, scratch.path)
        let expected = (0..<12).map { Float($0) / 4 }
        for name in ["f4", "f8", "v2"] {
            let array = try NumPyArray.read(at: scratch.file(name + ".npy"))
            #expect(array.shape == [3, 4])
            #expect(array.floatValues() == expected, "\(name)")
        }
        for name in ["i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8"] {
            #expect(try NumPyArray.read(at: scratch.file(name + ".npy")).integerValues() == Array(0..<12), "\(name)")
        }
        #expect(try NumPyArray.read(at: scratch.file("b1.npy")).integerValues() == (0..<12).map { $0 % 2 == 0 ? 1 : 0 })
        let transposed = try NumPyArray.read(at: scratch.file("transposed.npy"))
        #expect(transposed.shape == [4, 3])
        #expect(transposed.floatValues().prefix(3) == [0, 1, 2])
        // np.save keeps a Fortran-ordered array (or a transposed view) in that
        // order; the reader turns it into C order.
        let fortran = try NumPyArray.read(at: scratch.file("fortran.npy"))
        #expect(fortran.shape == [3, 4] && fortran.floatValues() == expected)
        let view = try NumPyArray.read(at: scratch.file("view.npy"))
        #expect(view.shape == [4, 3] && view.floatValues() == transposed.floatValues())
        let big = try NumPyArray.read(at: scratch.file("big.npy"))
        #expect(big.shape == [3, 4] && big.floatValues() == expected)
    }
}

enum NumPyInterop {
    static let isAvailable: Bool = (try? PythonSafeTensors.run("import numpy")) != nil
}
