extension SafeTensors {
    /// Parses and validates safetensors bytes.
    ///
    /// Everything is checked before it is trusted: the header length against the
    /// file size, the JSON, each tensor's dtype, shape and offsets, and that the
    /// tensors tile the data section exactly, as the specification requires.
    /// No input makes this trap.
    ///
    /// - Parameters:
    ///   - bytes: The whole file.
    ///   - source: Names the bytes in errors, usually the file's path.
    /// - Returns: The contents, with tensors in the order of their data.
    public static func decode(_ bytes: [UInt8], source: String) throws(ModelFileError) -> SafeTensors {
        func fault(_ reason: String) -> ModelFileError { ModelFileError(file: source, reason: reason) }

        let lengthFieldSize = SafeTensorsLayout.lengthFieldSize
        guard bytes.count >= lengthFieldSize else {
            throw fault("file is \(bytes.count) bytes long, too short for the 8-byte header length")
        }
        let headerLength = bytes[0..<lengthFieldSize].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard headerLength <= SafeTensorsLayout.maximumHeaderLength else {
            throw fault("header length \(headerLength) exceeds the limit of 100 MB")
        }
        let bytesAfterLength = UInt64(bytes.count - lengthFieldSize)
        guard headerLength <= bytesAfterLength else {
            throw fault("header length \(headerLength) is larger than the \(bytesAfterLength) bytes that follow it")
        }
        // Both bounds were just checked, so these conversions cannot overflow.
        let dataStart = lengthFieldSize + Int(headerLength)
        let dataLength = bytes.count - dataStart

        let header: HeaderJSON
        do {
            header = try HeaderJSON.parse(bytes[lengthFieldSize..<dataStart])
        } catch {
            throw fault("header is not well-formed JSON: \(error.message)")
        }
        guard case .object(let members) = header else {
            throw fault("header is not a JSON object but \(header.kindName)")
        }

        var metadata: [String: String] = [:]
        var entries: [TensorEntry] = []
        for (position, member) in members.enumerated() {
            if member.key == SafeTensorsLayout.metadataKey {
                metadata = try decodeMetadata(member.value).get(or: fault)
            } else {
                entries.append(try TensorEntry.decode(member.key, member.value, position: position).get(or: fault))
            }
        }

        for entry in entries where entry.end > dataLength {
            throw fault(
                "tensor \(JSONText.quoted(entry.name)): data_offsets [\(entry.begin), \(entry.end)] "
                    + "lie outside the \(dataLength)-byte data section")
        }
        entries.sort { ($0.begin, $0.end, $0.position) < ($1.begin, $1.end, $1.position) }
        var covered = 0
        var previous: TensorEntry?
        for entry in entries {
            if entry.begin < covered, let previous {
                throw fault(
                    "tensors \(JSONText.quoted(previous.name)) and \(JSONText.quoted(entry.name)) overlap: "
                        + "\(JSONText.quoted(entry.name)) begins at byte \(entry.begin) "
                        + "but \(JSONText.quoted(previous.name)) ends at byte \(covered)")
            }
            if entry.begin > covered {
                throw fault(
                    "gap in the data section: bytes \(covered)..<\(entry.begin) belong to no tensor "
                        + "(before \(JSONText.quoted(entry.name)))")
            }
            covered = entry.end
            previous = entry
        }
        guard covered == dataLength else {
            throw fault(
                "\(dataLength - covered) trailing bytes after the last tensor: the tensors cover "
                    + "\(covered) of the \(dataLength) bytes of the data section")
        }

        let tensors = bytes.withUnsafeBytes { file in
            entries.map { entry in
                let start = dataStart + entry.begin
                return Tensor(
                    name: entry.name,
                    shape: entry.shape,
                    values: floats(fromLittleEndian: UnsafeRawBufferPointer(rebasing: file[start..<start + entry.byteCount])))
            }
        }
        return SafeTensors(tensors: tensors, metadata: metadata)
    }

    private static func decodeMetadata(_ json: HeaderJSON) -> Result<[String: String], DecodeFault> {
        guard case .object(let members) = json else {
            return .failure(DecodeFault("\(SafeTensorsLayout.metadataKey) is not an object but \(json.kindName)"))
        }
        var metadata: [String: String] = [:]
        for member in members {
            guard case .string(let value) = member.value else {
                return .failure(DecodeFault(
                    "\(SafeTensorsLayout.metadataKey) value for key \(JSONText.quoted(member.key)) "
                        + "is not a string but \(member.value.kindName)"))
            }
            metadata[member.key] = value
        }
        return .success(metadata)
    }
}

