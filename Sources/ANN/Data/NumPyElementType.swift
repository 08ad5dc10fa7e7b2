/// The element types of a NumPy `.npy` array this package reads: floats and
/// integers of either byte order, named by the header's `descr` (`<f4`,
/// `>i8`, `|u1`…).
public enum NumPyElementType: Sendable, Equatable {
    case float32, float64
    case int8, int16, int32, int64
    case uint8, uint16, uint32, uint64
    case bool

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .int8, .uint8, .bool: 1
        case .int16, .uint16: 2
        case .float32, .int32, .uint32: 4
        case .float64, .int64, .uint64: 8
        }
    }

    /// Whether the elements are floating-point numbers.
    public var isFloatingPoint: Bool { self == .float32 || self == .float64 }

    /// NumPy's own name, for messages: `float32`, `int64`…
    public var name: String {
        switch self {
        case .float32: "float32"
        case .float64: "float64"
        case .int8: "int8"
        case .int16: "int16"
        case .int32: "int32"
        case .int64: "int64"
        case .uint8: "uint8"
        case .uint16: "uint16"
        case .uint32: "uint32"
        case .uint64: "uint64"
        case .bool: "bool"
        }
    }

    /// Reads a `descr` such as `<f4`, and whether its bytes are big-endian
    /// (`>`); the reason it is refused otherwise.
    static func parse(_ descr: String) -> Result<(type: NumPyElementType, bigEndian: Bool), NumPyHeaderFault> {
        let characters = Array(descr)
        guard characters.count >= 3, let size = Int(String(characters[2...])) else {
            return .failure(NumPyHeaderFault("unsupported dtype '\(descr)'"))
        }
        let order = characters[0], kind = characters[1]
        let found: NumPyElementType? = switch (kind, size) {
        case ("f", 4): .float32
        case ("f", 8): .float64
        case ("i", 1): .int8
        case ("i", 2): .int16
        case ("i", 4): .int32
        case ("i", 8): .int64
        case ("u", 1): .uint8
        case ("u", 2): .uint16
        case ("u", 4): .uint32
        case ("u", 8): .uint64
        case ("b", 1): .bool
        default: nil
        }
        guard let found else {
            return .failure(NumPyHeaderFault(
                "unsupported dtype '\(descr)'; use float32 or float64 features and integer labels"))
        }
        // '=' is the writer's native order: little-endian on every platform
        // this package builds for. '|' marks types with no byte order.
        guard order == "<" || order == "=" || order == "|" || order == ">" else {
            return .failure(NumPyHeaderFault("unsupported byte order '\(order)' in dtype '\(descr)'"))
        }
        return .success((found, order == ">" && size > 1))
    }
}

/// Why a `.npy` header was refused.
struct NumPyHeaderFault: Error {
    let reason: String
    /// A failure to read the file itself, passed on as it is.
    let cause: DataError?

    init(_ reason: String) {
        self.reason = reason
        cause = nil
    }

    init(_ cause: DataError) {
        reason = cause.reason
        self.cause = cause
    }
}
