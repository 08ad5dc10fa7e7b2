/// Reads the Python dict literal of a `.npy` header: string keys whose values
/// are strings, `True`/`False` or tuples of non-negative integers. Anything
/// else (a structured dtype's list) is kept as `.other`, for the caller to
/// refuse by name.
struct NumPyDictionaryParser {
    enum Value: Equatable {
        case string(String)
        case boolean(Bool)
        case integers([Int])
        case other
    }

    private let characters: [Character]
    private var position = 0

    init(_ text: String) {
        characters = Array(text)
    }

    mutating func parse() throws(NumPyHeaderFault) -> [String: Value] {
        var entries: [String: Value] = [:]
        try expect("{")
        while true {
            skipSpaces()
            if peek() == "}" { break }
            guard case .string(let key) = try value() else { throw fault("a key that is not a string") }
            try expect(":")
            entries[key] = try value()
            skipSpaces()
            if peek() == "," {
                position += 1
            } else if peek() != "}" {
                throw fault("no ',' or '}' after the value of '\(key)'")
            }
        }
        return entries
    }

    private mutating func value() throws(NumPyHeaderFault) -> Value {
        skipSpaces()
        switch peek() {
        case "'", "\"":
            return .string(try string())
        case "(":
            return .integers(try tuple())
        case "T", "F":
            if take("True") { return .boolean(true) }
            if take("False") { return .boolean(false) }
            throw fault("an unknown word")
        case "[":
            try skipBracketed()
            return .other
        default:
            throw fault("an unexpected \(peek().map { "'\($0)'" } ?? "end")")
        }
    }

    private mutating func string() throws(NumPyHeaderFault) -> String {
        guard let quote = peek() else { throw fault("a missing string") }
        position += 1
        var text = ""
        while let character = peek(), character != quote {
            text.append(character)
            position += 1
        }
        try expect(quote)
        return text
    }

    private mutating func tuple() throws(NumPyHeaderFault) -> [Int] {
        try expect("(")
        var values: [Int] = []
        while true {
            skipSpaces()
            if peek() == ")" { break }
            var digits = ""
            while let character = peek(), character.isASCII, character.isNumber {
                digits.append(character)
                position += 1
            }
            // Python 2 wrote long integers with an L.
            if peek() == "L" { position += 1 }
            guard let number = Int(digits) else { throw fault("a shape entry that is not a non-negative whole number") }
            values.append(number)
            skipSpaces()
            if peek() == "," {
                position += 1
            } else if peek() != ")" {
                throw fault("no ',' or ')' in the shape")
            }
        }
        position += 1
        return values
    }

    private mutating func skipBracketed() throws(NumPyHeaderFault) {
        var depth = 0
        repeat {
            guard let character = peek() else { throw fault("an unclosed '['") }
            if character == "[" || character == "(" { depth += 1 }
            if character == "]" || character == ")" { depth -= 1 }
            position += 1
        } while depth > 0
    }

    private func peek() -> Character? { position < characters.count ? characters[position] : nil }

    private mutating func skipSpaces() {
        while let character = peek(), character.isWhitespace { position += 1 }
    }

    private mutating func take(_ word: String) -> Bool {
        let word = Array(word)
        guard position + word.count <= characters.count, Array(characters[position..<(position + word.count)]) == word else {
            return false
        }
        position += word.count
        return true
    }

    private mutating func expect(_ character: Character) throws(NumPyHeaderFault) {
        skipSpaces()
        guard peek() == character else { throw fault("no '\(character)' where one belongs") }
        position += 1
    }

    private func fault(_ what: String) -> NumPyHeaderFault {
        NumPyHeaderFault("the .npy header is not a dict literal numpy writes: \(what) at character \(position + 1)")
    }
}
