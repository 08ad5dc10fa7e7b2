import ANN
import Foundation

/// The class names of a model trained on a table with named classes, kept in
/// its safetensors metadata so that `ann evaluate` numbers a test file's
/// labels as training did.
enum ModelClassNames {
    /// The `__metadata__` key: a JSON array of strings, class 0 first.
    static let metadataKey = "classes"

    static func encode(_ names: [String]) -> String {
        (try? JSONEncoder().encode(names)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
    }

    /// The names saved in `file`, nil when it has none.
    static func decode(_ file: SafeTensors, source: String) throws(ModelFileError) -> [String]? {
        guard let text = file.metadata[metadataKey] else { return nil }
        guard let names = try? JSONDecoder().decode([String].self, from: Data(text.utf8)) else {
            throw ModelFileError(file: source, reason: "__metadata__ \"\(metadataKey)\" is not a JSON array of strings")
        }
        return names
    }
}
