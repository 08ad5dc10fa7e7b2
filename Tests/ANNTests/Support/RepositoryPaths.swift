import Foundation

/// `data/mnist` in the repository, where the test command (scripts/test)
/// fetches the real data set; found from this file's path, not the working directory.
let fetchedMNISTPath = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("data/mnist").path
