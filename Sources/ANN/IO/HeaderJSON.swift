/// A JSON value from a safetensors header.
///
/// A parser of its own rather than Foundation's, so that every rule the
/// header must obey is checked here: integers are kept as their literal text
/// (no silent rounding through `Double`), duplicate keys are refused, member
/// order is kept, and nesting depth is bounded so hostile input cannot
/// exhaust the stack.
enum HeaderJSON: Sendable {
    case object([(key: String, value: HeaderJSON)])
    case array([HeaderJSON])
    case string(String)
    /// The number's literal text, e.g. "12", "-3" or "2.5e3".
    case number(String)
    case bool(Bool)
    case null

    /// How the value is described in error messages.
    var kindName: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .number: "a number"
        case .bool: "a boolean"
        case .null: "null"
        }
    }

    /// Parses a complete document; only whitespace may follow the value.
    static func parse(_ bytes: ArraySlice<UInt8>) throws(HeaderJSONError) -> HeaderJSON {
        var parser = HeaderJSONParser(bytes: bytes)
        return try parser.parseDocument()
    }
}

/// Why a header is not well-formed JSON.
struct HeaderJSONError: Error, Sendable {
    /// What is wrong, including the byte offset within the header.
    let message: String
}

/// A recursive-descent parser for RFC 8259 JSON over UTF-8 bytes.
struct HeaderJSONParser {
    /// Deeper than any real header needs; keeps recursion far from the stack limit.
    static let maximumDepth = 64

    private let bytes: ArraySlice<UInt8>
    private var index: Int
    private var depth = 0

    init(bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.index = bytes.startIndex
    }

    mutating func parseDocument() throws(HeaderJSONError) -> HeaderJSON {
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        guard index == bytes.endIndex else { throw failure("unexpected content after the JSON value") }
        return value
    }

    private var offset: Int { index - bytes.startIndex }

    private func failure(_ message: String) -> HeaderJSONError {
        HeaderJSONError(message: "\(message) at byte \(offset) of the header")
    }

    private var current: UInt8? { index < bytes.endIndex ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
            index += 1
        }
    }

    private mutating func expect(_ byte: UInt8) throws(HeaderJSONError) {
        guard current == byte else {
            throw failure(current == nil
                ? "unexpected end, expected '\(Character(Unicode.Scalar(byte)))'"
                : "expected '\(Character(Unicode.Scalar(byte)))'")
        }
        index += 1
    }

    private mutating func parseValue() throws(HeaderJSONError) -> HeaderJSON {
        guard let byte = current else { throw failure("unexpected end of the header") }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        case UInt8(ascii: "t"): try parseLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try parseLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try parseLiteral("null"); return .null
        default: throw failure("unexpected character")
        }
    }

    private mutating func enterContainer() throws(HeaderJSONError) {
        depth += 1
        guard depth <= Self.maximumDepth else { throw failure("nesting deeper than \(Self.maximumDepth) levels") }
    }

    private mutating func parseObject() throws(HeaderJSONError) -> HeaderJSON {
        try enterContainer()
        defer { depth -= 1 }
        index += 1
        var members: [(key: String, value: HeaderJSON)] = []
        var keys = Set<String>()
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw failure("expected a string key") }
            let key = try parseString()
            guard keys.insert(key).inserted else { throw failure("duplicate key \(JSONText.quoted(key))") }
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            skipWhitespace()
            members.append((key, try parseValue()))
            skipWhitespace()
            if current == UInt8(ascii: ",") {
                index += 1
                continue
            }
            try expect(UInt8(ascii: "}"))
            return .object(members)
        }
    }

    private mutating func parseArray() throws(HeaderJSONError) -> HeaderJSON {
        try enterContainer()
        defer { depth -= 1 }
        index += 1
        var elements: [HeaderJSON] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue())
            skipWhitespace()
            if current == UInt8(ascii: ",") {
                index += 1
                continue
            }
            try expect(UInt8(ascii: "]"))
            return .array(elements)
        }
    }

    private mutating func parseLiteral(_ word: String) throws(HeaderJSONError) {
        for expected in word.utf8 {
            guard current == expected else { throw failure("invalid literal, expected \(word)") }
            index += 1
        }
    }

    private mutating func parseNumber() throws(HeaderJSONError) -> String {
        let start = index
        if current == UInt8(ascii: "-") { index += 1 }
        if current == UInt8(ascii: "0") {
            index += 1
        } else {
            guard skipDigits() > 0 else { throw failure("invalid number") }
        }
        if current == UInt8(ascii: ".") {
            index += 1
            guard skipDigits() > 0 else { throw failure("invalid number: digits must follow '.'") }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard skipDigits() > 0 else { throw failure("invalid number: digits must follow the exponent") }
        }
        // Only ASCII was consumed, so the text is always valid.
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private mutating func skipDigits() -> Int {
        var count = 0
        while let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
            index += 1
            count += 1
        }
        return count
    }

    private mutating func parseString() throws(HeaderJSONError) -> String {
        let start = index
        index += 1
        var utf8: [UInt8] = []
        while true {
            guard let byte = current else { throw failure("unterminated string") }
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard let text = String(validating: utf8, as: UTF8.self) else {
                    index = start
                    throw failure("string is not valid UTF-8")
                }
                return text
            case UInt8(ascii: "\\"):
                try parseEscape(into: &utf8)
            case 0x00..<0x20:
                index -= 1
                throw failure("unescaped control character in string")
            default:
                utf8.append(byte)
            }
        }
    }

    private mutating func parseEscape(into utf8: inout [UInt8]) throws(HeaderJSONError) {
        guard let byte = current else { throw failure("unterminated string") }
        index += 1
        let simple: UInt8? = switch byte {
        case UInt8(ascii: "\""): UInt8(ascii: "\"")
        case UInt8(ascii: "\\"): UInt8(ascii: "\\")
        case UInt8(ascii: "/"): UInt8(ascii: "/")
        case UInt8(ascii: "b"): 0x08
        case UInt8(ascii: "f"): 0x0C
        case UInt8(ascii: "n"): 0x0A
        case UInt8(ascii: "r"): 0x0D
        case UInt8(ascii: "t"): 0x09
        default: nil
        }
        if let simple {
            utf8.append(simple)
            return
        }
        guard byte == UInt8(ascii: "u") else { throw failure("invalid escape sequence") }
        var value = try parseHexQuad()
        if (0xD800..<0xDC00).contains(value) {
            // A high surrogate must be followed by an escaped low surrogate.
            guard current == UInt8(ascii: "\\") else { throw failure("unpaired surrogate in \\u escape") }
            index += 1
            guard current == UInt8(ascii: "u") else { throw failure("unpaired surrogate in \\u escape") }
            index += 1
            let low = try parseHexQuad()
            guard (0xDC00..<0xE000).contains(low) else { throw failure("unpaired surrogate in \\u escape") }
            value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
        }
        guard let scalar = Unicode.Scalar(value) else { throw failure("unpaired surrogate in \\u escape") }
        UTF8.encode(scalar) { utf8.append($0) }
    }

    private mutating func parseHexQuad() throws(HeaderJSONError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = current, let digit = hexValue(byte) else {
                throw failure("invalid \\u escape, expected four hex digits")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    private func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }
}
