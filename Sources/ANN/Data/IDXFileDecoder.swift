/// Reads one IDX file, raw or gzip-compressed, from disk or from memory,
/// checking every claim its header makes against what the file really holds
/// before allocating for the data.
enum IDXFileDecoder {
    /// The first two bytes of every gzip file. The format is told by content,
    /// not by name, so a renamed file still loads.
    static let gzipMagic: [UInt8] = [0x1f, 0x8b]

    /// Deflate cannot expand data more than about 1032:1, so a header that
    /// promises more than this many bytes per compressed byte is lying.
    static let maximumExpansion = 1100

    /// The most a gzip file may decompress to, since its real size is unknown
    /// until it has been inflated.
    static let maximumDecompressedSize = 4 << 30

    /// Decodes the IDX file at `path`, which must hold `content`.
    static func decode(
        path: String, content: IDXContent
    ) throws(DataError) -> (header: IDXHeader, data: [UInt8]) {
        try decode(ReadOnlyFile(path: path), content: content)
    }

    /// Decodes a whole IDX file already in memory, which must hold `content`;
    /// `source` names it in errors. The same checks as for a file on disk.
    static func decode(
        bytes: [UInt8], source: String, content: IDXContent
    ) throws(DataError) -> (header: IDXHeader, data: [UInt8]) {
        try decode(InMemoryBytes(bytes, source: source), content: content)
    }

    private static func decode(
        _ file: any IDXByteSource, content: IDXContent
    ) throws(DataError) -> (header: IDXHeader, data: [UInt8]) {
        guard file.size > 0 else {
            throw DataError(file: file.path, reason: "file is empty")
        }
        let isGzip = try file.read(upTo: gzipMagic.count) == gzipMagic
        try file.rewind()
        return isGzip
            ? try decodeGzip(file, content: content)
            : try decodeRaw(file, content: content)
    }

    private static func decodeRaw(
        _ file: any IDXByteSource, content: IDXContent
    ) throws(DataError) -> (header: IDXHeader, data: [UInt8]) {
        let header = try readHeader(content: content, file: file.path) { (count) throws(DataError) in
            try file.read(upTo: count)
        }
        // The file's size is the ground truth: a header claiming more than is
        // there is refused before the data buffer is allocated.
        if file.size < header.totalSize {
            throw DataError(
                file: file.path,
                reason: "truncated: header claims \(header.shapeDescription) = \(header.dataSize) bytes "
                    + "of data, but the file holds only \(file.size - header.size)")
        }
        if file.size > header.totalSize {
            throw DataError(
                file: file.path,
                reason: "\(file.size - header.totalSize) trailing bytes after the "
                    + "\(header.dataSize) bytes of data the header claims (\(header.shapeDescription))")
        }
        let data = try readData(header, file: file.path) { (buffer) throws(DataError) in
            try file.read(into: buffer)
        }
        return (header, data)
    }

    private static func decodeGzip(
        _ file: any IDXByteSource, content: IDXContent
    ) throws(DataError) -> (header: IDXHeader, data: [UInt8]) {
        let inflater = try GzipInflater(file: file)
        let header = try readHeader(content: content, file: file.path) { (count) throws(DataError) in
            try [UInt8](readingUpTo: count) { (buffer) throws(DataError) in try inflater.read(into: buffer) }
        }
        let (plausibleLimit, overflow) = file.size.multipliedReportingOverflow(by: maximumExpansion)
        let limit = overflow ? maximumDecompressedSize : min(plausibleLimit, maximumDecompressedSize)
        guard header.totalSize <= limit else {
            throw DataError(
                file: file.path,
                reason: "header claims \(header.shapeDescription) = \(header.dataSize) bytes of data, "
                    + "more than \(file.size) compressed bytes can hold (limit \(limit) bytes)")
        }
        let data = try readData(header, file: file.path) { (buffer) throws(DataError) in
            try inflater.read(into: buffer)
        }
        if try inflater.hasBytesLeft() {
            throw DataError(
                file: file.path,
                reason: "decompressed data holds trailing bytes after the "
                    + "\(header.dataSize) bytes the header claims (\(header.shapeDescription))")
        }
        return (header, data)
    }

    /// Reads the header through `readBytes`, which returns fewer bytes than
    /// asked only at the end of the data.
    private static func readHeader(
        content: IDXContent, file: String,
        _ readBytes: (Int) throws(DataError) -> [UInt8]
    ) throws(DataError) -> IDXHeader {
        let prefix = try readBytes(IDXHeader.prefixSize)
        let dimensionCount = try IDXHeader.dimensionCount(prefix: prefix, content: content, file: file)
        let dimensionBytes = try readBytes(4 * dimensionCount)
        guard dimensionBytes.count == 4 * dimensionCount else {
            throw DataError(
                file: file,
                reason: "truncated: the file ends inside the IDX header "
                    + "(\(dimensionCount) dimensions declared)")
        }
        return try IDXHeader(dimensionBytes: dimensionBytes, file: file)
    }

    /// Allocates exactly the claimed data size and fills it through `fill`,
    /// which returns fewer bytes than asked only when the data runs out.
    private static func readData(
        _ header: IDXHeader, file: String,
        _ fill: (UnsafeMutableRawBufferPointer) throws(DataError) -> Int
    ) throws(DataError) -> [UInt8] {
        let data = try [UInt8](readingUpTo: header.dataSize, from: fill)
        guard data.count == header.dataSize else {
            throw DataError(
                file: file,
                reason: "truncated: header claims \(header.shapeDescription) = "
                    + "\(header.dataSize) bytes of data, but only \(data.count) are there")
        }
        return data
    }
}
