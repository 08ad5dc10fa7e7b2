#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Finds the four standard files in a directory: train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, each possibly with a `.gz` suffix (plain name preferred).
///
/// The plain name wins because `scripts/fetch-mnist` writes plain files, and a
/// stale `.gz` left beside them should not shadow verified data.
public struct IDXDataDirectory: Sendable {
    /// Names the data folder without a command-line flag, for CI and shells
    /// where the data lives outside the checkout.
    public static let environmentVariable = "ANN_DATA_DIR"

    /// The folder the CLI uses when no --data-dir is given: $ANN_DATA_DIR if set, else "data/mnist" under the current directory.
    public static func defaultPath() -> String {
        if let value = getenv(environmentVariable), value.pointee != 0 {
            return String(cString: value)
        }
        return "data/mnist"
    }

    /// The directory as the caller gave it; file paths are built on it
    /// unchanged so that messages show what the user typed.
    public let path: String

    /// Names a directory; nothing is read until a set is loaded.
    public init(path: String) {
        self.path = path
    }

    /// Loads the 60,000-sample training set (for MNIST).
    ///
    /// - Throws: ``DataError`` when the directory or a file is missing (with a
    ///   hint to run `scripts/fetch-mnist`) or a file is faulty.
    public func loadTrainingSet() throws(DataError) -> LabeledDataset {
        try load(images: "train-images-idx3-ubyte", labels: "train-labels-idx1-ubyte")
    }

    /// Loads the 10,000-sample test set (for MNIST).
    ///
    /// - Throws: ``DataError`` as for ``loadTrainingSet()``.
    public func loadTestSet() throws(DataError) -> LabeledDataset {
        try load(images: "t10k-images-idx3-ubyte", labels: "t10k-labels-idx1-ubyte")
    }

    private func load(images: String, labels: String) throws(DataError) -> LabeledDataset {
        guard Self.kind(of: path) == .directory else {
            throw DataError(
                file: path,
                reason: Self.kind(of: path) == .missing
                    ? "data directory is missing; \(fetchHint)"
                    : "is not a directory")
        }
        return try IDXReader.readDataset(images: try locate(images), labels: try locate(labels))
    }

    /// The path of `name` in the directory, plain or gzip-compressed.
    private func locate(_ name: String) throws(DataError) -> String {
        let plain = join(name)
        if Self.kind(of: plain) != .missing { return plain }
        let compressed = plain + ".gz"
        if Self.kind(of: compressed) != .missing { return compressed }
        throw DataError(file: plain, reason: "file is missing (nor is there a .gz of it); \(fetchHint)")
    }

    private func join(_ name: String) -> String {
        path.hasSuffix("/") ? path + name : path + "/" + name
    }

    /// How to get the data: the script's default folder matches the CLI's, so
    /// only another folder has to be spelt out.
    private var fetchHint: String {
        path == Self.defaultPath()
            ? "run scripts/fetch-mnist to download MNIST"
            : "run scripts/fetch-mnist \(path) to download MNIST there"
    }

    private enum EntryKind { case missing, directory, other }

    private static func kind(of path: String) -> EntryKind {
        var status = stat()
        guard stat(path, &status) == 0 else { return .missing }
        return status.st_mode & S_IFMT == S_IFDIR ? .directory : .other
    }
}
