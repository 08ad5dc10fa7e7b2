import CZlib

/// PNG images with 8 bits per sample: greyscale, greyscale + alpha, RGB and
/// RGBA, not interlaced, all five row filters. Every chunk's CRC is checked,
/// and so is the zlib checksum of the image data.
enum PNGDecoder {
    struct Header {
        var width: Int
        var height: Int
        var colourType: PNGFormat.ColourType
        /// Bytes per row of image data, without the filter byte.
        var rowBytes: Int { width * colourType.channels }
    }

    static func decode(_ bytes: [UInt8], source: String) throws(DataError) -> GreyImage {
        func fault(_ reason: String) -> DataError { DataError(file: source, reason: reason) }

        var position = PNGFormat.signature.count
        var header: Header?
        var compressed: [UInt8] = []
        var sawEnd = false
        var chunkCount = 0
        while position < bytes.count {
            // Length, type and CRC take 12 bytes around the data.
            guard bytes.count - position >= 12 else {
                throw fault("truncated PNG: a chunk at byte \(position) is cut off")
            }
            let length = Int(PNGFormat.readUInt32(bytes, at: position))
            guard length <= Int(Int32.max) else {
                throw fault("corrupt PNG: a chunk at byte \(position) claims \(length) bytes, more than PNG allows")
            }
            let typeStart = position + 4
            let dataStart = typeStart + 4
            guard bytes.count - dataStart - 4 >= length else {
                throw fault("truncated PNG: a chunk at byte \(position) claims \(length) bytes, but the file ends first")
            }
            let dataEnd = dataStart + length
            let typeBytes = bytes[typeStart..<dataStart]
            guard typeBytes.allSatisfy({ ($0 | 0x20) >= UInt8(ascii: "a") && ($0 | 0x20) <= UInt8(ascii: "z") }) else {
                throw fault("corrupt PNG: the chunk at byte \(position) has an invalid type")
            }
            let type = String(decoding: typeBytes, as: UTF8.self)
            let stored = PNGFormat.readUInt32(bytes, at: dataEnd)
            guard stored == PNGFormat.crc(bytes[typeStart..<dataEnd]) else {
                throw fault("corrupt PNG: CRC mismatch in the \(type) chunk at byte \(position)")
            }
            if chunkCount == 0 && type != "IHDR" {
                throw fault("corrupt PNG: the first chunk is \(type), not IHDR")
            }
            switch type {
            case "IHDR":
                guard chunkCount == 0 else { throw fault("corrupt PNG: a second IHDR chunk at byte \(position)") }
                header = try parseHeader(bytes[dataStart..<dataEnd], source: source)
            case "IDAT":
                compressed += bytes[dataStart..<dataEnd]
            case "IEND":
                sawEnd = true
            case "PLTE":
                // A suggested palette for true-colour images; not needed here.
                break
            default:
                // Bit 5 of the first letter clear (upper case) marks a chunk
                // that a decoder must understand to show the image.
                if typeBytes.first.map({ $0 & 0x20 == 0 }) == true {
                    throw fault("unsupported PNG: unknown critical chunk \(type)")
                }
            }
            position = dataEnd + 4
            chunkCount += 1
            if sawEnd { break }
        }
        guard let header else { throw fault("truncated PNG: no IHDR chunk after the signature") }
        guard !compressed.isEmpty else { throw fault("corrupt PNG: no IDAT (image data) chunk") }
        guard sawEnd else { throw fault("truncated PNG: no IEND chunk (the file is cut off)") }

        let stride = header.rowBytes + 1
        var raw = try inflate(compressed, expected: header.height * stride, header: header, source: source)
        try unfilter(&raw, header: header, source: source)
        return GreyImage(width: header.width, height: header.height, pixels: grey(raw, header: header))
    }

    /// Checks IHDR and refuses the variants this decoder does not handle.
    private static func parseHeader(_ data: ArraySlice<UInt8>, source: String) throws(DataError) -> Header {
        func fault(_ reason: String) -> DataError { DataError(file: source, reason: reason) }
        guard data.count == 13 else {
            throw fault("corrupt PNG: the IHDR chunk holds \(data.count) bytes instead of 13")
        }
        let fields = Array(data)
        let width = Int(PNGFormat.readUInt32(fields, at: 0))
        let height = Int(PNGFormat.readUInt32(fields, at: 4))
        let depth = fields[8], colourCode = fields[9]
        let (compression, filterMethod, interlace) = (fields[10], fields[11], fields[12])

        guard let colourType = PNGFormat.ColourType(rawValue: colourCode) else {
            throw fault("corrupt PNG: unknown colour type \(colourCode)")
        }
        guard depth != 16 else {
            throw fault("16-bit PNG is not supported; save the image with 8 bits per sample")
        }
        if colourType == .palette {
            throw fault("palette (indexed-colour) PNG is not supported; save the image as 8-bit greyscale or RGB")
        }
        guard depth == 8 else {
            if colourType == .grey && [1, 2, 4].contains(depth) {
                throw fault("\(depth)-bit greyscale PNG is not supported; save the image with 8 bits per sample")
            }
            throw fault("corrupt PNG: bit depth \(depth) is not valid for colour type \(colourCode)")
        }
        guard compression == 0 else { throw fault("corrupt PNG: unknown compression method \(compression)") }
        guard filterMethod == 0 else { throw fault("corrupt PNG: unknown filter method \(filterMethod)") }
        guard interlace == 0 else {
            if interlace == 1 {
                throw fault("interlaced (Adam7) PNG is not supported; save the image without interlacing")
            }
            throw fault("corrupt PNG: unknown interlace method \(interlace)")
        }
        try ImageDecoder.checkSize(width: width, height: height, source: source)
        return Header(width: width, height: height, colourType: colourType)
    }

