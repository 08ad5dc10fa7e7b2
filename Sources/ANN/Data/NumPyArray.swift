/// An array read from a NumPy `.npy` file: its shape and its elements in C
/// order (last index fastest), little-endian, converted on request. Files in
/// Fortran order (`np.save` of a transposed view) or big-endian are turned
/// into that form as they are read.
///
/// Every claim of the header is checked against the file's real size before
/// the data is allocated, so a damaged or hostile file fails with a message
/// naming it instead of exhausting memory.
public struct NumPyArray: Sendable {
    /// Every dimension, outermost first: `[150, 4]` for 150 samples of 4 features.
    public let shape: [Int]
    /// How each element is stored.
    public let elementType: NumPyElementType
    /// The data bytes, `shape`'s product times `elementType.size`.
    let bytes: [UInt8]

    /// Number of elements.
    public var count: Int { bytes.count / elementType.size }

    /// Reads the `.npy` file at `path`.
    ///
    /// - Throws: ``DataError`` naming `path` when the file is missing, is not
    ///   `.npy`, holds an unsupported dtype, or its size disagrees with its
    ///   header.
    public static func read(at path: String) throws(DataError) -> NumPyArray {
        try decode(from: ReadOnlyFile(path: path))
    }

    /// Decodes a whole `.npy` file already in memory, with the same checks as
    /// ``read(at:)``; `source` names the bytes in errors. For tools inside
    /// this package (the fuzz targets) that have bytes, not a path.
    package static func decode(_ bytes: [UInt8], source: String) throws(DataError) -> NumPyArray {
        try decode(from: InMemoryBytes(bytes, source: source))
    }

    private static func decode(from file: some IDXByteSource) throws(DataError) -> NumPyArray {
        let path = file.path
        func fail(_ fault: NumPyHeaderFault) -> DataError { DataError(file: path, reason: fault.reason) }
        func bytes(_ count: Int) throws(DataError) -> [UInt8] { try file.read(upTo: count) }
        let header: NumPyHeader
        do throws(NumPyHeaderFault) {
            let prefix = try readOrFault { () throws(DataError) in try bytes(NumPyHeader.prefixSize) }
            let (start, length) = try NumPyHeader.dictionaryRange(prefix: prefix) { () throws(NumPyHeaderFault) in
                try readOrFault { () throws(DataError) in try bytes(2) }
            }
            guard length <= NumPyHeader.maximumDictionarySize, start + length <= file.size else {
                throw NumPyHeaderFault(
                    "the header claims to be \(length) bytes long; the file holds \(file.size) bytes in all")
            }
            let dictionary = try readOrFault { () throws(DataError) in try bytes(length) }
            header = try NumPyHeader(dictionary: dictionary, dataOffset: start + length)
        } catch {
            if let cause = error.cause { throw cause }
            throw fail(error)
        }
        let present = file.size - header.dataOffset
        guard present == header.dataSize else {
            throw DataError(
                file: path,
                reason: present < header.dataSize
                    ? "truncated: header claims \(header.description) = \(header.dataSize) bytes of data, but only \(present) are there"
                    : "header claims \(header.description) = \(header.dataSize) bytes of data, but \(present) follow it")
        }
        var data = try bytes(header.dataSize)
        guard data.count == header.dataSize else {
            throw DataError(file: path, reason: "truncated while reading: \(data.count) of \(header.dataSize) bytes of data")
        }
        let size = header.elementType.size
        if header.isBigEndian { reverseEachElement(&data, elementSize: size) }
        // An empty array has nothing to move (and its strides may overflow: (2³¹, 2³¹, 0)).
        if header.isColumnMajor, !data.isEmpty { data = rowMajor(columnMajor: data, shape: header.shape, elementSize: size) }
        return NumPyArray(shape: header.shape, elementType: header.elementType, bytes: data)
    }

    /// Big-endian elements made little-endian, in place.
    private static func reverseEachElement(_ data: inout [UInt8], elementSize: Int) {
        data.withUnsafeMutableBytes { raw in
            for start in stride(from: 0, to: raw.count, by: elementSize) {
                var low = start, high = start + elementSize - 1
                while low < high {
                    raw.swapAt(low, high)
                    low += 1
                    high -= 1
                }
            }
        }
    }

    /// The elements of a Fortran-order array (first index fastest) in C
    /// order (last index fastest): the target is walked in order while an
    /// odometer over the indices follows the source's strides.
    static func rowMajor(columnMajor data: [UInt8], shape: [Int], elementSize: Int) -> [UInt8] {
        var strides = [Int](repeating: elementSize, count: shape.count)
        for axis in shape.indices.dropFirst() { strides[axis] = strides[axis - 1] * shape[axis - 1] }
        var index = [Int](repeating: 0, count: shape.count), source = 0
        var result = [UInt8](repeating: 0, count: data.count)
        data.withUnsafeBytes { from in
            result.withUnsafeMutableBytes { to in
                guard let from = from.baseAddress, let to = to.baseAddress else { return }
                for target in stride(from: 0, to: data.count, by: elementSize) {
                    (to + target).copyMemory(from: from + source, byteCount: elementSize)
                    var axis = shape.count - 1
                    while axis >= 0 {
                        index[axis] += 1
                        source += strides[axis]
                        if index[axis] < shape[axis] { break }
                        source -= strides[axis] * shape[axis]
                        index[axis] = 0
                        axis -= 1
                    }
                }
            }
        }
        return result
    }

    /// Runs a read whose ``DataError`` (a failing read of the file itself)
    /// is carried through the header fault unchanged.
    private static func readOrFault(_ read: () throws(DataError) -> [UInt8]) throws(NumPyHeaderFault) -> [UInt8] {
        do throws(DataError) {
            return try read()
        } catch {
            throw NumPyHeaderFault(error)
        }
    }

    /// Every element as a `Float` (float64 and wide integers rounded), in file order.
    public func floatValues() -> [Float] {
        bytes.withUnsafeBytes { raw in
            (0..<count).map { index in
                let offset = index * elementType.size
                return switch elementType {
                case .float32: Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
                case .float64: Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))))
                case .uint64: Float(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
                default: Float(integer(raw, at: offset) ?? 0)
                }
            }
        }
    }

    /// Every element as an `Int`, in file order; nil for float elements or a
    /// uint64 beyond `Int.max`.
    public func integerValues() -> [Int]? {
        guard !elementType.isFloatingPoint else { return nil }
        return bytes.withUnsafeBytes { raw in
            var values: [Int] = []
            values.reserveCapacity(count)
            for index in 0..<count {
                guard let value = integer(raw, at: index * elementType.size) else { return nil }
                values.append(value)
            }
            return values
        }
    }

    /// The integer element at byte `offset`; nil for a uint64 beyond `Int.max`.
    private func integer(_ raw: UnsafeRawBufferPointer, at offset: Int) -> Int? {
        switch elementType {
        case .int8: Int(raw.loadUnaligned(fromByteOffset: offset, as: Int8.self))
        case .int16: Int(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int16.self)))
        case .int32: Int(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int32.self)))
        case .int64: Int(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int64.self)))
        case .uint8, .bool: Int(raw.loadUnaligned(fromByteOffset: offset, as: UInt8.self))
        case .uint16: Int(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
        case .uint32: Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
        case .uint64: Int(exactly: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
        case .float32, .float64: nil
        }
    }
}
