/// A named array of 32-bit floats with a shape, as stored in a safetensors file.
public struct Tensor: Sendable, Equatable {
    /// The tensor's key in the file, e.g. "layers.0.weight".
    public var name: String
    /// The size of each dimension; empty for a scalar.
    public var shape: [Int]
    /// The elements in row-major order; their count is the product of `shape`.
    public var values: [Float]

    /// Creates a tensor; `values.count` should equal the product of `shape`.
    public init(name: String, shape: [Int], values: [Float]) {
        self.name = name
        self.shape = shape
        self.values = values
    }

    /// The number of elements `shape` calls for, or nil when a dimension is
    /// negative or the product overflows.
    var elementCountOfShape: Int? {
        var count = 1
        for dimension in shape {
            guard dimension >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow else { return nil }
            count = product
        }
        return count
    }
}
