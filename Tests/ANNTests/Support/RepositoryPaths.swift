import Foundation

/// `data/mnist` in the repository, where the test command (scripts/test)
/// fetches the real data set; found from this file's path, not the working directory.
let fetchedMNISTPath = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("data/mnist").path

/// Where scripts/fetch-tabular writes scikit-learn's small tables (iris,
/// wine, breast cancer, digits): $ANN_TABULAR_DIR, else `data/tabular` in the repository.
let fetchedTabularPath: String = {
    if let value = ProcessInfo.processInfo.environment["ANN_TABULAR_DIR"], !value.isEmpty { return value }
    return URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("data/tabular").path
}()
