/// Numbers from ASCII text, as `Float(String)` reads them, without making a
/// `String` for the common case.
enum DecimalText {
    /// The `Float` that `Float(String)` gives for `text` (no surrounding
    /// spaces), or nil where it gives nil.
    static func float(_ text: UnsafeBufferPointer<UInt8>) -> Float? {
        if let value = exactlyRounded(text) { return value }
        return Float(String(decoding: text, as: UTF8.self))
    }

    /// 10^k for k in 0...10, each exact (5¹⁰ < 2²⁴).
    private static func powerOfTen(_ k: Int) -> Float {
        switch k {
        case 0: 1
        case 1: 1e1
        case 2: 1e2
        case 3: 1e3
        case 4: 1e4
        case 5: 1e5
        case 6: 1e6
        case 7: 1e7
        case 8: 1e8
        case 9: 1e9
        default: 1e10
        }
    }

    /// `[+-]digits[.digits][(e|E)[+-]digits]` where the digits, read as a
    /// whole number m, stay within 2²⁴ and the power of ten k they are
    /// scaled by lies in -10...10: m and 10^|k| are then exact floats (5¹⁰ <
    /// 2²⁴), so one IEEE multiplication or division rounds m·10^k correctly,
    /// as `Float(String)` does (Clinger's fast path). Nil for anything else.
    private static func exactlyRounded(_ text: UnsafeBufferPointer<UInt8>) -> Float? {
        let count = text.count
        var i = 0, negative = false
        if i < count, text[i] == UInt8(ascii: "+") || text[i] == UInt8(ascii: "-") {
            negative = text[i] == UInt8(ascii: "-")
            i += 1
        }
        var mantissa: UInt32 = 0, digits = 0, scale = 0
        func digit(_ byte: UInt8) -> UInt32? { byte &- 0x30 < 10 ? UInt32(byte &- 0x30) : nil }
        while i < count, let d = digit(text[i]) {
            mantissa = mantissa &* 10 &+ d
            guard mantissa <= 1 << 24 else { return nil }
            digits += 1
            i += 1
        }
        if i < count, text[i] == UInt8(ascii: ".") {
            i += 1
            while i < count, let d = digit(text[i]) {
                mantissa = mantissa &* 10 &+ d
                guard mantissa <= 1 << 24 else { return nil }
                digits += 1
                scale -= 1
                i += 1
            }
        }
        guard digits > 0 else { return nil }
        if i < count, text[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            var exponentNegative = false
            if i < count, text[i] == UInt8(ascii: "+") || text[i] == UInt8(ascii: "-") {
                exponentNegative = text[i] == UInt8(ascii: "-")
                i += 1
            }
            var exponent = 0, exponentDigits = 0
            while i < count, let d = digit(text[i]) {
                guard exponent < 1000 else { return nil }
                exponent = exponent * 10 + Int(d)
                exponentDigits += 1
                i += 1
            }
            guard exponentDigits > 0 else { return nil }
            scale += exponentNegative ? -exponent : exponent
        }
        guard i == count, abs(scale) <= 10 else { return nil }
        var value = Float(mantissa)
        if scale > 0 { value *= powerOfTen(scale) } else if scale < 0 { value /= powerOfTen(-scale) }
        return negative ? -value : value
    }
}