    /// Decompresses the image data, which must be exactly `expected` bytes.
    private static func inflate(
        _ compressed: [UInt8], expected: Int, header: Header, source: String
    ) throws(DataError) -> [UInt8] {
        func fault(_ reason: String) -> DataError { DataError(file: source, reason: reason) }
        // One spare byte shows whether the stream holds more than it should.
        var output = [UInt8](repeating: 0, count: expected + 1)
        // zlib keeps a pointer back to its z_stream, which must not move.
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer {
            stream.deinitialize(count: 1)
            stream.deallocate()
        }
        guard inflateInit_(stream, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw fault("cannot start decompressing the image data")
        }
        defer { inflateEnd(stream) }

        let (status, produced) = compressed.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                // The file is at most 256 MiB and the output at most
                // 5 × 2²⁴ + 1 bytes: both counts fit zlib's 32 bits.
                stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
                stream.pointee.avail_in = UInt32(input.count)
                stream.pointee.next_out = out.baseAddress
                stream.pointee.avail_out = UInt32(out.count)
                let status = CZlib.inflate(stream, Z_FINISH)
                return (status, out.count - Int(stream.pointee.avail_out))
            }
        }
        let size = "\(header.width) × \(header.height) needs \(expected) bytes of image data"
        if produced > expected && (status == Z_STREAM_END || status == Z_BUF_ERROR || status == Z_OK) {
            throw fault("corrupt PNG: more image data than \(size)")
        }
        switch status {
        case Z_STREAM_END where produced == expected:
            output.removeLast()
            return output
        case Z_STREAM_END:
            throw fault("truncated PNG image data: \(size), the compressed stream holds \(produced)")
        case Z_BUF_ERROR, Z_OK:
            throw fault("truncated PNG image data: the compressed stream ends early (\(size), got \(produced))")
        case Z_MEM_ERROR:
            throw fault("out of memory while decompressing the image data")
        case Z_NEED_DICT:
            throw fault("corrupt PNG image data: the stream asks for a preset dictionary")
        default:
            let message = stream.pointee.msg.map { String(cString: $0) } ?? "zlib status \(status)"
            throw fault("corrupt PNG image data (\(message))")
        }
    }

    /// Undoes the per-row filters in place; afterwards each row's bytes
    /// (after its filter byte) are the raw samples.
    private static func unfilter(_ raw: inout [UInt8], header: Header, source: String) throws(DataError) {
        let rowBytes = header.rowBytes
        let stride = rowBytes + 1
        let bpp = header.colourType.channels
        let failure: DataError? = raw.withUnsafeMutableBufferPointer { buffer in
            for row in 0..<header.height {
                let start = row * stride + 1
                let above = start - stride  // valid only for row > 0
                let code = buffer[start - 1]
                guard let filter = PNGFormat.Filter(rawValue: code) else {
                    return DataError(file: source, reason: "corrupt PNG: unknown filter type \(code) in row \(row)")
                }
                switch filter {
                case .none:
                    break
                case .sub:
                    for i in bpp..<max(bpp, rowBytes) {
                        buffer[start + i] &+= buffer[start + i - bpp]
                    }
                case .up:
                    guard row > 0 else { break }
                    for i in 0..<rowBytes {
                        buffer[start + i] &+= buffer[above + i]
                    }
                case .average:
                    for i in 0..<rowBytes {
                        let left = i >= bpp ? Int(buffer[start + i - bpp]) : 0
                        let up = row > 0 ? Int(buffer[above + i]) : 0
                        buffer[start + i] &+= UInt8((left + up) / 2)
                    }
                case .paeth:
                    for i in 0..<rowBytes {
                        let left = i >= bpp ? buffer[start + i - bpp] : 0
                        let up = row > 0 ? buffer[above + i] : 0
                        let upLeft = row > 0 && i >= bpp ? buffer[above + i - bpp] : 0
                        buffer[start + i] &+= PNGFormat.paeth(left, up, upLeft)
                    }
                }
            }
            return nil
        }
        if let failure { throw failure }
    }

    /// One grey byte per pixel from the unfiltered rows.
    private static func grey(_ raw: [UInt8], header: Header) -> [UInt8] {
        let stride = header.rowBytes + 1
        let channels = header.colourType.channels
        var pixels = [UInt8](repeating: 0, count: header.width * header.height)
        raw.withUnsafeBufferPointer { raw in
            pixels.withUnsafeMutableBufferPointer { pixels in
                for row in 0..<header.height {
                    let start = row * stride + 1
                    for x in 0..<header.width {
                        let p = start + x * channels
                        let value: Int
                        switch header.colourType {
                        case .grey, .palette:
                            value = Int(raw[p])
                        case .greyAlpha:
                            value = overBlack(Int(raw[p]), alpha: Int(raw[p + 1]))
                        case .rgb:
                            value = luma(raw[p], raw[p + 1], raw[p + 2])
                        case .rgba:
                            value = overBlack(luma(raw[p], raw[p + 1], raw[p + 2]), alpha: Int(raw[p + 3]))
                        }
                        pixels[row * header.width + x] = UInt8(value)
                    }
                }
            }
        }
        return pixels
    }

    /// ITU-R BT.601 luma, rounded: 0.299 R + 0.587 G + 0.114 B.
    @inline(__always)
    static func luma(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> Int {
        (299 * Int(r) + 587 * Int(g) + 114 * Int(b) + 500) / 1000
    }

    /// A value blended over a black background by its alpha.
    @inline(__always)
    static func overBlack(_ value: Int, alpha: Int) -> Int {
        (value * alpha + 127) / 255
    }
}
