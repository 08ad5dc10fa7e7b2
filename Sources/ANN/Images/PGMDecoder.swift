/// Netpbm greyscale images: `P5` (binary) and `P2` (ASCII), with a maximum
/// value of at most 255. Values are rescaled to 0...255 when the maximum is
/// lower. `#` comments may appear between header fields.
enum PGMDecoder {
    static func decode(_ bytes: [UInt8], source: String) throws(DataError) -> GreyImage {
        var scanner = Scanner(bytes: bytes, source: source)
        let binary = bytes[1] == UInt8(ascii: "5")
        scanner.position = 2
        let width = try scanner.headerNumber("width")
        let height = try scanner.headerNumber("height")
        let maximum = try scanner.headerNumber("maximum value")
        guard maximum >= 1 else {
            throw DataError(file: source, reason: "the PGM maximum value is 0; it must be 1...255")
        }
        guard maximum <= 255 else {
            throw DataError(file: source, reason: "16-bit PGM (maximum value \(maximum)) is not supported; only 8-bit (maximum at most 255)")
        }
        try ImageDecoder.checkSize(width: width, height: height, source: source)
        let count = width * height

        var pixels: [UInt8]
        if binary {
            // Exactly one whitespace byte separates the header from the data.
            guard scanner.position < bytes.count else {
                throw DataError(file: source, reason: "truncated PGM: no pixel data after the header")
            }
            guard Scanner.isSpace(bytes[scanner.position]) else {
                throw DataError(file: source, reason: "malformed PGM: the maximum value must be followed by one whitespace byte")
            }
            let start = scanner.position + 1
            let available = bytes.count - start
            guard available >= count else {
                throw DataError(
                    file: source,
                    reason: "truncated PGM: \(width) × \(height) needs \(count) bytes of pixels, the file holds \(available)")
            }
            pixels = Array(bytes[start..<(start + count)])
            if let index = pixels.firstIndex(where: { Int($0) > maximum }) {
                throw DataError(file: source, reason: "pixel \(index) is \(pixels[index]), above the maximum value \(maximum)")
            }
        } else {
            // At least two characters per value ("0 "), except the last:
            // refuse an impossible claim before reserving memory for it.
            guard (bytes.count - scanner.position) / 2 + 1 >= count else {
                throw DataError(
                    file: source,
                    reason: "truncated PGM: \(width) × \(height) needs \(count) values, the file is too short to hold them")
            }
            pixels = []
            pixels.reserveCapacity(count)
            for index in 0..<count {
                guard let value = try scanner.number(allowComments: false) else {
                    throw DataError(
                        file: source,
                        reason: "truncated PGM: \(width) × \(height) needs \(count) values, the file holds \(index)")
                }
                guard value <= maximum else {
                    throw DataError(file: source, reason: "pixel \(index) is \(value), above the maximum value \(maximum)")
                }
                pixels.append(UInt8(value))
            }
        }
        if maximum != 255 {
            for i in pixels.indices {
                pixels[i] = UInt8((Int(pixels[i]) * 255 + maximum / 2) / maximum)
            }
        }
        return GreyImage(width: width, height: height, pixels: pixels)
    }

    /// Reads whitespace-separated decimal numbers.
    struct Scanner {
        let bytes: [UInt8]
        let source: String
        var position = 0

        static func isSpace(_ byte: UInt8) -> Bool {
            byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0B || byte == 0x0C
        }

        /// A header field, which must be there.
        mutating func headerNumber(_ name: String) throws(DataError) -> Int {
            guard let value = try number(allowComments: true) else {
                throw DataError(file: source, reason: "truncated PGM header: the \(name) is missing")
            }
            return value
        }

        /// The next number, or nil at the end of the bytes.
        mutating func number(allowComments: Bool) throws(DataError) -> Int? {
            while position < bytes.count {
                let byte = bytes[position]
                if Self.isSpace(byte) {
                    position += 1
                } else if byte == UInt8(ascii: "#") && allowComments {
                    while position < bytes.count && bytes[position] != 0x0A && bytes[position] != 0x0D {
                        position += 1
                    }
                } else {
                    break
                }
            }
            guard position < bytes.count else { return nil }
            var value = 0
            var digits = 0
            while position < bytes.count, bytes[position] >= UInt8(ascii: "0"), bytes[position] <= UInt8(ascii: "9") {
                value = value * 10 + Int(bytes[position] - UInt8(ascii: "0"))
                digits += 1
                position += 1
                guard value <= 1 << 31 else {
                    throw DataError(file: source, reason: "a number in the PGM file is too large (more than 2³¹)")
                }
            }
            guard digits > 0 else {
                throw DataError(
                    file: source,
                    reason: "malformed PGM: expected a number at byte \(position), found \(Self.describe(bytes[position]))")
            }
            if position < bytes.count && !Self.isSpace(bytes[position]) && !(allowComments && bytes[position] == UInt8(ascii: "#")) {
                throw DataError(
                    file: source,
                    reason: "malformed PGM: unexpected \(Self.describe(bytes[position])) after a number at byte \(position)")
            }
            return value
        }

        static func describe(_ byte: UInt8) -> String {
            byte >= 0x21 && byte < 0x7F ? "\"\(Character(Unicode.Scalar(byte)))\"" : "byte 0x" + String(byte, radix: 16)
        }
    }
}
