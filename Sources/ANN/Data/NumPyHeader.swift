/// The validated header of a NumPy `.npy` file (format versions 1 to 3):
/// the magic `\x93NUMPY`, a version, a little-endian header length, then a
/// Python dict literal such as `{'descr': '<f4', 'fortran_order': False,
/// 'shape': (150, 4), }`.
struct NumPyHeader: Sendable, Equatable {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
    /// Magic, version and the 2-byte length of version 1.
    static let prefixSize = 10
    /// NumPy itself refuses longer headers unless told to trust the file.
    static let maximumDictionarySize = 1 << 16

    let elementType: NumPyElementType
    /// Every dimension, outermost first.
    let shape: [Int]
    /// Whether the elements are stored big-endian (`>` in `descr`).
    let isBigEndian: Bool
    /// Whether the data runs in Fortran (column-major) order, first index
    /// fastest, with more than one dimension above 1 (else both orders lay
    /// the bytes out alike).
    let isColumnMajor: Bool
    /// Bytes before the data: prefix plus dictionary.
    let dataOffset: Int
    /// The bytes of data the header promises.
    let dataSize: Int

    /// How long the prefix is and how long the dictionary after it, from the
    /// first 10 bytes (and 2 more for versions 2 and 3, which `more` gives).
    static func dictionaryRange(prefix: [UInt8], more: () throws(NumPyHeaderFault) -> [UInt8]) throws(NumPyHeaderFault) -> (start: Int, length: Int) {
        guard prefix.count == prefixSize else {
            throw NumPyHeaderFault("truncated: the file holds \(prefix.count) bytes, too few for a .npy header")
        }
        guard Array(prefix[0..<6]) == magic else {
            throw NumPyHeaderFault("not a .npy file: it does not start with \\x93NUMPY")
        }
        switch prefix[6] {
        case 1:
            return (prefixSize, Int(prefix[8]) | Int(prefix[9]) << 8)
        case 2, 3:
            let tail = try more()
            guard tail.count == 2 else { throw NumPyHeaderFault("truncated: the file ends inside the .npy header") }
            let length = Int(prefix[8]) | Int(prefix[9]) << 8 | Int(tail[0]) << 16 | Int(tail[1]) << 24
            return (prefixSize + 2, length)
        default:
            throw NumPyHeaderFault("unsupported .npy format version \(prefix[6]).\(prefix[7]); versions 1 to 3 are read")
        }
    }

    /// Parses the dictionary and works out the data size, refusing sizes
    /// that overflow. Whether the file holds that much is the caller's check.
    init(dictionary: [UInt8], dataOffset: Int) throws(NumPyHeaderFault) {
        guard let text = String(validating: dictionary, as: UTF8.self) else {
            throw NumPyHeaderFault("the .npy header is not text")
        }
        var parser = NumPyDictionaryParser(text)
        let entries = try parser.parse()
        guard case .string(let descr)? = entries["descr"] else {
            if entries["descr"] != nil { throw NumPyHeaderFault("structured dtypes are not supported; save a plain numeric array") }
            throw NumPyHeaderFault("the .npy header has no 'descr'")
        }
        guard case .boolean(let fortranOrder)? = entries["fortran_order"] else {
            throw NumPyHeaderFault("the .npy header has no 'fortran_order' True or False")
        }
        guard case .integers(let shape)? = entries["shape"] else {
            throw NumPyHeaderFault("the .npy header has no 'shape' tuple")
        }
        let (elementType, bigEndian) = try NumPyElementType.parse(descr).get()
        guard let elements = IDXHeader.checkedProduct(shape),
            case (let size, false) = elements.multipliedReportingOverflow(by: elementType.size),
            size <= Int.max - dataOffset
        else {
            throw NumPyHeaderFault("shape \(shape) of \(elementType.name) overflows a 64-bit size")
        }
        self.elementType = elementType
        self.shape = shape
        isBigEndian = bigEndian
        isColumnMajor = fortranOrder && shape.filter { $0 > 1 }.count > 1
        self.dataOffset = dataOffset
        self.dataSize = size
    }

    /// `150×4 float64`.
    var description: String {
        (shape.isEmpty ? "scalar" : shape.map(String.init).joined(separator: "×")) + " " + elementType.name
    }
}