/// A reason found while decoding, before it is tied to the file's name.
private struct DecodeFault: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}

extension Result where Failure == DecodeFault {
    fileprivate func get(or fault: (String) -> ModelFileError) throws(ModelFileError) -> Success {
        switch self {
        case .success(let value): return value
        case .failure(let failure): throw fault(failure.reason)
        }
    }
}

/// One validated tensor description from the header.
private struct TensorEntry {
    let name: String
    let shape: [Int]
    let begin: Int
    let end: Int
    /// The member's position in the header, which orders tensors that share offsets.
    let position: Int

    var byteCount: Int { end - begin }

    static func decode(_ name: String, _ json: HeaderJSON, position: Int) -> Result<TensorEntry, DecodeFault> {
        let label = "tensor \(JSONText.quoted(name))"
        func fault(_ reason: String) -> Result<TensorEntry, DecodeFault> { .failure(DecodeFault("\(label): \(reason)")) }

        guard case .object(let members) = json else {
            return fault("description is not an object but \(json.kindName)")
        }
        func field(_ key: String) -> HeaderJSON? { members.first { $0.key == key }?.value }

        guard let dtypeField = field("dtype") else { return fault("missing \"dtype\"") }
        guard case .string(let dtype) = dtypeField else {
            return fault("dtype is not a string but \(dtypeField.kindName)")
        }
        guard dtype == SafeTensorsLayout.float32 else {
            return fault("dtype \(JSONText.quoted(dtype)) is not supported; only F32 is")
        }

        guard let shapeField = field("shape") else { return fault("missing \"shape\"") }
        guard case .array(let shapeElements) = shapeField else {
            return fault("shape is not an array but \(shapeField.kindName)")
        }
        var shape: [Int] = []
        for (index, element) in shapeElements.enumerated() {
            guard let dimension = element.nonNegativeInteger else {
                return fault("shape entry \(index) (\(element.textForError)) is not a non-negative integer")
            }
            shape.append(dimension)
        }

        guard let offsetsField = field("data_offsets") else { return fault("missing \"data_offsets\"") }
        guard case .array(let offsets) = offsetsField, offsets.count == 2,
              let begin = offsets[0].nonNegativeInteger, let end = offsets[1].nonNegativeInteger
        else {
            return fault("data_offsets must be two non-negative integers [begin, end], got \(offsetsField.textForError)")
        }
        guard begin <= end else { return fault("data_offsets [\(begin), \(end)] end before they begin") }

        var elementCount = 1
        for dimension in shape {
            let (product, overflow) = elementCount.multipliedReportingOverflow(by: dimension)
            guard !overflow else { return fault("shape \(shape) has more elements than can be counted") }
            elementCount = product
        }
        let (byteCount, overflow) = elementCount.multipliedReportingOverflow(by: SafeTensorsLayout.float32Size)
        guard !overflow else { return fault("shape \(shape) needs more bytes than can be counted") }
        guard byteCount == end - begin else {
            return fault(
                "shape \(shape) has \(elementCount) elements (\(byteCount) bytes) "
                    + "but data_offsets [\(begin), \(end)] span \(end - begin) bytes")
        }
        return .success(TensorEntry(name: name, shape: shape, begin: begin, end: end, position: position))
    }
}

extension HeaderJSON {
    /// The value as an `Int` when it is a plain non-negative integer literal that fits.
    fileprivate var nonNegativeInteger: Int? {
        guard case .number(let text) = self,
              text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        else { return nil }
        return Int(text)
    }

    /// A short rendering of the value for error messages.
    fileprivate var textForError: String {
        switch self {
        case .number(let text): text
        case .string(let text): JSONText.quoted(String(text.prefix(40)))
        case .bool(let value): String(value)
        case .null: "null"
        case .array(let elements): "an array of \(elements.count) elements"
        case .object: "an object"
        }
    }
}

/// Reads little-endian IEEE 754 binary32 values, bit for bit.
private func floats(fromLittleEndian data: UnsafeRawBufferPointer) -> [Float] {
    let count = data.count / SafeTensorsLayout.float32Size
    return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
        #if _endian(little)
        if count > 0, let source = data.baseAddress, let destination = buffer.baseAddress {
            UnsafeMutableRawPointer(destination).copyMemory(from: source, byteCount: count * SafeTensorsLayout.float32Size)
        }
        #else
        for index in 0..<count {
            let bits = data.loadUnaligned(fromByteOffset: index * SafeTensorsLayout.float32Size, as: UInt32.self)
            buffer[index] = Float(bitPattern: UInt32(littleEndian: bits))
        }
        #endif
        initialized = count
    }
}
