/// An array read from a NumPy `.npy` file: its shape and its elements as the
/// file stores them (C order, little-endian), converted on request.
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
    ///   `.npy`, holds an unsupported dtype, is in Fortran order, or its size
    ///   disagrees with its header.
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
        let data = try bytes(header.dataSize)
        guard data.count == header.dataSize else {
            throw DataError(file: path, reason: "truncated while reading: \(data.count) of \(header.dataSize) bytes of data")
        }
        return NumPyArray(shape: header.shape, elementType: header.elementType, bytes: data)
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
